// `stems import`: a NIR or ONNX model as an editable workload TOML.
#include "stems/cli/commands.hpp"
#include "stems/common/atomic_file.hpp"
#include "stems/workload/workload_writer.hpp"

namespace stems::cli {

int run_import(const ImportOptions& o, std::ostream& out) {
  const workload::Network net = nir::load_any_workload(o.model, o.nir);
  const auto& x = o.nir.onnx;
  const std::string header =
      onnx::is_onnx_path(o.model)
          ? "Imported from " + o.model +
                " by `stems import`.\n"
                "ONNX layers are stateless (T = 1, no neuron model); precisions: weights " +
                std::to_string(x.weight_bits) + " b, activations " + std::to_string(x.input_bits) +
                " b, partial sums " + std::to_string(x.psum_bits) + " b, outputs " +
                std::to_string(x.output_bits) +
                " b (stems import --onnx-weight-bits/--onnx-act-bits/--onnx-psum-bits/"
                "--onnx-out-bits). Edit freely."
          : "Imported from " + o.model +
                " by `stems import`.\n"
                "NIR carries no timesteps or precisions: T = " +
                std::to_string(o.nir.timesteps) + ", weights " + std::to_string(o.nir.weight_bits) +
                " b, state/currents " + std::to_string(o.nir.state_bits) + " b, network input " +
                std::to_string(o.nir.input_bits) +
                " b (stems import --timesteps/--weight-bits/--state-bits/--input-bits). Edit "
                "freely.";
  const std::string text = workload::to_toml(net, header);
  if (o.out.empty() || o.out == "-") {
    out << text;
  } else {
    write_file_atomically(o.out, text);
    out << "wrote " << o.out << ": " << net.layer_count() << " layers, " << net.block_count()
        << " blocks\n";
  }
  return kExitOk;
}

}  // namespace stems::cli
