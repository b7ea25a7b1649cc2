#pragma once
// Hardware genes: the accelerator parameters a co-design search sizes ([search.hardware] of a run
// config; names in stems/hardware/variant.hpp), each a list of values. A parameter with one value
// is fixed (set on the template, not a gene). The hardware file is the template; a genome's values
// configure a copy of it (memory energies follow the technology model), or make it infeasible
// with the reason.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stems/hardware/accelerator.hpp"
#include "stems/hardware/variant.hpp"
#include "stems/workload/network.hpp"

namespace stems::search {

// One [search.hardware] entry as read from the run file.
struct HardwareGeneSpec {
  std::string parameter;              // e.g. "sram_1MB.size_bits"
  std::vector<std::uint64_t> values;  // distinct, in the order given
  std::string where;                  // "file:line:col" of the entry, for messages
};

struct HardwareGene {
  hardware::Knob knob;
  std::vector<std::uint64_t> options;
  std::string label;  // "hw.<parameter>"
};

class HardwareSpace {
 public:
  HardwareSpace() = default;
  // Throws InputError at the entry's location for a name the template does not have, a capacity
  // outside the technology table, a PE dimension no layer of the workload can unroll, a zero.
  HardwareSpace(const hardware::Accelerator& tpl, const workload::Network& net,
                const std::vector<HardwareGeneSpec>& specs);

  bool empty() const { return knobs_.empty(); }
  const std::vector<HardwareGene>& genes() const { return genes_; }
  std::size_t dimension() const { return genes_.size(); }
  // Parameter values of a genome's hardware genes (x[first ..]), fixed parameters included, in
  // the order of knobs().
  std::vector<std::uint64_t> values(const std::vector<double>& x, std::size_t first) const;
  const std::vector<hardware::Knob>& knobs() const { return knobs_; }
  // The value of knobs()[i] when it is a fixed parameter (one value in [search.hardware]);
  // nullopt for a gene.
  std::optional<std::uint64_t> fixed_value(std::size_t i) const {
    if (i < genes_.size() || i - genes_.size() >= fixed_.size()) return std::nullopt;
    return fixed_[i - genes_.size()];
  }
  // The accelerator of these values; throws Infeasible with the reason when it cannot be built.
  hardware::Accelerator configure(const hardware::Accelerator& tpl,
                                  const std::vector<std::uint64_t>& values) const;

 private:
  std::vector<hardware::Knob> knobs_;  // every parameter: genes first, then fixed ones
  std::vector<std::uint64_t> fixed_;   // values of the fixed parameters
  std::vector<HardwareGene> genes_;
};

}  // namespace stems::search
