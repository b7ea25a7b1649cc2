#pragma once
// Shared by the libFuzzer harnesses in tests/fuzz/ (built with -DSTEMS_FUZZ=ON; see run.sh).
//
// The loaders take file paths, so each harness writes its input to a per-process scratch file and
// loads that. The contract under test is the CLI's: a bad input is rejected with an InputError
// whose message names the file (exit code 2); anything else -- a crash, a sanitizer report, another
// exception, a hang, a huge allocation, or an accepted input whose numbers do not fit their
// counters -- is a finding, reported by aborting so that libFuzzer saves the input.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/report/network_report.hpp"
#include "stems/workload/network.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"
#include "stems/workload/workload_writer.hpp"

namespace stems::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "\n==stems-fuzz== FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void check(bool ok, const std::string& what) {
  if (!ok) finding(what);
}

// A scratch file of this process ending in `suffix`, in $STEMS_FUZZ_TMP, /dev/shm or /tmp; removed
// at exit.
inline std::string scratch_path(const std::string& suffix) {
  std::string dir;
  if (const char* env = std::getenv("STEMS_FUZZ_TMP"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  }
  std::string path = dir;
  path += "/stems_fuzz_";
  path += std::to_string(::getpid());
  path += suffix;
  return path;
}

inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) finding("cannot write the scratch file " + path);
  if (size > 0 && std::fwrite(data, 1, size, f) != size) finding("short write to " + path);
  std::fclose(f);
}

// Removes `path` when the process exits normally (libFuzzer's -max_total_time/-runs end).
inline void remove_at_exit(const std::string& path) {
  static std::string* registered = nullptr;
  if (registered != nullptr) return;
  registered = new std::string(path);
  std::atexit([] { ::unlink(registered->c_str()); });
}

// Runs `load`. Returns true when it succeeded, false when it threw an InputError that names
// `must_name` (skipped when empty); everything else is a finding.
template <class F>
bool accepted(const std::string& must_name, F&& load) {
  try {
    load();
    return true;
  } catch (const InputError& e) {
    const std::string what = e.what();
    if (e.message().empty()) finding("InputError with an empty message: " + what);
    if (!must_name.empty() && what.find(must_name) == std::string::npos) {
      finding("InputError does not name the file " + must_name + ": " + what);
    }
    return false;
  } catch (const std::exception& e) {
    std::string msg = "exception other than InputError (";
    msg += typeid(e).name();
    msg += "): ";
    msg += e.what();
    finding(msg);
  } catch (...) {
    finding("an exception not derived from std::exception");
  }
}

__extension__ typedef unsigned __int128 u128;
inline constexpr u128 kU64Max = ~std::uint64_t{0};

// Invariants of an accepted network: every per-layer and total counter the reports print fits in
// 64 bits (recomputed in 128 bits, so a wrapped product cannot hide), the reports render, and the
// network survives a round trip through the TOML writer (`stems import`) and the TOML loader.
inline void check_network(const workload::Network& net, const std::string& source) {
  using workload::Dim;
  using workload::Layer;
  check(net.layer_count() > 0, source + ": accepted a network without layers");
  check(net.block_count() >= 1, source + ": accepted a network without blocks");
  u128 ops = 0, weights = 0, state = 0;
  for (workload::Vertex v : net.topological_order()) {
    const Layer& l = net.layer(v);
    const std::string who = source + ": layer " + std::to_string(l.id) + " ";
    check(l.block >= 0 && l.block < net.block_count(), who + "has a block outside 0..blocks-1");
    u128 loop = 1;
    for (std::uint64_t s : l.loop) {
      check(s >= 1, who + "has a loop size 0");
      loop *= s;
      check(loop <= kU64Max, who + "operation count exceeds 64 bits");
    }
    const u128 l_ops = l.op == workload::OpType::Flatten ? 0 : loop;
    check(l_ops == l.ops(), who + "ops() wrapped");
    const u128 out_elems =
        u128(l.size(Dim::B)) * l.size(Dim::G) * l.size(Dim::K) * l.size(Dim::OY) * l.size(Dim::OX);
    check(out_elems == l.output_elements_per_timestep(), who + "output elements wrapped");
    const u128 w = workload::has_weights(l.op)
                       ? u128(l.size(Dim::G)) * l.size(Dim::K) * l.size(Dim::C) * l.size(Dim::FY) *
                             l.size(Dim::FX) * l.precision.W
                       : 0;
    check(w <= kU64Max && w == l.weight_bits(), who + "weight bits exceed 64 bits or wrapped");
    const u128 st =
        l.stateful() ? out_elems * l.precision.V * workload::state_variables(l.neuron) : 0;
    check(st <= kU64Max && st == l.state_bits(), who + "state bits exceed 64 bits or wrapped");
    const u128 out_bits = out_elems * l.precision.O * l.size(Dim::T);
    check(out_bits <= kU64Max, who + "output bits over all timesteps exceed 64 bits");
    // The window's extent, clipped to the unpadded input when the layer gives it (ONNX imports).
    auto extent = [&](std::uint64_t o, std::uint64_t f, std::uint32_t s, std::uint32_t d,
                      std::uint32_t clip) -> u128 {
      const u128 e = u128(o - 1) * s + u128(f - 1) * d + 1;
      return clip != 0 && u128(clip) < e ? u128(clip) : e;
    };
    const u128 ey =
        l.op == workload::OpType::Flatten
            ? u128(l.flatten_input[1])
            : extent(l.size(Dim::OY), l.size(Dim::FY), l.stride.y, l.dilation.y, l.input_size.y);
    const u128 ex =
        l.op == workload::OpType::Flatten
            ? u128(l.flatten_input[2])
            : extent(l.size(Dim::OX), l.size(Dim::FX), l.stride.x, l.dilation.x, l.input_size.x);
    check(ey <= kU64Max && ey == l.input_extent_y(), who + "input extent (y) wrapped");
    check(ex <= kU64Max && ex == l.input_extent_x(), who + "input extent (x) wrapped");
    const u128 in_ch = l.input_channels();
    const u128 in_elems = u128(l.size(Dim::B)) * in_ch * ey;
    check(in_elems <= kU64Max && in_elems * ex <= kU64Max, who + "input elements wrapped");
    const u128 in_bits = in_elems * ex * l.precision.I * (l.op == workload::OpType::Add ? 2 : 1);
    check(in_bits * l.size(Dim::T) <= kU64Max,
          who + "input bits over all timesteps exceed 64 bits");
    check(in_bits == l.input_bits_per_timestep(), who + "input bits wrapped");
    ops += l_ops;
    weights += w;
    state += st;
  }
  check(ops <= kU64Max && weights <= kU64Max && state <= kU64Max,
        source + ": network totals exceed 64 bits");
  const workload::NetworkTotals t = net.totals();
  check(t.ops == ops && t.weight_bits == weights && t.state_bits == state,
        source + ": totals() wrapped");

  // What `stems inspect` prints.
  (void)report::network_text(net);
  (void)report::network_json(net).dump(2);

  // The state-schedule string of the network applies back to it.
  workload::Network copy = net;
  workload::apply_state_schedule(copy, workload::current_state_schedule(net), "fuzz");

  // `stems import` writes TOML that `stems inspect` must load back to the same network.
  const std::string toml = workload::to_toml(net, "fuzz round trip");
  workload::Network back;
  try {
    back = workload::load_workload(config::parse_toml_string(toml, "round-trip.toml"));
  } catch (const InputError& e) {
    finding(source + ": the TOML writer produced a file the loader rejects: " + e.what() +
            "\n--- written TOML ---\n" + toml);
  }
  check(back.layer_count() == net.layer_count(), source + ": round trip changed the layer count");
  const workload::NetworkTotals tb = back.totals();
  check(tb.ops == t.ops && tb.weight_bits == t.weight_bits,
        source + ": round trip changed ops or weight bits");
  check(back.block_count() == net.block_count(), source + ": round trip changed the blocks");
}

}  // namespace stems::fuzz
