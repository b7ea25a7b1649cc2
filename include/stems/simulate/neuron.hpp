#pragma once
// The NIR neuron models, discretised with forward Euler at a fixed step dt (seconds):
//
//   LIF      v <- v + (dt/tau) * ((v_leak - v) + r*I)                      spikes, resets
//   CubaLIF  i <- i + (dt/tau_syn) * (-i + w_in*I)
//            v <- v + (dt/tau_mem) * ((v_leak - v) + r*i)                   spikes, resets
//   IF       v <- v + dt * r*I                                              spikes, resets
//   LI       v <- v + (dt/tau) * ((v_leak - v) + r*I)                      outputs v
//   Integrator v <- v + dt * r*I                                            outputs v
//
// I is the layer's input current of this timestep (synaptic output + recurrent input). A spiking
// neuron emits z = 1 when v > v_threshold (NIR's strict comparison) and then resets: to v_reset
// (NIR's rule; 0 when the file has none) or, with Reset::Subtract, by subtracting v_threshold
// (the "soft" reset many trainers use; NIR cannot say which one a model was trained with). The
// CubaLIF current uses the current of the same step (i is updated first).
//
// Simplifications: one dt for the whole network (NIR is continuous-time; exporters assume a dt,
// e.g. snnTorch 1e-4 s with r = tau/dt); no refractory period; no input/output delays. A leaky
// model needs dt <= tau (forward Euler would overshoot the leak target otherwise).
//
// A stateless neuron (its block's state dropped, the variant the cost model prices) starts every
// timestep from v = i = 0: it fires from the current input only and carries nothing over.

#include <armadillo>
#include <cstdint>
#include <string>

#include "stems/common/names.hpp"
#include "stems/nir/nir_model.hpp"

namespace stems::simulate {

enum class Reset : std::uint8_t { ToValue, Subtract };
enum class NeuronKind : std::uint8_t { LIF, CubaLIF, IF, LI, Integrator };

// The NIR type names of each neuron model (the integrator has two: NIR 1.0 writes "I").
inline constexpr NameTable<NeuronKind, 6> kNeuronKindNames = {{
    {NeuronKind::LIF, "LIF"},
    {NeuronKind::CubaLIF, "CubaLIF"},
    {NeuronKind::IF, "IF"},
    {NeuronKind::LI, "LI"},
    {NeuronKind::Integrator, "Integrator"},
    {NeuronKind::Integrator, "I"},
}};

struct NeuronParams {
  NeuronKind kind = NeuronKind::LIF;
  std::size_t size = 0;
  arma::vec leak;  // dt/tau (LIF, LI), dt/tau_mem (CubaLIF), unused (IF, Integrator)
  arma::vec syn;   // dt/tau_syn (CubaLIF)
  arma::vec gain;  // r (leaky models), dt*r (IF, Integrator)
  arma::vec v_leak, v_threshold, v_reset, w_in;

  bool spiking() const {
    return kind == NeuronKind::LIF || kind == NeuronKind::CubaLIF || kind == NeuronKind::IF;
  }
};

// Builds the parameters of a population of `size` neurons of NIR type `type` from its datasets
// (each of 1 value, broadcast, or `size` values). Throws InputError(where, ...) naming the node
// and the parameter.
NeuronParams make_neuron_params(const std::string& type, const nir::NirParams& params,
                                std::size_t size, double dt_s, const std::string& where,
                                const std::string& node);

struct NeuronState {
  arma::vec v;
  arma::vec i;  // CubaLIF only
  void clear(std::size_t n) {
    v.zeros(n);
    i.zeros(n);
  }
};

// One timestep: `current` in, spikes (0/1) or the potential out. `stateful` = false: the state
// starts from zero (stateless variant).
void neuron_step(const NeuronParams& p, NeuronState& s, const arma::vec& current, bool stateful,
                 Reset reset, arma::vec& out);

}  // namespace stems::simulate
