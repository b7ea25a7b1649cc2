#pragma once
// Private to src/nir: a small read-only view of an HDF5 file over the HDF5 C library, enough for
// NIR: groups and their members, string scalars and string arrays, integer arrays, dataset
// shapes. Compressed datasets are decoded by the library's filters (gzip, as NIR writes). Every
// failure is an InputError naming the file and the object path.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace stems::nir::detail {

class H5Reader {
 public:
  explicit H5Reader(const std::string& path);  // throws InputError for non-HDF5 or unreadable files
  ~H5Reader();
  H5Reader(const H5Reader&) = delete;
  H5Reader& operator=(const H5Reader&) = delete;

  bool exists(const std::string& object) const;
  bool is_group(const std::string& object) const;
  std::vector<std::string> members(const std::string& group) const;  // sorted names
  std::vector<std::uint64_t> shape(const std::string& dataset) const;
  std::vector<std::string> strings(const std::string& dataset) const;  // scalar -> 1 element
  std::string string(const std::string& dataset) const;
  std::vector<std::int64_t> integers(const std::string& dataset) const;  // ints or floats, rounded
  // Finite floating-point values (float or integer datasets), in the file's row-major order.
  std::vector<double> doubles(const std::string& dataset) const;

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail(const std::string& object, const std::string& what) const;
  // A failed H5Dread of `dataset` (an hid_t): names a compression filter the library lacks if
  // that is why, else `what`.
  [[noreturn]] void fail_read(long long dataset, const std::string& object,
                              const std::string& what) const;
  // Debian's HDF5 is built without thread safety: a reader holds the library for its lifetime
  // (campaign runs and the optimiser load models from several threads).
  std::unique_lock<std::recursive_mutex> lock_;
  std::string path_;
  long long file_ = -1;  // hid_t
};

// In a forked child process: runs `first` (the caller's own reads, without a probe), then reads
// every object of the HDF5 file at `path` (group listings, dataset types and shapes, strings,
// numbers, as H5Reader would). Throws InputError naming the file when the HDF5 library crashes
// there, does not finish within `timeout_s` or needs more than 256 MiB + 8 x the file size of
// memory (the child is stopped as soon as it does). Returns normally otherwise, also when the
// library merely reports errors (the caller then reports them precisely); at once when
// timeout_s <= 0. Debian's libhdf5 1.10.8 loops forever, crashes or allocates gigabytes on some
// corrupt files (found by tests/fuzz/fuzz_nir): the caller repeats in process only reads the
// child survived.
void probe_in_child(const std::string& path, double timeout_s,
                    const std::function<void()>& first = {});

}  // namespace stems::nir::detail
