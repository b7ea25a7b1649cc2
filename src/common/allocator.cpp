#include "stems/common/allocator.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc (through features.h)

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace stems {

bool keep_freed_memory_for_reuse() {
  if (std::getenv("STEMS_DEFAULT_MALLOC") != nullptr) return false;
#if defined(__GLIBC__)
  constexpr int kTrimThresholdBytes = 256 << 20;  // 256 MiB
  constexpr int kMmapThresholdBytes = 32 << 20;   // the ceiling of glibc's dynamic threshold
  const bool trim = mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes) == 1;
  const bool mmap = mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes) == 1;
  return trim && mmap;
#else
  return false;
#endif
}

}  // namespace stems
