#include "stems/campaign/runner.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "stems/campaign/results_store.hpp"
#include "stems/campaign/tables.hpp"
#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"

namespace stems::campaign {

std::vector<std::string> results_header(const Campaign& c) {
  std::vector<std::string> h = {"id", "status"};
  for (const auto& a : c.axes)
    h.push_back(a.name);
  if (!c.axis("model")) h.push_back("model");  // every row names its cost model
  for (const auto& m : metric_names(c.mode))
    h.push_back(m);
  h.push_back("message");
  return h;
}

std::vector<std::string> results_row(const Campaign& c, const RunSpec& run,
                                     const RunOutcome& outcome) {
  std::vector<std::string> row = {run.key, outcome.ok ? "ok" : "error"};
  for (const auto& a : c.axes)
    row.push_back(run.value(a.name)->name);
  if (!c.axis("model")) row.push_back(outcome.model);
  for (const auto& cell : outcome.cells)
    row.push_back(cell);
  row.push_back(outcome.message);
  return row;
}

void write_run_record(const std::string& out_dir, const RunSpec& run, const RunOutcome& outcome) {
  report::Json j = outcome.record;
  report::Json axes = report::Json::object();
  for (const auto& [axis, v] : run.values)
    axes[axis] = v.name;
  j["axes"] = axes;
  write_file_atomically(out_dir + "/runs/" + run.key + ".json", j.dump(2) + "\n");
}

namespace {

void create_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/runs", ec);
  if (ec) throw InputError(dir, "cannot create the output directory: " + ec.message());
}

// Copies the campaign into DIR (after the results store accepted the directory).
void prepare_dir(const Campaign& c, const std::string& dir) {
  std::ifstream in(c.path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  write_file_atomically(dir + "/campaign.toml", text.str());
  // What `stems report` needs to know of the campaign (the copy above may hold relative paths).
  report::Json axes = report::Json::array(), tables = report::Json::array(),
               plots = report::Json::array();
  for (const auto& a : c.axes)
    axes.push_back(a.name);
  for (const auto& t : c.tables) {
    tables.push_back({{"title", t.title}, {"metrics", t.metrics}, {"baseline", t.baseline}});
  }
  for (const auto& p : c.plots) {
    plots.push_back({{"title", p.title},
                     {"metric", p.metric},
                     {"x", p.x},
                     {"series", p.series},
                     {"log_y", p.log_y}});
  }
  const report::Json meta = {{"name", c.name},
                             {"description", c.description},
                             {"mode", std::string(mode_name(c.mode))},
                             {"source", c.path},
                             {"axes", axes},
                             {"tables", tables},
                             {"plots", plots}};
  write_file_atomically(dir + "/campaign.json", meta.dump(2) + "\n");
}

}  // namespace

std::string finish_campaign(const Campaign& c, const std::string& out_dir,
                            const std::vector<RunSpec>& grid) {
  ResultsStore store(out_dir, results_header(c), true);
  std::vector<std::string> keys;
  for (const auto& r : grid)
    keys.push_back(r.key);
  store.finalize(keys);
  const auto tables = ratio_tables(c, read_csv(store.path()));
  const std::string md = tables_markdown(c, tables);
  write_file_atomically(out_dir + "/tables.md", md);
  return md;
}

unsigned threads_per_run(const CampaignOptions& o) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return o.threads ? o.threads : std::max(1u, cores / std::max(1u, o.jobs));
}

CampaignBook::CampaignBook(const Campaign& c, const CampaignOptions& o)
    : campaign_(c),
      options_(o),
      grid_(expand_grid(c)),
      executor_(c, o.out_dir, threads_per_run(o)),
      start_(std::chrono::steady_clock::now()) {
  executor_.validate(grid_);  // every file and string checked before the first run
  create_dirs(o.out_dir);
  // The store refuses a directory holding results without --resume: before anything is written.
  store_ = std::make_unique<ResultsStore>(o.out_dir, results_header(c), o.resume);
  prepare_dir(c, o.out_dir);
  summary_.runs = grid_.size();
  for (const auto& r : grid_) {
    if (store_->finished(r.key)) {
      ++summary_.skipped;
    } else {
      pending_.push_back(&r);
    }
  }
}

void CampaignBook::record(const RunSpec& run, const RunOutcome& outcome, const RunLogFn& log) {
  if (outcome.interrupted) return;
  write_run_record(options_.out_dir, run, outcome);
  store_->append(results_row(campaign_, run, outcome));
  std::lock_guard lock(mutex_);
  ++summary_.done;
  if (!outcome.ok) ++summary_.failed;
  if (log) log(run, outcome, summary_.skipped + summary_.done, summary_.runs);
}

CampaignSummary CampaignBook::summary() const {
  std::lock_guard lock(mutex_);
  CampaignSummary s = summary_;
  s.interrupted = s.skipped + s.done < s.runs;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return s;
}

CampaignSummary run_campaign(const Campaign& c, const CampaignOptions& o,
                             const std::atomic<bool>* stop, const RunLogFn& log) {
  CampaignBook book(c, o);
  const auto& pending = book.pending();
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  std::atomic<bool> stopped{false};
  auto worker = [&] {
    while (!stopped.load()) {
      if (stop && stop->load()) break;
      const std::size_t i = next.fetch_add(1);
      if (i >= pending.size()) break;
      try {
        const RunOutcome outcome = book.executor().execute(*pending[i], stop);
        if (outcome.interrupted) break;
        book.record(*pending[i], outcome, log);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        stopped.store(true);
      }
    }
  };
  const unsigned jobs = std::max(1u, o.jobs);
  if (jobs == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (unsigned j = 0; j < jobs; ++j)
      pool.emplace_back(worker);
    for (auto& t : pool)
      t.join();
  }
  if (failure) std::rethrow_exception(failure);
  return book.summary();
}

}  // namespace stems::campaign
