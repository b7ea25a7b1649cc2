#include "initial_population.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "stems/common/error.hpp"

namespace stems::problems {

std::vector<std::vector<double>> parse_initial_population(const std::string& text,
                                                          const std::string& where,
                                                          const ScheduleProblem& problem) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw InputError(where, "not JSON (expected a pareto.json of stems optimize)");
  if (!j.is_object() || !j.contains("front") || !j["front"].is_array() || j["front"].empty()) {
    throw InputError(
        where + ": front",
        "expected a non-empty 'front' array (a pareto.json written by stems optimize)");
  }
  std::vector<std::vector<double>> genomes;
  const auto& front = j["front"];
  for (std::size_t i = 0; i < front.size(); ++i) {
    const std::string at = where + ": front[" + std::to_string(i) + "].genes";
    if (!front[i].is_object() || !front[i].contains("genes") || !front[i]["genes"].is_string()) {
      throw InputError(at, "expected the point's genes as a string (\"b0.time=16 ...\")");
    }
    std::vector<double> x;
    try {
      x = problem.encode_genes(front[i]["genes"].get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw InputError(at, e.what());
    }
    if (std::find(genomes.begin(), genomes.end(), x) == genomes.end())
      genomes.push_back(std::move(x));
  }
  return genomes;
}

std::vector<std::vector<double>> read_initial_population(const std::string& path,
                                                         const ScheduleProblem& problem) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(path, "not a readable file (expected a pareto.json of stems optimize)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot read the initial population file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_initial_population(text.str(), path, problem);
}

}  // namespace stems::problems
