#include "stems/nir/nir_loader.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "h5_reader.hpp"
#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"

namespace stems::nir {

using workload::Dim;
using workload::Layer;
using workload::NeuronModel;
using workload::OpType;

namespace {

const std::set<std::string> kNeurons = {"LIF", "CubaLIF", "IF", "LI", "Integrator"};
const std::set<std::string> kSynaptic = {"Affine",    "Linear",    "Conv1d", "Conv2d",
                                         "SumPool2d", "AvgPool2d", "Scale"};
const char* kSupported =
    "Input, Output, Affine, Linear, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Scale, LIF, "
    "CubaLIF, IF, LI, Integrator";

struct Node {
  std::string name;
  std::string type;
  std::vector<std::uint64_t> out_shape;  // inferred
  std::vector<std::size_t> in, out;      // non-recurrent edges (node indices)
  std::vector<std::size_t> rec_in;       // recurrent edges into this node
  std::string h5path;                    // its group in the file
  int layer = -1;                        // layer whose output this node's output is
  bool merged = false;                   // neuron merged into its synaptic producer's layer
  std::uint32_t out_bits = 0;
};

std::uint64_t elements(const std::vector<std::uint64_t>& s) {
  return std::accumulate(s.begin(), s.end(), std::uint64_t{1}, std::multiplies<>());
}

std::string shape_str(const std::vector<std::uint64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

NeuronModel neuron_of(const std::string& t) {
  if (t == "LIF") return NeuronModel::LIF;
  if (t == "CubaLIF") return NeuronModel::CubaLIF;
  if (t == "IF") return NeuronModel::IF;
  return NeuronModel::LI;  // LI and Integrator: leaky/plain integrators without spikes
}

bool spiking(const std::string& t) {
  return t == "LIF" || t == "CubaLIF" || t == "IF";
}

}  // namespace

workload::Network load_nir_file(const std::string& path, const NirOptions& opt) {
  if (opt.read_timeout_s > 0) {
    NirOptions in_child = opt;
    in_child.read_timeout_s = 0;  // this very function, in the child first
    detail::probe_in_child(path, opt.read_timeout_s, [&] { load_nir_file(path, in_child); });
  }
  detail::H5Reader h5(path);
  auto fail = [&](const std::string& node, const std::string& type, const std::string& what) {
    throw InputError(path,
                     "node '" + node + "'" + (type.empty() ? "" : " (" + type + ")") + ": " + what);
  };
  if (!h5.is_group("/node/nodes")) {
    throw InputError(path, "not a NIR file: no /node/nodes group");
  }
  // Nodes and edges, with nested NIRGraph nodes flattened: an inner node is named
  // "<graph>.<node>", an edge into a graph goes to its Input node(s), an edge out of it leaves
  // from its Output node(s), and those inner Input/Output nodes become pass-throughs.
  std::vector<Node> nodes;
  std::map<std::string, std::size_t> index;
  std::map<std::string, std::vector<std::string>> graph_inputs, graph_outputs;
  std::vector<std::pair<std::string, std::string>> named_edges;
  std::function<void(const std::string&, const std::string&, int)> read_graph =
      [&](const std::string& group, const std::string& prefix, int depth) {
        if (depth > 16) throw InputError(path, "'" + group + "': NIR graphs nested too deeply");
        if (!h5.is_group(group + "/nodes")) {
          throw InputError(path, "'" + group + "': not a NIR graph (no 'nodes' group)");
        }
        for (const std::string& member : h5.members(group + "/nodes")) {
          const std::string where = group + "/nodes/" + member;
          const std::string name = prefix + member;
          // Names become layer names in reports and in `stems import`'s TOML, which is UTF-8.
          if (config::invalid_utf8_at(where) != std::string::npos) {
            std::string shown;  // the bytes above 0x7F as \xNN: the message itself stays UTF-8
            for (const char c : where) {
              const auto u = static_cast<unsigned char>(c);
              if (u < 0x80) {
                shown += c;
              } else {
                shown += "\\x";
                shown += "0123456789ABCDEF"[u >> 4];
                shown += "0123456789ABCDEF"[u & 0xF];
              }
            }
            std::string msg = "'";
            msg += shown;
            msg += "': the node name is not valid UTF-8";
            throw InputError(path, msg);
          }
          if (!h5.exists(where + "/type")) fail(name, "", "has no 'type'");
          const std::string type = h5.string(where + "/type");
          if (type == "NIRGraph") {
            read_graph(where, name + ".", depth + 1);
            continue;
          }
          if (type != "Input" && type != "Output" && type != "Flatten" && !kNeurons.count(type) &&
              !kSynaptic.count(type)) {
            fail(name, type, std::string("unsupported node type; supported: ") + kSupported);
          }
          Node n;
          n.name = name;
          n.type = type;
          n.h5path = where;
          if (depth > 0 && (type == "Input" || type == "Output")) {
            (type == "Input" ? graph_inputs : graph_outputs)[prefix.substr(0, prefix.size() - 1)]
                .push_back(name);
            n.type = "Identity";
          }
          index[name] = nodes.size();
          nodes.push_back(n);
        }
        if (!h5.exists(group + "/edges")) {
          throw InputError(path, "'" + group + "': not a NIR graph (no 'edges')");
        }
        const auto flat = h5.strings(group + "/edges");
        if (flat.size() % 2 != 0) {
          throw InputError(path, "'" + group + "/edges': expected N x 2 names");
        }
        for (std::size_t i = 0; i < flat.size(); i += 2) {
          named_edges.emplace_back(prefix + flat[i], prefix + flat[i + 1]);
        }
      };
  read_graph("/node", "", 0);
  if (nodes.empty()) throw InputError(path, "the NIR graph has no nodes");
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  for (const auto& [a, b] : named_edges) {
    std::vector<std::string> from = {a}, to = {b};
    if (graph_outputs.count(a)) from = graph_outputs[a];
    if (graph_inputs.count(b)) to = graph_inputs[b];
    for (const auto& f : from) {
      for (const auto& t : to) {
        for (const auto& e : {f, t}) {
          if (!index.count(e)) {
            throw InputError(path, "'/node/edges': edge " + a + " -> " + b +
                                       " names an unknown node '" + e + "'");
          }
        }
        edges.emplace_back(index[f], index[t]);
      }
    }
  }
  std::sort(edges.begin(), edges.end());
  // Back edges (recurrent): depth-first walk from the inputs, in name order.
  std::vector<std::vector<std::size_t>> succ(nodes.size());
  for (const auto& [a, b] : edges)
    succ[a].push_back(b);
  std::vector<int> state(nodes.size(), 0);  // 0 new, 1 on stack, 2 done
  std::set<std::pair<std::size_t, std::size_t>> back;
  std::function<void(std::size_t)> dfs = [&](std::size_t u) {
    state[u] = 1;
    for (std::size_t v : succ[u]) {
      if (state[v] == 1) {
        back.insert({u, v});
      } else if (state[v] == 0) {
        dfs(v);
      }
    }
    state[u] = 2;
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].type == "Input" && state[i] == 0) dfs(i);
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (state[i] == 0) dfs(i);
  }
  for (const auto& [a, b] : edges) {
    if (back.count({a, b})) {
      nodes[b].rec_in.push_back(a);
    } else {
      nodes[a].out.push_back(b);
      nodes[b].in.push_back(a);
    }
  }
  // Topological order over the forward edges.
  std::vector<std::size_t> order, indeg(nodes.size(), 0);
  for (const auto& n : nodes) {
    for (std::size_t v : n.out)
      ++indeg[v];
  }
  std::vector<std::size_t> ready;
  for (std::size_t i = nodes.size(); i-- > 0;) {
    if (indeg[i] == 0) ready.push_back(i);
  }
  while (!ready.empty()) {
    const std::size_t u = ready.back();
    ready.pop_back();
    order.push_back(u);
    for (std::size_t v : nodes[u].out) {
      if (--indeg[v] == 0) ready.push_back(v);
    }
  }

  // Shapes (inferred in topological order) and layers.
  std::string stem = path;
  if (auto slash = stem.find_last_of('/'); slash != std::string::npos)
    stem = stem.substr(slash + 1);
  if (auto dot = stem.rfind('.'); dot != std::string::npos) stem = stem.substr(0, dot);
  workload::Network net(stem);
  std::vector<Layer> layers;
  std::vector<std::vector<std::pair<std::size_t, workload::Operand>>> layer_inputs;  // node idx
  int block = -1;
  auto base = [&](const Node& n) { return n.h5path; };
  auto ints = [&](const Node& n, const char* key, std::size_t count,
                  std::vector<std::int64_t> fallback) -> std::vector<std::int64_t> {
    const std::string d = base(n) + "/" + key;
    if (!h5.exists(d)) {
      if (fallback.empty()) fail(n.name, n.type, std::string("missing '") + key + "'");
      return fallback;
    }
    auto v = h5.integers(d);
    if (v.size() == 1 && count > 1) v.assign(count, v[0]);
    if (v.size() != count) {
      fail(n.name, n.type,
           std::string("'") + key + "' should have " + std::to_string(count) + " values, has " +
               std::to_string(v.size()));
    }
    for (auto x : v) {
      if (x < 0 || x > 1'000'000) fail(n.name, n.type, std::string("implausible '") + key + "'");
    }
    return v;
  };
  // Values were validated as non-negative: the shared sliding-window rule applies.
  auto window = [](std::uint64_t in, std::int64_t k, std::int64_t s, std::int64_t p,
                   std::int64_t d) -> std::int64_t {
    return static_cast<std::int64_t>(workload::sliding_window_output(
        in, static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(s),
        static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(d)));
  };
  auto new_layer = [&](Node& n, OpType op, bool weighted) -> Layer& {
    if (weighted || block < 0) ++block;
    Layer l;
    l.id = static_cast<int>(layers.size());
    l.name = n.name;
    l.op = op;
    l.block = block;
    l.set_size(Dim::T, opt.timesteps);
    n.layer = l.id;
    layers.push_back(l);
    layer_inputs.emplace_back();
    return layers.back();
  };

  // The producer behind a chain of pass-through nodes.
  auto effective = [&](std::size_t u) {
    while (nodes[u].type == "Identity" && !nodes[u].in.empty())
      u = nodes[u].in[0];
    return u;
  };
  for (std::size_t u : order) {
    Node& n = nodes[u];
    // Input shape: the producer's output (one forward input except for Input nodes).
    std::vector<std::uint64_t> in_shape;
    std::uint32_t in_bits = opt.input_bits;
    if (n.type != "Input") {
      if (n.in.empty()) fail(n.name, n.type, "has no input");
      if (n.in.size() > 1) {
        fail(n.name, n.type,
             "has " + std::to_string(n.in.size()) +
                 " forward inputs; summing several inputs into one node is not "
                 "supported yet");
      }
      const Node& p = nodes[n.in[0]];
      in_shape = p.out_shape;
      in_bits = p.out_bits;
    }
    const std::uint64_t in_elems = elements(in_shape);
    if (n.type == "Identity") {  // a nested graph's Input/Output: passes its input through
      n.out_shape = in_shape;
      n.out_bits = in_bits;
      n.layer = nodes[n.in[0]].layer;
      continue;
    }
    if (n.type == "Input" || n.type == "Output") {
      std::vector<std::uint64_t> declared;
      if (h5.exists(base(n) + "/shape")) {
        for (auto x : h5.integers(base(n) + "/shape")) {
          if (x <= 0) fail(n.name, n.type, "'shape' must be positive");
          declared.push_back(static_cast<std::uint64_t>(x));
        }
      }
      if (n.type == "Input") {
        if (declared.empty()) fail(n.name, n.type, "missing 'shape'");
        n.out_shape = declared;
        n.out_bits = opt.input_bits;
      } else {
        n.out_shape = in_shape;
        n.out_bits = in_bits;
      }
      continue;
    }
    if (n.type == "Flatten") {
      n.out_shape = {in_elems};
      n.out_bits = in_bits;
      if (h5.exists(base(n) + "/input_type")) {
        std::vector<std::uint64_t> declared;
        for (auto x : h5.integers(base(n) + "/input_type"))
          declared.push_back(std::uint64_t(x));
        if (elements(declared) != in_elems) {
          fail(n.name, n.type,
               "declares input " + shape_str(declared) + " but receives " + shape_str(in_shape));
        }
      }
      if (nodes[effective(n.in[0])].type == "Input") continue;  // flattening the input: a no-op
      Layer& l = new_layer(n, OpType::Flatten, false);
      layer_inputs.back().emplace_back(n.in[0], workload::Operand::I);
      (void)l;
      continue;
    }
    if (kNeurons.count(n.type)) {
      // Merged into its synaptic producer's layer when it is that node's only consumer.
      const Node& producer = nodes[effective(n.in[0])];
      const bool has_synaptic_producer =
          producer.layer >= 0 && kSynaptic.count(producer.type) && producer.out.size() == 1 &&
          layers[static_cast<std::size_t>(producer.layer)].neuron == NeuronModel::None;
      Layer* l;
      if (has_synaptic_producer) {
        l = &layers[static_cast<std::size_t>(producer.layer)];
        n.layer = l->id;
        n.merged = true;
      } else {
        // A neuron population without a synaptic producer: an element-wise 1x1 layer.
        l = &new_layer(n, OpType::SumPool, false);
        const std::uint64_t c = in_shape.empty() ? 1 : in_shape[0];
        l->set_size(Dim::K, c);
        l->set_size(Dim::OY, in_shape.size() > 1 ? in_shape[1] : 1);
        l->set_size(Dim::OX, in_shape.size() > 2 ? in_shape[2] : (in_shape.size() == 1 ? 1 : 1));
        if (in_shape.size() == 1) l->set_size(Dim::K, in_shape[0]);
        l->stride = {1, 1};
        l->precision.I = in_bits;
        layer_inputs.back().emplace_back(n.in[0], workload::Operand::I);
      }
      l->neuron = neuron_of(n.type);
      l->precision.V = opt.state_bits;
      l->precision.psum = opt.state_bits;
      l->precision.O = spiking(n.type) ? 1 : opt.state_bits;
      n.out_shape = in_shape;
      n.out_bits = l->precision.O;
      // The declared population shape must match.
      for (const char* key : {"v_threshold", "tau", "tau_mem", "r"}) {
        if (h5.exists(base(n) + "/" + key)) {
          const auto s = h5.shape(base(n) + "/" + key);
          if (!s.empty() && elements(s) != elements(in_shape) && elements(s) != 1) {
            fail(n.name, n.type,
                 std::string("'") + key + "' has shape " + shape_str(s) +
                     " but the population receives " + shape_str(in_shape));
          }
          break;
        }
      }
      continue;
    }
    // Synaptic nodes.
    if (n.type == "Affine" || n.type == "Linear") {
      const auto w = h5.shape(base(n) + "/weight");
      if (w.size() != 2) fail(n.name, n.type, "'weight' should be [out, in], is " + shape_str(w));
      if (w[1] != in_elems) {
        fail(n.name, n.type,
             "'weight' expects " + std::to_string(w[1]) + " inputs but receives " +
                 shape_str(in_shape));
      }
      Layer& l = new_layer(n, OpType::Linear, true);
      l.set_size(Dim::K, w[0]);
      l.set_size(Dim::C, w[1]);
      l.precision = {opt.weight_bits, in_bits, opt.state_bits, opt.state_bits, 0};
      n.out_shape = {w[0]};
    } else if (n.type == "Conv2d" || n.type == "Conv1d") {
      const bool two = n.type == "Conv2d";
      const auto w = h5.shape(base(n) + "/weight");
      if (w.size() != (two ? 4u : 3u)) {
        fail(n.name, n.type,
             "'weight' has shape " + shape_str(w) + "; expected " +
                 (two ? "[Cout, Cin/groups, KY, KX]" : "[Cout, Cin/groups, K]"));
      }
      if (in_shape.size() != (two ? 3u : 2u)) {
        fail(n.name, n.type,
             "receives " + shape_str(in_shape) + "; expected " + (two ? "[C, H, W]" : "[C, L]"));
      }
      const std::size_t nd = two ? 2 : 1;
      const auto stride = ints(n, "stride", nd, std::vector<std::int64_t>(nd, 1));
      const auto pad = ints(n, "padding", nd, std::vector<std::int64_t>(nd, 0));
      const auto dil = ints(n, "dilation", nd, std::vector<std::int64_t>(nd, 1));
      const auto groups = ints(n, "groups", 1, {1})[0];
      if (groups <= 0 || w[0] % static_cast<std::uint64_t>(groups) != 0 ||
          in_shape[0] != w[1] * static_cast<std::uint64_t>(groups)) {
        fail(n.name, n.type,
             "channels do not chain: weight " + shape_str(w) + " with groups " +
                 std::to_string(groups) + " on input " + shape_str(in_shape));
      }
      const std::uint64_t H = two ? in_shape[1] : 1, W = two ? in_shape[2] : in_shape[1];
      const std::int64_t ky = two ? std::int64_t(w[2]) : 1, kx = std::int64_t(two ? w[3] : w[2]);
      const std::int64_t oy = two ? window(H, ky, stride[0], pad[0], dil[0]) : 1;
      const std::int64_t ox = window(W, kx, stride[nd - 1], pad[nd - 1], dil[nd - 1]);
      if (oy <= 0 || ox <= 0) fail(n.name, n.type, "the kernel does not fit the input");
      if (h5.exists(base(n) + "/input_shape")) {
        const auto declared = h5.integers(base(n) + "/input_shape");
        const std::vector<std::int64_t> actual =
            two ? std::vector<std::int64_t>{std::int64_t(H), std::int64_t(W)}
                : std::vector<std::int64_t>{std::int64_t(W)};
        if (declared != actual &&
            !(declared.size() == 3 && two &&
              declared == std::vector<std::int64_t>{std::int64_t(in_shape[0]), std::int64_t(H),
                                                    std::int64_t(W)})) {
          fail(n.name, n.type,
               "declares input_shape that differs from the inferred " + shape_str(in_shape));
        }
      }
      Layer& l = new_layer(n, OpType::Conv2d, true);
      l.set_size(Dim::G, static_cast<std::uint64_t>(groups));
      l.set_size(Dim::K, w[0] / static_cast<std::uint64_t>(groups));
      l.set_size(Dim::C, w[1]);
      l.set_size(Dim::OY, static_cast<std::uint64_t>(oy));
      l.set_size(Dim::OX, static_cast<std::uint64_t>(ox));
      l.set_size(Dim::FY, static_cast<std::uint64_t>(ky));
      l.set_size(Dim::FX, static_cast<std::uint64_t>(kx));
      l.stride = {static_cast<std::uint32_t>(two ? stride[0] : 1),
                  static_cast<std::uint32_t>(stride[nd - 1])};
      l.padding = {static_cast<std::uint32_t>(two ? pad[0] : 0),
                   static_cast<std::uint32_t>(pad[nd - 1])};
      l.dilation = {static_cast<std::uint32_t>(two ? dil[0] : 1),
                    static_cast<std::uint32_t>(dil[nd - 1])};
      l.precision = {opt.weight_bits, in_bits, opt.state_bits, opt.state_bits, 0};
      n.out_shape = two ? std::vector<std::uint64_t>{w[0], std::uint64_t(oy), std::uint64_t(ox)}
                        : std::vector<std::uint64_t>{w[0], std::uint64_t(ox)};
    } else if (n.type == "SumPool2d" || n.type == "AvgPool2d") {
      if (in_shape.size() != 3)
        fail(n.name, n.type, "receives " + shape_str(in_shape) + "; expected [C, H, W]");
      const auto k = ints(n, "kernel_size", 2, {});
      const auto stride = ints(n, "stride", 2, k);
      const auto pad = ints(n, "padding", 2, {0, 0});
      const std::int64_t oy = window(in_shape[1], k[0], stride[0], pad[0], 1);
      const std::int64_t ox = window(in_shape[2], k[1], stride[1], pad[1], 1);
      if (oy <= 0 || ox <= 0) fail(n.name, n.type, "the window does not fit the input");
      Layer& l = new_layer(n, n.type == "SumPool2d" ? OpType::SumPool : OpType::AvgPool, false);
      l.set_size(Dim::K, in_shape[0]);
      l.set_size(Dim::OY, std::uint64_t(oy));
      l.set_size(Dim::OX, std::uint64_t(ox));
      l.set_size(Dim::FY, std::uint64_t(k[0]));
      l.set_size(Dim::FX, std::uint64_t(k[1]));
      l.stride = {std::uint32_t(stride[0]), std::uint32_t(stride[1])};
      l.padding = {std::uint32_t(pad[0]), std::uint32_t(pad[1])};
      // Pooling keeps the input's precision (a simplification for summed spikes).
      l.precision = {0, in_bits, in_bits, in_bits, 0};
      n.out_shape = {in_shape[0], std::uint64_t(oy), std::uint64_t(ox)};
    } else {  // Scale: element-wise
      Layer& l = new_layer(n, OpType::SumPool, false);
      l.set_size(Dim::K, in_shape.empty() ? 1 : in_shape[0]);
      l.set_size(Dim::OY, in_shape.size() > 2 ? in_shape[1] : 1);
      l.set_size(Dim::OX,
                 in_shape.size() > 2 ? in_shape[2] : (in_shape.size() == 2 ? in_shape[1] : 1));
      l.stride = {1, 1};
      l.precision = {0, in_bits, opt.state_bits, opt.state_bits, 0};
      n.out_shape = in_shape;
    }
    const Layer& made = layers.back();
    n.out_bits = made.precision.O;
    if (nodes[effective(n.in[0])].type != "Input") {
      layer_inputs.back().emplace_back(n.in[0], workload::Operand::I);
    }
  }
  for (const auto& n : nodes) {
    if (n.layer < 0 && n.type != "Input" && n.type != "Output" && n.type != "Flatten" &&
        n.type != "Identity") {
      fail(n.name, n.type, "is not reachable from an input");
    }
  }
  if (layers.empty()) throw InputError(path, "the NIR graph has no compute layers");

  // The graph: forward inputs, then recurrent connections into neuron layers.
  try {
    for (auto& l : layers)
      net.add_layer(l);
    for (std::size_t li = 0; li < layers.size(); ++li) {
      for (const auto& [src, operand] : layer_inputs[li]) {
        // A flatten of the network input was dropped: its consumer reads the network input.
        if (nodes[src].layer < 0) continue;
        net.add_edge(nodes[src].layer, static_cast<int>(li), operand);
      }
    }
    for (const auto& n : nodes) {
      for (std::size_t src : n.rec_in) {
        if (n.layer < 0 || nodes[src].layer < 0 || n.type == "Identity") {
          fail(n.name, n.type,
               "recurrent input from '" + nodes[src].name + "' does not connect two layers");
        }
        net.add_edge(nodes[src].layer, n.layer, workload::Operand::R, true);
      }
    }
    net.finalize();
  } catch (const workload::NetworkError& e) {
    throw InputError(path, e.what());
  }
  workload::apply_declared_state(net);
  return net;
}

workload::Network load_any_workload(const std::string& path, const NirOptions& options) {
  const bool nir = path.size() >= 4 && path.compare(path.size() - 4, 4, ".nir") == 0;
  return nir ? load_nir_file(path, options) : workload::load_workload_file(path);
}

}  // namespace stems::nir
