#pragma once
// Pagmo batch fitness evaluator on std::threads (stems/common/parallel_for.hpp): a population's
// genomes are evaluated `threads` at a time, each thread taking the next genome as it finishes
// one. Used instead of pagmo's TBB-based thread_bfe so that `--threads` is an exact count, the
// evaluation of one batch is balanced genome by genome, and ThreadSanitizer sees every hand-off.
//
// A problem whose thread safety is `constant` (every search::Problem) is evaluated concurrently
// through one pagmo::problem; any other problem is evaluated serially, in order.

#include <pagmo/problem.hpp>
#include <pagmo/threading.hpp>
#include <pagmo/types.hpp>
#include <string>

namespace stems::search {

class ThreadBfe {
 public:
  explicit ThreadBfe(unsigned threads = 0) : threads_(threads) {}  // 0: one per hardware thread

  pagmo::vector_double operator()(const pagmo::problem& p, const pagmo::vector_double& dvs) const;
  std::string get_name() const { return "stems std::thread batch evaluator"; }
  pagmo::thread_safety get_thread_safety() const { return pagmo::thread_safety::basic; }
  unsigned threads() const { return threads_; }

 private:
  unsigned threads_ = 0;
};

}  // namespace stems::search
