#pragma once
// Private to src/nir: a small read-only view of an HDF5 file over the HDF5 C library, enough for
// NIR: groups and their members, string scalars and string arrays, integer arrays, dataset
// shapes. Every failure is an InputError naming the file and the object path.

#include <cstdint>
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

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail(const std::string& object, const std::string& what) const;
  std::string path_;
  long long file_ = -1;  // hid_t
};

}  // namespace stems::nir::detail
