#include "stems/simulate/activity.hpp"

#include <algorithm>

namespace stems::simulate {

namespace {

// Every neuron of the layer fired at every timestep of every sample: each per-timestep density is
// a count divided by the same count, exactly 1.
bool saturated(const std::vector<double>& density) {
  return !density.empty() &&
         std::all_of(density.begin(), density.end(), [](double d) { return d == 1.0; });
}

}  // namespace

Activity check_activity(const RunResult& run) {
  Activity a;
  a.samples = run.samples;
  if (run.samples == 0) return a;
  if (std::all_of(run.predicted.begin(), run.predicted.end(), [](int p) { return p < 0; })) {
    a.verdict = Activity::Verdict::Silent;
    return a;
  }
  bool any_spiking = false, all_saturated = true;
  for (std::size_t i = 0; i < run.density.size() && i < run.spiking.size(); ++i) {
    if (!run.spiking[i]) continue;
    any_spiking = true;
    all_saturated = all_saturated && saturated(run.density[i]);
  }
  if (any_spiking && all_saturated) a.verdict = Activity::Verdict::Saturated;
  return a;
}

std::string activity_problem(const Activity& a, const Timing& t, std::string_view dt_option,
                             std::string_view reset_option) {
  if (a.ok()) return "";
  const std::string used = describe_timing(t, dt_option, reset_option);
  const std::string n = std::to_string(a.samples);
  if (a.verdict == Activity::Verdict::Silent) {
    return "the network's output stayed silent on all " + n +
           " samples, so the run measures nothing (" + used +
           "). Likely cause: dt is smaller than the one the model was trained with (each step "
           "adds only dt/tau of the input, so no neuron reaches its threshold), or inputs too "
           "sparse; give the training dt with " +
           std::string(dt_option) + " or store it in the file as /node/metadata/dt";
  }
  return "every spiking neuron fired at every timestep of all " + n +
         " samples, so the run measures nothing (" + used +
         "). Likely cause: dt is larger than the one the model was trained with (each step adds "
         "dt/tau of the input, so every neuron jumps past its threshold), or the wrong reset rule "
         "(" +
         std::string(reset_option) + " subtract vs value); give the training dt with " +
         std::string(dt_option) + " or store it in the file as /node/metadata/dt";
}

std::string activity_warning(const Activity& a, const Timing& t) {
  if (a.ok()) return "";
  return "\nwarning: " + activity_problem(a, t) + "\n\n";
}

}  // namespace stems::simulate
