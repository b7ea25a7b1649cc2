#pragma once
// The genome: which inter-layer schedule and which neuron-state decisions a vector of integers
// stands for. Every gene has at least two options (a fixed choice is not a gene).
//
// Spaces:
//   stems: STEMS's per-block space: a time bit (one node per timestep, or all T) and a depth bit
//          (whole map, or one column per node) per block; fuse groups from STEMS's barrier rule.
//   full:  per block (or per layer) a time tile from the divisors of T, a spatial tile (whole
//          map, or a fusion width from the divisors of the columns common to the unit's layers),
//          and per block a fuse barrier before it.
// Both add a keep/drop gene for every layer the workload marks `state = "free"` (per block with
// block granularity), and on multi-core hardware the core of every layer whose operator more than
// one core may run.

#include <cstdint>
#include <string>
#include <vector>

#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/workload/network.hpp"

namespace stems::search {

enum class SpaceKind : std::uint8_t { Stems, Full };
enum class Granularity : std::uint8_t { Block, Layer };

enum class GeneKind : std::uint8_t { TimeTile, SpatialTile, Barrier, StateKeep, Core };
std::string_view gene_kind_name(GeneKind k);

struct Gene {
  GeneKind kind = GeneKind::TimeTile;
  int unit = 0;                        // block id, or layer id for Layer granularity / state genes
  std::vector<std::uint64_t> options;  // tiles (0 = whole map for spatial), 0/1 for flags
  std::string label;                   // e.g. "b3.time", "L17.state"
};

class SearchSpace {
 public:
  // With an accelerator, a layer whose operator may run on several cores gets a core gene.
  SearchSpace(const workload::Network& net, SpaceKind kind, Granularity granularity,
              const hardware::Accelerator* acc = nullptr);

  const std::vector<Gene>& genes() const { return genes_; }
  std::size_t dimension() const { return genes_.size(); }
  // Number of distinct genomes (as a double: it can be astronomically large).
  double size() const;
  bool has_state_genes() const;
  SpaceKind kind() const { return kind_; }
  // True when gene units are blocks (block granularity, or the stems space whatever the
  // granularity); else they are layer ids.
  bool per_block() const { return granularity_ == Granularity::Block || kind_ == SpaceKind::Stems; }
  // The block of a gene's unit.
  int block_of(const Gene& g) const;

  // Decodes a genome (values are rounded and clamped to the option range, so continuous
  // algorithms can be used) into a schedule with every layer's state decision (the state genes',
  // else as the network declares). The network is not touched.
  schedule::Schedule decode(const std::vector<double>& x) const;
  // The genome of STEMS's per-block bit strings (states as declared). Throws
  // std::invalid_argument if the space cannot express it.
  std::vector<double> encode_bits(const std::string& time_bits,
                                  const std::string& depth_bits) const;
  // Per-block time/depth description of a decoded schedule, for reports ("1" all T / whole map).
  std::string describe(const std::vector<double>& x) const;

 private:
  const workload::Network* net_;
  SpaceKind kind_;
  Granularity granularity_;
  std::vector<Gene> genes_;
};

}  // namespace stems::search
