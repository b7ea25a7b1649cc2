#include "stems/schedule/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>
#include <unordered_map>

#include "stems/common/error.hpp"

namespace stems::schedule {

using hardware::MemOperand;
using workload::Dim;

std::string_view transfer_kind_name(TransferKind k) {
  switch (k) {
    case TransferKind::Fetch:
      return "fetch";
    case TransferKind::StateWriteBack:
      return "state_write_back";
    case TransferKind::Eviction:
      return "eviction";
    case TransferKind::Sink:
      return "sink";
  }
  return "?";
}

namespace {

enum class TensorKind : std::uint8_t { Weight, State, Activation, NetworkInput };

struct Tensor {
  TensorKind kind = TensorKind::Weight;
  int layer_id = 0;
  std::uint64_t bits = 0;
  std::int64_t remaining = 0;  // uses left (nodes of the layer, time tiles, consumers)
  bool on_chip = false;
  bool in_dram = false;  // a valid copy is in DRAM
  bool started = false;  // a state that was already created or loaded once
  double ready = 0;      // when the current copy (on chip or in DRAM) is complete
  const char* operand = "O";
};

class Simulator {
 public:
  Simulator(const workload::Network& net, const hardware::Accelerator& acc,
            const Schedule& schedule, const CnGraph& graph, cost::NodeCostCache& cache,
            ScheduleResult& out)
      : net_(net), acc_(acc), schedule_(schedule), g_(graph), cache_(cache), out_(out) {}

  void run();

 private:
  // ---- accounting -------------------------------------------------------------------------------
  // Accumulates into integer-keyed sums (names interned once); converted to the report's
  // (layer, operand, component) map at the end of the run.
  static std::uint32_t intern(std::vector<std::string>& names, std::string_view name) {
    for (std::uint32_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return i;
    }
    names.emplace_back(name);
    return static_cast<std::uint32_t>(names.size() - 1);
  }
  void charge(double& bucket, int layer, std::string_view operand, std::string_view component,
              double pJ) {
    bucket += pJ;
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(layer)) << 32) |
                              (static_cast<std::uint64_t>(intern(operand_names_, operand)) << 16) |
                              intern(component_names_, component);
    sums_[key] += pJ;
  }
  void flush_breakdown() {
    for (const auto& [key, pJ] : sums_) {
      const int layer = static_cast<int>(static_cast<std::uint32_t>(key >> 32));
      out_.breakdown[{layer, operand_names_[(key >> 16) & 0xffff],
                      component_names_[key & 0xffff]}] += pJ;
    }
    sums_.clear();
  }
  double dram_read_pJ(std::uint64_t bits) const { return acc_.dram.read_energy_pJ_for(bits); }
  double dram_write_pJ(std::uint64_t bits) const { return acc_.dram.write_energy_pJ_for(bits); }
  double sram_write_pJ(std::uint64_t bits) const {
    return std::ceil(double(bits) / double(top_->write_bw_bits)) * top_->write_energy_pJ;
  }
  double sram_read_pJ(std::uint64_t bits) const {
    return std::ceil(double(bits) / double(top_->read_bw_bits)) * top_->read_energy_pJ;
  }
  double link_transfer(std::uint64_t bits, double earliest, TransferKind kind, int layer,
                       const std::string& operand) {
    const double start = std::max(link_free_, earliest);
    const double end = start + std::ceil(double(bits) / link_bw_);
    link_free_ = end;
    out_.transfers.push_back({kind, layer, operand, bits, start, end});
    const double link_pJ = double(bits) * link_pJ_per_bit_;
    double& bucket = kind == TransferKind::Eviction ? out_.buckets.eviction_link_pJ
                     : kind == TransferKind::Sink   ? out_.buckets.sink_link_pJ
                                                    : out_.buckets.cn_offchip_link_pJ;
    if (link_pJ > 0) charge(bucket, layer, operand, "link", link_pJ);
    return end;
  }

  // ---- memory manager ---------------------------------------------------------------------------
  void occupy(std::size_t t, double when) {
    tensors_[t].on_chip = true;
    used_ += tensors_[t].bits;
    resident_.insert(t);
    note_usage(when);
  }
  void vacate(std::size_t t, double when) {
    tensors_[t].on_chip = false;
    used_ -= tensors_[t].bits;
    resident_.erase(t);
    note_usage(when);
  }
  void note_usage(double when) {
    out_.peak_onchip_bits = std::max(out_.peak_onchip_bits, used_);
    out_.memory_timeline.emplace_back(when, used_);
  }
  // Writes an on-chip tensor back to DRAM (SRAM read + DRAM write) and frees it.
  void write_back(std::size_t t, TransferKind kind, double earliest) {
    Tensor& x = tensors_[t];
    double& bucket = kind == TransferKind::Eviction ? out_.buckets.eviction_memory_pJ
                     : kind == TransferKind::Sink   ? out_.buckets.sink_memory_pJ
                                                    : out_.buckets.cn_offchip_memory_pJ;
    charge(bucket, x.layer_id, x.operand, top_->name, sram_read_pJ(x.bits));
    charge(bucket, x.layer_id, x.operand, acc_.dram.name, dram_write_pJ(x.bits));
    out_.offchip_write_bits += x.bits;
    const double end =
        link_transfer(x.bits, std::max(earliest, x.ready), kind, x.layer_id, x.operand);
    x.in_dram = true;
    x.ready = end;
    vacate(t, end);
  }
  void drop(std::size_t t, double when) { vacate(t, when); }

  // Evicts a tensor that is not `protected` to make room for `bits` more.
  void make_room(std::uint64_t bits, const std::set<std::size_t>& protect, double now) {
    while (used_ + bits > capacity_) {
      std::size_t victim = SIZE_MAX;
      double best = 0;
      for (std::size_t t : resident_) {
        if (protect.count(t)) continue;
        const Tensor& x = tensors_[t];
        const double importance = double(x.remaining) * 100.0 - x.layer_id;
        if (victim == SIZE_MAX || importance < best) {
          victim = t;
          best = importance;
        }
      }
      if (victim == SIZE_MAX) {
        out_.memory_overflow = true;
        return;
      }
      evict(victim, now);
    }
  }
  void evict(std::size_t t, double now) {
    const Tensor& x = tensors_[t];
    const bool needed_later = x.remaining > 0;
    if (x.kind == TensorKind::State && needed_later) {
      write_back(t, TransferKind::Eviction, now);
    } else if (x.kind == TensorKind::Activation && needed_later && !x.in_dram) {
      write_back(t, TransferKind::Eviction, now);
    } else {
      drop(t, now);  // weights and inputs have a DRAM copy; dead tensors are just freed
    }
  }
  // Brings a tensor on chip for node `layer_id`/`operand` (DRAM read + SRAM write).
  double fetch(std::size_t t, int layer_id, const std::string& operand, double earliest,
               const std::set<std::size_t>& protect) {
    Tensor& x = tensors_[t];
    make_room(x.bits, protect, earliest);
    if (x.kind == TensorKind::State && schedule_.lifecycle == StateLifecycle::Reset && !x.started) {
      x.started = true;  // a fresh state: zero-initialised on chip, nothing to load
      x.ready = earliest;
      occupy(t, earliest);
      return earliest;
    }
    x.started = true;
    charge(out_.buckets.cn_offchip_memory_pJ, layer_id, operand, acc_.dram.name,
           dram_read_pJ(x.bits));
    charge(out_.buckets.cn_offchip_memory_pJ, layer_id, operand, top_->name, sram_write_pJ(x.bits));
    out_.offchip_read_bits += x.bits;
    const double end =
        link_transfer(x.bits, std::max(earliest, x.ready), TransferKind::Fetch, layer_id, operand);
    if (x.kind == TensorKind::State) x.in_dram = false;  // states move, they are not copied
    x.ready = end;
    occupy(t, end);
    return end;
  }
  // One use of a tensor is done; at the last use it leaves the chip (states are written back).
  void release(std::size_t t, double when) {
    Tensor& x = tensors_[t];
    --x.remaining;
    if (x.remaining > 0 || !x.on_chip) return;
    if (x.kind == TensorKind::State && schedule_.lifecycle == StateLifecycle::CarryOver) {
      write_back(t, TransferKind::StateWriteBack, when);
    } else {
      drop(t, when);
    }
  }

  std::size_t new_tensor(Tensor t) {
    tensors_.push_back(t);
    return tensors_.size() - 1;
  }

  const workload::Network& net_;
  const hardware::Accelerator& acc_;
  const Schedule& schedule_;
  const CnGraph& g_;
  cost::NodeCostCache& cache_;
  ScheduleResult& out_;

  const hardware::MemoryLevel* top_ = nullptr;
  std::uint64_t capacity_ = 0;
  double link_bw_ = 1, link_pJ_per_bit_ = 0;
  double link_free_ = 0;
  std::vector<std::string> operand_names_, component_names_;
  std::unordered_map<std::uint64_t, double> sums_;
  std::vector<Tensor> tensors_;
  std::set<std::size_t> resident_;
  std::uint64_t used_ = 0;
};

void Simulator::run() {
  // One core runs everything in this version: the first core allowed for each operator.
  const auto allocation = acc_.allocation();
  int core_id = -1;
  for (workload::Vertex v : net_.topological_order()) {
    const auto op = net_.layer(v).op;
    auto it = allocation.find(op);
    if (it == allocation.end()) {
      throw InputError("hardware '" + acc_.name + "'",
                       "no core runs operator '" + std::string(workload::op_name(op)) + "'");
    }
    if (core_id >= 0 && it->second.front() != core_id) {
      throw InputError("hardware '" + acc_.name + "'",
                       "the scheduler supports one compute core per run for now; operator '" +
                           std::string(workload::op_name(op)) + "' is allocated to another core");
    }
    core_id = it->second.front();
  }
  const hardware::Core& core = acc_.cores[static_cast<std::size_t>(core_id)];
  const auto top_o = core.top_level(MemOperand::O);
  for (MemOperand m : {MemOperand::W, MemOperand::I, MemOperand::V}) {
    const auto t = core.top_level(m);
    if (t && t != top_o) {
      throw InputError("hardware '" + acc_.name + "'",
                       "the scheduler needs W, I, O and V to share the core's top memory level");
    }
  }
  top_ = &core.memories[*top_o];
  capacity_ = top_->size_bits;
  const hardware::Link* link = acc_.link_between(core.name, acc_.dram.name);
  if (!link) link = acc_.link_between(acc_.dram.name, core.name);
  link_bw_ = link->bandwidth_bits_per_cycle;
  link_pJ_per_bit_ = link->energy_pJ_per_bit;

  // Tensors: weights per layer, states per (layer, spatial tile), one output per node, and the
  // network-input tile of every node that reads the network input.
  std::vector<std::size_t> weight_of(net_.layer_count(), SIZE_MAX);
  std::map<std::pair<workload::Vertex, std::uint64_t>, std::size_t> state_of;
  std::vector<std::size_t> output_of(g_.nodes.size(), SIZE_MAX);
  std::vector<std::size_t> input_of(g_.nodes.size(), SIZE_MAX);
  for (workload::Vertex v : net_.topological_order()) {
    const workload::Layer& l = net_.layer(v);
    const auto& nodes = g_.nodes_of_layer[v];
    if (l.weight_bits() > 0) {
      Tensor w;
      w.kind = TensorKind::Weight;
      w.layer_id = l.id;
      w.bits = l.weight_bits();
      w.remaining = static_cast<std::int64_t>(nodes.size());
      w.in_dram = true;
      w.operand = "W";
      weight_of[v] = new_tensor(w);
    }
    for (std::size_t ni : nodes) {
      const ComputationNode& n = g_.nodes[ni];
      if (l.stateful()) {
        auto key = std::make_pair(v, n.x_index);
        if (!state_of.count(key)) {
          Tensor s;
          s.kind = TensorKind::State;
          s.layer_id = l.id;
          s.bits = n.tile.state_bits();
          s.remaining = static_cast<std::int64_t>(l.size(Dim::T) / schedule_.layers[v].time_tile);
          s.in_dram = schedule_.lifecycle == StateLifecycle::CarryOver;
          s.operand = "V";
          state_of[key] = new_tensor(s);
        }
      }
      Tensor o;
      o.kind = TensorKind::Activation;
      o.layer_id = l.id;
      o.bits = n.tile.size(Dim::T) * n.tile.output_bits_per_timestep();
      o.remaining = static_cast<std::int64_t>(n.consumers);
      o.operand = "O";
      output_of[ni] = new_tensor(o);
      if (l.input_is_network_input) {
        Tensor in;
        in.kind = TensorKind::NetworkInput;
        in.layer_id = l.id;
        in.bits = n.tile.size(Dim::T) * n.tile.input_bits_per_timestep();
        in.remaining = 1;
        in.in_dram = true;
        in.operand = "I";
        input_of[ni] = new_tensor(in);
      }
    }
  }

  // List scheduling.
  std::vector<std::size_t> topo_pos(net_.layer_count());
  for (std::size_t i = 0; i < net_.topological_order().size(); ++i) {
    topo_pos[net_.topological_order()[i]] = i;
  }
  std::vector<double> end_of(g_.nodes.size(), 0);
  std::vector<std::size_t> missing(g_.nodes.size());
  using Key = std::tuple<double, double, double, double, std::size_t>;
  auto key_of = [&](const ComputationNode& n, double ready) -> Key {
    const double depth = -static_cast<double>(topo_pos[n.layer]);
    switch (schedule_.order) {
      case Order::LytGated:
        return {double(n.fuse_group), double(n.t_index), double(n.x_index), depth, n.index};
      case Order::Memory:
        return {depth, double(n.t_index), double(n.x_index), 0, n.index};
      case Order::Latency:
        return {ready, 0, 0, 0, n.index};
    }
    return {};
  };
  std::set<Key> ready;
  for (const auto& n : g_.nodes) {
    missing[n.index] = n.preds.size();
    if (n.preds.empty()) ready.insert(key_of(n, 0));
  }
  std::vector<LayerResult> layers(net_.layer_count());
  for (workload::Vertex v : net_.topological_order()) {
    const workload::Layer& l = net_.layer(v);
    layers[v].id = l.id;
    layers[v].name = l.name;
    layers[v].block = l.block;
    layers[v].stateful = l.stateful();
    layers[v].start_cycle = -1;
  }

  double core_free = 0;
  while (!ready.empty()) {
    const std::size_t ni = std::get<4>(*ready.begin());
    ready.erase(ready.begin());
    const ComputationNode& n = g_.nodes[ni];
    const workload::Layer& l = net_.layer(n.layer);
    double start = core_free;
    for (std::size_t p : n.preds)
      start = std::max(start, end_of[p]);

    // The node's cost (the capacity check sees the bits its producers deliver).
    cost::OperandBits bits;
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      const auto mem = n.input_operands[k] == workload::Operand::X ? MemOperand::W : MemOperand::I;
      auto& slot = bits[static_cast<std::size_t>(mem)];
      slot = slot.value_or(0) + tensors_[output_of[n.input_preds[k]]].bits;
    }
    const auto cost = cache_.get(n.tile, core_id, bits);
    auto too_large = [&](MemOperand m) {
      return std::find(cost->too_large.begin(), cost->too_large.end(), m) != cost->too_large.end();
    };

    // Tensors the node needs on chip.
    std::vector<std::pair<std::size_t, std::string>> needed;  // tensor, operand label
    if (weight_of[n.layer] != SIZE_MAX && !too_large(MemOperand::W)) {
      needed.emplace_back(weight_of[n.layer], "W");
    }
    if (l.stateful() && !too_large(MemOperand::V)) {
      needed.emplace_back(state_of.at({n.layer, n.x_index}), "V");
    }
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      const auto mem = n.input_operands[k] == workload::Operand::X ? MemOperand::W : MemOperand::I;
      if (!too_large(mem)) {
        needed.emplace_back(output_of[n.input_preds[k]],
                            std::string(workload::operand_name(n.input_operands[k])));
      }
    }
    if (input_of[ni] != SIZE_MAX && !too_large(MemOperand::I))
      needed.emplace_back(input_of[ni], "I");
    std::set<std::size_t> protect;
    for (const auto& [t, label] : needed)
      protect.insert(t);

    // A node with too-large operands works from DRAM: flush the buffer first (write back what
    // DRAM lacks), keeping only this node's own on-chip inputs.
    if (!cost->too_large.empty()) {
      std::vector<std::size_t> victims(resident_.begin(), resident_.end());
      for (std::size_t t : victims) {
        if (!protect.count(t)) evict(t, start);
      }
      // Inputs it reads from DRAM must be there: write back producer outputs held on chip.
      for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
        const std::size_t t = output_of[n.input_preds[k]];
        if (!protect.count(t) && tensors_[t].on_chip) evict(t, start);
      }
    }
    std::sort(needed.begin(), needed.end(), [&](const auto& a, const auto& b) {
      return tensors_[a.first].bits < tensors_[b.first].bits;
    });
    double inputs_ready = start;
    for (const auto& [t, label] : needed) {
      if (tensors_[t].on_chip) {
        inputs_ready = std::max(inputs_ready, tensors_[t].ready);
      } else {
        inputs_ready = std::max(inputs_ready, fetch(t, l.id, label, core_free, protect));
      }
    }
    start = std::max(start, inputs_ready);
    const double runtime = cost->latency.latency_cycles;
    const double end = start + runtime;

    // Output: on chip, or born in DRAM when too large.
    const std::size_t out_t = output_of[ni];
    Tensor& out = tensors_[out_t];
    out.ready = end;
    if (too_large(MemOperand::O)) {
      out.in_dram = true;
      out.started = true;
    } else {
      std::set<std::size_t> keep = protect;
      keep.insert(out_t);
      make_room(out.bits, keep, start);
      occupy(out_t, start);
    }
    if (!cost->too_large.empty()) link_free_ = std::max(link_free_, end);  // DRAM link busy

    // Accounting of the node itself.
    charge(out_.buckets.cn_onchip_pJ, l.id, "MAC", "MAC", cost->mac_energy_pJ);
    out_.mac_energy_pJ += cost->mac_energy_pJ;
    for (const auto& oc : cost->operands) {
      for (const auto& lvl : oc.levels) {
        if (lvl.offchip) {
          charge(out_.buckets.cn_offchip_memory_pJ, l.id, oc.layer_operand, acc_.dram.name,
                 lvl.energy_pJ);
          using cost::Direction;
          const auto& tr = lvl.traffic;
          out_.offchip_read_bits += static_cast<std::uint64_t>(std::llround(
              (tr[size_t(Direction::ReadToLow)].words + tr[size_t(Direction::ReadToHigh)].words) *
              double(acc_.dram.read_bw_bits)));
          out_.offchip_write_bits +=
              static_cast<std::uint64_t>(std::llround((tr[size_t(Direction::WriteFromLow)].words +
                                                       tr[size_t(Direction::WriteFromHigh)].words) *
                                                      double(acc_.dram.write_bw_bits)));
        } else {
          charge(out_.buckets.cn_onchip_pJ, l.id, oc.layer_operand, lvl.memory, lvl.energy_pJ);
        }
      }
    }
    LayerResult& lr = layers[n.layer];
    ++lr.nodes;
    lr.onchip_energy_pJ += cost->onchip_energy_pJ();
    lr.mac_energy_pJ += cost->mac_energy_pJ;
    lr.latency_cycles += runtime;
    lr.start_cycle = lr.start_cycle < 0 ? start : std::min(lr.start_cycle, start);
    lr.end_cycle = std::max(lr.end_cycle, end);
    NodeRecord rec;
    rec.layer_id = l.id;
    rec.t_index = n.t_index;
    rec.x_index = n.x_index;
    rec.core = core_id;
    rec.start_cycle = start;
    rec.end_cycle = end;
    rec.energy_pJ = cost->energy_pJ;
    for (auto m : cost->too_large)
      rec.too_large.emplace_back(hardware::mem_operand_name(m));
    out_.nodes.push_back(std::move(rec));

    // Uses are done: weights, states and inputs may leave; sink outputs go to DRAM.
    for (const auto& [t, label] : needed)
      release(t, end);
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      const std::size_t t = output_of[n.input_preds[k]];
      if (std::find_if(needed.begin(), needed.end(), [&](const auto& e) { return e.first == t; }) ==
          needed.end()) {
        release(t, end);  // read from DRAM by a too-large operand: still one use less
      }
    }
    if (l.stateful() && too_large(MemOperand::V))
      --tensors_[state_of.at({n.layer, n.x_index})].remaining;
    if (weight_of[n.layer] != SIZE_MAX && too_large(MemOperand::W))
      release(weight_of[n.layer], end);
    if (net_.is_sink(n.layer)) {
      if (out.on_chip) {
        write_back(out_t, TransferKind::Sink, end);
      } else if (!too_large(MemOperand::O)) {
        // already in DRAM
      }
    } else if (out.remaining == 0 && out.on_chip) {
      drop(out_t, end);
    }
    core_free = end;
    end_of[ni] = end;
    for (std::size_t s : n.succs) {
      if (--missing[s] == 0) {
        double r = 0;
        for (std::size_t p : g_.nodes[s].preds)
          r = std::max(r, end_of[p]);
        ready.insert(key_of(g_.nodes[s], r));
      }
    }
  }

  out_.latency_cycles = std::max(core_free, link_free_);
  flush_breakdown();
  for (workload::Vertex v : net_.topological_order())
    out_.layers.push_back(layers[v]);
  for (const auto& [key, pJ] : out_.breakdown) {
    const std::string& component = std::get<2>(key);
    if (component == acc_.dram.name) {
      out_.offchip_energy_pJ += pJ;
      // Per-layer off-chip energy includes node DRAM levels and transfers attributed to it.
      for (auto& lr : out_.layers) {
        if (lr.id == std::get<0>(key)) lr.offchip_energy_pJ += pJ;
      }
    }
  }
  out_.energy_pJ = out_.buckets.total_pJ();
  out_.state_bits = net_.totals().state_bits;
  out_.unique_nodes = cache_.size();
}

}  // namespace

ScheduleResult evaluate_schedule(const workload::Network& net, const hardware::Accelerator& acc,
                                 const Schedule& schedule, cost::NodeCostCache& cache) {
  const CnGraph graph = build_cn_graph(net, schedule);
  ScheduleResult result;
  Simulator sim(net, acc, schedule, graph, cache, result);
  sim.run();
  return result;
}

}  // namespace stems::schedule
