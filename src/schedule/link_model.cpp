#include "stems/schedule/link_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace stems::schedule {

LinkModel::LinkModel(const hardware::Accelerator& acc, EnergyLedger& ledger, Records records)
    : acc_(acc),
      ledger_(ledger),
      full_(records == Records::Full),
      free_at_(acc.links.size(), 0),
      shares_(acc.links.size()) {}

double LinkModel::transfer(const hardware::Link& link, std::uint64_t bits, double earliest,
                           TransferKind kind, int layer, std::string_view operand) {
  const std::size_t i = index_of(link);
  double& busy = free_at_[i];
  const double start = std::max(busy, earliest);
  const double end = arrival(i, start, bits, link.bandwidth_bits_per_cycle);
  busy = end;
  last_start_ = start;
  // A share that ends before the link is next free cannot slow a later transfer.
  std::erase_if(shares_[i], [&](const Share& s) { return s.end_cycle <= busy; });
  latest_end_ = std::max(latest_end_, end);
  if (full_) {
    records_.push_back({kind, layer, std::string(operand), bits, start, end, index_of(link)});
  }
  const double link_pJ = double(bits) * link.energy_pJ_per_bit;
  if (link_pJ > 0) ledger_.charge(link_bucket(kind), layer, operand, "link", link_pJ);
  return end;
}

void LinkModel::block_until(const hardware::Link& link, double end_cycle) {
  double& busy = free_at_[index_of(link)];
  busy = std::max(busy, end_cycle);
  latest_end_ = std::max(latest_end_, end_cycle);
}

void LinkModel::share(const hardware::Link& link, double start_cycle, double end_cycle,
                      double fraction) {
  const std::size_t i = index_of(link);
  latest_end_ = std::max(latest_end_, end_cycle);
  fraction = std::clamp(fraction, 0.0, 1.0);
  if (!(end_cycle > start_cycle) || fraction <= 0) return;
  // A window ending before the link is next free cannot meet any transfer asked from now on.
  if (end_cycle > free_at_[i]) shares_[i].push_back({start_cycle, end_cycle, fraction});
}

double LinkModel::room_bits(const hardware::Link& link, double start_cycle,
                            double end_cycle) const {
  const std::vector<Share>& shares = shares_[index_of(link)];
  double bits = 0;
  double t = start_cycle;
  while (t < end_cycle) {
    const double next = next_boundary(shares, t, end_cycle);
    bits += (1.0 - share_at(shares, t)) * link.bandwidth_bits_per_cycle * (next - t);
    t = next;
  }
  return bits;
}

// The first start or end of a share after cycle t, or `limit` if none comes before it.
double LinkModel::next_boundary(const std::vector<Share>& shares, double t, double limit) {
  double next = limit;
  for (const Share& s : shares) {
    if (s.start_cycle > t) next = std::min(next, s.start_cycle);
    if (s.end_cycle > t) next = std::min(next, s.end_cycle);
  }
  return next;
}

// The part of the bandwidth the shares hold at cycle t (their sum, at most 1).
double LinkModel::share_at(const std::vector<Share>& shares, double t) const {
  double held = 0;
  for (const Share& s : shares) {
    if (s.start_cycle <= t && t < s.end_cycle) held += s.fraction;
  }
  return std::min(held, 1.0);
}

// Fluid progress: between consecutive share boundaries the transfer moves at (1 - held) x
// bandwidth; with no share in its way it takes ceil(bits / bandwidth) cycles, as without sharing.
double LinkModel::arrival(std::size_t i, double start, std::uint64_t bits, double bits_per_cycle) {
  const double alone = std::ceil(double(bits) / bits_per_cycle);
  const std::vector<Share>& shares = shares_[i];
  const bool met = std::any_of(shares.begin(), shares.end(), [&](const Share& s) {
    return s.start_cycle < start + alone && s.end_cycle > start;
  });
  if (!met) return start + alone;
  double t = start;
  double left = double(bits);
  while (left > 0) {
    const double next = next_boundary(shares, t, std::numeric_limits<double>::infinity());
    const double rate = (1.0 - share_at(shares, t)) * bits_per_cycle;
    if (rate > 0 &&
        (next == std::numeric_limits<double>::infinity() || left <= rate * (next - t))) {
      t += left / rate;
      break;
    }
    left -= rate * (next - t);
    t = next;
  }
  // Whole cycles, as without sharing; the tolerance absorbs the rounding of the segment sums.
  const double cycles = t - start;
  return start + std::ceil(cycles - 1e-9 * std::max(1.0, cycles));
}

}  // namespace stems::schedule
