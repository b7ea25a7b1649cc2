#include "stems/cli/campaign_command.hpp"

#include <ostream>

#include "stems/campaign/campaign_report.hpp"
#include "stems/campaign/runner.hpp"
#include "stems/campaign/tables.hpp"
#include "stems/common/error.hpp"
#include "stems/common/interrupt.hpp"
#include "stems/parallel/mpi.hpp"
#include "stems/report/table.hpp"

namespace stems::cli {

namespace {

void log_run(std::ostream& err, const campaign::Campaign& c, const campaign::RunSpec& run,
             const campaign::RunOutcome& outcome, std::size_t finished, std::size_t total) {
  const auto& names = campaign::metric_names(c.mode);
  err << "[" << finished << "/" << total << "] " << run.key << ": ";
  if (!outcome.ok) {
    err << "error: " << outcome.message << "\n";
  } else if (c.mode == campaign::Mode::Evaluate) {
    err << "energy " << campaign::display_metric(names[0], outcome.cells[0]) << " mJ, latency "
        << campaign::display_metric(names[1], outcome.cells[1]) << " cycles\n";
  } else {
    err << outcome.cells[0] << " front points, best energy "
        << campaign::display_metric(names[3], outcome.cells[3]) << " mJ\n";
  }
  err.flush();
}

}  // namespace

int run_campaign_command(const CampaignCommand& o, std::ostream& out, std::ostream& err) {
  const campaign::Campaign c = campaign::load_campaign_file(o.file);
  const std::string dir = o.out.empty() ? "out/" + c.name : o.out;
  if (o.dry_run) {
    const auto grid = campaign::expand_grid(c);
    campaign::RunExecutor(c, dir, 1).validate(grid);
    out << "campaign " << c.name << " (" << campaign::mode_name(c.mode) << "): " << grid.size()
        << " runs\n";
    for (const auto& r : grid)
      out << "  " << r.key << "\n";
    return kExitOk;
  }
  campaign::CampaignOptions opts;
  opts.out_dir = dir;
  opts.resume = o.resume;
  opts.jobs = o.jobs;
  opts.threads = o.threads;
  InterruptGuard guard;
  campaign::CampaignSummary s;
  auto log = [&](const campaign::RunSpec& run, const campaign::RunOutcome& outcome,
                 std::size_t finished,
                 std::size_t total) { log_run(err, c, run, outcome, finished, total); };
  if (parallel::mpi_world_size() > 1) {
    const auto r = parallel::run_campaign_mpi(c, opts, guard.flag(), log);
    if (!r) return kExitOk;  // a worker rank: rank 0 reports
    s = *r;
  } else {
    s = campaign::run_campaign(c, opts, guard.flag(), log);
  }
  err << "campaign " << c.name << ": " << s.done << " runs done";
  if (s.skipped) err << ", " << s.skipped << " already finished";
  if (s.failed) err << ", " << s.failed << " failed (status error in results.csv)";
  err << " in " << report::fixed(s.seconds, 1) << " s\n";
  if (s.interrupted) {
    err << "interrupted: " << (s.runs - s.skipped - s.done)
        << " runs left; continue with --resume\n";
    return 130;
  }
  out << campaign::finish_campaign(c, dir, campaign::expand_grid(c));
  out << "results: " << dir << "/results.csv, tables: " << dir << "/tables.md\n";
  if (!o.no_report) {
    const std::string report = campaign::write_campaign_report(dir);
    out << "report: " << report << "\n";
  }
  return kExitOk;
}

}  // namespace stems::cli
