// Tests of stems/common: the std::thread fork-join loop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "stems/common/parallel_for.hpp"

using namespace stems;

TEST(ParallelFor, EveryIndexExactlyOnceForAnyThreadCount) {
  for (unsigned threads : {0u, 1u, 2u, 3u, 8u}) {
    for (std::size_t n : {0u, 1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> seen(n);
      parallel_for(n, threads, [&](std::size_t i) { seen[i].fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i)
        EXPECT_EQ(seen[i].load(), 1) << "threads " << threads << " n " << n << " i " << i;
    }
  }
}

TEST(ParallelFor, UsesTheThreadsItIsGiven) {
  std::mutex m;
  std::set<std::thread::id> ids;
  std::atomic<int> waiting{0};
  // Every item waits (bounded) until two threads are inside: with 2 workers both get one.
  parallel_for(2, 2, [&](std::size_t) {
    {
      std::lock_guard lock(m);
      ids.insert(std::this_thread::get_id());
    }
    waiting.fetch_add(1);
    for (int spin = 0; spin < 2000 && waiting.load() < 2; ++spin)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  EXPECT_EQ(ids.size(), 2u);
  ids.clear();
  parallel_for(50, 1, [&](std::size_t) { ids.insert(std::this_thread::get_id()); });
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(*ids.begin(), std::this_thread::get_id());  // one thread: the caller's
}

TEST(ParallelFor, WorkerCountIsBoundedByTheItems) {
  EXPECT_EQ(worker_count(8, 3), 3u);
  EXPECT_EQ(worker_count(2, 100), 2u);
  EXPECT_EQ(worker_count(5, 0), 1u);
  EXPECT_GE(worker_count(0, 100), 1u);  // one per hardware thread
}

TEST(ParallelFor, TheFirstExceptionIsRethrownAfterEveryThreadJoined) {
  std::atomic<int> done{0};
  try {
    parallel_for(200, 2, [&](std::size_t i) {
      if (i == 5) throw std::runtime_error("item 5");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      done.fetch_add(1);
    });
    FAIL() << "expected the item's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "item 5");
  }
  EXPECT_LT(done.load(), 100);  // the hand-out stopped early (each item takes 1 ms)
}
