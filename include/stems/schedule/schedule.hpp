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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stems/common/names.hpp"
#include "stems/cost/model_policy.hpp"
#include "stems/workload/network.hpp"

namespace stems::schedule {

enum class Order : std::uint8_t { LytGated, Memory, Latency };
inline constexpr NameTable<Order, 3> kOrderNames = {
    {{Order::LytGated, "LYT_gated"}, {Order::Memory, "memory"}, {Order::Latency, "latency"}}};

enum class StateLifecycle : std::uint8_t {
  CarryOver,  // states start in DRAM and are written back after their last use (STEMS)
  Reset       // states start zeroed on chip and are discarded after the last timestep
};
inline constexpr NameTable<StateLifecycle, 2> kLifecycleNames = {
    {{StateLifecycle::CarryOver, "carry"}, {StateLifecycle::Reset, "reset"}}};

// How a node's output columns map to the producer columns it reads. Padded: with the layer's
// padding, as the network computes (column x of a 3x3 stride-1 conv reads x-1 .. x+1). STEMS:
// without padding offset (x reads x .. x+2; the reference does not model padding), which changes
// dependencies between fused tiles and so the on-chip occupancy, never the per-node costs.
enum class InputAlignment : std::uint8_t { Padded, Stems };
inline constexpr NameTable<InputAlignment, 2> kAlignmentNames = {
    {{InputAlignment::Padded, "padded"}, {InputAlignment::Stems, "stems"}}};

// The names users type (flags, schedule files, JSON) are the tables above; these one-line lookups
// keep the callers' spelling (reports, CLI, campaigns). Error messages list
// allowed_names(kOrderNames) and so on.
inline std::string_view order_name(Order o) {
  return name_of(kOrderNames, o);
}
inline std::string_view lifecycle_name(StateLifecycle l) {
  return name_of(kLifecycleNames, l);
}
inline std::string_view alignment_name(InputAlignment a) {
  return name_of(kAlignmentNames, a);
}
inline std::optional<Order> parse_order(std::string_view name) {
  return parse_name(kOrderNames, name);
}
inline std::optional<StateLifecycle> parse_lifecycle(std::string_view name) {
  return parse_name(kLifecycleNames, name);
}
inline std::optional<InputAlignment> parse_alignment(std::string_view name) {
  return parse_name(kAlignmentNames, name);
}
// The alignment of a schedule evaluated under `policy` when none is given explicitly
// (ModelPolicy::unpadded_alignment: `--model stems` implies `--alignment stems`).
inline InputAlignment default_alignment(const cost::ModelPolicy& policy) {
  return policy.unpadded_alignment ? InputAlignment::Stems : InputAlignment::Padded;
}

struct LayerTiling {
  std::uint64_t time_tile = 1;  // timesteps per node: a divisor of T
  std::uint64_t ox_tile = 1;    // output columns per node: a divisor of OX
  int fuse_group = 0;
};

// Spike densities of one layer under a state configuration (fractions of non-zero elements per
// timestep), for zero-skipping cores (cost/sparsity.hpp).
struct LayerDensity {
  double input = 1.0;
  double output = 1.0;
};

struct Schedule {
  std::vector<LayerTiling> layers;  // indexed by vertex
  // Neuron-state decision of each layer (indexed by vertex; 1 keep, 0 drop). Empty: every layer as
  // the loaded network declares it (Layer::keeps_state). The network itself is never changed, so
  // one loaded network serves every schedule and every thread.
  std::vector<std::uint8_t> keep_state;
  // Spike densities of each layer (indexed by vertex) under this schedule's state decisions, set by
  // a simulated accuracy model. Empty: the densities the workload declares.
  std::vector<LayerDensity> densities;
  // Core of each layer (indexed by vertex); empty or -1: the first core allowed for its operator.
  std::vector<int> cores;
  Order order = Order::LytGated;
  StateLifecycle lifecycle = StateLifecycle::CarryOver;
  InputAlignment alignment = InputAlignment::Padded;
  std::string time_bits;  // as given (for reports); empty when built per layer
  std::string depth_bits;
  bool fuse_barrier = true;
};

// The state decision of layer v under `s`: the schedule's, else the network's declared one.
bool keeps_state(const workload::Network& net, const Schedule& s, workload::Vertex v);
// Layer v as a computation node sees it: the network's layer with the schedule's state decision
// and densities.
workload::Layer scheduled_layer(const workload::Network& net, const Schedule& s,
                                workload::Vertex v);
// State bits the network holds under `s` (every stateful neuron's state variables).
std::uint64_t state_bits(const workload::Network& net, const Schedule& s);
// The per-block state string of `s` ('1' where any layer of the block keeps state or the block has
// no neurons, '0' where its neuron layers are all stateless).
std::string state_schedule(const workload::Network& net, const Schedule& s);
// Sets the per-layer decisions from a per-block bit string (validated against the network's block
// count; InputError with where = `source`).
void set_state_schedule(Schedule& s, const workload::Network& net, const std::string& bits,
                        const std::string& source = "--state-schedule");

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
