#pragma once
// Shared by the workload harnesses (fuzz_workload, fuzz_nir_graph): an accepted network that is
// small enough is also scheduled, time-batched and one timestep per node, on a permissive core
// (64-bit registers: any precision fits). A schedule the network cannot run (a time-batched
// recurrent loop, a tile that does not fit) is an InputError; a crash, another exception, a hang
// or a non-finite or negative result is a finding. Recurrent networks must run one timestep per
// node. STEMS_FUZZ_VERBOSE=1 prints what was evaluated or refused (to check a corpus reaches it).

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_common.hpp"
#include "stems/config/document.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/schedule/scheduler.hpp"

namespace stems::fuzz {

inline const hardware::Accelerator& permissive_accelerator() {
  static const hardware::Accelerator acc = [] {
    std::string regs;
    for (const char* op : {"W", "O", "V"}) {
      regs += std::string("[[core.memory]]\nname = \"rf_") + op + "\"\noperands = [\"" + op +
              "\"]\nsize_bits = 64\nread_bw_bits = 64\nwrite_bw_bits = 64\nread_energy_pJ = "
              "0.1\nwrite_energy_pJ = 0.1\nmin_read_bits = 1\nmin_write_bits = 1\nports = "
              "{ read = 1, write = 1 }\nserved_dims = []\n";
    }
    const std::string text =
        "[accelerator]\nname = \"permissive\"\n[[core]]\nname = \"c\"\noperators = "
        "[\"conv2d\", \"linear\", \"maxpool\", \"avgpool\", \"sumpool\", \"add\", \"flatten\"]\n"
        "accumulate_energy_pJ = 0.07\nmac_energy_pJ = 0.16\npe_array = [{ name = \"D1\", size "
        "= 8, unroll = \"K\" }]\n" +
        regs +
        "[[core.memory]]\nname = \"sram\"\noperands = [\"I\", \"W\", \"O\", \"V\"]\nsize_bits "
        "= 8388608\nread_bw_bits = 1024\nwrite_bw_bits = 1024\nread_energy_pJ = 100\n"
        "write_energy_pJ = 100\nmin_read_bits = 64\nmin_write_bits = 64\nports = { read = 1, "
        "write = 1 }\nserved_dims = [\"D1\"]\n[dram]\nname = \"dram\"\nsize_bits = "
        "100000000000\nread_bw_bits = 64\nwrite_bw_bits = 64\nread_energy_pJ = 700\n"
        "write_energy_pJ = 750\nports = { read_write = 1 }\n[[link]]\nendpoints = [\"c\", "
        "\"dram\"]\nbandwidth_bits_per_cycle = 64\nenergy_pJ_per_bit = 0.0\nbidirectional = "
        "true\n";
    return hardware::load_hardware(config::parse_toml_string(text, "permissive.toml"));
  }();
  return acc;
}

inline void evaluate_small_network(const workload::Network& net, const std::string& source) {
  using workload::Dim;
  const bool verbose = std::getenv("STEMS_FUZZ_VERBOSE") != nullptr;
  if (net.layer_count() > 12 || net.totals().ops > 20'000'000) {
    if (verbose) std::fprintf(stderr, "not evaluated: too many layers or operations\n");
    return;
  }
  for (workload::Vertex v : net.topological_order()) {
    const auto& l = net.layer(v);
    if (l.size(Dim::T) > 16 || l.size(Dim::OX) > 64 || l.size(Dim::OY) > 64) {
      if (verbose) std::fprintf(stderr, "not evaluated: T, OX or OY too large\n");
      return;
    }
  }
  const hardware::Accelerator& acc = permissive_accelerator();
  const auto blocks = static_cast<std::size_t>(net.block_count());
  for (const char bit : {'1', '0'}) {
    const bool ok = accepted("", [&] {
      const schedule::Schedule s = schedule::schedule_from_bits(net, std::string(blocks, bit),
                                                                std::string(blocks, '0'), true);
      cost::NodeCostCache cache(acc);
      const schedule::ScheduleResult r = schedule::evaluate_schedule(net, acc, s, cache);
      check(std::isfinite(r.energy_pJ) && r.energy_pJ >= 0 && r.latency_cycles >= 0,
            source + ": evaluation gave a negative or non-finite energy or latency");
      if (verbose) {
        std::fprintf(stderr, "evaluated %c: %g pJ, %g cycles\n", bit, r.energy_pJ,
                     r.latency_cycles);
      }
    });
    if (verbose && !ok) std::fprintf(stderr, "refused %c\n", bit);
  }
}

}  // namespace stems::fuzz
