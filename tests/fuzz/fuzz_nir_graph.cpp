// libFuzzer harness, structure-aware: the input is a text description of a NIR graph (see
// nir_text.hpp: nodes, their parameters and shapes, edges, nested graphs, options), written as a
// real NIR (HDF5) file and loaded with stems::nir::load_nir_file. This reaches the loader's graph
// logic (shape inference, neuron merging, recurrent edges, nested graphs) that byte mutations of
// an HDF5 file rarely get past the format checks to.
#include <optional>
#include <string>

#include "fuzz_common.hpp"
#include "fuzz_evaluate.hpp"
#include "nir_text.hpp"
#include "stems/nir/nir_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stems;
  if (size > 4096) return 0;
  static const std::string path = fuzz::scratch_path("_graph.nir");
  fuzz::remove_at_exit(path);
  const std::string text(reinterpret_cast<const char*>(data), size);
  nir::NirOptions options = fuzz::nirtext::write_nir(text, path);
  options.read_timeout_s = 0;  // files written by the HDF5 library itself: no child probe (speed)
  std::optional<workload::Network> net;
  if (fuzz::accepted(path, [&] { net = nir::load_nir_file(path, options); })) {
    fuzz::check_network(*net, path);
    fuzz::evaluate_small_network(*net, path);
  }
  return 0;
}
