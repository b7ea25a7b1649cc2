#pragma once
// A fork-join loop on plain std::threads: fn(i) for every i in [0, n), the calling thread being
// one of the workers. Indices are handed out one at a time from an atomic counter, so a few slow
// items (an ST schedule has 16x the nodes of a TB one) do not leave a thread idle behind a fixed
// partition. Every synchronisation is std::thread / std::atomic / std::mutex, which
// ThreadSanitizer sees (unlike an uninstrumented TBB).
//
// The first exception thrown by fn stops the hand-out of further indices; after every thread has
// joined, the exception of the lowest failing index is rethrown in the caller (the one a serial
// loop would throw: deterministic whatever the timing). Items already running finish.

#include <cstddef>
#include <functional>

namespace stems {

// Threads used for `threads` (0 = one per hardware thread), never more than `n` items need.
unsigned worker_count(unsigned threads, std::size_t n);

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn);

}  // namespace stems
