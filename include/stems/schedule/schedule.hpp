#pragma once
// An inter-layer schedule: how each layer is cut into computation nodes (a time tile = timesteps
// per node, a spatial tile = output columns per node), the fuse groups that gate the list
// scheduler, the priority order and the state lifecycle.
//
// STEMS's per-block bit strings map onto it: time bit 1 = all T timesteps in one node (time
// batched), 0 = one node per timestep; depth bit 1 = one output column per node (layer fusion),
// 0 = the whole feature map. With the fuse barrier, blocks are numbered into fuse groups that
// change whenever a time-batched fused run meets a time-sequential fused run.

#include <cstdint>
#include <string>
#include <vector>

#include "stems/workload/network.hpp"

namespace stems::schedule {

enum class Order : std::uint8_t { LytGated, Memory, Latency };
std::string_view order_name(Order o);  // "LYT_gated", "memory", "latency"

enum class StateLifecycle : std::uint8_t {
  CarryOver,  // states start in DRAM and are written back after their last use (STEMS)
  Reset       // states start zeroed on chip and are discarded after the last timestep
};
std::string_view lifecycle_name(StateLifecycle l);  // "carry", "reset"

// How a node's output columns map to the producer columns it reads. Padded: with the layer's
// padding, as the network computes (column x of a 3x3 stride-1 conv reads x-1 .. x+1). STEMS:
// without padding offset (x reads x .. x+2; the reference does not model padding), which changes
// dependencies between fused tiles and so the on-chip occupancy, never the per-node costs.
enum class InputAlignment : std::uint8_t { Padded, Stems };
std::string_view alignment_name(InputAlignment a);  // "padded", "stems"

struct LayerTiling {
  std::uint64_t time_tile = 1;  // timesteps per node: a divisor of T
  std::uint64_t ox_tile = 1;    // output columns per node: a divisor of OX
  int fuse_group = 0;
};

struct Schedule {
  std::vector<LayerTiling> layers;  // indexed by vertex
  // Core of each layer (indexed by vertex); empty or -1: the first core allowed for its operator.
  std::vector<int> cores;
  Order order = Order::LytGated;
  StateLifecycle lifecycle = StateLifecycle::CarryOver;
  InputAlignment alignment = InputAlignment::Padded;
  std::string time_bits;  // as given (for reports); empty when built per layer
  std::string depth_bits;
  bool fuse_barrier = true;
};

// STEMS's per-block form. Throws InputError (where = the flag name) when a string has the wrong
// length or characters other than 0/1.
Schedule schedule_from_bits(const workload::Network& net, const std::string& time_bits,
                            const std::string& depth_bits, bool fuse_barrier);

// STEMS's hand-picked schedules by name, as (time, depth) bits for `blocks` blocks: TB-LBL, TB-F,
// ST-LBL, ST-F and HY-<k> (the first k blocks time-sequential, the rest time-batched, all fused).
// Throws InputError for another name or k >= blocks.
std::pair<std::string, std::string> canonical_bits(const std::string& name, int blocks);
bool is_canonical_name(const std::string& name);  // whatever the block count
// Every canonical name for `blocks` blocks: the four above, then HY-1 .. HY-<blocks-1>.
std::vector<std::string> canonical_names(int blocks);

// Fuse group of each block for the given bit strings (STEMS's fuse_loops).
std::vector<int> fuse_groups(const std::string& time_bits, const std::string& depth_bits,
                             bool fuse_barrier);

}  // namespace stems::schedule
