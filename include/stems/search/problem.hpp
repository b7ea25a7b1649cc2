#pragma once
// What the optimiser searches, as an interface of ours (the Pagmo problems of problems/ implement
// it; the optimiser wraps it into a pagmo::problem): integer genes, a thread-safe memoised fitness
// with named objectives or an infeasibility reason, known-good genomes to seed the first population
// with, and counters.

#include <cstdint>
#include <string>
#include <vector>

#include "stems/search/objectives.hpp"

namespace stems::search {

class Problem {
 public:
  virtual ~Problem() = default;

  virtual std::string name() const = 0;
  virtual ObjectiveSet objectives() const = 0;
  // Gene i takes the integer values 0 .. option_counts()[i] - 1 (each at least 2).
  virtual std::vector<std::uint64_t> option_counts() const = 0;
  // The fitness of a genome (values are rounded to integers). Called from many threads at once.
  virtual Fitness evaluate(const std::vector<double>& x) const = 0;
  // Genomes the first population starts from (STEMS's hand-picked schedules for a schedule
  // search); those the space cannot express are left out by the problem.
  virtual std::vector<std::vector<double>> seeds() const { return {}; }
  virtual std::uint64_t evaluations() const = 0;  // distinct genomes evaluated
  virtual std::uint64_t infeasible() const = 0;   // of which infeasible
  // The reason of the first infeasible genome met ("" when none), for the user's message.
  virtual std::string first_infeasible_reason() const { return ""; }
};

// Number of distinct genomes (a double: it can be astronomically large).
double space_size(const Problem& p);

}  // namespace stems::search
