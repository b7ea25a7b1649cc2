#pragma once
// Schedule files (`--schedule FILE.toml`, format in configs/README.md): STEMS's per-block bit
// strings and/or per-block and per-layer time tiles, spatial tiles and fuse groups, plus the
// scheduler options.

#include <string>

#include "stems/config/document.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/schedule.hpp"

namespace stems::schedule {

Schedule load_schedule_file(const std::string& path, const workload::Network& net,
                            const hardware::Accelerator& acc);
Schedule load_schedule(const config::Document& doc, const workload::Network& net,
                       const hardware::Accelerator& acc);

}  // namespace stems::schedule
