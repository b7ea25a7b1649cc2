// libFuzzer harness: hardware TOML files (stems::hardware::load_hardware_file), as `stems hardware`
// and every --hardware option read them. An accepted accelerator is reported (text and JSON), its
// closed-form bounds are computed for a small network (`inspect --hardware`), and that network is
// scheduled on it (`evaluate`): a hardware the loader accepts must never crash the cost model;
// it may only be refused with an InputError.
#include <cmath>
#include <optional>

#include "fuzz_common.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/hardware_report.hpp"
#include "stems/report/schedule_report.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/schedule/scheduler.hpp"

namespace {

// Two blocks: a 4-bit-input conv with a PLIF neuron, a pool and a linear readout (small, so that
// the loop-nest search stays fast whatever the hardware).
const char* kNetwork = R"(
[workload]
name = "fuzz_small"
timesteps = 4
[[layer]]
id = 0
op = "conv2d"
block = 0
K = 8
C = 2
OY = 8
OX = 8
FY = 3
FX = 3
padding = 1
neuron = "PLIF"
precision = { W = 4, I = 4, O = 1, V = 12 }
[[layer]]
id = 1
op = "maxpool"
block = 1
K = 8
OY = 4
OX = 4
FY = 2
FX = 2
precision = { I = 1, O = 1 }
inputs = { I = 0 }
[[layer]]
id = 2
op = "linear"
block = 1
K = 10
C = 128
neuron = "LIF"
precision = { W = 4, I = 1, O = 1, V = 12 }
inputs = { I = 1 }
[[layer]]
id = 3
op = "add"
block = 1
K = 10
OY = 1
OX = 1
precision = { I = 1, O = 1 }
inputs = { X = 2, Y = 2 }
)";

const stems::workload::Network& network() {
  static const stems::workload::Network net =
      stems::workload::load_workload(stems::config::parse_toml_string(kNetwork, "fuzz_small"));
  return net;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stems;
  static const std::string path = fuzz::scratch_path("_hardware.toml");
  fuzz::remove_at_exit(path);
  fuzz::write_file(path, data, size);
  std::optional<hardware::Accelerator> acc;
  if (!fuzz::accepted(path, [&] { acc = hardware::load_hardware_file(path); })) return 0;
  (void)report::accelerator_text(*acc);
  (void)report::accelerator_json(*acc).dump(2);
  const workload::Network& net = network();
  // Bounds and evaluation may refuse the pair (no core runs an operator, a precision does not fit
  // a register): an InputError, whose place is the hardware or the layer.
  fuzz::accepted("", [&] {
    const cost::Bounds b = cost::compute_bounds(net, *acc);
    (void)report::bounds_text(b);
  });
  for (const char* time : {"11", "01"}) {
    fuzz::accepted("", [&] {
      const schedule::Schedule s = schedule::schedule_from_bits(net, time, "10", true);
      cost::NodeCostCache cache(*acc);
      const schedule::ScheduleResult r = schedule::evaluate_schedule(net, *acc, s, cache);
      fuzz::check(std::isfinite(r.energy_pJ) && r.energy_pJ >= 0 && r.latency_cycles >= 0,
                  "evaluation gave a negative or non-finite energy or a negative latency");
      // What `stems evaluate` prints (a huge latency once printed as "0 cycles").
      (void)report::schedule_text(net, *acc, s, r);
      (void)report::schedule_json(net, *acc, s, r).dump(2);
    });
  }
  return 0;
}
