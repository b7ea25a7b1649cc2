// libFuzzer harness: schedules for `stems evaluate` on SEW-ResNet (configs/workloads/
// sew_resnet_7b.toml) and the three-core Meta-prototype
// (configs/hardware/meta_proto_1mb_3core.toml).
//
// Two input forms:
//  * a schedule TOML file (`--schedule FILE`, stems::schedule::load_schedule_file);
//  * "bits\n" followed by lines: time bits, depth bits, state bits, "nobarrier" or anything,
//    order, lifecycle, alignment -- the command-line strings (--time-schedule, --depth-schedule,
//    --state-schedule, --no-fuse-barrier, --order, --state-lifecycle, --alignment).
// An accepted schedule is cut into computation nodes and evaluated: the scheduler must finish with
// finite numbers or refuse with an InputError.
#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/schedule_report.hpp"
#include "stems/schedule/cn_graph.hpp"
#include "stems/schedule/schedule_loader.hpp"
#include "stems/schedule/scheduler.hpp"

namespace {

using namespace stems;

const workload::Network& sew() {
  static const workload::Network net =
      workload::load_workload_file(std::string(STEMS_CONFIGS) + "/workloads/sew_resnet_7b.toml");
  return net;
}

const hardware::Accelerator& three_core() {
  static const hardware::Accelerator acc = hardware::load_hardware_file(
      std::string(STEMS_CONFIGS) + "/hardware/meta_proto_1mb_3core.toml");
  return acc;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      break;
    }
    out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// The command-line path of `stems evaluate` (src/cli/app.cpp, run_evaluate).
bool from_strings(std::string_view text, workload::Network& net, schedule::Schedule& s) {
  std::vector<std::string> line = split_lines(text);
  line.resize(std::max<std::size_t>(line.size(), 7));
  const auto flag_ok = [&](const char* flag, auto&& f) {
    try {
      f();
      return true;
    } catch (const InputError& e) {
      fuzz::check(e.where() == flag, std::string("a bad ") + flag + " is reported at '" +
                                         e.where() + "': " + e.what());
      return false;
    }
  };
  if (!line[2].empty() &&
      !flag_ok("--state-schedule", [&] { workload::apply_state_schedule(net, line[2]); })) {
    return false;
  }
  const std::string all1(static_cast<std::size_t>(net.block_count()), '1');
  const std::string all0(static_cast<std::size_t>(net.block_count()), '0');
  bool ok = fuzz::accepted("", [&] {
    s = schedule::schedule_from_bits(net, line[0].empty() ? all1 : line[0],
                                     line[1].empty() ? all0 : line[1], line[3] != "nobarrier");
  });
  if (!ok) return false;
  if (!line[4].empty()) {
    const auto o = schedule::parse_order(line[4]);
    if (!o) return false;
    s.order = *o;
  }
  if (!line[5].empty()) {
    const auto l = schedule::parse_lifecycle(line[5]);
    if (!l) return false;
    s.lifecycle = *l;
  }
  if (!line[6].empty()) {
    const auto a = schedule::parse_alignment(line[6]);
    if (!a) return false;
    s.alignment = *a;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = fuzz::scratch_path("_schedule.toml");
  fuzz::remove_at_exit(path);
  static cost::NodeCostCache cache(three_core());
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  workload::Network net = sew();
  const hardware::Accelerator& acc = three_core();
  schedule::Schedule s;
  if (text.rfind("bits\n", 0) == 0) {
    if (!from_strings(text.substr(5), net, s)) return 0;
  } else {
    fuzz::write_file(path, data, size);
    if (!fuzz::accepted(path, [&] { s = schedule::load_schedule_file(path, net, acc); })) return 0;
  }
  fuzz::check(s.layers.size() == net.layer_count(), "a schedule without a tiling per layer");
  fuzz::accepted("", [&] {
    const schedule::CnGraph g = schedule::build_cn_graph(net, s);
    fuzz::check(!g.nodes.empty(), "no computation nodes");
    const schedule::ScheduleResult r = schedule::evaluate_schedule(net, acc, s, cache);
    fuzz::check(std::isfinite(r.energy_pJ) && r.energy_pJ > 0 && std::isfinite(r.latency_cycles) &&
                    r.latency_cycles > 0,
                "evaluation gave a non-positive or non-finite energy or latency");
    fuzz::check(r.nodes.size() == g.nodes.size(), "not every computation node was scheduled");
    (void)report::schedule_text(net, acc, s, r);
  });
  return 0;
}
