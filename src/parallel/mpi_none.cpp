// Built without STEMS_WITH_MPI: one rank, and the MPI commands explain how to get MPI.
#include "stems/common/error.hpp"
#include "stems/parallel/mpi.hpp"

namespace stems::parallel {

bool mpi_built() {
  return false;
}
int mpi_world_size() {
  return 1;
}
int mpi_rank() {
  return 0;
}

std::optional<campaign::CampaignSummary> run_campaign_mpi(const campaign::Campaign&,
                                                          const campaign::CampaignOptions&,
                                                          const std::atomic<bool>*,
                                                          const campaign::RunLogFn&) {
  throw InputError("mpirun",
                   "this stems was built without MPI; configure with -DSTEMS_WITH_MPI=ON");
}

std::optional<search::OptimizeResult> optimize_islands(std::shared_ptr<const search::Problem>,
                                                       search::OptimizerConfig,
                                                       const IslandOptions&,
                                                       const search::ProgressFn&,
                                                       const std::atomic<bool>*) {
  throw InputError("--mpi", "this stems was built without MPI; configure with -DSTEMS_WITH_MPI=ON");
}

}  // namespace stems::parallel
