#pragma once
// A network evaluated the way ZigZag 2.4.5 evaluates one (its `get_hardware_performance_zigzag`):
// every conv2d and linear layer on its own, starting and ending in DRAM (the DRAM as the top level
// of every operand), with the best loop nest under a criterion; energy and latency summed over
// the layers. Other layers (pools, adds, flattens) cost nothing there, as ZigZag's ONNX parser
// makes them dummy nodes. Latency is ZigZag's latency_total2: ideal temporal cycles + stalls +
// loading + offloading; nothing overlaps.

#include <cstdint>
#include <string>
#include <vector>

#include "stems/cost/node_cost.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/workload/network.hpp"

namespace stems::cost {

struct LayerSweepRow {
  int layer = 0;
  std::string name;
  workload::OpType op = workload::OpType::Conv2d;
  std::string core;
  bool costed = false;        // conv2d or linear; every other layer is free
  NodeCost cost;              // the chosen loop nest (empty when not costed)
  double latency_cycles = 0;  // latency_total2 (0 when not costed)
};

struct LayerSweep {
  std::vector<LayerSweepRow> rows;  // topological order
  double energy_pJ = 0;             // sum over the costed layers, in row order
  double latency_cycles = 0;
  std::size_t costed_layers = 0;
  std::size_t distinct_layers = 0;  // loop nests searched (repeated shapes are searched once)
};

// Options: `search.dram_top_for_all`, `search.zigzag_dim_order` and ZigZag's allocation tie rule
// (`search.policy.largest_streamed_tile_on_ties`) are forced on. Layers run on
// the first core that runs their operator. `threads`: 0 = one per hardware thread. Throws
// InputError (no core runs an operator) or Infeasible.
LayerSweep sweep_layers(const workload::Network& net, const hardware::Accelerator& acc,
                        NodeSearchOptions search, unsigned threads = 0);

}  // namespace stems::cost
