#include "stems/search/accuracy_model.hpp"

namespace stems::search {

const std::vector<std::string>& accuracy_kinds() {
  static const std::vector<std::string> kinds = {"table", "drop", "simulate", "command"};
  return kinds;
}

AccuracyModel::Estimate TableAccuracy::estimate(const std::string& state_bits) const {
  auto it = table_.find(state_bits);
  return {it == table_.end() ? 0.0 : it->second, {}, {}};  // unknown is treated as unusable
}

AccuracyModel::Estimate DropAccuracy::estimate(const std::string& state_bits) const {
  double acc = base_;
  for (std::size_t b = 0; b < state_bits.size() && b < block_drop_.size(); ++b) {
    if (state_bits[b] == '0') acc -= block_drop_[b];
  }
  return {acc, {}, {}};
}

std::string TableAccuracy::blocks_problem(std::size_t blocks) const {
  for (const auto& [bits, accuracy] : table_) {
    if (bits.size() != blocks) {
      return "[[accuracy.table]] state_schedule '" + bits + "' has " + std::to_string(bits.size()) +
             " characters; the workload has " + std::to_string(blocks) +
             " blocks (one character per block)";
    }
  }
  return "";
}

std::string DropAccuracy::blocks_problem(std::size_t blocks) const {
  if (block_drop_.size() <= blocks) return "";
  return "block_drop has " + std::to_string(block_drop_.size()) + " entries; the workload has " +
         std::to_string(blocks) + " blocks (one drop per block, block 0 first)";
}

}  // namespace stems::search
