#include "stems/search/run_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/cost/model_policy.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/search/command_accuracy.hpp"
#include "stems/search/simulated_accuracy.hpp"
#include "stems/simulate/timing.hpp"

namespace stems::search {

using config::TableReader;

namespace {

// [accuracy.simulate]: inputs (required), labels, samples, dt_s, reset.
template <typename Resolve>
SimulatedAccuracyConfig read_simulate_table(const TableReader& t, Resolve resolve) {
  SimulatedAccuracyConfig c;
  c.inputs = resolve(t.string("inputs"));
  if (t.has("labels")) c.labels = resolve(t.string("labels"));
  c.samples = t.non_negative_or("samples", 0);
  if (t.has("dt_s")) {
    c.sim.dt_s = t.non_negative_number("dt_s");
    if (c.sim.dt_s <= 0) t.fail("dt_s", "expected a positive timestep in seconds");
  }
  if (t.has("reset")) {  // not given: the file's rule, else to v_reset
    const std::string reset = t.string("reset");
    const auto r = parse_name(simulate::kResetNames, reset);
    if (!r) t.fail("reset", "expected value (to v_reset, NIR's rule) or subtract");
    c.sim.reset = *r;
  }
  t.finish();
  return c;
}

// [accuracy.command]: command (program and arguments with {state} and {out}), cwd (relative to
// the run file), jobs, timeout_s.
template <typename Resolve>
std::shared_ptr<const CommandAccuracy> read_command_table(const TableReader& t, Resolve resolve) {
  CommandAccuracyConfig c;
  c.command = t.string_list("command");
  if (c.command.empty() || c.command[0].empty())
    t.fail("command",
           "expected [\"program\", \"argument\", ...] with {state} and {out} placeholders");
  bool has_state = false;
  for (const std::string& a : c.command)
    has_state = has_state || a.find("{state}") != std::string::npos;
  if (!has_state) t.fail("command", "expected a {state} placeholder (the per-block state bits)");
  if (t.has("cwd")) c.cwd = resolve(t.string("cwd"));
  const std::uint64_t jobs = t.positive_or("jobs", 1);
  if (jobs > 256) t.fail("jobs", "expected 1..256 commands at once");
  c.jobs = static_cast<unsigned>(jobs);
  c.timeout_s = t.non_negative_number_or("timeout_s", 3600);
  if (!(c.timeout_s > 0)) t.fail("timeout_s", "expected a positive number of seconds");
  t.finish();
  try {
    return std::make_shared<const CommandAccuracy>(std::move(c));
  } catch (const InputError& e) {
    t.fail("command", e.where() + ": " + e.message());
  }
}

// [run]: name, workload and hardware (relative to the run file), a fixed state schedule, seed and
// threads.
template <typename Resolve>
void read_run_table(const TableReader& root, Resolve resolve, RunConfig& rc) {
  const TableReader r = root.table("run");
  rc.name = r.string_or("name", std::filesystem::path(rc.path).stem().string());
  if (rc.name.empty() || rc.name == "." || rc.name == ".." ||
      rc.name.find_first_of("/\\") != std::string::npos) {
    std::string msg = "expected a folder name (the output goes to out/<name>), got '";
    msg += rc.name;
    msg += "'";
    r.fail("name", msg);
  }
  rc.workload = resolve(r.string("workload"));
  rc.hardware = resolve(r.string("hardware"));
  rc.state_schedule = r.string_or("state_schedule", "");
  rc.model = r.string_or("model", "");
  if (r.has("model") && !cost::parse_model(rc.model)) {
    r.fail("model", "'" + rc.model + "': " + cost::expected_models());
  }
  rc.alignment = r.string_or("alignment", "");
  if (r.has("alignment") && !schedule::parse_alignment(rc.alignment)) {
    r.fail("alignment",
           "'" + rc.alignment + "': expected " + allowed_names(schedule::kAlignmentNames));
  }
  rc.optimizer.seed = static_cast<std::uint64_t>(r.non_negative_or("seed", 42));
  const std::uint64_t threads = r.non_negative_or("threads", 0);
  if (threads > 1024) r.fail("threads", "expected 0 (all cores) to 1024 threads");
  rc.optimizer.threads = static_cast<unsigned>(threads);
  r.finish();
}

// The values of one [search.hardware] entry: a list of integers, or { min, max, factor | step }.
std::vector<std::uint64_t> hardware_values(const TableReader& s, const config::Value& v,
                                           const std::string& key) {
  std::vector<std::uint64_t> out;
  auto add = [&](std::int64_t x) {
    if (x < 1) s.fail_at(v, key, "expected integers >= 1");
    if (std::find(out.begin(), out.end(), std::uint64_t(x)) == out.end()) out.push_back(x);
    if (out.size() > 4096) s.fail_at(v, key, "more than 4096 values");
  };
  if (v.kind == config::Value::Kind::Array) {
    for (const auto& e : v.array) {
      if (e.kind != config::Value::Kind::Integer) s.fail_at(e, key, "expected integers");
      add(e.integer_value);
    }
    if (out.empty()) s.fail_at(v, key, "expected at least one value");
    return out;
  }
  const TableReader r(s.document(), v, key);
  const std::uint64_t lo = r.positive("min"), hi = r.positive("max");
  if (hi < lo) r.fail("max", "expected max >= min");
  const std::uint64_t factor = r.non_negative_or("factor", 0), step = r.non_negative_or("step", 0);
  if ((factor == 0) == (step == 0) || factor == 1) {
    r.fail_here("give exactly one of factor (>= 2, geometric) or step (>= 1, arithmetic)");
  }
  for (std::uint64_t x = lo; x <= hi; x = factor ? x * factor : x + step) {
    add(static_cast<std::int64_t>(x));
    if (x > hi / (factor ? factor : 1) && factor) break;
  }
  r.finish();
  return out;
}

// [search.hardware]: parameter = [values] or { min, max, factor | step }; dotted names
// (sram_1MB.size_bits, pe.D1.size, link.compute-dram.bandwidth_bits_per_cycle) may be written as
// TOML dotted keys or quoted keys.
void read_hardware_genes(const TableReader& s, const config::Value& table,
                         const std::string& prefix, RunConfig& rc) {
  for (const auto& [name, v] : table.table) {
    const std::string param = prefix.empty() ? name : prefix + "." + name;
    const std::string key = "search.hardware." + param;
    const bool range = v.kind == config::Value::Kind::Table && v.table.count("min");
    if (v.kind == config::Value::Kind::Table && !range) {
      read_hardware_genes(s, v, param, rc);
      continue;
    }
    if (v.kind != config::Value::Kind::Array && !range) {
      s.fail_at(v, key, "expected a list of values or { min, max, factor | step }");
    }
    rc.hardware_genes.push_back({param, hardware_values(s, v, key), s.location(v)});
  }
}

// [search]: space, granularity, free state blocks, exhaustive limit, hardware genes, the hardware
// genes the seeds are spread over, area objective and constraint.
void read_search_table(const TableReader& s, RunConfig& rc) {
  const std::string space = s.string_or("space", "stems");
  if (space == "stems") {
    rc.space = SpaceKind::Stems;
  } else if (space == "full") {
    rc.space = SpaceKind::Full;
  } else {
    s.fail("space", "expected stems or full");
  }
  const std::string g = s.string_or("granularity", "block");
  if (g == "block") {
    rc.granularity = Granularity::Block;
  } else if (g == "layer") {
    rc.granularity = Granularity::Layer;
  } else {
    s.fail("granularity", "expected block or layer");
  }
  if (const auto* v = s.raw("free_state_blocks")) {
    if (v->kind != config::Value::Kind::Array) s.fail("free_state_blocks", "expected [ids]");
    for (const auto& e : v->array) {
      if (e.kind != config::Value::Kind::Integer || e.integer_value < 0 ||
          e.integer_value > 100'000) {
        s.fail("free_state_blocks", "expected block ids from 0 to 100000");
      }
      const int b = static_cast<int>(e.integer_value);
      if (std::find(rc.free_state_blocks.begin(), rc.free_state_blocks.end(), b) !=
          rc.free_state_blocks.end()) {
        s.fail("free_state_blocks", "block " + std::to_string(b) + " is listed twice");
      }
      rc.free_state_blocks.push_back(b);
      rc.free_state_blocks_at.push_back(s.location(e));
    }
  }
  rc.exhaustive_limit = s.non_negative_number_or("exhaustive_limit", rc.exhaustive_limit);
  if (const auto* h = s.raw("hardware")) {
    if (h->kind != config::Value::Kind::Table) s.fail("hardware", "expected a table of parameters");
    read_hardware_genes(s, *h, "", rc);
  }
  if (s.has("seed_hardware")) {
    rc.seed_hardware = s.string_list("seed_hardware");
    rc.seed_hardware_at = s.location(*s.raw("seed_hardware"));
    for (std::size_t i = 0; i < rc.seed_hardware.size(); ++i) {
      if (std::find(rc.seed_hardware.begin(), rc.seed_hardware.begin() + i, rc.seed_hardware[i]) !=
          rc.seed_hardware.begin() + i) {
        s.fail("seed_hardware", "'" + rc.seed_hardware[i] + "' is listed twice");
      }
    }
  }
  if (s.has("area_objective")) rc.area_objective = s.boolean_or("area_objective", true);
  if (s.has("max_area_mm2")) {
    const double a = s.non_negative_number("max_area_mm2");
    if (!(a > 0)) s.fail("max_area_mm2", "expected a positive area in mm2");
    rc.max_area_mm2 = a;
  }
  s.finish();
}

// [algorithm]: name, population, islands, the budget and an initial population.
template <typename Resolve>
void read_algorithm_table(const TableReader& a, Resolve resolve, RunConfig& rc) {
  if (a.has("initial_population")) {
    const std::string file = a.string("initial_population");
    if (file.empty()) a.fail("initial_population", "expected the path of a pareto.json, got \"\"");
    rc.initial_population = resolve(file);
  }
  rc.optimizer.algorithm = a.string_or("name", "nsga2");
  rc.optimizer.population = a.positive_or("population", 32);
  if (rc.optimizer.population > 1'000'000) {
    a.fail("population", "expected at most 1000000 individuals");
  }
  const std::uint64_t islands = a.positive_or("islands", 1);
  if (islands > 1024) a.fail("islands", "expected 1 to 1024 islands (one thread each)");
  rc.optimizer.islands = static_cast<unsigned>(islands);
  const std::string& name = rc.optimizer.algorithm;
  if (const std::string why = algorithm_problem(name); !why.empty()) a.fail("name", why);
  if (const std::string why = population_problem(name, rc.optimizer.population); !why.empty()) {
    a.fail("population", why);
  }
  if (a.has("generations")) rc.optimizer.generations = read_generations(a);
  if (a.has("evaluations")) rc.optimizer.evaluations = a.positive("evaluations");
  if (a.has("wall_time_s")) {
    const double w = a.non_negative_number("wall_time_s");
    if (w <= 0) a.fail("wall_time_s", "expected a positive number of seconds");
    rc.optimizer.wall_time_s = w;
  }
  if (!rc.optimizer.generations && !rc.optimizer.evaluations && !rc.optimizer.wall_time_s) {
    a.fail_here("give a budget: generations, evaluations or wall_time_s");
  }
  a.finish();
}

// An accuracy (a fraction from 0 to 1, as a command's JSON must give).
double fraction(const TableReader& t, const std::string& key) {
  const double x = t.number(key);
  if (!(x >= 0 && x <= 1)) t.fail(key, "expected an accuracy from 0 to 1");
  return x;
}

// [accuracy]: exactly one model (a table, a base accuracy with per-block drops, or a simulation;
// the simulated model is built once the workload is known) and an optional min_accuracy.
template <typename Resolve>
std::optional<SimulatedAccuracyConfig> read_accuracy_table(const TableReader& t, Resolve resolve,
                                                           RunConfig& rc) {
  const TableReader* acc = &t;
  std::optional<SimulatedAccuracyConfig> simulated;
  // Exactly one kind of model: a table, a base accuracy with per-block drops, or a simulation.
  const bool table = acc->has("table"), drop = acc->has("base") || acc->has("block_drop"),
             sim = acc->has("simulate"), command = acc->has("command");
  if (int(table) + int(drop) + int(sim) + int(command) != 1) {
    acc->fail_here(
        "give exactly one accuracy model: a table ([[accuracy.table]] rows), a base accuracy "
        "with block_drop, simulate = { inputs = ... }, or command = { command = [...] }");
  }
  if (sim) simulated = read_simulate_table(acc->table("simulate"), resolve);
  if (command) rc.accuracy.model = read_command_table(acc->table("command"), resolve);
  if (drop) {
    std::vector<double> block_drop;
    if (const auto* v = acc->raw("block_drop")) {
      if (v->kind != config::Value::Kind::Array) acc->fail("block_drop", "expected [numbers]");
      for (const auto& e : v->array) {
        if (e.kind == config::Value::Kind::Integer) {
          block_drop.push_back(static_cast<double>(e.integer_value));
        } else if (e.kind == config::Value::Kind::Float && std::isfinite(e.float_value)) {
          block_drop.push_back(e.float_value);
        } else {
          acc->fail("block_drop", "expected finite numbers");
        }
        if (block_drop.back() < 0 || block_drop.back() > 1) {
          acc->fail("block_drop", "expected drops from 0 to 1 (fractions of accuracy)");
        }
      }
    }
    rc.accuracy.model =
        std::make_shared<const DropAccuracy>(fraction(*acc, "base"), std::move(block_drop));
  }
  if (acc->has("min_accuracy")) rc.accuracy.min_accuracy = fraction(*acc, "min_accuracy");
  if (table) {
    std::map<std::string, double> rows;
    for (const TableReader& row : acc->table_array("table")) {
      const std::string bits = row.string("state_schedule");
      for (char ch : bits) {
        if (ch != '0' && ch != '1') row.fail("state_schedule", "expected only '0' and '1'");
      }
      if (bits.empty()) row.fail("state_schedule", "expected one character per block");
      if (!rows.empty() && bits.size() != rows.begin()->first.size()) {
        row.fail("state_schedule", "expected " + std::to_string(rows.begin()->first.size()) +
                                       " characters, as the table's other rows");
      }
      if (rows.count(bits)) row.fail("state_schedule", "'" + bits + "' is already in the table");
      rows[bits] = fraction(row, "accuracy");
      row.finish();
    }
    rc.accuracy.model = std::make_shared<const TableAccuracy>(std::move(rows));
  }
  acc->finish();
  return simulated;
}

}  // namespace

void read_nir_options(const TableReader& n, nir::NirOptions& out) {
  const std::uint64_t t = n.positive_or("timesteps", out.timesteps);
  if (t > 1'000'000) n.fail("timesteps", "expected 1..1000000 timesteps");
  out.timesteps = t;
  auto bits = [&](const char* key, std::uint32_t fallback) {
    const std::uint64_t b = n.positive_or(key, fallback);
    if (b > 64) n.fail(key, "expected 1..64 bits");
    return static_cast<std::uint32_t>(b);
  };
  out.weight_bits = bits("weight_bits", out.weight_bits);
  out.state_bits = bits("state_bits", out.state_bits);
  out.input_bits = bits("input_bits", out.input_bits);
  n.finish();
}

unsigned read_generations(const TableReader& t) {
  const std::uint64_t g = t.positive("generations");
  if (g > 4'294'967'295u) t.fail("generations", "expected at most 4294967295 generations");
  return static_cast<unsigned>(g);
}

RunConfig load_run_config(const std::string& path) {
  const config::Document doc = config::parse_toml_file(path);
  const TableReader root(doc, doc.root, "");
  RunConfig rc;
  rc.path = path;
  auto resolve = [&](const std::string& p) { return config::resolve_relative(path, p); };
  read_run_table(root, resolve, rc);
  if (auto s = root.optional_table("search")) read_search_table(*s, rc);
  read_algorithm_table(root.table("algorithm"), resolve, rc);
  std::optional<SimulatedAccuracyConfig> simulated;
  if (auto acc = root.optional_table("accuracy"))
    simulated = read_accuracy_table(*acc, resolve, rc);
  if (auto n = root.optional_table("nir")) read_nir_options(*n, rc.nir);
  root.finish();
  if (simulated) {
    const std::string& w = rc.workload;
    if (w.size() < 4 || w.compare(w.size() - 4, 4, ".nir") != 0) {
      throw InputError(path, "accuracy.simulate needs a .nir workload (the trained weights); '" +
                                 w + "' is not one");
    }
    simulated->model = w;
    simulated->nir = rc.nir;
    rc.accuracy.model = std::make_shared<const SimulatedAccuracy>(*simulated);
  }
  return rc;
}

}  // namespace stems::search
