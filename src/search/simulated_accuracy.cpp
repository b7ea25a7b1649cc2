#include "stems/search/simulated_accuracy.hpp"

#include "stems/common/error.hpp"
#include "stems/simulate/activity.hpp"

namespace stems::search {

using simulate::EventSet;
using simulate::Model;
using simulate::RunResult;

SimulatedAccuracy::SimulatedAccuracy(const SimulatedAccuracyConfig& c) {
  const nir::NirModel nir = nir::load_nir_model(c.model, c.nir);
  model_ = std::make_unique<Model>(nir, c.sim, "dt_s in [accuracy.simulate]");
  events_ = simulate::load_events(c.inputs, model_->input_shape());
  if (!c.labels.empty()) simulate::load_labels(events_, c.labels);
  simulate::keep_first_samples(events_, c.samples);
  // The fully stateful network first: a silent or saturated one would make every state schedule
  // look equally good (or bad), so it is refused before the search starts.
  std::promise<RunResult> stateful;
  stateful.set_value(simulate(std::string(static_cast<std::size_t>(model_->blocks()), '1')));
  reference_ = stateful.get_future().share();
  if (const auto a = simulate::check_activity(reference_.get()); !a.ok()) {
    throw InputError(c.model,
                     simulate::activity_problem(a, model_->timing(), "dt_s in [accuracy.simulate]",
                                                "reset in [accuracy.simulate]"));
  }
}

RunResult SimulatedAccuracy::simulate(const std::string& bits) const {
  return simulate::run(*model_, events_, bits);
}

AccuracyModel::Estimate SimulatedAccuracy::estimate(const std::string& bits) const {
  std::promise<Estimate> promise;
  std::shared_future<Estimate> future;
  bool compute = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(bits);
    if (it != cache_.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      cache_.emplace(bits, future);
      compute = true;
    }
  }
  if (!compute) return future.get();  // another thread computes (or computed) it
  const std::string all_kept(static_cast<std::size_t>(model_->blocks()), '1');
  try {
    // The stateful run was simulated (and checked) when the model was loaded.
    const RunResult r = bits == all_kept ? reference_.get() : simulate(bits);
    Estimate e;
    e.accuracy = events_.labels.empty() ? simulate::agreement(r, reference_.get())
                                        : simulate::accuracy(r, events_.labels);
    e.densities = simulate::layer_densities(*model_, r);
    promise.set_value(e);
  } catch (...) {
    promise.set_exception(std::current_exception());
  }
  return future.get();
}

std::uint64_t SimulatedAccuracy::simulations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_.size();
}

}  // namespace stems::search
