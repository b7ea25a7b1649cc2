#include <iostream>

#include "stems/cli/app.hpp"
#include "stems/common/allocator.hpp"

int main(int argc, char** argv) {
  stems::keep_freed_memory_for_reuse();  // evaluations reuse each other's freed heap
  return stems::cli::run(argc, argv, std::cout, std::cerr);
}
