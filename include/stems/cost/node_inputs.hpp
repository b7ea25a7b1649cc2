#pragma once
// What a computation node's variable inputs occupy in the top memory, for the capacity check:
// the bits its producers deliver (Stream's in-edge bits: producer output tiles at their final
// precision, without the consumer's halo). A layer reading the network input keeps its own
// tensor size (with halo), as the reference does for constant operands.

#include "stems/cost/node_search.hpp"
#include "stems/workload/network.hpp"

namespace stems::cost {

// For a node that covers `fraction` of layer v's output (1 for the whole layer; T tile / T times
// OX tile / OX for a tile), the producers' bits scaled by the same fraction.
OperandBits producer_bits(const workload::Network& net, workload::Vertex v, double fraction = 1.0);

}  // namespace stems::cost
