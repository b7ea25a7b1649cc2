#include "stems/nir/nir_model.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "h5_reader.hpp"
#include "stems/common/error.hpp"

namespace stems::nir {

namespace {

const std::set<std::string> kNeuronTypes = {"LIF", "CubaLIF", "IF", "LI", "Integrator"};
const char* const kSynapticKeys[] = {"weight", "bias",    "scale",    "kernel_size",
                                     "stride", "padding", "dilation", "groups"};
const char* const kNeuronKeys[] = {"tau",     "r",       "v_leak",  "v_threshold",
                                   "v_reset", "tau_syn", "tau_mem", "w_in"};

struct RawNode {
  std::string type;
  std::string h5path;
};

// The graph as stored: nodes by flattened name (nested graphs as "<graph>.<node>", their
// Input/Output nodes as pass-through "Identity" nodes) and the forward/backward adjacency.
struct RawGraph {
  std::map<std::string, RawNode> nodes;
  std::map<std::string, std::vector<std::string>> succ, pred;
};

RawGraph read_raw_graph(const detail::H5Reader& h5) {
  RawGraph g;
  std::map<std::string, std::vector<std::string>> graph_inputs, graph_outputs;
  std::vector<std::pair<std::string, std::string>> named;
  std::function<void(const std::string&, const std::string&, int)> walk =
      [&](const std::string& group, const std::string& prefix, int depth) {
        if (depth > 16)
          throw InputError(h5.path(), "'" + group + "': NIR graphs nested too deeply");
        for (const std::string& member : h5.members(group + "/nodes")) {
          const std::string where = group + "/nodes/" + member;
          std::string type = h5.string(where + "/type");
          if (type == "NIRGraph") {
            walk(where, prefix + member + ".", depth + 1);
            continue;
          }
          if (depth > 0 && (type == "Input" || type == "Output")) {
            std::string graph = prefix.substr(0, prefix.size() - 1);
            (type == "Input" ? graph_inputs : graph_outputs)[graph].push_back(prefix + member);
            type = "Identity";
          }
          g.nodes[prefix + member] = RawNode{type, where};
        }
        const auto flat = h5.strings(group + "/edges");
        for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
          named.emplace_back(prefix + flat[i], prefix + flat[i + 1]);
        }
      };
  walk("/node", "", 0);
  for (const auto& [a, b] : named) {
    const auto from = graph_outputs.count(a) ? graph_outputs[a] : std::vector<std::string>{a};
    const auto to = graph_inputs.count(b) ? graph_inputs[b] : std::vector<std::string>{b};
    for (const auto& f : from) {
      for (const auto& t : to) {
        g.succ[f].push_back(t);
        g.pred[t].push_back(f);
      }
    }
  }
  return g;
}

NirParams read_params(const detail::H5Reader& h5, const std::string& group, const char* const* keys,
                      std::size_t count) {
  NirParams p;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string d = group + "/" + keys[i];
    if (!h5.exists(d)) continue;
    NirTensor t;
    t.shape = h5.shape(d);
    t.values = h5.doubles(d);
    p[keys[i]] = std::move(t);
  }
  return p;
}

}  // namespace

NirModel load_nir_model(const std::string& path, const NirOptions& options) {
  NirModel m;
  m.path = path;
  m.network = load_nir_file(path, options);  // validates the graph and the shapes
  const detail::H5Reader h5(path);
  const RawGraph g = read_raw_graph(h5);
  auto fail = [&](const std::string& node, const std::string& what) {
    throw InputError(path, "node '" + node + "': " + what);
  };
  // Which layer each node's output is (synaptic nodes by name, merged neurons below).
  std::map<std::string, int> layer_of;
  for (workload::Vertex v : m.network.topological_order()) {
    const workload::Layer& l = m.network.layer(v);
    auto it = g.nodes.find(l.name);
    if (it == g.nodes.end()) fail(l.name, "not found in the file");
    NirLayer nl;
    nl.node = l.name;
    nl.node_type = it->second.type;
    const bool standalone_neuron = kNeuronTypes.count(nl.node_type) != 0;
    nl.params =
        read_params(h5, it->second.h5path, standalone_neuron ? kNeuronKeys : kSynapticKeys, 8);
    layer_of[l.name] = l.id;
    if (standalone_neuron) {
      nl.neuron_node = nl.node;
      nl.neuron_type = nl.node_type;
      nl.neuron_params = nl.params;
    } else if (l.has_neurons()) {
      // The neuron node merged into this layer: the node's successor through pass-throughs.
      std::vector<std::string> found, frontier = {l.name};
      std::set<std::string> seen;
      while (!frontier.empty()) {
        const std::string u = frontier.back();
        frontier.pop_back();
        auto s = g.succ.find(u);
        if (s == g.succ.end()) continue;
        for (const std::string& w : s->second) {
          if (!seen.insert(w).second) continue;
          auto n = g.nodes.find(w);
          if (n == g.nodes.end()) continue;
          if (n->second.type == "Identity") frontier.push_back(w);
          if (kNeuronTypes.count(n->second.type)) found.push_back(w);
        }
      }
      if (found.size() != 1) fail(l.name, "cannot identify the neuron node that follows it");
      const RawNode& n = g.nodes.at(found[0]);
      nl.neuron_node = found[0];
      nl.neuron_type = n.type;
      nl.neuron_params = read_params(h5, n.h5path, kNeuronKeys, 8);
      layer_of[found[0]] = l.id;
    }
    m.layers[l.id] = std::move(nl);
  }
  // The network input and the output.
  std::vector<std::string> inputs, outputs;
  for (const auto& [name, n] : g.nodes) {
    if (n.type == "Input") inputs.push_back(name);
    if (n.type == "Output") outputs.push_back(name);
  }
  if (inputs.size() != 1) {
    throw InputError(path, "the simulator needs exactly one Input node, the file has " +
                               std::to_string(inputs.size()));
  }
  for (std::int64_t x : h5.integers(g.nodes.at(inputs[0]).h5path + "/shape")) {
    m.input_shape.push_back(static_cast<std::uint64_t>(x));  // positive: checked by the loader
  }
  // The output layer: walk back from the (first) Output node through nodes without a layer.
  if (!outputs.empty()) {
    std::vector<std::string> frontier = {outputs[0]};
    std::set<std::string> seen;
    while (!frontier.empty() && m.output_layer < 0) {
      const std::string u = frontier.front();
      frontier.erase(frontier.begin());
      if (auto it = layer_of.find(u); it != layer_of.end()) {
        m.output_layer = it->second;
        break;
      }
      if (auto p = g.pred.find(u); p != g.pred.end()) {
        for (const auto& w : p->second) {
          if (seen.insert(w).second) frontier.push_back(w);
        }
      }
    }
  }
  if (m.output_layer < 0) {  // no Output node: the last sink in topological order
    for (workload::Vertex v : m.network.topological_order()) {
      if (m.network.is_sink(v)) m.output_layer = m.network.layer(v).id;
    }
  }
  return m;
}

}  // namespace stems::nir
