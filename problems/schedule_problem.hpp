#pragma once
// The schedule search problem (a search::Problem; the optimiser wraps it for Pagmo2): a genome
// (stems/search/search_space.hpp) decodes to a schedule carrying every layer's state decision,
// the list scheduler evaluates it (totals only), and the objectives are energy_pJ,
// latency_cycles, state_bits and, with an accuracy model, accuracy. A genome is infeasible, with
// the reason, when the hardware cannot run its schedule (stems::Infeasible from the scheduler or
// the cost model) or its accuracy is below min_accuracy.
//
// Co-design (a non-empty search::HardwareSpace): the genome ends with the hardware genes; each
// hardware configuration is built once (or found infeasible with the reason) and gets its own
// node-cost memo, kept in a least-recently-used table of at most `cache_configs` configurations
// (node costs depend on the whole accelerator, so they are never shared between two), which bounds
// the memory of a long search. The area objective and max_area_mm2 come from the technology model.
//
// Thread safety: evaluate() is const and runs on many threads at once. The network, accelerator
// and space are immutable and read by const reference (no copy per evaluation); the node-cost
// memo and the genome memo are internally synchronised.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stems/cost/node_cache.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/search/accuracy_model.hpp"
#include "stems/search/front_record.hpp"
#include "stems/search/hardware_space.hpp"
#include "stems/search/problem.hpp"
#include "stems/search/search_space.hpp"
#include "stems/workload/network.hpp"

namespace stems::problems {

// What a co-design search adds to the schedule search.
struct HardwareSearch {
  search::HardwareSpace space;
  bool area_objective = false;         // area_mm2 is an objective
  std::optional<double> max_area_mm2;  // constraint
  std::size_t cache_configs = 256;     // hardware configurations whose node costs are kept
  // Indices into space.genes() whose every option gets the canonical seeds ([search]
  // seed_hardware), not only the template's value; ScheduleProblem::seeds.
  std::vector<std::size_t> seed_genes;
};

// At most this many hardware configurations (the product of the seed genes' option counts) get
// the canonical seeds.
inline constexpr std::size_t kMaxSeedHardware = 10'000;

// How many hardware configurations the seed genes (indices into space.genes(), valid) span: the
// product of their option counts, stopping at the first partial product above kMaxSeedHardware.
std::size_t seed_hardware_configurations(const search::HardwareSpace& space,
                                         const std::vector<std::size_t>& seed_genes);

// One hardware configuration: the accelerator, its node-cost memo, its area; or why it is not one.
struct HardwareInstance {
  std::shared_ptr<const hardware::Accelerator> accelerator;
  std::shared_ptr<cost::NodeCostCache> node_costs;
  std::optional<double> area_mm2;
  std::string infeasible_reason;  // non-empty: this configuration cannot be built
  std::vector<std::pair<std::string, std::uint64_t>> parameters;  // hw.<parameter> = value
};

class ScheduleProblem final : public search::Problem {
 public:
  // Throws InputError when the workload marks free state genes but no accuracy model is given, or
  // when the space has no genes.
  // `policy`: the cost model of every evaluation; `alignment`: the schedules' tile alignment
  // (default: the model's, schedule::default_alignment).
  ScheduleProblem(workload::Network net, hardware::Accelerator acc, search::SpaceKind kind,
                  search::Granularity granularity, search::AccuracyObjective accuracy,
                  const cost::ModelPolicy& policy = cost::ModelPolicy::physical(),
                  std::optional<schedule::InputAlignment> alignment = std::nullopt,
                  HardwareSearch hardware = {});
  ScheduleProblem(const ScheduleProblem&) = delete;  // the space points into this object
  ScheduleProblem& operator=(const ScheduleProblem&) = delete;

  // search::Problem
  std::string name() const override { return "stems schedule and state search"; }
  search::ObjectiveSet objectives() const override {
    return {accuracy_.configured(), hardware_.area_objective};
  }
  std::vector<std::uint64_t> option_counts() const override;
  search::Fitness evaluate(const std::vector<double>& x) const override;
  // STEMS's hand-picked schedules (TB-LBL, TB-F, ST-LBL, ST-F, the hybrids) the space expresses,
  // each once, on the template hardware (co-design: each hardware gene at the template's value,
  // else its middle option). With a closed-form accuracy model and a lossless prefix
  // (lossless_state_genes), the same schedules with that prefix of states dropped come first, then
  // the schedules with the declared states: a population smaller than the seeds keeps the former.
  // With seed genes (HardwareSearch::seed_genes), each of the two groups is repeated on every
  // other combination of their options (odometer order, the first seed gene slowest), after the
  // template's: lossless on the template, lossless elsewhere, declared on the template, declared
  // elsewhere. An initial population (set_initial_population) goes before all of them.
  std::vector<std::vector<double>> seeds() const override;
  // Genomes that go first into the seeds (an initial population: initial_population.hpp), before
  // the canonical schedules. Set once, before the problem is shared. Throws std::invalid_argument
  // for a genome of the wrong length.
  void set_initial_population(std::vector<std::vector<double>> genomes);
  // The genome of a front point's genes string ("b0.time=16 b0.space=map ... hw.<parameter>=v",
  // FrontRecord::genes): every gene of this problem named once with one of its options, and no
  // other label but a hardware parameter this run fixes (one value in [search.hardware]), at that
  // value. Throws std::invalid_argument naming the gene otherwise (a front of a run with other
  // genes: a schedule-only run does not take a co-design front, nor one with state genes it lacks).
  std::vector<double> encode_genes(const std::string& genes) const;
  // How many of the state genes, earliest first (block order; per-layer genes by whole blocks),
  // can be dropped together with the accuracy model estimating no less than for the genome's own
  // states (STEMS's finding on SEW-ResNet: the first blocks' states cost no accuracy): the longest
  // such prefix, counted in state genes. 0 without state genes, when the model is not closed-form
  // (AccuracyModel::closed_form: no simulation or command is run for seeds), or when the genome's
  // own states have an error, no accuracy or one below min_accuracy. Costs one estimate for the
  // genome and one per block with state genes.
  std::size_t lossless_state_genes(const std::vector<double>& x) const;
  std::uint64_t evaluations() const override;
  // Every genome evaluated so far (the memo's keys, in key order): e.g. to replay a search warm.
  std::vector<std::vector<double>> evaluated_genomes() const;
  std::uint64_t infeasible() const override;
  std::string first_infeasible_reason() const override;
  void clear_memo() const;  // forget evaluated genomes (node costs stay memoised)

  // The schedule a genome stands for: tiles, fuse groups, state decisions, and the spike densities
  // the accuracy model measured for its state configuration.
  schedule::Schedule decode(const std::vector<double>& x) const;
  // A front point with its schedule and evaluation (Totals, or every record for Full).
  search::FrontRecord record(const search::FrontPoint& p,
                             schedule::Records records = schedule::Records::Totals) const;

  const workload::Network& network() const { return network_; }
  const hardware::Accelerator& accelerator() const { return accelerator_; }
  const search::SearchSpace& space() const { return space_; }
  const search::AccuracyObjective& accuracy() const { return accuracy_; }
  cost::NodeCostCache& node_costs() const { return node_costs_; }
  const HardwareSearch& hardware_search() const { return hardware_; }
  // The hardware configuration of a genome (the template when the search sizes no hardware).
  std::shared_ptr<const HardwareInstance> hardware_of(const std::vector<double>& x) const;
  std::size_t hardware_configs_cached() const;

 private:
  search::Fitness compute(const std::vector<double>& x) const;
  std::shared_ptr<const HardwareInstance> build_hardware(
      const std::vector<std::uint64_t>& values) const;
  std::vector<double> schedule_genes(const std::vector<double>& x) const;
  std::vector<double> canonical_seed(const std::string& name) const;  // std::invalid_argument
  // Throws std::invalid_argument for a seed gene that is not a hardware gene or is listed twice,
  // InputError when they have more than kMaxSeedHardware combinations.
  void check_seed_genes() const;
  // `group` (seeds on the template hardware), then the same seeds on every other combination of
  // the seed genes' options.
  std::vector<std::vector<double>> spread_over_hardware(
      const std::vector<std::vector<double>>& group) const;
  std::vector<std::size_t> state_gene_indices() const;  // in gene order
  void drop_first_states(std::vector<double>& x, std::size_t count) const;
  // encode_genes: `label` is no gene; accepted once when it names a hardware parameter this run
  // fixes at the same value (std::invalid_argument otherwise). `named`: those seen so far.
  void check_fixed_parameter(const std::string& label, std::string_view text,
                             std::vector<std::string>& named) const;

  const workload::Network network_;
  const hardware::Accelerator accelerator_;
  const search::SearchSpace space_;
  const search::AccuracyObjective accuracy_;
  const schedule::InputAlignment alignment_;
  mutable cost::NodeCostCache node_costs_;
  const HardwareSearch hardware_;
  std::shared_ptr<const HardwareInstance> template_instance_;
  mutable std::mutex hw_mutex_;
  mutable std::uint64_t hw_clock_ = 0;
  mutable std::map<std::vector<std::uint64_t>,
                   std::pair<std::shared_ptr<const HardwareInstance>, std::uint64_t>>
      hw_cache_;
  std::vector<std::vector<double>> initial_population_;
  mutable std::mutex memo_mutex_;
  mutable std::map<std::vector<std::int64_t>, search::Fitness> memo_;
  mutable std::uint64_t infeasible_ = 0;
  mutable std::string first_infeasible_reason_;
};

}  // namespace stems::problems
