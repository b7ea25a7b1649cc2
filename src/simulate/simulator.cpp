#include "stems/simulate/simulator.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "stems/common/error.hpp"

namespace stems::simulate {

namespace {

std::uint64_t nonzero(const arma::vec& v) {
  const double* p = v.memptr();
  std::uint64_t n = 0;
  for (arma::uword i = 0; i < v.n_elem; ++i)
    n += p[i] != 0.0;
  return n;
}

// Per-thread integer counts: [layer][t] non-zero outputs, [t] non-zero inputs.
struct Counts {
  std::vector<std::vector<std::uint64_t>> layer;
  std::vector<std::uint64_t> input;
};

void run_sample(const Model& m, const EventSet& ev, std::uint64_t sample,
                const std::vector<bool>& stateful, Counts& counts, std::vector<double>& out_sum,
                std::vector<std::vector<std::vector<double>>>* trace) {
  const auto& layers = m.layers();
  const std::size_t L = layers.size();
  std::vector<arma::vec> now(L), prev(L);
  std::vector<NeuronState> state(L);
  for (std::size_t i = 0; i < L; ++i) {
    if (layers[i].neuron) state[i].clear(layers[i].out_shape.size());
    if (layers[i].feeds_recurrent) prev[i].zeros(layers[i].out_shape.size());
  }
  const auto& out_layer = layers[static_cast<std::size_t>(m.output_index())];
  arma::vec acc(out_layer.out_shape.size(), arma::fill::zeros);
  arma::vec x(m.input_size()), current;
  for (std::uint64_t t = 0; t < ev.timesteps; ++t) {
    const float* f = ev.frame(sample, t);
    for (arma::uword k = 0; k < x.n_elem; ++k)
      x[k] = static_cast<double>(f[k]);
    counts.input[t] += nonzero(x);
    for (std::size_t i = 0; i < L; ++i) {
      const SimLayer& l = layers[i];
      const arma::vec& in = l.input < 0 ? x : now[static_cast<std::size_t>(l.input)];
      l.synapse->apply(in, current);
      for (int r : l.recurrent)
        current += prev[static_cast<std::size_t>(r)];
      if (l.neuron) {
        neuron_step(*l.neuron, state[i], current, stateful[i], m.timing().reset, now[i]);
      } else {
        std::swap(now[i], current);
      }
      counts.layer[i][t] += nonzero(now[i]);
      if (trace) (*trace)[i][t].assign(now[i].begin(), now[i].end());
    }
    acc += now[static_cast<std::size_t>(m.output_index())];
    for (std::size_t i = 0; i < L; ++i) {
      if (layers[i].feeds_recurrent) prev[i] = now[i];
    }
  }
  out_sum.assign(acc.begin(), acc.end());
}

}  // namespace

double RunResult::mean_density(std::size_t layer) const {
  const auto& d = density.at(layer);
  return d.empty() ? 0.0 : std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
}

double RunResult::mean_input_density() const {
  return input_density.empty() ? 0.0
                               : std::accumulate(input_density.begin(), input_density.end(), 0.0) /
                                     static_cast<double>(input_density.size());
}

namespace {

unsigned thread_count(const Model& model, std::uint64_t samples) {
  unsigned threads = model.options().threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(
      std::min<std::uint64_t>(threads, std::max<std::uint64_t>(samples, 1)));
}

// Runs every sample (interleaved over the threads), each thread counting into its own Counts;
// fills r.output and, with options.record, r.trace.
std::vector<Counts> run_samples(const Model& model, const EventSet& events,
                                const std::vector<bool>& stateful, const RunOptions& options,
                                RunResult& r) {
  const unsigned threads = thread_count(model, events.samples);
  std::vector<Counts> counts(threads);
  for (auto& c : counts) {
    c.layer.assign(model.layers().size(), std::vector<std::uint64_t>(events.timesteps, 0));
    c.input.assign(events.timesteps, 0);
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&](unsigned k) {
    try {
      for (std::uint64_t s = k; s < events.samples; s += threads) {
        run_sample(model, events, s, stateful, counts[k], r.output[s],
                   options.record && s == 0 ? &r.trace : nullptr);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  if (threads == 1) {
    worker(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned k = 0; k < threads; ++k)
      pool.emplace_back(worker, k);
    for (auto& t : pool)
      t.join();
  }
  if (error) std::rethrow_exception(error);
  return counts;
}

// The threads' integer counts summed in thread order, then divided: densities per layer and
// timestep, and of the input.
void fill_densities(const Model& model, const std::vector<Counts>& counts, RunResult& r) {
  const std::size_t L = model.layers().size();
  const std::uint64_t N = r.samples, T = r.timesteps;
  r.density.assign(L, std::vector<double>(T, 0.0));
  r.input_density.assign(T, 0.0);
  for (std::size_t i = 0; i < L; ++i) {
    const double denom = static_cast<double>(N * model.layers()[i].out_shape.size());
    for (std::uint64_t t = 0; t < T; ++t) {
      std::uint64_t n = 0;
      for (const auto& c : counts)
        n += c.layer[i][t];
      r.density[i][t] = static_cast<double>(n) / denom;
    }
  }
  for (std::uint64_t t = 0; t < T; ++t) {
    std::uint64_t n = 0;
    for (const auto& c : counts)
      n += c.input[t];
    r.input_density[t] = static_cast<double>(n) / static_cast<double>(N * model.input_size());
  }
}

// Per sample: the largest summed output (ties: the lowest index), -1 when it stayed zero.
void fill_predictions(RunResult& r) {
  for (std::uint64_t s = 0; s < r.samples; ++s) {
    const auto& o = r.output[s];
    const bool silent = std::all_of(o.begin(), o.end(), [](double v) { return v == 0.0; });
    r.predicted[s] =
        silent ? -1 : static_cast<int>(std::max_element(o.begin(), o.end()) - o.begin());
  }
}

}  // namespace

RunResult run(const Model& model, const EventSet& events, const std::string& state_bits,
              const RunOptions& options) {
  const std::vector<bool> stateful = model.state_flags(state_bits);
  if (events.frame_size() != model.input_size()) {
    throw InputError("events", "frames have " + std::to_string(events.frame_size()) +
                                   " elements, the model's input has " +
                                   std::to_string(model.input_size()));
  }
  RunResult r;
  r.state_schedule =
      state_bits.empty() ? std::string(static_cast<std::size_t>(model.blocks()), '1') : state_bits;
  r.samples = events.samples;
  r.timesteps = events.timesteps;
  r.output.resize(events.samples);
  r.predicted.assign(events.samples, -1);
  for (const auto& l : model.layers())
    r.spiking.push_back(l.neuron && l.neuron->spiking());
  if (options.record) {
    r.trace.assign(model.layers().size(), std::vector<std::vector<double>>(events.timesteps));
  }
  const std::vector<Counts> counts = run_samples(model, events, stateful, options, r);
  fill_densities(model, counts, r);
  fill_predictions(r);
  return r;
}

double agreement(const RunResult& a, const RunResult& b) {
  if (a.predicted.size() != b.predicted.size() || a.predicted.empty()) return 0.0;
  std::size_t same = 0;
  for (std::size_t s = 0; s < a.predicted.size(); ++s)
    same += a.predicted[s] == b.predicted[s];
  return static_cast<double>(same) / static_cast<double>(a.predicted.size());
}

double accuracy(const RunResult& r, const std::vector<std::int64_t>& labels) {
  if (labels.size() != r.predicted.size() || labels.empty()) return 0.0;
  std::size_t right = 0;
  for (std::size_t s = 0; s < labels.size(); ++s)
    right += r.predicted[s] >= 0 && r.predicted[s] == labels[s];
  return static_cast<double>(right) / static_cast<double>(labels.size());
}

std::map<int, std::pair<double, double>> layer_densities(const Model& model, const RunResult& run) {
  std::map<int, std::pair<double, double>> d;
  const auto& layers = model.layers();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const int in = layers[i].input;
    const double input =
        in < 0 ? run.mean_input_density() : run.mean_density(static_cast<std::size_t>(in));
    d[layers[i].id] = {input, run.mean_density(i)};
  }
  return d;
}

}  // namespace stems::simulate
