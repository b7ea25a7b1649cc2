#include "fixtures.hpp"

#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "stems/config/document.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/workload/workload_loader.hpp"

namespace stems::test {

const std::string& configs_dir() {
  static const std::string dir = STEMS_CONFIGS;
  return dir;
}

const std::string& test_data_dir() {
  static const std::string dir = STEMS_TEST_DATA;
  return dir;
}

namespace {
template <typename T, typename Load>
const T& loaded_once(const std::string& name, Load load) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<const T>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = loaded[name];
  if (!slot) slot = std::make_unique<const T>(load(name));
  return *slot;
}
}  // namespace

const workload::Network& workload(const std::string& name) {
  return loaded_once<workload::Network>(name, [](const std::string& n) {
    return workload::load_workload_file(configs_dir() + "/workloads/" + n + ".toml");
  });
}

const hardware::Accelerator& hardware(const std::string& name) {
  return loaded_once<hardware::Accelerator>(name, [](const std::string& n) {
    return hardware::load_hardware_file(configs_dir() + "/hardware/" + n + ".toml");
  });
}

workload::Network sew_tail() {
  const char* text = R"(
[workload]
name = "sew_tail"
timesteps = 16
[[layer]]
id = 0
op = "conv2d"
block = 0
K = 128
C = 64
OY = 8
OX = 8
FY = 1
FX = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
[[layer]]
id = 1
op = "conv2d"
block = 0
K = 128
C = 128
OY = 8
OX = 8
FY = 3
FX = 3
padding = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
inputs = { I = 0 }
[[layer]]
id = 2
op = "maxpool"
block = 0
K = 128
OY = 4
OX = 4
FY = 2
FX = 2
precision = { I = 1, O = 1 }
inputs = { I = 1 }
[[layer]]
id = 3
op = "conv2d"
block = 1
K = 128
C = 128
OY = 4
OX = 4
FY = 3
FX = 3
padding = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
inputs = { I = 2 }
[[layer]]
id = 4
op = "maxpool"
block = 1
K = 128
OY = 2
OX = 2
FY = 2
FX = 2
precision = { I = 1, O = 1 }
inputs = { I = 3 }
[[layer]]
id = 5
op = "conv2d"
block = 2
K = 128
C = 128
OY = 2
OX = 2
FY = 3
FX = 3
padding = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
inputs = { I = 4 }
)";
  return workload::load_workload(config::parse_toml_string(text, "sew_tail.toml"));
}

ScratchDir::ScratchDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("stems_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace stems::test
