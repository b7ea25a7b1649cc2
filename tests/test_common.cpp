// Tests of stems/common: the std::thread fork-join loop, external commands, CSV files, the
// two-ended sorted array.
#include <gtest/gtest.h>

#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <filesystem>
#include <fstream>

#include "stems/common/allocator.hpp"
#include "stems/common/csv.hpp"
#include "stems/common/error.hpp"
#include "stems/common/parallel_for.hpp"
#include "stems/common/subprocess.hpp"
#include "stems/common/two_ended_sorted.hpp"

using namespace stems;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STEMS_CLANG_ASAN 1
#endif
#endif
#ifndef STEMS_CLANG_ASAN
#define STEMS_CLANG_ASAN 0
#endif

// The setting must reach glibc (a missing features.h include once compiled it to a no-op that
// returned false, and the warm co-design rate stayed at a third), it must have its effect (a
// 1 MiB block comes from the heap, not from mmap as under glibc's default 128 KiB threshold), and
// the opt-out must work.
TEST(Allocator, KeepsFreedMemoryOnGlibcUnlessOptedOut) {
  if (std::getenv("STEMS_DEFAULT_MALLOC") != nullptr) GTEST_SKIP() << "STEMS_DEFAULT_MALLOC set";
#if defined(__SANITIZE_ADDRESS__) || STEMS_CLANG_ASAN
  // AddressSanitizer's allocator replaces glibc's and its mallopt returns 0: nothing to set.
  EXPECT_FALSE(stems::keep_freed_memory_for_reuse());
#elif defined(__GLIBC__)
  EXPECT_TRUE(stems::keep_freed_memory_for_reuse());
  const std::size_t mapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(std::size_t{1} << 20);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before) << "a 1 MiB block was mmap'ed";
  std::free(block);
#else
  EXPECT_FALSE(stems::keep_freed_memory_for_reuse());
#endif
  ::setenv("STEMS_DEFAULT_MALLOC", "1", 1);
  EXPECT_FALSE(stems::keep_freed_memory_for_reuse());
  ::unsetenv("STEMS_DEFAULT_MALLOC");
}

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

// Item 0 fails late, item 1 at once: the error is item 0's, the one a serial loop throws (the
// first in time would be item 1's; `explain --all-layers` reported layer 2 or layer 0 by timing).
TEST(ParallelFor, TheLowestFailingIndexIsRethrownWhateverTheTiming) {
  for (int round = 0; round < 5; ++round) {
    try {
      parallel_for(4, 2, [&](std::size_t i) {
        if (i == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          throw std::runtime_error("item 0");
        }
        if (i == 1) throw std::runtime_error("item 1");
      });
      FAIL() << "expected an item's exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "item 0");
    }
  }
}

// ---- subprocess ----

TEST(Subprocess, CapturesStdoutExitCodeAndTheTailOfStderr) {
  subprocess::reset_cancel();
  const auto r =
      subprocess::run({"/bin/sh", "-c", "echo one; echo two; echo oops >&2; exit 3"}, {});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.out, "one\ntwo\n");
  EXPECT_EQ(r.err_tail, "oops\n");
  EXPECT_EQ(r.status(), "exit 3");
  subprocess::Options o;
  o.stderr_tail_bytes = 4;
  const auto t = subprocess::run({"/bin/sh", "-c", "printf 0123456789 >&2"}, o);
  EXPECT_TRUE(t.ok());
  EXPECT_EQ(t.err_tail, "6789");
}

TEST(Subprocess, RunsInTheGivenFolder) {
  subprocess::Options o;
  o.cwd = "/";
  const auto r = subprocess::run({"pwd"}, o);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "/\n");
}

TEST(Subprocess, AProgramThatCannotStartIsAnInputError) {
  EXPECT_THROW(subprocess::run({"/nonexistent/program"}, {}), InputError);
  EXPECT_THROW(subprocess::run({}, {}), InputError);
  subprocess::Options o;
  o.cwd = "/nonexistent-folder";
  EXPECT_THROW(subprocess::run({"pwd"}, o), InputError);
}

TEST(Subprocess, TheTimeoutKillsTheWholeProcessGroup) {
  subprocess::Options o;
  o.timeout_s = 0.3;
  // The shell starts a grandchild; both must be gone (the pipe closes) well before 30 s.
  const auto r = subprocess::run({"/bin/sh", "-c", "sleep 30 & sleep 30; wait"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(r.seconds, 10.0);
  EXPECT_EQ(r.status().rfind("timed out", 0), 0u) << r.status();
}

TEST(Subprocess, CancelKillsARunningCommandAndRefusesNewOnes) {
  subprocess::reset_cancel();
  std::thread canceller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    subprocess::request_cancel();
  });
  const auto r = subprocess::run({"sleep", "30"}, {});
  canceller.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_LT(r.seconds, 10.0);
  EXPECT_TRUE(subprocess::run({"true"}, {}).cancelled);  // refused while cancelled
  subprocess::reset_cancel();
  EXPECT_TRUE(subprocess::run({"true"}, {}).ok());
}

// ---- CSV ----

TEST(Csv, QuotedFieldsRoundTrip) {
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() / ("stems_csv_" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream f(p);
    f << csv_row({"a", "b,c"}) << csv_row({"[\"x\", \"{state}\"]", "2"}) << "torn,la";
  }
  const CsvTable t = read_csv(p.string());
  ASSERT_EQ(t.rows.size(), 1u);  // the torn last line is dropped
  EXPECT_EQ(t.column("b,c"), 1);
  EXPECT_EQ(t.rows[0][0], "[\"x\", \"{state}\"]");
  std::filesystem::remove(p);
}

// Random insertions and erasures at the front, the back and in between (the recentring and the
// growth included) keep exactly the elements of a std::set, in its order.
TEST(TwoEndedSorted, KeepsTheSetsElementsInOrderUnderInsertionsAndErasuresAnywhere) {
  std::mt19937_64 rng(7);
  for (int pattern = 0; pattern < 3; ++pattern) {
    TwoEndedSorted<std::uint64_t, std::greater<>> a;
    std::set<std::uint64_t, std::greater<>> expected;
    std::uint64_t low = 1'000'000, high = 1'000'000;
    for (int step = 0; step < 4000; ++step) {
      const bool erase = !expected.empty() && rng() % 3 == 0;
      if (erase) {
        auto it = expected.begin();
        std::advance(it, static_cast<long>(rng() % expected.size()));
        a.erase(a.lower_bound(*it));
        expected.erase(it);
      } else {
        // pattern 0: new elements first in the order (descending: ever larger), 1: last, 2:
        // anywhere
        std::uint64_t v = pattern == 0 ? ++high : pattern == 1 ? --low : rng() % 2'000'000;
        if (!expected.insert(v).second) continue;
        a.insert(v);
      }
      ASSERT_EQ(a.size(), expected.size()) << "step " << step;
      ASSERT_TRUE(std::equal(a.begin(), a.end(), expected.begin(), expected.end()))
          << "pattern " << pattern << " step " << step;
    }
    ASSERT_TRUE(std::equal(a.rbegin(), a.rend(), expected.rbegin(), expected.rend()));
    // The ranged lower bound (MemoryManager::rerank's search on one side of an entry) agrees
    // with the set's lower bound, for probes at, next to and between the elements, and split
    // points across the sequence: within [first, last) it is the set's answer clamped to it.
    if (!expected.empty()) {
      std::vector<std::uint64_t> probes;
      for (int k = 0; k < 40; ++k) {
        auto it = expected.begin();
        std::advance(it, static_cast<long>(rng() % expected.size()));
        probes.insert(probes.end(), {*it - 1, *it, *it + 1});
      }
      probes.push_back(0);
      probes.push_back(~std::uint64_t{0});
      for (const std::size_t split : {std::size_t{0}, a.size() / 3, a.size() / 2, a.size()}) {
        auto* mid = a.begin() + split;
        for (const std::uint64_t probe : probes) {
          const auto in_set = static_cast<std::size_t>(
              std::distance(expected.begin(), expected.lower_bound(probe)));
          auto* front = decltype(a)::lower_bound(a.begin(), mid, probe);
          auto* back = decltype(a)::lower_bound(mid, a.end(), probe);
          ASSERT_EQ(static_cast<std::size_t>(front - a.begin()), std::min(in_set, split)) << probe;
          ASSERT_EQ(static_cast<std::size_t>(back - a.begin()), std::max(in_set, split)) << probe;
        }
      }
    }
    // Shrunk to a few elements in a large buffer, then grown at one end: the elements move to
    // the buffer's middle in place (no reallocation) when that end fills.
    while (expected.size() > 5) {
      a.erase(a.lower_bound(*expected.begin()));
      expected.erase(expected.begin());
    }
    for (int k = 0; k < 3000; ++k) {
      const std::uint64_t v = 3'000'000 + static_cast<std::uint64_t>(k);  // first in the order
      expected.insert(v);
      a.insert(v);
      ASSERT_TRUE(std::equal(a.begin(), a.end(), expected.begin(), expected.end())) << k;
    }
    a.clear();
    EXPECT_TRUE(a.empty());
  }
}
