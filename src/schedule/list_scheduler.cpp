#include "list_scheduler.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

#include "stems/common/error.hpp"

namespace stems::schedule {

using hardware::MemOperand;

namespace {

// Relative difference below which two energies are equal: the same accesses summed in another
// order (weigh_last_use_fetches).
constexpr double kEqualEnergy = 1e-9;

// Core of every layer: the schedule's choice, else the first core allowed for its operator.
std::vector<int> assign_cores(const workload::Network& net, const hardware::Accelerator& acc,
                              const Schedule& schedule) {
  const auto allocation = acc.allocation();
  std::vector<int> core_of(net.layer_count(), -1);
  for (workload::Vertex v : net.topological_order()) {
    const auto& l = net.layer(v);
    auto it = allocation.find(l.op);
    if (it == allocation.end()) {
      throw InputError("hardware '" + acc.name + "'",
                       "no core runs operator '" + std::string(workload::op_name(l.op)) + "'");
    }
    int chosen = it->second.front();
    if (v < schedule.cores.size() && schedule.cores[v] >= 0) {
      chosen = schedule.cores[v];
      if (std::find(it->second.begin(), it->second.end(), chosen) == it->second.end()) {
        throw Infeasible("schedule", "layer " + std::to_string(l.id) + " (" +
                                         std::string(workload::op_name(l.op)) +
                                         ") cannot run on core " + std::to_string(chosen));
      }
    }
    core_of[v] = chosen;
  }
  return core_of;
}

std::vector<LayerResult> empty_layer_results(const workload::Network& net,
                                             const Schedule& schedule) {
  std::vector<LayerResult> layers(net.layer_count());
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    layers[v].id = l.id;
    layers[v].name = l.name;
    layers[v].block = l.block;
    layers[v].stateful = l.has_neurons() && keeps_state(net, schedule, v);
    layers[v].start_cycle = -1;
  }
  return layers;
}

bool too_large(const cost::NodeCost& c, MemOperand m) {
  return std::find(c.too_large.begin(), c.too_large.end(), m) != c.too_large.end();
}

// The top-memory operand an input edge feeds: an Add's X takes the weight path.
MemOperand fed_operand(workload::Operand o) {
  return o == workload::Operand::X ? MemOperand::W : MemOperand::I;
}

}  // namespace

ListScheduler::ListScheduler(const workload::Network& net, const hardware::Accelerator& acc,
                             const Schedule& schedule, const CnGraph& graph,
                             cost::NodeCostCache& cache, Records records)
    : net_(net),
      acc_(acc),
      schedule_(schedule),
      g_(graph),
      cache_(cache),
      policy_(cache.policy()),
      full_(records == Records::Full),
      core_of_(assign_cores(net, acc, schedule)),
      ledger_(acc, records),
      links_(acc, ledger_, records),
      memory_(acc, schedule.lifecycle, ledger_, links_, records,
              cache.policy().retroactive_activation_free, !cache.policy().evict_by_remaining_uses,
              !cache.policy().room_before_write_backs_end, !cache.policy().evict_when_room_needed,
              !cache.policy().state_write_back_at_last_use,
              cache.policy().transfers_in_whole_words),
      tensors_(create_tensors(net, schedule, graph, memory_)),
      replicas_(net, graph, core_of_, acc, memory_, links_, ledger_, position_),
      costs_(acc, cache),
      ready_(net, schedule.order, graph.nodes.size()),
      end_of_(graph.nodes.size(), 0),
      core_free_at_(acc.cores.size(), 0),
      layers_(empty_layer_results(net, schedule)) {
  const bool next_use = !policy_.evict_by_remaining_uses;
  if (!ready_.is_static() && !next_use) return;  // latency order by remaining uses: heap only
  sequence_ = ready_.sequence(graph);
  if (sequence_.size() != graph.nodes.size()) {
    throw std::logic_error("ListScheduler: the node graph has a dependency cycle");
  }
  if (next_use) {
    position_ = ReadySet::positions(sequence_);
    set_tensor_uses(graph, tensors_, core_of_, position_, memory_);
  }
}

ScheduleResult ListScheduler::run() {
  if (ready_.is_static()) {  // the order is known: no ready set to keep
    for (std::size_t i : sequence_)
      schedule_node(g_.nodes[i]);
    return finish();
  }
  missing_.resize(g_.nodes.size());
  for (const auto& n : g_.nodes) {
    missing_[n.index] = n.preds.size();
    if (n.preds.empty()) ready_.push(n, 0);
  }
  while (!ready_.empty())
    schedule_node(g_.nodes[ready_.pop()]);
  return finish();
}

void ListScheduler::schedule_node(const ComputationNode& n) {
  const int core = core_of_[n.layer];
  const int layer_id = net_.layer(n.layer).id;
  // Every room query of this node is at or after the core's free time (it only grows), except a
  // prefetch from the core's last free (MemoryManager::room_from), after which no free lies.
  memory_.settle_frees(core, core_free_at_[static_cast<std::size_t>(core)]);
  double start = earliest_start(n, core);
  const cost::NodeCost& c = node_cost(n, core);
  // A node with too-large operands works from DRAM: what it reads from there must be there; under
  // the flush_before_too_large policy (STEMS) the whole memory is flushed first, keeping only this
  // node's own on-chip inputs.
  if (!c.too_large.empty()) {
    memory_.flush(core, protect_, input_ts_, start, policy_.flush_before_too_large);
  }
  start = std::max(start, bring_inputs(core, layer_id, start));
  start = make_output_room(n, core, c, start);
  note_streamed_tiles(core, c);
  link_use_ = dram_link_use(core, c, start);
  const double end = link_use_.end_cycle;
  place_output(n, core, c, start, end);
  hold_streamed_room(core, c, start, end);
  use_dram_link(core, end);
  // The states the core's previous nodes left due go on the link behind this node's transfers
  // and stream (ModelPolicy::state_write_back_at_last_use off; none are due otherwise).
  memory_.write_back_due(core, end);
  const double done = release_uses(n, c, end);
  account(n, core, c, start, done);
  complete(n, core, done);
}

double ListScheduler::earliest_start(const ComputationNode& n, int core) const {
  double start = core_free_at_[static_cast<std::size_t>(core)];
  for (std::size_t p : n.preds)
    start = std::max(start, end_of_[p]);
  return start;
}

// The bits the node's producers deliver, per top-memory operand (the cost's capacity check).
cost::OperandBits ListScheduler::input_bits(const ComputationNode& n) const {
  cost::OperandBits bits;
  for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
    if (n.input_operands[k] == workload::Operand::R) continue;  // not an operand of the nest
    auto& slot = bits[static_cast<std::size_t>(fed_operand(n.input_operands[k]))];
    slot = slot.value_or(0) + memory_.tensor(tensors_.output_of[n.input_preds[k]]).bits;
  }
  return bits;
}

// The node's cost, with the tensors it reads and needs gathered (gather_tensors): its best loop
// nest, or (physical, ModelPolicy::state_fetch_evicts_live off) the best one that streams its
// state from DRAM, when the state is not on the core, has no free room there and streaming it
// costs less energy than fetching it by evictions (state_fetch_pJ); then (physical-reserved)
// fitted to the room its streamed tiles find (fit_streamed_room).
const cost::NodeCost& ListScheduler::node_cost(const ComputationNode& n, int core) {
  const cost::OperandBits bits = input_bits(n);
  const cost::NodeCost& c = costs_.of(n, core, bits);
  gather_tensors(n, core, c);
  const double fetch_pJ = state_fetch_pJ(n, core, c);
  if (fetch_pJ <= 0) {
    if (policy_.last_use_fetches_unpriced) return fit_streamed_room(n, core, bits, 0, c);
    return weigh_last_use_fetches(n, core, bits, c);
  }
  const cost::OperandMask stream_v = cost::operand_bit(MemOperand::V);
  const cost::NodeCost* streamed = nullptr;
  try {
    streamed = &costs_.of(n, core, bits, stream_v);
  } catch (const Infeasible&) {
    return fit_streamed_room(n, core, bits, 0, c);  // no nest streams the state: it is fetched
  }
  if (policy_.reserve_streamed_tiles) return fetch_or_stream_fitted(n, core, bits, c, *streamed);
  if (streamed->energy_pJ >= c.energy_pJ + fetch_pJ) return c;
  gather_tensors(n, core, *streamed);
  return *streamed;
}

// What the gathered nest (gather_tensors first) leaves to the scheduler to move for tensors this
// node uses last (Tensor::remaining 1) that are in DRAM and not on the core: each one's fetch,
// and a carried-over state's write-back after it (energy, and the bits over the DRAM link); and, in
// `mask`, the operands the nest keeps on chip for them. Tensors with later uses are left out:
// one fetch serves those uses too, which one node's comparison cannot weigh (placement_pJ).
ListScheduler::LastUseMoves ListScheduler::last_use_moves(int core) const {
  LastUseMoves m;
  for (const auto& [t, label, mem] : needed_) {
    const Tensor& x = memory_.tensor(t);
    // Only a tensor in DRAM can be streamed instead (one on another core, or a state reset on
    // chip, is not weighed).
    if (x.core == core || x.remaining != 1 || !x.in_dram) continue;
    m.pJ += memory_.fetch_pJ(core, x.bits);
    m.bits += x.bits;
    if (memory_.written_back_after_last_use(t)) {
      m.pJ += memory_.write_back_pJ(core, x.bits);
      m.bits += x.bits;
    }
    m.mask |= cost::operand_bit(mem);
  }
  return m;
}

// physical (ModelPolicy::last_use_fetches_unpriced off): a nest's energy leaves out the moves the
// scheduler makes for the operands it keeps on chip, while a nest that streams an operand pays
// its DRAM traffic itself, so the best nest c may keep on chip what is dearer to bring there.
// When c keeps tensors that this node uses last and that are not on the core, c with their moves
// (last_use_moves) is weighed against the best nest that streams those operands, with its own
// such moves, under the nest search's criterion, latency counting the moves at the DRAM link's
// bandwidth (a nest that streams them overlaps them with its compute; one that keeps them may
// wait for them). Energy: the one of less energy wins, on equal energy (within 1e-9) the one of
// less latency; latency and edp as cost::better. c on a tie. Leaves the winner gathered.
const cost::NodeCost& ListScheduler::weigh_last_use_fetches(const ComputationNode& n, int core,
                                                            const cost::OperandBits& bits,
                                                            const cost::NodeCost& c) {
  const LastUseMoves cm = last_use_moves(core);
  if (cm.mask == 0) return fit_streamed_room(n, core, bits, 0, c);
  const cost::NodeCost* s = nullptr;
  try {
    s = &costs_.of(n, core, bits, cm.mask);
  } catch (const Infeasible&) {
    return fit_streamed_room(n, core, bits, 0, c);  // no nest streams them
  }
  // By energy, s with its moves costs at least s alone: when c with its moves is below that by
  // more than the tolerance, c wins without gathering s (most nodes; exact, streams_better).
  if (costs_.options().criterion == cost::Criterion::Energy &&
      c.energy_pJ + cm.pJ < s->energy_pJ * (1 - kEqualEnergy)) {
    return fit_streamed_room(n, core, bits, 0, c);
  }
  gather_tensors(n, core, *s);
  const LastUseMoves sm = last_use_moves(core);
  if (streams_better(core, *s, sm, c, cm)) return fit_streamed_room(n, core, bits, cm.mask, *s);
  gather_tensors(n, core, c);
  return fit_streamed_room(n, core, bits, 0, c);
}

// Whether nest s with moves sm is better than nest c with moves cm (weigh_last_use_fetches).
bool ListScheduler::streams_better(int core, const cost::NodeCost& s, const LastUseMoves& sm,
                                   const cost::NodeCost& c, const LastUseMoves& cm) const {
  const double s_pJ = s.energy_pJ + sm.pJ, c_pJ = c.energy_pJ + cm.pJ;
  const double link_bits = memory_.dram_link(core).bandwidth_bits_per_cycle;
  const double s_cycles = s.latency.latency_cycles + static_cast<double>(sm.bits) / link_bits;
  const double c_cycles = c.latency.latency_cycles + static_cast<double>(cm.bits) / link_bits;
  const cost::Criterion criterion = costs_.options().criterion;
  if (criterion != cost::Criterion::Energy) {
    return cost::better(criterion, s_pJ, s_cycles, c_pJ, c_cycles);
  }
  // Energies within kEqualEnergy of each other are equal: the same accesses summed in another order
  // (SEW TB-LBL on 2 MB: layer 1 keeping its state, with its fetch and write-back, or streaming
  // it differ by 1e-12 relative).
  const bool equal = std::abs(s_pJ - c_pJ) <= kEqualEnergy * std::max(s_pJ, c_pJ);
  return equal ? s_cycles < c_cycles : s_pJ < c_pJ;
}

// physical-reserved: the state's fetch against its streaming (node_cost) with both nests fitted
// to their tiles' room first and each priced with every eviction it takes (placement_pJ, tiles
// included), the fetched state also with its move on chip and back. Leaves the winner gathered.
const cost::NodeCost& ListScheduler::fetch_or_stream_fitted(const ComputationNode& n, int core,
                                                            const cost::OperandBits& bits,
                                                            const cost::NodeCost& c,
                                                            const cost::NodeCost& streamed) {
  const Tensor& state = memory_.tensor(tensors_.state_of[n.layer][n.x_index]);
  gather_tensors(n, core, streamed);
  const cost::NodeCost& s =
      fit_streamed_room(n, core, bits, cost::operand_bit(MemOperand::V), streamed);
  const double s_pJ = s.energy_pJ + placement_pJ(n, core, s);
  gather_tensors(n, core, c);
  const cost::NodeCost& f = fit_streamed_room(n, core, bits, 0, c);
  const double f_pJ = f.energy_pJ + placement_pJ(n, core, f) +
                      (state.in_dram ? memory_.fetch_pJ(core, state.bits) : 0) +
                      memory_.write_back_pJ(core, state.bits);
  if (f_pJ <= s_pJ) return f;
  gather_tensors(n, core, s);
  return s;
}

// The bits nest c needs in the core's top memory beyond what the core holds: the needed tensors
// not on it (gather_tensors(c) first), its output unless born in DRAM, and its streamed tiles.
std::uint64_t ListScheduler::new_room_bits(const ComputationNode& n, int core,
                                           const cost::NodeCost& c) const {
  std::uint64_t room = static_cast<std::uint64_t>(std::ceil(c.streamed_top_bits));
  for (const auto& [t, label, mem] : needed_) {
    if (memory_.tensor(t).core != core) room += memory_.tensor(t).bits;
  }
  if (!too_large(c, MemOperand::O)) room += memory_.tensor(tensors_.output_of[n.index]).bits;
  return room;
}

// What placing nest c costs beyond the node (gather_tensors(c) first): the evictions that make
// room for its needed tensors not on the core, its output and its streamed tiles. Fetching the
// needed tensors is not counted: a tensor fetched once serves its later uses too (a layer's
// weights, a state over timesteps), which one node's choice cannot weigh.
double ListScheduler::placement_pJ(const ComputationNode& n, int core,
                                   const cost::NodeCost& c) const {
  return memory_.eviction_cost_pJ(core, new_room_bits(n, core, c), protect_);
}

// The capacities below `capacity` at which a streaming node's nest is also searched: 2^k and
// 1.5 x 2^k bits, largest first, down to 1/64 of the capacity (which bounds the searches). Sizes
// of that ladder, not fractions of the capacity, so that buffers share most candidates; a larger
// buffer does not offer a smaller one's own capacity unless it is on the ladder, nor the caps
// below its own floor.
std::uint64_t ListScheduler::next_cap_below(std::uint64_t cap, std::uint64_t capacity) {
  std::uint64_t p = std::uint64_t{1} << (63 - std::countl_zero(cap));  // the power of 2 <= cap
  std::uint64_t next = p == cap ? p / 2 + p / 4 : (p + p / 2 < cap ? p + p / 2 : p);
  return next >= std::max<std::uint64_t>(capacity / 64, 1) ? next : 0;
}

// physical-reserved (ModelPolicy::reserve_streamed_tiles): nest c (searched with `must_stream`)
// streams operands whose tiles need room in the top memory beside the other live tensors
// (make_output_room makes it, hold_streamed_room holds it). When that room takes evictions, the
// node's best nests with the top memory capped at smaller sizes (next_cap_below) are candidates
// too, each forced to stream at least c's operands; the search ends at the first cap whose best
// nest streams more (only the tiles may shrink: which operands a node keeps
// on chip is a choice whose worth lies in later nodes too, a layer's weights fetched once, which
// one node's comparison cannot weigh), and the one of least energy with its evictions
// (placement_pJ) wins, the smaller tiles on ties. Leaves the chosen nest's tensors gathered.
const cost::NodeCost& ListScheduler::fit_streamed_room(const ComputationNode& n, int core,
                                                       const cost::OperandBits& bits,
                                                       cost::OperandMask must_stream,
                                                       const cost::NodeCost& c) {
  if (!policy_.reserve_streamed_tiles || c.streamed_top_bits <= 0) return c;
  const std::uint64_t capacity = memory_.capacity_bits(core);
  if (memory_.live_bits(core) + new_room_bits(n, core, c) <= capacity) return c;
  cost::OperandMask streams = must_stream;
  for (const MemOperand m : c.too_large)
    streams |= cost::operand_bit(m);
  const cost::NodeCost* best = &c;
  double best_pJ = c.energy_pJ + placement_pJ(n, core, c);
  // What the evictions would cost without the tiles (the same for every candidate: the same
  // tensors are needed): once the best's tiles add nothing to it, smaller ones cannot gain.
  const double untiled_pJ =
      memory_.eviction_cost_pJ(core, new_room_bits(n, core, c) - streamed_room_bits(c), protect_);
  for (std::uint64_t cap = next_cap_below(capacity, capacity);
       cap != 0 && best_pJ > best->energy_pJ + untiled_pJ; cap = next_cap_below(cap, capacity)) {
    const cost::NodeCost* fitted = nullptr;
    try {
      fitted = &costs_.of(n, core, bits, streams, cap);
    } catch (const InputError&) {  // no nest fits this cap, nor will a smaller one
      break;
    }
    if (fitted->too_large.size() != c.too_large.size()) break;  // it streams more
    gather_tensors(n, core, *fitted);
    const double pJ = fitted->energy_pJ + placement_pJ(n, core, *fitted);
    if (pJ <= best_pJ) {
      best = fitted;
      best_pJ = pJ;
    }
  }
  gather_tensors(n, core, *best);
  return *best;
}

// 0 when the node keeps its state on chip at no extra cost (stems policy, stateless node, state
// streamed by the nest, already on the core, or free room for it and the node's other missing
// tensors and output); otherwise what keeping it costs beyond the node: moving it on chip and
// back once, plus the evictions that make its room (MemoryManager::eviction_cost_pJ).
double ListScheduler::state_fetch_pJ(const ComputationNode& n, int core,
                                     const cost::NodeCost& c) const {
  if (policy_.state_fetch_evicts_live || !n.tile().stateful() || too_large(c, MemOperand::V)) {
    return 0;
  }
  const Tensor& state = memory_.tensor(tensors_.state_of[n.layer][n.x_index]);
  // On the core already, or used by this node only (a time-batched node: fetching it or
  // streaming it moves the same bits, and the evictions are the ones any input would cause;
  // its move on chip and back is weighed by weigh_last_use_fetches).
  const bool time_batched =
      n.tile().size(workload::Dim::T) == net_.layer(n.layer).size(workload::Dim::T);
  if (state.core == core || time_batched) return 0;
  // The room for the node's missing tensors and its output (its streamed tiles left out).
  const std::uint64_t room = new_room_bits(n, core, c) - streamed_room_bits(c);
  if (memory_.live_bits(core) + room <= memory_.capacity_bits(core)) return 0;
  // A state not in DRAM is created on chip (StateLifecycle::Reset, first use): nothing to load.
  return memory_.eviction_cost_pJ(core, room, protect_) +
         (state.in_dram ? memory_.fetch_pJ(core, state.bits) : 0) +
         memory_.write_back_pJ(core, state.bits);
}

// The tensors the node reads (input_ts_) and those it needs on its core (needed_, protect_).
void ListScheduler::gather_tensors(const ComputationNode& n, int core, const cost::NodeCost& c) {
  input_ts_.assign(n.input_preds.size(), 0);
  for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
    // A too-large operand reads the producer's own copy from DRAM. A recurrent input is added
    // to the neuron input from the top memory: it is always brought on chip.
    const bool recurrent = n.input_operands[k] == workload::Operand::R;
    const std::size_t p = n.input_preds[k];
    input_ts_[k] = too_large(c, fed_operand(n.input_operands[k])) && !recurrent
                       ? tensors_.output_of[p]
                       : replicas_.input_tensor(p, tensors_.output_of[p], core);
  }
  needed_.clear();
  const TensorId weight = tensors_.weight_of[n.layer];
  if (weight != kNoTensor && !too_large(c, MemOperand::W))
    needed_.push_back({weight, "W", MemOperand::W});
  if (n.tile().stateful() && !too_large(c, MemOperand::V)) {
    needed_.push_back({tensors_.state_of[n.layer][n.x_index], "V", MemOperand::V});
  }
  for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
    const workload::Operand o = n.input_operands[k];
    if (!too_large(c, fed_operand(o)) || o == workload::Operand::R) {
      needed_.push_back({input_ts_[k], workload::operand_name(o), fed_operand(o)});
    }
  }
  const TensorId input = tensors_.input_of[n.index];
  if (input != kNoTensor && !too_large(c, MemOperand::I))
    needed_.push_back({input, "I", MemOperand::I});
  protect_.clear();
  for (const auto& [t, label, mem] : needed_)
    protect_.push_back(t);
}

// Brings the needed tensors on chip, smallest first; returns when the last is there (`start` at
// the earliest). Under no_prefetch (STEMS) transfers start no earlier than the end of the core's
// previous node; otherwise a tensor that fits beside what the core holds starts as soon as the
// link is free and its room was last freed (prefetch during the previous node, bounded by the
// capacity). Its room is made first: under evict_when_room_needed (STEMS) by evictions at the end
// of the previous node, so such a fetch waits for it; physically each victim leaves once idle
// (MemoryManager::idle_from), which may be during the previous node when that node does not read
// it, and the fetch starts when the last room it needs was freed.
double ListScheduler::bring_inputs(int core, int layer_id, double start) {
  // A stable insertion sort: a node needs a handful of tensors (std::stable_sort would allocate
  // its buffer per node).
  for (std::size_t i = 1; i < needed_.size(); ++i) {
    const auto e = needed_[i];
    const std::uint64_t bits = memory_.tensor(e.tensor).bits;
    std::size_t j = i;
    for (; j > 0 && memory_.tensor(needed_[j - 1].tensor).bits > bits; --j)
      needed_[j] = needed_[j - 1];
    needed_[j] = e;
  }
  double inputs_ready = start;
  const double core_free = core_free_at_[static_cast<std::size_t>(core)];
  for (const auto& [t, label, mem] : needed_) {
    // Physical: the victims that make t's room leave once idle (MemoryManager::idle_from), so
    // its room may be free, and its fetch start, before the core's previous node ends.
    if (!policy_.evict_when_room_needed && memory_.tensor(t).core != core) {
      memory_.make_room(core, memory_.tensor(t).bits, protect_, core_free);
    }
    const double fetch_from = policy_.no_prefetch
                                  ? core_free
                                  : memory_.room_from(core, memory_.tensor(t).bits, core_free);
    double ready_at;
    if (memory_.tensor(t).core == core) {
      ready_at = memory_.tensor(t).ready;
    } else if (replicas_.awaits_copy(t)) {
      ready_at = replicas_.copy_in(t, core, layer_id, label, fetch_from, protect_);
    } else {
      ready_at = memory_.fetch(t, core, layer_id, label, fetch_from, protect_);
    }
    inputs_ready = std::max(inputs_ready, ready_at);
  }
  return inputs_ready;
}

// Makes room for the node's output (unless it is born in DRAM) and (physical-reserved) its
// streamed tiles;
// returns the node's start: `start`, or (physical, ModelPolicy::room_before_write_backs_end off)
// the later cycle at which that room is free, when a victim's write-back or an earlier state
// write-back is still under way.
double ListScheduler::make_output_room(const ComputationNode& n, int core, const cost::NodeCost& c,
                                       double start) {
  const TensorId out = tensors_.output_of[n.index];
  std::uint64_t bits = too_large(c, MemOperand::O) ? 0 : memory_.tensor(out).bits;
  if (policy_.reserve_streamed_tiles) bits += streamed_room_bits(c);
  if (bits == 0) return start;
  keep_.assign(protect_.begin(), protect_.end());
  keep_.push_back(out);
  memory_.make_room(core, bits, keep_, start);
  return memory_.room_at(core, bits, start);
}

std::uint64_t ListScheduler::streamed_room_bits(const cost::NodeCost& c) {
  return static_cast<std::uint64_t>(std::ceil(c.streamed_top_bits));
}

// How a node starting at `start` uses its core's DRAM link. None unless it works from DRAM; then
// the whole link under ModelPolicy::streaming_holds_link_whole (STEMS), else the share its in-node
// DRAM bits take of the link's bandwidth over its cycles. The transfers already on the link were
// placed at the full bandwidth, so its share starts when they end: if that is after its start,
// its bits then pass in what is left of its cycles, or at the full bandwidth and it ends later
// (its nest's cycles are a bound, as are its bits at the link's bandwidth; a simplification: the
// gaps between those transfers are not used).
ListScheduler::LinkUse ListScheduler::dram_link_use(int core, const cost::NodeCost& c,
                                                    double start) const {
  const double cycles = c.latency.latency_cycles;
  LinkUse u{start, start + cycles, 0};
  if (c.too_large.empty()) return u;
  if (policy_.streaming_holds_link_whole) {
    u.share = 1;
    return u;
  }
  const hardware::Link& link = memory_.dram_link(core);
  const double bw = link.bandwidth_bits_per_cycle;
  // At most the link's capacity over the nest's cycles (read and write ports are each timed at
  // the link's bandwidth in the nest, so together they can ask for more).
  const double bits = std::min(cost::node_dram_stream_bits(c, acc_.dram), cycles * bw);
  if (bits <= 0) return u;
  u.from_cycle = std::max(start, links_.free_at(link));
  u.end_cycle = std::max(u.end_cycle, u.from_cycle + bits / bw);
  u.share = bits / ((u.end_cycle - u.from_cycle) * bw);
  return u;
}

void ListScheduler::use_dram_link(int core, double end) {
  if (link_use_.share <= 0) return;
  const hardware::Link& link = memory_.dram_link(core);
  if (policy_.streaming_holds_link_whole) {
    links_.block_until(link, end);
  } else {
    links_.share(link, link_use_.from_cycle, link_use_.end_cycle, link_use_.share);
  }
}

// physical-reserved: the node's streamed tiles hold their room (made by make_output_room) from its
// start to its end, as a tensor of the core no one else uses.
void ListScheduler::hold_streamed_room(int core, const cost::NodeCost& c, double start,
                                       double end) {
  if (!policy_.reserve_streamed_tiles || streamed_room_bits(c) == 0) return;
  if (tiles_of_core_.empty()) tiles_of_core_.assign(core_free_at_.size(), kNoTensor);
  TensorId& t = tiles_of_core_[static_cast<std::size_t>(core)];
  if (t == kNoTensor) {
    Tensor tiles;
    tiles.kind = TensorKind::Activation;
    tiles.in_dram = true;  // never written back (it is never evicted: it lives inside the node)
    tiles.operand = "tiles";
    t = memory_.add(tiles);
  }
  memory_.tensor(t).bits = streamed_room_bits(c);
  memory_.occupy(t, core, start);
  memory_.drop(t, end);
}

// The output is on chip from the node's start, or born in DRAM when too large. Its room was made
// by make_output_room, which gave the start.
void ListScheduler::place_output(const ComputationNode& n, int core, const cost::NodeCost& c,
                                 double start, double end) {
  const TensorId out = tensors_.output_of[n.index];
  Tensor& o = memory_.tensor(out);
  o.ready = end;
  if (too_large(c, MemOperand::O)) {
    o.in_dram = true;
    o.started = true;
    return;
  }
  memory_.occupy(out, core, start);
}

// The node's energy (its breakdown is prepared once per cost and layer) and its layer's figures.
void ListScheduler::account(const ComputationNode& n, int core, const cost::NodeCost& c,
                            double start, double end) {
  const int layer_id = net_.layer(n.layer).id;
  ledger_.charge_node(layer_id, c);
  LayerResult& lr = layers_[n.layer];
  ++lr.nodes;
  lr.onchip_energy_pJ += c.onchip_energy_pJ();
  lr.mac_energy_pJ += c.mac_energy_pJ;
  lr.latency_cycles += c.latency.latency_cycles;
  lr.start_cycle = lr.start_cycle < 0 ? start : std::min(lr.start_cycle, start);
  lr.end_cycle = std::max(lr.end_cycle, end);
  // Recurrent inputs (simplified): read once from the top memory and added to the neuron input;
  // the addition itself is not charged (the nest's MAC energy does not include it).
  for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
    if (n.input_operands[k] != workload::Operand::R) continue;
    const double pJ = memory_.top_read_pJ(core, memory_.tensor(input_ts_[k]).bits);
    ledger_.charge(Bucket::CnOnchip, layer_id, "R", memory_.top(core).name, pJ);
    lr.onchip_energy_pJ += pJ;
  }
  if (full_) record_node(n, core, c, start, end);
}

void ListScheduler::record_node(const ComputationNode& n, int core, const cost::NodeCost& c,
                                double start, double end) {
  NodeRecord rec;
  rec.layer_id = net_.layer(n.layer).id;
  rec.t_index = n.t_index;
  rec.x_index = n.x_index;
  rec.core = core;
  rec.start_cycle = start;
  rec.end_cycle = end;
  rec.energy_pJ = c.energy_pJ;
  for (auto m : c.too_large)
    rec.too_large.emplace_back(hardware::mem_operand_name(m));
  rec.streamed_top_bits = c.streamed_top_bits;
  rec.dram_link_share = link_use_.share;
  rec.dram_link_from_cycle = link_use_.from_cycle;
  nodes_.push_back(std::move(rec));
}

// A node streaming operands from DRAM counts on room for their tiles in the top memory beside
// everything the core holds at its start (its own inputs and output included), which the memory
// manager does not reserve unless ModelPolicy::reserve_streamed_tiles (a simplification: README
// "Streamed tiles are not reserved"). Recorded, not acted on, so that a run shows how far its
// figures rely on that room (with the reservation: none, unless the memory overflows). A state
// whose write-back is due counts: without the reservation nothing moves it out for the tiles.
void ListScheduler::note_streamed_tiles(int core, const cost::NodeCost& c) {
  if (c.streamed_top_bits <= 0) return;
  const double held = static_cast<double>(memory_.used_bits(core)) + c.streamed_top_bits;
  ++streamed_.streaming_nodes;
  if (held > static_cast<double>(memory_.capacity_bits(core))) ++streamed_.over_capacity_nodes;
  streamed_.peak_bits = std::max(streamed_.peak_bits, static_cast<std::uint64_t>(std::ceil(held)));
}

// Uses are done: weights, states and inputs may leave; sink outputs go to DRAM. Returns the
// node's end: `end`, or under state_writeback_extends_node the time the last of its needed
// tensors (smallest first) to run out of uses leaves, if later (a state's write-back end).
double ListScheduler::release_uses(const ComputationNode& n, const cost::NodeCost& c, double end) {
  double last_gone = end;
  for (const auto& [t, label, mem] : needed_) {
    const double gone = memory_.release(t, end);
    if (gone >= 0) last_gone = gone;
  }
  const double done = policy_.state_writeback_extends_node ? std::max(end, last_gone) : end;
  for (const auto& [t, label, mem] : needed_) {
    if (memory_.tensor(t).remaining > 0) memory_.consumed(t, done);
  }
  for (const TensorId t : input_ts_) {
    const bool was_needed = std::find_if(needed_.begin(), needed_.end(), [&](const auto& e) {
                              return e.tensor == t;
                            }) != needed_.end();
    if (!was_needed) memory_.release(t, end);  // read from DRAM by a too-large operand
  }
  if (n.tile().stateful() && too_large(c, MemOperand::V)) {
    memory_.spend_uses(tensors_.state_of[n.layer][n.x_index], 1);
  }
  const TensorId weight = tensors_.weight_of[n.layer];
  if (weight != kNoTensor && too_large(c, MemOperand::W)) memory_.release(weight, end);
  const TensorId out = tensors_.output_of[n.index];
  if (net_.is_sink(n.layer)) {
    if (memory_.tensor(out).on_chip()) memory_.write_back(out, TransferKind::Sink, done);
  } else if (memory_.tensor(out).remaining == 0 && memory_.tensor(out).on_chip()) {
    memory_.drop(out, end);
  }
  return done;
}

// The node is done: its core is free and (latency order: the ready set is kept while scheduling)
// its successors may become ready.
void ListScheduler::complete(const ComputationNode& n, int core, double end) {
  core_free_at_[static_cast<std::size_t>(core)] = end;
  makespan_ = std::max(makespan_, end);
  end_of_[n.index] = end;
  if (ready_.is_static()) return;
  for (std::size_t s : n.succs) {
    if (--missing_[s] == 0) {
      double ready_cycle = 0;
      for (std::size_t p : g_.nodes[s].preds)
        ready_cycle = std::max(ready_cycle, end_of_[p]);
      ready_.push(g_.nodes[s], ready_cycle);
    }
  }
}

ScheduleResult ListScheduler::finish() {
  for (std::size_t c = 0; c < core_free_at_.size(); ++c)
    memory_.write_back_due(static_cast<int>(c), std::numeric_limits<double>::infinity());
  ScheduleResult out;
  out.latency_cycles = std::max(makespan_, links_.latest_end_cycle());
  out.layers.reserve(layers_.size());
  for (workload::Vertex v : net_.topological_order())
    out.layers.push_back(std::move(layers_[v]));
  ledger_.finish(out);
  out.peak_onchip_bits = memory_.peak_bits();
  out.memory_overflow = memory_.overflowed();
  out.streamed_tiles = streamed_;
  out.streamed_tiles.reserved = policy_.reserve_streamed_tiles;
  out.nodes = std::move(nodes_);
  out.transfers = links_.take_records();
  out.memory_timeline = memory_.take_timeline();
  out.state_bits = state_bits(net_, schedule_);
  out.unique_nodes = cache_.size();
  out.model = std::string(policy_.name());
  return out;
}

ScheduleResult evaluate_schedule(const workload::Network& net, const hardware::Accelerator& acc,
                                 const Schedule& schedule, cost::NodeCostCache& cache,
                                 Records records) {
  const CnGraph graph = build_cn_graph(net, schedule);
  return ListScheduler(net, acc, schedule, graph, cache, records).run();
}

}  // namespace stems::schedule
