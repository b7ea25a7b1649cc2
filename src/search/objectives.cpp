#include "stems/search/objectives.hpp"

#include <stdexcept>

namespace stems::search {

std::vector<std::string> ObjectiveSet::names() const {
  std::vector<std::string> n = {"energy_pJ", "latency_cycles", "state_bits"};
  if (accuracy) n.emplace_back("accuracy");
  return n;
}

std::vector<double> to_pagmo(const Objectives& o, const ObjectiveSet& set) {
  std::vector<double> v = {o.energy_pJ, o.latency_cycles, o.state_bits};
  if (set.accuracy) {
    if (!o.accuracy) throw std::logic_error("objectives lack the accuracy the search optimises");
    v.push_back(-*o.accuracy);
  }
  return v;
}

std::vector<double> to_pagmo(const Fitness& f, const ObjectiveSet& set) {
  if (!f.feasible()) return std::vector<double>(set.size(), kPenalty);
  return to_pagmo(*f.objectives, set);
}

Fitness from_pagmo(const std::vector<double>& v, const ObjectiveSet& set) {
  if (v.size() != set.size()) {
    throw std::logic_error("fitness of " + std::to_string(v.size()) + " values, expected " +
                           std::to_string(set.size()));
  }
  if (v[0] >= kPenalty) return Fitness::infeasible("");
  Objectives o;
  o.energy_pJ = v[0];
  o.latency_cycles = v[1];
  o.state_bits = v[2];
  if (set.accuracy) o.accuracy = -v[3];
  return {o, ""};
}

}  // namespace stems::search
