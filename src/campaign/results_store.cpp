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

int CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  out += '"';
  return out;
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_escape(fields[i]);
  }
  out += '\n';
  return out;
}

namespace {

std::vector<std::string> split_csv_line(const std::string& line, const std::string& path,
                                        std::size_t line_no) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && cur.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted) {
    throw InputError(path + ":" + std::to_string(line_no), "unterminated quoted field");
  }
  fields.push_back(std::move(cur));
  return fields;
}

}  // namespace

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  CsvTable t;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // torn last line
    ++line_no;
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = split_csv_line(line, path, line_no);
    if (t.header.empty()) {
      t.header = std::move(fields);
    } else {
      if (fields.size() != t.header.size()) {
        throw InputError(path + ":" + std::to_string(line_no),
                         "expected " + std::to_string(t.header.size()) + " fields, found " +
                             std::to_string(fields.size()));
      }
      t.rows.push_back(std::move(fields));
    }
  }
  return t;
}

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
