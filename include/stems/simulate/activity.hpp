#pragma once
// Whether a run carries information: a network whose output never fires on any sample, or whose
// spiking neurons all fire at every timestep, measures nothing (usually a dt far from the one the
// model was trained with: too small, and inputs never reach threshold; too large, and every
// neuron saturates). `[accuracy.simulate]` refuses such a run; `stems simulate` warns.

#include <cstdint>
#include <string>
#include <string_view>

#include "stems/simulate/simulator.hpp"
#include "stems/simulate/timing.hpp"

namespace stems::simulate {

struct Activity {
  enum class Verdict : std::uint8_t { Ok, Silent, Saturated };
  Verdict verdict = Verdict::Ok;
  std::uint64_t samples = 0;  // of the run
  bool ok() const { return verdict == Verdict::Ok; }
};

// Silent: every sample's output stayed zero (no prediction); Saturated: every spiking layer
// fired with every neuron at every timestep of every sample. A run without spiking layers or
// samples is Ok.
Activity check_activity(const RunResult& run);

// What went wrong, the dt and reset rule used and where they came from, and what to try, naming
// the caller's dt option ("--dt-s", or "dt_s in [accuracy.simulate]"). "" for an Ok run.
std::string activity_problem(const Activity& a, const Timing& t,
                             std::string_view dt_option = "--dt-s",
                             std::string_view reset_option = "--reset");

// activity_problem as a multi-line warning for a terminal ("warning: ..."), "" for an Ok run.
std::string activity_warning(const Activity& a, const Timing& t);

}  // namespace stems::simulate
