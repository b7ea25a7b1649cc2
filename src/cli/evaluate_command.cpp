// `stems evaluate`: a whole network under an inter-layer schedule.
#include "stems/cli/commands.hpp"
#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/schedule_report.hpp"
#include "stems/report/trace.hpp"
#include "stems/schedule/schedule_loader.hpp"
#include "stems/schedule/scheduler.hpp"

namespace stems::cli {

namespace {

// The schedule from a file or from the per-block bit strings (all time-batched, layer by layer
// when none are given), with the options that override it.
schedule::Schedule schedule_of(const EvaluateOptions& o, const workload::Network& net,
                               const hardware::Accelerator& acc, const cost::ModelPolicy& policy) {
  schedule::Schedule s;
  if (!o.schedule_file.empty()) {
    if (!o.time_bits.empty() || !o.depth_bits.empty() || o.no_fuse_barrier) {
      throw InputError("--schedule",
                       "give either a schedule file or --time-schedule/"
                       "--depth-schedule/--no-fuse-barrier, not both");
    }
    s = schedule::load_schedule_file(o.schedule_file, net, acc);
  } else {
    const std::string all1(static_cast<std::size_t>(net.block_count()), '1');
    const std::string all0(static_cast<std::size_t>(net.block_count()), '0');
    s = schedule::schedule_from_bits(net, o.time_bits.empty() ? all1 : o.time_bits,
                                     o.depth_bits.empty() ? all0 : o.depth_bits,
                                     !o.no_fuse_barrier);
  }
  if (!o.order.empty()) {
    const auto ord = schedule::parse_order(o.order);
    if (!ord)
      throw InputError("--order",
                       "'" + o.order + "': expected " + allowed_names(schedule::kOrderNames));
    s.order = *ord;
  }
  if (!o.lifecycle.empty()) {
    const auto l = schedule::parse_lifecycle(o.lifecycle);
    if (!l)
      throw InputError("--state-lifecycle", "'" + o.lifecycle + "': expected " +
                                                allowed_names(schedule::kLifecycleNames));
    s.lifecycle = *l;
  }
  // The model's alignment unless one is given (a schedule file's is overridden by the model
  // only when the file names none: load_schedule_file keeps the default Padded then).
  if (o.schedule_file.empty()) s.alignment = schedule::default_alignment(policy);
  if (!o.alignment.empty()) {
    const auto a = schedule::parse_alignment(o.alignment);
    if (!a)
      throw InputError("--alignment", "'" + o.alignment + "': expected " +
                                          allowed_names(schedule::kAlignmentNames));
    s.alignment = *a;
  }
  if (!o.state_schedule.empty()) schedule::set_state_schedule(s, net, o.state_schedule);
  return s;
}

}  // namespace

CommandOutput evaluate_output(const EvaluateOptions& o) {
  const workload::Network net = nir::load_any_workload(o.workload, o.nir);
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  cost::NodeSearchOptions options;
  options.policy = cost::policy_named(o.model, "--model");
  options.criterion = cost::criterion_named(o.criterion, options.criterion, "--criterion");
  const schedule::Schedule s = schedule_of(o, net, acc, options.policy);
  cost::NodeCostCache cache(acc, options);
  const schedule::ScheduleResult r = naming_files(
      o.workload, o.hardware, [&] { return schedule::evaluate_schedule(net, acc, s, cache); });
  if (!o.trace.empty()) {
    write_file_atomically(o.trace, report::chrome_trace(net, acc, s, r).dump() + "\n");
  }
  return {report::schedule_json(net, acc, s, r), report::schedule_text(net, acc, s, r)};
}

int run_evaluate(const EvaluateOptions& o, std::ostream& out) {
  return emit(evaluate_output(o), o.json, out);
}

}  // namespace stems::cli
