#include "stems/search/command_accuracy.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "stems/common/csv.hpp"
#include "stems/common/error.hpp"
#include "stems/common/subprocess.hpp"

namespace stems::search {

namespace {

const char* const kCacheFile = "accuracy_cache.csv";
const std::vector<std::string> kCacheHeader = {"command", "state", "accuracy", "seconds"};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos;
       pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

// The cache key: the argument template as given (placeholders unexpanded) and the folder it runs
// in, so a changed command (other epochs, another checkpoint) never reuses old results.
std::string make_key(const CommandAccuracyConfig& c) {
  nlohmann::json j = c.command;
  std::string key = j.dump();
  if (!c.cwd.empty()) key += " in " + c.cwd;
  return key;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string last_line(const std::string& out) {
  std::size_t end = out.size();
  while (end > 0) {
    const std::size_t start = out.rfind('\n', end - 1);
    const std::size_t from = start == std::string::npos ? 0 : start + 1;
    std::string line = trim(out.substr(from, end - from));
    if (!line.empty()) return line;
    if (start == std::string::npos) break;
    end = start;
  }
  return "";
}

std::string stderr_tail(const subprocess::Result& r) {
  std::string t = trim(r.err_tail);
  const std::size_t keep = 600;
  if (t.size() > keep) t = "..." + t.substr(t.size() - keep);
  return t.empty() ? "(no stderr)" : t;
}

// The program must exist and be executable now, so a typo stops the run before the search.
void check_program(const CommandAccuracyConfig& c) {
  namespace fs = std::filesystem;
  const std::string& prog = c.command[0];
  if (!c.cwd.empty() && !fs::is_directory(c.cwd))
    throw InputError(c.cwd, "the accuracy command's working folder does not exist");
  const std::string path = subprocess::resolve_program(prog, c.cwd);
  if (path.empty()) throw InputError(prog, "the accuracy command is not on PATH");
  if (!fs::is_regular_file(path) || ::access(path.c_str(), X_OK) != 0)
    throw InputError(prog, "the accuracy command is not an executable file");
}

}  // namespace

CommandAccuracy::CommandAccuracy(CommandAccuracyConfig config) : config_(std::move(config)) {
  if (config_.command.empty() || config_.command[0].empty())
    throw std::invalid_argument("accuracy command: expected a program and its arguments");
  if (config_.jobs == 0) throw std::invalid_argument("accuracy command: jobs must be >= 1");
  if (!(config_.timeout_s > 0))
    throw std::invalid_argument("accuracy command: timeout_s must be > 0");
  key_ = make_key(config_);
  check_program(config_);
}

std::variant<double, std::string> CommandAccuracy::parse_accuracy(const std::string& out) {
  const std::string line = last_line(out);
  if (line.empty()) return std::string("printed nothing on stdout (expected {\"accuracy\": x})");
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("accuracy") || !j["accuracy"].is_number()) {
    return "last stdout line is not {\"accuracy\": x}: " + line.substr(0, 200);
  }
  const double a = j["accuracy"].get<double>();
  if (!std::isfinite(a) || a < 0 || a > 1)
    return "accuracy " + line.substr(0, 200) + " is not a fraction in [0, 1]";
  return a;
}

void CommandAccuracy::bind_output(const std::string& dir) const {
  std::lock_guard<std::mutex> lock(mutex_);
  dir_ = dir;
  const std::string path = dir + "/" + kCacheFile;
  if (!std::filesystem::exists(path)) return;
  const CsvTable t = read_csv(path);
  const int c = t.column("command"), s = t.column("state"), a = t.column("accuracy");
  if (c < 0 || s < 0 || a < 0)
    throw InputError(path, "expected the columns command,state,accuracy");
  for (const auto& row : t.rows) {
    if (row[c] != key_ || cache_.count(row[s])) continue;
    Estimate e;
    try {
      e.accuracy = std::stod(row[a]);
    } catch (const std::exception&) {
      throw InputError(path, "accuracy '" + row[a] + "' of state " + row[s] + " is not a number");
    }
    std::promise<Estimate> p;
    p.set_value(e);
    cache_[row[s]] = p.get_future().share();
  }
}

std::string CommandAccuracy::scratch_dir(const std::string& bits) const {
  std::string base;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    base = dir_;
  }
  if (base.empty()) {
    base =
        (std::filesystem::temp_directory_path() / ("stems-accuracy-" + std::to_string(::getpid())))
            .string();
  }
  const std::string d = base + "/accuracy_runs/" + bits;
  std::filesystem::create_directories(d);
  return std::filesystem::absolute(d).string();
}

void CommandAccuracy::record(const std::string& bits, double accuracy, double seconds) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (dir_.empty()) return;
  std::filesystem::create_directories(dir_);
  const std::string path = dir_ + "/" + kCacheFile;
  const bool fresh = !std::filesystem::exists(path);
  std::ofstream f(path, std::ios::app);
  char acc[32], sec[32];
  *std::to_chars(acc, acc + sizeof acc - 1, accuracy).ptr = '\0';  // shortest exact form
  std::snprintf(sec, sizeof sec, "%.1f", seconds);
  if (fresh) f << csv_row(kCacheHeader);
  f << csv_row({key_, bits, acc, sec});
  f.flush();
  if (!f) throw InputError(path, "cannot append to the accuracy cache");
}

AccuracyModel::Estimate CommandAccuracy::run(const std::string& bits) const {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    slot_free_.wait(lock, [&] { return running_ < config_.jobs; });
    ++running_;
    ++started_;
  }
  struct Release {
    const CommandAccuracy* self;
    ~Release() {
      std::lock_guard<std::mutex> lock(self->mutex_);
      --self->running_;
      self->slot_free_.notify_one();
    }
  } release{this};
  const std::string out = scratch_dir(bits);
  std::vector<std::string> argv;
  for (const std::string& a : config_.command)
    argv.push_back(replace_all(replace_all(a, "{state}", bits), "{out}", out));
  subprocess::Options o;
  o.cwd = config_.cwd;
  o.timeout_s = config_.timeout_s;
  const subprocess::Result r = subprocess::run(argv, o);
  Estimate e;
  if (!r.ok()) {
    e.error =
        "accuracy command for state " + bits + ": " + r.status() + "; stderr: " + stderr_tail(r);
    return e;
  }
  const auto parsed = parse_accuracy(r.out);
  if (const auto* msg = std::get_if<std::string>(&parsed)) {
    e.error = "accuracy command for state " + bits + ": " + *msg + "; stderr: " + stderr_tail(r);
    return e;
  }
  e.accuracy = std::get<double>(parsed);
  record(bits, e.accuracy, r.seconds);
  return e;
}

AccuracyModel::Estimate CommandAccuracy::estimate(const std::string& state_bits) const {
  // The first caller for these bits runs the command; the others wait for its result.
  std::promise<Estimate> promise;
  std::shared_future<Estimate> future;
  bool mine = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(state_bits);
    if (it != cache_.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      cache_.emplace(state_bits, future);
      mine = true;
    }
  }
  if (mine) {
    try {
      promise.set_value(run(state_bits));
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  }
  return future.get();
}

std::uint64_t CommandAccuracy::commands_run() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return started_;
}

}  // namespace stems::search
