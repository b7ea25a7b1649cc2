#include "nir_graph.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "node_registry.hpp"
#include "stems/common/error.hpp"
#include "stems/config/document.hpp"

namespace stems::nir::detail {

namespace {

constexpr int kMaxNesting = 16;

// `text` with its bytes above 0x7F as \xNN, so that a message about it stays UTF-8.
std::string escaped(const std::string& text) {
  std::string shown;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      shown += c;
    } else {
      shown += "\\x";
      shown += "0123456789ABCDEF"[u >> 4];
      shown += "0123456789ABCDEF"[u & 0xF];
    }
  }
  return shown;
}

// Reads a graph group and its nested graphs into flat nodes and named edges.
class GraphReader {
 public:
  explicit GraphReader(const H5Reader& h5) : h5_(h5) {}

  NirGraph read() {
    if (!h5_.is_group("/node/nodes")) {
      throw InputError(h5_.path(), "not a NIR file: no /node/nodes group");
    }
    read_group("/node", "", 0);
    if (graph_.nodes.empty()) throw InputError(h5_.path(), "the NIR graph has no nodes");
    resolve_edges();
    return std::move(graph_);
  }

 private:
  void read_group(const std::string& group, const std::string& prefix, int depth) {
    if (depth > kMaxNesting) {
      throw InputError(h5_.path(), "'" + group + "': NIR graphs nested too deeply");
    }
    if (!h5_.is_group(group + "/nodes")) {
      throw InputError(h5_.path(), "'" + group + "': not a NIR graph (no 'nodes' group)");
    }
    for (const std::string& member : h5_.members(group + "/nodes")) {
      read_node(group + "/nodes/" + member, prefix, member, depth);
    }
    read_edges(group, prefix);
  }

  void read_node(const std::string& where, const std::string& prefix, const std::string& member,
                 int depth) {
    const std::string name = prefix + member;
    // Names become layer names in reports and in `stems import`'s TOML, which is UTF-8.
    if (config::invalid_utf8_at(where) != std::string::npos) {
      throw InputError(h5_.path(), "'" + escaped(where) + "': the node name is not valid UTF-8");
    }
    if (!h5_.exists(where + "/type")) {
      throw InputError(h5_.path(), "node '" + name + "': has no 'type'");
    }
    const std::string type = h5_.string(where + "/type");
    if (type == "NIRGraph") {
      read_group(where, name + ".", depth + 1);
      return;
    }
    Node n;
    n.name = name;
    n.type = type;
    n.h5path = where;
    n.entry = find_entry(type);
    if (n.entry == nullptr) {
      throw InputError(h5_.path(),
                       "node '" + name + "' (" + type +
                           "): unsupported node type; supported: " + supported_node_types());
    }
    if (depth > 0 && (type == kInputType || type == "Output")) {
      const std::string graph = prefix.substr(0, prefix.size() - 1);
      (type == kInputType ? graph_inputs_ : graph_outputs_)[graph].push_back(name);
      n.type = kIdentityType;
      n.entry = &identity_entry();
    }
    index_[name] = graph_.nodes.size();
    graph_.nodes.push_back(std::move(n));
  }

  void read_edges(const std::string& group, const std::string& prefix) {
    if (!h5_.exists(group + "/edges")) {
      throw InputError(h5_.path(), "'" + group + "': not a NIR graph (no 'edges')");
    }
    const auto flat = h5_.strings(group + "/edges");
    if (flat.size() % 2 != 0) {
      throw InputError(h5_.path(), "'" + group + "/edges': expected N x 2 names");
    }
    for (std::size_t i = 0; i < flat.size(); i += 2) {
      named_edges_.emplace_back(prefix + flat[i], prefix + flat[i + 1]);
    }
  }

  // Edges by node index; an edge into (out of) a nested graph goes to its Input (from its Output)
  // nodes.
  void resolve_edges() {
    for (const auto& [a, b] : named_edges_) {
      const auto from = endpoints(graph_outputs_, a), to = endpoints(graph_inputs_, b);
      for (const auto& f : from) {
        for (const auto& t : to) {
          const std::size_t source = node_index(f, a, b);  // the source is checked first
          graph_.edges.emplace_back(source, node_index(t, a, b));
        }
      }
    }
    std::sort(graph_.edges.begin(), graph_.edges.end());
  }

  static std::vector<std::string> endpoints(
      const std::map<std::string, std::vector<std::string>>& of_graph, const std::string& name) {
    auto it = of_graph.find(name);
    return it == of_graph.end() ? std::vector<std::string>{name} : it->second;
  }

  std::size_t node_index(const std::string& name, const std::string& a,
                         const std::string& b) const {
    auto it = index_.find(name);
    if (it == index_.end()) {
      throw InputError(h5_.path(), "'/node/edges': edge " + a + " -> " + b +
                                       " names an unknown node '" + name + "'");
    }
    return it->second;
  }

  const H5Reader& h5_;
  NirGraph graph_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::vector<std::string>> graph_inputs_, graph_outputs_;
  std::vector<std::pair<std::string, std::string>> named_edges_;
};

// Depth-first walk marking the edges that close a cycle.
class BackEdgeFinder {
 public:
  explicit BackEdgeFinder(const NirGraph& g) : succ_(g.nodes.size()), state_(g.nodes.size(), 0) {
    for (const auto& [a, b] : g.edges)
      succ_[a].push_back(b);
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      if (g.nodes[i].type == kInputType && state_[i] == kNew) walk(i);
    }
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      if (state_[i] == kNew) walk(i);
    }
  }
  bool is_back(std::size_t a, std::size_t b) const { return back_.count({a, b}) != 0; }

 private:
  static constexpr int kNew = 0, kOnStack = 1, kDone = 2;
  void walk(std::size_t u) {
    state_[u] = kOnStack;
    for (std::size_t v : succ_[u]) {
      if (state_[v] == kOnStack) {
        back_.insert({u, v});
      } else if (state_[v] == kNew) {
        walk(v);
      }
    }
    state_[u] = kDone;
  }
  std::vector<std::vector<std::size_t>> succ_;
  std::vector<int> state_;
  std::set<std::pair<std::size_t, std::size_t>> back_;
};

}  // namespace

NirGraph read_graph(const H5Reader& h5) {
  return GraphReader(h5).read();
}

void split_recurrent_edges(NirGraph& g) {
  const BackEdgeFinder finder(g);
  for (const auto& [a, b] : g.edges) {
    if (finder.is_back(a, b)) {
      g.nodes[b].rec_in.push_back(a);
    } else {
      g.nodes[a].out.push_back(b);
      g.nodes[b].in.push_back(a);
    }
  }
}

std::vector<std::size_t> topological_order(const NirGraph& g) {
  std::vector<std::size_t> order, indeg(g.nodes.size(), 0);
  for (const auto& n : g.nodes) {
    for (std::size_t v : n.out)
      ++indeg[v];
  }
  std::vector<std::size_t> ready;  // a stack seeded in reverse: the lowest index comes first
  for (std::size_t i = g.nodes.size(); i-- > 0;) {
    if (indeg[i] == 0) ready.push_back(i);
  }
  while (!ready.empty()) {
    const std::size_t u = ready.back();
    ready.pop_back();
    order.push_back(u);
    for (std::size_t v : g.nodes[u].out) {
      if (--indeg[v] == 0) ready.push_back(v);
    }
  }
  return order;
}

}  // namespace stems::nir::detail
