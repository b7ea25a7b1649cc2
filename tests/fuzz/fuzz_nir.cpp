// libFuzzer harness: NIR files as bytes (stems::nir::load_nir_file through the HDF5 C library), as
// every command that takes a workload reads a .nir file. Accepted networks are checked by
// check_network (64-bit counters, reports, and `stems import`'s TOML loading back).
#include <optional>

#include "fuzz_common.hpp"
#include "stems/nir/nir_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stems;
  static const std::string path = fuzz::scratch_path("_model.nir");
  fuzz::remove_at_exit(path);
  fuzz::write_file(path, data, size);
  std::optional<workload::Network> net;
  nir::NirOptions options;
  options.read_timeout_s = 2;  // a file the HDF5 library loops on is rejected within the -timeout
  if (fuzz::accepted(path, [&] { net = nir::load_nir_file(path, options); })) {
    fuzz::check_network(*net, path);
  }
  return 0;
}
