#include "stems/cost/bounds.hpp"

#include "stems/common/error.hpp"

namespace stems::cost {

using workload::Dim;

Bounds compute_bounds(const workload::Network& net, const hardware::Accelerator& acc) {
  Bounds b;
  const auto allocation = acc.allocation();
  const hardware::Dram& dram = acc.dram;
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    LayerBounds lb;
    lb.layer_id = l.id;
    auto it = allocation.find(l.op);
    if (it == allocation.end() || it->second.empty()) {
      throw InputError("hardware '" + acc.name + "'",
                       "no core runs operator '" + std::string(workload::op_name(l.op)) +
                           "' (needed by layer " + std::to_string(l.id) +
                           "); add it to a core's `operators`");
    }
    lb.core_id = it->second.front();
    const auto& array = acc.cores[static_cast<std::size_t>(lb.core_id)].array;
    lb.multi_bit_macs = workload::has_weights(l.op) && l.precision.I > 1;
    lb.compute_energy_pJ = static_cast<double>(l.ops()) *
                           (lb.multi_bit_macs ? array.mac_energy_pJ : array.accumulate_energy_pJ);
    lb.weight_read_bits = l.weight_bits();
    lb.state_read_bits = lb.state_write_bits = l.state_bits();
    if (l.input_is_network_input) {
      lb.input_read_bits = l.size(Dim::T) * l.input_bits_per_timestep();
    }
    if (net.is_sink(v)) lb.output_write_bits = l.size(Dim::T) * l.output_bits_per_timestep();

    const double w = dram.read_energy_pJ_for(lb.weight_read_bits);
    const double s =
        dram.read_energy_pJ_for(lb.state_read_bits) + dram.write_energy_pJ_for(lb.state_write_bits);
    const double i = dram.read_energy_pJ_for(lb.input_read_bits);
    const double o = dram.write_energy_pJ_for(lb.output_write_bits);
    lb.dram_energy_pJ = w + s + i + o;

    b.compute_energy_pJ += lb.compute_energy_pJ;
    b.weight_read_bits += lb.weight_read_bits;
    b.state_read_bits += lb.state_read_bits;
    b.state_write_bits += lb.state_write_bits;
    b.input_read_bits += lb.input_read_bits;
    b.output_write_bits += lb.output_write_bits;
    b.weight_dram_energy_pJ += w;
    b.state_dram_energy_pJ += s;
    b.input_dram_energy_pJ += i;
    b.output_dram_energy_pJ += o;
    b.dram_energy_pJ += lb.dram_energy_pJ;
    b.layers.push_back(lb);
  }
  return b;
}

}  // namespace stems::cost
