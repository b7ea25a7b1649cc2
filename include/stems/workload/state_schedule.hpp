#pragma once
// Per-block neuron-state decisions, as STEMS's nPLIF variants: one character per block,
// '1' = the block's layers keep the state their neuron model declares, '0' = its layers with
// neurons become stateless (they fire from the current input only: the output stays at its
// partial-sum precision inside the layer and spikes go out; nothing is carried to the next step).
// Layers without a neuron model are unaffected.

#include <string>

#include "stems/workload/network.hpp"

namespace stems::workload {

// Checks a per-block bit string: one '0'/'1' character per block of the network. Throws
// InputError(source, ...) whose message starts with `label` (e.g. "state schedule ") and names the
// meaning of the two characters as `allowed` (e.g. "'0' and '1'").
void check_block_bits(const std::string& bits, int blocks, const std::string& source,
                      const std::string& label, const std::string& allowed);

// Applies the declared per-layer policies (keep/free -> kept, drop -> dropped).
void apply_declared_state(Network& net);

// Validates `bits` against the network's block count and applies it. Throws InputError with
// where = `source` (e.g. "--state-schedule") when the string is malformed.
void apply_state_schedule(Network& net, const std::string& bits,
                          const std::string& source = "--state-schedule");

// The schedule string the network currently has ('1' where any layer of the block keeps state or
// the block has no neurons, '0' where its neuron layers are all stateless).
std::string current_state_schedule(const Network& net);

}  // namespace stems::workload
