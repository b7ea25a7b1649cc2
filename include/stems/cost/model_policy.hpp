#pragma once
// Which cost model an evaluation uses, as one policy object passed down to the cost model and the
// scheduler (`--model physical|stems|physical-reserved`, `model = "..."` in run and campaign
// configs).
//
//   physical (the default): a model meant to be swept. More on-chip capacity never costs energy,
//     a faster link never costs time (property tests guard both), and none of the original
//     tool's accidents are reproduced.
//   physical-reserved: physical with room made for every tile a node streams from DRAM
//     (reserve_streamed_tiles).
//   stems: every behaviour of the original STEMS tool (Eissa et al., github.com/sjoks93/STEMS at
//     323e004: Stream 0.0.8 + a modified ZigZag 2.4.5), including those that are accidents of its
//     code, so that its published numbers can be reproduced. Each is one field below, documented
//     once here, with where STEMS does it (../shared/reference/stems_model.md; the measurements
//     behind them are summarised in README "Cost model: physical and stems").
//
// The cost model reads the "node" fields, the list scheduler and its memory manager the
// "schedule" fields; nothing else branches on the model.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stems/common/error.hpp"
#include "stems/common/names.hpp"

namespace stems::cost {

enum class Model : std::uint8_t { Physical, Stems, PhysicalReserved };
inline constexpr NameTable<Model, 3> kModelNames = {
    {{Model::Physical, "physical"},
     {Model::Stems, "stems"},
     {Model::PhysicalReserved, "physical-reserved"}}};

struct ModelPolicy {
  Model model = Model::Physical;

  // ---- node (the loop-nest cost model) ----
  // LOMA enumerates orderings in ZigZag 2.4.5's cool-lex order of (dim name, size) factors and
  // breaks prime-factor merge ties in the workload's dim order (physical: lexicographic order;
  // the minimum is the same, only ties and the next item depend on it).
  bool coollex_orderings = false;
  // ZigZag's loading phase, as modified by STEMS, appends the state operand V to the layer's own
  // input-operand list on every cost evaluation (cost_model.py, calc_data_loading_offloading_
  // latency): on the k-th valid ordering of a node, V's individual and fully shared loading
  // cycles count k times. Only visible when V lives in DRAM (a too-large state).
  bool state_loading_repeats = false;
  // An operand set is "too large" all or nothing (IntraCoreMappingStage.check_core_capacity_for_
  // node: if W + V + O + inputs exceed the top level, the largest operands go to DRAM whole).
  // physical: every subset of operands that may stream from DRAM is tried and the one with the
  // least energy (node + moving the resident ones on and off chip once) wins, so a mapping that
  // fits a smaller buffer stays available with a larger one.
  bool all_or_nothing_too_large = false;
  // A pooling window is modelled as a zero-bit weight operand on the weight path (STEMS's
  // MaxPool has W precision 0); it changes the ports' loading and stall terms.
  bool pooling_window_as_weight = false;
  // LOMA's causality check with no reduction loop keeps T from being the innermost loop
  // (STEMS's default indices when the layer has no output-irrelevant loop), so such a stateful
  // layer re-reads its state every timestep (SEW layer 0: 65.24 instead of 7.68 uJ).
  bool no_reduction_keeps_t_outside = false;
  // In-node traffic with DRAM is timed at the DRAM's own width (ZigZag treats DRAM as a memory
  // level). physical: at min(DRAM width, the core's DRAM link bandwidth).
  bool dram_stream_at_dram_width = false;
  // ZigZag's allocator gives a level the later (larger-tile) of two joint tile choices that move
  // the same bits from above, also for an operand streamed from DRAM right above that level: when
  // a state fits the top level whole, its node loads all of it before computing instead of
  // streaming it under compute (a larger buffer then lengthened SEW ST-LBL by 11.8 %). physical:
  // the winning loop nest is evaluated again with each smaller tied tile of its streamed operands
  // (the same traffic), and one no worse in energy, latency and latency with offloading, and
  // better in one, replaces it (search_orderings, refine_streamed_tiles); every tied tile of a
  // smaller buffer is one of a larger buffer too.
  bool largest_streamed_tile_on_ties = false;
  // Energy per stateful neuron per timestep for the neuron update (leak, threshold, reset), from
  // the core's neuron_update_energy_pJ. STEMS charges nothing for it.
  bool neuron_update_energy = true;

  // ---- schedule (the list scheduler and its memory manager) ----
  // Before a node with a too-large operand, the whole top memory is flushed (scheduler.py,
  // clear_memories); physical: only what the node needs room for is evicted.
  bool flush_before_too_large = false;
  // Transfers for a node start only after the core's previous node ends (no prefetching into a
  // buffer still in use); physical: as soon as the link is free and the buffer has room.
  bool no_prefetch = false;
  // A tensor's room counts as free as soon as the evictions that make it are issued: a node's
  // output is placed at the node's start (and a reset state created, a core-to-core copy made)
  // even while a victim's write-back (or a state's final write-back) is still under way, so the
  // occupancy record can exceed the capacity for the length of that write-back (a fetch cannot:
  // it queues behind the write-backs on the core's DRAM link). physical: the node (or the
  // transfer) waits until the room is actually free (MemoryManager::room_at).
  bool room_before_write_backs_end = false;
  // Room is made when a node needs it: the victims' write-backs (and the drops of clean ones)
  // are issued at the end of the core's previous node at the earliest, even for a victim that
  // node does not read, so they sit on the critical path between the two nodes. physical: a
  // victim leaves as soon as it is idle (its last read so far and its own arrival are done;
  // MemoryManager::idle_from), when the DRAM link allows, i.e. ahead of the node that needs the
  // room, during the previous node when that node does not read it; a fetch whose room that
  // frees before the previous node ends starts then (ListScheduler::bring_inputs). A static
  // schedule knows its victims in advance, so issuing them early is what its controller would do.
  bool evict_when_room_needed = false;
  // A node that streams operands from DRAM holds its core's DRAM link whole from its start to its
  // end: no transfer runs on the link meanwhile (Stream 0.0.8's block_offchip_links moves the
  // link's available_from to the node's end). physical: the node takes the share of the link's
  // bandwidth it uses on average (its in-node DRAM bits over its cycles x the link's bits per
  // cycle, at most all of it), and transfers progress at the rest of the bandwidth meanwhile
  // (LinkModel::share). Without this, RED-LIF ST-LBL on 1 MB spent 11.6 M of its 139.9 M cycles in
  // gaps where the between-node transfers waited for streaming nodes that used 20.8 % of the link.
  bool streaming_holds_link_whole = false;
  // A node ends when the write-back of its state ends if the state is the last tensor (in the
  // node's size-sorted list) whose uses run out (scheduler.py: end = max(end, endo)).
  bool state_writeback_extends_node = false;
  // A carried-over state is written back at its last use: the write-back is put on the core's
  // DRAM link when the node that last reads it ends, ahead of every transfer and stream the next
  // node asks for, which then wait for it although nothing needs it. physical: the write-back is
  // due, not urgent. The state stays on chip (its room counts as free for the scheduler's
  // choices, MemoryManager::live_bits; it is the first victim when room is needed, and the rest of
  // it is written back then) and moves in parts into the bandwidth the link has spare up to the
  // end of each later node on the core, once that node has placed its fetches and its in-node
  // stream (MemoryManager::write_back_due); energy is the same, charged once. Without this, SEW
  // TB-LBL on 2 MB waited 196,608 cycles before block 0's Add, which streams at the link's full
  // bandwidth, for layer 2's 12,582,912-bit state. Off, it is meant with next-use eviction (a due
  // state, with no use left, is then the first victim) and without state_writeback_extends_node
  // (which then has nothing to wait for), as in physical; energy per part on a link with a pJ/bit
  // cost sums to the whole up to rounding.
  bool state_write_back_at_last_use = false;
  // An activation whose last consumer runs is freed at the latest end among its earlier
  // consumers, a time before that last consumer starts (check_for_removal; the memory record is
  // a time-indexed step function that accepts removals in the past). It lowers the peak.
  bool retroactive_activation_free = false;
  // A state the node's loop nest keeps on chip is fetched even when room must be made for it by
  // evicting tensors still in use (other layers' states, activations awaiting their consumers),
  // which are written back and fetched again (the memory manager makes room for every input of
  // the node). physical: in time-sequential nodes (a state used by several nodes), a state that
  // has no free room on the core is streamed from DRAM by its node instead (its best loop nest
  // with V above the top level) when that costs less energy than the node plus fetching the
  // state, writing it back once and the evictions that would make its room (each victim's
  // write-back if DRAM lacks its data, and its fetch back). Without this, a buffer just large
  // enough for one big state thrashed every other layer's state (SEW ST-LBL 2 MB: evictions
  // 8,240 instead of 188 uJ, energy 20,887 instead of 17,032 uJ).
  bool state_fetch_evicts_live = false;
  // A node keeps on chip whatever its best loop nest keeps there. A nest's energy leaves out the
  // moves the scheduler makes for the operands it keeps on chip (their fetch, a state's
  // write-back), while a nest that streams an operand pays its DRAM traffic itself, so the nest
  // search favours keeping operands on chip; when keeping one pushes another to DRAM that can be
  // dearer in total (a random network, 0.0625 -> 0.125 MB: a time-batched node kept its state and
  // sent its 262,144-bit output to DRAM and back, energy +23.5 %). physical: when the best nest
  // keeps tensors that the node uses last and that are not on the core, it is weighed with their
  // fetches (and the state's write-back) against the best nest that streams those operands, with
  // its own such moves, under the nest criterion, latency counting the moves at the link's
  // bandwidth; under energy, energies within 1e-9 are equal and the lower latency wins
  // (ListScheduler::weigh_last_use_fetches). Tensors with later uses are not weighed (one fetch
  // serves them all), nor tensors not in DRAM (a state reset on chip, a tensor on another core),
  // nor what the choice does to later nodes (a streamed input can change which outputs are
  // evicted: 25 of 442 physical golden runs dearer, at most +1.33 %, 86 cheaper, to -7.6 %). On
  // in stems.
  bool last_use_fetches_unpriced = false;
  // A tensor the scheduler moves to or from the top memory (fetch, eviction, write-back, replica)
  // costs ceil(bits / width) accesses there, whole words, while a loop nest counts the same bits
  // as ceil(bits / min_bits) x (min_bits / width) accesses (the hardware's access granularity,
  // MemoryLevel::min_read_bits / min_write_bits). physical counts them as the nest does, so that a
  // tensor costs the same whether a node streams it or the scheduler moves it (whole words made a
  // larger buffer 0.0007-0.001 % dearer in random networks whose nodes then kept an input and
  // fetched it: 36,992 bits as 37 words of 1,024 bits, not 36.125). On in stems (without it 20 of
  // the 462 stems golden evaluations move, among them RED-LIF's on 1 MB).
  bool transfers_in_whole_words = false;
  // Room is made by evicting the tensor of lowest importance = remaining uses x 100 - layer id
  // (scheduler.py / memory_manager.py, find_best_tensor_combination_to_evict): a tensor with many
  // uses left stays, however far away its next use is. physical: the tensor whose next use comes
  // last in the schedule's priority order leaves first (Belady's rule with the static priority
  // order as the reference string; MemoryManager::set_uses). Under the stems rule a larger
  // buffer let RED-LIF ST-F keep all 12.4 Mbit of weights resident and evict the fused
  // pipeline's activations instead (+28.5 % energy from 1.5 to 2 MB).
  bool evict_by_remaining_uses = false;
  // physical-reserved only (README "Streamed tiles are not reserved"): in physical and stems a
  // node whose loop nest streams operands from DRAM lays their tiles out in the whole top memory,
  // beside whatever other live tensors hold there, and nothing makes room for them (the memory
  // manager never sees the tiles; STEMS flushes the memory before such a node instead). With
  // this, the tiles' room is made at the node's start and held until its end, and when making it
  // takes evictions, the node's best nests with the top memory capped at 2^k and 1.5 x 2^k bits
  // (the same operands streamed, smaller tiles) compete with its best nest, each priced with the
  // evictions it takes (MemoryManager::eviction_cost_pJ). Not the physical default yet: the
  // energy property holds with it, but the latency property fails in more cases (21 against 13:
  // a larger buffer lets a node keep a state on chip or take larger tiles for less energy, paid
  // by evictions and fetches between nodes that wait for the write-backs making their room).
  bool reserve_streamed_tiles = false;
  // Tile dependencies without the padding offset (STEMS does not model padding): column x of a
  // 3x3 conv reads x..x+2 instead of x-1..x+1. This is the default alignment of a schedule built
  // under the model (`--alignment stems` implied); an explicit `--alignment` / `alignment = ...`
  // still wins, so that the two can be separated.
  bool unpadded_alignment = false;

  static ModelPolicy physical() { return {}; }
  static ModelPolicy stems() {
    ModelPolicy p;
    p.model = Model::Stems;
    p.coollex_orderings = true;
    p.last_use_fetches_unpriced = true;
    p.transfers_in_whole_words = true;
    p.state_loading_repeats = true;
    p.all_or_nothing_too_large = true;
    p.pooling_window_as_weight = true;
    p.no_reduction_keeps_t_outside = true;
    p.dram_stream_at_dram_width = true;
    p.largest_streamed_tile_on_ties = true;
    p.neuron_update_energy = false;
    p.flush_before_too_large = true;
    p.no_prefetch = true;
    p.room_before_write_backs_end = true;
    p.evict_when_room_needed = true;
    p.streaming_holds_link_whole = true;
    p.state_writeback_extends_node = true;
    p.state_write_back_at_last_use = true;
    p.retroactive_activation_free = true;
    p.state_fetch_evicts_live = true;
    p.evict_by_remaining_uses = true;
    p.unpadded_alignment = true;
    return p;
  }
  // physical with every node's streamed tiles given room (reserve_streamed_tiles).
  static ModelPolicy physical_reserved() {
    ModelPolicy p;
    p.model = Model::PhysicalReserved;
    p.reserve_streamed_tiles = true;
    return p;
  }
  static ModelPolicy of(Model m) {
    return m == Model::Stems              ? stems()
           : m == Model::PhysicalReserved ? physical_reserved()
                                          : physical();
  }
  std::string_view name() const { return name_of(kModelNames, model); }
};

inline std::optional<Model> parse_model(std::string_view name) {
  return parse_name(kModelNames, name);
}
// "expected physical, stems or physical-reserved" for error messages.
inline std::string expected_models() {
  return "expected " + allowed_names(kModelNames);
}
// The policy of a model named by the user; "" is the default (physical). Throws InputError with
// `where` (the flag, keyword or file:line) and the allowed names.
inline ModelPolicy policy_named(std::string_view name, const std::string& where) {
  if (name.empty()) return ModelPolicy::physical();
  const auto m = parse_model(name);
  if (!m) throw InputError(where, "'" + std::string(name) + "': " + expected_models());
  return ModelPolicy::of(*m);
}

}  // namespace stems::cost
