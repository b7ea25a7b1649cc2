#include "stems/workload/state_schedule.hpp"

#include "stems/common/error.hpp"

namespace stems::workload {

void check_block_bits(const std::string& bits, int blocks, const std::string& source,
                      const std::string& label, const std::string& allowed) {
  std::string msg = label;  // built by appending (g++ 12 warns on chained + here)
  msg += "'";
  msg += bits;
  if (bits.size() != static_cast<std::size_t>(blocks)) {
    msg += "' has " + std::to_string(bits.size()) + " characters; the workload has " +
           std::to_string(blocks) + " blocks, so one character ('0' or '1') per block is expected";
    throw InputError(source, msg);
  }
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] != '0' && bits[i] != '1') {
      msg += "': character " + std::to_string(i) + " is '";
      msg += bits[i];
      msg += "'; only ";
      msg += allowed;
      msg += " are allowed";
      throw InputError(source, msg);
    }
  }
}

void apply_declared_state(Network& net) {
  for (Vertex v : net.topological_order()) {
    Layer& l = net.mutable_layer(v);
    l.keeps_state = l.state_policy != StatePolicy::Drop;
  }
}

void apply_state_schedule(Network& net, const std::string& bits, const std::string& source) {
  check_block_bits(bits, net.block_count(), source, "state schedule ",
                   "'0' (drop state) and '1' (keep state)");
  for (Vertex v : net.topological_order()) {
    Layer& l = net.mutable_layer(v);
    l.keeps_state = bits[static_cast<std::size_t>(l.block)] == '1';
  }
}

std::string current_state_schedule(const Network& net) {
  std::string bits(static_cast<std::size_t>(net.block_count()), '1');
  std::vector<int> neuron_layers(bits.size(), 0), kept(bits.size(), 0);
  for (Vertex v : net.topological_order()) {
    const Layer& l = net.layer(v);
    if (!l.has_neurons()) continue;
    ++neuron_layers[static_cast<std::size_t>(l.block)];
    kept[static_cast<std::size_t>(l.block)] += l.keeps_state ? 1 : 0;
  }
  for (std::size_t b = 0; b < bits.size(); ++b) {
    if (neuron_layers[b] > 0 && kept[b] == 0) bits[b] = '0';
  }
  return bits;
}

}  // namespace stems::workload
