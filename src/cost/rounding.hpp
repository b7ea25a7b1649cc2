#pragma once
// Private to src/cost: Python's round() for tile sizes (the reference rounds with it).

#include <cmath>

namespace stems::cost::detail {

// Round half to even. Tile sizes are non-negative; below 2^52, adding and subtracting 2^52 rounds
// to an integer in the default (to-nearest-even) mode without a libm call (the same value as
// std::nearbyint). Inline: the allocation calls it for every candidate tile.
inline double round_half_even(double x) {
  constexpr double kTwo52 = 4503599627370496.0;
  if (!(x >= 0 && x < kTwo52)) return std::nearbyint(x);  // negative, huge or NaN
  return (x + kTwo52) - kTwo52;  // not folded: stems is never built with -ffast-math
}

}  // namespace stems::cost::detail
