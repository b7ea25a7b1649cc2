#pragma once
// Loads a workload TOML file (format: configs/README.md) into a finalized Network with the
// declared state policies applied. Every problem is an InputError naming the file, the line and
// the key.

#include <string>

#include "stems/config/document.hpp"
#include "stems/workload/network.hpp"

namespace stems::workload {

Network load_workload_file(const std::string& path);
Network load_workload(const config::Document& doc);

}  // namespace stems::workload
