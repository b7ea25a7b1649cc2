#include "stems/cost/layer_sweep.hpp"

#include <map>
#include <sstream>

#include "stems/common/error.hpp"
#include "stems/common/parallel_for.hpp"

namespace stems::cost {

namespace {

bool zigzag_costs(workload::OpType op) {
  return op == workload::OpType::Conv2d || op == workload::OpType::Linear;
}

const hardware::Core& core_for(const hardware::Accelerator& acc, const workload::Layer& l) {
  for (const auto& c : acc.cores) {
    if (c.runs(l.op)) return c;
  }
  throw InputError("accelerator '" + acc.name + "'", "no core runs operator '" +
                                                         std::string(workload::op_name(l.op)) +
                                                         "' (layer " + std::to_string(l.id) + ")");
}

// Everything the loop-nest search of a layer depends on (not its id, name or block).
std::string shape_key(const workload::Layer& l, const std::string& core) {
  std::ostringstream k;
  k << core << '|' << int(l.op);
  for (auto s : l.loop)
    k << ',' << s;
  k << '|' << l.stride.y << ',' << l.stride.x << ',' << l.dilation.y << ',' << l.dilation.x << ','
    << l.input_bound_y() << ',' << l.input_bound_x() << '|' << l.precision.W << ',' << l.precision.I
    << ',' << l.precision.O << ',' << l.precision.psum << ',' << l.precision.V << ','
    << int(l.neuron) << ',' << l.keeps_state << ',' << l.input_density << ',' << l.output_density;
  return k.str();
}

}  // namespace

LayerSweep sweep_layers(const workload::Network& net, const hardware::Accelerator& acc,
                        NodeSearchOptions search, unsigned threads) {
  search.dram_top_for_all = true;
  search.zigzag_dim_order = true;
  search.policy.largest_streamed_tile_on_ties = true;  // ZigZag's allocator, every operand in DRAM
  LayerSweep out;
  std::map<std::string, std::size_t> distinct;  // shape key -> index into `work`
  std::vector<std::pair<const workload::Layer*, const hardware::Core*>> work;
  std::vector<std::size_t> work_of_row;
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    LayerSweepRow row;
    row.layer = l.id;
    row.name = l.name;
    row.op = l.op;
    row.costed = zigzag_costs(l.op);
    std::size_t w = SIZE_MAX;
    if (row.costed) {
      const hardware::Core& core = core_for(acc, l);
      row.core = core.name;
      auto [it, fresh] = distinct.emplace(shape_key(l, core.name), work.size());
      if (fresh) work.emplace_back(&l, &core);
      w = it->second;
    }
    work_of_row.push_back(w);
    out.rows.push_back(std::move(row));
  }
  std::vector<NodeCost> costs(work.size());
  parallel_for(work.size(), threads, [&](std::size_t i) {
    costs[i] = search_node(*work[i].first, *work[i].second, acc.dram, {}, search);
  });
  for (std::size_t r = 0; r < out.rows.size(); ++r) {
    if (work_of_row[r] == SIZE_MAX) continue;
    LayerSweepRow& row = out.rows[r];
    row.cost = costs[work_of_row[r]];
    row.latency_cycles = row.cost.latency.latency_cycles + row.cost.latency.offloading_cycles;
    out.energy_pJ += row.cost.energy_pJ;
    out.latency_cycles += row.latency_cycles;
    ++out.costed_layers;
  }
  out.distinct_layers = work.size();
  return out;
}

}  // namespace stems::cost
