#pragma once
// Private to src/cost: the loop-nest search of one node problem (the stage search_node runs for
// each set of too-large operands): every distinct LOMA ordering that respects causality,
// evaluated, the minimum-energy one kept.

#include <array>
#include <cstdint>
#include <vector>

#include "node_builder.hpp"
#include "stems/cost/criterion.hpp"

namespace stems::cost::detail {

using ReductionDims = std::array<bool, workload::kDimCount>;

ReductionDims reduction_dims(const RelevanceTable& relevance);

// STEMS's LOMA causality rule for a stateful layer: the first T factor sits above the last
// reduction factor; as in STEMS, with no reduction factor T may not be the innermost loop. A nest
// of nothing but T factors has no alternative: it is valid.
bool is_causal(const std::vector<Loop>& nest, const ReductionDims& reduction);

struct OrderingChoice {
  bool found = false;
  std::vector<Loop> best;       // innermost first
  std::uint64_t evaluated = 0;  // orderings evaluated (after the causality filter)
};

// The best of the orderings of pb's LOMA factors (lpf_limit; merge ties in `tie_order`, empty:
// enum order) under `criterion` (criterion.hpp; energy: minimum energy, exact ties to lower
// latency including offloading), then the first ordering in lexicographic order. Prepares
// `scratch` for pb.
OrderingChoice search_orderings(const NodeProblem& pb, std::size_t lpf_limit, Scratch& scratch,
                                Criterion criterion = Criterion::Energy,
                                const std::vector<workload::Dim>& tie_order = {});

}  // namespace stems::cost::detail
