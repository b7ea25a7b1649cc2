#pragma once
// Imports a NIR model (the neuromorphic exchange format, HDF5; see ../shared/nir/README.md) as a
// workload. NIR carries the topology and weights' shapes, not what the cost model also needs:
// the timestep count and the bit widths come from NirOptions (CLI flags or a [nir] table).
//
// Mapping: Affine/Linear -> linear; Conv1d/Conv2d -> conv2d (Conv1d as a 1-row conv);
// SumPool2d/AvgPool2d -> sumpool/avgpool; Flatten -> flatten; a neuron node (LIF, CubaLIF, IF, LI,
// Integrator or I) that follows a synaptic node becomes that layer's neuron model (CubaLIF: two
// state variables); a neuron or Scale node without one becomes an element-wise 1x1 layer; Input and
// Output mark the network input and the sinks. An edge that closes a cycle (found by a depth-first
// walk from the inputs) is a recurrent connection into the neuron's input. Shapes are inferred
// through the graph and checked against what the file declares. Blocks: a new block starts at
// every weighted layer.

#include <cstdint>
#include <string>
#include <vector>

#include "stems/onnx/onnx_loader.hpp"
#include "stems/workload/network.hpp"

namespace stems::nir {

struct NirOptions {
  std::uint64_t timesteps = 16;
  std::uint32_t weight_bits = 8;
  std::uint32_t state_bits = 16;  // membrane/current precision; also partial sums and currents
  std::uint32_t input_bits = 1;   // the network input (1: spikes/events)
  // The file is first read in a child process (see load_nir_file); a read that takes longer is
  // reported as a damaged file. 0: read in process only (trusted files, no isolation).
  double read_timeout_s = 30;
  // For an .onnx workload (stems/onnx): its precisions (ZigZag's defaults).
  onnx::OnnxOptions onnx;
  // The command-line flags the user gave for NIR models (--timesteps, --weight-bits, ...) and for
  // ONNX models (--onnx-*): load_any_workload refuses them for a workload of another kind, which
  // would ignore them.
  std::vector<std::string> nir_flags_given;
  std::vector<std::string> onnx_flags_given;
};

// Throws InputError naming the file, the node and its type. The HDF5 library (Debian's 1.10.8)
// crashes or loops forever on some corrupt files, so every object of the file is first read in a
// child process: a crash, a read longer than options.read_timeout_s or one that needs more than
// 256 MiB + 8 x the file size of memory is an InputError too.
workload::Network load_nir_file(const std::string& path, const NirOptions& options);

// A workload from a TOML, a .nir or an .onnx file (by extension).
workload::Network load_any_workload(const std::string& path, const NirOptions& options);

}  // namespace stems::nir
