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

}  // namespace stems::search
