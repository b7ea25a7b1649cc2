#pragma once
// Process-wide allocator settings for evaluation-heavy programs (the stems executable, the Python
// module, the Google Benchmark harness). Call once, early, before threads start.

namespace stems {

// Keeps the heap memory one evaluation frees for the next instead of returning it to the kernel.
//
// Why: a schedule evaluation builds its computation-node graph, tensors, memory manager and energy
// ledger afresh (megabytes for a depth-first schedule: SEW ST-F places 16,400 nodes) and frees
// them at its end. glibc's malloc gives freed memory at the top of a heap back to the kernel once
// it exceeds M_TRIM_THRESHOLD (dynamic: twice the largest block it has served by mmap, so a few
// MB here), so the next evaluation page-faults every page in again. Measured on the co-design
// problem (SEW-ResNet, 2,000 random genomes, warm, one thread): 17 % of the time in the kernel's
// page-fault path, 208 genomes/s; with this call 600+ /s (README "Speed").
//
// What it does (glibc only; elsewhere nothing): M_TRIM_THRESHOLD 256 MiB and M_MMAP_THRESHOLD
// 32 MiB (glibc's largest; blocks above it are still mmap'ed and returned when freed). Both fixed
// values turn off glibc's dynamic adjustment. Consequence: the process's resident memory stays at
// its high-water mark (up to 256 MiB of freed heap top kept) instead of shrinking between
// evaluations; the peak is unchanged. With the environment variable STEMS_DEFAULT_MALLOC set
// (any value) glibc's defaults stay, to compare. Returns whether the settings were applied
// (false also under AddressSanitizer, whose allocator replaces glibc's and refuses mallopt).
bool keep_freed_memory_for_reuse();

}  // namespace stems
