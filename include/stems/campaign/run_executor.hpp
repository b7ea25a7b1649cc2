#pragma once
// Runs one grid point of a campaign: an evaluation (the scheduler on one schedule) or a search
// (the optimiser on one run config), and reduces it to the headline metrics of results.csv plus a
// JSON record. Loaded workloads, accelerators and node-cost caches are shared between the runs of
// a campaign (thread-safe), so a sweep pays for each unique tile once.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "stems/campaign/campaign.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/report/network_report.hpp"
#include "stems/workload/network.hpp"

namespace stems::campaign {

// Column names of the metrics in results.csv for a mode, in order. Contract for scripts.
const std::vector<std::string>& metric_names(Mode mode);

struct RunOutcome {
  bool ok = false;                 // false: the run could not be done (message says why)
  bool interrupted = false;        // stopped by Ctrl-C: not a result, run again on resume
  std::string message;             // for !ok
  std::vector<std::string> cells;  // one per metric_names(mode); empty strings when !ok
  report::Json record;             // written to runs/<key>.json
  std::string model;               // the cost model it ran with (results.csv column "model")
};

class RunExecutor {
 public:
  // `out_dir`: the campaign directory (optimize runs write their front under runs/<key>/).
  // `threads`: threads per search run.
  RunExecutor(const Campaign& campaign, std::string out_dir, unsigned threads);

  // Loads every file and resolves every schedule and state string of the grid without running
  // anything: throws InputError for the first bad one, so a campaign fails before its first run.
  void validate(const std::vector<RunSpec>& runs);

  // Thread-safe. InputErrors raised by the run itself (e.g. a schedule the hardware cannot run)
  // become !ok outcomes; `stop` interrupts a search.
  RunOutcome execute(const RunSpec& run, const std::atomic<bool>* stop);

 private:
  std::shared_ptr<const workload::Network> network(const std::string& path);
  std::shared_ptr<const hardware::Accelerator> accelerator(const std::string& path);
  // One node-cost memo per (hardware file, cost model).
  cost::NodeCostCache& cache(const std::string& hardware_path, const cost::ModelPolicy& policy);
  RunOutcome evaluate(const RunSpec& run);
  RunOutcome optimize(const RunSpec& run, const std::atomic<bool>* stop);

  const Campaign& campaign_;
  std::string out_dir_;
  unsigned threads_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const workload::Network>> networks_;
  std::map<std::string, std::shared_ptr<const hardware::Accelerator>> accelerators_;
  std::map<std::string, std::unique_ptr<cost::NodeCostCache>> caches_;
};

}  // namespace stems::campaign
