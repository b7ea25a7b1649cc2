#include "stems/common/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace stems {

unsigned worker_count(unsigned threads, std::size_t n) {
  const unsigned wanted =
      threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads;
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(wanted, n)));
}

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  const unsigned workers = worker_count(threads, n);
  if (workers == 1) {
    for (std::size_t i = 0; i < n; ++i)
      fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::size_t failure_index = n;
  std::mutex failure_mutex;
  auto work = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        // The lowest failing index wins, not the first in time: every index below one that
        // failed was handed out before it and still runs, so this is the error a serial loop
        // would throw, whatever the threads' timing.
        std::lock_guard lock(failure_mutex);
        if (i < failure_index) {
          failure = std::current_exception();
          failure_index = i;
        }
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  try {
    for (unsigned k = 1; k < workers; ++k)
      pool.emplace_back(work);
  } catch (...) {
    // Could not start a thread: the ones running and this one still finish the loop.
  }
  work();
  for (auto& t : pool)
    t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace stems
