#pragma once
// Shared test fixtures: the shipped workloads and hardware (loaded once per test binary), a small
// three-block SEW tail that searches quickly, and per-process scratch directories.

#include <filesystem>
#include <string>

#include "stems/hardware/accelerator.hpp"
#include "stems/workload/network.hpp"

namespace stems::test {

const std::string& configs_dir();    // the repository's configs/
const std::string& test_data_dir();  // tests/data/

// configs/workloads/<name>.toml and configs/hardware/<name>.toml, loaded once and shared.
const workload::Network& workload(const std::string& name);
const hardware::Accelerator& hardware(const std::string& name);

inline const workload::Network& sew() {
  return workload("sew_resnet_7b");
}
inline const workload::Network& red_lif() {
  return workload("red_lif");
}
inline const hardware::Accelerator& meta() {
  return hardware("meta_proto_1mb");
}

// Blocks 4-6 of SEW-ResNet (small feature maps): 3 blocks, 6 layers, 64 STEMS schedules.
workload::Network sew_tail();

// A fresh directory under the system's temporary directory, removed when the object goes.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace stems::test
