#pragma once
// Imports an ONNX model (Debian's libonnx, protobuf underneath) as a stateless workload (T = 1, no
// neuron model), the way ZigZag 2.4.5's ONNX parser sees it, so that its test suite can be
// reproduced (README "ZigZag's accelerators").
//
// The file is read without external data: only the graph and the tensor shapes are needed, and
// shapes come from the graph's input, output, value_info and initializer entries (no shape
// inference is run; a tensor without a fixed shape is refused).
//
// Mapping, per node in file order:
//   Conv (groups, depthwise) -> conv2d (K and C per group, G = group; `input_size` = the unpadded
//     input, to which ZigZag clips every input extent); Gemm, MatMul (2-D) -> linear;
//   MaxPool, AveragePool, GlobalAveragePool -> maxpool/avgpool; Add -> add; Flatten and a Reshape
//     of a 4-D tensor to 2-D -> flatten (layers our scheduler costs; ZigZag's evaluation skips
//     every layer but conv2d and linear);
//   Relu, Clip, LRN, Dropout, Softmax, BatchNormalization, Identity, a 2-D Reshape: pass-through
//     (the output is the input); Constant: no layer.
// Asymmetric pads become the larger pad on both sides when that gives the declared output size.
// Any other op, a dynamic or missing shape, several graph inputs, or a file that is not an ONNX
// model is an InputError naming the file and the node. Blocks: a new block at every conv2d and
// linear layer.

#include <cstdint>
#include <string>

#include "stems/workload/network.hpp"

namespace stems::onnx {

// Precisions (ZigZag's defaults: weights and activations 8 bits, partial sums 16, outputs 8).
struct OnnxOptions {
  std::uint32_t weight_bits = 8;
  std::uint32_t input_bits = 8;   // every activation, the network input included
  std::uint32_t psum_bits = 16;   // outputs while their reduction is incomplete
  std::uint32_t output_bits = 8;  // final outputs
};

// Throws InputError ("<file>: node '<name>' (<op>)" where it concerns a node).
workload::Network load_onnx_file(const std::string& path, const OnnxOptions& options);

bool is_onnx_path(const std::string& path);  // ends in ".onnx"

}  // namespace stems::onnx
