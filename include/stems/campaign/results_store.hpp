#pragma once
// DIR/results.csv of a campaign: one row per finished run, appended with a single write(2) on a
// file opened with O_APPEND and flushed with fsync, so a killed campaign (Ctrl-C or kill -9)
// leaves whole rows only; a torn last line (power loss, full disk) is cut off on resume. When
// every run has finished, the file is rewritten in grid order (temporary file + rename), so the
// same campaign gives the same bytes whatever the job count, the number of MPI ranks, or the
// interruptions on the way.

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "stems/common/csv.hpp"

namespace stems::campaign {

using stems::csv_escape;
using stems::csv_row;
using stems::CsvTable;
using stems::read_csv;

class ResultsStore {
 public:
  // Creates DIR/results.csv with `header`, or with `resume` reads the runs already in it (the
  // first column is the run key). Without `resume`, an existing file with rows is refused.
  ResultsStore(const std::string& dir, std::vector<std::string> header, bool resume);
  ~ResultsStore();
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  bool finished(const std::string& key) const;
  std::size_t finished_count() const;
  void append(const std::vector<std::string>& row);  // thread-safe
  // Rewrites the file with its rows in the order of `keys` (rows of unknown keys dropped last).
  void finalize(const std::vector<std::string>& keys);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> header_;
  std::set<std::string> finished_;
  int fd_ = -1;
  mutable std::mutex mutex_;
};

}  // namespace stems::campaign
