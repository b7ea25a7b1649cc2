// libFuzzer harness: workload TOML files (stems::workload::load_workload_file), as `stems inspect`
// reads them. Accepted networks are checked by check_network (64-bit counters, reports, round trip
// through the TOML writer), and small ones are scheduled (fuzz_evaluate.hpp).
#include <optional>

#include "fuzz_common.hpp"
#include "fuzz_evaluate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = stems::fuzz::scratch_path("_workload.toml");
  stems::fuzz::remove_at_exit(path);
  stems::fuzz::write_file(path, data, size);
  std::optional<stems::workload::Network> net;
  if (stems::fuzz::accepted(path, [&] { net = stems::workload::load_workload_file(path); })) {
    stems::fuzz::check_network(*net, path);
    stems::fuzz::evaluate_small_network(*net, path);
  }
  return 0;
}
