#include "stems/search/accuracy_model.hpp"

#include "stems/workload/state_schedule.hpp"

namespace stems::search {

double AccuracyModel::estimate(const workload::Network& net) const {
  const std::string bits = workload::current_state_schedule(net);
  if (oracle) return oracle->estimate(bits).accuracy;
  if (!table.empty()) {
    auto it = table.find(bits);
    return it == table.end() ? 0.0 : it->second;
  }
  double acc = base.value_or(0.0);
  for (std::size_t b = 0; b < bits.size() && b < block_drop.size(); ++b) {
    if (bits[b] == '0') acc -= block_drop[b];
  }
  return acc;
}

void AccuracyModel::annotate_densities(workload::Network& net) const {
  if (!oracle) return;
  const auto e = oracle->estimate(workload::current_state_schedule(net));
  for (workload::Vertex v : net.topological_order()) {
    auto& l = net.mutable_layer(v);
    if (auto it = e.densities.find(l.id); it != e.densities.end()) {
      l.input_density = it->second.first;
      l.output_density = it->second.second;
    }
  }
}

}  // namespace stems::search
