#include "schedule_problem.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "stems/common/error.hpp"
#include "stems/hardware/technology.hpp"
#include "stems/hardware/variant.hpp"

namespace stems::problems {

ScheduleProblem::ScheduleProblem(workload::Network net, hardware::Accelerator acc,
                                 search::SpaceKind kind, search::Granularity granularity,
                                 search::AccuracyObjective accuracy,
                                 const cost::ModelPolicy& policy,
                                 std::optional<schedule::InputAlignment> alignment,
                                 HardwareSearch hardware)
    : network_(std::move(net)),
      accelerator_(std::move(acc)),
      space_(network_, kind, granularity, &accelerator_),
      accuracy_(std::move(accuracy)),
      alignment_(alignment.value_or(schedule::default_alignment(policy))),
      node_costs_(accelerator_, cost::NodeSearchOptions{6, policy}),
      hardware_(std::move(hardware)) {
  {
    auto inst = std::make_shared<HardwareInstance>();
    // Non-owning: the template and its memo live as long as this problem.
    inst->accelerator = std::shared_ptr<const hardware::Accelerator>(
        std::shared_ptr<const hardware::Accelerator>(), &accelerator_);
    inst->node_costs =
        std::shared_ptr<cost::NodeCostCache>(std::shared_ptr<cost::NodeCostCache>(), &node_costs_);
    if (accelerator_.technology && (hardware_.area_objective || hardware_.max_area_mm2)) {
      inst->area_mm2 = hardware::area_mm2(accelerator_);
    }
    template_instance_ = std::move(inst);
  }
  if (hardware_.area_objective && !accelerator_.technology) {
    throw InputError("run config",
                     "the area objective needs a [technology] table in the hardware "
                     "file (areas come from the technology model)");
  }
  if (space_.has_state_genes() && !accuracy_.configured()) {
    throw InputError("run config",
                     "the workload marks layers `state = \"free\"` but no accuracy model is "
                     "given: without one, dropping every state always wins and the front collapses "
                     "onto 'no state anywhere'. Add an [accuracy] table (see README, Search)");
  }
  if (space_.dimension() + hardware_.space.dimension() == 0) {
    throw InputError("run config", "the search space has no genes (every choice is fixed)");
  }
  check_seed_genes();
}

std::size_t seed_hardware_configurations(const search::HardwareSpace& space,
                                         const std::vector<std::size_t>& seed_genes) {
  std::size_t combinations = 1;
  for (const std::size_t g : seed_genes) {
    combinations *= space.genes()[g].options.size();
    if (combinations > kMaxSeedHardware) break;
  }
  return combinations;
}

void ScheduleProblem::check_seed_genes() const {
  const auto& genes = hardware_.space.genes();
  for (std::size_t i = 0; i < hardware_.seed_genes.size(); ++i) {
    const std::size_t g = hardware_.seed_genes[i];
    if (g >= genes.size()) {
      throw std::invalid_argument("HardwareSearch::seed_genes: gene " + std::to_string(g) + " of " +
                                  std::to_string(genes.size()) + " hardware genes");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (hardware_.seed_genes[j] == g) {
        throw std::invalid_argument("HardwareSearch::seed_genes: " + genes[g].label +
                                    " is listed twice");
      }
    }
  }
  if (seed_hardware_configurations(hardware_.space, hardware_.seed_genes) > kMaxSeedHardware) {
    throw InputError("run config", "seed_hardware: over " + std::to_string(kMaxSeedHardware) +
                                       " hardware configurations would get the seeds");
  }
}

std::vector<std::uint64_t> ScheduleProblem::option_counts() const {
  std::vector<std::uint64_t> counts;
  for (const auto& g : space_.genes())
    counts.push_back(g.options.size());
  for (const auto& g : hardware_.space.genes())
    counts.push_back(g.options.size());
  return counts;
}

std::vector<double> ScheduleProblem::schedule_genes(const std::vector<double>& x) const {
  if (hardware_.space.dimension() == 0) return x;
  return {x.begin(),
          x.begin() + static_cast<std::ptrdiff_t>(std::min(x.size(), space_.dimension()))};
}

std::shared_ptr<const HardwareInstance> ScheduleProblem::build_hardware(
    const std::vector<std::uint64_t>& values) const {
  auto inst = std::make_shared<HardwareInstance>();
  const auto& knobs = hardware_.space.knobs();
  for (std::size_t i = 0; i < knobs.size(); ++i)
    inst->parameters.emplace_back("hw." + knobs[i].name, values[i]);
  try {
    auto acc = std::make_shared<const hardware::Accelerator>(
        hardware_.space.configure(accelerator_, values));
    if (acc->technology) inst->area_mm2 = hardware::area_mm2(*acc);
    inst->node_costs = std::make_shared<cost::NodeCostCache>(*acc, node_costs_.options());
    inst->accelerator = std::move(acc);
  } catch (const Infeasible& e) {
    inst->infeasible_reason = e.what();
  } catch (const std::invalid_argument& e) {
    inst->infeasible_reason = std::string("hardware: ") + e.what();
  }
  return inst;
}

std::shared_ptr<const HardwareInstance> ScheduleProblem::hardware_of(
    const std::vector<double>& x) const {
  if (hardware_.space.empty()) return template_instance_;
  std::vector<std::uint64_t> values = hardware_.space.values(x, space_.dimension());
  {
    std::lock_guard<std::mutex> lock(hw_mutex_);
    auto it = hw_cache_.find(values);
    if (it != hw_cache_.end()) {
      it->second.second = ++hw_clock_;
      return it->second.first;
    }
  }
  auto inst = build_hardware(values);  // outside the lock; a racing duplicate is harmless
  std::lock_guard<std::mutex> lock(hw_mutex_);
  auto [it, inserted] = hw_cache_.emplace(std::move(values), std::make_pair(inst, ++hw_clock_));
  if (!inserted) return it->second.first;
  while (hw_cache_.size() > std::max<std::size_t>(1, hardware_.cache_configs)) {
    auto oldest = hw_cache_.begin();
    for (auto jt = hw_cache_.begin(); jt != hw_cache_.end(); ++jt) {
      if (jt->second.second < oldest->second.second) oldest = jt;
    }
    hw_cache_.erase(oldest);  // evaluations still holding it keep it alive until they finish
  }
  return inst;
}

std::size_t ScheduleProblem::hardware_configs_cached() const {
  std::lock_guard<std::mutex> lock(hw_mutex_);
  return hw_cache_.size();
}

namespace {
// Option 0 of a state gene drops the unit's state (SearchSpace: options {0 drop, 1 keep}).
constexpr double kDropState = 0;
}  // namespace

std::vector<std::size_t> ScheduleProblem::state_gene_indices() const {
  std::vector<std::size_t> genes;
  for (std::size_t i = 0; i < space_.dimension(); ++i) {
    if (space_.genes()[i].kind == search::GeneKind::StateKeep) genes.push_back(i);
  }
  return genes;
}

void ScheduleProblem::drop_first_states(std::vector<double>& x, std::size_t count) const {
  const auto genes = state_gene_indices();
  for (std::size_t k = 0; k < count && k < genes.size(); ++k)
    x[genes[k]] = kDropState;
}

std::size_t ScheduleProblem::lossless_state_genes(const std::vector<double>& x) const {
  if (!accuracy_.configured() || !accuracy_.model->closed_form()) return 0;
  const auto genes = state_gene_indices();
  if (genes.empty()) return 0;
  const auto accuracy_of = [&](const std::vector<double>& g) {
    return accuracy_.model->estimate(schedule::state_schedule(network_, space_.decode(g)));
  };
  std::vector<double> y = schedule_genes(x);
  const auto declared = accuracy_of(y);
  // Nothing to preserve when the genome's own states are unusable (an error, no accuracy, or
  // below the constraint): every drop would count as lossless.
  if (!declared.error.empty() || declared.accuracy <= 0 ||
      (accuracy_.min_accuracy && declared.accuracy < *accuracy_.min_accuracy)) {
    return 0;
  }
  std::size_t lossless = 0;
  for (std::size_t k = 1; k <= genes.size(); ++k) {
    y[genes[k - 1]] = kDropState;
    // Per-layer genes: the model sees blocks (state_schedule), so a prefix ending inside a block
    // would look free whatever that block's remaining layers cost; only whole blocks count.
    if (k < genes.size() && space_.block_of(space_.genes()[genes[k - 1]]) ==
                                space_.block_of(space_.genes()[genes[k]])) {
      continue;
    }
    const auto e = accuracy_of(y);
    if (e.error.empty() && e.accuracy >= declared.accuracy) lossless = k;
  }
  return lossless;
}

std::vector<double> ScheduleProblem::canonical_seed(const std::string& name) const {
  const auto [t, d] = schedule::canonical_bits(name, network_.block_count());
  std::vector<double> x = space_.encode_bits(t, d);
  for (const auto& g : hardware_.space.genes()) {  // the template's value, else the middle option
    const std::uint64_t v = hardware::knob_value(accelerator_, g.knob);
    std::size_t i = g.options.size() / 2;
    for (std::size_t j = 0; j < g.options.size(); ++j)
      if (g.options[j] == v) i = j;
    x.push_back(static_cast<double>(i));
  }
  return x;
}

std::vector<std::vector<double>> ScheduleProblem::spread_over_hardware(
    const std::vector<std::vector<double>>& group) const {
  std::vector<std::vector<double>> out = group;
  if (group.empty() || hardware_.seed_genes.empty()) return out;
  const auto& genes = hardware_.space.genes();
  const std::size_t first = space_.dimension();  // the hardware genes follow the schedule's
  std::vector<std::size_t> at(hardware_.seed_genes.size(), 0);  // option index per seed gene
  const auto on_template = [&] {
    for (std::size_t i = 0; i < at.size(); ++i)
      if (static_cast<double>(at[i]) != group.front()[first + hardware_.seed_genes[i]])
        return false;
    return true;
  };
  while (true) {
    if (!on_template()) {
      for (std::vector<double> x : group) {
        for (std::size_t i = 0; i < at.size(); ++i)
          x[first + hardware_.seed_genes[i]] = static_cast<double>(at[i]);
        out.push_back(std::move(x));
      }
    }
    // Next combination, the last seed gene fastest.
    std::size_t i = at.size();
    while (i > 0 && ++at[i - 1] == genes[hardware_.seed_genes[i - 1]].options.size())
      at[--i] = 0;
    if (i == 0) return out;
  }
}

void ScheduleProblem::set_initial_population(std::vector<std::vector<double>> genomes) {
  const std::size_t genes = space_.dimension() + hardware_.space.dimension();
  for (const auto& x : genomes) {
    if (x.size() != genes) {
      throw std::invalid_argument("set_initial_population: a genome of " +
                                  std::to_string(x.size()) + " genes, expected " +
                                  std::to_string(genes));
    }
  }
  initial_population_ = std::move(genomes);
}

namespace {

// "16" -> 16, "map" -> 0 (a spatial gene's whole map, SearchSpace::describe); nullopt otherwise.
std::optional<std::uint64_t> gene_value(std::string_view text, bool spatial) {
  if (spatial && text == "map") return 0;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::string options_text(const std::vector<std::uint64_t>& options) {
  std::string out;
  for (std::uint64_t o : options)
    out += (out.empty() ? "" : ", ") + std::to_string(o);
  return out;
}

}  // namespace

void ScheduleProblem::check_fixed_parameter(const std::string& label, std::string_view text,
                                            std::vector<std::string>& named) const {
  const auto& knobs = hardware_.space.knobs();
  const auto k = std::find_if(knobs.begin(), knobs.end(),
                              [&](const hardware::Knob& kn) { return "hw." + kn.name == label; });
  if (k == knobs.end()) {
    throw std::invalid_argument("gene '" + label + "' is not in this run's search space");
  }
  if (std::find(named.begin(), named.end(), label) != named.end()) {
    throw std::invalid_argument("gene '" + label + "' is named twice");
  }
  named.push_back(label);
  // A parameter with one value in [search.hardware]: the front's value must be that one. (A gene
  // has a slot of its own and does not come here.)
  const auto fixed = hardware_.space.fixed_value(static_cast<std::size_t>(k - knobs.begin()));
  if (!fixed) throw std::logic_error("hardware gene '" + label + "' without a slot");
  const auto v = gene_value(text, false);
  if (!v || *v != *fixed) {
    throw std::invalid_argument(label + "=" + std::string(text) + ": this run fixes it at " +
                                std::to_string(*fixed));
  }
}

std::vector<double> ScheduleProblem::encode_genes(const std::string& genes) const {
  // Every gene of this problem: label, options, whether 0 prints as "map".
  struct Slot {
    const std::string* label;
    const std::vector<std::uint64_t>* options;
    bool spatial;
  };
  std::vector<Slot> slots;
  for (const auto& g : space_.genes())
    slots.push_back({&g.label, &g.options, g.kind == search::GeneKind::SpatialTile});
  for (const auto& g : hardware_.space.genes())
    slots.push_back({&g.label, &g.options, false});
  std::vector<double> x(slots.size(), 0);
  std::vector<bool> named(slots.size(), false);
  std::vector<std::string> fixed_named;
  std::istringstream in(genes);
  std::string token;
  while (in >> token) {
    const auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("'" + token + "' is not label=value");
    }
    const std::string label = token.substr(0, eq);
    const std::string_view text = std::string_view(token).substr(eq + 1);
    const auto slot =
        std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return *s.label == label; });
    if (slot == slots.end()) {
      check_fixed_parameter(label, text, fixed_named);
      continue;
    }
    const std::size_t i = static_cast<std::size_t>(slot - slots.begin());
    if (named[i]) throw std::invalid_argument("gene '" + label + "' is named twice");
    const auto v = gene_value(text, slot->spatial);
    const auto& options = *slot->options;
    const auto it = v ? std::find(options.begin(), options.end(), *v) : options.end();
    if (it == options.end()) {
      throw std::invalid_argument(
          token + ": not an option of this run's gene (options: " + options_text(options) +
          (slot->spatial ? "; 0 is 'map'" : "") + ")");
    }
    x[i] = static_cast<double>(it - options.begin());
    named[i] = true;
  }
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!named[i]) {
      throw std::invalid_argument("no value for gene '" + *slots[i].label +
                                  "' (a front of another search space?)");
    }
  }
  return x;
}

std::vector<std::vector<double>> ScheduleProblem::seeds() const {
  std::vector<std::vector<double>> declared;
  for (const auto& name : schedule::canonical_names(network_.block_count())) {
    try {
      std::vector<double> x = canonical_seed(name);
      if (std::find(declared.begin(), declared.end(), x) == declared.end())
        declared.push_back(std::move(x));
    } catch (const std::invalid_argument&) {
      // not expressible in this space (e.g. per-layer genes lacking an option): skip
    }
  }
  if (declared.empty()) return initial_population_;
  // First the schedules with the lossless prefix of states dropped (when there is one): they score
  // no lower in accuracy with fewer state bits, so they go first when the population cuts seeds.
  const std::size_t lossless = lossless_state_genes(declared.front());
  std::vector<std::vector<double>> dropped;
  for (const auto& d : declared) {
    std::vector<double> x = d;
    drop_first_states(x, lossless);
    if (x != d && std::find(dropped.begin(), dropped.end(), x) == dropped.end())
      dropped.push_back(std::move(x));
  }
  std::vector<std::vector<double>> out = spread_over_hardware(dropped);
  for (auto& x : spread_over_hardware(declared))
    out.push_back(std::move(x));
  // An initial population goes first; the canonical seeds it already holds are not repeated.
  // The canonical seeds are distinct from each other (distinct schedules, the lossless ones with
  // other states, their copies on other hardware), so only the initial population is searched:
  // seed_hardware can make them 10,000 x the canonical ones.
  std::vector<std::vector<double>> all = initial_population_;
  const auto given = static_cast<std::ptrdiff_t>(initial_population_.size());
  for (auto& x : out) {
    if (std::find(all.begin(), all.begin() + given, x) == all.begin() + given)
      all.push_back(std::move(x));
  }
  return all;
}

schedule::Schedule ScheduleProblem::decode(const std::vector<double>& x) const {
  schedule::Schedule s = space_.decode(schedule_genes(x));
  s.alignment = alignment_;
  if (!accuracy_.configured()) return s;
  // A simulated accuracy model also knows the spike densities of this state configuration (used
  // by zero-skipping cores); layers it does not name keep the densities the workload declares.
  const auto e = accuracy_.model->estimate(schedule::state_schedule(network_, s));
  if (e.densities.empty()) return s;
  s.densities.resize(network_.layer_count());
  for (workload::Vertex v : network_.topological_order()) {
    const workload::Layer& l = network_.layer(v);
    s.densities[v] = {l.input_density, l.output_density};
    if (auto it = e.densities.find(l.id); it != e.densities.end()) {
      s.densities[v] = {it->second.first, it->second.second};
    }
  }
  return s;
}

search::Fitness ScheduleProblem::compute(const std::vector<double>& x) const {
  const auto hw = hardware_of(x);
  if (!hw->infeasible_reason.empty()) return search::Fitness::infeasible(hw->infeasible_reason);
  if (hardware_.max_area_mm2 && hw->area_mm2 && *hw->area_mm2 > *hardware_.max_area_mm2) {
    return search::Fitness::infeasible("area " + std::to_string(*hw->area_mm2) +
                                       " mm2 above max_area_mm2 " +
                                       std::to_string(*hardware_.max_area_mm2));
  }
  const schedule::Schedule s = decode(x);
  schedule::ScheduleResult r;
  try {
    r = schedule::evaluate_schedule(network_, *hw->accelerator, s, *hw->node_costs,
                                    schedule::Records::Totals);
  } catch (const Infeasible& e) {
    return search::Fitness::infeasible(e.what());
  }
  search::Objectives o;
  if (hardware_.area_objective) o.area_mm2 = hw->area_mm2.value_or(0);
  o.energy_pJ = r.energy_pJ;
  o.latency_cycles = r.latency_cycles;
  o.state_bits = static_cast<double>(r.state_bits);
  if (accuracy_.configured()) {
    const auto e = accuracy_.model->estimate(schedule::state_schedule(network_, s));  // cached
    if (!e.error.empty()) return search::Fitness::infeasible(e.error);
    const double a = e.accuracy;
    o.accuracy = a;
    if (accuracy_.min_accuracy && a < *accuracy_.min_accuracy) {
      return search::Fitness::infeasible("accuracy " + std::to_string(a) + " below min_accuracy " +
                                         std::to_string(*accuracy_.min_accuracy));
    }
  }
  return {o, ""};
}

search::Fitness ScheduleProblem::evaluate(const std::vector<double>& x) const {
  const std::size_t genes = space_.dimension() + hardware_.space.dimension();
  if (x.size() != genes) {
    throw std::invalid_argument(
        "ScheduleProblem::evaluate: a genome of " + std::to_string(x.size()) + " genes, expected " +
        std::to_string(genes) + " (" + std::to_string(space_.dimension()) + " schedule + " +
        std::to_string(hardware_.space.dimension()) + " hardware)");
  }
  std::vector<std::int64_t> key(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    key[i] = static_cast<std::int64_t>(std::nearbyint(x[i]));
  {
    std::lock_guard<std::mutex> lock(memo_mutex_);
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
  }
  search::Fitness f = compute(x);
  std::lock_guard<std::mutex> lock(memo_mutex_);
  auto [it, inserted] = memo_.emplace(std::move(key), std::move(f));
  if (inserted && !it->second.feasible() && infeasible_++ == 0)
    first_infeasible_reason_ = it->second.infeasible_reason;
  return it->second;
}

search::FrontRecord ScheduleProblem::record(const search::FrontPoint& p,
                                            schedule::Records records) const {
  search::FrontRecord rec;
  rec.point = p;
  rec.genes = space_.describe(schedule_genes(p.x));
  rec.schedule = decode(p.x);
  rec.state_schedule = schedule::state_schedule(network_, rec.schedule);
  const auto hw = hardware_of(p.x);
  if (!hw->infeasible_reason.empty()) throw Infeasible("hardware", hw->infeasible_reason);
  rec.evaluation = schedule::evaluate_schedule(network_, *hw->accelerator, rec.schedule,
                                               *hw->node_costs, records);
  if (!hardware_.space.empty()) {
    rec.hardware = hw->parameters;
    rec.accelerator = hw->accelerator;
    for (const auto& [name, value] : hw->parameters)
      rec.genes += " " + name + "=" + std::to_string(value);
  }
  rec.area_mm2 = hw->area_mm2;
  return rec;
}

std::uint64_t ScheduleProblem::evaluations() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return memo_.size();
}

std::vector<std::vector<double>> ScheduleProblem::evaluated_genomes() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  std::vector<std::vector<double>> genomes;
  genomes.reserve(memo_.size());
  for (const auto& [key, fitness] : memo_)
    genomes.emplace_back(key.begin(), key.end());
  return genomes;
}

std::uint64_t ScheduleProblem::infeasible() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return infeasible_;
}

std::string ScheduleProblem::first_infeasible_reason() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return first_infeasible_reason_;
}

void ScheduleProblem::clear_memo() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  memo_.clear();
  infeasible_ = 0;
}

}  // namespace stems::problems
