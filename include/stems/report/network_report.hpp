#pragma once
// `stems inspect`: the per-layer table and totals of a workload, as text and JSON.
// JSON contract: {"workload":..., "state_schedule":..., "layers":[...],
//                 "totals":{"ops", "weight_bits", "state_bits", "stateful_neurons"}}

#include <nlohmann/json.hpp>
#include <string>

#include "stems/workload/network.hpp"

namespace stems::report {

using Json = nlohmann::ordered_json;

Json network_json(const workload::Network& net);
std::string network_text(const workload::Network& net);

}  // namespace stems::report
