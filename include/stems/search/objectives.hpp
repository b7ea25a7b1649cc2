#pragma once
// What a search minimises and maximises, with named fields, and the one conversion to and from the
// vector of minimised values that pagmo's algorithms work on.
//
// Energy, latency and state bits are always objectives (minimised); accuracy is one when an
// accuracy model is configured (maximised: pagmo sees -accuracy); area_mm2 (minimised, last) when
// the search sizes the hardware ([search.hardware]). A genome the hardware cannot run
// or that violates a constraint is infeasible: pagmo sees kPenalty in every place (the death
// penalty), and the reason is kept beside it.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace stems::search {

// Which optional objectives a search has.
struct ObjectiveSet {
  bool accuracy = false;
  bool area = false;
  std::size_t size() const { return 3 + (accuracy ? 1 : 0) + (area ? 1 : 0); }
  // "energy_pJ", "latency_cycles", "state_bits"[, "accuracy"][, "area_mm2"], in pagmo's order.
  std::vector<std::string> names() const;
};

struct Objectives {
  double energy_pJ = 0;
  double latency_cycles = 0;
  double state_bits = 0;
  std::optional<double> accuracy;  // fraction in [0, 1]; present when the set has accuracy
  std::optional<double> area_mm2;  // present when the set has area
  bool operator==(const Objectives&) const = default;
};

// A genome's fitness: its objectives, or why it cannot be used.
struct Fitness {
  std::optional<Objectives> objectives;  // empty: infeasible
  std::string infeasible_reason;
  static Fitness infeasible(std::string reason) { return {std::nullopt, std::move(reason)}; }
  bool feasible() const { return objectives.has_value(); }
};

inline constexpr double kPenalty = 1e30;

// Pagmo's form: `set.size()` minimised values (accuracy negated); kPenalty everywhere when
// infeasible.
std::vector<double> to_pagmo(const Fitness& f, const ObjectiveSet& set);
std::vector<double> to_pagmo(const Objectives& o, const ObjectiveSet& set);
// The inverse (a vector with kPenalty in its first place is infeasible, reason unknown).
Fitness from_pagmo(const std::vector<double>& v, const ObjectiveSet& set);
// Named objectives of a vector in pagmo's form, whatever its values.
Objectives objectives_from_pagmo(const std::vector<double>& v, const ObjectiveSet& set);

}  // namespace stems::search
