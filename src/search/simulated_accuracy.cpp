#include "stems/search/simulated_accuracy.hpp"

namespace stems::search {

using simulate::EventSet;
using simulate::Model;
using simulate::RunResult;

SimulatedAccuracy::SimulatedAccuracy(const SimulatedAccuracyConfig& c) {
  const nir::NirModel nir = nir::load_nir_model(c.model, c.nir);
  model_ = std::make_unique<Model>(nir, c.sim);
  events_ = simulate::load_events(c.inputs, model_->input_shape());
  if (!c.labels.empty()) simulate::load_labels(events_, c.labels);
  simulate::keep_first_samples(events_, c.samples);
}

RunResult SimulatedAccuracy::simulate(const std::string& bits) const {
  return simulate::run(*model_, events_, bits);
}

AccuracyModel::Estimate SimulatedAccuracy::estimate(const std::string& bits) const {
  std::promise<Estimate> promise;
  std::shared_future<Estimate> future;
  std::promise<RunResult> ref_promise;
  bool compute = false, compute_reference = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(bits);
    if (it != cache_.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      cache_.emplace(bits, future);
      compute = true;
      if (events_.labels.empty() && !reference_.valid()) {
        reference_ = ref_promise.get_future().share();
        compute_reference = true;
      }
    }
  }
  if (!compute) return future.get();  // another thread computes (or computed) it
  const std::string all_kept(static_cast<std::size_t>(model_->blocks()), '1');
  try {
    if (compute_reference) {
      try {
        ref_promise.set_value(simulate(all_kept));
      } catch (...) {
        ref_promise.set_exception(std::current_exception());
        throw;
      }
    }
    const RunResult r =
        bits == all_kept && events_.labels.empty() ? reference_.get() : simulate(bits);
    Estimate e;
    e.accuracy =
        events_.labels.empty() ? simulate::agreement(r, reference_.get())
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
