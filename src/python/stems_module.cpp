// The Python extension `stems._stems` (pybind11): the commands of the CLI as functions returning
// plain dicts and lists, with exactly the keys and values of their --json output. The package
// `stems` (src/python/stems/__init__.py) wraps it with keyword defaults and run dicts.
//
// Long calls run on a worker thread with the GIL released; the calling thread checks for Ctrl-C
// every 100 ms: a search then stops after its current generation (the partial front is kept in
// stems.last_result and written when out= was given) and KeyboardInterrupt is raised. Bad input
// (stems::InputError) raises ValueError with the CLI's message.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <sstream>

#include "stems/cli/commands.hpp"
#include "stems/cli/simulate_command.hpp"
#include "stems/common/allocator.hpp"
#include "stems/common/error.hpp"
#include "stems/common/subprocess.hpp"

namespace py = pybind11;
using stems::report::Json;

namespace {

// A JSON value as Python objects: numbers keep their exact value (a non-finite float is None,
// as nlohmann's dump writes null for it, so the dict equals the CLI's JSON parsed by Python).
py::object to_python(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case Json::value_t::number_float: {
      const double v = j.get<double>();
      if (!std::isfinite(v)) return py::none();
      return py::float_(v);
    }
    case Json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case Json::value_t::array: {
      py::list list;
      for (const auto& e : j)
        list.append(to_python(e));
      return list;
    }
    case Json::value_t::object: {
      py::dict dict;
      for (const auto& [key, value] : j.items())
        dict[py::str(key)] = to_python(value);
      return dict;
    }
    default:
      return py::none();
  }
}

// Runs `work` on a worker thread with the GIL released and checks for Ctrl-C every 100 ms; on
// Ctrl-C sets *stop (when given), waits for the work to end and returns false with Python's
// KeyboardInterrupt set. Exceptions of the work are rethrown here.
template <typename Work>
bool run_interruptible(Work&& work, std::atomic<bool>* stop) {
  stems::subprocess::reset_cancel();
  std::future<void> done = std::async(std::launch::async, std::forward<Work>(work));
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      py::gil_scoped_acquire acquire;
      if (!interrupted && PyErr_CheckSignals() != 0) {
        interrupted = true;
        if (stop) stop->store(true);
        stems::subprocess::request_cancel();  // external accuracy commands too
      }
    }
  }
  done.get();  // rethrows the work's exception
  return !interrupted;
}

// The CLI's ranges (--timesteps 1..1000000, bits 1..64), as ValueError naming the keyword.
stems::nir::NirOptions nir_options(std::uint64_t timesteps, std::uint32_t weight_bits,
                                   std::uint32_t state_bits, std::uint32_t input_bits) {
  if (timesteps < 1 || timesteps > 1'000'000) {
    throw stems::InputError("timesteps", "expected 1 to 1000000, got " + std::to_string(timesteps));
  }
  const std::pair<const char*, std::uint32_t> bits[] = {
      {"weight_bits", weight_bits}, {"state_bits", state_bits}, {"input_bits", input_bits}};
  for (const auto& [name, b] : bits) {
    if (b < 1 || b > 64)
      throw stems::InputError(name, "expected 1 to 64, got " + std::to_string(b));
  }
  stems::nir::NirOptions o;
  o.timesteps = timesteps;
  o.weight_bits = weight_bits;
  o.state_bits = state_bits;
  o.input_bits = input_bits;
  return o;
}

// A command's JSON, computed off the GIL.
template <typename Compute>
py::object command_json(Compute compute) {
  Json j;
  if (!run_interruptible([&] { j = compute().json; }, nullptr)) throw py::error_already_set();
  return to_python(j);
}

py::object evaluate(const stems::cli::EvaluateOptions& o) {
  return command_json([&] { return stems::cli::evaluate_output(o); });
}

py::object optimize(stems::cli::OptimizeOptions o, bool full) {
  std::atomic<bool> stop{false};
  std::optional<stems::cli::OptimizeOutput> output;
  std::ostringstream log;  // the CLI's announcement line, not printed from Python
  const bool finished = run_interruptible(
      [&] { output = stems::cli::optimize_output(o, nullptr, &stop, log); }, &stop);
  py::object result = to_python(output ? output->pareto : Json());
  py::module_::import("stems").attr("last_result") = result;
  if (!finished) throw py::error_already_set();  // KeyboardInterrupt, front kept above
  return full ? result : py::object(result["front"]);
}

py::object simulate(const stems::cli::SimulateOptions& o) {
  Json j;
  const bool finished = run_interruptible(
      [&] {
        std::ostringstream text;
        stems::cli::SimulateOptions q = o;
        q.request.json = "";  // the report comes back as the return value
        j = stems::cli::simulate_output(q, text);
      },
      nullptr);
  if (!finished) throw py::error_already_set();
  return to_python(j);
}

void def_inspect(py::module_& m) {
  m.def(
      "inspect",
      [](const std::string& workload, const std::string& state_schedule,
         const std::string& hardware, std::uint64_t timesteps, std::uint32_t weight_bits,
         std::uint32_t state_bits, std::uint32_t input_bits) {
        stems::cli::InspectOptions o{workload, state_schedule, hardware, "",
                                     nir_options(timesteps, weight_bits, state_bits, input_bits)};
        return command_json([&] { return stems::cli::inspect_output(o); });
      },
      py::arg("workload"), py::arg("state_schedule") = "", py::arg("hardware") = "",
      py::arg("timesteps") = 16, py::arg("weight_bits") = 8, py::arg("state_bits") = 16,
      py::arg("input_bits") = 1, "A workload's layers and totals (`stems inspect --json`).");
}

void def_hardware(py::module_& m) {
  m.def(
      "hardware",
      [](const std::string& hardware) {
        stems::cli::HardwareOptions o{hardware, ""};
        return command_json([&] { return stems::cli::hardware_output(o); });
      },
      py::arg("hardware"), "An accelerator description (`stems hardware --json`).");
}

void def_explain(py::module_& m) {
  m.def(
      "explain",
      [](const std::string& workload, const std::string& hardware, int layer,
         const std::string& state_schedule, std::uint64_t time_tile, std::uint64_t ox_tile,
         std::size_t lpf_limit, std::uint64_t timesteps, std::uint32_t weight_bits,
         std::uint32_t state_bits, std::uint32_t input_bits, const std::string& model) {
        stems::cli::ExplainOptions o;
        o.workload = workload;
        o.hardware = hardware;
        o.layer = layer;
        o.state_schedule = state_schedule;
        o.time_tile = time_tile;
        o.ox_tile = ox_tile;
        o.lpf_limit = lpf_limit;
        o.model = model;
        o.nir = nir_options(timesteps, weight_bits, state_bits, input_bits);
        return command_json([&] { return stems::cli::explain_output(o); });
      },
      py::arg("workload"), py::arg("hardware"), py::arg("layer"), py::arg("state_schedule") = "",
      py::arg("time_tile") = 0, py::arg("ox_tile") = 0, py::arg("lpf_limit") = 6,
      py::arg("timesteps") = 16, py::arg("weight_bits") = 8, py::arg("state_bits") = 16,
      py::arg("input_bits") = 1, py::arg("model") = "",
      "One layer's best loop nest (`stems explain --json`); model: physical (default), stems or "
      "physical-reserved.");
}

void def_evaluate(py::module_& m) {
  m.def(
      "evaluate",
      [](const std::string& workload, const std::string& hardware, const std::string& time_schedule,
         const std::string& depth_schedule, const std::string& state_schedule,
         const std::string& schedule, const std::string& order, const std::string& state_lifecycle,
         const std::string& alignment, bool no_fuse_barrier, const std::string& trace,
         std::uint64_t timesteps, std::uint32_t weight_bits, std::uint32_t state_bits,
         std::uint32_t input_bits, const std::string& model) {
        stems::cli::EvaluateOptions o;
        o.model = model;
        o.workload = workload;
        o.hardware = hardware;
        o.time_bits = time_schedule;
        o.depth_bits = depth_schedule;
        o.state_schedule = state_schedule;
        o.schedule_file = schedule;
        o.order = order;
        o.lifecycle = state_lifecycle;
        o.alignment = alignment;
        o.no_fuse_barrier = no_fuse_barrier;
        o.trace = trace;
        o.nir = nir_options(timesteps, weight_bits, state_bits, input_bits);
        return evaluate(o);
      },
      py::arg("workload"), py::arg("hardware"), py::arg("time_schedule") = "",
      py::arg("depth_schedule") = "", py::arg("state_schedule") = "", py::arg("schedule") = "",
      py::arg("order") = "", py::arg("state_lifecycle") = "", py::arg("alignment") = "",
      py::arg("no_fuse_barrier") = false, py::arg("trace") = "", py::arg("timesteps") = 16,
      py::arg("weight_bits") = 8, py::arg("state_bits") = 16, py::arg("input_bits") = 1,
      py::arg("model") = "",
      "A whole network under a schedule (`stems evaluate --json`); model: physical (default), "
      "stems or physical-reserved.");
}

void def_optimize(py::module_& m) {
  m.def(
      "optimize",
      [](const std::string& run, const std::string& out, std::optional<std::uint64_t> seed,
         std::optional<unsigned> threads, bool exhaustive, bool full,
         const std::string& initial_population) {
        stems::cli::OptimizeOptions o;
        o.run = run;
        o.out = out;
        o.write_files = !out.empty();
        o.seed = seed;
        o.threads = threads;
        o.exhaustive = exhaustive;
        o.initial_population = initial_population;
        return optimize(o, full);
      },
      py::arg("run"), py::arg("out") = "", py::arg("seed") = py::none(),
      py::arg("threads") = py::none(), py::arg("exhaustive") = false, py::arg("full") = false,
      py::arg("initial_population") = "",
      "Search a run file: the front (pareto.json's records); files only when out is given.");
}

void def_simulate(py::module_& m) {
  m.def(
      "simulate",
      [](const std::string& model, const std::string& inputs, const std::string& labels,
         std::optional<double> poisson, std::uint64_t samples, std::uint64_t seed,
         const std::vector<std::string>& state_schedules, std::optional<double> dt_s,
         const std::string& reset, unsigned threads, std::uint64_t timesteps,
         std::uint32_t weight_bits, std::uint32_t state_bits, std::uint32_t input_bits) {
        stems::cli::SimulateOptions o;
        o.request.model = model;
        o.request.inputs = inputs;
        o.request.labels = labels;
        o.request.poisson_rate = poisson;
        o.request.samples = samples;
        o.request.seed = seed;
        o.request.state_schedules = state_schedules;
        if (dt_s) o.request.sim.dt_s = *dt_s;  // else the file's /node/metadata/dt, else 1e-3
        o.request.sim.threads = threads;
        o.reset = reset;
        o.nir = nir_options(timesteps, weight_bits, state_bits, input_bits);
        return simulate(o);
      },
      py::arg("model"), py::arg("inputs") = "", py::arg("labels") = "",
      py::arg("poisson") = py::none(), py::arg("samples") = 0, py::arg("seed") = 42,
      py::arg("state_schedules") = std::vector<std::string>{}, py::arg("dt_s") = py::none(),
      py::arg("reset") = "", py::arg("threads") = 0, py::arg("timesteps") = 16,
      py::arg("weight_bits") = 8, py::arg("state_bits") = 16, py::arg("input_bits") = 1,
      "Simulate a NIR model (`stems simulate --json`).");
}

}  // namespace

PYBIND11_MODULE(_stems, m) {
  m.doc() = "stems: spatial-temporal mapping and neuron-state exploration for SNN accelerators";
  // Not applied at import: it changes the whole process's allocator (allocator.hpp), which a
  // Python process shares with NumPy and PyTorch; the caller opts in.
  m.def("keep_freed_memory_for_reuse", &stems::keep_freed_memory_for_reuse,
        "Set glibc's allocator as the stems executable does (freed heap kept for the next "
        "evaluation: about 3x on depth-first co-design genomes; each arena keeps up to 256 MiB). "
        "Process-wide and not undoable; returns whether it was applied.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const stems::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  def_inspect(m);
  def_hardware(m);
  def_explain(m);
  def_evaluate(m);
  def_optimize(m);
  def_simulate(m);
}
