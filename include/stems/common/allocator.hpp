#pragma once
// Process-wide allocator settings for evaluation-heavy programs (the stems executable, the Google
// Benchmark harness; the Python module on request). Call once, early, before threads start.

namespace stems {

// Keeps the heap memory one evaluation frees for the next instead of returning it to the kernel.
//
// Why: a schedule evaluation builds its computation-node graph, tensors, memory manager and energy
// ledger afresh (megabytes for a depth-first schedule: SEW ST-F places 16,400 nodes) and frees
// them at its end. glibc's malloc gives freed memory at the top of a heap back to the kernel once
// it exceeds M_TRIM_THRESHOLD (dynamic by default: raised to twice the size of a freed mmap'ed
// block, the mmap threshold itself capped at 32 MiB, so a few MB here), so the next evaluation
// page-faults every page in again. Measured on the co-design problem (SEW-ResNet, 2,000 random
// genomes, warm, one thread, alternated runs on 2026-12-02): 17 % of the time in the kernel's
// page-fault path, 173-175 genomes/s; with this call 565-567/s (README "Hardware co-design").
//
// What it does (glibc only; elsewhere nothing): M_TRIM_THRESHOLD 256 MiB and M_MMAP_THRESHOLD
// 32 MiB (the ceiling of glibc's dynamic threshold; larger blocks are still mmap'ed and returned
// when freed). Fixed values turn off glibc's dynamic adjustment. Consequences: each arena (the main
// heap and every thread's) keeps up to 256 MiB of freed memory at its top instead of shrinking, so
// the process's resident memory stays near its high-water mark, and blocks of 128 KiB .. 32 MiB
// now come from the heap, where fragmentation can raise the peak (the shipped co-search: 160 ->
// 173 MB). A thread's extra 64 MiB heaps are still unmapped when wholly free. With the
// environment variable STEMS_DEFAULT_MALLOC set (to any value, even 0) glibc's defaults stay, to
// compare. Returns whether the settings were applied (false also under AddressSanitizer, whose
// allocator replaces glibc's and refuses mallopt).
bool keep_freed_memory_for_reuse();

}  // namespace stems
