#include "stems/onnx/onnx_loader.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"

namespace stems::onnx {

namespace {

using workload::Dim;
using workload::Layer;
using workload::Operand;
using workload::OpType;
using workload::Window2;
using Dims = std::vector<std::int64_t>;  // -1: not a fixed size

constexpr std::int64_t kMaxDim = 1'000'000'000;

const std::set<std::string>& pass_through_ops() {
  static const std::set<std::string> ops = {
      "Relu", "Clip", "LRN", "Dropout", "Softmax", "BatchNormalization", "Identity"};
  return ops;
}

::onnx::ModelProto read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open the file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  ::onnx::ModelProto model;
  if (!model.ParseFromString(bytes.str())) {
    throw InputError(path,
                     "not an ONNX model: the protobuf message does not parse (a truncated "
                     "or non-ONNX file)");
  }
  if (!model.has_graph() || model.graph().node_size() == 0 || model.ir_version() <= 0) {
    throw InputError(path, "not an ONNX model: no ir_version or no graph with nodes");
  }
  return model;
}

// A tensor's shape from a ValueInfo: -1 for a symbolic or missing dim. Repeated fields are read
// by index: iterating an empty RepeatedPtrField is undefined behaviour in protobuf 3.21 (UBSan).
Dims value_info_dims(const ::onnx::ValueInfoProto& v) {
  Dims d;
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return {-1};
  const auto& shape = v.type().tensor_type().shape();
  for (int i = 0; i < shape.dim_size(); ++i) {
    const auto& dim = shape.dim(i);
    const bool fixed = dim.has_dim_value() && dim.dim_value() > 0 && dim.dim_value() <= kMaxDim;
    d.push_back(fixed ? dim.dim_value() : -1);
  }
  return d;
}

class Importer {
 public:
  Importer(std::string path, const ::onnx::GraphProto& g, const OnnxOptions& o)
      : path_(std::move(path)), g_(g), opt_(o), net_(g.name().empty() ? "onnx" : g.name()) {}

  workload::Network run() {
    check_names();
    collect_shapes();
    find_network_input();
    for (int i = 0; i < g_.node_size(); ++i) {
      index_ = i;
      import_node(g_.node(i));
    }
    if (net_.layer_count() == 0) throw InputError(path_, "the model has no Conv, Gemm or MatMul");
    try {
      net_.finalize();
    } catch (const workload::NetworkError& e) {
      const auto it = node_of_layer_.find(e.layer_id());
      throw InputError(path_,
                       (it == node_of_layer_.end() ? std::string() : it->second + ": ") + e.what());
    }
    return std::move(net_);
  }

 private:
  // Names become layer names in reports (JSON needs UTF-8): refused unless valid UTF-8.
  void check_names() const {
    if (config::invalid_utf8_at(g_.name()) != std::string::npos) {
      throw InputError(path_, "the graph name is not valid UTF-8");
    }
    for (int i = 0; i < g_.node_size(); ++i) {
      const auto& n = g_.node(i);
      if (config::invalid_utf8_at(n.name()) != std::string::npos ||
          config::invalid_utf8_at(n.op_type()) != std::string::npos) {
        throw InputError(path_,
                         "node " + std::to_string(i) + ": its name or op type is not valid UTF-8");
      }
    }
  }

  // ---- shapes and tensor sources ----
  void collect_shapes() {
    for (int i = 0; i < g_.value_info_size(); ++i)
      shapes_[g_.value_info(i).name()] = value_info_dims(g_.value_info(i));
    for (int i = 0; i < g_.output_size(); ++i)
      shapes_[g_.output(i).name()] = value_info_dims(g_.output(i));
    for (int i = 0; i < g_.input_size(); ++i)
      shapes_[g_.input(i).name()] = value_info_dims(g_.input(i));
    for (int i = 0; i < g_.initializer_size(); ++i) {
      const auto& t = g_.initializer(i);
      Dims d(t.dims().begin(), t.dims().end());
      for (auto& x : d)
        if (x <= 0 || x > kMaxDim) x = -1;
      shapes_[t.name()] = d;
      initializers_.insert(t.name());
    }
  }

  void find_network_input() {
    std::vector<std::string> inputs;
    for (int i = 0; i < g_.input_size(); ++i) {
      if (!initializers_.count(g_.input(i).name())) inputs.push_back(g_.input(i).name());
    }
    if (inputs.size() != 1) {
      throw InputError(path_, "the graph has " + std::to_string(inputs.size()) +
                                  " data inputs; stems imports models with exactly one");
    }
    source_[inputs.front()] = kNetworkInput;
  }

  std::string node_label(const ::onnx::NodeProto& n) const {
    return "node " + std::to_string(index_) + " '" + n.name() + "' (" + n.op_type() + ")";
  }

  [[noreturn]] void fail(const ::onnx::NodeProto& n, const std::string& msg) const {
    throw InputError(path_, node_label(n) + ": " + msg);
  }

  Dims shape(const ::onnx::NodeProto& n, const std::string& tensor, std::size_t rank) const {
    const auto it = shapes_.find(tensor);
    if (it == shapes_.end()) fail(n, "tensor '" + tensor + "' has no shape in the graph");
    const Dims& d = it->second;
    if (std::find(d.begin(), d.end(), -1) != d.end()) {
      fail(n, "tensor '" + tensor + "' has a dynamic or unknown shape; stems needs fixed sizes");
    }
    if (rank != 0 && d.size() != rank) {
      fail(n, "tensor '" + tensor + "' has rank " + std::to_string(d.size()) + ", expected " +
                  std::to_string(rank));
    }
    return d;
  }

  // The layer producing `tensor` (kNetworkInput for the graph input); refuses anything else.
  int source(const ::onnx::NodeProto& n, const std::string& tensor) const {
    const auto it = source_.find(tensor);
    if (it == source_.end()) {
      fail(n, "input '" + tensor + "' is neither the graph input nor a layer's output");
    }
    return it->second;
  }

  // ---- layers ----
  Layer new_layer(const ::onnx::NodeProto& n, OpType op) {
    Layer l;
    l.id = static_cast<int>(net_.layer_count());
    std::string name = n.name().empty() ? n.op_type() + "_" + std::to_string(index_) : n.name();
    if (!names_.insert(name).second) name += "_" + std::to_string(index_);
    names_.insert(name);
    l.name = name;
    l.op = op;
    if (workload::has_weights(op)) ++block_;
    l.block = std::max(block_, 0);
    l.set_size(Dim::T, 1);
    l.precision.W = workload::has_weights(op) ? opt_.weight_bits : 0;
    l.precision.I = opt_.input_bits;
    l.precision.O = opt_.output_bits;
    l.precision.psum = opt_.psum_bits;
    return l;
  }

  void add(const ::onnx::NodeProto& n, Layer l,
           const std::vector<std::pair<std::string, Operand>>& inputs) {
    const int id = l.id;
    node_of_layer_[id] = node_label(n);
    net_.add_layer(std::move(l));
    for (const auto& [tensor, operand] : inputs) {
      const int src = source(n, tensor);
      if (src == kNetworkInput) {
        if (operand != Operand::I) fail(n, "an Add of the graph input is not supported");
        continue;
      }
      net_.add_edge(src, id, operand);
    }
    if (n.output_size() < 1) fail(n, "the node has no output");
    source_[n.output(0)] = id;
  }

  static const ::onnx::AttributeProto* attribute(const ::onnx::NodeProto& n, const char* name) {
    for (int i = 0; i < n.attribute_size(); ++i)
      if (n.attribute(i).name() == name) return &n.attribute(i);
    return nullptr;
  }

  std::int64_t int_attr(const ::onnx::NodeProto& n, const char* name, std::int64_t dflt) const {
    const auto* a = attribute(n, name);
    return a ? a->i() : dflt;
  }

  Dims ints_attr(const ::onnx::NodeProto& n, const char* name, Dims dflt) const {
    const auto* a = attribute(n, name);
    if (!a) return dflt;
    Dims v(a->ints().begin(), a->ints().end());
    if (v.size() != dflt.size()) {
      fail(n, std::string("attribute '") + name + "' has " + std::to_string(v.size()) +
                  " values, expected " + std::to_string(dflt.size()));
    }
    for (auto x : v)
      if (x < 0 || x > kMaxDim) fail(n, std::string("attribute '") + name + "' out of range");
    return v;
  }

  // Kernel, stride, symmetric padding and dilation of a 2-D window op; checks the output size.
  void read_window(const ::onnx::NodeProto& n, const Dims& in, const Dims& out, Dims kernel,
                   Layer& l) {
    const auto* pad_mode = attribute(n, "auto_pad");
    if (pad_mode && pad_mode->s() != "NOTSET" && pad_mode->s() != "VALID") {
      fail(n, "auto_pad '" + pad_mode->s() + "' is not supported (give explicit pads)");
    }
    kernel = ints_attr(n, "kernel_shape", kernel);
    const Dims s = ints_attr(n, "strides", {1, 1});
    const Dims p = ints_attr(n, "pads", {0, 0, 0, 0});
    const Dims d = ints_attr(n, "dilations", {1, 1});
    // Asymmetric pads (begin != end) become the larger one on both sides; the output size
    // check below refuses them when that changes the output.
    const Dims pad = {std::max(p[0], p[2]), std::max(p[1], p[3])};
    for (auto x : {kernel[0], kernel[1], s[0], s[1], d[0], d[1]})
      if (x < 1) fail(n, "kernel, strides and dilations must be >= 1");
    auto u32 = [](std::int64_t x) { return static_cast<std::uint32_t>(x); };
    l.set_size(Dim::FY, static_cast<std::uint64_t>(kernel[0]));
    l.set_size(Dim::FX, static_cast<std::uint64_t>(kernel[1]));
    l.stride = Window2{u32(s[0]), u32(s[1])};
    l.padding = Window2{u32(pad[0]), u32(pad[1])};
    l.dilation = Window2{u32(d[0]), u32(d[1])};
    l.set_size(Dim::OY, static_cast<std::uint64_t>(out[2]));
    l.set_size(Dim::OX, static_cast<std::uint64_t>(out[3]));
    const auto oy = workload::sliding_window_output(in[2], kernel[0], s[0], pad[0], d[0]);
    const auto ox = workload::sliding_window_output(in[3], kernel[1], s[1], pad[1], d[1]);
    if (oy != std::uint64_t(out[2]) || ox != std::uint64_t(out[3])) {
      fail(n, "the output is " + std::to_string(out[2]) + "x" + std::to_string(out[3]) +
                  " but the window gives " + std::to_string(oy) + "x" + std::to_string(ox) +
                  " (ceil_mode and asymmetric pads that change the output are not supported)");
    }
  }

  void conv(const ::onnx::NodeProto& n) {
    if (n.input_size() < 2) fail(n, "a Conv needs an input and a weight");
    const Dims in = shape(n, n.input(0), 4);
    const Dims out = shape(n, n.output(0), 4);
    const Dims w = shape(n, n.input(1), 4);
    const std::int64_t g = int_attr(n, "group", 1);
    if (g < 1 || in[1] % g != 0 || out[1] % g != 0) {
      fail(n, "group " + std::to_string(g) + " does not divide the channels");
    }
    Layer l = new_layer(n, OpType::Conv2d);
    l.set_size(Dim::B, static_cast<std::uint64_t>(out[0]));
    l.set_size(Dim::G, static_cast<std::uint64_t>(g));
    l.set_size(Dim::K, static_cast<std::uint64_t>(out[1] / g));
    l.set_size(Dim::C, static_cast<std::uint64_t>(in[1] / g));
    read_window(n, in, out, {w[2], w[3]}, l);
    l.input_size = Window2{static_cast<std::uint32_t>(in[2]), static_cast<std::uint32_t>(in[3])};
    add(n, std::move(l), {{n.input(0), Operand::I}});
  }

  void linear(const ::onnx::NodeProto& n, std::int64_t batch, std::int64_t c, std::int64_t k) {
    Layer l = new_layer(n, OpType::Linear);
    l.set_size(Dim::B, static_cast<std::uint64_t>(batch));
    l.set_size(Dim::C, static_cast<std::uint64_t>(c));
    l.set_size(Dim::K, static_cast<std::uint64_t>(k));
    add(n, std::move(l), {{n.input(0), Operand::I}});
  }

  void gemm(const ::onnx::NodeProto& n) {
    if (n.input_size() < 2) fail(n, "a Gemm needs two inputs");
    Dims a = shape(n, n.input(0), 2);
    const Dims out = shape(n, n.output(0), 2);
    if (int_attr(n, "transA", 0) != 0) std::swap(a[0], a[1]);
    if (a[0] != out[0]) fail(n, "the input and output batch sizes differ");
    linear(n, a[0], a[1], out[1]);
  }

  void matmul(const ::onnx::NodeProto& n) {
    if (n.input_size() < 2) fail(n, "a MatMul needs two inputs");
    const Dims a = shape(n, n.input(0), 2);
    const Dims b = shape(n, n.input(1), 2);
    if (!initializers_.count(n.input(1))) {
      fail(n,
           "the second input must be a weight initializer (a product of two activations is "
           "not supported)");
    }
    if (a[1] != b[0]) fail(n, "the inner dimensions differ");
    linear(n, a[0], a[1], b[1]);
  }

  void pool(const ::onnx::NodeProto& n, OpType op, bool global) {
    const Dims in = shape(n, n.input(0), 4);
    const Dims out = shape(n, n.output(0), 4);
    Layer l = new_layer(n, op);
    l.set_size(Dim::B, static_cast<std::uint64_t>(out[0]));
    l.set_size(Dim::K, static_cast<std::uint64_t>(in[1]));
    if (global) {
      l.set_size(Dim::FY, static_cast<std::uint64_t>(in[2]));
      l.set_size(Dim::FX, static_cast<std::uint64_t>(in[3]));
      l.set_size(Dim::OY, 1);
      l.set_size(Dim::OX, 1);
      if (out[2] != 1 || out[3] != 1) fail(n, "a global pool must output 1x1");
    } else {
      if (!attribute(n, "kernel_shape")) fail(n, "missing attribute 'kernel_shape'");
      read_window(n, in, out, {1, 1}, l);
    }
    add(n, std::move(l), {{n.input(0), Operand::I}});
  }

  void add_node(const ::onnx::NodeProto& n) {
    if (n.input_size() != 2) fail(n, "an Add needs two inputs");
    const Dims a = shape(n, n.input(0), 0);
    const Dims b = shape(n, n.input(1), 0);
    if (a != b || (a.size() != 4 && a.size() != 2)) {
      fail(n, "only an Add of two equal 2-D or 4-D tensors is supported (no broadcasting)");
    }
    Layer l = new_layer(n, OpType::Add);
    l.set_size(Dim::B, static_cast<std::uint64_t>(a[0]));
    l.set_size(Dim::K, static_cast<std::uint64_t>(a[1]));
    l.set_size(Dim::OY, a.size() == 4 ? static_cast<std::uint64_t>(a[2]) : 1);
    l.set_size(Dim::OX, a.size() == 4 ? static_cast<std::uint64_t>(a[3]) : 1);
    add(n, std::move(l), {{n.input(0), Operand::X}, {n.input(1), Operand::Y}});
  }

  // Flatten / Reshape: a flatten layer for a 4-D input, the identity for a 2-D one.
  void flatten(const ::onnx::NodeProto& n) {
    const Dims in = shape(n, n.input(0), 0);
    const Dims out = shape(n, n.output(0), 0);
    std::int64_t in_elems = 1, out_elems = 1;
    for (auto x : in)
      in_elems *= x;
    for (auto x : out)
      out_elems *= x;
    if (in_elems != out_elems || out.size() != 2 || out[0] != in[0]) {
      fail(n, "only a reshape to [batch, features] is supported");
    }
    if (in.size() == 2) return pass_through(n);
    if (in.size() != 4) fail(n, "expected a 2-D or 4-D input");
    Layer l = new_layer(n, OpType::Flatten);
    l.set_size(Dim::B, static_cast<std::uint64_t>(in[0]));
    add(n, std::move(l), {{n.input(0), Operand::I}});
  }

  void pass_through(const ::onnx::NodeProto& n) {
    if (n.input_size() < 1 || n.output_size() < 1) fail(n, "expected an input and an output");
    source_[n.output(0)] = source(n, n.input(0));
  }

  void import_node(const ::onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (op == "Constant") return;
    // Every other op reads input 0 and writes output 0 (protobuf aborts on a missing index).
    if (n.input_size() < 1 || n.output_size() < 1) fail(n, "expected an input and an output");
    if (op == "Conv") return conv(n);
    if (op == "Gemm") return gemm(n);
    if (op == "MatMul") return matmul(n);
    if (op == "MaxPool") return pool(n, OpType::MaxPool, false);
    if (op == "AveragePool") return pool(n, OpType::AvgPool, false);
    if (op == "GlobalAveragePool") return pool(n, OpType::AvgPool, true);
    if (op == "Add") return add_node(n);
    if (op == "Flatten" || op == "Reshape") return flatten(n);
    if (pass_through_ops().count(op)) return pass_through(n);
    fail(n, "unsupported op type '" + op +
                "' (supported: Conv, Gemm, MatMul, MaxPool, AveragePool, GlobalAveragePool, Add, "
                "Flatten, Reshape, Relu, Clip, LRN, Dropout, Softmax, BatchNormalization, "
                "Identity, Constant)");
  }

  static constexpr int kNetworkInput = -1;
  std::string path_;
  const ::onnx::GraphProto& g_;
  OnnxOptions opt_;
  workload::Network net_;
  std::map<std::string, Dims> shapes_;
  std::set<std::string> initializers_;
  std::map<std::string, int> source_;  // tensor -> producing layer id, or kNetworkInput
  std::map<int, std::string> node_of_layer_;
  std::set<std::string> names_;
  int index_ = 0;
  int block_ = -1;
};

}  // namespace

bool is_onnx_path(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".onnx") == 0;
}

workload::Network load_onnx_file(const std::string& path, const OnnxOptions& options) {
  for (std::uint32_t b :
       {options.weight_bits, options.input_bits, options.psum_bits, options.output_bits}) {
    if (b < 1 || b > 64) throw InputError(path, "ONNX precisions must be 1..64 bits");
  }
  const ::onnx::ModelProto model = read_model(path);
  return Importer(path, model.graph(), options).run();
}

}  // namespace stems::onnx
