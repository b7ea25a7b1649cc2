#pragma once
// `stems campaign`: runs a campaign's grid into an output directory:
//   DIR/campaign.toml   a copy of the campaign file
//   DIR/results.csv     one row per finished run (results_store.hpp)
//   DIR/runs/<key>.json each run's record (written before its row; optimize runs also write
//                       their front into DIR/runs/<key>/)
//   DIR/tables.md       the campaign's ratio tables, once every run has finished
// Runs are independent; --jobs N runs N at a time on threads. An interrupted campaign loses only
// the runs in flight; --resume skips every run already in results.csv.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "stems/campaign/campaign.hpp"
#include "stems/campaign/results_store.hpp"
#include "stems/campaign/run_executor.hpp"

namespace stems::campaign {

struct CampaignOptions {
  std::string out_dir;
  bool resume = false;
  unsigned jobs = 1;
  unsigned threads = 0;  // per search run; 0: cores / jobs
};

struct CampaignSummary {
  std::size_t runs = 0;     // in the grid
  std::size_t skipped = 0;  // already finished (resume)
  std::size_t done = 0;     // finished by this invocation (including failed)
  std::size_t failed = 0;   // finished with status "error"
  bool interrupted = false;
  double seconds = 0;
};

// Header of results.csv: id (the run key), status, one column per axis, the mode's metrics,
// message.
std::vector<std::string> results_header(const Campaign& c);
// The results.csv row of a finished run.
std::vector<std::string> results_row(const Campaign& c, const RunSpec& run,
                                     const RunOutcome& outcome);

// Writes runs/<key>.json atomically: before the row is appended.
void write_run_record(const std::string& out_dir, const RunSpec& run, const RunOutcome& outcome);

// Called once per finished run (from worker threads, serialised).
using RunLogFn =
    std::function<void(const RunSpec&, const RunOutcome&, std::size_t finished, std::size_t total)>;

CampaignSummary run_campaign(const Campaign& c, const CampaignOptions& options,
                             const std::atomic<bool>* stop, const RunLogFn& log = {});

// The bookkeeping of one campaign invocation, shared by the thread runner and the MPI master:
// validates the grid, prepares DIR, opens results.csv and records finished runs. Thread-safe
// `record`.
class CampaignBook {
 public:
  CampaignBook(const Campaign& c, const CampaignOptions& options);
  CampaignBook(const CampaignBook&) = delete;
  CampaignBook& operator=(const CampaignBook&) = delete;

  const std::vector<RunSpec>& grid() const { return grid_; }
  const std::vector<const RunSpec*>& pending() const { return pending_; }
  RunExecutor& executor() { return executor_; }
  // Writes the run's record and appends its row (ignores interrupted outcomes).
  void record(const RunSpec& run, const RunOutcome& outcome, const RunLogFn& log);
  CampaignSummary summary() const;

 private:
  const Campaign& campaign_;
  CampaignOptions options_;
  std::vector<RunSpec> grid_;
  RunExecutor executor_;
  std::unique_ptr<ResultsStore> store_;
  std::vector<const RunSpec*> pending_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  CampaignSummary summary_;
};

// Threads per search run: the option, else cores / jobs.
unsigned threads_per_run(const CampaignOptions& options);

// After the last run: results.csv in grid order, tables.md. Returns the tables' text.
std::string finish_campaign(const Campaign& c, const std::string& out_dir,
                            const std::vector<RunSpec>& grid);

}  // namespace stems::campaign
