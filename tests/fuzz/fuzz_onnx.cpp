// libFuzzer harness: ONNX files as bytes (stems::onnx::load_onnx_file through libonnx's protobuf
// classes), as every command that takes a workload reads an .onnx file. Accepted networks are
// checked by check_network (64-bit counters, reports, and `stems import`'s TOML loading back).
// Seeds: corpus/onnx/ (tests/data/onnx/tiny_net.onnx) and tests/data/bad/workload_onnx_*.
#include <optional>

#include "fuzz_common.hpp"
#include "stems/onnx/onnx_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stems;
  static const std::string path = fuzz::scratch_path("_model.onnx");
  fuzz::remove_at_exit(path);
  fuzz::write_file(path, data, size);
  std::optional<workload::Network> net;
  if (fuzz::accepted(path, [&] { net = onnx::load_onnx_file(path, {}); })) {
    fuzz::check_network(*net, path);
  }
  return 0;
}
