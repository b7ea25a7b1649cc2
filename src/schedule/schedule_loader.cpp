#include "stems/schedule/schedule_loader.hpp"

#include <limits>
#include <set>

#include "stems/common/error.hpp"
#include "stems/common/names.hpp"

namespace stems::schedule {

using config::TableReader;
using workload::Dim;

namespace {

// An optional enum-valued key: its value must be one of the table's names.
template <typename E, std::size_t N>
void read_name(const TableReader& r, const char* key, const NameTable<E, N>& table, E& target) {
  if (!r.has(key)) return;
  const auto value = parse_name(table, r.string(key));
  if (!value) r.fail(key, "expected " + allowed_names(table));
  target = *value;
}

// Applies a tile request to one layer: a request larger than the loop takes the whole loop (as
// STEMS does for small layers of a fused block); otherwise it must divide the loop.
void apply_tile(const TableReader& r, const char* key, std::uint64_t request,
                const workload::Layer& l, Dim d, std::uint64_t& target) {
  const std::uint64_t size = l.size(d);
  const std::uint64_t tile = std::min(request, size);
  if (size % tile != 0) {
    r.fail(key, std::to_string(request) + " does not divide " + std::string(workload::dim_name(d)) +
                    " = " + std::to_string(size) + " of layer " + std::to_string(l.id));
  }
  target = tile;
}

// The [schedule] table: STEMS's bit strings (all time-batched, layer by layer by default), the
// fuse barrier and the scheduler options.
Schedule read_schedule_table(const TableReader& s, const workload::Network& net) {
  const std::string time_bits =
      s.string_or("time_schedule", std::string(static_cast<std::size_t>(net.block_count()), '1'));
  const std::string depth_bits =
      s.string_or("depth_schedule", std::string(static_cast<std::size_t>(net.block_count()), '0'));
  const bool barrier = s.boolean_or("fuse_barrier", true);
  Schedule out;
  try {
    out = schedule_from_bits(net, time_bits, depth_bits, barrier);
  } catch (const InputError& e) {
    s.fail(e.where() == "--time-schedule" ? "time_schedule" : "depth_schedule", e.message());
  }
  read_name(s, "order", kOrderNames, out.order);
  read_name(s, "state_lifecycle", kLifecycleNames, out.lifecycle);
  read_name(s, "alignment", kAlignmentNames, out.alignment);
  s.finish();
  return out;
}

// A layer's `core`: an id or a name of the hardware's cores, which must run the layer's operator.
int read_core(const TableReader& r, const hardware::Accelerator& acc, const workload::Layer& l) {
  const config::Value* c = r.raw("core");
  int id = -1;
  if (c->kind == config::Value::Kind::Integer) {
    // (beyond the cores stays -1: a cast would wrap 4294967296 onto core 0)
    if (c->integer_value >= 0 && static_cast<std::uint64_t>(c->integer_value) < acc.cores.size())
      id = static_cast<int>(c->integer_value);
  } else if (c->kind == config::Value::Kind::String) {
    for (std::size_t k = 0; k < acc.cores.size(); ++k) {
      if (acc.cores[k].name == c->string_value) id = static_cast<int>(k);
    }
  }
  if (id < 0 || static_cast<std::size_t>(id) >= acc.cores.size()) {
    std::string names;
    for (std::size_t k = 0; k < acc.cores.size(); ++k)
      names += (k == 0 ? "" : ", ") + std::to_string(k) + " '" + acc.cores[k].name + "'";
    r.fail("core", "expected a core id or name of hardware '" + acc.name + "': " + names);
  }
  const hardware::Core& core = acc.cores[static_cast<std::size_t>(id)];
  if (!core.runs(l.op)) {
    r.fail("core", "core '" + core.name + "' does not run " + std::string(workload::op_name(l.op)) +
                       " (layer " + std::to_string(l.id) + ")");
  }
  return id;
}

// A [[block]] or [[layer]] table's keys, applied to layer v.
void apply_layer_keys(const TableReader& r, const workload::Network& net,
                      const hardware::Accelerator& acc, workload::Vertex v, Schedule& out) {
  const workload::Layer& l = net.layer(v);
  LayerTiling& t = out.layers[v];
  if (r.has("time_tile"))
    apply_tile(r, "time_tile", r.positive("time_tile"), l, Dim::T, t.time_tile);
  if (r.has("ox_tile")) apply_tile(r, "ox_tile", r.positive("ox_tile"), l, Dim::OX, t.ox_tile);
  if (r.has("core")) {
    const int id = read_core(r, acc, l);
    if (out.cores.empty()) out.cores.assign(net.layer_count(), -1);
    out.cores[v] = id;
  }
  if (r.has("fuse_group")) {
    const auto g = r.integer("fuse_group");
    // A group per layer at most; a larger integer must not wrap onto group 0 (4294967296).
    if (g < 0 || g > 1'000'000) r.fail("fuse_group", "expected an integer from 0 to 1000000");
    t.fuse_group = static_cast<int>(g);
  }
}

// The keys a [[block]] or [[layer]] table may have besides `id`; anything else is an error.
void finish_layer_table(const TableReader& r) {
  r.accept("time_tile");
  r.accept("ox_tile");
  r.accept("fuse_group");
  r.accept("core");
  r.finish();
}

// Every [[name]] table in order: its `id` must be one `unknown_id` has no objection to ("" when the
// workload has it) and no earlier table of the array may have used it; `apply` then reads the
// table's other keys.
template <class UnknownId, class Apply>
void read_id_tables(const TableReader& root, const std::string& name, UnknownId unknown_id,
                    Apply apply) {
  if (!root.has(name)) {
    root.accept(name);
    return;
  }
  std::set<std::int64_t> seen;
  for (const TableReader& t : root.table_array(name)) {
    const std::int64_t id = t.integer("id");
    if (const std::string why = unknown_id(id); !why.empty()) t.fail("id", why);
    if (!seen.insert(id).second) {
      t.fail("id", name + " " + std::to_string(id) + " already has a [[" + name + "]] table");
    }
    apply(t, id);
    finish_layer_table(t);
  }
}

// [[block]] tables: their keys apply to every layer of the block.
void read_blocks(const TableReader& root, const workload::Network& net,
                 const hardware::Accelerator& acc, Schedule& out) {
  read_id_tables(
      root, "block",
      [&](std::int64_t id) {
        if (id >= 0 && id < net.block_count()) return std::string();
        return "no block " + std::to_string(id) + " (the workload has " +
               std::to_string(net.block_count()) + ")";
      },
      [&](const TableReader& b, std::int64_t id) {
        for (workload::Vertex v : net.topological_order()) {
          if (net.layer(v).block == id) apply_layer_keys(b, net, acc, v, out);
        }
      });
}

// [[layer]] tables (after the blocks: a layer's own keys win).
void read_layers(const TableReader& root, const workload::Network& net,
                 const hardware::Accelerator& acc, Schedule& out) {
  read_id_tables(
      root, "layer",
      [&](std::int64_t id) {
        // (an id beyond int is no layer: the cast would wrap 4294967296 to layer 0)
        if (id >= 0 && id <= std::numeric_limits<int>::max() && net.has_layer(static_cast<int>(id)))
          return std::string();
        return "no layer " + std::to_string(id) + " in workload '" + net.name() + "'";
      },
      [&](const TableReader& l, std::int64_t id) {
        apply_layer_keys(l, net, acc, net.vertex(static_cast<int>(id)), out);
      });
}

}  // namespace

Schedule load_schedule(const config::Document& doc, const workload::Network& net,
                       const hardware::Accelerator& acc) {
  const TableReader root(doc, doc.root, "");
  Schedule out = read_schedule_table(root.table("schedule"), net);
  read_blocks(root, net, acc, out);
  read_layers(root, net, acc, out);
  root.finish();
  return out;
}

Schedule load_schedule_file(const std::string& path, const workload::Network& net,
                            const hardware::Accelerator& acc) {
  return load_schedule(config::parse_toml_file(path), net, acc);
}

}  // namespace stems::schedule
