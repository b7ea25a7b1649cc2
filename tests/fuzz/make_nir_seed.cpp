// Writes a NIR file from the text description of nir_text.hpp: make_nir_seed DESCRIPTION.txt
// OUT.nir. Used to make the tiny seed files of corpus/nir/ (h5py files are ten times larger).
#include <fstream>
#include <iostream>
#include <sstream>

#include "nir_text.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_nir_seed DESCRIPTION.txt OUT.nir\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  stems::fuzz::nirtext::write_nir(text.str(), argv[2]);
  return 0;
}
