#include "run_context.hpp"

#include <algorithm>

#include "initial_population.hpp"

#include "stems/common/error.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::problems {

namespace {

// [search] seed_hardware: the index of each named parameter among the hardware genes.
std::vector<std::size_t> seed_gene_indices(const search::RunConfig& rc,
                                           const search::HardwareSpace& space) {
  std::vector<std::size_t> out;
  for (const std::string& name : rc.seed_hardware) {
    const auto& genes = space.genes();
    const auto it = std::find_if(genes.begin(), genes.end(), [&](const search::HardwareGene& g) {
      return g.label == "hw." + name;
    });
    if (it != genes.end()) {
      out.push_back(static_cast<std::size_t>(it - genes.begin()));
      continue;
    }
    std::string listed;
    for (const auto& g : genes)
      listed += (listed.empty() ? "" : ", ") + g.label.substr(3);
    throw InputError(rc.seed_hardware_at.empty() ? rc.path : rc.seed_hardware_at,
                     "'search.seed_hardware': '" + name +
                         "' is not a hardware gene of this run (a parameter of [search.hardware] "
                         "with two or more values; genes: " +
                         (listed.empty() ? std::string("none") : listed) + ")");
  }
  if (seed_hardware_configurations(space, out) > kMaxSeedHardware) {
    throw InputError(rc.seed_hardware_at.empty() ? rc.path : rc.seed_hardware_at,
                     "'search.seed_hardware': the seeds would go on over " +
                         std::to_string(kMaxSeedHardware) +
                         " hardware configurations (the product of the genes' option counts); "
                         "name fewer genes");
  }
  return out;
}

}  // namespace

std::shared_ptr<const ScheduleProblem> make_context(const search::RunConfig& rc) {
  workload::Network net = nir::load_any_workload(rc.workload, rc.nir);
  if (!rc.state_schedule.empty()) workload::apply_state_schedule(net, rc.state_schedule);
  for (std::size_t i = 0; i < rc.free_state_blocks.size(); ++i) {
    const int b = rc.free_state_blocks[i];
    if (b >= net.block_count()) {
      const bool located = i < rc.free_state_blocks_at.size();
      throw InputError(located ? rc.free_state_blocks_at[i] : rc.path,
                       "'search.free_state_blocks': no block " + std::to_string(b) +
                           " (the workload '" + net.name() + "' has blocks 0 to " +
                           std::to_string(net.block_count() - 1) + ")");
    }
    for (workload::Vertex v : net.topological_order()) {
      auto& l = net.mutable_layer(v);
      if (l.block == b && l.has_neurons()) l.state_policy = workload::StatePolicy::Free;
    }
  }
  if (rc.accuracy.model) {
    const std::string why =
        rc.accuracy.model->blocks_problem(static_cast<std::size_t>(net.block_count()));
    if (!why.empty()) throw InputError(rc.path, "[accuracy] " + why);
  }
  hardware::Accelerator acc = hardware::load_hardware_file(rc.hardware);
  std::optional<schedule::InputAlignment> alignment;
  if (!rc.alignment.empty()) alignment = schedule::parse_alignment(rc.alignment);
  HardwareSearch hw;
  hw.space = search::HardwareSpace(acc, net, rc.hardware_genes);
  hw.area_objective = rc.area_objective.value_or(hw.space.dimension() > 0);
  hw.max_area_mm2 = rc.max_area_mm2;
  hw.seed_genes = seed_gene_indices(rc, hw.space);
  if ((hw.area_objective || hw.max_area_mm2) && !acc.technology) {
    throw InputError(rc.path,
                     "area_mm2 (objective or max_area_mm2) needs a [technology] table in "
                     "the hardware file '" +
                         rc.hardware + "'");
  }
  auto problem = std::make_shared<ScheduleProblem>(
      std::move(net), std::move(acc), rc.space, rc.granularity, rc.accuracy,
      cost::policy_named(rc.model, rc.path), alignment, std::move(hw));
  if (!rc.initial_population.empty()) {
    try {
      problem->set_initial_population(read_initial_population(rc.initial_population, *problem));
    } catch (const InputError& e) {
      throw InputError(rc.path, std::string("initial population: ") + e.what());
    }
  }
  return problem;
}

std::vector<search::FrontRecord> front_records(const ScheduleProblem& problem,
                                               const search::OptimizeResult& result) {
  std::vector<search::FrontRecord> records;
  records.reserve(result.front.size());
  for (const auto& p : result.front)
    records.push_back(problem.record(p));
  return records;
}

std::optional<search::FrontRecord> chosen_record(const ScheduleProblem& problem,
                                                 const search::OptimizeResult& result) {
  if (result.front.empty()) return std::nullopt;
  return problem.record(result.front.front(), schedule::Records::Full);
}

}  // namespace stems::problems
