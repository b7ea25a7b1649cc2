#include <algorithm>
#include <filesystem>
#include <set>

#include "stems/campaign/campaign.hpp"
#include "stems/campaign/run_executor.hpp"
#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/cost/model_policy.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/run_config.hpp"

namespace stems::campaign {

using config::TableReader;

namespace {

bool safe_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return s.find("__") == std::string::npos;  // "__" separates names in run keys
}

bool bits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("01") == std::string::npos;
}

// [campaign]: name, description, mode and the seeds of an optimize campaign.
std::vector<std::uint64_t> read_campaign_table(const TableReader& root, Campaign& c) {
  std::vector<std::uint64_t> seeds;
  const TableReader r = root.table("campaign");
  c.name = r.string_or("name", std::filesystem::path(c.path).stem().string());
  if (!safe_name(c.name)) r.fail("name", "expected letters, digits, '.', '_', '+' or '-'");
  c.description = r.string_or("description", "");
  c.model = r.string_or("model", "");
  if (r.has("model") && !cost::parse_model(c.model))
    r.fail("model", "'" + c.model + "': " + cost::expected_models());
  const std::string mode = r.string_or("mode", "evaluate");
  if (mode == "evaluate") {
    c.mode = Mode::Evaluate;
  } else if (mode == "optimize") {
    c.mode = Mode::Optimize;
  } else {
    r.fail("mode", "expected evaluate or optimize");
  }
  if (const auto* v = r.raw("seeds")) {
    if (v->kind != config::Value::Kind::Array || v->array.empty()) {
      r.fail("seeds", "expected a non-empty list of non-negative integers");
    }
    for (const auto& e : v->array) {
      if (e.kind != config::Value::Kind::Integer || e.integer_value < 0) {
        r.fail_at(e, "campaign.seeds", "expected non-negative integers");
      }
      seeds.push_back(static_cast<std::uint64_t>(e.integer_value));
    }
    if (c.mode != Mode::Optimize) r.fail("seeds", "seeds only apply to mode = \"optimize\"");
  }
  r.finish();
  return seeds;
}

// A [[schedule]] value: a canonical name, per-block time/depth bits, or a schedule file.
template <typename Resolve>
void read_schedule_value(const TableReader& v, Resolve resolve, AxisValue& a) {
  const bool has_bits = v.has("time") || v.has("depth");
  const int given = int(v.has("canonical")) + int(has_bits) + int(v.has("file"));
  if (given > 1) v.fail_here("give one of canonical, time/depth or file");
  if (v.has("canonical")) {
    a.canonical = v.string("canonical");
  } else if (has_bits) {
    a.time_bits = v.string("time");
    a.depth_bits = v.string("depth");
    if (!bits(a.time_bits)) v.fail("time", "expected a string of 0 and 1, one per block");
    if (!bits(a.depth_bits)) v.fail("depth", "expected a string of 0 and 1, one per block");
    a.fuse_barrier = v.boolean_or("fuse_barrier", true);
  } else if (v.has("file")) {
    a.path = resolve(v, "file");
  } else {
    a.canonical = a.name;  // a canonical name as the value's name
  }
  if (!a.canonical.empty() && !schedule::is_canonical_name(a.canonical)) {
    v.fail(v.has("canonical") ? "canonical" : "name",
           "'" + a.canonical +
               "' is not a canonical schedule (TB-LBL, TB-F, ST-LBL, ST-F or HY-<k>, k >= 1 "
               "time-sequential blocks then time-batched, all fused); give time and depth "
               "bits or a schedule file");
  }
}

// One value of an axis (its name, and what the axis needs: a path, a schedule, state bits), with
// `only` restricting it to some values of the first axis.
template <typename Resolve>
AxisValue read_axis_value(const TableReader& v, const std::string& axis_name,
                          const std::string& first, const std::set<std::string>& first_names,
                          std::set<std::string>& names, Resolve resolve) {
  AxisValue a;
  a.name = v.string("name");
  a.line = v.has("name") ? v.raw("name")->line : 0;
  if (!safe_name(a.name)) {
    v.fail("name", "expected 1-64 letters, digits, '.', '_', '+' or '-' (no \"__\")");
  }
  if (!names.insert(a.name).second) v.fail("name", "'" + a.name + "' is used twice");
  if (axis_name == "workload" || axis_name == "hardware" || axis_name == "run") {
    a.path = resolve(v, "path");
  } else if (axis_name == "schedule") {
    read_schedule_value(v, resolve, a);
  } else if (axis_name == "state") {
    a.state_bits = v.string("bits");
    if (!bits(a.state_bits)) v.fail("bits", "expected a string of 0 and 1, one per block");
  } else if (axis_name == "model") {
    if (!cost::parse_model(a.name)) v.fail("name", "'" + a.name + "': " + cost::expected_models());
  }
  if (v.has("only")) {
    if (axis_name == first) v.fail("only", "the first axis cannot be restricted");
    a.only = v.string_list("only");
    for (const auto& o : a.only) {
      if (!first_names.count(o)) {
        v.fail("only", "'" + o + "' is not the name of a [[" + first + "]] value");
      }
    }
  }
  v.finish();
  return a;
}

// The axes of the mode, in grid order ([[workload]]/[[run]], [[hardware]], [[schedule]],
// [[state]]).
template <typename Resolve>
void read_axes(const TableReader& root, Resolve resolve, Campaign& c) {
  const bool eval = c.mode == Mode::Evaluate;
  const std::string first = eval ? "workload" : "run";
  // Which axes each mode knows, in grid order.
  const std::vector<std::string> known =
      eval ? std::vector<std::string>{"workload", "hardware", "schedule", "state", "model"}
           : std::vector<std::string>{"run", "hardware", "state", "model"};
  for (const std::string other : {"workload", "run", "schedule"}) {
    if (root.has(other) && std::find(known.begin(), known.end(), other) == known.end()) {
      root.fail(other, "not an axis of mode \"" + std::string(mode_name(c.mode)) +
                           "\" (evaluate: workload, hardware, schedule, state, model; optimize: "
                           "run, hardware, state, model, campaign.seeds)");
    }
  }
  std::set<std::string> first_names;
  for (const auto& axis_name : known) {
    if (!root.has(axis_name)) {
      if (axis_name == first || (eval && axis_name == "hardware")) {
        root.fail_here("missing [[" + axis_name + "]]: a campaign in mode \"" +
                       std::string(mode_name(c.mode)) + "\" needs at least one");
      }
      continue;
    }
    Axis axis{axis_name, {}};
    std::set<std::string> names;
    for (const TableReader& v : root.table_array(axis_name)) {
      AxisValue a = read_axis_value(v, axis_name, first, first_names, names, resolve);
      if (axis_name == first) first_names.insert(a.name);
      axis.values.push_back(std::move(a));
    }
    if (axis.values.empty()) root.fail(axis_name, "expected at least one value");
    c.axes.push_back(std::move(axis));
  }
}

// campaign.seeds as the last axis of an optimize campaign.
void add_seed_axis(const TableReader& root, const std::vector<std::uint64_t>& seeds, Campaign& c) {
  Axis axis{"seed", {}};
  std::set<std::uint64_t> seen;
  for (auto s : seeds) {
    if (!seen.insert(s).second) {
      root.fail("campaign", "seeds: " + std::to_string(s) + " is listed twice");
    }
    AxisValue a;
    a.name = "seed" + std::to_string(s);
    a.seed = s;
    axis.values.push_back(a);
  }
  c.axes.push_back(std::move(axis));
}

// [evaluate]: options of every evaluate run.
void read_evaluate_table(const TableReader& e, Campaign& c) {
  if (c.mode != Mode::Evaluate) e.fail_here("[evaluate] only applies to mode = \"evaluate\"");
  c.evaluate.order = e.string_or("order", "");
  c.evaluate.lifecycle = e.string_or("state_lifecycle", "");
  c.evaluate.alignment = e.string_or("alignment", "");
  // The schedule's own name tables say what is allowed (one place for every spelling).
  if (!c.evaluate.order.empty() && !schedule::parse_order(c.evaluate.order))
    e.fail("order", "expected " + allowed_names(schedule::kOrderNames));
  if (!c.evaluate.lifecycle.empty() && !schedule::parse_lifecycle(c.evaluate.lifecycle))
    e.fail("state_lifecycle", "expected " + allowed_names(schedule::kLifecycleNames));
  if (!c.evaluate.alignment.empty() && !schedule::parse_alignment(c.evaluate.alignment))
    e.fail("alignment", "expected " + allowed_names(schedule::kAlignmentNames));
  e.finish();
}

// [optimize]: algorithm and budget overrides of every optimize run.
void read_optimize_table(const TableReader& o, Campaign& c) {
  if (c.mode == Mode::Evaluate) o.fail_here("[optimize] only applies to mode = \"optimize\"");
  if (o.has("algorithm")) {
    c.optimize.algorithm = o.string("algorithm");
    const std::string why = search::algorithm_problem(*c.optimize.algorithm);
    if (!why.empty()) o.fail("algorithm", why);
  }
  if (o.has("population")) {
    c.optimize.population = o.positive("population");
    if (*c.optimize.population > 1'000'000) {
      o.fail("population", "expected at most 1000000 individuals");
    }
  }
  // A population that does not suit the algorithm both keys name; when only one is given, the
  // run config's other half is checked with every run before the first (RunExecutor::validate).
  if (c.optimize.algorithm && c.optimize.population) {
    const std::string why =
        search::population_problem(*c.optimize.algorithm, *c.optimize.population);
    if (!why.empty()) o.fail("population", why);
  }
  c.optimize.where = o.document().path + " [optimize]";
  if (o.has("generations")) c.optimize.generations = search::read_generations(o);
  if (o.has("evaluations")) c.optimize.evaluations = o.positive("evaluations");
  if (o.has("wall_time_s")) c.optimize.wall_time_s = o.non_negative_number("wall_time_s");
  o.finish();
}

// [[table]] ratio tables and [[plot]] sweep plots, naming axes and values of this campaign.
void read_tables_and_plots(const TableReader& root, Campaign& c) {
  auto check_axis = [&](const TableReader& r, const std::string& key, const std::string& name) {
    if (name.empty()) return;
    if (!c.axis(name)) r.fail(key, "'" + name + "' is not an axis of this campaign");
  };
  // A metric is a results.csv column of the campaign's mode (a misspelt one filled the table
  // with '-' and the plot with nothing, exit 0).
  auto check_metric = [&](const TableReader& r, const std::string& key, const std::string& name) {
    const auto& names = metric_names(c.mode);
    if (std::find(names.begin(), names.end(), name) != names.end()) return;
    std::string allowed;
    for (const auto& n : names)
      allowed += (allowed.empty() ? "" : ", ") + n;
    r.fail(key, "'" + name + "' is not a metric of " + std::string(mode_name(c.mode)) +
                    " campaigns; expected one of " + allowed);
  };
  if (root.has("table")) {
    for (const TableReader& t : root.table_array("table")) {
      RatioTable rt;
      rt.title = t.string("title");
      rt.metrics = t.string_list("metrics");
      if (rt.metrics.empty()) t.fail("metrics", "expected at least one metric");
      for (const auto& m : rt.metrics)
        check_metric(t, "metrics", m);
      const TableReader b = t.table("baseline");
      for (const auto& [axis_name, value] : t.raw("baseline")->table) {
        const Axis* a = c.axis(axis_name);
        if (!a) b.fail(axis_name, "not an axis of this campaign");
        const std::string v = b.string(axis_name);
        bool found = false;
        for (const auto& av : a->values)
          found = found || av.name == v;
        if (!found) b.fail(axis_name, "'" + v + "' is not a value of axis " + axis_name);
        rt.baseline[axis_name] = v;
      }
      if (rt.baseline.empty()) t.fail("baseline", "expected { axis = \"value name\" }");
      b.finish();
      t.finish();
      c.tables.push_back(std::move(rt));
    }
  }
  if (root.has("plot")) {
    for (const TableReader& p : root.table_array("plot")) {
      SweepPlot sp;
      sp.metric = p.string("metric");
      check_metric(p, "metric", sp.metric);
      sp.x = p.string("x");
      sp.series = p.string_or("series", "");
      sp.title = p.string_or("title", sp.metric + " vs " + sp.x);
      sp.log_y = p.boolean_or("log_y", false);
      check_axis(p, "x", sp.x);
      check_axis(p, "series", sp.series);
      p.finish();
      c.plots.push_back(std::move(sp));
    }
  }
}

}  // namespace

std::string_view mode_name(Mode m) {
  return m == Mode::Evaluate ? "evaluate" : "optimize";
}

const Axis* Campaign::axis(const std::string& name) const {
  for (const auto& a : axes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const AxisValue* RunSpec::value(const std::string& axis) const {
  for (const auto& [name, v] : values) {
    if (name == axis) return &v;
  }
  return nullptr;
}

Campaign load_campaign_file(const std::string& path) {
  const config::Document doc = config::parse_toml_file(path);
  const TableReader root(doc, doc.root, "");
  Campaign c;
  c.path = path;
  auto resolve = [&](const TableReader& r, const std::string& key) {
    const std::string p = config::resolve_relative(path, r.string(key));
    if (!std::filesystem::is_regular_file(p)) r.fail(key, "no such file '" + p + "'");
    return p;
  };
  const std::vector<std::uint64_t> seeds = read_campaign_table(root, c);
  read_axes(root, resolve, c);
  if (c.axis("model") && root.table("campaign").has("model")) {
    root.table("campaign")
        .fail("model", "give either [campaign] model or [[model]] values, not both");
  }
  if (!seeds.empty()) add_seed_axis(root, seeds, c);
  if (auto e = root.optional_table("evaluate")) read_evaluate_table(*e, c);
  if (auto o = root.optional_table("optimize")) read_optimize_table(*o, c);
  // [nir]: what NIR workloads do not carry (the run configs' keys and ranges).
  if (auto n = root.optional_table("nir")) search::read_nir_options(*n, c.nir);
  read_tables_and_plots(root, c);
  root.finish();
  return c;
}

std::vector<RunSpec> expand_grid(const Campaign& c) {
  std::vector<RunSpec> runs;
  std::vector<std::size_t> pick(c.axes.size(), 0);
  if (c.axes.empty()) return runs;
  while (true) {
    RunSpec r;
    const std::string& first = c.axes.front().values[pick[0]].name;
    bool allowed = true;
    for (std::size_t a = 0; a < c.axes.size(); ++a) {
      const AxisValue& v = c.axes[a].values[pick[a]];
      if (!v.only.empty() && std::find(v.only.begin(), v.only.end(), first) == v.only.end()) {
        allowed = false;
      }
      r.values.emplace_back(c.axes[a].name, v);
      if (!r.key.empty()) r.key += "__";
      r.key += v.name;
    }
    if (allowed) {
      r.index = runs.size();
      runs.push_back(std::move(r));
    }
    std::size_t a = c.axes.size();
    while (a > 0) {
      --a;
      if (++pick[a] < c.axes[a].values.size()) break;
      pick[a] = 0;
      if (a == 0) return runs;
    }
  }
}

}  // namespace stems::campaign
