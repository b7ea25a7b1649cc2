#pragma once
// Loads a hardware TOML file (format: configs/README.md) into a validated Accelerator.

#include <string>

#include "stems/config/document.hpp"
#include "stems/hardware/accelerator.hpp"

namespace stems::hardware {

Accelerator load_hardware_file(const std::string& path);
Accelerator load_hardware(const config::Document& doc);

}  // namespace stems::hardware
