#pragma once
// The per-node selection criterion of the loop-nest search (`--criterion energy|latency|edp`).
//   energy  (the default, STEMS's choice): minimum energy; ties: lower latency incl. offloading.
//   latency (ZigZag 2.4.5's API default, used by its test suite): minimum latency including
//           on- and off-loading (ZigZag's latency_total2); ties: lower energy.
//   edp:    minimum energy x latency_total2; ties: lower energy.
// Ties on both keep the first ordering in enumeration order.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stems/common/error.hpp"
#include "stems/common/names.hpp"
#include "stems/workload/types.hpp"

namespace stems::cost {

enum class Criterion : std::uint8_t { Energy, Latency, Edp };
inline constexpr NameTable<Criterion, 3> kCriterionNames = {
    {{Criterion::Energy, "energy"}, {Criterion::Latency, "latency"}, {Criterion::Edp, "edp"}}};

// The criterion named by the user; "" gives `fallback`. Throws InputError with `where` (the flag
// or file:line) and the allowed names (as policy_named does for models).
inline Criterion criterion_named(std::string_view name, Criterion fallback,
                                 const std::string& where) {
  if (name.empty()) return fallback;
  const auto c = parse_name(kCriterionNames, name);
  if (!c) throw InputError(where, "expected " + allowed_names(kCriterionNames));
  return *c;
}

// True when (energy, latency2) is better than the best so far under `c` (strict: exact ties on
// both keep the earlier candidate).
inline bool better(Criterion c, double energy_pJ, double latency2_cycles, double best_energy_pJ,
                   double best_latency2_cycles) {
  switch (c) {
    case Criterion::Latency:
      return latency2_cycles < best_latency2_cycles ||
             (latency2_cycles == best_latency2_cycles && energy_pJ < best_energy_pJ);
    case Criterion::Edp: {
      const double edp = energy_pJ * latency2_cycles;
      const double best = best_energy_pJ * best_latency2_cycles;
      return edp < best || (edp == best && energy_pJ < best_energy_pJ);
    }
    case Criterion::Energy:
      break;
  }
  return energy_pJ < best_energy_pJ ||
         (energy_pJ == best_energy_pJ && latency2_cycles < best_latency2_cycles);
}

// ZigZag 2.4.5's loop-dimension key order of a layer (its ONNX parser's loop_dim_size order:
// conv B, K, G, OX, OY, C, FX, FY; linear K, C, B), which breaks its prime-factor merge ties.
// T (absent in ZigZag) first.
inline std::vector<workload::Dim> zigzag_dim_order(workload::OpType op) {
  using workload::Dim;
  if (op == workload::OpType::Linear) return {Dim::T, Dim::K, Dim::C, Dim::B};
  return {Dim::T, Dim::B, Dim::K, Dim::G, Dim::OX, Dim::OY, Dim::C, Dim::FX, Dim::FY};
}

}  // namespace stems::cost
