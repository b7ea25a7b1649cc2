#pragma once
// A line-based text description of a NIR graph, written out as a NIR (HDF5) file with the HDF5 C
// API. Used by the structure-aware harness fuzz_nir_graph (the fuzzer mutates the text, which
// reaches the loader's graph logic far more often than flipping bytes of an HDF5 file) and by
// make_nir_seed (the tiny seed files of corpus/nir/).
//
//   version 0.2.0                     /version (optional)
//   options T W S I                   NirOptions: timesteps, weight, state and input bits
//   node NAME TYPE [KEY=VALUES]...    a node group with a `type` string, fixed-length (TYPE
//                                     "-": no type, "*TYPE": a variable-length string as h5py
//                                     writes, "%": type stored as an integer)
//   graph NAME ... end                a nested NIRGraph node (its own nodes and edges)
//   edge A B                          an edge (in the innermost open graph)
//   meta KEY=VALUES                   the innermost graph's metadata (group `metadata`, as NIR
//                                     1.0 writes a graph's metadata dict)
//   noedges                           the innermost graph has no `edges` dataset
//   edgeform fixed|flat|vlen          how the edges dataset is stored (default fixed-length
//                                     strings, N x 2; flat: 2N; vlen: variable-length N x 2)
//
// VALUES: "1,2,3" integers (int64 dataset of that many values; a single value "=5" is a
// one-element array, "=:5" a scalar); "f:1.5,nan" doubles ("fs:1.5" a scalar); "z:" doubles
// compressed with gzip as h5py's compression="gzip" writes them (NIR's default); "f:" and "z:"
// take a shape after '@' ("z:1,2,3,4,5,6@2x3"); "s:text" a variable-length string;
// "d:4,2,3,3" a float32 dataset of that shape without data (weights: only the shape is read; huge
// shapes are cheap with chunked storage). A KEY with '/' makes the groups on its way
// ("input_type/input=16": a NIR 1.0 input_type dict).
#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "stems/nir/nir_loader.hpp"

namespace stems::fuzz::nirtext {

struct Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id >= 0 && close != nullptr) close(id);
  }
};

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

inline std::optional<long long> to_int(const std::string& s) {
  if (s.empty() || s.size() > 24) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno != 0 || end == nullptr || *end != '\0') return std::nullopt;
  return v;
}

inline void write_string(hid_t loc, const std::string& name, const std::string& value, bool vlen) {
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  if (vlen) {
    H5Tset_size(type.id, H5T_VARIABLE);
  } else {
    H5Tset_size(type.id, std::max<std::size_t>(value.size(), 1));
  }
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  Handle d{H5Dcreate2(loc, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
           H5Dclose};
  if (d.id < 0) return;
  if (vlen) {
    const char* p = value.c_str();
    H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p);
  } else {
    std::string buf = value;
    buf.resize(std::max<std::size_t>(value.size(), 1), '\0');
    H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  }
}

inline void write_value(hid_t loc, const std::string& key, const std::string& v) {
  if (v.rfind("s:", 0) == 0) {
    write_string(loc, key, v.substr(2), true);
    return;
  }
  if (v.rfind("d:", 0) == 0) {  // shape only
    std::vector<hsize_t> dims;
    for (const auto& x : split(v.substr(2), ',')) {
      const auto n = to_int(x);
      if (!n || *n < 0) return;
      dims.push_back(static_cast<hsize_t>(*n));
    }
    if (dims.size() > 8) return;
    Handle plist{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
    bool nonzero = true;
    double elements = 1;
    for (hsize_t x : dims) {
      nonzero = nonzero && x > 0;
      elements *= static_cast<double>(x);
    }
    if (!dims.empty() && nonzero && elements > 1) {
      const std::vector<hsize_t> chunk(dims.size(), 1);
      H5Pset_chunk(plist.id, static_cast<int>(dims.size()), chunk.data());
    }
    Handle space{dims.empty()
                     ? H5Screate(H5S_SCALAR)
                     : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                 H5Sclose};
    if (space.id < 0) return;
    Handle d{H5Dcreate2(loc, key.c_str(), H5T_NATIVE_FLOAT, space.id, H5P_DEFAULT, plist.id,
                        H5P_DEFAULT),
             H5Dclose};
    return;
  }
  const bool gzip = v.rfind("z:", 0) == 0;
  const bool float_scalar = v.rfind("fs:", 0) == 0;
  const bool floats = gzip || float_scalar || v.rfind("f:", 0) == 0;
  const bool scalar = float_scalar || (!floats && v.rfind(":", 0) == 0);
  std::string body = float_scalar ? v.substr(3) : floats ? v.substr(2) : scalar ? v.substr(1) : v;
  std::vector<hsize_t> dims;  // '@' shape, else one dimension of all the values
  if (const auto at = body.find('@'); floats && at != std::string::npos) {
    for (const auto& x : split(body.substr(at + 1), 'x')) {
      const auto n = to_int(x);
      if (!n || *n <= 0 || dims.size() >= 8) return;
      dims.push_back(static_cast<hsize_t>(*n));
    }
    body = body.substr(0, at);
  }
  std::vector<double> fv;
  std::vector<long long> iv;
  for (const auto& x : split(body, ',')) {
    if (floats) {
      if (x == "nan") {
        fv.push_back(std::numeric_limits<double>::quiet_NaN());
      } else if (x == "inf") {
        fv.push_back(std::numeric_limits<double>::infinity());
      } else {
        char* end = nullptr;
        const double d = std::strtod(x.c_str(), &end);
        if (x.empty() || *end != '\0') return;
        fv.push_back(d);
      }
    } else {
      const auto n = to_int(x);
      if (!n) return;
      iv.push_back(*n);
    }
  }
  const hsize_t count = floats ? fv.size() : iv.size();
  if (scalar && count != 1) return;
  if (dims.empty()) dims.push_back(count);
  hsize_t product = 1;
  for (hsize_t x : dims)
    product *= x;
  if (product != count) return;
  Handle space{scalar ? H5Screate(H5S_SCALAR)
                      : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose};
  const hid_t type = floats ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG;
  Handle plist{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  if (gzip && count > 0) {
    H5Pset_chunk(plist.id, static_cast<int>(dims.size()), dims.data());  // one chunk, as h5py
    H5Pset_deflate(plist.id, 4);
  } else {
    H5Pset_layout(plist.id, H5D_COMPACT);
  }
  Handle links{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(links.id, 1);
  Handle d{H5Dcreate2(loc, key.c_str(), type, space.id, links.id, plist.id, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) return;
  H5Dwrite(d.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
           floats ? static_cast<const void*>(fv.data()) : static_cast<const void*>(iv.data()));
}

struct GraphState {
  hid_t group = -1;  // the graph's group (the file's /node or a nested node)
  std::vector<std::pair<std::string, std::string>> edges;
  bool has_edges = true;
  std::string edge_form = "fixed";
};

inline void write_edges(const GraphState& g) {
  if (!g.has_edges) return;
  std::vector<std::string> flat;
  for (const auto& [a, b] : g.edges) {
    flat.push_back(a);
    flat.push_back(b);
  }
  const bool flat_shape = g.edge_form == "flat";
  hsize_t dims[2] = {flat_shape ? hsize_t(flat.size()) : hsize_t(g.edges.size()), 2};
  Handle space{H5Screate_simple(flat_shape ? 1 : 2, dims, nullptr), H5Sclose};
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  if (g.edge_form != "vlen") {
    std::size_t width = 1;
    for (const auto& s : flat)
      width = std::max(width, s.size());
    H5Tset_size(type.id, width);
    std::string buf(width * flat.size(), '\0');
    for (std::size_t i = 0; i < flat.size(); ++i)
      buf.replace(i * width, flat[i].size(), flat[i]);
    Handle d{H5Dcreate2(g.group, "edges", type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose};
    if (d.id >= 0 && !flat.empty())
      H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  } else {
    H5Tset_size(type.id, H5T_VARIABLE);
    std::vector<const char*> ptrs;
    for (const auto& s : flat)
      ptrs.push_back(s.c_str());
    Handle d{H5Dcreate2(g.group, "edges", type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose};
    if (d.id >= 0 && !ptrs.empty()) {
      H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    }
  }
}

// Writes the graph described by `text` to `path`; returns the options it gives (defaults
// otherwise). Malformed lines are skipped; HDF5 refusals (bad names) leave the object out.
inline nir::NirOptions write_nir(const std::string& text, const std::string& path) {
  nir::NirOptions opt;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  H5Pset_libver_bounds(fapl.id, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);  // compact files
  H5Pset_meta_block_size(fapl.id, 0);
  H5Pset_small_data_block_size(fapl.id, 0);
  Handle file{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id), H5Fclose};
  if (file.id < 0) return opt;
  std::vector<hid_t> groups;  // node groups, open until the end (nested graphs write into them)
  Handle root{H5Gcreate2(file.id, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  write_string(root.id, "type", "NIRGraph", false);
  std::vector<GraphState> stack(1);
  stack.back().group = root.id;
  auto nodes_group = [&](GraphState& g) -> hid_t {
    htri_t exists = H5Lexists(g.group, "nodes", H5P_DEFAULT);
    if (exists > 0) return H5Gopen2(g.group, "nodes", H5P_DEFAULT);
    return H5Gcreate2(g.group, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  };
  { Handle n{nodes_group(stack.back()), H5Gclose}; }
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line) && ++count < 200) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "version") {
      std::string v;
      in >> v;
      write_string(file.id, "version", v, false);
    } else if (cmd == "options") {
      long long t = 16, w = 8, s = 16, i = 1;
      in >> t >> w >> s >> i;
      if (t >= 1 && t <= 1'000'000) opt.timesteps = static_cast<std::uint64_t>(t);
      if (w >= 1 && w <= 64) opt.weight_bits = static_cast<std::uint32_t>(w);
      if (s >= 1 && s <= 64) opt.state_bits = static_cast<std::uint32_t>(s);
      if (i >= 1 && i <= 64) opt.input_bits = static_cast<std::uint32_t>(i);
    } else if (cmd == "edge") {
      std::string a, b;
      in >> a >> b;
      stack.back().edges.emplace_back(a, b);
    } else if (cmd == "meta") {
      std::string kv;
      while (in >> kv) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        const hid_t g = stack.back().group;
        const htri_t exists = H5Lexists(g, "metadata", H5P_DEFAULT);
        Handle meta{exists > 0 ? H5Gopen2(g, "metadata", H5P_DEFAULT)
                               : H5Gcreate2(g, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    H5Gclose};
        if (meta.id >= 0) write_value(meta.id, kv.substr(0, eq), kv.substr(eq + 1));
      }
    } else if (cmd == "noedges") {
      stack.back().has_edges = false;
    } else if (cmd == "edgeform") {
      in >> stack.back().edge_form;
    } else if (cmd == "end") {
      if (stack.size() > 1) {
        write_edges(stack.back());
        stack.pop_back();
      }
    } else if (cmd == "node" || cmd == "graph") {
      std::string name, type;
      in >> name;
      if (name.empty() || stack.size() > 20 || groups.size() >= 60) continue;
      Handle nodes{nodes_group(stack.back()), H5Gclose};
      if (nodes.id < 0) continue;
      const hid_t g = H5Gcreate2(nodes.id, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (g < 0) continue;
      groups.push_back(g);
      if (cmd == "graph") {
        write_string(g, "type", "NIRGraph", false);
        stack.emplace_back();
        stack.back().group = g;
        Handle n{nodes_group(stack.back()), H5Gclose};
        continue;
      }
      in >> type;
      if (type == "%") {
        write_value(g, "type", ":7");
      } else if (!type.empty() && type[0] == '*') {
        write_string(g, "type", type.substr(1), true);
      } else if (type != "-") {
        write_string(g, "type", type, false);
      }
      std::string kv;
      while (in >> kv) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        write_value(g, kv.substr(0, eq), kv.substr(eq + 1));
      }
    }
  }
  while (!stack.empty()) {
    write_edges(stack.back());
    stack.pop_back();
  }
  for (hid_t g : groups)
    H5Gclose(g);
  return opt;
}

}  // namespace stems::fuzz::nirtext
