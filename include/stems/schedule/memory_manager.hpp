#pragma once
// The memory manager: each core's top on-chip memory (the level W, I, O and V share), the tensors
// it holds, when they leave and what moving them costs (stems_model.md 4.6, 4.7, 7.4).
//
//  - Weights and network inputs always have a DRAM copy. A state moves: it is fetched (or, with
//    StateLifecycle::Reset, created zero on chip at its first use) and written back when it
//    leaves, evicted while still needed or after its last use (carry-over; in physical the
//    latter is due rather than urgent, write_back_due). An activation is written back only when
//    evicted while still needed and not already in DRAM.
//  - Room is made by evicting, never a tensor the node needs (`Protect`), either (stems policy
//    evict_by_remaining_uses) the tensor of lowest importance = remaining uses x 100 - layer id,
//    or (physical, `next_use_eviction`) the tensor whose next use comes last in the schedule's
//    priority order (set_uses); ties to the lowest tensor id (the oldest: deterministic whatever
//    the containers). When nothing can go, the memory overflows (flagged, not fatal).
//  - Before a node with too-large operands, the on-chip copies of what it reads from DRAM leave
//    (under stems the whole memory is flushed; flush()).
//  - Occupancy: the peak of the fullest core; with Records::Full, the bits held by all cores after
//    every change (a step function over cycles; a fetch holds its room from the transfer's start,
//    the timeline records it at its end).
//
// Fetches and write-backs go over the core's DRAM link (LinkModel) and are charged to the
// EnergyLedger: DRAM read + top-memory write per fetch, top-memory read + DRAM write per
// write-back, each ceil(bits / access width) accesses.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "stems/common/two_ended_sorted.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/energy_ledger.hpp"
#include "stems/schedule/link_model.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/schedule/tensor.hpp"

namespace stems::schedule {

// The tensors of the node being scheduled, which eviction must not touch (few: linear search).
using Protect = std::vector<TensorId>;

class MemoryManager {
 public:
  // Throws InputError when a core's W, I and V do not share the top level of O.
  // `retroactive_activation_free`: the stems policy of that name (ModelPolicy);
  // `next_use_eviction`: the physical rule instead of evict_by_remaining_uses.
  // `wait_for_freed_room`: ModelPolicy::room_before_write_backs_end off (room_at).
  // `evict_when_idle`: ModelPolicy::evict_when_room_needed off (make_room, idle_from).
  // `defer_state_write_backs`: ModelPolicy::state_write_back_at_last_use off (release,
  // write_back_due).
  // `whole_word_transfers`: ModelPolicy::transfers_in_whole_words (top_read_pJ, top_write_pJ).
  MemoryManager(const hardware::Accelerator& acc, StateLifecycle lifecycle, EnergyLedger& ledger,
                LinkModel& links, Records records, bool retroactive_activation_free = false,
                bool next_use_eviction = false, bool wait_for_freed_room = false,
                bool evict_when_idle = false, bool defer_state_write_backs = false,
                bool whole_word_transfers = false);
  MemoryManager(const MemoryManager&) = delete;
  MemoryManager& operator=(const MemoryManager&) = delete;

  // ---- the tensor table ----
  // Mutable on purpose: the list scheduler and the replicas set what only they know (an output's
  // ready time and DRAM birth, a replica's copy, uses served elsewhere).
  TensorId add(const Tensor& t) {
    tensors_.push_back(t);
    return tensors_.size() - 1;
  }
  void reserve(std::size_t tensors) { tensors_.reserve(tensors); }
  // Under next-use eviction: t's uses, as positions in the schedule's priority order (any order;
  // kept sorted), one per use it will be released or spent for, before t is first on chip. The
  // k-th use from the end is taken as the next while k uses remain: exact when a tensor's uses run
  // in priority order (a layer's chain of nodes; one core), an estimate otherwise. A tensor
  // without uses leaves first.
  void set_uses(TensorId t, std::span<const std::uint32_t> positions);
  // The priority position of t's next use (next-use eviction), or UINT32_MAX when none is known.
  std::uint32_t next_use(TensorId t) const;
  Tensor& tensor(TensorId t) { return tensors_[t]; }
  const Tensor& tensor(TensorId t) const { return tensors_[t]; }
  std::size_t tensor_count() const { return tensors_.size(); }

  // ---- a core's top memory ----
  const hardware::Core& core(int c) const { return *mem(c).core; }
  const hardware::MemoryLevel& top(int c) const { return *mem(c).top; }
  const hardware::Link& dram_link(int c) const { return *mem(c).dram_link; }
  std::uint64_t capacity_bits(int c) const { return mem(c).capacity; }
  std::uint64_t used_bits(int c) const { return mem(c).used; }
  // used_bits less the carried-over states whose write-back is due (defer_state_write_backs):
  // their room is as good as free, evicting them only moves a write-back that comes anyway.
  std::uint64_t live_bits(int c) const;
  // The tensors core c holds, in eviction order read from the back (the next victim last).
  std::vector<TensorId> resident(int c) const;
  // The earliest cycle, no later than `fallback`, from which `bits` more are known to fit core c
  // without evicting anything: the last time room was freed there when they fit now (every
  // recorded free is then behind, so the occupancy never exceeds what is held now), else
  // `fallback` (room must be made, which only the core's current node may decide).
  double room_from(int c, std::uint64_t bits, double fallback) const {
    const CoreMemory& m = mem(c);
    return m.used + bits <= m.capacity ? std::min(fallback, m.last_free) : fallback;
  }
  // The earliest cycle, no earlier than `earliest`, at which `bits` more fit core c beside what it
  // holds and what it still frees later: a tensor evicted or written back leaves the count of bits
  // held when its eviction is issued but its room only when its write-back ends. Call after
  // make_room. `earliest` itself when the manager does not wait for freed room (stems policy) or
  // when the bits cannot fit at all (an overflow, flagged by make_room).
  double room_at(int c, std::uint64_t bits, double earliest) const;
  // Frees recorded on core c up to `cycle` are behind every later room_at query (the list
  // scheduler calls it with the core's free time, which only grows; a query before it can only
  // be a prefetch from the core's last free, after which no free lies): they are forgotten.
  void settle_frees(int c, double cycle);
  // Energy of reading / writing `bits` from / into core c's top memory (whole accesses).
  double top_read_pJ(int c, std::uint64_t bits) const;
  double top_write_pJ(int c, std::uint64_t bits) const;

  // ---- moves ----
  // Brings tensor t from DRAM into core c for a node of `layer_id` reading it as `operand` (the
  // labels of the charges), after making room; the transfer starts no earlier than `earliest` nor
  // before t's DRAM copy is ready. Returns when t is on chip.
  double fetch(TensorId t, int c, int layer_id, std::string_view operand, double earliest,
               const Protect& protect);
  // Copies on-chip tensor t to DRAM (top-memory read + DRAM write, charged to t's own layer and
  // operand in the kind's bucket) and frees its room when the transfer ends, unless keep_on_chip.
  void write_back(TensorId t, TransferKind kind, double earliest, bool keep_on_chip = false);
  // Places t in core c's memory from `when` on (no transfer, no energy); its room is reserved in
  // the occupancy record from `reserved_from` (default `when`; a fetch reserves at its start).
  void occupy(TensorId t, int c, double when, double reserved_from = -1);
  // Frees t's room at `when` without writing it back.
  void drop(TensorId t, double when);
  // Evicts unprotected tensors of core c, lowest importance first, until `bits` more fit: each at
  // `now`, or (evict_when_idle) from idle_from(), ahead of the node that needs the room.
  void make_room(int c, std::uint64_t bits, const Protect& protect, double now);
  // What make_room(c, bits, protect) would cost, changing nothing: per tensor it would evict, the
  // write-back evict() makes (a state or an activation DRAM lacks, still needed) and the fetch
  // back for its remaining uses. Infinity when room cannot be made.
  double eviction_cost_pJ(int c, std::uint64_t bits, const Protect& protect) const;
  // Energy of one move of `bits` between DRAM and core c's top memory, in or out.
  double fetch_pJ(int c, std::uint64_t bits) const;
  // Whether t is written back to DRAM after its last use (a state carried over to the next
  // inference, StateLifecycle::CarryOver).
  bool written_back_after_last_use(TensorId t) const {
    return tensors_[t].kind == TensorKind::State && lifecycle_ == StateLifecycle::CarryOver;
  }
  double write_back_pJ(int c, std::uint64_t bits) const;
  // Removes t from its core, writing back a state or an activation that is still needed and
  // would otherwise be lost.
  void evict(TensorId t, double now);
  // `uses` uses of t are served without this manager's release() (a too-large operand read from
  // DRAM, a replica's consumers): its importance changes, nothing moves.
  void spend_uses(TensorId t, std::int64_t uses);
  // One use of t is done; after its last use it leaves the chip (a carried-over state is written
  // back, or with defer_state_write_backs stays until write_back_due() or an eviction writes it
  // back). Returns when t's room is freed after its last use (a state: its write-back end, or
  // `when` when deferred; an activation under retroactive_activation_free: the latest end of its
  // earlier consumers, see consumed()), or -1 while uses remain.
  double release(TensorId t, double when);
  // Moves the carried-over states whose write-back is due on core c (defer_state_write_backs;
  // each no earlier than its last read) into the bandwidth its DRAM link has spare until
  // `until_cycle` (whole cycles from each part's start, so no part ends after it): a state whose
  // rest fits is written back, the next gets a part and the rest waits for the next call (its
  // room is freed when its last part ends; its energy is charged then, for the whole state). The
  // list scheduler calls it for every node, once the node has placed its transfers and its
  // stream, up to the node's end, and at the end of the run with infinity.
  void write_back_due(int c, double until_cycle);
  // A consumer of t ended at `end` (the memory record of retroactive_activation_free; idle_from).
  void consumed(TensorId t, double end) {
    tensors_[t].consumers_end = std::max(tensors_[t].consumers_end, end);
    read_until(t, end);
  }
  // t was read until `end` (a consumer, or a copy to another core; idle_from).
  void read_until(TensorId t, double end) {
    tensors_[t].last_read = std::max(tensors_[t].last_read, end);
  }
  // The earliest cycle from which on-chip tensor t may leave: its copy complete and every read
  // of it recorded so far done. No later than `now`.
  double idle_from(TensorId t, double now) const {
    return std::min(now, std::max(tensors_[t].ready, tensors_[t].last_read));
  }
  // Before a node with too-large operands on core c: with `whole_memory` (the STEMS policy
  // flush_before_too_large) evicts every tensor there it does not protect (oldest first); in any
  // case every on-chip tensor of `dram_inputs` (which it reads from DRAM, so they must be there).
  void flush(int c, const Protect& protect, std::span<const TensorId> dram_inputs, double when,
             bool whole_memory = true);

  // ---- occupancy ----
  // The maximum over time of the fullest core's occupancy, a step function over cycles (every
  // reservation and free at its own time, also one applied after later events were recorded).
  std::uint64_t peak_bits() const;
  bool overflowed() const { return overflow_; }
  // (cycle, bits on all cores' top memories) after every change (Records::Full only; empty
  // otherwise). With evict_when_idle it is built from the cores' step records (exact: an eviction
  // ahead frees room in the past, after later reservations were recorded); otherwise it is the
  // bits held when each change was processed, at the cycle of the change. take_timeline() moves
  // it out (the end of a run).
  std::vector<std::pair<double, std::uint64_t>> timeline() const;
  std::vector<std::pair<double, std::uint64_t>> take_timeline();

 private:
  // A tensor's place in the eviction order as one integer: its importance (remaining uses x 100
  // - layer id, or how soon its next use comes), then its id, so that one comparison orders two
  // tensors.
  __extension__ using Rank = unsigned __int128;
  Rank rank(TensorId t) const;
  static TensorId ranked_tensor(Rank r) { return static_cast<TensorId>(r); }
  struct CoreMemory {
    const hardware::Core* core = nullptr;
    const hardware::MemoryLevel* top = nullptr;
    const hardware::Link* dram_link = nullptr;
    std::uint64_t capacity = 0;
    std::uint64_t used = 0;
    // The ranks of the resident tensors in descending order: the eviction order itself read from
    // the back (the unprotected ones, last first), kept sorted as tensors arrive, leave and change
    // importance, so that choosing victims only reads its end. Tensors come and go at both ends
    // (by remaining uses activations with a use or two rank lowest; by next use a tensor just
    // brought in, read next, ranks first), so the array has room at both ends and an insertion
    // or erasure shifts the shorter side.
    TwoEndedSorted<Rank, std::greater<>> ranked;
    double last_free = 0;  // the latest cycle at which room was freed
    // (cycle, bits) of the frees not yet settled (settle_frees), ascending by cycle; kept only
    // when the manager waits for freed room.
    std::vector<std::pair<double, std::uint64_t>> frees;
    double settled_until = -1;  // the latest settle_frees cycle: frees up to it are not kept
    std::vector<TensorId> due;  // carried-over states awaiting their write-back (release)
  };
  CoreMemory& mem(int c) { return mems_[static_cast<std::size_t>(c)]; }
  const CoreMemory& mem(int c) const { return mems_[static_cast<std::size_t>(c)]; }
  static bool is_protected(const Protect& p, TensorId t);
  static bool writes_back_when_evicted(const Tensor& x);
  // The first tensor of core c's eviction order that `protect` does not hold, or kNoTensor.
  TensorId first_victim(int c, const Protect& protect) const;
  // t's importance changed from `before` (its rank then): its core's order follows.
  void rerank(TensorId t, Rank before);
#ifdef STEMS_CHECK_INVARIANTS
  void check_order(int c) const;
#endif
  void vacate(TensorId t, double when);
  void note_usage(const CoreMemory& m, double when);
  std::vector<std::pair<double, std::uint64_t>> timeline_from_steps() const;

  const hardware::Accelerator& acc_;
  const StateLifecycle lifecycle_;
  EnergyLedger& ledger_;
  LinkModel& links_;
  const bool full_;
  const bool retroactive_free_;
  const bool next_use_;
  const bool wait_for_room_;
  const bool evict_when_idle_;
  const bool whole_words_;
  const bool defer_write_backs_;
  std::vector<std::uint32_t> use_positions_;  // the tensors' use slices (set_uses)
  std::vector<CoreMemory> mems_;              // indexed by core id
  // Per core: (cycle, +bits / -bits) of every reservation and free (the step function).
  std::vector<std::vector<std::pair<double, std::int64_t>>> steps_;
  std::vector<Tensor> tensors_;
  std::vector<TensorId> victims_;  // flush()'s list, reused
  // release(): the tensor leaving at its last use, whose entry in the order still has the rank
  // before that use (vacate() erases it under that rank).
  TensorId leaving_ = kNoTensor;
  Rank leaving_rank_ = 0;
  std::uint64_t peak_bits_ = 0;
  bool overflow_ = false;
  std::vector<std::pair<double, std::uint64_t>> timeline_;
};

}  // namespace stems::schedule
