#pragma once
// `stems explain`: the chosen loop nest of one computation node and every number behind its cost
// (spatial unrolling, loops per operand and memory level, word accesses and energy per operand x
// level x direction, latency parts), as text and JSON.

#include <string>

#include "stems/cost/node_cost.hpp"
#include "stems/report/network_report.hpp"
#include "stems/workload/layer.hpp"

namespace stems::report {

Json node_cost_json(const workload::Layer& node, const cost::NodeCost& cost);
std::string node_cost_text(const workload::Layer& node, const std::string& core_name,
                           const cost::NodeCost& cost);

}  // namespace stems::report
