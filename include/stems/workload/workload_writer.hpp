#pragma once
// Writes a Network as a workload TOML file (configs/README.md format) that load_workload reads
// back to the same network: used by `stems import` so users can edit an imported NIR model.

#include <string>

#include "stems/workload/network.hpp"

namespace stems::workload {

std::string to_toml(const Network& net, const std::string& header_comment);

}  // namespace stems::workload
