#include "stems/search/thread_bfe.hpp"

#include <algorithm>

#include "stems/common/parallel_for.hpp"

namespace stems::search {

pagmo::vector_double ThreadBfe::operator()(const pagmo::problem& p,
                                           const pagmo::vector_double& dvs) const {
  // pagmo::bfe has checked that dvs holds whole decision vectors of p's dimension.
  const std::size_t dim = p.get_nx();
  const std::size_t nf = p.get_nf();
  const std::size_t n = dim == 0 ? 0 : dvs.size() / dim;
  pagmo::vector_double out(n * nf);
  const unsigned threads = p.get_thread_safety() >= pagmo::thread_safety::constant ? threads_ : 1u;
  // pagmo::bfe counts the batch's evaluations in p itself: evaluate through a copy, as pagmo's
  // thread_bfe does (a copy of the pagmo problem shares our Problem: memos and caches stay common).
  const pagmo::problem local = p;
  parallel_for(n, threads, [&](std::size_t i) {
    const auto first = dvs.begin() + static_cast<std::ptrdiff_t>(i * dim);
    const pagmo::vector_double x(first, first + static_cast<std::ptrdiff_t>(dim));
    const pagmo::vector_double f = local.fitness(x);
    std::copy(f.begin(), f.end(), out.begin() + static_cast<std::ptrdiff_t>(i * nf));
  });
  return out;
}

}  // namespace stems::search
