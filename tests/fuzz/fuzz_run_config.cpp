// libFuzzer harness: run configs for `stems optimize` (stems::search::load_run_config), then the
// context the optimiser builds from them (stems::problems::make_context) with the workload and
// hardware paths replaced by known-good files (the fuzzer must not roam the file system): a TOML
// workload becomes configs/workloads/sew_resnet_7b.toml, a .nir one a small NIR seed; the hardware
// is configs/hardware/meta_proto_1mb.toml. Sizes that would make the optimiser allocate without
// bound (population, islands, threads) must be refused by the loader, and the output folder name
// must be one path component.
#include <cmath>
#include <optional>

#include "fuzz_common.hpp"
#include "run_context.hpp"
#include "stems/search/run_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stems;
  static const std::string path = fuzz::scratch_path("_run.toml");
  fuzz::remove_at_exit(path);
  fuzz::write_file(path, data, size);
  // [accuracy.simulate] makes the loader read the model and input files it names: the fuzzer
  // must not roam the file system (that table is left to tests/test_simulate.cpp).
  try {
    const config::Document doc = config::parse_toml_file(path);
    const auto acc = doc.root.table.find("accuracy");
    if (acc != doc.root.table.end() && acc->second.table.count("simulate") != 0) return 0;
  } catch (const InputError&) {
  }
  std::optional<search::RunConfig> rc;
  if (!fuzz::accepted(path, [&] { rc = search::load_run_config(path); })) return 0;
  const search::OptimizerConfig& o = rc->optimizer;
  fuzz::check(o.population >= 1 && o.population <= 1'000'000, "accepted an absurd population");
  fuzz::check(o.islands >= 1 && o.islands <= 1024, "accepted an absurd island count");
  fuzz::check(o.threads <= 1024, "accepted an absurd thread count");
  fuzz::check(!rc->name.empty() && rc->name != "." && rc->name != ".." &&
                  rc->name.find('/') == std::string::npos,
              "accepted a run name that is not one folder name: '" + rc->name + "'");
  fuzz::check(o.generations || o.evaluations || o.wall_time_s, "accepted a run without a budget");
  if (o.wall_time_s) fuzz::check(std::isfinite(*o.wall_time_s), "accepted a non-finite wall time");
  fuzz::check(std::isfinite(rc->exhaustive_limit), "accepted a non-finite exhaustive_limit");
  if (rc->accuracy.configured() && rc->accuracy.model->kind() != "simulate") {
    // A table or drop model: every state schedule scores a finite accuracy.
    for (const char* bits : {"", "0", "1", "0000000", "1111111", "0011111"}) {
      fuzz::check(std::isfinite(rc->accuracy.model->estimate(bits).accuracy),
                  "a non-finite accuracy estimate");
    }
  }
  const bool nir = rc->workload.size() >= 4 && rc->workload.ends_with(".nir");
  rc->workload = nir ? std::string(STEMS_FUZZ_SOURCE) + "/corpus/nir/lif_chain.nir"
                     : std::string(STEMS_CONFIGS) + "/workloads/sew_resnet_7b.toml";
  rc->hardware = std::string(STEMS_CONFIGS) + "/hardware/meta_proto_1mb.toml";
  rc->nir.read_timeout_s = 2;
  rc->initial_population.clear();  // a path to read: fuzz_initial_population covers the format
  // `stems optimize` prefixes these errors with the run file (src/cli/app.cpp).
  fuzz::accepted("", [&] {
    const auto ctx = problems::make_context(*rc);
    const std::size_t genes = ctx->option_counts().size();  // schedule and hardware genes
    fuzz::check(genes > 0, "a search space without genes");
    const std::vector<double> x(genes, 0.0);
    const search::Fitness f = ctx->evaluate(x);
    if (f.feasible() && f.objectives->accuracy) {
      fuzz::check(std::isfinite(*f.objectives->accuracy), "a non-finite accuracy estimate");
    }
  });
  return 0;
}
