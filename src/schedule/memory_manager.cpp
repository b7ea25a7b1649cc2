#include "stems/schedule/memory_manager.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "bit_counters.hpp"
#include "stems/common/error.hpp"

namespace stems::schedule {

using hardware::MemOperand;

namespace {

// The first of the (cycle-ascending) frees recorded after `cycle`.
template <class Frees>
auto first_free_after(Frees& frees, double cycle) {
  return std::upper_bound(frees.begin(), frees.end(), cycle,
                          [](double t, const auto& f) { return t < f.first; });
}

using Steps = std::vector<std::pair<double, std::int64_t>>;

// Calls level_at(cycle, bits) once per distinct cycle of `steps` (+bits / -bits, any order), in
// time order, with the running sum after the last step at that cycle. The steps arrive nearly in
// time order (a fetch reserves from its start; a retroactive free or an eviction ahead lands in
// the past): the in-order run and the late ones (sorted) are merged. `in_order`, `late` and
// `merged` are scratch buffers, reused across calls.
template <class LevelAt>
void for_each_level(const Steps& steps, Steps& in_order, Steps& late, Steps& merged,
                    LevelAt level_at) {
  const auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  in_order.clear();
  late.clear();
  for (const auto& e : steps) {
    if (in_order.empty() || e.first >= in_order.back().first) {
      in_order.push_back(e);
    } else {
      late.push_back(e);
    }
  }
  std::sort(late.begin(), late.end(), by_time);
  merged.resize(steps.size());
  std::merge(in_order.begin(), in_order.end(), late.begin(), late.end(), merged.begin(), by_time);
  std::int64_t level = 0;
  for (std::size_t i = 0; i < merged.size(); ++i) {
    level += merged[i].second;
    if (i + 1 == merged.size() || merged[i + 1].first != merged[i].first) {
      level_at(merged[i].first, level);
    }
  }
}

}  // namespace

MemoryManager::MemoryManager(const hardware::Accelerator& acc, StateLifecycle lifecycle,
                             EnergyLedger& ledger, LinkModel& links, Records records,
                             bool retroactive_activation_free, bool next_use_eviction,
                             bool wait_for_freed_room, bool evict_when_idle,
                             bool defer_state_write_backs, bool whole_word_transfers)
    : acc_(acc),
      lifecycle_(lifecycle),
      ledger_(ledger),
      links_(links),
      full_(records == Records::Full),
      retroactive_free_(retroactive_activation_free),
      next_use_(next_use_eviction),
      wait_for_room_(wait_for_freed_room),
      evict_when_idle_(evict_when_idle),
      whole_words_(whole_word_transfers),
      defer_write_backs_(defer_state_write_backs),
      mems_(acc.cores.size()),
      steps_(acc.cores.size()) {
  for (std::size_t k = 0; k < acc.cores.size(); ++k) {
    const hardware::Core& core = acc.cores[k];
    CoreMemory& m = mems_[k];
    m.core = &core;
    const auto top_o = core.top_level(MemOperand::O);
    for (MemOperand op : {MemOperand::W, MemOperand::I, MemOperand::V}) {
      const auto t = core.top_level(op);
      if (t && t != top_o) {
        throw InputError("hardware '" + acc.name + "'",
                         "the scheduler needs W, I, O and V to share each core's top memory "
                         "level (core '" +
                             core.name + "')");
      }
    }
    m.top = &core.memories[*top_o];
    m.capacity = m.top->size_bits;
    m.dram_link = acc.link_between(core.name, acc.dram.name);
    if (!m.dram_link) m.dram_link = acc.link_between(acc.dram.name, core.name);
  }
}

namespace {

// The accesses `bits` take on a level `width_bits` wide whose granularity is `min_bits`
// (MemoryLevel::min_read_bits / min_write_bits): ceil(bits / min) x (min / width), as the loop
// nest counts them (cost/access_counts.cpp); with `whole_words` (ModelPolicy::
// transfers_in_whole_words) ceil(bits / width).
double access_words(std::uint64_t bits, std::uint64_t min_bits, std::uint64_t width_bits,
                    bool whole_words) {
  if (whole_words) return std::ceil(double(bits) / double(width_bits));
  return std::ceil(double(bits) / double(min_bits)) * (double(min_bits) / double(width_bits));
}

}  // namespace

double MemoryManager::top_read_pJ(int c, std::uint64_t bits) const {
  const hardware::MemoryLevel& t = top(c);
  return access_words(bits, t.min_read_bits, t.read_bw_bits, whole_words_) * t.read_energy_pJ;
}

double MemoryManager::top_write_pJ(int c, std::uint64_t bits) const {
  const hardware::MemoryLevel& t = top(c);
  return access_words(bits, t.min_write_bits, t.write_bw_bits, whole_words_) * t.write_energy_pJ;
}

double MemoryManager::fetch(TensorId t, int c, int layer_id, std::string_view operand,
                            double earliest, const Protect& protect) {
  Tensor& x = tensors_[t];
  make_room(c, x.bits, protect, earliest);
  earliest = room_at(c, x.bits, earliest);
  if (x.kind == TensorKind::State && lifecycle_ == StateLifecycle::Reset && !x.started) {
    x.started = true;  // a fresh state: zero-initialised on chip, nothing to load
    x.ready = earliest;
    occupy(t, c, earliest);
    return earliest;
  }
  x.started = true;
  ledger_.charge(Bucket::CnOffchipMemory, layer_id, operand, acc_.dram.name,
                 acc_.dram.read_energy_pJ_for(x.bits));
  ledger_.charge(Bucket::CnOffchipMemory, layer_id, operand, top(c).name, top_write_pJ(c, x.bits));
  ledger_.count_offchip_read(x.bits);
  const double end = links_.transfer(dram_link(c), x.bits, std::max(earliest, x.ready),
                                     TransferKind::Fetch, layer_id, operand);
  if (x.kind == TensorKind::State) x.in_dram = false;  // states move, they are not copied
  x.ready = end;
  // The room is taken from the transfer's start (the data arrives during it), which is not
  // before the room is free (room_at).
  occupy(t, c, end, links_.last_start_cycle());
  return end;
}

void MemoryManager::write_back(TensorId t, TransferKind kind, double earliest, bool keep_on_chip) {
  Tensor& x = tensors_[t];
  // A state whose write-back was due may have moved parts already (write_back_due): the rest
  // moves now; the energy is the whole state's, charged here once.
  const std::uint64_t moving = x.write_back_due ? x.due_bits : x.bits;
  x.write_back_due = false;
  x.due_bits = 0;
  const Bucket bucket = memory_bucket(kind);
  ledger_.charge(bucket, x.layer_id, x.operand, top(x.core).name, top_read_pJ(x.core, x.bits));
  ledger_.charge(bucket, x.layer_id, x.operand, acc_.dram.name,
                 acc_.dram.write_energy_pJ_for(x.bits));
  ledger_.count_offchip_write(x.bits);
  const double end = links_.transfer(dram_link(x.core), moving, std::max(earliest, x.ready), kind,
                                     x.layer_id, x.operand);
  x.in_dram = true;
  x.ready = end;
  if (keep_on_chip) return;
  vacate(t, end);
}

void MemoryManager::occupy(TensorId t, int c, double when, double reserved_from) {
  CoreMemory& m = mem(c);
  steps_[static_cast<std::size_t>(c)].emplace_back(reserved_from >= 0 ? reserved_from : when,
                                                   static_cast<std::int64_t>(tensors_[t].bits));
  tensors_[t].core = c;
  m.used += tensors_[t].bits;
  const Rank r = rank(t);
  m.ranked.insert(r);
  note_usage(m, when);
}

void MemoryManager::drop(TensorId t, double when) {
  vacate(t, when);
}

void MemoryManager::vacate(TensorId t, double when) {
  steps_[static_cast<std::size_t>(tensors_[t].core)].emplace_back(
      when, -static_cast<std::int64_t>(tensors_[t].bits));
  CoreMemory& m = mem(tensors_[t].core);
  m.last_free = std::max(m.last_free, when);
  if (wait_for_room_ && when > m.settled_until) {
    m.frees.emplace(first_free_after(m.frees, when), when, tensors_[t].bits);
  }
  tensors_[t].core = -1;
  m.used -= tensors_[t].bits;
  const Rank r = t == leaving_ ? leaving_rank_ : rank(t);
  m.ranked.erase(m.ranked.lower_bound(r));
  note_usage(m, when);
}

// Peak of the fullest core's top memory; the timeline sums all cores.
void MemoryManager::note_usage(const CoreMemory& m, double when) {
  peak_bits_ = std::max(peak_bits_, m.used);
  if (!full_ || evict_when_idle_) return;  // the timeline comes from the steps (take_timeline)
  std::uint64_t total = 0;
  for (const auto& c : mems_)
    add_bits(total, c.used, "the on-chip memory in use");
  timeline_.emplace_back(when, total);
}

double MemoryManager::room_at(int c, std::uint64_t bits, double earliest) const {
  const CoreMemory& m = mem(c);
  if (!wait_for_room_ || m.used + bits > m.capacity) return earliest;
  if (m.frees.empty() || m.frees.back().first <= earliest) return earliest;  // nothing to come
  const std::uint64_t slack = m.capacity - m.used - bits;
  // Bits still to be freed after `earliest` (held then, no longer counted in m.used).
  const auto first_later = first_free_after(m.frees, earliest);
  std::uint64_t pending = 0;
  for (auto f = first_later; f != m.frees.end(); ++f)
    pending += f->second;
  // Wait for the frees, in time order, until what is left to free fits the slack; frees at the
  // same cycle count together (the occupancy is read after every change at a cycle).
  for (auto f = first_later; pending > slack; ++f) {
    earliest = f->first;
    pending -= f->second;
    while (f + 1 != m.frees.end() && (f + 1)->first == earliest) {
      ++f;
      pending -= f->second;
    }
  }
  return earliest;
}

void MemoryManager::settle_frees(int c, double cycle) {
  CoreMemory& m = mem(c);
  m.settled_until = std::max(m.settled_until, cycle);
  auto& frees = m.frees;
  if (frees.empty() || frees.front().first > cycle) return;
  if (frees.back().first <= cycle) {
    frees.clear();
    return;
  }
  frees.erase(frees.begin(), first_free_after(frees, cycle));
}

bool MemoryManager::is_protected(const Protect& p, TensorId t) {
  return std::find(p.begin(), p.end(), t) != p.end();
}

void MemoryManager::set_uses(TensorId t, std::span<const std::uint32_t> positions) {
  Tensor& x = tensors_[t];
  if (x.on_chip()) throw std::logic_error("MemoryManager::set_uses: the tensor is on chip");
  if (use_positions_.size() + positions.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("MemoryManager::set_uses: more than 2^32 - 1 uses in all");
  }
  x.uses_begin = static_cast<std::uint32_t>(use_positions_.size());
  x.use_count = static_cast<std::uint32_t>(positions.size());
  use_positions_.insert(use_positions_.end(), positions.begin(), positions.end());
  const auto first = use_positions_.begin() + x.uses_begin;
  if (!std::is_sorted(first, use_positions_.end())) std::sort(first, use_positions_.end());
}

std::uint32_t MemoryManager::next_use(TensorId t) const {
  const Tensor& x = tensors_[t];
  if (x.remaining <= 0 || x.use_count == 0) return std::numeric_limits<std::uint32_t>::max();
  const auto left = std::min<std::uint64_t>(static_cast<std::uint64_t>(x.remaining), x.use_count);
  return use_positions_[x.uses_begin + x.use_count - left];
}

// Lowest importance first; ties to the oldest tensor (deterministic in any container). The
// importance is an integer: remaining uses x 100 - layer id (offset by 2^63 it orders as an
// unsigned one), or under next-use eviction the distance of the next use from the end of the
// priority order (the latest next use is the least important).
MemoryManager::Rank MemoryManager::rank(TensorId t) const {
  std::uint64_t ordered;
  if (next_use_) {
    ordered = std::numeric_limits<std::uint32_t>::max() - next_use(t);
  } else {
    const std::int64_t importance = tensors_[t].remaining * 100 - tensors_[t].layer_id;
    ordered = static_cast<std::uint64_t>(importance) ^ (std::uint64_t{1} << 63);
  }
  return (Rank{ordered} << 64) | Rank{t};
}

std::vector<TensorId> MemoryManager::resident(int c) const {
  std::vector<TensorId> ids;
  ids.reserve(mem(c).ranked.size());
  for (Rank r : mem(c).ranked)
    ids.push_back(ranked_tensor(r));
  return ids;
}

TensorId MemoryManager::first_victim(int c, const Protect& protect) const {
#ifdef STEMS_CHECK_INVARIANTS
  check_order(c);
#endif
  const auto& ranked = mem(c).ranked;
  for (auto r = ranked.rbegin(); r != ranked.rend(); ++r) {
    if (!is_protected(protect, ranked_tensor(*r))) return ranked_tensor(*r);
  }
  return kNoTensor;
}

#ifdef STEMS_CHECK_INVARIANTS
// The order is strictly descending, every entry is a tensor on core c with the rank it has now,
// and the entries' bits add up to what the core holds (STEMS_CHECK_INVARIANTS: the ASan suite).
void MemoryManager::check_order(int c) const {
  const CoreMemory& m = mem(c);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < m.ranked.size(); ++i) {
    const TensorId t = ranked_tensor(m.ranked[i]);
    if (tensors_[t].core != c || m.ranked[i] != rank(t) ||
        (i > 0 && !(m.ranked[i] < m.ranked[i - 1]))) {
      throw std::logic_error("MemoryManager: the eviction order is stale");
    }
    bits += tensors_[t].bits;
  }
  if (bits != m.used) throw std::logic_error("MemoryManager: the eviction order misses a tensor");
}
#endif

double MemoryManager::fetch_pJ(int c, std::uint64_t bits) const {
  return acc_.dram.read_energy_pJ_for(bits) + top_write_pJ(c, bits);
}

double MemoryManager::write_back_pJ(int c, std::uint64_t bits) const {
  return top_read_pJ(c, bits) + acc_.dram.write_energy_pJ_for(bits);
}

double MemoryManager::eviction_cost_pJ(int c, std::uint64_t bits, const Protect& protect) const {
  const CoreMemory& m = mem(c);
  std::uint64_t used = m.used;
  double pJ = 0;
  if (used + bits <= m.capacity) return 0;
#ifdef STEMS_CHECK_INVARIANTS
  check_order(c);
#endif
  for (auto r = m.ranked.rbegin(); r != m.ranked.rend(); ++r) {  // make_room's victims, in order
    const TensorId t = ranked_tensor(*r);
    if (is_protected(protect, t)) continue;
    const Tensor& x = tensors_[t];
    if (writes_back_when_evicted(x)) pJ += write_back_pJ(c, x.bits);
    if (x.remaining > 0) pJ += fetch_pJ(c, x.bits);
    used -= x.bits;
    if (used + bits <= m.capacity) return pJ;
  }
  return std::numeric_limits<double>::infinity();
}

void MemoryManager::make_room(int c, std::uint64_t bits, const Protect& protect, double now) {
  CoreMemory& m = mem(c);
  while (m.used + bits > m.capacity) {
    const TensorId t = first_victim(c, protect);  // evicting it changes no other rank
    if (t == kNoTensor) {
      overflow_ = true;
      return;
    }
    evict(t, evict_when_idle_ ? idle_from(t, now) : now);
  }
}

// A state still needed, or an activation still needed that DRAM lacks; weights and inputs have a
// DRAM copy, and dead tensors are just freed.
bool MemoryManager::writes_back_when_evicted(const Tensor& x) {
  if (x.remaining <= 0) return false;
  return x.kind == TensorKind::State || (x.kind == TensorKind::Activation && !x.in_dram);
}

void MemoryManager::evict(TensorId t, double now) {
  if (tensors_[t].write_back_due) {  // its write-back was due anyway: it only comes earlier
    write_back(t, TransferKind::StateWriteBack, now);
  } else if (writes_back_when_evicted(tensors_[t])) {
    write_back(t, TransferKind::Eviction, now);
  } else {
    drop(t, now);
  }
}

void MemoryManager::spend_uses(TensorId t, std::int64_t uses) {
  const Rank before = rank(t);
  tensors_[t].remaining -= uses;
  rerank(t, before);
}

// Moves t's entry from its old place to the new one, shifting the entries between by one (fewer
// uses move a tensor towards the back, the victims' end, usually by a few places).
void MemoryManager::rerank(TensorId t, Rank before) {
  const Tensor& x = tensors_[t];
  if (!x.on_chip()) return;
  auto& ranked = mem(x.core).ranked;
  const Rank now = rank(t);
  const auto from = ranked.lower_bound(before);
  if (now < before) {
    const auto to = ranked.lower_bound(from + 1, ranked.end(), now);
    std::move(from + 1, to, from);
    *(to - 1) = now;
  } else {
    const auto to = ranked.lower_bound(ranked.begin(), from, now);
    std::move_backward(to, from, from + 1);
    *to = now;
  }
}

double MemoryManager::release(TensorId t, double when) {
  Tensor& x = tensors_[t];
  const Rank before = rank(t);
  --x.remaining;
  if (x.remaining > 0) {
    rerank(t, before);
    return -1;
  }
  // Retroactive: an activation leaves when its earlier consumers were done, before this last one
  // (STEMS's check_for_removal; the record is a step function, so the past can change).
  if (retroactive_free_ && x.kind == TensorKind::Activation && x.consumers_end >= 0) {
    when = std::min(when, x.consumers_end);
  }
  if (!x.on_chip()) return when;
  const bool carried_state = written_back_after_last_use(t);
  if (carried_state && defer_write_backs_) {  // it stays until written back (write_back_due)
    x.write_back_due = true;
    x.due_bits = x.bits;
    read_until(t, when);
    rerank(t, before);  // no use left: the first victim
    mem(x.core).due.push_back(t);
    return when;
  }
  // Its last use: it leaves now, so its entry is not moved first but erased by vacate() under the
  // rank it still has.
  leaving_ = t;
  leaving_rank_ = before;
  if (carried_state) {
    write_back(t, TransferKind::StateWriteBack, when);
    leaving_ = kNoTensor;
    return x.ready;  // the write-back's end
  }
  drop(t, when);
  leaving_ = kNoTensor;
  return when;
}

std::uint64_t MemoryManager::live_bits(int c) const {
  const CoreMemory& m = mem(c);
  std::uint64_t bits = m.used;
  for (const TensorId t : m.due) {
    if (tensors_[t].write_back_due) bits -= tensors_[t].bits;  // its room until its last part
  }
  return bits;
}

void MemoryManager::write_back_due(int c, double until_cycle) {
  CoreMemory& m = mem(c);
  const hardware::Link& link = dram_link(c);
  std::size_t done = 0;
  for (; done < m.due.size(); ++done) {
    Tensor& x = tensors_[m.due[done]];
    if (!x.write_back_due) continue;  // evicted since (write_back cleared the flag)
    const double start = std::max({links_.free_at(link), x.last_read, x.ready});
    // Whole cycles from the start, as the link times a transfer: no part ends after until_cycle.
    const double spare =
        until_cycle == std::numeric_limits<double>::infinity()
            ? until_cycle
            : links_.room_bits(link, start, start + std::floor(until_cycle - start));
    if (spare >= double(x.due_bits)) {
      write_back(m.due[done], TransferKind::StateWriteBack, start);
      continue;
    }
    const auto part = static_cast<std::uint64_t>(spare);  // the link is full until then
    if (part > 0) {
      x.ready =
          links_.transfer(link, part, start, TransferKind::StateWriteBack, x.layer_id, x.operand);
      x.due_bits -= part;
    }
    break;
  }
  m.due.erase(m.due.begin(), m.due.begin() + static_cast<std::ptrdiff_t>(done));
}

std::vector<std::pair<double, std::uint64_t>> MemoryManager::timeline() const {
  return evict_when_idle_ ? timeline_from_steps() : timeline_;
}

std::vector<std::pair<double, std::uint64_t>> MemoryManager::take_timeline() {
  return evict_when_idle_ ? timeline_from_steps() : std::move(timeline_);
}

// The steps of every core as one step function (their sum).
std::vector<std::pair<double, std::uint64_t>> MemoryManager::timeline_from_steps() const {
  std::vector<std::pair<double, std::uint64_t>> out;
  if (!full_) return out;
  Steps all, in_order, late, merged;
  for (const auto& core_steps : steps_)
    all.insert(all.end(), core_steps.begin(), core_steps.end());
  for_each_level(all, in_order, late, merged, [&](double cycle, std::int64_t level) {
    out.emplace_back(cycle, static_cast<std::uint64_t>(std::max<std::int64_t>(level, 0)));
  });
  return out;
}

std::uint64_t MemoryManager::peak_bits() const {
  std::uint64_t peak = 0;
  Steps in_order, late, merged;
  for (const auto& core_steps : steps_) {
    for_each_level(core_steps, in_order, late, merged, [&](double, std::int64_t level) {
      if (level > 0) peak = std::max(peak, static_cast<std::uint64_t>(level));
    });
  }
  return peak;
}

void MemoryManager::flush(int c, const Protect& protect, std::span<const TensorId> dram_inputs,
                          double when, bool whole_memory) {
  if (whole_memory) {
    victims_.clear();
    for (Rank r : mem(c).ranked)
      victims_.push_back(ranked_tensor(r));
    std::sort(victims_.begin(), victims_.end());  // oldest first
    for (TensorId t : victims_) {
      if (!is_protected(protect, t)) evict(t, when);
    }
  }
  for (TensorId t : dram_inputs) {
    if (!is_protected(protect, t) && tensors_[t].on_chip()) evict(t, when);
  }
}

}  // namespace stems::schedule
