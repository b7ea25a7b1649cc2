#include "stems/simulate/neuron.hpp"

#include <cmath>

#include "stems/common/error.hpp"

namespace stems::simulate {

namespace {

std::string number(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

}  // namespace

NeuronParams make_neuron_params(const std::string& type, const nir::NirParams& params,
                                std::size_t size, double dt_s, const std::string& where,
                                const std::string& node) {
  auto fail = [&](const std::string& what) {
    throw InputError(where, "node '" + node + "' (" + type + "): " + what);
  };
  NeuronParams p;
  p.size = size;
  const auto kind = parse_name(kNeuronKindNames, type);
  if (!kind) {
    fail("not a neuron model the simulator knows (" + allowed_names(kNeuronKindNames) + ")");
  }
  p.kind = *kind;
  // A parameter as one value per neuron (a single value is broadcast).
  auto get = [&](const char* key, std::optional<double> fallback) -> arma::vec {
    auto it = params.find(key);
    if (it == params.end()) {
      if (!fallback) fail(std::string("missing parameter '") + key + "'");
      return arma::vec(size, arma::fill::value(*fallback));
    }
    const auto& v = it->second.values;
    if (v.size() == 1) return arma::vec(size, arma::fill::value(v[0]));
    if (v.size() != size) {
      fail(std::string("'") + key + "' has " + std::to_string(v.size()) +
           " values but the population has " + std::to_string(size) + " neurons");
    }
    return arma::vec(v);
  };
  // dt/tau, checked: tau > 0 and dt <= tau.
  auto rate = [&](const char* key) -> arma::vec {
    arma::vec tau = get(key, std::nullopt);
    for (double t : tau) {
      if (!(t > 0)) fail(std::string("'") + key + "' must be > 0, got " + number(t));
      if (dt_s > t) {
        fail(std::string("dt = ") + number(dt_s) + " s exceeds '" + key + "' = " + number(t) +
             " s; forward Euler needs dt <= tau: give a smaller --dt-s");
      }
    }
    return dt_s / tau;
  };
  const arma::vec r = get("r", 1.0);
  switch (p.kind) {
    case NeuronKind::LIF:
    case NeuronKind::LI:
      p.leak = rate("tau");
      p.gain = r;
      p.v_leak = get("v_leak", 0.0);
      break;
    case NeuronKind::CubaLIF:
      p.leak = rate("tau_mem");
      p.syn = rate("tau_syn");
      p.gain = r;
      p.v_leak = get("v_leak", 0.0);
      p.w_in = get("w_in", 1.0);
      break;
    case NeuronKind::IF:
    case NeuronKind::Integrator:
      p.gain = dt_s * r;
      break;
  }
  if (p.spiking()) {
    p.v_threshold = get("v_threshold", std::nullopt);
    p.v_reset = get("v_reset", 0.0);
  }
  return p;
}

void neuron_step(const NeuronParams& p, NeuronState& s, const arma::vec& current, bool stateful,
                 Reset reset, arma::vec& out) {
  if (!stateful) {
    s.v.zeros();
    if (p.kind == NeuronKind::CubaLIF) s.i.zeros();
  }
  switch (p.kind) {
    case NeuronKind::LIF:
    case NeuronKind::LI:
      s.v += p.leak % ((p.v_leak - s.v) + p.gain % current);
      break;
    case NeuronKind::CubaLIF:
      s.i += p.syn % (p.w_in % current - s.i);
      s.v += p.leak % ((p.v_leak - s.v) + p.gain % s.i);
      break;
    case NeuronKind::IF:
    case NeuronKind::Integrator:
      s.v += p.gain % current;
      break;
  }
  if (!p.spiking()) {
    out = s.v;
    return;
  }
  out.set_size(p.size);
  double* v = s.v.memptr();
  double* z = out.memptr();
  const double* th = p.v_threshold.memptr();
  const double* vr = p.v_reset.memptr();
  for (std::size_t k = 0; k < p.size; ++k) {
    const bool fire = v[k] > th[k];
    z[k] = fire ? 1.0 : 0.0;
    if (fire) v[k] = reset == Reset::Subtract ? v[k] - th[k] : vr[k];
  }
}

}  // namespace stems::simulate
