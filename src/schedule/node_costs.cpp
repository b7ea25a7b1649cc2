#include "node_costs.hpp"

#include "stems/cost/sparsity.hpp"

namespace stems::schedule {

using workload::Dim;

const cost::NodeCost& NodeCosts::of(const ComputationNode& n, int core,
                                    const cost::OperandBits& bits, cost::OperandMask must_stream,
                                    std::uint64_t top_cap_bits) {
  const Key key{n.tile().size(Dim::T),
                n.tile().size(Dim::OX),
                bits[0].value_or(0),
                bits[1].value_or(0),
                top_cap_bits,
                must_stream,
                core};
  if (n.layer >= local_.size()) local_.resize(n.layer + 1);
  auto& costs = local_[n.layer];
  for (const auto& [k, c] : costs) {
    if (k == key) return *c;
  }
  auto c = cache_.get(n.tile(), core, bits, must_stream, top_cap_bits);
  const hardware::Core& k = acc_.cores[static_cast<std::size_t>(core)];
  if (k.zero_skipping && cost::is_sparse(n.tile())) {
    c = std::make_shared<const cost::NodeCost>(
        cost::apply_zero_skipping(*c, n.tile(), k.zero_skipping_cycles));
  }
  costs.emplace_back(key, std::move(c));
  return *costs.back().second;
}

}  // namespace stems::schedule
