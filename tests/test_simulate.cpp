// Tests of the functional simulator (stems/simulate): hand-computed neuron dynamics, a 2-layer
// network, convolution geometry (stride, padding, dilation, groups; sparse and dense products),
// pooling, state dropping, the .npy reader/writer, the Poisson generator, and the NIR models of
// ../shared/nir.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "fixtures.hpp"
#include "fuzz/nir_text.hpp"
#include "stems/common/error.hpp"
#include "stems/nir/nir_model.hpp"
#include "stems/search/simulated_accuracy.hpp"
#include "stems/simulate/activity.hpp"
#include "stems/simulate/events.hpp"
#include "stems/simulate/model.hpp"
#include "stems/simulate/npy.hpp"
#include "stems/simulate/simulator.hpp"
#include "stems/simulate/synapse.hpp"

using namespace stems;
using namespace stems::simulate;
using workload::Dim;
namespace fs = std::filesystem;

namespace {

const std::string kNir = STEMS_SHARED_NIR;
const std::string kGesture = kNir + "/conv_gesture_synthetic.nir";

nir::NirTensor tensor(std::vector<double> v) {
  nir::NirTensor t;
  t.shape = {v.size()};
  t.values = std::move(v);
  return t;
}

workload::NeuronModel model_of(const std::string& type) {
  if (type == "IF") return workload::NeuronModel::IF;
  if (type == "CubaLIF") return workload::NeuronModel::CubaLIF;
  if (type == "LI" || type == "Integrator") return workload::NeuronModel::LI;
  return workload::NeuronModel::LIF;
}

// A chain of fully connected layers, layer i in block i: sizes[i] -> sizes[i+1] inputs/outputs,
// weights[i] in C order (out x in), every layer with a `neuron` population of `params`.
nir::NirModel dense_chain(const std::vector<std::uint64_t>& sizes,
                          const std::vector<std::vector<double>>& weights,
                          const std::string& neuron, const nir::NirParams& params) {
  nir::NirModel m;
  m.path = "hand-built";
  m.network = workload::Network("chain");
  const bool spiking = neuron == "IF" || neuron == "LIF" || neuron == "CubaLIF";
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    workload::Layer l;
    l.id = static_cast<int>(i);
    l.name = std::string("fc") + std::to_string(i);
    l.op = workload::OpType::Linear;
    l.block = static_cast<int>(i);
    l.set_size(Dim::T, 4);
    l.set_size(Dim::K, sizes[i + 1]);
    l.set_size(Dim::C, sizes[i]);
    l.neuron = model_of(neuron);
    l.precision = {8, i == 0 ? 1u : (spiking ? 1u : 16u), spiking ? 1u : 16u, 16, 16};
    m.network.add_layer(l);
    if (i > 0)
      m.network.add_edge(static_cast<int>(i - 1), static_cast<int>(i), workload::Operand::I);
    nir::NirLayer nl;
    nl.node = l.name;
    nl.node_type = "Linear";
    nl.params["weight"] = tensor(weights[i]);
    nl.neuron_node = 'n' + std::to_string(i);
    nl.neuron_type = neuron;
    nl.neuron_params = params;
    m.layers[l.id] = nl;
  }
  m.network.finalize();
  m.input_shape = {sizes[0]};
  m.output_layer = static_cast<int>(sizes.size()) - 2;
  return m;
}

// Events of one sample: frames[t] is the input vector at timestep t.
EventSet events_of(const std::vector<std::vector<float>>& frames,
                   std::vector<std::uint64_t> shape) {
  EventSet e;
  e.samples = 1;
  e.timesteps = frames.size();
  e.frame_shape = std::move(shape);
  for (const auto& f : frames)
    e.values.insert(e.values.end(), f.begin(), f.end());
  return e;
}

// Output of layer `layer` of sample 0 at every timestep (a single-output layer).
std::vector<double> trace_of(const RunResult& r, std::size_t layer, std::size_t element = 0) {
  std::vector<double> out;
  for (const auto& t : r.trace.at(layer))
    out.push_back(t.at(element));
  return out;
}

SimOptions with_dt(double dt, Reset reset = Reset::ToValue) {
  SimOptions o;
  o.dt_s = dt;
  o.reset = reset;
  o.threads = 1;
  return o;
}

RunOptions recorded() {
  RunOptions o;
  o.record = true;
  return o;
}

}  // namespace

// ---- neurons, hand-computed ----------------------------------------------------------------

TEST(SimulateNeuron, SingleIfNeuronIntegratesFiresAndResetsToZero) {
  // v += dt*r*I with dt = 1, r = 1, I = 0.7 (weight 0.7 times one input event per step):
  // 0.7, 1.4 > 1 fire -> 0, 0.7, 1.4 fire -> 0, 0.7.
  const auto m =
      dense_chain({1, 1}, {{0.7}}, "IF", {{"r", tensor({1.0})}, {"v_threshold", tensor({1.0})}});
  const Model model(m, with_dt(1.0));
  const auto r = run(model, events_of({{1}, {1}, {1}, {1}, {1}}, {1}), "", recorded());
  EXPECT_EQ(trace_of(r, 0), (std::vector<double>{0, 1, 0, 1, 0}));
  EXPECT_EQ(r.output[0], (std::vector<double>{2}));
  EXPECT_EQ(r.predicted[0], 0);
  EXPECT_DOUBLE_EQ(r.mean_density(0), 2.0 / 5.0);
}

TEST(SimulateNeuron, ResetBySubtractionKeepsTheRemainder) {
  // 0.7, 1.4 fire -> 0.4, 1.1 fire -> 0.1, 0.8, 1.5 fire -> 0.5.
  const auto m =
      dense_chain({1, 1}, {{0.7}}, "IF", {{"r", tensor({1.0})}, {"v_threshold", tensor({1.0})}});
  const Model model(m, with_dt(1.0, Reset::Subtract));
  const auto r = run(model, events_of({{1}, {1}, {1}, {1}, {1}}, {1}), "", recorded());
  EXPECT_EQ(trace_of(r, 0), (std::vector<double>{0, 1, 1, 0, 1}));
}

TEST(SimulateNeuron, ThresholdIsStrictAndResetGoesToVReset) {
  // Weight 0.5: 0.5, 1.0 (not > 1), 1.5 fire -> v_reset 0.25; then 0.75, 1.25 fire -> 0.25, 0.75.
  const auto m = dense_chain(
      {1, 1}, {{0.5}}, "IF",
      {{"r", tensor({1.0})}, {"v_threshold", tensor({1.0})}, {"v_reset", tensor({0.25})}});
  const Model model(m, with_dt(1.0));
  const auto r = run(model, events_of({{1}, {1}, {1}, {1}, {1}, {1}}, {1}), "", recorded());
  EXPECT_EQ(trace_of(r, 0), (std::vector<double>{0, 0, 1, 0, 1, 0}));
}

TEST(SimulateNeuron, StatelessIfFiresFromTheCurrentInputOnly) {
  // State dropped: v = 0.7 every step, never above 1; with weight 1.2, every step with an input.
  const nir::NirParams p = {{"r", tensor({1.0})}, {"v_threshold", tensor({1.0})}};
  const auto ev = events_of({{1}, {1}, {0}, {1}}, {1});
  const Model weak(dense_chain({1, 1}, {{0.7}}, "IF", p), with_dt(1.0));
  EXPECT_EQ(trace_of(run(weak, ev, "0", recorded()), 0), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(trace_of(run(weak, ev, "1", recorded()), 0), (std::vector<double>{0, 1, 0, 0}));
  const Model strong(dense_chain({1, 1}, {{1.2}}, "IF", p), with_dt(1.0));
  EXPECT_EQ(trace_of(run(strong, ev, "0", recorded()), 0), (std::vector<double>{1, 1, 0, 1}));
}

TEST(SimulateNeuron, LifLeaksTowardsVLeakWithForwardEuler) {
  // tau = 2 s, dt = 1 s: v += 0.5 * (-v + I), I = 1: 0.5, 0.75, 0.875 > 0.8 fire -> 0, 0.5, ...
  const auto m = dense_chain({1, 1}, {{1.0}}, "LIF",
                             {{"tau", tensor({2.0})},
                              {"r", tensor({1.0})},
                              {"v_leak", tensor({0.0})},
                              {"v_threshold", tensor({0.8})}});
  const Model model(m, with_dt(1.0));
  const auto r = run(model, events_of({{1}, {1}, {1}, {1}, {1}, {1}}, {1}), "", recorded());
  EXPECT_EQ(trace_of(r, 0), (std::vector<double>{0, 0, 1, 0, 0, 1}));
}

TEST(SimulateNeuron, LeakyIntegratorOutputsItsPotential) {
  // LI, tau = 2, dt = 1, r = 2, v_leak = 0.5: v += 0.5 * ((0.5 - v) + 2 I).
  // I = 1: 1.25; I = 0: 1.25 + 0.5 * (0.5 - 1.25) = 0.875; I = 1: 0.875 + 0.5 * 1.625 = 1.6875.
  const auto m =
      dense_chain({1, 1}, {{1.0}}, "LI",
                  {{"tau", tensor({2.0})}, {"r", tensor({2.0})}, {"v_leak", tensor({0.5})}});
  const Model model(m, with_dt(1.0));
  const auto r = run(model, events_of({{1}, {0}, {1}}, {1}), "", recorded());
  const auto v = trace_of(r, 0);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_DOUBLE_EQ(v[0], 1.25);
  EXPECT_DOUBLE_EQ(v[1], 0.875);
  EXPECT_DOUBLE_EQ(v[2], 1.6875);
}

TEST(SimulateNeuron, CubaLifFiltersItsInputCurrentFirst) {
  // tau_syn = tau_mem = 2, dt = 1: i += 0.5 (I - i), v += 0.5 (i - v), I = 1:
  // i 0.5, 0.75, 0.875, 0.9375; v 0.25, 0.5, 0.6875, 0.8125 > 0.8 fires at t = 3.
  const auto m = dense_chain({1, 1}, {{1.0}}, "CubaLIF",
                             {{"tau_syn", tensor({2.0})},
                              {"tau_mem", tensor({2.0})},
                              {"r", tensor({1.0})},
                              {"v_leak", tensor({0.0})},
                              {"v_threshold", tensor({0.8})}});
  const Model model(m, with_dt(1.0));
  const auto r = run(model, events_of({{1}, {1}, {1}, {1}}, {1}), "", recorded());
  EXPECT_EQ(trace_of(r, 0), (std::vector<double>{0, 0, 0, 1}));
}

TEST(SimulateNeuron, ParametersAreValidated) {
  const auto too_fast = dense_chain({1, 1}, {{1.0}}, "LIF",
                                    {{"tau", tensor({0.001})}, {"v_threshold", tensor({1.0})}});
  try {
    Model model(too_fast, with_dt(0.01));
    FAIL() << "dt > tau accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dt <= tau"), std::string::npos) << e.what();
  }
  const auto wrong_size =
      dense_chain({1, 2}, {{1.0, 1.0}}, "IF", {{"v_threshold", tensor({1.0, 1.0, 1.0})}});
  EXPECT_THROW(Model(wrong_size, with_dt(1.0)), InputError);
  const auto missing = dense_chain({1, 1}, {{1.0}}, "IF", {});
  EXPECT_THROW(Model(missing, with_dt(1.0)), InputError);
}

// ---- networks ------------------------------------------------------------------------------

TEST(SimulateNetwork, TwoLayerNetworkHandComputed) {
  // Layer 0: 2 inputs -> 2 IF neurons, W0 = [[0.6, 0.5], [1.1, -0.4]]; layer 1: 2 -> 1 IF,
  // W1 = [[0.6, 0.5]]; thresholds 1, dt = r = 1, reset to 0.
  // Inputs (x0, x1): (1,0) (1,1) (0,1) (1,1).
  // Layer 0, neuron a: I = 0.6, 1.1, 0.5, 1.1 -> v 0.6, 1.7 fire 0, 0.5, 1.6 fire -> 0 1 0 1.
  //          neuron b: I = 1.1, 0.7, -0.4, 0.7 -> v 1.1 fire 0, 0.7, 0.3, 1.0 (not > 1) -> 1 0 0 0.
  // Layer 1: I = 0.6 a + 0.5 b = 0.5, 0.6, 0, 0.6 -> v 0.5, 1.1 fire 0, 0, 0.6 -> 0 1 0 0.
  const nir::NirParams p = {{"v_threshold", tensor({1.0})}};
  const auto m = dense_chain({2, 2, 1}, {{0.6, 0.5, 1.1, -0.4}, {0.6, 0.5}}, "IF", p);
  const Model model(m, with_dt(1.0));
  const auto r = run(model, events_of({{1, 0}, {1, 1}, {0, 1}, {1, 1}}, {2}), "", recorded());
  EXPECT_EQ(trace_of(r, 0, 0), (std::vector<double>{0, 1, 0, 1}));
  EXPECT_EQ(trace_of(r, 0, 1), (std::vector<double>{1, 0, 0, 0}));
  EXPECT_EQ(trace_of(r, 1, 0), (std::vector<double>{0, 1, 0, 0}));
  // Density per timestep: layer 0 has 1 of 2 outputs active at t = 0, 1, 3 and none at t = 2.
  EXPECT_EQ(r.density[0], (std::vector<double>{0.5, 0.5, 0, 0.5}));
  EXPECT_EQ(r.input_density, (std::vector<double>{0.5, 1, 0.5, 1}));
}

TEST(SimulateNetwork, DroppingStateChangesOutputsOnlyDownstreamOfTheDroppedBlock) {
  // Three fully connected LIF layers, one block each, on random Poisson inputs. Dropping block
  // 1's state leaves block 0 untouched at every timestep, leaves every layer untouched at t = 0
  // (all states start at zero), and changes block 1's outputs later on.
  std::mt19937_64 gen(7);
  std::normal_distribution<double> normal(0.0, 1.0);  // weights only: any values will do
  std::vector<std::vector<double>> w;
  const std::vector<std::uint64_t> sizes = {40, 30, 20, 10};
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    std::vector<double> wi(sizes[i] * sizes[i + 1]);
    for (double& x : wi)
      x = 0.8 * normal(gen);
    w.push_back(wi);
  }
  const auto m =
      dense_chain(sizes, w, "LIF", {{"tau", tensor({4.0})}, {"v_threshold", tensor({0.5})}});
  const Model model(m, with_dt(1.0));
  const EventSet ev = poisson_events({40}, 1, 12, 0.3, 3);
  const auto ref = run(model, ev, "111", recorded());
  const auto same = run(model, ev, "111", recorded());
  const auto drop = run(model, ev, "101", recorded());
  EXPECT_EQ(ref.trace, same.trace);
  EXPECT_EQ(drop.trace[0], ref.trace[0]);  // block 0 keeps its state: identical throughout
  for (std::size_t l = 0; l < 3; ++l)
    EXPECT_EQ(drop.trace[l][0], ref.trace[l][0]) << "layer " << l << " at t = 0";
  EXPECT_NE(drop.trace[1], ref.trace[1]);  // the dropped block behaves differently
  // Pinned: layer 1's 20 neurons fire 30 times over the 12 timesteps of this seed.
  EXPECT_NEAR(ref.mean_density(1) * 12 * 20, 30, 1e-9);
}

// ---- convolution and pooling ---------------------------------------------------------------

TEST(SimulateConv, StrideAndPaddingHandComputed) {
  // 1 x 4 x 4 input 1..16, 3x3 kernel with 1 at the centre and 10 at the top-left, stride 2,
  // padding 1 -> 2 x 2 outputs: out(y, x) = in(2y, 2x) + 10 in(2y - 1, 2x - 1) (0 outside):
  // (0,0) = 1, (0,1) = 3, (1,0) = 9, (1,1) = 11 + 10 * 6 = 71; a second channel with kernel 2 at
  // the bottom-right and bias 0.5: out = 2 in(2y + 1, 2x + 1) + 0.5 = 12.5, 16.5, 28.5, 32.5.
  Window w;
  w.ky = w.kx = 3;
  w.sy = w.sx = 2;
  w.py = w.px = 1;
  w.out_h = w.out_w = 2;
  std::vector<double> weight(2 * 9, 0.0);
  weight[0 * 9 + 4] = 1;   // channel 0, centre
  weight[0 * 9 + 0] = 10;  // channel 0, top-left
  weight[1 * 9 + 8] = 2;   // channel 1, bottom-right
  const Conv2dSynapse conv({1, 4, 4}, 2, 1, w, weight, {0.0, 0.5});
  arma::vec in = arma::regspace(1.0, 16.0), out;
  conv.apply(in, out);
  EXPECT_EQ(arma::conv_to<std::vector<double>>::from(out),
            (std::vector<double>{1, 3, 9, 71, 12.5, 16.5, 28.5, 32.5}));
  // The same with a single non-zero input (the sparse product): in(1,1) = 6 only.
  arma::vec sparse(16, arma::fill::zeros);
  sparse[5] = 6;
  conv.apply(sparse, out);
  EXPECT_EQ(arma::conv_to<std::vector<double>>::from(out),
            (std::vector<double>{0, 0, 0, 60, 12.5, 0.5, 0.5, 0.5}));
}

TEST(SimulateConv, GroupsDilationAndBothProductsMatchADirectLoop) {
  // 4 -> 6 channels in 2 groups, 3x2 kernel, stride (2,1), padding (1,2), dilation (1,2) on a
  // 4 x 7 x 9 input, at densities that take the sparse and the dense product.
  const std::uint64_t C = 4, H = 7, W = 9, K = 6, G = 2, KY = 3, KX = 2;
  Window w;
  w.ky = KY;
  w.kx = KX;
  w.sy = 2;
  w.sx = 1;
  w.py = 1;
  w.px = 2;
  w.dy = 1;
  w.dx = 2;
  w.out_h = workload::sliding_window_output(H, KY, 2, 1, 1);
  w.out_w = workload::sliding_window_output(W, KX, 1, 2, 2);
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> weight(K * (C / G) * KY * KX), bias(K);
  for (double& x : weight)
    x = u(gen);
  for (double& x : bias)
    x = u(gen);
  const Conv2dSynapse conv({C, H, W}, K, G, w, weight, bias);
  for (double density : {0.05, 0.9}) {
    SCOPED_TRACE(density);
    arma::vec in(C * H * W, arma::fill::zeros), out;
    std::bernoulli_distribution on(density);
    for (auto& x : in)
      x = on(gen) ? std::round(4 * u(gen)) : 0.0;
    conv.apply(in, out);
    ASSERT_EQ(out.n_elem, K * w.out_h * w.out_w);
    for (std::uint64_t k = 0; k < K; ++k) {
      const std::uint64_t g = k / (K / G);
      for (std::uint64_t oy = 0; oy < w.out_h; ++oy) {
        for (std::uint64_t ox = 0; ox < w.out_w; ++ox) {
          double sum = bias[k];
          for (std::uint64_t c = 0; c < C / G; ++c) {
            for (std::uint64_t fy = 0; fy < KY; ++fy) {
              for (std::uint64_t fx = 0; fx < KX; ++fx) {
                const long iy = long(oy * 2 + fy) - 1, ix = long(ox + fx * 2) - 2;
                if (iy < 0 || ix < 0 || iy >= long(H) || ix >= long(W)) continue;
                sum += weight[((k * (C / G) + c) * KY + fy) * KX + fx] *
                       in[((g * (C / G) + c) * H + std::uint64_t(iy)) * W + std::uint64_t(ix)];
              }
            }
          }
          EXPECT_NEAR(out[(k * w.out_h + oy) * w.out_w + ox], sum, 1e-12);
        }
      }
    }
  }
}

TEST(SimulateConv, SumAndAveragePoolingHandComputed) {
  // 1 x 4 x 4 input 1..16, 2x2 windows, stride 2: sums 14, 22, 46, 54; averages / 4.
  Window w;
  w.ky = w.kx = 2;
  w.sy = w.sx = 2;
  w.out_h = w.out_w = 2;
  arma::vec in = arma::regspace(1.0, 16.0), out;
  PoolSynapse({1, 4, 4}, w, false).apply(in, out);
  EXPECT_EQ(arma::conv_to<std::vector<double>>::from(out), (std::vector<double>{14, 22, 46, 54}));
  PoolSynapse({1, 4, 4}, w, true).apply(in, out);
  EXPECT_EQ(arma::conv_to<std::vector<double>>::from(out),
            (std::vector<double>{3.5, 5.5, 11.5, 13.5}));
}

// ---- inputs --------------------------------------------------------------------------------

TEST(SimulateInputs, NpyRoundTripAndErrors) {
  test::ScratchDir dir("sim");
  const std::vector<float> v = {0, 1, 2, 255, 3, 4};
  for (NpyType t : {NpyType::U8, NpyType::I64, NpyType::F32}) {
    write_npy(dir / "a.npy", {2, 3}, v, t);
    const NpyArray a = read_npy(dir / "a.npy");
    EXPECT_EQ(a.shape, (std::vector<std::uint64_t>{2, 3}));
    EXPECT_EQ(a.values, v);
  }
  // Truncated data, a text file, Fortran order: each a clear InputError naming the file.
  const std::string good = npy_bytes({2, 3}, v, NpyType::F32);
  auto expect_error = [&](const std::string& bytes, const std::string& mention) {
    {
      std::ofstream f(dir / "bad.npy", std::ios::binary);
      f << bytes;
    }
    try {
      read_npy(dir / "bad.npy");
      FAIL() << "accepted: " << mention;
    } catch (const InputError& e) {
      EXPECT_EQ(e.where(), (dir / "bad.npy"));
      EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
    }
  };
  expect_error(good.substr(0, good.size() - 3), "truncated");
  expect_error("T,C,H,W\n1,2,3,4\n", "not a .npy file");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  expect_error(fortran, "Fortran order");
  std::string big = good;
  big.replace(big.find("<f4"), 3, ">f4");
  expect_error(big, "big-endian");
}

TEST(SimulateInputs, EventFilesMustFitTheNetworkInput) {
  test::ScratchDir dir("sim");
  write_npy(dir / "one.npy", {5, 2, 3}, std::vector<float>(30, 1.0f), NpyType::U8);
  const EventSet one = load_events(dir / "one.npy", {2, 3});
  EXPECT_EQ(one.samples, 1u);
  EXPECT_EQ(one.timesteps, 5u);
  write_npy(dir / "many.npy", {4, 5, 2, 3}, std::vector<float>(120, 0.0f), NpyType::F32);
  EXPECT_EQ(load_events(dir / "many.npy", {2, 3}).samples, 4u);
  try {
    load_events(dir / "many.npy", {3, 2});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("N x T x (3, 2)"), std::string::npos) << e.what();
  }
  EventSet e = load_events(dir / "many.npy", {2, 3});
  write_npy(dir / "labels.npy", {4}, {0, 1, 2, 1}, NpyType::I64);
  load_labels(e, (dir / "labels.npy"));
  EXPECT_EQ(e.labels, (std::vector<std::int64_t>{0, 1, 2, 1}));
  write_npy(dir / "short.npy", {3}, {0, 1, 2}, NpyType::I64);
  EXPECT_THROW(load_labels(e, (dir / "short.npy")), InputError);
}

TEST(SimulateInputs, PoissonEventsAreReproducibleAndHaveTheirRate) {
  const auto a = poisson_events({2, 8, 8}, 10, 16, 0.2, 5);
  const auto b = poisson_events({2, 8, 8}, 10, 16, 0.2, 5);
  const auto c = poisson_events({2, 8, 8}, 10, 16, 0.2, 6);
  EXPECT_EQ(a.values, b.values);
  EXPECT_NE(a.values, c.values);
  double sum = 0, zeros = 0;
  for (float v : a.values) {
    sum += v;
    zeros += v == 0;
  }
  const double n = static_cast<double>(a.values.size());  // 20,480 draws
  EXPECT_NEAR(sum / n, 0.2, 0.01);
  EXPECT_NEAR(zeros / n, std::exp(-0.2), 0.01);  // P(0) of a Poisson count
  EXPECT_THROW(poisson_events({4}, 1, 1, 0.0, 1), InputError);
}

// ---- NIR models ----------------------------------------------------------------------------

TEST(SimulateNir, GestureModelLoadsAndRuns) {
  nir::NirOptions o;
  const nir::NirModel m = nir::load_nir_model(kGesture, o);
  EXPECT_EQ(m.input_shape, (std::vector<std::uint64_t>{2, 64, 64}));
  ASSERT_EQ(m.layers.size(), 7u);
  EXPECT_EQ(m.layers.at(0).node_type, "Conv2d");
  EXPECT_EQ(m.layers.at(0).neuron_type, "LIF");
  EXPECT_EQ(m.layers.at(0).params.at("weight").values.size(), 16u * 2 * 3 * 3);
  EXPECT_EQ(m.network.layer_by_id(m.output_layer).name, "fc");
  SimOptions s;
  s.dt_s = 5e-3;
  s.threads = 1;
  const Model one(m, s);
  s.threads = 2;
  const Model two(m, s);
  const EventSet ev = poisson_events(one.input_shape(), 3, 6, 0.2, 1);
  const auto r1 = run(one, ev, "1111");
  const auto r2 = run(two, ev, "1111");
  EXPECT_EQ(r1.density, r2.density);  // the thread count changes nothing
  EXPECT_EQ(r1.output, r2.output);
  ASSERT_EQ(r1.output.size(), 3u);
  EXPECT_EQ(r1.output[0].size(), 11u);
  for (std::size_t l = 0; l < one.layers().size(); ++l) {
    for (double d : r1.density[l]) {
      EXPECT_GE(d, 0.0);
      EXPECT_LE(d, 1.0);
    }
  }
  // Pinned: conv1's 16 x 64 x 64 neurons fire 24,787 times in 3 samples x 6 timesteps.
  EXPECT_NEAR(r1.mean_density(0) * 3 * 6 * 16 * 64 * 64, 24787, 1e-6);
  // Dropping the first block's state changes conv1 and leaves t = 0 alone.
  const auto full = run(one, poisson_events(one.input_shape(), 1, 6, 0.2, 1), "1111", recorded());
  const auto drop = run(one, poisson_events(one.input_shape(), 1, 6, 0.2, 1), "0111", recorded());
  for (std::size_t l = 0; l < one.layers().size(); ++l)
    EXPECT_EQ(drop.trace[l][0], full.trace[l][0]);
  EXPECT_NE(drop.trace[0], full.trace[0]);
  EXPECT_THROW(run(one, ev, "11"), InputError);  // 4 blocks
}

TEST(SimulateNir, RecurrentAndSmallExportsRun) {
  nir::NirOptions o;
  for (const char* f : {"braille_noDelay_bias_zero.nir", "two_lif_neurons.nir", "lif_norse.nir",
                        "lif_rockpool.nir"}) {
    SCOPED_TRACE(f);
    const nir::NirModel m = nir::load_nir_model(kNir + "/" + f, o);
    SimOptions s;
    s.dt_s = 1e-4;
    s.threads = 1;
    const Model model(m, s);
    const auto r = run(model, poisson_events(model.input_shape(), 2, 10, 0.5, 2));
    EXPECT_EQ(r.output.size(), 2u);
  }
  // The braille network's recurrent CubaLIF layer reads the feedback layer's previous output.
  const nir::NirModel m = nir::load_nir_model(kNir + "/braille_noDelay_bias_zero.nir", o);
  SimOptions s;
  s.dt_s = 1e-4;
  const Model model(m, s);
  bool recurrent = false;
  for (const auto& l : model.layers())
    recurrent = recurrent || !l.recurrent.empty();
  EXPECT_TRUE(recurrent);
}

// ---- dt and the reset rule: given, from the file's metadata, or the defaults ------------------

namespace {

// A 2 -> 2 LIF layer (identity weights, tau 10 ms, threshold 1) as a NIR file, with `extra` lines
// (metadata, other neuron parameters) appended to the description.
std::string lif_file(const test::ScratchDir& dir, const std::string& name,
                     const std::string& neuron_extra = "", const std::string& extra = "") {
  const std::string path = dir / name;
  fuzz::nirtext::write_nir(
      "version 1.0.0\nnode input Input shape=2\nnode fc Linear weight=z:1,0,0,1@2x2\n"
      "node lif LIF tau=z:0.01,0.01 r=z:1,1 v_leak=z:0,0 v_threshold=z:1,1 " +
          neuron_extra +
          "\nnode output Output shape=2\nedge input fc\nedge fc lif\nedge lif output\n" + extra,
      path);
  return path;
}

}  // namespace

TEST(SimulateTiming, GivenOverridesTheFileWhichOverridesTheDefault) {
  test::ScratchDir dir("sim_timing");
  const auto meta =
      nir::load_nir_model(lif_file(dir, "meta.nir", "", "meta dt=fs:0.002 reset=s:subtract\n"), {});
  const auto plain = nir::load_nir_model(lif_file(dir, "plain.nir"), {});
  SimOptions none;  // nothing given
  const Model from_file(meta, none);
  EXPECT_EQ(from_file.timing().dt_s, 0.002);
  EXPECT_EQ(from_file.timing().dt_from, Source::File);
  EXPECT_EQ(from_file.timing().reset, Reset::Subtract);
  EXPECT_EQ(from_file.timing().reset_from, Source::File);
  EXPECT_EQ(describe_timing(from_file.timing()),
            "dt 0.002 s (the file's /node/metadata/dt), reset by subtraction (the file's "
            "/node/metadata/reset)");
  SimOptions given;
  given.dt_s = 0.001;
  given.reset = Reset::ToValue;
  const Model overridden(meta, given);
  EXPECT_EQ(overridden.timing().dt_s, 0.001);
  EXPECT_EQ(overridden.timing().dt_from, Source::Given);
  EXPECT_EQ(overridden.timing().reset, Reset::ToValue);
  EXPECT_EQ(describe_timing(overridden.timing()),
            "dt 0.001 s (--dt-s), reset to v_reset (--reset)");
  const Model defaults(plain, none);
  EXPECT_EQ(defaults.timing().dt_s, 1e-3);
  EXPECT_EQ(defaults.timing().dt_from, Source::Default);
  EXPECT_EQ(describe_timing(defaults.timing(), "dt_s", "reset"),
            "dt 0.001 s (default; the file has no /node/metadata/dt), reset to v_reset (default; "
            "the file has no /node/metadata/reset)");
  // The file's dt and reset simulate exactly as the same values given.
  SimOptions same;
  same.dt_s = 0.002;
  same.reset = Reset::Subtract;
  const EventSet ev = poisson_events({2}, 3, 20, 0.8, 5);
  EXPECT_EQ(run(from_file, ev).output, run(Model(plain, same), ev).output);
  EXPECT_NE(run(from_file, ev).output, run(defaults, ev).output);
}

TEST(SimulateTiming, BadValuesNameTheirSource) {
  test::ScratchDir dir("sim_timing_bad");
  const std::string path = lif_file(dir, "reset.nir", "", "meta reset=s:soft\n");
  const auto m = nir::load_nir_model(path, {});
  try {
    Model model(m, SimOptions{});
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": '/node/metadata/reset': 'soft': expected value or subtract");
  }
  SimOptions given;
  given.reset = Reset::ToValue;  // a given rule: the file's is not read
  EXPECT_NO_THROW(Model(m, given));
  SimOptions zero;
  zero.dt_s = 0;
  try {
    Model model(m, zero, "dt_s");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "dt_s");
  }
}

TEST(SimulateTiming, GivenRemembersWhetherItWasSet) {
  Given<double> dt = Given<double>::unset(1e-3);
  EXPECT_FALSE(dt.given());
  EXPECT_EQ(static_cast<double>(dt), 1e-3);
  dt = 5e-3;
  EXPECT_TRUE(dt.given());
  EXPECT_EQ(static_cast<double>(dt), 5e-3);
  const Given<Reset> r = Reset::Subtract;
  EXPECT_TRUE(r.given());
  EXPECT_TRUE(r == Reset::Subtract);
}

// NIR 1.0 files store v_reset (zeros when the model has none); older files leave it out: both
// simulate the same, and a non-zero v_reset is where a fired neuron restarts.
TEST(SimulateNir, VResetPresentOrAbsent) {
  test::ScratchDir dir("sim_vreset");
  const auto absent = nir::load_nir_model(lif_file(dir, "absent.nir"), {});
  const auto zeros = nir::load_nir_model(lif_file(dir, "zeros.nir", "v_reset=z:0,0"), {});
  const auto half = nir::load_nir_model(lif_file(dir, "half.nir", "v_reset=fs:0.5"), {});
  const SimOptions s = with_dt(1e-3);
  EventSet ev = events_of(std::vector<std::vector<float>>(6, {15.0f, 15.0f}), {2});
  const auto a = run(Model(absent, s), ev, "", recorded());
  const auto z = run(Model(zeros, s), ev, "", recorded());
  const auto h = run(Model(half, s), ev, "", recorded());
  EXPECT_EQ(a.trace, z.trace);
  // dt/tau = 0.1: from v = 0, v = 0.1 * 15 = 1.5 > 1 fires at every step (reset to 0);
  // from v_reset 0.5: v = 0.5 + 0.1 * (15 - 0.5) = 1.95, fires too: both fire throughout.
  EXPECT_EQ(trace_of(a, 0), (std::vector<double>(6, 1.0)));
  EXPECT_EQ(trace_of(h, 0), (std::vector<double>(6, 1.0)));
  // Input 8: from 0, v = 0.8 then 0.8 + 0.1 * (8 - 0.8) = 1.52 fires -> 0, 0.8, ...: every other
  // step; from v_reset 0.5 after a spike: 0.5 + 0.75 = 1.25 fires at once: every step after t=1.
  ev = events_of(std::vector<std::vector<float>>(6, {8.0f, 8.0f}), {2});
  EXPECT_EQ(trace_of(run(Model(zeros, s), ev, "", recorded()), 0),
            (std::vector<double>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(trace_of(run(Model(half, s), ev, "", recorded()), 0),
            (std::vector<double>{0, 1, 1, 1, 1, 1}));
}

// ---- runs that measure nothing ------------------------------------------------------------------

TEST(SimulateActivity, SilentAndSaturatedRunsAreFlagged) {
  const nir::NirParams quiet = {{"tau", tensor({1.0})}, {"v_threshold", tensor({1e9})}};
  const nir::NirParams eager = {{"tau", tensor({1.0})}, {"v_threshold", tensor({-1.0})}};
  const nir::NirParams normal = {{"tau", tensor({1.0})}, {"v_threshold", tensor({0.5})}};
  const std::vector<std::vector<double>> w = {{1, 0, 0, 1}};
  const EventSet ev = poisson_events({2}, 4, 5, 0.5, 9);
  const Model silent(dense_chain({2, 2}, w, "LIF", quiet), with_dt(1.0));
  const Model saturated(dense_chain({2, 2}, w, "LIF", eager), with_dt(1.0));
  const Model fine(dense_chain({2, 2}, w, "LIF", normal), with_dt(1.0));
  const Activity s = check_activity(run(silent, ev));
  EXPECT_EQ(s.verdict, Activity::Verdict::Silent);
  EXPECT_EQ(s.samples, 4u);
  EXPECT_EQ(check_activity(run(saturated, ev)).verdict, Activity::Verdict::Saturated);
  const RunResult ok = run(fine, ev);
  EXPECT_EQ(check_activity(ok).verdict, Activity::Verdict::Ok);
  EXPECT_EQ(activity_problem(check_activity(ok), fine.timing()), "");
  EXPECT_EQ(activity_warning(check_activity(ok), fine.timing()), "");
  // The messages name what was used and the option to change.
  const std::string quiet_text = activity_problem(s, silent.timing());
  EXPECT_NE(quiet_text.find("silent on all 4 samples"), std::string::npos) << quiet_text;
  EXPECT_NE(quiet_text.find("dt 1 s (--dt-s)"), std::string::npos) << quiet_text;
  EXPECT_NE(quiet_text.find("give the training dt with --dt-s"), std::string::npos);
  const std::string loud = activity_warning(check_activity(run(saturated, ev)), saturated.timing());
  EXPECT_EQ(loud.rfind("\nwarning: every spiking neuron fired at every timestep", 0), 0u) << loud;
  const std::string key = activity_problem(s, silent.timing(), "dt_s in [accuracy.simulate]");
  EXPECT_NE(key.find("with dt_s in [accuracy.simulate]"), std::string::npos) << key;
  // Non-spiking outputs (LI) are never "saturated"; an empty run is fine.
  const Model li(dense_chain({2, 2}, w, "LI", {{"tau", tensor({1.0})}}), with_dt(1.0));
  EXPECT_EQ(check_activity(run(li, ev)).verdict, Activity::Verdict::Ok);
  EXPECT_EQ(check_activity(RunResult{}).verdict, Activity::Verdict::Ok);
}

// The trained Fashion-MNIST model (configs/workloads/fashion_snn.nir, written by
// experiments/training with h5py in NIR's layout) carries the dt and reset rule it was trained
// with in /node/metadata: read without flags, they reproduce its accuracy.
TEST(SimulateNir, TrainedFashionModelTakesItsMetadata) {
  const std::string dir = std::string(STEMS_CONFIGS) + "/workloads";
  const std::string model = dir + "/fashion_snn.nir";
  if (!fs::exists(model)) GTEST_SKIP() << model << " is not in this tree";
  nir::NirOptions o;
  o.timesteps = 8;
  const nir::NirModel m = nir::load_nir_model(model, o);
  ASSERT_TRUE(m.metadata.dt_s);
  ASSERT_TRUE(m.metadata.reset);
  SimOptions none;
  none.threads = 2;
  const Model from_file(m, none);
  EXPECT_EQ(from_file.timing().dt_from, Source::File);
  EXPECT_EQ(from_file.timing().reset_from, Source::File);
  EXPECT_EQ(from_file.timing().dt_s, *m.metadata.dt_s);
  EXPECT_EQ(name_of(kResetNames, from_file.timing().reset), *m.metadata.reset);
  EventSet ev = load_events(dir + "/fashion_snn_test/test_inputs.npy", from_file.input_shape());
  load_labels(ev, dir + "/fashion_snn_test/test_labels.npy");
  keep_first_samples(ev, 64);
  const RunResult r = run(from_file, ev);
  EXPECT_TRUE(check_activity(r).ok());
  EXPECT_GE(accuracy(r, ev.labels), 0.75);  // the trainer measured 0.83 on its test split
  SimOptions same = none;                   // the same values given as flags simulate identically
  same.dt_s = from_file.timing().dt_s;
  same.reset = from_file.timing().reset;
  EXPECT_EQ(run(Model(m, same), ev).output, r.output);
}
