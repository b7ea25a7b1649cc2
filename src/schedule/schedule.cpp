#include "stems/schedule/schedule.hpp"

#include "stems/common/error.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::schedule {

bool keeps_state(const workload::Network& net, const Schedule& s, workload::Vertex v) {
  return s.keep_state.empty() ? net.layer(v).keeps_state : s.keep_state[v] != 0;
}

workload::Layer scheduled_layer(const workload::Network& net, const Schedule& s,
                                workload::Vertex v) {
  workload::Layer l = net.layer(v);
  l.keeps_state = keeps_state(net, s, v);
  if (!s.densities.empty()) {
    l.input_density = s.densities[v].input;
    l.output_density = s.densities[v].output;
  }
  return l;
}

std::uint64_t state_bits(const workload::Network& net, const Schedule& s) {
  std::uint64_t bits = 0;  // the network's totals fit 64 bits (checked when it was built)
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    if (l.has_neurons() && keeps_state(net, s, v)) {
      workload::Layer kept = l;
      kept.keeps_state = true;
      bits += kept.state_bits();
    }
  }
  return bits;
}

std::string state_schedule(const workload::Network& net, const Schedule& s) {
  std::string bits(static_cast<std::size_t>(net.block_count()), '1');
  std::vector<int> neuron_layers(bits.size(), 0), kept(bits.size(), 0);
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    if (!l.has_neurons()) continue;
    ++neuron_layers[static_cast<std::size_t>(l.block)];
    kept[static_cast<std::size_t>(l.block)] += keeps_state(net, s, v) ? 1 : 0;
  }
  for (std::size_t b = 0; b < bits.size(); ++b) {
    if (neuron_layers[b] > 0 && kept[b] == 0) bits[b] = '0';
  }
  return bits;
}

void set_state_schedule(Schedule& s, const workload::Network& net, const std::string& bits,
                        const std::string& source) {
  workload::check_block_bits(bits, net.block_count(), source, "state schedule ",
                             "'0' (drop state) and '1' (keep state)");
  s.keep_state.assign(net.layer_count(), 0);
  for (workload::Vertex v : net.topological_order()) {
    s.keep_state[v] = bits[static_cast<std::size_t>(net.layer(v).block)] == '1' ? 1 : 0;
  }
}

std::vector<int> fuse_groups(const std::string& time_bits, const std::string& depth_bits,
                             bool fuse_barrier) {
  std::vector<int> groups(time_bits.size(), 0);
  if (!fuse_barrier) return groups;
  int counter = 0;
  char previous = 0;  // 'B' time-batched fused, 'S' time-sequential fused, 0 none
  for (std::size_t b = 0; b < time_bits.size(); ++b) {
    char kind = 0;
    if (depth_bits[b] == '1') kind = time_bits[b] == '1' ? 'B' : 'S';
    if (kind != 0 && previous != 0 && kind != previous) ++counter;
    groups[b] = counter;
    previous = kind;
  }
  return groups;
}

bool is_canonical_name(const std::string& name) {
  if (name == "TB-LBL" || name == "TB-F" || name == "ST-LBL" || name == "ST-F") return true;
  return name.size() > 3 && name.size() <= 6 && name.rfind("HY-", 0) == 0 &&
         name.find_first_not_of("0123456789", 3) == std::string::npos &&
         std::stoi(name.substr(3)) >= 1;
}

std::pair<std::string, std::string> canonical_bits(const std::string& name, int blocks) {
  const auto n = static_cast<std::size_t>(blocks);
  const std::string ones(n, '1'), zeros(n, '0');
  if (name == "TB-LBL") return {ones, zeros};
  if (name == "TB-F") return {ones, ones};
  if (name == "ST-LBL") return {zeros, zeros};
  if (name == "ST-F") return {zeros, ones};
  if (!is_canonical_name(name)) {
    throw InputError(name, "not a canonical schedule (TB-LBL, TB-F, ST-LBL, ST-F or HY-<k>)");
  }
  const int k = std::stoi(name.substr(3));  // HY-<k>
  if (k >= blocks) {
    throw InputError(name, "a hybrid needs fewer time-sequential blocks than the network's " +
                               std::to_string(blocks));
  }
  return {std::string(static_cast<std::size_t>(k), '0') + std::string(n - std::size_t(k), '1'),
          ones};
}

std::vector<std::string> canonical_names(int blocks) {
  std::vector<std::string> names = {"TB-LBL", "TB-F", "ST-LBL", "ST-F"};
  for (int k = 1; k < blocks; ++k)
    names.push_back("HY-" + std::to_string(k));
  return names;
}

Schedule schedule_from_bits(const workload::Network& net, const std::string& time_bits,
                            const std::string& depth_bits, bool fuse_barrier) {
  workload::check_block_bits(time_bits, net.block_count(), "--time-schedule", "", "'0' and '1'");
  workload::check_block_bits(depth_bits, net.block_count(), "--depth-schedule", "", "'0' and '1'");
  Schedule s;
  s.time_bits = time_bits;
  s.depth_bits = depth_bits;
  s.fuse_barrier = fuse_barrier;
  const auto groups = fuse_groups(time_bits, depth_bits, fuse_barrier);
  s.layers.resize(net.layer_count());
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    const auto b = static_cast<std::size_t>(l.block);
    LayerTiling& t = s.layers[v];
    t.time_tile = time_bits[b] == '1' ? l.size(workload::Dim::T) : 1;
    t.ox_tile = depth_bits[b] == '1' ? 1 : l.size(workload::Dim::OX);
    t.fuse_group = groups[b];
  }
  return s;
}

}  // namespace stems::schedule
