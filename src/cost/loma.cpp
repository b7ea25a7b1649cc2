#include "stems/cost/loma.hpp"

#include <algorithm>
#include <map>

namespace stems::cost {

std::vector<std::uint64_t> prime_factors(std::uint64_t n) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t p = 2; p * p <= n; ++p) {
    while (n % p == 0) {
      out.push_back(p);
      n /= p;
    }
  }
  if (n > 1) out.push_back(n);
  return out;
}

namespace {

// Rank of each dim for merge ties: its position in `order`, dims not listed after them in enum
// order.
std::map<workload::Dim, std::size_t> tie_ranks(const std::vector<workload::Dim>& order) {
  std::map<workload::Dim, std::size_t> rank;
  for (std::size_t i = 0; i < order.size(); ++i)
    rank.emplace(order[i], i);
  for (workload::Dim d : workload::kAllDims)
    rank.emplace(d, order.size() + static_cast<std::size_t>(d));
  return rank;
}

}  // namespace

std::vector<Loop> lpf_factors(const std::vector<Loop>& temporal_loops, std::size_t lpf_limit,
                              const std::vector<workload::Dim>& tie_order) {
  const auto rank = tie_ranks(tie_order);
  std::map<workload::Dim, std::vector<std::uint64_t>> per_dim;
  for (const Loop& l : temporal_loops) {
    if (l.size <= 1) continue;
    auto& f = per_dim[l.dim];
    for (auto p : prime_factors(l.size))
      f.push_back(p);
  }
  std::size_t total = 0;
  for (auto& [d, f] : per_dim) {
    std::sort(f.begin(), f.end());
    total += f.size();
  }
  const std::size_t limit = std::max(lpf_limit, per_dim.size());
  while (total > limit) {
    auto most = per_dim.begin();
    for (auto it = per_dim.begin(); it != per_dim.end(); ++it) {
      const std::size_t n = it->second.size(), best = most->second.size();
      if (n > best || (n == best && rank.at(it->first) < rank.at(most->first))) most = it;
    }
    auto& f = most->second;  // sorted ascending, size >= 2 because total > number of dims
    const std::uint64_t merged = f[0] * f[1];
    f.erase(f.begin(), f.begin() + 2);
    f.insert(std::upper_bound(f.begin(), f.end(), merged), merged);
    --total;
  }
  std::vector<Loop> out;
  for (const auto& [d, f] : per_dim) {
    for (auto s : f)
      out.push_back(Loop{d, s});
  }
  return out;
}

std::uint64_t for_each_ordering(std::vector<Loop> factors, bool causal,
                                const std::function<bool(workload::Dim)>& is_reduction,
                                const std::function<bool(const std::vector<Loop>&)>& visit) {
  std::sort(factors.begin(), factors.end());
  std::uint64_t visited = 0;
  do {
    if (causal) {
      // Valid only if the first (innermost) T factor is above the last reduction factor.
      std::size_t first_t = factors.size();
      std::size_t last_red = 0;
      bool any_red = false;
      for (std::size_t i = 0; i < factors.size(); ++i) {
        if (factors[i].dim == workload::Dim::T && first_t == factors.size()) first_t = i;
        if (is_reduction(factors[i].dim)) {
          last_red = i;
          any_red = true;
        }
      }
      if (any_red && first_t < factors.size() && first_t < last_red) continue;
    }
    ++visited;
    if (!visit(factors)) break;
  } while (std::next_permutation(factors.begin(), factors.end()));
  return visited;
}

std::uint64_t ordering_count(const std::vector<Loop>& factors) {
  // n! / prod(k_i!) computed incrementally to stay exact for the sizes LOMA produces.
  std::map<Loop, std::uint64_t> counts;
  for (const Loop& l : factors)
    ++counts[l];
  std::uint64_t result = 1;
  std::uint64_t n = 0;
  for (const auto& [loop, k] : counts) {
    for (std::uint64_t i = 1; i <= k; ++i) {
      ++n;
      result = result * n / i;  // C(n, i) stays integral at every step
    }
  }
  return result;
}

}  // namespace stems::cost
