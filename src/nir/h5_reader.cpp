#include "h5_reader.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "stems/common/error.hpp"

namespace stems::nir::detail {

namespace {

// Closes an HDF5 handle when it goes out of scope.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

herr_t collect_member(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

// The first filter of a dataset's pipeline (compression, shuffle, ...) this HDF5 library cannot
// apply, as "N (name)"; "" when it has them all. h5py can write LZF (32000) and plugins more;
// Debian's libhdf5 decodes gzip (deflate), shuffle, fletcher32, szip, nbit and scaleoffset.
std::string missing_filter(hid_t dataset) {
  const Handle plist{H5Dget_create_plist(dataset), H5Pclose};
  if (plist.id < 0) return "";
  const int n = H5Pget_nfilters(plist.id);
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, config = 0;
    std::size_t nvalues = 0;
    char name[64] = {0};
    const H5Z_filter_t id = H5Pget_filter2(plist.id, static_cast<unsigned>(i), &flags, &nvalues,
                                           nullptr, sizeof name, name, &config);
    if (id >= 0 && H5Zfilter_avail(id) <= 0) {
      return std::to_string(id) + (name[0] != '\0' ? " (" + std::string(name) + ")" : "");
    }
  }
  return "";
}

}  // namespace

namespace {
bool g_probe_child = false;  // this process is probe_in_child's child
std::recursive_mutex& hdf5_mutex() {
  static std::recursive_mutex m;
  // The parent holds `m` while it forks, and a child thread is not its owner: the child takes
  // its own.
  static std::recursive_mutex in_child;
  return g_probe_child ? in_child : m;
}
}  // namespace

H5Reader::H5Reader(const std::string& path) : lock_(hdf5_mutex()), path_(path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by us, not printed
  const htri_t is = H5Fis_hdf5(path.c_str());
  if (is <= 0) {
    throw InputError(path, "not a readable HDF5 file (a .nir file is HDF5; is it truncated?)");
  }
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) throw InputError(path, "cannot open as HDF5 (truncated or corrupt file?)");
}

H5Reader::~H5Reader() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
}

void H5Reader::fail(const std::string& object, const std::string& what) const {
  throw InputError(path_, "'" + object + "': " + what);
}

void H5Reader::fail_read(long long dataset, const std::string& object,
                         const std::string& what) const {
  const std::string filter = missing_filter(static_cast<hid_t>(dataset));
  if (!filter.empty()) {
    fail(object, "compressed with HDF5 filter " + filter +
                     ", which this HDF5 library cannot decode; write the file with gzip "
                     "compression (NIR's default, h5py compression=\"gzip\") or none");
  }
  fail(object, what);
}

bool H5Reader::exists(const std::string& object) const {
  // Check every prefix: H5Lexists fails on a missing intermediate group.
  std::size_t pos = 1;
  while (true) {
    pos = object.find('/', pos);
    const std::string prefix = pos == std::string::npos ? object : object.substr(0, pos);
    if (H5Lexists(static_cast<hid_t>(file_), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
    ++pos;
  }
}

bool H5Reader::is_group(const std::string& object) const {
  if (!exists(object)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name2(static_cast<hid_t>(file_), object.c_str(), &info, H5O_INFO_BASIC,
                           H5P_DEFAULT) < 0) {
    return false;
  }
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> H5Reader::members(const std::string& group) const {
  Handle g{H5Gopen2(static_cast<hid_t>(file_), group.c_str(), H5P_DEFAULT), H5Gclose};
  if (g.id < 0) fail(group, "expected a group");
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Literate(g.id, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_member, &names) < 0) {
    fail(group, "cannot list the group's members");
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::uint64_t> H5Reader::shape(const std::string& dataset) const {
  Handle d{H5Dopen2(static_cast<hid_t>(file_), dataset.c_str(), H5P_DEFAULT), H5Dclose};
  if (d.id < 0) fail(dataset, "expected a dataset");
  Handle s{H5Dget_space(d.id), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(s.id);
  if (rank < 0) fail(dataset, "unreadable dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(s.id, dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

std::vector<std::string> H5Reader::strings(const std::string& dataset) const {
  Handle d{H5Dopen2(static_cast<hid_t>(file_), dataset.c_str(), H5P_DEFAULT), H5Dclose};
  if (d.id < 0) fail(dataset, "expected a dataset");
  Handle ftype{H5Dget_type(d.id), H5Tclose};
  if (H5Tget_class(ftype.id) != H5T_STRING) fail(dataset, "expected strings");
  Handle space{H5Dget_space(d.id), H5Sclose};
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  if (n < 0 || n > (1 << 24)) fail(dataset, "implausible number of strings");
  std::vector<std::string> out;
  if (H5Tis_variable_str(ftype.id) > 0) {
    Handle mtype{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(mtype.id, H5T_VARIABLE);
    H5Tset_cset(mtype.id, H5Tget_cset(ftype.id));  // HDF5 does not convert ASCII <-> UTF-8
    std::vector<char*> buf(static_cast<std::size_t>(n), nullptr);
    if (H5Dread(d.id, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) {
      fail_read(d.id, dataset, "cannot read the strings");
    }
    for (char* c : buf)
      out.emplace_back(c ? c : "");
    H5Dvlen_reclaim(mtype.id, space.id, H5P_DEFAULT, buf.data());
  } else {
    const std::size_t size = H5Tget_size(ftype.id);
    if (size == 0 || size > (1 << 20)) fail(dataset, "implausible string size");
    Handle mtype{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(mtype.id, size);
    H5Tset_cset(mtype.id, H5Tget_cset(ftype.id));
    std::vector<char> buf(size * static_cast<std::size_t>(n), '\0');
    if (H5Dread(d.id, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) {
      fail_read(d.id, dataset, "cannot read the strings");
    }
    for (hssize_t i = 0; i < n; ++i) {
      const char* s = buf.data() + static_cast<std::size_t>(i) * size;
      out.emplace_back(s, strnlen(s, size));
    }
  }
  return out;
}

std::string H5Reader::string(const std::string& dataset) const {
  const auto s = strings(dataset);
  if (s.size() != 1) fail(dataset, "expected one string");
  return s[0];
}

std::vector<std::int64_t> H5Reader::integers(const std::string& dataset) const {
  Handle d{H5Dopen2(static_cast<hid_t>(file_), dataset.c_str(), H5P_DEFAULT), H5Dclose};
  if (d.id < 0) fail(dataset, "expected a dataset");
  Handle ftype{H5Dget_type(d.id), H5Tclose};
  const H5T_class_t cls = H5Tget_class(ftype.id);
  Handle space{H5Dget_space(d.id), H5Sclose};
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  if (n < 0 || n > (1 << 20)) fail(dataset, "implausible number of values");
  if (cls == H5T_INTEGER) {
    std::vector<std::int64_t> v(static_cast<std::size_t>(n));
    if (n > 0 && H5Dread(d.id, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) {
      fail_read(d.id, dataset, "cannot read the integers");
    }
    return v;
  }
  if (cls == H5T_FLOAT) {
    std::vector<double> v(static_cast<std::size_t>(n));
    if (n > 0 && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) {
      fail_read(d.id, dataset, "cannot read the numbers");
    }
    std::vector<std::int64_t> out;
    for (double x : v) {
      if (!std::isfinite(x)) fail(dataset, "expected finite numbers");
      out.push_back(static_cast<std::int64_t>(std::llround(x)));
    }
    return out;
  }
  fail(dataset, "expected integers");
}

std::vector<double> H5Reader::doubles(const std::string& dataset) const {
  Handle d{H5Dopen2(static_cast<hid_t>(file_), dataset.c_str(), H5P_DEFAULT), H5Dclose};
  if (d.id < 0) fail(dataset, "expected a dataset");
  Handle ftype{H5Dget_type(d.id), H5Tclose};
  const H5T_class_t cls = H5Tget_class(ftype.id);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail(dataset, "expected numbers");
  Handle space{H5Dget_space(d.id), H5Sclose};
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  if (n < 0 || n > (hssize_t{1} << 28)) fail(dataset, "implausible number of values");
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) {
    fail_read(d.id, dataset, "cannot read the numbers");
  }
  for (double x : v) {
    if (!std::isfinite(x)) fail(dataset, "expected finite numbers");
  }
  return v;
}

// ---- probe_in_child -----------------------------------------------------------------------------

namespace {

constexpr hssize_t kProbeMaxPoints = hssize_t{1} << 24;  // larger datasets: shape only

// Reads one dataset the ways H5Reader can: type, shape, then strings or numbers.
void probe_dataset(hid_t file, const std::string& object) {
  Handle d{H5Dopen2(file, object.c_str(), H5P_DEFAULT), H5Dclose};
  if (d.id < 0) return;
  Handle ftype{H5Dget_type(d.id), H5Tclose};
  Handle space{H5Dget_space(d.id), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank > 0) {
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  }
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  if (n <= 0 || n > kProbeMaxPoints) return;
  const auto count = static_cast<std::size_t>(n);
  const H5T_class_t cls = H5Tget_class(ftype.id);
  if (cls == H5T_STRING) {
    Handle mtype{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_cset(mtype.id, H5Tget_cset(ftype.id));
    if (H5Tis_variable_str(ftype.id) > 0) {
      H5Tset_size(mtype.id, H5T_VARIABLE);
      std::vector<char*> buf(count, nullptr);
      if (H5Dread(d.id, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0) {
        H5Dvlen_reclaim(mtype.id, space.id, H5P_DEFAULT, buf.data());
      }
    } else {
      const std::size_t size = H5Tget_size(ftype.id);
      if (size == 0 || size > (1 << 20) || size * count > (std::size_t{1} << 28)) return;
      H5Tset_size(mtype.id, size);
      std::vector<char> buf(size * count);
      H5Dread(d.id, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
    }
  } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
    if (cls == H5T_INTEGER) {
      std::vector<std::int64_t> v(count);
      H5Dread(d.id, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    }
    std::vector<double> v(count);
    H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  }
}

// Every group below `group` (hard-link cycles are cut by the depth limit and the object budget).
void probe_group(hid_t file, const std::string& group, int depth, std::size_t& budget) {
  if (depth > 32) return;
  Handle g{H5Gopen2(file, group.c_str(), H5P_DEFAULT), H5Gclose};
  if (g.id < 0) return;
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Literate(g.id, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_member, &names) < 0) return;
  for (const std::string& name : names) {
    if (budget == 0) return;
    --budget;
    const std::string object = group == "/" ? "/" + name : group + "/" + name;
    // The calls H5Reader makes, none gating the next: an object whose header info is unreadable
    // may still open as a dataset (found by fuzz_nir: the probe skipped it, the loader crashed).
    H5Lexists(file, object.c_str(), H5P_DEFAULT);
    H5O_info_t info;
    H5Oget_info_by_name2(file, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT);
    const hid_t g = H5Gopen2(file, object.c_str(), H5P_DEFAULT);
    if (g >= 0) {
      H5Gclose(g);
      probe_group(file, object, depth + 1, budget);
    } else {
      probe_dataset(file, object);
    }
  }
}

}  // namespace

// Sanitizer builds only (weak: null otherwise). A sanitizer report in the child must not run the
// death callback a fuzzer installed (it would record the parent's input as a crash).
extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

namespace {

[[noreturn]] void probe_child(const std::string& path, const std::function<void()>& first) {
  g_probe_child = true;
  // A crash must end this process quietly: no sanitizer or fuzzer handlers, no core file.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS})
    std::signal(sig, SIG_DFL);
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(nullptr);
  // Nothing of the child's goes to the user's terminal (the parent reports the outcome).
  const int devnull = ::open("/dev/null", O_WRONLY);
  if (devnull >= 0) ::dup2(devnull, STDERR_FILENO);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  try {
    // The caller's reads first, in its order: the library's behaviour on a damaged file depends
    // on what its caches already hold (found by fuzz_nir: a walk in another order read a file
    // whose loading then crashed).
    if (first) first();
  } catch (...) {  // the caller will get the same error in process
  }
  try {
    if (H5Fis_hdf5(path.c_str()) > 0) {
      const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
      if (file >= 0) {
        std::size_t budget = 100'000;
        probe_group(file, "/", 0, budget);
        H5Fclose(file);
      }
    }
  } catch (...) {
    ::_exit(3);
  }
  ::_exit(0);
}

// Resident bytes of a process (/proc/<pid>/statm), 0 when unknown.
std::uint64_t resident_bytes(const std::string& pid) {
  std::uint64_t bytes = 0;
  std::string statm = "/proc/";
  statm += pid;
  statm += "/statm";
  if (std::FILE* f = std::fopen(statm.c_str(), "r")) {
    unsigned long long pages = 0, resident = 0;
    if (std::fscanf(f, "%llu %llu", &pages, &resident) == 2) {
      bytes = resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    }
    std::fclose(f);
  }
  return bytes;
}

[[noreturn]] void too_much_memory(const std::string& path, std::uint64_t growth,
                                  std::uint64_t allowed) {
  std::string msg = "reading the file needs ";
  msg += std::to_string(growth >> 20);
  msg += " MiB of memory or more, above the ";
  msg += std::to_string(allowed >> 20);
  msg += " MiB allowed for it (a damaged size field?); is the file corrupt?";
  throw InputError(path, msg);
}

}  // namespace

void probe_in_child(const std::string& path, double timeout_s, const std::function<void()>& first) {
  if (timeout_s <= 0) return;  // trusted files: read in process only
  // A few corrupt bytes can make the library allocate and fill gigabytes (a damaged size field):
  // the child may grow by 256 MiB + 8 x the file size over what it shares with this process
  // (reading a real file takes a few buffers of at most 128 MiB, see kProbeMaxPoints).
  std::error_code ec;
  const std::uint64_t file_bytes = std::filesystem::file_size(path, ec);
  const std::uint64_t allowed = (std::uint64_t{256} << 20) + 8 * file_bytes;
  // No other thread may be inside the library while it is forked (its state is copied).
  const std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
  const std::uint64_t baseline = resident_bytes("self");  // the child starts with it, shared
  const pid_t pid = ::fork();
  if (pid < 0) return;  // cannot isolate: read in process as before
  if (pid == 0) probe_child(path, first);
  // Wait for the child (on a pidfd, Linux 5.3+, else in short sleeps), watching its memory.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(timeout_s, 0.0));
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  const std::string child = std::to_string(pid);
  auto pause = std::chrono::microseconds(100);
  int status = 0;
  rusage usage{};
  auto stop_child = [&] {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (pidfd >= 0) ::close(pidfd);
  };
  while (true) {
    const pid_t r = ::wait4(pid, &status, WNOHANG, &usage);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {  // the child was reaped elsewhere: no verdict
      if (pidfd >= 0) ::close(pidfd);
      return;
    }
    const std::uint64_t now_resident = resident_bytes(child);
    if (now_resident > baseline && now_resident - baseline > allowed) {
      stop_child();
      too_much_memory(path, now_resident - baseline, allowed);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) {
      stop_child();
      std::string msg = "the HDF5 library did not finish reading the file within ";
      msg += std::to_string(static_cast<long long>(std::ceil(timeout_s)));
      msg += " s (it loops forever on some damaged files); is the file corrupt?";
      throw InputError(path, msg);
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count() + 1, 10)));
    } else {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(10'000));
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  // The child exits 0 (read) or 3 (the library reported an error); anything else is a crash (a
  // signal, or a sanitizer's exit code in sanitizer builds).
  if (WIFSIGNALED(status) ||
      (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)) {
    std::string msg = "the HDF5 library crashed reading the file (";
    if (WIFSIGNALED(status)) {
      msg += "signal ";
      msg += std::to_string(WTERMSIG(status));
      msg += ", ";
      msg += strsignal(WTERMSIG(status));
    } else {
      msg += "exit status ";
      msg += std::to_string(WEXITSTATUS(status));
    }
    msg += "); is the file corrupt or truncated?";
    throw InputError(path, msg);
  }
  // A peak between two looks at its memory.
  const std::uint64_t peak = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
  if (peak > baseline && peak - baseline > allowed) too_much_memory(path, peak - baseline, allowed);
}

}  // namespace stems::nir::detail
