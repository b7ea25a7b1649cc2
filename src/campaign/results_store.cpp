#include "stems/campaign/results_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"

namespace stems::campaign {

ResultsStore::ResultsStore(const std::string& dir, std::vector<std::string> header, bool resume)
    : path_(dir + "/results.csv"), header_(std::move(header)) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path_, ec);
  if (exists) {
    const CsvTable t = read_csv(path_);
    if (!t.rows.empty() && !resume) {
      throw InputError(path_, "holds " + std::to_string(t.rows.size()) +
                                  " finished runs; use --resume to continue the campaign, or "
                                  "another --out directory");
    }
    if (resume && !t.header.empty() && t.header != header_) {
      throw InputError(path_,
                       "its columns differ from this campaign's (was the campaign's "
                       "mode or axes changed?); use another --out directory");
    }
    for (const auto& row : t.rows)
      finished_.insert(row.front());
    // Cut a torn last line and restore the header if it was never completed.
    std::string text = csv_row(header_);
    for (const auto& row : t.rows)
      text += csv_row(row);
    if (!resume || t.header.empty()) {
      text = csv_row(header_);
      finished_.clear();
    }
    write_file_atomically(path_, text);
  } else {
    write_file_atomically(path_, csv_row(header_));
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0)
    throw InputError(path_, std::string("cannot open for appending: ") + std::strerror(errno));
}

ResultsStore::~ResultsStore() {
  if (fd_ >= 0) ::close(fd_);
}

bool ResultsStore::finished(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return finished_.count(key) > 0;
}

std::size_t ResultsStore::finished_count() const {
  std::lock_guard lock(mutex_);
  return finished_.size();
}

void ResultsStore::append(const std::vector<std::string>& row) {
  const std::string line = csv_row(row);
  std::lock_guard lock(mutex_);
  // One write call per row: a killed process leaves the row whole or absent.
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(path_, std::string("cannot append a result: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fsync(fd_);
  finished_.insert(row.front());
}

void ResultsStore::finalize(const std::vector<std::string>& keys) {
  std::lock_guard lock(mutex_);
  const CsvTable t = read_csv(path_);
  std::map<std::string, const std::vector<std::string>*> by_key;
  for (const auto& row : t.rows)
    by_key[row.front()] = &row;
  std::string text = csv_row(header_);
  for (const auto& k : keys) {
    auto it = by_key.find(k);
    if (it != by_key.end()) {
      text += csv_row(*it->second);
      by_key.erase(it);
    }
  }
  for (const auto& row : t.rows) {
    if (by_key.count(row.front())) text += csv_row(row);
  }
  write_file_atomically(path_, text);
  // The old descriptor points at the replaced file: reopen for any later append.
  ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
}

}  // namespace stems::campaign
