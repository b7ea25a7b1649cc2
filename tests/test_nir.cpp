// Tests of the NIR importer (stems/nir) on the real exports in ../shared/nir.
#include <gtest/gtest.h>

#include <filesystem>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"
#include "stems/workload/workload_writer.hpp"

using namespace stems;
using workload::Dim;

namespace {

const std::string kNir = STEMS_SHARED_NIR;
const std::string kConfigs = STEMS_CONFIGS;

workload::Network load(const std::string& name, nir::NirOptions o = {}) {
  const std::string path = kNir + "/" + name;
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("missing " + path + ": the NIR samples live in ../shared/nir");
  }
  return nir::load_nir_file(path, o);
}

}  // namespace

TEST(Nir, EverySampleImports) {
  for (const char* f : {"braille_noDelay_bias_zero.nir", "conv_gesture_synthetic.nir",
                        "lif_norse.nir", "lif_rockpool.nir", "two_lif_neurons.nir"}) {
    SCOPED_TRACE(f);
    EXPECT_NO_THROW(load(f));
  }
}

TEST(Nir, ConvGestureStructureAndOps) {
  nir::NirOptions o;
  o.timesteps = 16;
  const auto net = load("conv_gesture_synthetic.nir", o);
  ASSERT_EQ(net.layer_count(), 7u);
  const auto& order = net.topological_order();
  auto at = [&](std::size_t i) -> const workload::Layer& { return net.layer(order[i]); };
  // conv1: 2 -> 16, 3x3, padding 1, 64x64, LIF merged into it.
  EXPECT_EQ(at(0).op, workload::OpType::Conv2d);
  EXPECT_EQ(at(0).size(Dim::K), 16u);
  EXPECT_EQ(at(0).size(Dim::C), 2u);
  EXPECT_EQ(at(0).size(Dim::OX), 64u);
  EXPECT_EQ(at(0).neuron, workload::NeuronModel::LIF);
  EXPECT_TRUE(at(0).input_is_network_input);
  // pool1: 2x2 sum-pool to 32x32.
  EXPECT_EQ(at(1).op, workload::OpType::SumPool);
  EXPECT_EQ(at(1).size(Dim::OX), 32u);
  EXPECT_EQ(at(1).stride.x, 2u);
  // conv3: the strided conv, 32 -> 64 channels, 16x16 -> 8x8.
  EXPECT_EQ(at(4).name, "conv3");
  EXPECT_EQ(at(4).stride.x, 2u);
  EXPECT_EQ(at(4).size(Dim::OY), 8u);
  EXPECT_EQ(at(4).size(Dim::K), 64u);
  // flatten and the 4096 -> 11 LIF classifier.
  EXPECT_EQ(at(5).op, workload::OpType::Flatten);
  EXPECT_EQ(at(6).op, workload::OpType::Linear);
  EXPECT_EQ(at(6).size(Dim::C), 4096u);
  EXPECT_EQ(at(6).size(Dim::K), 11u);
  EXPECT_TRUE(net.is_sink(order[6]));
  // ops = T x (16*2*9*64*64 + 16*32*32*4 + 32*16*9*32*32 + 32*16*16*4 + 64*32*9*8*8 + 11*4096)
  EXPECT_EQ(at(0).ops(), 16ull * 16 * 2 * 9 * 64 * 64);
  EXPECT_EQ(at(4).ops(), 16ull * 64 * 32 * 9 * 8 * 8);
  EXPECT_EQ(at(6).ops(), 16ull * 11 * 4096);
  EXPECT_EQ(net.totals().ops, 115'539'968u);
  EXPECT_EQ(net.totals().stateful_neurons, 16u * 64 * 64 + 32 * 32 * 32 + 64 * 8 * 8 + 11);
}

TEST(Nir, BrailleRecurrentCubaLif) {
  nir::NirOptions o;
  o.state_bits = 8;
  const auto net = load("braille_noDelay_bias_zero.nir", o);
  ASSERT_EQ(net.layer_count(), 3u);
  const auto& fc1 = net.layer_by_id(0);
  EXPECT_EQ(fc1.name, "fc1");
  EXPECT_EQ(fc1.neuron, workload::NeuronModel::CubaLIF);
  EXPECT_EQ(fc1.state_bits(), 38u * 8 * 2);  // two state variables per neuron
  // lif1.w_rec (38 -> 38) feeds fc1's neurons back with a delay of one timestep.
  const auto prods = net.producers(net.vertex(0));
  ASSERT_EQ(prods.size(), 1u);
  EXPECT_TRUE(prods[0].second.recurrent);
  EXPECT_EQ(prods[0].second.operand, workload::Operand::R);
  EXPECT_EQ(net.layer(prods[0].first).name, "lif1.w_rec");
  EXPECT_EQ(net.layer(prods[0].first).size(Dim::K), 38u);
  EXPECT_EQ(net.layer_by_id(2).size(Dim::K), 7u);
}

TEST(Nir, ImportWritesTomlThatLoadsBackIdentically) {
  for (const char* f : {"conv_gesture_synthetic.nir", "braille_noDelay_bias_zero.nir"}) {
    SCOPED_TRACE(f);
    const auto net = load(f);
    const auto text = workload::to_toml(net, "test");
    const auto back = workload::load_workload(config::parse_toml_string(text, "imported.toml"));
    EXPECT_EQ(back.totals().ops, net.totals().ops);
    EXPECT_EQ(back.totals().weight_bits, net.totals().weight_bits);
    EXPECT_EQ(back.totals().state_bits, net.totals().state_bits);
    EXPECT_EQ(back.layer_count(), net.layer_count());
  }
}

TEST(Nir, ImportedModelsEvaluate) {
  nir::NirOptions o;
  o.weight_bits = 4;  // the Meta-prototype core's weight register is 4 bits
  o.state_bits = 8;
  const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb.toml");
  for (const char* f :
       {"conv_gesture_synthetic.nir", "braille_noDelay_bias_zero.nir", "two_lif_neurons.nir"}) {
    SCOPED_TRACE(f);
    const auto net = load(f, o);
    const std::string ones(static_cast<std::size_t>(net.block_count()), '1');
    const std::string zeros(static_cast<std::size_t>(net.block_count()), '0');
    // The braille network's recurrent loop (blocks 0 and 1) must be time-sequential.
    const std::string time = net.has_recurrent_edges() ? "001" : ones;
    for (const auto& depth : {ones, zeros}) {
      const auto s = schedule::schedule_from_bits(net, time, depth, true);
      cost::NodeCostCache cache(acc);
      const auto r = schedule::evaluate_schedule(net, acc, s, cache);
      EXPECT_GT(r.energy_pJ, 0);
      EXPECT_EQ(r.state_bits, net.totals().state_bits);
    }
  }
}

TEST(Nir, MalformedFilesGiveClearErrors) {
  const std::string text = std::string(STEMS_TEST_DATA) + "/bad/workload_nir_text.nir";
  try {
    nir::load_nir_file(text, {});
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a readable HDF5 file"), std::string::npos);
  }
  const std::string unsupported =
      std::string(STEMS_TEST_DATA) + "/bad/workload_nir_unsupported_node.nir";
  try {
    nir::load_nir_file(unsupported, {});
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("node 'delay' (Delay)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("supported:"), std::string::npos);
  }
}

TEST(Nir, NestedGraphsAreFlattened) {
  // tests/data/nir/nested_graph.nir: input -> block (NIRGraph: in -> fc -> lif -> out) -> fc2 ->
  // lif2 -> output, written with the HDF5 library for this test.
  const auto net = nir::load_nir_file(std::string(STEMS_TEST_DATA) + "/nir/nested_graph.nir", {});
  ASSERT_EQ(net.layer_count(), 2u);
  const auto& inner = net.layer_by_id(0);
  EXPECT_EQ(inner.name, "block.fc");
  EXPECT_EQ(inner.neuron, workload::NeuronModel::LIF);  // merged across the graph's boundary
  EXPECT_EQ(inner.size(Dim::K), 20u);
  EXPECT_TRUE(inner.input_is_network_input);
  const auto prods = net.producers(net.vertex(1));
  ASSERT_EQ(prods.size(), 1u);
  EXPECT_EQ(net.layer(prods[0].first).name, "block.fc");
  EXPECT_EQ(net.layer_by_id(1).size(Dim::C), 20u);
}

// Corrupt files the HDF5 library (Debian's 1.10.8) cannot cope with are read in a child process
// first (found by tests/fuzz/fuzz_nir): a loop, a crash or a runaway allocation there is a clear
// InputError naming the file, never a hang or a crash of stems (the crash case is
// tests/data/bad/workload_nir_hdf5_crash.nir, a file that makes it allocate gigabytes is
// tests/data/bad/workload_nir_hdf5_huge_allocation.nir: stopped at 256 MiB).
TEST(Nir, FileTheHdf5LibraryLoopsOnIsRejectedAfterTheTimeout) {
  // A global-heap collection whose objects never advance: H5Dread of its strings loops forever.
  const std::string path = std::string(STEMS_TEST_DATA) + "/nir/hdf5_loop.nir";
  nir::NirOptions o;
  o.read_timeout_s = 1;
  try {
    nir::load_nir_file(path, o);
    ADD_FAILURE() << "no error for " << path;
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(e.message().find("did not finish reading the file within 1 s"), std::string::npos)
        << e.what();
  }
}
