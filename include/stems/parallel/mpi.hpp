#pragma once
// Running beyond one process with MPI (build option STEMS_WITH_MPI, OpenMPI from Debian).
//
// MPI is initialised on first use, and only when the process was started by mpirun (OpenMPI's or
// a PMI launcher's environment is present), so a plain `stems` never touches MPI. Built without
// MPI, the world has one rank and the MPI entry points say how to get them.
//
// Campaigns: rank 0 validates the grid, hands out one run at a time to the other ranks, and
// writes every record and results.csv row (the resume logic is the same as for threads); it does
// not compute itself. Ranks must share the output directory (one machine, or a shared file
// system): search runs write their fronts there.
//
// Search islands (`stems optimize --mpi`): one island per rank, seed + rank, canonical schedules
// in rank 0's population only. After every generation the ranks agree whether to stop (any rank
// reaching its budget or interrupted stops all); every `interval` generations each rank sends its
// best individuals to the next rank on a ring (a synchronous exchange: the result is reproducible
// for a given seed and rank count). At the end rank 0 gathers every island's front and keeps the
// non-dominated points.

#include <atomic>
#include <memory>
#include <optional>

#include "stems/campaign/runner.hpp"
#include "stems/search/optimizer.hpp"

namespace stems::parallel {

bool mpi_built();
int mpi_world_size();  // 1 outside mpirun
int mpi_rank();        // 0 outside mpirun

// Rank 0: the campaign's summary; other ranks: nullopt once rank 0 releases them.
std::optional<campaign::CampaignSummary> run_campaign_mpi(const campaign::Campaign& c,
                                                          const campaign::CampaignOptions& options,
                                                          const std::atomic<bool>* stop,
                                                          const campaign::RunLogFn& log);

struct IslandOptions {
  unsigned interval = 5;     // generations between migrations
  std::size_t migrants = 2;  // individuals sent per migration
};

// Every rank runs `config` with seed + rank; rank 0 returns the merged result (front of all
// islands, evaluations summed), the other ranks nullopt. Throws InputError when not under mpirun.
std::optional<search::OptimizeResult> optimize_islands(
    std::shared_ptr<const search::Problem> problem, search::OptimizerConfig config,
    const IslandOptions& islands, const search::ProgressFn& progress,
    const std::atomic<bool>* stop);

}  // namespace stems::parallel
