#include "stems/cli/simulate_command.hpp"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/nir/nir_model.hpp"
#include "stems/report/table.hpp"
#include "stems/search/simulated_accuracy.hpp"
#include "stems/simulate/activity.hpp"
#include "stems/simulate/events.hpp"
#include "stems/simulate/simulator.hpp"
#include "stems/simulate/timing.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_writer.hpp"

namespace stems::cli {

// This command is the simulator's front end: its types are used throughout.
using namespace simulate;  // NOLINT(google-build-using-namespace)

namespace {

using Json = nlohmann::ordered_json;
using report::fixed;

std::string shape_text(const std::vector<std::uint64_t>& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += "x";
    out += std::to_string(s[i]);
  }
  return out;
}

std::uint64_t state_bits_of(workload::Network net, const std::string& bits) {
  workload::apply_state_schedule(net, bits);  // a one-off variant for the report
  return net.totals().state_bits;
}

// What one `stems simulate` run computed, for the JSON report, the text and the workload file.
struct Simulated {
  const SimulateRequest& q;
  const nir::NirOptions& nir_options;
  const nir::NirModel& nir;
  const Model& model;
  const EventSet& events;
  const std::vector<RunResult>& runs;  // the fully stateful run first
  double seconds = 0;
  unsigned threads = 1;
};

Json simulation_json(const Simulated& x) {
  const SimulateRequest& q = x.q;
  const EventSet& events = x.events;
  const RunResult& ref = x.runs.front();
  const bool labelled = !events.labels.empty();
  const auto& layers = x.model.layers();
  const auto& out_layer = layers[static_cast<std::size_t>(x.model.output_index())];
  Json j;
  j["model"] = q.model;
  if (q.poisson_rate) {
    j["inputs"] = {{"poisson_rate", *q.poisson_rate}, {"seed", q.seed}};
  } else {
    j["inputs"] = q.inputs;
  }
  if (labelled) j["labels"] = q.labels;
  j["samples"] = events.samples;
  j["timesteps"] = events.timesteps;
  j["dt_s"] = x.model.timing().dt_s;  // what was used: the flag's, the file's or the default
  j["reset"] = x.model.timing().reset == Reset::Subtract ? "subtract" : "to_v_reset";
  j["seconds"] = x.seconds;
  j["output_layer"] = out_layer.id;
  j["layers"] = Json::array();
  for (const auto& l : layers) {
    j["layers"].push_back({{"id", l.id},
                           {"name", l.name},
                           {"block", l.block},
                           {"neurons", l.neuron.has_value()},
                           {"outputs", l.out_shape.size()}});
  }
  j["input_density_per_timestep"] = ref.input_density;
  j["runs"] = Json::array();
  for (const auto& r : x.runs) {
    Json jr;
    jr["state_schedule"] = r.state_schedule;
    jr["reference"] = &r == &ref;
    jr["state_bits"] = state_bits_of(x.nir.network, r.state_schedule);
    jr["agreement"] = agreement(r, ref);
    if (labelled) jr["accuracy"] = accuracy(r, events.labels);
    jr["silent_samples"] = std::count(r.predicted.begin(), r.predicted.end(), -1);
    jr["layers"] = Json::array();
    for (std::size_t i = 0; i < layers.size(); ++i) {
      jr["layers"].push_back({{"id", layers[i].id},
                              {"density_mean", r.mean_density(i)},
                              {"density_per_timestep", r.density[i]}});
    }
    jr["predicted"] = r.predicted;
    jr["output_spike_counts"] = r.output;
    j["runs"].push_back(std::move(jr));
  }
  return j;
}

// The workload with the stateful run's spike densities (--workload-out).
void write_workload_with_densities(const Simulated& x) {
  const SimulateRequest& q = x.q;
  const nir::NirOptions& nir_options = x.nir_options;
  const EventSet& events = x.events;
  const RunResult& ref = x.runs.front();
  const Model& model = x.model;
  const nir::NirModel& nir = x.nir;
  workload::Network net = nir.network;
  const auto d = layer_densities(model, ref);
  for (workload::Vertex v : net.topological_order()) {
    auto& l = net.mutable_layer(v);
    l.input_density = d.at(l.id).first;
    l.output_density = d.at(l.id).second;
  }
  std::string header = "Imported from ";
  header += q.model;
  header += " by `stems simulate --workload-out`, with the spike densities measured on ";
  header += std::to_string(events.samples);
  header += " samples x ";
  header += std::to_string(events.timesteps);
  header += " timesteps (all state kept).\nT = ";
  header += std::to_string(nir_options.timesteps);
  header += ", weights " + std::to_string(nir_options.weight_bits);
  header += " b, state/currents " + std::to_string(nir_options.state_bits) + " b.";
  write_file_atomically(q.workload_out, workload::to_toml(net, header));
}

// Per state schedule: state bits, agreement with the stateful network, accuracy, silent samples.
report::TextTable schedule_table(const Simulated& x) {
  const EventSet& events = x.events;
  const RunResult& ref = x.runs.front();
  const bool labelled = !events.labels.empty();
  const nir::NirModel& nir = x.nir;
  const auto& runs = x.runs;
  std::vector<std::string> sh = {"state schedule", "state bits", "agreement"};
  if (labelled) sh.push_back("accuracy");
  sh.push_back("silent samples");
  report::TextTable st(sh);
  for (const auto& r : runs) {
    std::vector<std::string> row = {
        r.state_schedule, report::with_commas(state_bits_of(nir.network, r.state_schedule)),
        fixed(agreement(r, ref), 3)};
    if (labelled) row.push_back(fixed(accuracy(r, events.labels), 3));
    row.push_back(std::to_string(std::count(r.predicted.begin(), r.predicted.end(), -1)));
    st.add_row(row);
  }
  return st;
}

void print_simulation(const Simulated& x, std::ostream& out) {
  const SimulateRequest& q = x.q;
  const EventSet& events = x.events;
  const Model& model = x.model;
  const auto& runs = x.runs;
  const RunResult& ref = runs.front();
  const bool labelled = !events.labels.empty();
  const auto& layers = model.layers();
  const auto& out_layer = layers[static_cast<std::size_t>(model.output_index())];
  const std::string all_kept(static_cast<std::size_t>(model.blocks()), '1');
  const unsigned threads = x.threads;
  const double seconds = x.seconds;
  out << "model " << q.model << ": " << layers.size() << " layers, " << model.blocks()
      << " blocks, input " << shape_text(model.input_shape()) << ", output layer '"
      << out_layer.name << "' (" << out_layer.out_shape.size() << " outputs)\n";
  out << "inputs: " << events.samples << " samples x " << events.timesteps << " timesteps";
  if (q.poisson_rate) {
    out << " (Poisson, rate " << *q.poisson_rate << ", seed " << q.seed << ")";
  } else {
    out << " from " << q.inputs;
  }
  out << ", input density " << fixed(ref.mean_input_density(), 4) << (labelled ? ", labelled" : "")
      << "\n";
  out << "simulated " << runs.size() << " state schedule" << (runs.size() > 1 ? "s" : "") << " in "
      << fixed(seconds, 2) << " s (" << threads << (threads == 1 ? " thread" : " threads") << ", "
      << describe_timing(model.timing()) << ")\n\n";

  std::vector<std::string> head = {"id", "name", "block", "neurons"};
  for (const auto& r : runs)
    head.push_back("density " + r.state_schedule);
  report::TextTable t(head);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::vector<std::string> row = {std::to_string(layers[i].id), layers[i].name,
                                    std::to_string(layers[i].block),
                                    layers[i].neuron ? "yes" : "-"};
    for (const auto& r : runs)
      row.push_back(fixed(r.mean_density(i), 4));
    t.add_row(row);
  }
  out << "mean output density per layer (fraction of non-zero outputs per timestep)\n"
      << t.render() << "\n";

  std::vector<std::string> th = {"id", "name"};
  for (std::uint64_t k = 0; k < events.timesteps; ++k)
    th.push_back("t" + std::to_string(k));
  report::TextTable pt(th);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::vector<std::string> row = {std::to_string(layers[i].id), layers[i].name};
    for (double d : ref.density[i])
      row.push_back(fixed(d, 3));
    pt.add_row(row);
  }
  out << "density per timestep, all state kept (" << all_kept << ")\n" << pt.render() << "\n";

  std::vector<double> totals(out_layer.out_shape.size(), 0.0);
  for (const auto& o : ref.output) {
    for (std::size_t k = 0; k < o.size() && k < totals.size(); ++k)
      totals[k] += o[k];
  }
  out << "output spike counts per class, all state kept (sum over samples):";
  for (double v : totals)
    out << " " << fixed(v, out_layer.neuron && out_layer.neuron->spiking() ? 0 : 3);
  out << "\n\n";

  const report::TextTable st = schedule_table(x);
  out << "predicted class against the fully stateful network (" << all_kept << ")\n" << st.render();
  if (!q.json.empty()) out << "JSON written to " << q.json << "\n";
  if (!q.workload_out.empty())
    out << "workload with densities written to " << q.workload_out << "\n";
}

}  // namespace

Json simulate_json(const SimulateRequest& q, const nir::NirOptions& nir_options,
                   std::ostream& out) {
  if (q.inputs.empty() == !q.poisson_rate.has_value()) {
    throw InputError("--inputs",
                     "give either --inputs EVENTS.npy or --poisson RATE (synthetic events)");
  }
  if (!q.labels.empty() && q.inputs.empty()) {
    throw InputError("--labels", "labels go with an --inputs file, not with --poisson");
  }
  const nir::NirModel nir = nir::load_nir_model(q.model, nir_options);
  const Model model(nir, q.sim);
  for (const auto& s : q.state_schedules)
    model.state_flags(s);  // validate before simulating anything
  EventSet events;
  if (q.poisson_rate) {
    events = poisson_events(model.input_shape(), q.samples == 0 ? 10 : q.samples,
                            nir_options.timesteps, *q.poisson_rate, q.seed);
  } else {
    events = load_events(q.inputs, model.input_shape());
    if (!q.labels.empty()) load_labels(events, q.labels);
    keep_first_samples(events, q.samples);
  }
  if (!q.write_inputs.empty()) save_events(q.write_inputs, events);

  const auto start = std::chrono::steady_clock::now();
  const std::string all_kept(static_cast<std::size_t>(model.blocks()), '1');
  std::vector<RunResult> runs;
  runs.push_back(run(model, events, all_kept));
  // Silent or saturated: almost always a dt that does not suit the model (say so loudly).
  if (const Activity a = check_activity(runs.front()); !a.ok()) {
    std::cerr << activity_warning(a, model.timing());
  }
  for (const auto& s : q.state_schedules) {
    if (s != all_kept) runs.push_back(run(model, events, s));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  unsigned threads = q.sim.threads ? q.sim.threads : std::thread::hardware_concurrency();
  threads = std::max(1u, threads);
  const Simulated x{q, nir_options, nir, model, events, runs, seconds, threads};
  const Json j = simulation_json(x);
  if (!q.json.empty()) write_file_atomically(q.json, j.dump(2) + "\n");
  if (!q.workload_out.empty()) write_workload_with_densities(x);
  if (q.json != "-") print_simulation(x, out);
  return j;
}

int run_simulate_command(const SimulateRequest& q, const nir::NirOptions& nir_options,
                         std::ostream& out) {
  simulate_json(q, nir_options, out);
  return kExitOk;
}

Json simulate_output(SimulateOptions o, std::ostream& out) {
  if (!o.reset.empty()) {  // not given: the file's rule, else to v_reset
    const auto r = parse_name(kResetNames, o.reset);
    if (!r)
      throw InputError("--reset", "'" + o.reset + "': expected value (to v_reset) or subtract");
    o.request.sim.reset = *r;
  }
  return simulate_json(o.request, o.nir, out);
}

int run_simulate(SimulateOptions o, std::ostream& out) {
  simulate_output(std::move(o), out);
  return kExitOk;
}

}  // namespace stems::cli
