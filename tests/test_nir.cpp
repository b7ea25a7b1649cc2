// Tests of the NIR importer (stems/nir) on the real exports in ../shared/nir.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <filesystem>

#include "fixtures.hpp"
#include "fuzz/nir_text.hpp"
#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/nir/nir_model.hpp"
#include "stems/nir/node_types.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"
#include "stems/workload/workload_writer.hpp"

using namespace stems;
using workload::Dim;

namespace {

const std::string kNir = STEMS_SHARED_NIR;

workload::Network load(const std::string& name, nir::NirOptions o = {}) {
  const std::string path = kNir + "/" + name;
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("missing " + path + ": the NIR samples live in ../shared/nir");
  }
  return nir::load_nir_file(path, o);
}

// ---- the file read independently of stems, with the HDF5 C API ----

std::string read_type(hid_t file, const std::string& dataset) {
  const hid_t d = H5Dopen2(file, dataset.c_str(), H5P_DEFAULT);
  const hid_t ftype = H5Dget_type(d);
  const hid_t mtype = H5Tcopy(H5T_C_S1);
  std::string out;
  if (H5Tis_variable_str(ftype) > 0) {
    H5Tset_size(mtype, H5T_VARIABLE);
    char* text = nullptr;
    H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text);
    out = text ? text : "";
    H5free_memory(text);
  } else {
    std::string buf(H5Tget_size(ftype), '\0');
    H5Tset_size(mtype, buf.size());
    H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
    out = buf.c_str();
  }
  H5Tclose(mtype);
  H5Tclose(ftype);
  H5Dclose(d);
  return out;
}

struct StateCount {
  hid_t file;
  std::uint64_t variables = 0;  // neurons x state variables over every neuron node
};

herr_t count_node(hid_t, const char* name, const H5O_info_t* info, void* data) {
  const std::string path = name;
  if (info->type != H5O_TYPE_DATASET || path.size() < 5 ||
      path.compare(path.size() - 5, 5, "/type") != 0) {
    return 0;
  }
  auto& count = *static_cast<StateCount*>(data);
  const std::string node = path.substr(0, path.size() - 5);
  const std::string type = read_type(count.file, path);
  const int variables = type == "CubaLIF"                                 ? 2
                        : (type == "LIF" || type == "IF" || type == "LI") ? 1
                                                                          : 0;
  if (variables == 0) return 0;
  const hid_t d = H5Dopen2(count.file, (node + "/v_threshold").c_str(), H5P_DEFAULT);
  const hid_t space = H5Dget_space(d);
  count.variables += static_cast<std::uint64_t>(H5Sget_simple_extent_npoints(space)) * variables;
  H5Sclose(space);
  H5Dclose(d);
  return 0;
}

// The state bits a NIR file's neurons need, from the file alone: for every spiking neuron node
// (every one the samples have carries v_threshold), population x state variables (CubaLIF: 2)
// x bits.
std::uint64_t state_bits_in_file(const std::string& path, std::uint32_t bits) {
  StateCount count{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)};
  H5Ovisit2(count.file, H5_INDEX_NAME, H5_ITER_INC, count_node, &count, H5O_INFO_BASIC);
  H5Fclose(count.file);
  return count.variables * bits;
}

// A NIR file written from a nir_text.hpp description into `dir`.
std::string write_nir(const test::ScratchDir& dir, const std::string& name,
                      const std::string& text) {
  const std::string path = dir / name;
  fuzz::nirtext::write_nir(text, path);
  return path;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
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

// The state a schedule keeps is the neurons' (counted from the file's own shapes), and the imported
// workload costs exactly what its TOML round trip (`stems import`) costs.
TEST(Nir, ImportedModelsEvaluate) {
  nir::NirOptions o;
  o.weight_bits = 4;  // the Meta-prototype core's weight register is 4 bits
  o.state_bits = 8;
  const auto& acc = test::meta();
  for (const char* f :
       {"conv_gesture_synthetic.nir", "braille_noDelay_bias_zero.nir", "two_lif_neurons.nir"}) {
    SCOPED_TRACE(f);
    const auto net = load(f, o);
    const auto back = workload::load_workload(
        config::parse_toml_string(workload::to_toml(net, "test"), "imported.toml"));
    const std::uint64_t expected_state = state_bits_in_file(kNir + "/" + f, o.state_bits);
    if (std::string(f) == "conv_gesture_synthetic.nir") {  // the counter itself, by hand
      EXPECT_EQ(expected_state, (16u * 64 * 64 + 32 * 32 * 32 + 64 * 8 * 8 + 11) * 8);
    }
    const std::string ones(static_cast<std::size_t>(net.block_count()), '1');
    const std::string zeros(static_cast<std::size_t>(net.block_count()), '0');
    // The braille network's recurrent loop (blocks 0 and 1) must be time-sequential.
    const std::string time = net.has_recurrent_edges() ? "001" : ones;
    for (const auto& depth : {ones, zeros}) {
      const auto s = schedule::schedule_from_bits(net, time, depth, true);
      cost::NodeCostCache cache(acc);
      const auto r = schedule::evaluate_schedule(net, acc, s, cache);
      EXPECT_EQ(r.state_bits, expected_state);
      const auto s_back = schedule::schedule_from_bits(back, time, depth, true);
      const auto r_back = schedule::evaluate_schedule(back, acc, s_back, cache);
      EXPECT_EQ(r.energy_pJ, r_back.energy_pJ);
      EXPECT_EQ(r.latency_cycles, r_back.latency_cycles);
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

// ---- the node type registry ---------------------------------------------------------------

TEST(Nir, NodeTypeRegistryHasEveryTypeOnceWithItsKind) {
  EXPECT_EQ(nir::supported_node_types(),
            "Input, Output, Affine, Linear, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Scale, "
            "LIF, CubaLIF, IF, LI, Integrator, I");
  using nir::NodeKind;
  const std::vector<std::pair<const char*, NodeKind>> kinds = {
      {"Input", NodeKind::PassThrough}, {"Output", NodeKind::PassThrough},
      {"Affine", NodeKind::Synaptic},   {"Conv1d", NodeKind::Synaptic},
      {"Scale", NodeKind::Synaptic},    {"SumPool2d", NodeKind::Pooling},
      {"AvgPool2d", NodeKind::Pooling}, {"Flatten", NodeKind::Flatten},
      {"LIF", NodeKind::Neuron},        {"Integrator", NodeKind::Neuron}};
  for (const auto& [name, kind] : kinds) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(nir::find_node_type(name));
    EXPECT_EQ(nir::find_node_type(name)->kind, kind);
  }
  EXPECT_EQ(nir::find_node_type("CubaLIF")->neuron, workload::NeuronModel::CubaLIF);
  EXPECT_TRUE(nir::find_node_type("IF")->spiking);
  EXPECT_FALSE(nir::find_node_type("LI")->spiking);  // its output is the potential
  EXPECT_EQ(nir::find_node_type("Integrator")->neuron, workload::NeuronModel::LI);
  EXPECT_EQ(nir::find_node_type("I")->neuron, workload::NeuronModel::LI);  // NIR 1.0's name
  EXPECT_EQ(nir::find_node_type("Affine")->neuron, workload::NeuronModel::None);
  for (const char* missing : {"Delay", "Threshold", "NIRGraph", "Identity", "lif", ""})
    EXPECT_FALSE(nir::find_node_type(missing)) << missing;
}

// ---- files as NIR 1.0 writes them -----------------------------------------------------------

// NIR's writer (nir.write, h5py) compresses every array with gzip by default.
TEST(Nir, GzipCompressedDatasetsAreDecoded) {
  test::ScratchDir dir("nir_gzip");
  const std::string path = write_nir(dir, "gzip.nir",
                                     "version 1.0.0\n"
                                     "node input Input shape=3\n"
                                     "node fc Affine weight=z:1,2,3,4,5,6@2x3 bias=z:0.5,-0.5\n"
                                     "node lif LIF tau=z:0.01,0.02 r=z:1,1 v_leak=z:0,0 "
                                     "v_threshold=z:1,2 v_reset=z:0,0\n"
                                     "node output Output shape=2\n"
                                     "edge input fc\nedge fc lif\nedge lif output\n");
  {  // the weights really are stored compressed
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(file, "/node/nodes/fc/weight", H5P_DEFAULT);
    const hid_t plist = H5Dget_create_plist(d);
    ASSERT_EQ(H5Pget_nfilters(plist), 1);
    unsigned flags = 0, config = 0;
    std::size_t n = 0;
    EXPECT_EQ(H5Pget_filter2(plist, 0, &flags, &n, nullptr, 0, nullptr, &config),
              H5Z_FILTER_DEFLATE);
    H5Pclose(plist);
    H5Dclose(d);
    H5Fclose(file);
  }
  const nir::NirModel m = nir::load_nir_model(path, {});
  ASSERT_EQ(m.layers.size(), 1u);
  const nir::NirLayer& fc = m.layers.at(0);
  EXPECT_EQ(fc.params.at("weight").shape, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(fc.params.at("weight").values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(fc.params.at("bias").values, (std::vector<double>{0.5, -0.5}));
  EXPECT_EQ(fc.neuron_node, "lif");
  EXPECT_EQ(fc.neuron_params.at("tau").values, (std::vector<double>{0.01, 0.02}));
  EXPECT_EQ(fc.neuron_params.at("v_threshold").values, (std::vector<double>{1, 2}));
  EXPECT_EQ(m.network.layer_by_id(0).size(Dim::C), 3u);
  EXPECT_EQ(m.network.layer_by_id(0).size(Dim::K), 2u);
}

// h5py can also write LZF (filter 32000), which libhdf5 itself cannot decode: the message names
// the dataset and the filter instead of "cannot read the numbers".
TEST(Nir, DatasetCompressedWithAFilterTheLibraryLacksIsNamed) {
  const std::string path = std::string(STEMS_TEST_DATA) + "/nir/lzf_weights.nir";
  EXPECT_NO_THROW(nir::load_nir_file(path, {}));  // the importer reads the weight's shape only
  const std::string e = error_of([&] { nir::load_nir_model(path, {}); });
  EXPECT_NE(e.find(path + ": '/node/nodes/fc/weight': compressed with HDF5 filter 32000 (lzf)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("gzip"), std::string::npos) << e;
}

// The graph metadata NIR 1.0 stores (a `metadata` group of datasets): dt and reset, as the
// trainer in experiments/training writes them (dt a float64 scalar, reset a UTF-8 string).
TEST(Nir, GraphMetadataGivesDtAndReset) {
  test::ScratchDir dir("nir_meta");
  const std::string graph =
      "node input Input shape=2\nnode fc Linear weight=f:1,0,0,1@2x2\n"
      "node lif LIF tau=f:0.01,0.01 r=f:1,1 v_leak=f:0,0 v_threshold=f:1,1\n"
      "node output Output shape=2\nedge input fc\nedge fc lif\nedge lif output\n";
  const auto with =
      nir::load_nir_model(write_nir(dir, "meta.nir",
                                    graph + "meta dt=fs:0.005 reset=s:subtract timesteps=:8 "
                                            "state=s:1111\n"),
                          {});
  ASSERT_TRUE(with.metadata.dt_s);
  EXPECT_EQ(*with.metadata.dt_s, 0.005);
  EXPECT_EQ(with.metadata.reset, "subtract");
  const auto without = nir::load_nir_model(write_nir(dir, "plain.nir", graph), {});
  EXPECT_FALSE(without.metadata.dt_s);
  EXPECT_FALSE(without.metadata.reset);
  const auto dt_only =
      nir::load_nir_model(write_nir(dir, "dt.nir", graph + "meta dt=f:1e-4\n"), {});
  EXPECT_EQ(dt_only.metadata.dt_s, 1e-4);  // a one-element array is read too
  EXPECT_FALSE(dt_only.metadata.reset);
  for (const auto& [meta, message] : std::vector<std::pair<std::string, std::string>>{
           {"meta dt=fs:-0.001\n", "'/node/metadata/dt': expected one timestep in seconds, > 0"},
           {"meta dt=fs:0\n", "'/node/metadata/dt': expected one timestep in seconds, > 0"},
           {"meta dt=f:0.001,0.002\n", "'/node/metadata/dt': expected one timestep"},
           {"meta dt=fs:nan\n", "'/node/metadata/dt': expected finite numbers"},
           {"meta dt=s:fast\n", "'/node/metadata/dt': expected numbers"},
           {"meta reset=:1\n", "'/node/metadata/reset': expected strings"}}) {
    SCOPED_TRACE(meta);
    const std::string path = write_nir(dir, "bad.nir", graph + meta);
    const std::string e = error_of([&] { nir::load_nir_model(path, {}); });
    EXPECT_NE(e.find(path + ": " + message), std::string::npos) << e;
  }
}

// NIR 1.0 writes each node's input_type as a group holding `input`; older files (the braille
// export) have none. Both load; a declared input that does not match is an error naming the node.
TEST(Nir, CubaLifWithAndWithoutInputTypeAndMismatch) {
  test::ScratchDir dir("nir_cuba");
  auto file = [&](const std::string& name, const std::string& input_type) {
    return write_nir(dir, name,
                     "node input Input shape=4\nnode fc Affine weight=d:3,4 bias=f:0,0,0\n"
                     "node cuba CubaLIF tau_syn=f:0.01,0.01,0.01 tau_mem=f:0.02,0.02,0.02 "
                     "r=f:1,1,1 v_leak=f:0,0,0 v_threshold=f:1,1,1 w_in=f:1,1,1 " +
                         input_type +
                         "\nnode output Output shape=3\n"
                         "edge input fc\nedge fc cuba\nedge cuba output\n");
  };
  nir::NirOptions o;
  o.state_bits = 12;
  for (const char* input_type : {"", "input_type/input=3", "output_type/output=3"}) {
    SCOPED_TRACE(input_type);
    const auto net = nir::load_nir_file(file("cuba.nir", input_type), o);
    ASSERT_EQ(net.layer_count(), 1u);
    EXPECT_EQ(net.layer_by_id(0).neuron, workload::NeuronModel::CubaLIF);
    EXPECT_EQ(net.totals().state_bits, 3u * 2 * 12);  // current and voltage per neuron
  }
  const std::string bad = file("bad.nir", "input_type/input=5");
  EXPECT_NE(error_of([&] {
              nir::load_nir_file(bad, o);
            }).find(bad + ": node 'cuba' (CubaLIF): declares input [5] but receives [3]"),
            std::string::npos);
}

// Flatten's input_type: a dataset (every NIR version) or, from other writers, a group; either is
// checked against what arrives.
TEST(Nir, FlattenInputTypeAsDatasetOrGroup) {
  test::ScratchDir dir("nir_flatten");
  auto file = [&](const std::string& name, const std::string& input_type) {
    return write_nir(dir, name,
                     "node input Input shape=2,2,2\nnode pool SumPool2d kernel_size=2,2\n"
                     "node flat Flatten start_dim=:0 end_dim=:-1 " +
                         input_type +
                         "\nnode fc Affine weight=d:3,2\nnode output Output shape=3\n"
                         "edge input pool\nedge pool flat\nedge flat fc\nedge fc output\n");
  };
  for (const char* ok : {"input_type=2,1,1", "input_type/input=2,1,1", ""}) {
    SCOPED_TRACE(ok);
    EXPECT_EQ(nir::load_nir_file(file("ok.nir", ok), {}).layer_count(), 3u);
  }
  for (const char* bad : {"input_type=2,2,2", "input_type/input=4"}) {
    SCOPED_TRACE(bad);
    const std::string path = file("bad.nir", bad);
    EXPECT_NE(error_of([&] {
                nir::load_nir_file(path, {});
              }).find("node 'flat' (Flatten): declares input"),
              std::string::npos);
  }
}

// The import names the file and the node for each graph error, whichever step finds it.
TEST(Nir, GraphErrorsNameTheFileAndTheNode) {
  test::ScratchDir dir("nir_errors");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"node input Input shape=2\nnode d Delay delay=f:1,1\nedge input d\n",
       "node 'd' (Delay): unsupported node type; supported: Input, Output,"},
      {"node input Input shape=2\nnode a Affine weight=d:2,2\nedge input a\nedge input x\n",
       "'/node/edges': edge input -> x names an unknown node 'x'"},
      {"node input Input shape=2\nnode a Affine weight=d:2,2\nnode b Affine weight=d:2,2\n"
       "node s Scale scale=f:1\nedge input a\nedge input b\nedge a s\nedge b s\n",
       "node 's' (Scale): has 2 forward inputs; summing several inputs into one node is not "
       "supported yet"},
      {"node input Input shape=2\nnode a Affine weight=d:2,3\nedge input a\n",
       "node 'a' (Affine): 'weight' expects 3 inputs but receives [2]"},
      {"node input Input shape=2\nnode lif LIF tau=f:1,1,1 v_threshold=f:1,1,1\nedge input lif\n",
       "node 'lif' (LIF): 'v_threshold' has shape [3] but the population receives [2]"},
      {"node input Input shape=2\nnode a Affine weight=d:2,2\nnode lone LIF tau=f:1\n"
       "edge input a\n",
       "node 'lone' (LIF): has no input"},
      {"node input Input\nnode a Affine weight=d:2,2\nedge input a\n",
       "node 'input' (Input): missing 'shape'"},
      {"node input Input shape=2\nnode o Output\nedge input o\n",
       "the NIR graph has no compute layers"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    const std::string path = write_nir(dir, "g.nir", text);
    const std::string e = error_of([&] { nir::load_nir_file(path, {}); });
    EXPECT_NE(e.find(path + ": " + message), std::string::npos) << e;
  }
}

// NIR 1.0 writes its integrator as type "I" (nir.I); older files say "Integrator".
TEST(Nir, IntegratorUnderBothNames) {
  test::ScratchDir dir("nir_integrator");
  nir::NirOptions o;
  o.state_bits = 10;
  for (const char* type : {"I", "Integrator"}) {
    SCOPED_TRACE(type);
    const std::string path = write_nir(dir, "i.nir",
                                       "node input Input shape=3\nnode fc Linear weight=d:2,3\n"
                                       "node integ " +
                                           std::string(type) +
                                           " r=f:1,1\nnode output Output shape=2\n"
                                           "edge input fc\nedge fc integ\nedge integ output\n");
    const auto net = nir::load_nir_file(path, o);
    ASSERT_EQ(net.layer_count(), 1u);
    EXPECT_EQ(net.layer_by_id(0).neuron, workload::NeuronModel::LI);
    EXPECT_EQ(net.layer_by_id(0).precision.O, 10u);  // its output is the potential
    EXPECT_EQ(nir::load_nir_model(path, o).layers.at(0).neuron_type, type);
  }
}
