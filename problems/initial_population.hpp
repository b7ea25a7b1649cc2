#pragma once
// An initial population from a previous front: the `front` of a pareto.json written by
// `stems optimize` ([algorithm] initial_population, `stems optimize --initial-population`), to
// resume or refine a search or to start it from known designs. Each point's `genes` string
// ("b0.time=16 b0.space=map ... hw.sram_1MB.size_bits=4194304") is read by value, so the file may
// come from a run whose gene lists differ, as long as every gene of this run is named with one of
// its options (ScheduleProblem::encode_genes).

#include <string>
#include <vector>

#include "schedule_problem.hpp"

namespace stems::problems {

// The genomes of the file's front, in its order, duplicates removed. Throws InputError naming the
// file (and `front[i].genes` for a point) for a file it cannot read, text that is not JSON, no
// non-empty `front` array, or a point whose genes this problem cannot take.
std::vector<std::vector<double>> read_initial_population(const std::string& path,
                                                         const ScheduleProblem& problem);
// The same from the file's text (`where` names it in errors; the fuzz harness's entry).
std::vector<std::vector<double>> parse_initial_population(const std::string& text,
                                                          const std::string& where,
                                                          const ScheduleProblem& problem);

}  // namespace stems::problems
