#include "stems/schedule/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>

#include "stems/common/error.hpp"
#include "stems/cost/sparsity.hpp"

namespace stems::schedule {

using hardware::MemOperand;
using workload::Dim;

namespace {

// Bit counters are 64-bit. Bits x accesses of a large network can exceed 2^64: such a sum or
// product is refused with an InputError, never wrapped (tests/test_schedule.cpp, SEW-ResNet-152
// at T = 64, stays far below).
[[noreturn]] void counter_overflow(const char* what) {
  std::string msg = what;
  msg += " exceeds 2^64 bits; the network is too large for this tool's 64-bit counters";
  throw Infeasible("evaluation", msg);
}
void add_bits(std::uint64_t& total, std::uint64_t bits, const char* what, std::uint64_t times = 1) {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(bits, times, &product) ||
      __builtin_add_overflow(total, product, &total)) {
    counter_overflow(what);
  }
}
// Words x bandwidth of the cost model (a double) as whole bits.
std::uint64_t whole_bits(double bits, const char* what) {
  if (!(bits >= 0) || bits >= 18446744073709551616.0) counter_overflow(what);  // 2^64; also NaN
  return static_cast<std::uint64_t>(std::round(bits));  // as llround, which stops at 2^63
}

enum class TensorKind : std::uint8_t { Weight, State, Activation, NetworkInput };

struct Tensor {
  TensorKind kind = TensorKind::Weight;
  int layer_id = 0;
  std::uint64_t bits = 0;
  std::int64_t remaining = 0;  // uses left (nodes of the layer, time tiles, consumers)
  int core = -1;               // core whose top memory holds it (-1: not on chip)
  bool in_dram = false;        // a valid copy is in DRAM
  bool started = false;        // a state that was already created or loaded once
  double ready = 0;            // when the current copy (on chip or in DRAM) is complete
  const char* operand = "O";
  std::size_t slot = 0;  // position in its core's resident list
  bool on_chip() const { return core >= 0; }
};

// The top on-chip memory of one core, as the memory manager sees it.
struct CoreMemory {
  const hardware::Core* core = nullptr;
  const hardware::MemoryLevel* top = nullptr;
  const hardware::Link* dram_link = nullptr;
  std::uint64_t capacity = 0;
  std::uint64_t used = 0;
  std::vector<std::size_t> resident;  // unordered; Tensor::slot is the position
  double free_at = 0;
};

class Simulator {
 public:
  Simulator(const workload::Network& net, const hardware::Accelerator& acc,
            const Schedule& schedule, const CnGraph& graph, cost::NodeCostCache& cache,
            ScheduleResult& out, Records records)
      : net_(net),
        acc_(acc),
        schedule_(schedule),
        g_(graph),
        cache_(cache),
        out_(out),
        full_(records == Records::Full) {}

  void run();

 private:
  // ---- accounting -------------------------------------------------------------------------------
  // Accumulates into integer-keyed sums (names interned once); converted to the report's
  // (layer, operand, component) map at the end of the run.
  // Operand and component names, numbered for the breakdown. Every name passed here lives as long
  // as the simulator (string literals, operand_name(), the accelerator's level names), so a name
  // is first looked up by its address and length; the text is compared only on a miss.
  struct Names {
    std::vector<std::string> text;
    std::vector<std::tuple<const char*, std::size_t, std::uint32_t>> seen;
  };
  static std::uint32_t intern(Names& names, std::string_view name) {
    for (const auto& [ptr, len, id] : names.seen) {
      if (ptr == name.data() && len == name.size()) return id;
    }
    const std::uint32_t id = intern_text(names, name);
    names.seen.emplace_back(name.data(), name.size(), id);
    return id;
  }
  // By text only: for names held by node costs (many objects, each with its own copies).
  static std::uint32_t intern_text(Names& names, std::string_view name) {
    std::uint32_t id = 0;
    while (id < names.text.size() && names.text[id] != name)
      ++id;
    if (id == names.text.size()) names.text.emplace_back(name);
    return id;
  }
  void charge(double& bucket, int layer, std::string_view operand, std::string_view component,
              double pJ) {
    bucket += pJ;
    const std::uint64_t key =
        (static_cast<std::uint64_t>(static_cast<std::uint32_t>(layer)) << 32) |
        (static_cast<std::uint64_t>(intern(operand_names_, operand)) << 16) |
        intern(component_names_, component);
    sums_[key] += pJ;
  }
  // The energy records of one node, prepared once per (layer, cost) and replayed for every node
  // of the layer with that cost.
  struct NodeCharge {
    bool offchip;
    std::uint64_t key;
    double pJ;
  };
  struct PreparedNode {
    std::vector<NodeCharge> charges;
    double mac_pJ = 0;
    std::uint64_t read_bits = 0, write_bits = 0;
    std::uint64_t uses = 0;
  };
  std::map<std::pair<int, const cost::NodeCost*>, PreparedNode> prepared_;
  // prepared_ in first-use order: its own order follows heap addresses, and summing in that order
  // would make the last bits of the totals depend on the memo's history (a shared cache in a
  // campaign, a resumed run), not only on the schedule.
  std::vector<const PreparedNode*> prepared_order_;
  std::uint64_t key_of_charge(int layer, std::string_view operand, std::string_view component) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(layer)) << 32) |
           (static_cast<std::uint64_t>(intern_text(operand_names_, operand)) << 16) |
           intern_text(component_names_, component);
  }
  void charge_node(int layer, const cost::NodeCost& c) {
    auto it = prepared_.find({layer, &c});
    if (it == prepared_.end()) {
      PreparedNode p;
      p.mac_pJ = c.mac_energy_pJ;
      p.charges.push_back({false, key_of_charge(layer, "MAC", "MAC"), c.mac_energy_pJ});
      for (const auto& oc : c.operands) {
        for (const auto& lvl : oc.levels) {
          if (lvl.offchip) {
            p.charges.push_back(
                {true, key_of_charge(layer, oc.layer_operand, acc_.dram.name), lvl.energy_pJ});
            using cost::Direction;
            const auto& tr = lvl.traffic;
            add_bits(p.read_bits,
                     whole_bits((tr[size_t(Direction::ReadToLow)].words +
                                 tr[size_t(Direction::ReadToHigh)].words) *
                                    double(acc_.dram.read_bw_bits),
                                "a node's off-chip read traffic"),
                     "a node's off-chip read traffic");
            add_bits(p.write_bits,
                     whole_bits((tr[size_t(Direction::WriteFromLow)].words +
                                 tr[size_t(Direction::WriteFromHigh)].words) *
                                    double(acc_.dram.write_bw_bits),
                                "a node's off-chip write traffic"),
                     "a node's off-chip write traffic");
          } else {
            p.charges.push_back(
                {false, key_of_charge(layer, oc.layer_operand, lvl.memory), lvl.energy_pJ});
          }
        }
      }
      it = prepared_.emplace(std::make_pair(layer, &c), std::move(p)).first;
      prepared_order_.push_back(&it->second);
    }
    ++it->second.uses;  // added up once per (layer, cost) in flush_breakdown
  }
  void flush_breakdown() {
    for (const PreparedNode* pp : prepared_order_) {
      const PreparedNode& p = *pp;
      const double n = static_cast<double>(p.uses);
      for (const auto& ch : p.charges) {
        (ch.offchip ? out_.buckets.cn_offchip_memory_pJ : out_.buckets.cn_onchip_pJ) += n * ch.pJ;
        sums_[ch.key] += n * ch.pJ;
      }
      out_.mac_energy_pJ += n * p.mac_pJ;
      add_bits(out_.offchip_read_bits, p.read_bits, "the off-chip read traffic", p.uses);
      add_bits(out_.offchip_write_bits, p.write_bits, "the off-chip write traffic", p.uses);
    }
    if (!full_) return;
    for (const auto& [key, pJ] : sums_) {
      const int layer = static_cast<int>(static_cast<std::uint32_t>(key >> 32));
      out_.breakdown[{layer, operand_names_.text[(key >> 16) & 0xffff],
                      component_names_.text[key & 0xffff]}] += pJ;
    }
  }
  double dram_read_pJ(std::uint64_t bits) const { return acc_.dram.read_energy_pJ_for(bits); }
  double dram_write_pJ(std::uint64_t bits) const { return acc_.dram.write_energy_pJ_for(bits); }
  double sram_write_pJ(int core, std::uint64_t bits) const {
    const auto* top = mem_[static_cast<std::size_t>(core)].top;
    return std::ceil(double(bits) / double(top->write_bw_bits)) * top->write_energy_pJ;
  }
  double sram_read_pJ(int core, std::uint64_t bits) const {
    const auto* top = mem_[static_cast<std::size_t>(core)].top;
    return std::ceil(double(bits) / double(top->read_bw_bits)) * top->read_energy_pJ;
  }
  const std::string& sram_name(int core) const {
    return mem_[static_cast<std::size_t>(core)].top->name;
  }
  double link_transfer(const hardware::Link* link, std::uint64_t bits, double earliest,
                       TransferKind kind, int layer, std::string_view operand) {
    double& busy = link_free_[link];
    const double start = std::max(busy, earliest);
    const double end = start + std::ceil(double(bits) / link->bandwidth_bits_per_cycle);
    busy = end;
    latest_link_end_ = std::max(latest_link_end_, end);
    if (full_) out_.transfers.push_back({kind, layer, std::string(operand), bits, start, end});
    const double link_pJ = double(bits) * link->energy_pJ_per_bit;
    double& bucket = kind == TransferKind::Eviction     ? out_.buckets.eviction_link_pJ
                     : kind == TransferKind::Sink       ? out_.buckets.sink_link_pJ
                     : kind == TransferKind::CoreToCore ? out_.buckets.core_to_core_link_pJ
                                                        : out_.buckets.cn_offchip_link_pJ;
    if (link_pJ > 0) charge(bucket, layer, operand, "link", link_pJ);
    return end;
  }

  // ---- memory manager ---------------------------------------------------------------------------
  void occupy(std::size_t t, int core, double when) {
    CoreMemory& m = mem_[static_cast<std::size_t>(core)];
    tensors_[t].core = core;
    m.used += tensors_[t].bits;
    tensors_[t].slot = m.resident.size();
    m.resident.push_back(t);
    note_usage(m, when);
  }
  void vacate(std::size_t t, double when) {
    CoreMemory& m = mem_[static_cast<std::size_t>(tensors_[t].core)];
    tensors_[t].core = -1;
    m.used -= tensors_[t].bits;
    const std::size_t slot = tensors_[t].slot;
    m.resident[slot] = m.resident.back();
    tensors_[m.resident[slot]].slot = slot;
    m.resident.pop_back();
    note_usage(m, when);
  }
  void note_usage(const CoreMemory& m, double when) {
    // Peak of the fullest core's top memory; the timeline sums all cores.
    out_.peak_onchip_bits = std::max(out_.peak_onchip_bits, m.used);
    if (!full_) return;
    std::uint64_t total = 0;
    for (const auto& c : mem_)
      add_bits(total, c.used, "the on-chip memory in use");
    out_.memory_timeline.emplace_back(when, total);
  }
  // Writes an on-chip tensor back to DRAM (SRAM read + DRAM write) and frees it.
  void write_back(std::size_t t, TransferKind kind, double earliest, bool keep_on_chip = false) {
    Tensor& x = tensors_[t];
    double& bucket = kind == TransferKind::Eviction ? out_.buckets.eviction_memory_pJ
                     : kind == TransferKind::Sink   ? out_.buckets.sink_memory_pJ
                                                    : out_.buckets.cn_offchip_memory_pJ;
    charge(bucket, x.layer_id, x.operand, sram_name(x.core), sram_read_pJ(x.core, x.bits));
    charge(bucket, x.layer_id, x.operand, acc_.dram.name, dram_write_pJ(x.bits));
    add_bits(out_.offchip_write_bits, x.bits, "the off-chip write traffic");
    const double end = link_transfer(mem_[static_cast<std::size_t>(x.core)].dram_link, x.bits,
                                     std::max(earliest, x.ready), kind, x.layer_id, x.operand);
    x.in_dram = true;
    x.ready = end;
    if (keep_on_chip) return;
    vacate(t, end);
  }
  void drop(std::size_t t, double when) { vacate(t, when); }

  // Evicts a tensor that is not `protected` to make room for `bits` more.
  using Protect = std::vector<std::size_t>;  // a node's tensors (few): linear search
  static bool is_protected(const Protect& p, std::size_t t) {
    return std::find(p.begin(), p.end(), t) != p.end();
  }
  void make_room(int core, std::uint64_t bits, const Protect& protect, double now) {
    CoreMemory& m = mem_[static_cast<std::size_t>(core)];
    while (m.used + bits > m.capacity) {
      std::size_t victim = SIZE_MAX;
      double best = 0;
      for (std::size_t t : m.resident) {
        if (is_protected(protect, t)) continue;
        const Tensor& x = tensors_[t];
        const double importance = double(x.remaining) * 100.0 - x.layer_id;
        // Lowest importance first; ties to the oldest tensor (deterministic in any container).
        if (victim == SIZE_MAX || importance < best || (importance == best && t < victim)) {
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
  double fetch(std::size_t t, int core, int layer_id, std::string_view operand, double earliest,
               const Protect& protect) {
    Tensor& x = tensors_[t];
    make_room(core, x.bits, protect, earliest);
    if (x.kind == TensorKind::State && schedule_.lifecycle == StateLifecycle::Reset && !x.started) {
      x.started = true;  // a fresh state: zero-initialised on chip, nothing to load
      x.ready = earliest;
      occupy(t, core, earliest);
      return earliest;
    }
    x.started = true;
    charge(out_.buckets.cn_offchip_memory_pJ, layer_id, operand, acc_.dram.name,
           dram_read_pJ(x.bits));
    charge(out_.buckets.cn_offchip_memory_pJ, layer_id, operand, sram_name(core),
           sram_write_pJ(core, x.bits));
    add_bits(out_.offchip_read_bits, x.bits, "the off-chip read traffic");
    const double end =
        link_transfer(mem_[static_cast<std::size_t>(core)].dram_link, x.bits,
                      std::max(earliest, x.ready), TransferKind::Fetch, layer_id, operand);
    if (x.kind == TensorKind::State) x.in_dram = false;  // states move, they are not copied
    x.ready = end;
    occupy(t, core, end);
    return end;
  }
  // Copies an activation held by another core into `core`'s top memory (a replica): over a
  // direct core-to-core link when there is one (SRAM read + link + SRAM write), else through
  // DRAM (written back once, then fetched).
  double replicate(std::size_t origin, std::size_t replica, int core, int layer_id,
                   std::string_view operand, double earliest, const Protect& protect) {
    const int from = tensors_[origin].core;
    const auto& from_core = *mem_[static_cast<std::size_t>(from)].core;
    const auto& to_core = *mem_[static_cast<std::size_t>(core)].core;
    const hardware::Link* link = acc_.link_between(from_core.name, to_core.name);
    if (link == nullptr) {
      if (!tensors_[origin].in_dram) {
        write_back(origin, TransferKind::Eviction, earliest, /*keep_on_chip=*/true);
      }
      tensors_[replica].in_dram = true;
      tensors_[replica].ready = tensors_[origin].ready;
      return fetch(replica, core, layer_id, operand, earliest, protect);
    }
    Tensor& r = tensors_[replica];
    make_room(core, r.bits, protect, earliest);
    charge(out_.buckets.core_to_core_memory_pJ, layer_id, operand, sram_name(from),
           sram_read_pJ(from, r.bits));
    charge(out_.buckets.core_to_core_memory_pJ, layer_id, operand, sram_name(core),
           sram_write_pJ(core, r.bits));
    const double end = link_transfer(link, r.bits, std::max(earliest, tensors_[origin].ready),
                                     TransferKind::CoreToCore, layer_id, operand);
    r.ready = end;
    occupy(replica, core, end);
    return end;
  }
  // One use of a tensor is done; at the last use it leaves the chip (states are written back).
  void release(std::size_t t, double when) {
    Tensor& x = tensors_[t];
    --x.remaining;
    if (x.remaining > 0 || !x.on_chip()) return;
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
  const bool full_;  // Records::Full: node, transfer, timeline and breakdown records

  std::vector<CoreMemory> mem_;  // indexed by core id
  std::map<const hardware::Link*, double> link_free_;
  double latest_link_end_ = 0;
  Names operand_names_, component_names_;
  std::unordered_map<std::uint64_t, double> sums_;
  std::vector<Tensor> tensors_;
  std::vector<std::pair<std::size_t, std::string_view>> needed_;  // labels: static names
  std::vector<std::size_t> input_ts_;
  std::vector<std::size_t> protect_, keep_;
};

void Simulator::run() {
  // Core of every layer: the schedule's choice, else the first core allowed for its operator.
  const auto allocation = acc_.allocation();
  std::vector<int> core_of(net_.layer_count(), -1);
  for (workload::Vertex v : net_.topological_order()) {
    const auto& l = net_.layer(v);
    auto it = allocation.find(l.op);
    if (it == allocation.end()) {
      throw InputError("hardware '" + acc_.name + "'",
                       "no core runs operator '" + std::string(workload::op_name(l.op)) + "'");
    }
    int chosen = it->second.front();
    if (v < schedule_.cores.size() && schedule_.cores[v] >= 0) {
      chosen = schedule_.cores[v];
      if (std::find(it->second.begin(), it->second.end(), chosen) == it->second.end()) {
        throw Infeasible("schedule", "layer " + std::to_string(l.id) + " (" +
                                         std::string(workload::op_name(l.op)) +
                                         ") cannot run on core " + std::to_string(chosen));
      }
    }
    core_of[v] = chosen;
  }
  mem_.resize(acc_.cores.size());
  for (std::size_t k = 0; k < acc_.cores.size(); ++k) {
    const hardware::Core& core = acc_.cores[k];
    CoreMemory& m = mem_[k];
    m.core = &core;
    const auto top_o = core.top_level(MemOperand::O);
    for (MemOperand op : {MemOperand::W, MemOperand::I, MemOperand::V}) {
      const auto t = core.top_level(op);
      if (t && t != top_o) {
        throw InputError("hardware '" + acc_.name + "'",
                         "the scheduler needs W, I, O and V to share each core's top memory "
                         "level (core '" +
                             core.name + "')");
      }
    }
    m.top = &core.memories[*top_o];
    m.capacity = m.top->size_bits;
    m.dram_link = acc_.link_between(core.name, acc_.dram.name);
    if (!m.dram_link) m.dram_link = acc_.link_between(acc_.dram.name, core.name);
  }

  // Tensors: weights per layer, states per (layer, spatial tile), one output per node, and the
  // network-input tile of every node that reads the network input.
  std::vector<std::size_t> weight_of(net_.layer_count(), SIZE_MAX);
  // State tensor of (layer, spatial tile): state_of[v][x_index], SIZE_MAX until created.
  std::vector<std::vector<std::size_t>> state_of(net_.layer_count());
  std::vector<std::size_t> output_of(g_.nodes.size(), SIZE_MAX);
  std::vector<std::size_t> input_of(g_.nodes.size(), SIZE_MAX);
  // At most: a weight per layer, a state, an output and a network-input tile per node.
  tensors_.reserve(net_.layer_count() + 3 * g_.nodes.size());
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
      if (n.tile.stateful()) {
        auto& slots = state_of[v];
        if (slots.size() <= n.x_index) slots.resize(n.x_index + 1, SIZE_MAX);
        if (slots[n.x_index] == SIZE_MAX) {
          Tensor s;
          s.kind = TensorKind::State;
          s.layer_id = l.id;
          s.bits = n.tile.state_bits();
          s.remaining = static_cast<std::int64_t>(l.size(Dim::T) / schedule_.layers[v].time_tile);
          s.in_dram = schedule_.lifecycle == StateLifecycle::CarryOver;
          s.operand = "V";
          slots[n.x_index] = new_tensor(s);
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
  // Min-heap of ready nodes (keys are unique: the node index is the last field).
  std::vector<Key> ready_heap;
  ready_heap.reserve(g_.nodes.size());
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> ready(std::greater<Key>{},
                                                                      std::move(ready_heap));
  for (const auto& n : g_.nodes) {
    missing[n.index] = n.preds.size();
    if (n.preds.empty()) ready.push(key_of(n, 0));
  }
  std::vector<LayerResult> layers(net_.layer_count());
  for (workload::Vertex v : net_.topological_order()) {
    const workload::Layer& l = net_.layer(v);
    layers[v].id = l.id;
    layers[v].name = l.name;
    layers[v].block = l.block;
    layers[v].stateful = l.has_neurons() && keeps_state(net_, schedule_, v);
    layers[v].start_cycle = -1;
  }

  // Outputs read by nodes on another core get a replica there (one per producer node and core).
  std::vector<std::map<int, std::int64_t>> consumers_on(g_.nodes.size());
  for (const auto& n : g_.nodes) {
    for (std::size_t p : n.input_preds)
      ++consumers_on[p][core_of[n.layer]];
  }
  std::map<std::pair<std::size_t, int>, std::size_t> replica_of;
  std::map<std::size_t, std::pair<std::size_t, std::int64_t>>
      replica_origin;  // replica -> (origin, uses)
  // The tensor holding producer node p's output for a consumer on core `core`.
  auto input_tensor = [&](std::size_t p, int core) -> std::size_t {
    const std::size_t t = output_of[p];
    if (core_of[g_.nodes[p].layer] == core) return t;
    auto it = replica_of.find({t, core});
    if (it != replica_of.end()) return it->second;
    Tensor r = tensors_[t];
    r.core = -1;
    r.in_dram = false;
    r.started = false;
    r.remaining = consumers_on[p][core];
    const std::size_t ri = new_tensor(r);
    replica_of[{t, core}] = ri;
    replica_origin[ri] = {t, consumers_on[p][core]};
    return ri;
  };

  std::map<std::tuple<workload::Vertex, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t>,
           std::shared_ptr<const cost::NodeCost>>
      local_costs;
  double makespan = 0;
  while (!ready.empty()) {
    const std::size_t ni = std::get<4>(ready.top());
    ready.pop();
    const ComputationNode& n = g_.nodes[ni];
    const workload::Layer& l = net_.layer(n.layer);
    const int kc = core_of[n.layer];
    double start = mem_[static_cast<std::size_t>(kc)].free_at;
    for (std::size_t p : n.preds)
      start = std::max(start, end_of[p]);

    // The node's cost (the capacity check sees the bits its producers deliver).
    cost::OperandBits bits;
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      if (n.input_operands[k] == workload::Operand::R) continue;  // not an operand of the nest
      const auto mem = n.input_operands[k] == workload::Operand::X ? MemOperand::W : MemOperand::I;
      auto& slot = bits[static_cast<std::size_t>(mem)];
      slot = slot.value_or(0) + tensors_[output_of[n.input_preds[k]]].bits;
    }
    // Nodes of a layer mostly share their shape and input bits: look costs up locally first.
    const auto local_key = std::make_tuple(n.layer, n.tile.size(Dim::T), n.tile.size(Dim::OX),
                                           bits[0].value_or(0), bits[1].value_or(0));
    auto cached = local_costs.find(local_key);
    if (cached == local_costs.end()) {
      auto c = cache_.get(n.tile, kc, bits);
      // Zero skipping scales the dense cost by the layer's spike densities (cost/sparsity.hpp).
      const hardware::Core& core = acc_.cores[static_cast<std::size_t>(kc)];
      if (core.zero_skipping && cost::is_sparse(n.tile)) {
        c = std::make_shared<const cost::NodeCost>(
            cost::apply_zero_skipping(*c, n.tile, core.zero_skipping_cycles));
      }
      cached = local_costs.emplace(local_key, std::move(c)).first;
    }
    const auto& cost = cached->second;
    auto too_large = [&](MemOperand m) {
      return std::find(cost->too_large.begin(), cost->too_large.end(), m) != cost->too_large.end();
    };

    // Tensors the node needs on its core (replicas of other cores' outputs are created here).
    auto& needed = needed_;  // tensor, operand label (buffers reused across nodes)
    needed.clear();
    auto& input_ts = input_ts_;
    input_ts.assign(n.input_preds.size(), 0);
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      const auto mem = n.input_operands[k] == workload::Operand::X ? MemOperand::W : MemOperand::I;
      // A too-large operand reads the producer's own copy from DRAM. A recurrent input is added
      // to the neuron input from the top memory: it is always brought on chip.
      const bool recurrent = n.input_operands[k] == workload::Operand::R;
      input_ts[k] = too_large(mem) && !recurrent ? output_of[n.input_preds[k]]
                                                 : input_tensor(n.input_preds[k], kc);
    }
    if (weight_of[n.layer] != SIZE_MAX && !too_large(MemOperand::W)) {
      needed.emplace_back(weight_of[n.layer], "W");
    }
    if (n.tile.stateful() && !too_large(MemOperand::V)) {
      needed.emplace_back(state_of[n.layer][n.x_index], "V");
    }
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      const auto mem = n.input_operands[k] == workload::Operand::X ? MemOperand::W : MemOperand::I;
      if (!too_large(mem) || n.input_operands[k] == workload::Operand::R) {
        needed.emplace_back(input_ts[k], workload::operand_name(n.input_operands[k]));
      }
    }
    if (input_of[ni] != SIZE_MAX && !too_large(MemOperand::I)) {
      needed.emplace_back(input_of[ni], "I");
    }
    Protect& protect = protect_;
    protect.clear();
    for (const auto& [t, label] : needed)
      protect.push_back(t);

    // A node with too-large operands works from DRAM: flush its core's buffer first (write back
    // what DRAM lacks), keeping only this node's own on-chip inputs.
    if (!cost->too_large.empty()) {
      const auto& resident = mem_[static_cast<std::size_t>(kc)].resident;
      std::vector<std::size_t> victims(resident.begin(), resident.end());
      std::sort(victims.begin(), victims.end());  // oldest first, as before
      for (std::size_t t : victims) {
        if (!is_protected(protect, t)) evict(t, start);
      }
      // Inputs it reads from DRAM must be there: write back producer outputs held on chip.
      for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
        const std::size_t t = input_ts[k];
        if (!is_protected(protect, t) && tensors_[t].on_chip()) evict(t, start);
      }
    }
    std::sort(needed.begin(), needed.end(), [&](const auto& a, const auto& b) {
      return tensors_[a.first].bits < tensors_[b.first].bits;
    });
    double inputs_ready = start;
    const double fetch_from = mem_[static_cast<std::size_t>(kc)].free_at;
    for (const auto& [t, label] : needed) {
      if (tensors_[t].core == kc) {
        inputs_ready = std::max(inputs_ready, tensors_[t].ready);
        continue;
      }
      auto ro = replica_origin.find(t);
      if (ro != replica_origin.end() && !tensors_[t].started) {
        // First use of a replica: copy it from the producer's core (or via DRAM).
        const std::size_t origin = ro->second.first;
        double ready_at;
        if (tensors_[origin].on_chip()) {
          ready_at = replicate(origin, t, kc, l.id, label, fetch_from, protect);
        } else {
          tensors_[t].in_dram = true;
          tensors_[t].ready = tensors_[origin].ready;
          ready_at = fetch(t, kc, l.id, label, fetch_from, protect);
        }
        tensors_[t].started = true;
        inputs_ready = std::max(inputs_ready, ready_at);
        // The producer's copy no longer waits for the consumers this replica serves.
        Tensor& o = tensors_[origin];
        o.remaining -= ro->second.second;
        if (o.remaining <= 0 && o.on_chip() && !net_.is_sink(net_.vertex(o.layer_id))) {
          drop(origin, ready_at);
        }
        continue;
      }
      inputs_ready = std::max(inputs_ready, fetch(t, kc, l.id, label, fetch_from, protect));
    }
    start = std::max(start, inputs_ready);
    const double runtime = cost->latency.latency_cycles;
    const double end = start + runtime;

    // Output: on chip, or born in DRAM when too large.
    const std::size_t out_t = output_of[ni];
    tensors_[out_t].ready = end;
    if (too_large(MemOperand::O)) {
      tensors_[out_t].in_dram = true;
      tensors_[out_t].started = true;
    } else {
      Protect& keep = keep_;
      keep.assign(protect.begin(), protect.end());
      keep.push_back(out_t);
      make_room(kc, tensors_[out_t].bits, keep, start);
      occupy(out_t, kc, start);
    }
    if (!cost->too_large.empty()) {  // the core's DRAM link is busy while the node runs
      double& busy = link_free_[mem_[static_cast<std::size_t>(kc)].dram_link];
      busy = std::max(busy, end);
      latest_link_end_ = std::max(latest_link_end_, end);
    }

    // Accounting of the node itself (its breakdown is prepared once per cost and layer).
    charge_node(l.id, *cost);
    LayerResult& lr = layers[n.layer];
    ++lr.nodes;
    lr.onchip_energy_pJ += cost->onchip_energy_pJ();
    lr.mac_energy_pJ += cost->mac_energy_pJ;
    lr.latency_cycles += runtime;
    lr.start_cycle = lr.start_cycle < 0 ? start : std::min(lr.start_cycle, start);
    lr.end_cycle = std::max(lr.end_cycle, end);
    // Recurrent inputs (simplified): read once from the top memory and added to the neuron input;
    // the addition itself is not charged (the nest's MAC energy does not include it).
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      if (n.input_operands[k] != workload::Operand::R) continue;
      const double pJ = sram_read_pJ(kc, tensors_[input_ts[k]].bits);
      charge(out_.buckets.cn_onchip_pJ, l.id, "R", sram_name(kc), pJ);
      lr.onchip_energy_pJ += pJ;
    }
    if (full_) {
      NodeRecord rec;
      rec.layer_id = l.id;
      rec.t_index = n.t_index;
      rec.x_index = n.x_index;
      rec.core = kc;
      rec.start_cycle = start;
      rec.end_cycle = end;
      rec.energy_pJ = cost->energy_pJ;
      for (auto m : cost->too_large)
        rec.too_large.emplace_back(hardware::mem_operand_name(m));
      out_.nodes.push_back(std::move(rec));
    }

    // Uses are done: weights, states and inputs may leave; sink outputs go to DRAM.
    for (const auto& [t, label] : needed)
      release(t, end);
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      const std::size_t t = input_ts[k];
      if (std::find_if(needed.begin(), needed.end(), [&](const auto& e) { return e.first == t; }) ==
          needed.end()) {
        release(t, end);  // read from DRAM by a too-large operand: still one use less
      }
    }
    if (n.tile.stateful() && too_large(MemOperand::V)) {
      --tensors_[state_of[n.layer][n.x_index]].remaining;
    }
    if (weight_of[n.layer] != SIZE_MAX && too_large(MemOperand::W)) {
      release(weight_of[n.layer], end);
    }
    if (net_.is_sink(n.layer)) {
      if (tensors_[out_t].on_chip()) write_back(out_t, TransferKind::Sink, end);
    } else if (tensors_[out_t].remaining == 0 && tensors_[out_t].on_chip()) {
      drop(out_t, end);
    }
    mem_[static_cast<std::size_t>(kc)].free_at = end;
    makespan = std::max(makespan, end);
    end_of[ni] = end;
    for (std::size_t s : n.succs) {
      if (--missing[s] == 0) {
        double r = 0;
        for (std::size_t p : g_.nodes[s].preds)
          r = std::max(r, end_of[p]);
        ready.push(key_of(g_.nodes[s], r));
      }
    }
  }

  out_.latency_cycles = std::max(makespan, latest_link_end_);
  flush_breakdown();
  for (workload::Vertex v : net_.topological_order())
    out_.layers.push_back(layers[v]);
  // Off-chip energy: the DRAM entries of the sums, added in the breakdown's (layer, operand)
  // order whether or not the breakdown is built, so that both modes give the same bits.
  std::vector<std::tuple<int, std::string_view, double>> dram;
  for (const auto& [key, pJ] : sums_) {
    if (component_names_.text[key & 0xffff] != acc_.dram.name) continue;
    dram.emplace_back(static_cast<int>(static_cast<std::uint32_t>(key >> 32)),
                      operand_names_.text[(key >> 16) & 0xffff], pJ);
  }
  std::sort(dram.begin(), dram.end());
  for (const auto& [layer, operand, pJ] : dram) {
    out_.offchip_energy_pJ += pJ;
    // Per-layer off-chip energy includes node DRAM levels and transfers attributed to it.
    for (auto& lr : out_.layers) {
      if (lr.id == layer) lr.offchip_energy_pJ += pJ;
    }
  }
  out_.energy_pJ = out_.buckets.total_pJ();
  out_.state_bits = state_bits(net_, schedule_);
  out_.unique_nodes = cache_.size();
}

}  // namespace

ScheduleResult evaluate_schedule(const workload::Network& net, const hardware::Accelerator& acc,
                                 const Schedule& schedule, cost::NodeCostCache& cache,
                                 Records records) {
  const CnGraph graph = build_cn_graph(net, schedule);
  ScheduleResult result;
  Simulator sim(net, acc, schedule, graph, cache, result, records);
  sim.run();
  return result;
}

}  // namespace stems::schedule
