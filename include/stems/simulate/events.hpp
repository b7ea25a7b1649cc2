#pragma once
// Event inputs of the simulator: per sample, T frames shaped like the network input (C x H x W
// spike counts for a conv net, C values for a fully connected one), optionally one label per
// sample.
//
// File format (README "Simulation"): a NumPy .npy array, T x <input shape> for one sample or
// N x T x <input shape> for N samples (bool, integer or float; counts or values); labels, when
// given, are a separate .npy vector of N integers (class indices).
//
// The synthetic generator draws, for every sample, timestep and input element, a Poisson count
// of mean `rate` from one std::mt19937_64 seeded with `seed`. Uniforms are made from the raw
// 64-bit draws (the top 53 bits) and the counts by inversion, so the same seed gives the same
// events on every platform (std::*_distribution is implementation-defined).

#include <cstdint>
#include <string>
#include <vector>

namespace stems::simulate {

struct EventSet {
  std::uint64_t samples = 0;
  std::uint64_t timesteps = 0;
  std::vector<std::uint64_t> frame_shape;  // the network input's shape
  std::vector<float> values;               // sample-major, then timestep, then frame (C order)
  std::vector<std::int64_t> labels;        // empty, or one class index per sample

  std::uint64_t frame_size() const;
  const float* frame(std::uint64_t sample, std::uint64_t t) const {
    return values.data() + (sample * timesteps + t) * frame_size();
  }
};

// Reads a .npy event file for a network whose input has `frame_shape`. Throws InputError naming
// the file and the expected shapes when they do not match.
EventSet load_events(const std::string& path, const std::vector<std::uint64_t>& frame_shape);

// Reads a .npy label vector (N integers >= 0) for `events`. Throws InputError naming the file.
void load_labels(EventSet& events, const std::string& path);

// Synthetic Poisson events (see above). Throws InputError("--poisson", ...) for a rate outside
// (0, 100].
EventSet poisson_events(const std::vector<std::uint64_t>& frame_shape, std::uint64_t samples,
                        std::uint64_t timesteps, double rate, std::uint64_t seed);

// Writes `events` as N x T x <frame shape> (uint8 when every value is an integer 0..255, else
// float32) and, when there are labels, nothing else: labels go to their own file.
void save_events(const std::string& path, const EventSet& events);

// Keeps the first `n` samples (n = 0 or n >= samples: all).
void keep_first_samples(EventSet& events, std::uint64_t n);

}  // namespace stems::simulate
