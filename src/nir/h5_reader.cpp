#include "h5_reader.hpp"

#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
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

}  // namespace

namespace {
std::recursive_mutex& hdf5_mutex() {
  static std::recursive_mutex m;
  return m;
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
      fail(dataset, "cannot read the strings");
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
      fail(dataset, "cannot read the strings");
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
      fail(dataset, "cannot read the integers");
    }
    return v;
  }
  if (cls == H5T_FLOAT) {
    std::vector<double> v(static_cast<std::size_t>(n));
    if (n > 0 && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) {
      fail(dataset, "cannot read the numbers");
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
    fail(dataset, "cannot read the numbers");
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
    H5Lexists(file, object.c_str(), H5P_DEFAULT);
    H5O_info_t info;
    if (H5Oget_info_by_name2(file, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
      continue;
    }
    if (info.type == H5O_TYPE_GROUP) {
      probe_group(file, object, depth + 1, budget);
    } else if (info.type == H5O_TYPE_DATASET) {
      probe_dataset(file, object);
    }
  }
}

[[noreturn]] void probe_child(const std::string& path) {
  // A crash must end this process quietly: no sanitizer or fuzzer handlers, no core file.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS})
    std::signal(sig, SIG_DFL);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
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

}  // namespace

void probe_in_child(const std::string& path, double timeout_s) {
  // No other thread may be inside the library while it is forked (its state is copied).
  const std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
  const pid_t pid = ::fork();
  if (pid < 0) return;  // cannot isolate: read in process as before
  if (pid == 0) probe_child(path);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(timeout_s, 0.0));
  auto pause = std::chrono::microseconds(100);
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return;  // the child was reaped elsewhere: no verdict
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      std::string msg = "the HDF5 library did not finish reading the file within ";
      msg += std::to_string(static_cast<long long>(std::ceil(timeout_s)));
      msg += " s (it loops forever on some damaged files); is the file corrupt?";
      throw InputError(path, msg);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20'000));
  }
  if (WIFSIGNALED(status)) {
    std::string msg = "the HDF5 library crashed reading the file (signal ";
    msg += std::to_string(WTERMSIG(status));
    msg += ", ";
    msg += strsignal(WTERMSIG(status));
    msg += "); is the file corrupt or truncated?";
    throw InputError(path, msg);
  }
}

}  // namespace stems::nir::detail
