#pragma once
// The accelerator as our data model sees it (cores, PE array and dataflow, memory levels with
// copies and per-bit costs, DRAM, links, core allocation), plus the closed-form figures of a
// workload on it (stems/cost/bounds.hpp), as text and JSON.

#include <string>

#include "stems/cost/bounds.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/report/network_report.hpp"

namespace stems::report {

Json accelerator_json(const hardware::Accelerator& acc);
std::string accelerator_text(const hardware::Accelerator& acc);

Json bounds_json(const cost::Bounds& bounds);
std::string bounds_text(const cost::Bounds& bounds);

}  // namespace stems::report
