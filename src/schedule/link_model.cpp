#include "stems/schedule/link_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace stems::schedule {

LinkModel::LinkModel(const hardware::Accelerator& acc, EnergyLedger& ledger, Records records)
    : acc_(acc), ledger_(ledger), full_(records == Records::Full), free_at_(acc.links.size(), 0) {}

double LinkModel::transfer(const hardware::Link& link, std::uint64_t bits, double earliest,
                           TransferKind kind, int layer, std::string_view operand) {
  double& busy = free_at_[index_of(link)];
  const double start = std::max(busy, earliest);
  const double end = start + std::ceil(double(bits) / link.bandwidth_bits_per_cycle);
  busy = end;
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

}  // namespace stems::schedule
