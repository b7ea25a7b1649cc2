#pragma once
// Computation nodes (CNs) of a scheduled network and their dependencies.
//
// Each layer is cut into nodes of `time_tile` timesteps x `ox_tile` output columns (all other
// loops whole; one shared tile per layer), generated with the spatial index varying fastest. Nodes
// of one layer are chained in that order (this serialises the timesteps of a layer: state
// causality). A node depends on every producer node whose output columns and timesteps overlap the
// input it reads, including the window's halo, stride and padding.

#include <cstdint>
#include <span>
#include <vector>

#include "stems/schedule/schedule.hpp"
#include "stems/workload/network.hpp"

namespace stems::schedule {

struct ComputationNode {
  std::size_t index = 0;  // position in CnGraph::nodes
  workload::Vertex layer = 0;
  std::uint64_t t_index = 0, x_index = 0;  // tile indices along T and OX
  std::uint64_t t0 = 0, t1 = 0;            // timesteps [t0, t1)
  std::uint64_t x0 = 0, x1 = 0;            // output columns [x0, x1)
  int fuse_group = 0;
  // The layer restricted to this node: shared by every node of the layer (CnGraph::tiles).
  const workload::Layer& tile() const { return *tile_of_layer; }
  const workload::Layer* tile_of_layer = nullptr;
  // Views into the graph's flat edge storage (valid while the CnGraph lives; it moves, it does
  // not copy).
  std::span<const std::size_t> preds;                 // all predecessors (intra-layer chain first)
  std::span<const std::size_t> input_preds;           // producer nodes this node reads data from
  std::span<const workload::Operand> input_operands;  // operand fed by each input_pred
  std::span<const std::size_t> succs;
  std::size_t consumers = 0;  // nodes that read this node's output
};

struct CnGraph {
  CnGraph() = default;
  CnGraph(CnGraph&&) = default;
  CnGraph& operator=(CnGraph&&) = default;
  CnGraph(const CnGraph&) = delete;  // the nodes' spans point into this object's storage
  CnGraph& operator=(const CnGraph&) = delete;

  std::vector<ComputationNode> nodes;
  std::vector<std::vector<std::size_t>> nodes_of_layer;  // indexed by vertex
  // Per layer (indexed by vertex): the node tile all its nodes share (the layer with the
  // schedule's state decision and densities, cut to one time tile x one column tile).
  std::vector<workload::Layer> tiles;
  // Flat edge storage behind the nodes' spans (one allocation each instead of four per node).
  std::vector<std::size_t> pred_store, input_store, succ_store;
  std::vector<workload::Operand> operand_store;
};

// Throws InputError when a tile does not divide its loop.
CnGraph build_cn_graph(const workload::Network& net, const Schedule& schedule);

}  // namespace stems::schedule
