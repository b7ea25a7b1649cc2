#include <iostream>

#include "stems/cli/app.hpp"

int main(int argc, char** argv) {
  return stems::cli::run(argc, argv, std::cout, std::cerr);
}
