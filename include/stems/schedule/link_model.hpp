#pragma once
// The transfer model: links between DRAM and cores and between cores. A link carries one transfer
// at a time, in the order they are asked for (no reordering into an earlier idle window); moving b
// bits takes ceil(b / bandwidth) cycles and b x pJ/bit of link energy (0 on the shipped hardware).
// A node working on too-large operands from DRAM uses its core's DRAM link while it runs: either
// the whole link (block_until, ModelPolicy::streaming_holds_link_whole) or a share of its
// bandwidth (share), beside which transfers progress at the rest. Sharing is fluid: the node's
// share is its average rate, and a transfer inside the window moves at (1 - share) x bandwidth
// (the whole duration rounded up to a cycle). A share changes only transfers asked after it: its
// window should start when the link is free (the scheduler starts it there), or the transfers
// already placed in it keep their full rate beside it.

#include <cstdint>
#include <string_view>
#include <vector>

#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/energy_ledger.hpp"
#include "stems/schedule/schedule_result.hpp"

namespace stems::schedule {

class LinkModel {
 public:
  // `acc` and `ledger` must outlive the model; links are `acc.links` entries.
  LinkModel(const hardware::Accelerator& acc, EnergyLedger& ledger, Records records);
  LinkModel(const LinkModel&) = delete;
  LinkModel& operator=(const LinkModel&) = delete;

  // Moves `bits` over `link`, starting when the link is free and no earlier than `earliest`;
  // returns the end cycle. Link energy goes to the kind's link bucket, labelled (layer, operand).
  double transfer(const hardware::Link& link, std::uint64_t bits, double earliest,
                  TransferKind kind, int layer, std::string_view operand);
  // The start of the last transfer (for a fetch's room, taken from the transfer's start).
  double last_start_cycle() const { return last_start_; }
  // Keeps `link` busy until at least `end_cycle`.
  void block_until(const hardware::Link& link, double end_cycle);
  // Reserves `fraction` of `link`'s bandwidth (clamped to [0, 1]) from `start_cycle` to
  // `end_cycle`; transfers asked later progress at the rest of it inside that window.
  void share(const hardware::Link& link, double start_cycle, double end_cycle, double fraction);

  double free_at(const hardware::Link& link) const { return free_at_[index_of(link)]; }
  // The bits `link` can still carry from `start_cycle` (no earlier than free_at) to `end_cycle`
  // beside its shares (fluid, not rounded).
  double room_bits(const hardware::Link& link, double start_cycle, double end_cycle) const;
  // The last end of any transfer or blocking (part of the makespan).
  double latest_end_cycle() const { return latest_end_; }
  // Every transfer in the order it was asked for (Records::Full; empty otherwise).
  const std::vector<TransferRecord>& records() const { return records_; }
  std::vector<TransferRecord> take_records() { return std::move(records_); }

 private:
  std::size_t index_of(const hardware::Link& link) const {
    return static_cast<std::size_t>(&link - acc_.links.data());
  }

  struct Share {
    double start_cycle = 0;
    double end_cycle = 0;
    double fraction = 0;
  };
  // When `bits` put on link i from `start` arrive, the link's shares taking their part.
  double arrival(std::size_t i, double start, std::uint64_t bits, double bits_per_cycle);
  double share_at(const std::vector<Share>& shares, double t) const;
  static double next_boundary(const std::vector<Share>& shares, double t, double limit);

  const hardware::Accelerator& acc_;
  EnergyLedger& ledger_;
  const bool full_;
  std::vector<double> free_at_;             // per link of acc_.links
  std::vector<std::vector<Share>> shares_;  // per link; only those ending after free_at_
  double latest_end_ = 0;
  double last_start_ = 0;
  std::vector<TransferRecord> records_;
};

}  // namespace stems::schedule
