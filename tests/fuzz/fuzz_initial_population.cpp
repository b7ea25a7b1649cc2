// libFuzzer harness: initial populations (stems::problems::parse_initial_population, the
// `front` of a pareto.json) for the co-design run configs/runs/sew_resnet_7b_hw.toml, whose genes
// mix schedule, state and hardware genes. Every accepted genome must have one value per gene,
// each an option index of its gene; everything else must be an InputError naming the file.
#include <cmath>
#include <string>

#include "fuzz_common.hpp"
#include "initial_population.hpp"
#include "run_context.hpp"
#include "stems/search/run_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stems;
  static const auto problem = problems::make_context(
      search::load_run_config(std::string(STEMS_CONFIGS) + "/runs/sew_resnet_7b_hw.toml"));
  static const auto counts = problem->option_counts();
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::vector<double>> genomes;
  if (!fuzz::accepted("front.json", [&] {
        genomes = problems::parse_initial_population(text, "front.json", *problem);
      })) {
    return 0;
  }
  fuzz::check(!genomes.empty(), "accepted a population without genomes");
  for (const auto& x : genomes) {
    fuzz::check(x.size() == counts.size(), "a genome of the wrong length");
    for (std::size_t i = 0; i < x.size(); ++i) {
      fuzz::check(x[i] >= 0 && x[i] < static_cast<double>(counts[i]) && x[i] == std::floor(x[i]),
                  "a gene value that is not an option index");
    }
  }
  return 0;
}
