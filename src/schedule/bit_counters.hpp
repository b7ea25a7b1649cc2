#pragma once
// Checked 64-bit bit counters of the scheduler. Bits x accesses of a large network can exceed
// 2^64: such a sum or product is refused with an Infeasible error, never wrapped
// (tests/test_schedule.cpp, SEW-ResNet-152 at T = 64, stays far below).

#include <cmath>
#include <cstdint>
#include <string>

#include "stems/common/error.hpp"

namespace stems::schedule {

[[noreturn]] inline void counter_overflow(const char* what) {
  std::string msg = what;
  msg += " exceeds 2^64 bits; the network is too large for this tool's 64-bit counters";
  throw Infeasible("evaluation", msg);
}

// total += bits x times, refused on overflow.
inline void add_bits(std::uint64_t& total, std::uint64_t bits, const char* what,
                     std::uint64_t times = 1) {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(bits, times, &product) ||
      __builtin_add_overflow(total, product, &total)) {
    counter_overflow(what);
  }
}

// Words x bandwidth of the cost model (a double) as whole bits.
inline std::uint64_t whole_bits(double bits, const char* what) {
  if (!(bits >= 0) || bits >= 18446744073709551616.0) counter_overflow(what);  // 2^64; also NaN
  return static_cast<std::uint64_t>(std::round(bits));  // as llround, which stops at 2^63
}

}  // namespace stems::schedule
