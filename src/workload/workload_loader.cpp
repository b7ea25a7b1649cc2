#include "stems/workload/workload_loader.hpp"

#include <algorithm>
#include <map>

#include "stems/common/error.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::workload {

namespace {

using config::TableReader;
using config::Value;

constexpr std::uint32_t kMaxBits = 64;  // a precision above this is certainly a typo

// stride/padding/dilation: an integer (both axes) or [y, x].
Window2 read_window(const TableReader& r, const std::string& key, Window2 fallback,
                    std::int64_t min_value) {
  const Value* v = r.raw(key);
  if (v == nullptr) return fallback;
  auto check = [&](const Value& e, const std::string& path) -> std::uint32_t {
    if (e.kind != Value::Kind::Integer) {
      r.fail_at(e, path,
                std::string("expected an integer or [y, x], got ") + config::kind_name(e.kind));
    }
    if (e.integer_value < min_value || e.integer_value > 1'000'000) {
      r.fail_at(e, path,
                "expected an integer in [" + std::to_string(min_value) + ", 1000000], got " +
                    std::to_string(e.integer_value));
    }
    return static_cast<std::uint32_t>(e.integer_value);
  };
  if (v->kind == Value::Kind::Array) {
    if (v->array.size() != 2) r.fail(key, "expected [y, x] with two integers");
    return Window2{check(v->array[0], r.key_path(key) + "[0]"),
                   check(v->array[1], r.key_path(key) + "[1]")};
  }
  const std::uint32_t s = check(*v, r.key_path(key));
  return Window2{s, s};
}

std::uint32_t read_bits(const TableReader& r, const std::string& key) {
  const std::uint64_t b = r.positive(key);
  if (b > kMaxBits) r.fail(key, "expected a precision of 1..64 bits, got " + std::to_string(b));
  return static_cast<std::uint32_t>(b);
}

struct DimRule {
  std::vector<Dim> required;
  std::vector<Dim> optional;
};

DimRule dims_for(OpType op) {
  switch (op) {
    case OpType::Conv2d:
      return {{Dim::K, Dim::C, Dim::OY, Dim::OX, Dim::FY, Dim::FX}, {Dim::G}};
    case OpType::Linear:
      return {{Dim::K, Dim::C}, {}};
    case OpType::MaxPool:
    case OpType::AvgPool:
    case OpType::SumPool:
      return {{Dim::K, Dim::OY, Dim::OX, Dim::FY, Dim::FX}, {}};
    case OpType::Add:
      return {{Dim::K, Dim::OY, Dim::OX}, {}};
    case OpType::Flatten:
      return {{}, {}};
  }
  return {};
}

struct PendingEdge {
  const Value* where;
  std::string key_path;
  Value ref;  // integer id or string name
  int consumer;
  Operand operand;
};

// Loop sizes the operator has (required or optional; others are refused) and the window's stride,
// padding and dilation.
void read_loops(const TableReader& r, std::uint64_t timesteps, std::uint64_t batch,
                const std::string& op, Layer& l) {
  l.set_size(Dim::T, r.positive_or("T", timesteps));
  l.set_size(Dim::B, r.positive_or("B", batch));
  const DimRule rule = dims_for(l.op);
  for (Dim d : {Dim::G, Dim::K, Dim::C, Dim::OY, Dim::OX, Dim::FY, Dim::FX}) {
    const std::string key(dim_name(d));
    const bool required =
        std::find(rule.required.begin(), rule.required.end(), d) != rule.required.end();
    const bool optional =
        std::find(rule.optional.begin(), rule.optional.end(), d) != rule.optional.end();
    if (required) {
      l.set_size(d, r.positive(key));
    } else if (optional) {
      l.set_size(d, r.positive_or(key, 1));
    } else if (r.has(key)) {
      r.fail(key, "'" + key + "' is not a loop dimension of a " + op + " layer");
    }
  }
  const bool windowed = l.op == OpType::Conv2d || is_pool(l.op);
  for (const char* key : {"stride", "padding", "dilation", "input_size"}) {
    if (!windowed && r.has(key)) {
      r.fail(key, std::string("'") + key + "' applies only to conv2d and pooling layers");
    }
  }
  if (windowed) {
    // PyTorch convention: a pooling window's stride defaults to its size.
    const Window2 default_stride = is_pool(l.op)
                                       ? Window2{static_cast<std::uint32_t>(l.size(Dim::FY)),
                                                 static_cast<std::uint32_t>(l.size(Dim::FX))}
                                       : Window2{1, 1};
    l.stride = read_window(r, "stride", default_stride, 1);
    l.padding = read_window(r, "padding", Window2{0, 0}, 0);
    l.dilation = read_window(r, "dilation", Window2{1, 1}, 1);
    l.input_size = read_window(r, "input_size", Window2{0, 0}, 1);
  }
}

// The neuron model, its state policy and the spike densities.
void read_neuron(const TableReader& r, Layer& l) {
  const std::string neuron = r.string_or("neuron", "none");
  const auto nm = parse_neuron(neuron);
  if (!nm) {
    r.fail("neuron", "unknown neuron model '" + neuron + "'; expected " + neuron_names());
  }
  l.neuron = *nm;
  if (r.has("state")) {
    if (!l.has_neurons()) r.fail("state", "'state' needs a neuron model (neuron = ...)");
    const std::string s = r.string("state");
    const auto p = parse_state_policy(s);
    if (!p) r.fail("state", "unknown state policy '" + s + "'; expected " + state_policy_names());
    l.state_policy = *p;
  } else {
    r.accept("state");
  }
  // Spike densities for zero-skipping cores (fractions of non-zero elements per timestep).
  for (const char* key : {"input_density", "output_density"}) {
    if (!r.has(key)) continue;
    const double d = r.number(key);
    if (d < 0 || d > 1) r.fail(key, "expected a fraction between 0 and 1");
    (key[0] == 'i' ? l.input_density : l.output_density) = d;
  }
}

// Precisions: weights if the operator has them, I, O, V with neurons, psum (the state precision
// by default with neurons).
void read_precision(const TableReader& r, const std::string& op, Layer& l) {
  if (l.op == OpType::Flatten) {
    if (r.has("precision")) r.fail("precision", "a flatten takes its precision from its input");
    r.accept("precision");
  } else {
    const TableReader p = r.table("precision");
    if (has_weights(l.op)) {
      l.precision.W = read_bits(p, "W");
    } else if (p.has("W")) {
      p.fail("W", std::string("a ") + op + " layer has no weights");
    }
    l.precision.I = read_bits(p, "I");
    l.precision.O = read_bits(p, "O");
    if (l.has_neurons()) {
      l.precision.V = read_bits(p, "V");
    } else if (p.has("V")) {
      p.fail("V", "a state precision needs a neuron model (neuron = ...)");
    }
    if (p.has("psum")) {
      l.precision.psum = read_bits(p, "psum");
    } else if (l.has_neurons()) {
      l.precision.psum = l.precision.V;  // the state precision is the accumulator precision
    } else if (has_weights(l.op)) {
      p.fail_here("missing required key 'psum' (partial-sum bits of this stateless layer)");
    } else {
      l.precision.psum = l.precision.O;
    }
    p.finish();
  }
}

// Inputs, { I = <id|name> } or { X = ..., Y = ... }, and recurrent inputs, resolved once every
// layer is known.
void read_inputs(const TableReader& r, const Layer& l, std::vector<PendingEdge>& edges) {
  if (auto in = r.optional_table("inputs")) {
    const Value* table = r.raw("inputs");
    for (const auto& [key, value] : table->table) {
      const auto operand = parse_operand(key);
      if (!operand || *operand == Operand::W || *operand == Operand::O || *operand == Operand::V ||
          *operand == Operand::R) {
        in->fail(key, "unknown input operand '" + key +
                          "'; expected I (conv, linear, pool, flatten) or X and Y (add); "
                          "recurrent inputs go in `recurrent`");
      }
      in->accept(key);
      edges.push_back({&value, in->key_path(key), value, l.id, *operand});
    }
  }
  if (const Value* rec = r.raw("recurrent")) {
    if (rec->kind == Value::Kind::Array) {
      for (std::size_t i = 0; i < rec->array.size(); ++i) {
        edges.push_back({&rec->array[i], r.key_path("recurrent") + "[" + std::to_string(i) + "]",
                         rec->array[i], l.id, Operand::R});
      }
    } else {
      edges.push_back({rec, r.key_path("recurrent"), *rec, l.id, Operand::R});
    }
  }
}

Layer read_layer(const TableReader& r, std::uint64_t timesteps, std::uint64_t batch,
                 std::vector<PendingEdge>& edges) {
  Layer l;
  const std::int64_t id = r.integer("id");
  if (id < 0 || id > 1'000'000) r.fail("id", "expected a layer id in [0, 1000000]");
  l.id = static_cast<int>(id);
  l.name = r.string_or("name", "L" + std::to_string(l.id));
  const std::string op = r.string("op");
  const auto parsed = parse_op(op);
  if (!parsed) r.fail("op", "unknown operator '" + op + "'; expected " + op_names());
  l.op = *parsed;
  const std::int64_t block = r.integer_or("block", 0);
  if (block < 0 || block > 100'000) r.fail("block", "expected a block id >= 0");
  l.block = static_cast<int>(block);

  read_loops(r, timesteps, batch, op, l);
  read_neuron(r, l);
  read_precision(r, op, l);
  read_inputs(r, l, edges);
  r.finish();
  return l;
}

}  // namespace

Network load_workload(const config::Document& doc) {
  const TableReader root(doc, doc.root, "");
  const TableReader w = root.table("workload");
  Network net(w.string("name"));
  w.string_or("description", "");
  const std::uint64_t timesteps = w.positive("timesteps");
  const std::uint64_t batch = w.positive_or("batch", 1);
  w.finish();

  std::vector<PendingEdge> edges;
  std::map<int, const TableReader*> reader_of;
  std::map<std::string, int> id_of_name;
  const std::vector<TableReader> layers = root.table_array("layer");
  root.finish();
  if (layers.empty()) root.fail("layer", "the workload has no [[layer]] entries");
  for (const TableReader& lr : layers) {
    Layer l = read_layer(lr, timesteps, batch, edges);
    if (reader_of.count(l.id) != 0) lr.fail("id", "duplicate layer id " + std::to_string(l.id));
    if (id_of_name.count(l.name) != 0) {
      lr.fail("name", "duplicate layer name '" + l.name + "'");
    }
    reader_of[l.id] = &lr;
    id_of_name[l.name] = l.id;
    net.add_layer(std::move(l));
  }

  try {
    for (const PendingEdge& e : edges) {
      const TableReader& r = *reader_of.at(e.consumer);
      int producer = -1;
      if (e.ref.kind == Value::Kind::Integer) {
        // Layer ids are at most 1000000; a larger integer must not wrap onto one (2^32 -> 0).
        if (e.ref.integer_value < 0 || e.ref.integer_value > 1'000'000 ||
            !net.has_layer(static_cast<int>(e.ref.integer_value))) {
          r.fail_at(*e.where, e.key_path, "no layer has id " + std::to_string(e.ref.integer_value));
        }
        producer = static_cast<int>(e.ref.integer_value);
      } else if (e.ref.kind == Value::Kind::String) {
        auto it = id_of_name.find(e.ref.string_value);
        if (it == id_of_name.end()) {
          r.fail_at(*e.where, e.key_path, "no layer is named '" + e.ref.string_value + "'");
        }
        producer = it->second;
      } else {
        r.fail_at(*e.where, e.key_path,
                  std::string("expected a layer id (integer) or name (string), got ") +
                      config::kind_name(e.ref.kind));
      }
      net.add_edge(producer, e.consumer, e.operand, e.operand == Operand::R);
    }
    net.finalize();
  } catch (const NetworkError& err) {
    auto it = reader_of.find(err.layer_id());
    if (it != reader_of.end()) it->second->fail_here(err.what());
    throw InputError(doc.path, err.what());
  }
  apply_declared_state(net);
  return net;
}

Network load_workload_file(const std::string& path) {
  return load_workload(config::parse_toml_file(path));
}

}  // namespace stems::workload
