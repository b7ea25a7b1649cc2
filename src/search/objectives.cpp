#include "stems/search/objectives.hpp"

#include <stdexcept>

namespace stems::search {

std::vector<std::string> ObjectiveSet::names() const {
  std::vector<std::string> n = {"energy_pJ", "latency_cycles", "state_bits"};
  if (accuracy) n.emplace_back("accuracy");
  if (area) n.emplace_back("area_mm2");
  return n;
}

std::vector<double> to_pagmo(const Objectives& o, const ObjectiveSet& set) {
  std::vector<double> v = {o.energy_pJ, o.latency_cycles, o.state_bits};
  if (set.accuracy) {
    if (!o.accuracy) throw std::logic_error("objectives lack the accuracy the search optimises");
    v.push_back(-*o.accuracy);
  }
  if (set.area) {
    if (!o.area_mm2) throw std::logic_error("objectives lack the area the search optimises");
    v.push_back(*o.area_mm2);
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
  return {objectives_from_pagmo(v, set), ""};
}

Objectives objectives_from_pagmo(const std::vector<double>& v, const ObjectiveSet& set) {
  Objectives o;
  o.energy_pJ = v.at(0);
  o.latency_cycles = v.at(1);
  o.state_bits = v.at(2);
  std::size_t i = 3;
  if (set.accuracy) o.accuracy = -v.at(i++);
  if (set.area) o.area_mm2 = v.at(i++);
  return o;
}

}  // namespace stems::search
