#pragma once
// The tensors the memory manager moves between DRAM and the cores' top memories: the weights of a
// layer, the state of a (layer, spatial tile), the output of a computation node (and its replicas
// on other cores), the network-input tile a node reads.

#include <cstddef>
#include <cstdint>

namespace stems::schedule {

using TensorId = std::size_t;  // position in the memory manager's tensor table
inline constexpr TensorId kNoTensor = SIZE_MAX;

enum class TensorKind : std::uint8_t { Weight, State, Activation, NetworkInput };

struct Tensor {
  TensorKind kind = TensorKind::Weight;
  int layer_id = 0;
  std::uint64_t bits = 0;
  std::int64_t remaining = 0;  // uses left (nodes of the layer, time tiles, consumers)
  int core = -1;               // core whose top memory holds it (-1: not on chip)
  bool in_dram = false;        // a valid copy is in DRAM
  bool started = false;        // a state that was already created or loaded once
  double ready = 0;            // when the current copy (on chip or in DRAM) is complete
  const char* operand = "O";   // label of its transfers and write-backs (a static name)
  double consumers_end = -1;   // latest end of the consumers that ran so far (-1: none yet)
  double last_read = -1;       // latest end of its reads so far: consumers, copies (-1: none)
  // A carried-over state past its last use whose write-back is due (MemoryManager::release), and
  // the bits of it still to move (the write-back goes in parts into the link's spare bandwidth).
  bool write_back_due = false;
  std::uint64_t due_bits = 0;
  // Its uses as positions in the schedule's priority order, ascending (MemoryManager::set_uses;
  // only under next-use eviction): a slice of the manager's storage.
  std::uint32_t uses_begin = 0, use_count = 0;
  bool on_chip() const { return core >= 0; }
};

}  // namespace stems::schedule
