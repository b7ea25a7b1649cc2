#include "stems/simulate/events.hpp"

#include <cmath>
#include <random>

#include "stems/common/error.hpp"
#include "stems/simulate/npy.hpp"

namespace stems::simulate {

namespace {

std::string shape_text(const std::vector<std::uint64_t>& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  out += ")";
  return out;
}

// A uniform double in [0, 1) from the top 53 bits of one raw 64-bit draw.
double uniform01(std::mt19937_64& gen) {
  return static_cast<double>(gen() >> 11) * 0x1.0p-53;
}

}  // namespace

std::uint64_t EventSet::frame_size() const {
  std::uint64_t n = 1;
  for (auto d : frame_shape)
    n *= d;
  return n;
}

EventSet load_events(const std::string& path, const std::vector<std::uint64_t>& frame_shape) {
  NpyArray a = read_npy(path);
  const std::size_t r = frame_shape.size();
  std::vector<std::uint64_t> tail;
  EventSet e;
  e.frame_shape = frame_shape;
  if (a.shape.size() == r + 1) {
    e.samples = 1;
    e.timesteps = a.shape[0];
    tail.assign(a.shape.begin() + 1, a.shape.end());
  } else if (a.shape.size() == r + 2) {
    e.samples = a.shape[0];
    e.timesteps = a.shape[1];
    tail.assign(a.shape.begin() + 2, a.shape.end());
  }
  if (tail != frame_shape) {
    throw InputError(path, "events have shape " + shape_text(a.shape) + "; the network input is " +
                               shape_text(frame_shape) + ", so expected T x " +
                               shape_text(frame_shape) + " or N x T x " + shape_text(frame_shape));
  }
  if (e.samples == 0 || e.timesteps == 0) {
    throw InputError(path,
                     "events have shape " + shape_text(a.shape) + ": no samples or timesteps");
  }
  e.values = std::move(a.values);
  return e;
}

void load_labels(EventSet& events, const std::string& path) {
  const NpyArray a = read_npy(path);
  if (a.shape.size() != 1 || a.shape[0] != events.samples) {
    throw InputError(path, "labels have shape " + shape_text(a.shape) + "; expected (" +
                               std::to_string(events.samples) + ",), one per sample");
  }
  events.labels.clear();
  for (float v : a.values) {
    if (v < 0 || v != std::floor(v)) {
      throw InputError(path, "labels must be class indices (integers >= 0)");
    }
    events.labels.push_back(static_cast<std::int64_t>(v));
  }
}

EventSet poisson_events(const std::vector<std::uint64_t>& frame_shape, std::uint64_t samples,
                        std::uint64_t timesteps, double rate, std::uint64_t seed) {
  if (!(rate > 0 && rate <= 100)) {
    throw InputError("--poisson", "the rate must be in (0, 100] events per element and timestep");
  }
  if (samples == 0 || timesteps == 0) {
    throw InputError("--poisson", "needs at least one sample and one timestep");
  }
  EventSet e;
  e.frame_shape = frame_shape;
  e.samples = samples;
  e.timesteps = timesteps;
  const std::uint64_t n = samples * timesteps * e.frame_size();
  if (n > (std::uint64_t{1} << 31)) throw InputError("--poisson", "too many events to generate");
  e.values.resize(n);
  std::mt19937_64 gen(seed);
  const double p0 = std::exp(-rate);
  for (float& v : e.values) {
    // Inversion: the smallest k with P(X <= k) > u.
    const double u = uniform01(gen);
    double p = p0, cdf = p0;
    int k = 0;
    while (u >= cdf && k < 1000) {
      ++k;
      p *= rate / k;
      cdf += p;
    }
    v = static_cast<float>(k);
  }
  return e;
}

void save_events(const std::string& path, const EventSet& events) {
  bool bytes = true;
  for (float v : events.values) {
    if (v < 0 || v > 255 || v != std::floor(v)) {
      bytes = false;
      break;
    }
  }
  std::vector<std::uint64_t> shape = {events.samples, events.timesteps};
  shape.insert(shape.end(), events.frame_shape.begin(), events.frame_shape.end());
  write_npy(path, shape, events.values, bytes ? NpyType::U8 : NpyType::F32);
}

void keep_first_samples(EventSet& events, std::uint64_t n) {
  if (n == 0 || n >= events.samples) return;
  events.values.resize(n * events.timesteps * events.frame_size());
  events.samples = n;
  if (!events.labels.empty()) events.labels.resize(n);
}

}  // namespace stems::simulate
