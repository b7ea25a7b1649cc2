#pragma once
// Temporal loop orderings in the style of LOMA (ZigZag's loop-order-based memory allocation):
// every temporal loop is split into prime factors, the factor list is shortened by merging until
// at most max(lpf_limit, number of temporal dims) factors remain (each merge multiplies the two
// smallest factors of the dimension that has the most factors), and every distinct permutation of
// the factors is an ordering. Permutations of equal factors are enumerated once (multiset
// permutations), so orderings that differ only by swapping identical loops are not repeated.
// SNN causality: in a stateful layer every T factor sits above (outside) every reduction factor.

#include <cstdint>
#include <functional>
#include <vector>

#include "stems/workload/types.hpp"

namespace stems::cost {

struct Loop {
  workload::Dim dim = workload::Dim::T;
  std::uint64_t size = 1;
  bool operator==(const Loop&) const = default;
  bool operator<(const Loop& o) const { return dim != o.dim ? dim < o.dim : size < o.size; }
};

// Prime factors of n in ascending order (empty for n = 1).
std::vector<std::uint64_t> prime_factors(std::uint64_t n);

// Factor list of the temporal loops (sizes > 1), merged down to the limit described above.
// Deterministic: dims in enum order, factors ascending; ties between dims with equally many
// factors go to the dim earlier in `tie_order` (empty: enum order; dims not listed come last).
std::vector<Loop> lpf_factors(const std::vector<Loop>& temporal_loops, std::size_t lpf_limit,
                              const std::vector<workload::Dim>& tie_order = {});

// Calls `visit` for every distinct ordering (innermost first). `is_reduction(dim)` marks the
// reduction loops; with `causal` set, orderings where a T factor sits below a reduction factor
// are skipped. Returns the number of orderings visited. `visit` may return false to stop early.
std::uint64_t for_each_ordering(std::vector<Loop> factors, bool causal,
                                const std::function<bool(workload::Dim)>& is_reduction,
                                const std::function<bool(const std::vector<Loop>&)>& visit);

// Number of distinct orderings before the causality filter (multinomial coefficient).
std::uint64_t ordering_count(const std::vector<Loop>& factors);

}  // namespace stems::cost
