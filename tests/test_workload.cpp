// Tests of the workload model (stems/workload): layers, the Boost graph network, the TOML loader
// and state schedules, against the STEMS reference tables
// (shared/reference/stems_model.md 2.2, 2.4).
#include <gtest/gtest.h>

#include <functional>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"
#include "stems/workload/workload_writer.hpp"

using namespace stems::workload;
using stems::InputError;

namespace {

const std::string kConfigs = STEMS_CONFIGS;

Network load(const std::string& name) {
  return load_workload_file(kConfigs + "/workloads/" + name + ".toml");
}

Network from_text(const std::string& text) {
  return load_workload(stems::config::parse_toml_string(text, "inline.toml"));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const NetworkError& e) {
    return e.what();
  }
  return "<no error>";
}

// One row of the reference table: id, ops, weight bits, input bits (all T, every input operand),
// output bits (all T), state bits.
struct RefRow {
  int id;
  std::uint64_t ops, w_bits, i_bits, o_bits, v_bits;
};

void expect_rows(const Network& net, const std::vector<RefRow>& rows) {
  for (const RefRow& r : rows) {
    SCOPED_TRACE("layer " + std::to_string(r.id));
    const Layer& l = net.layer_by_id(r.id);
    const std::uint64_t T = l.size(Dim::T);
    EXPECT_EQ(l.ops(), r.ops);
    EXPECT_EQ(l.weight_bits(), r.w_bits);
    EXPECT_EQ(T * l.input_bits_per_timestep(), r.i_bits);
    EXPECT_EQ(T * l.output_bits_per_timestep(), r.o_bits);
    EXPECT_EQ(l.state_bits(), r.v_bits);
  }
}

const char* kTiny = R"(
[workload]
name = "tiny"
timesteps = 4

[[layer]]
id = 0
op = "conv2d"
K = 8
C = 2
OY = 16
OX = 16
FY = 3
FX = 3
padding = 1
neuron = "LIF"
precision = { W = 4, I = 1, O = 1, V = 8 }

[[layer]]
id = 1
name = "pool"
op = "maxpool"
K = 8
OY = 8
OX = 8
FY = 2
FX = 2
precision = { I = 1, O = 1 }
inputs = { I = 0 }
)";

}  // namespace

TEST(Workload, SewTotalsMatchReference) {
  const Network net = load("sew_resnet_7b");
  EXPECT_EQ(net.layer_count(), 30u);
  EXPECT_EQ(net.block_count(), 7);
  const auto t = net.totals();
  EXPECT_EQ(t.ops, 26'152'353'792ull);
  EXPECT_EQ(t.weight_bits, 4'751'872ull);
  EXPECT_EQ(t.state_bits, 46'362'624ull);
  EXPECT_EQ(t.stateful_neurons, 3'863'552ull);
}

TEST(Workload, SewPerLayerMatchesReferenceTable) {
  const Network net = load("sew_resnet_7b");
  expect_rows(net, {
                       {0, 33'554'432, 512, 2'097'152, 16'777'216, 12'582'912},
                       {1, 9'663'676'416, 147'456, 17'305'600, 16'777'216, 12'582'912},
                       {3, 16'777'216, 0, 2 * 16'777'216ull, 16'777'216, 0},
                       {4, 16'777'216, 0, 16'777'216, 4'194'304, 0},
                       {5, 2'415'919'104, 147'456, 4'460'544, 4'194'304, 3'145'728},
                       {9, 603'979'776, 147'456, 1'183'744, 1'048'576, 786'432},
                       {13, 150'994'944, 147'456, 331'776, 262'144, 196'608},
                       {17, 8'388'608, 32'768, 65'536, 131'072, 98'304},
                       {18, 150'994'944, 589'824, 204'800, 131'072, 98'304},
                       {22, 37'748'736, 589'824, 73'728, 32'768, 24'576},
                       {26, 9'437'184, 589'824, 32'768, 8'192, 6'144},
                       {28, 8'192, 0, 2 * 8'192ull, 8'192, 0},
                       {29, 8'192, 0, 8'192, 2'048, 0},
                   });
}

TEST(Workload, SewStructure) {
  const Network net = load("sew_resnet_7b");
  // Add 3 reads X from conv B (2) and Y from conv A (1).
  const auto producers = net.producers(net.vertex(3));
  ASSERT_EQ(producers.size(), 2u);
  for (const auto& [p, e] : producers) {
    EXPECT_EQ(net.layer(p).id, e.operand == Operand::X ? 2 : 1);
  }
  EXPECT_TRUE(net.layer_by_id(0).input_is_network_input);
  EXPECT_FALSE(net.layer_by_id(1).input_is_network_input);
  EXPECT_TRUE(net.is_sink(net.vertex(29)));
  EXPECT_FALSE(net.is_sink(net.vertex(28)));
  // Topological order: every producer before its consumers; ties broken by id (0..29 here).
  const auto& order = net.topological_order();
  for (std::size_t i = 0; i < order.size(); ++i)
    EXPECT_EQ(net.layer(order[i]).id, int(i));
}

TEST(Workload, InputExtentWithHalo) {
  const Network net = load("sew_resnet_7b");
  EXPECT_EQ(net.layer_by_id(1).input_extent_x(), 130u);  // (128-1)*1 + (3-1)*1 + 1
  EXPECT_EQ(net.layer_by_id(4).input_extent_x(), 128u);  // 2x2 stride-2 pool of 64 outputs
  const Network red = load("red_lif");
  EXPECT_EQ(red.layer_by_id(0).input_extent_x(), 645u);  // 7x7 stride 2, OX 320
  EXPECT_EQ(red.layer_by_id(13).input_extent_y(), 47u);  // 3x3 stride 2, OY 23
}

TEST(Workload, SewStateSchedule5PlifIsTheTwentyXReduction) {
  Network net = load("sew_resnet_7b");
  apply_state_schedule(net, "0011111");
  EXPECT_EQ(net.totals().state_bits, 2'322'432ull);
  EXPECT_EQ(current_state_schedule(net), "0011111");
  const Layer& l1 = net.layer_by_id(1);
  EXPECT_FALSE(l1.stateful());
  EXPECT_EQ(l1.output_psum_bits(), 12u);  // 12-bit partial sums inside the layer
  EXPECT_EQ(l1.precision.O, 1u);          // spikes out
  EXPECT_EQ(l1.state_bits(), 0u);
  EXPECT_TRUE(net.layer_by_id(9).stateful());
  EXPECT_EQ(net.layer_by_id(9).output_psum_bits(), 1u);  // a stateful layer writes spikes once
  // Ops and weights do not depend on the state schedule.
  EXPECT_EQ(net.totals().ops, 26'152'353'792ull);
  apply_state_schedule(net, "0000000");
  EXPECT_EQ(net.totals().state_bits, 0u);
  apply_state_schedule(net, "1111111");
  EXPECT_EQ(net.totals().state_bits, 46'362'624ull);
}

TEST(Workload, StateScheduleErrors) {
  Network net = load("sew_resnet_7b");
  const std::string len = error_of([&] { apply_state_schedule(net, "01"); });
  EXPECT_NE(len.find("--state-schedule"), std::string::npos) << len;
  EXPECT_NE(len.find("7 blocks"), std::string::npos) << len;
  const std::string chr = error_of([&] { apply_state_schedule(net, "00111x1"); });
  EXPECT_NE(chr.find("character 5"), std::string::npos) << chr;
}

TEST(Workload, RedTotalsAndRowsMatchReference) {
  const Network net = load("red_lif");
  EXPECT_EQ(net.layer_count(), 17u);
  EXPECT_EQ(net.block_count(), 8);
  const auto t = net.totals();
  EXPECT_EQ(t.ops, 114'024'775'680ull);
  EXPECT_EQ(t.weight_bits, 12'423'936ull);
  EXPECT_EQ(t.state_bits, 14'853'120ull);
  EXPECT_EQ(t.stateful_neurons, 1'237'760ull);
  expect_rows(net, {
                       {0, 6'502'809'600, 37'632, 67'802'400, 88'473'600, 0},
                       {2, 6'370'099'200, 147'456, 178'486'272, 44'236'800, 0},
                       {3, 3'185'049'600, 73'728, 89'243'136, 44'236'800, 0},
                       {4, 11'059'200, 0, 2 * 44'236'800ull, 44'236'800, 0},
                       {9, 25'480'396'800, 589'824, 91'570'176, 88'473'600, 0},
                       {12, 12'740'198'400, 1'179'648, 90'015'744, 11'059'200, 11'059'200},
                       {13, 6'511'656'960, 2'359'296, 11'695'104, 2'826'240, 2'826'240},
                       {16, 106'168'320, 2'359'296, 236'544, 46'080, 46'080},
                   });
  // The shortcut conv 3 reads the stem (0), not conv 1.
  EXPECT_EQ(net.layer(net.producers(net.vertex(3)).front().first).id, 0);
}

TEST(Workload, SewLayer9Alone) {
  const Network net = load("sew_layer9");
  ASSERT_EQ(net.layer_count(), 1u);
  const Layer& l = net.layer_by_id(9);
  EXPECT_TRUE(l.input_is_network_input);
  EXPECT_EQ(l.ops(), 603'979'776u);
  EXPECT_EQ(l.state_bits(), 786'432u);
}

TEST(Workload, TinyNetworkDefaults) {
  const Network net = from_text(kTiny);
  const Layer& pool = net.layer_by_id(1);
  EXPECT_EQ(pool.name, "pool");
  EXPECT_EQ(net.layer_by_id(0).name, "L0");          // default name
  EXPECT_EQ(pool.stride, (Window2{2, 2}));           // pooling stride defaults to the window
  EXPECT_EQ(net.layer_by_id(0).precision.psum, 8u);  // psum defaults to V for neuron layers
  EXPECT_EQ(pool.size(Dim::T), 4u);
}

TEST(Workload, CubaLifCarriesTwoStateVariables) {
  std::string text = kTiny;
  text.replace(text.find("\"LIF\""), 5, "\"CubaLIF\"");
  const Network net = from_text(text);
  EXPECT_EQ(net.layer_by_id(0).state_bits(), 8u * 16 * 16 * 8 * 2);
}

TEST(Workload, GroupedConvAndLinearWithFlatten) {
  const Network net = from_text(R"(
[workload]
name = "g"
timesteps = 2
[[layer]]
id = 0
op = "conv2d"
G = 4
K = 2
C = 3
OY = 4
OX = 4
FY = 3
FX = 3
padding = 1
neuron = "IF"
precision = { W = 8, I = 8, O = 1, V = 16 }
[[layer]]
id = 1
op = "flatten"
inputs = { I = 0 }
[[layer]]
id = 2
op = "linear"
K = 10
C = 128
neuron = "LI"
precision = { W = 8, I = 1, O = 16, V = 16 }
inputs = { I = 1 }
)");
  const Layer& conv = net.layer_by_id(0);
  EXPECT_EQ(conv.output_channels(), 8u);
  EXPECT_EQ(conv.input_channels(), 12u);
  EXPECT_EQ(conv.weight_bits(), 4u * 2 * 3 * 9 * 8);
  const Layer& flat = net.layer_by_id(1);
  EXPECT_EQ(flat.size(Dim::K), 128u);  // 8 x 4 x 4
  EXPECT_EQ(flat.ops(), 0u);
  EXPECT_EQ(flat.input_bits_per_timestep(), 128u);
  const Layer& fc = net.layer_by_id(2);
  EXPECT_EQ(fc.ops(), 2u * 10 * 128);
  EXPECT_EQ(fc.weight_bits(), 10u * 128 * 8);
}

TEST(Workload, RecurrentEdgesAreAllowedAndIgnoredByTopologicalOrder) {
  const Network net = from_text(R"(
[workload]
name = "rec"
timesteps = 8
[[layer]]
id = 0
op = "linear"
K = 32
C = 16
neuron = "LIF"
precision = { W = 8, I = 1, O = 1, V = 16 }
recurrent = 1
[[layer]]
id = 1
op = "linear"
K = 32
C = 32
precision = { W = 8, I = 1, O = 1, psum = 16 }
inputs = { I = 0 }
)");
  ASSERT_EQ(net.topological_order().size(), 2u);
  EXPECT_EQ(net.layer(net.topological_order()[0]).id, 0);
  const auto p = net.producers(net.vertex(0));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].second.recurrent);
  EXPECT_EQ(p[0].second.operand, Operand::R);
  EXPECT_FALSE(net.is_sink(net.vertex(1)));  // its output is read, one timestep later: no output
  EXPECT_TRUE(net.layer_by_id(0).input_is_network_input);
}

TEST(Workload, UnmarkedCycleIsRejected) {
  const std::string msg = error_of([] {
    from_text(R"(
[workload]
name = "cyc"
timesteps = 2
[[layer]]
id = 0
op = "linear"
K = 4
C = 4
precision = { W = 8, I = 8, O = 8, psum = 16 }
inputs = { I = 1 }
[[layer]]
id = 1
op = "linear"
K = 4
C = 4
precision = { W = 8, I = 8, O = 8, psum = 16 }
inputs = { I = 0 }
)");
  });
  EXPECT_NE(msg.find("cycle"), std::string::npos) << msg;
  EXPECT_NE(msg.find("recurrent"), std::string::npos) << msg;
  EXPECT_NE(msg.find("inline.toml:"), std::string::npos) << msg;
}

TEST(Workload, ShapeMismatchPointsAtTheConsumerLine) {
  std::string text = kTiny;
  text.replace(text.find("OY = 8"), 6, "OY = 9");
  const std::string msg = error_of([&] { from_text(text); });
  EXPECT_NE(msg.find("spatial mismatch"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'layer[1]'"), std::string::npos) << msg;
}

TEST(Workload, ChannelMismatchIsRejected) {
  std::string text = kTiny;
  text.replace(text.find("K = 8\nOY = 8"), 5, "K = 6");
  const std::string msg = error_of([&] { from_text(text); });
  EXPECT_NE(msg.find("channel mismatch"), std::string::npos) << msg;
}

TEST(Workload, AddRequiresXAndY) {
  const std::string msg = error_of([] {
    from_text(R"(
[workload]
name = "a"
timesteps = 2
[[layer]]
id = 0
op = "add"
K = 4
OY = 2
OX = 2
precision = { I = 1, O = 1 }
)");
  });
  EXPECT_NE(msg.find("exactly one producer for X and one for Y"), std::string::npos) << msg;
}

TEST(Workload, NetworkApiValidatesDirectly) {
  Network net("api");
  Layer a;
  a.id = 0;
  a.op = OpType::Linear;
  a.set_size(Dim::K, 4);
  a.set_size(Dim::C, 4);
  a.precision = {8, 8, 8, 16, 0};
  net.add_layer(a);
  EXPECT_THROW(net.add_layer(a), NetworkError);                      // duplicate id
  EXPECT_THROW(net.add_edge(0, 7, Operand::I), NetworkError);        // unknown consumer
  EXPECT_THROW(net.add_edge(0, 0, Operand::X), NetworkError);        // linear has no X
  EXPECT_THROW(net.add_edge(0, 0, Operand::R, true), NetworkError);  // R needs neurons
  EXPECT_NO_THROW(net.finalize());
  EXPECT_EQ(net.totals().ops, 16u);
}

TEST(Workload, SpikeDensitiesAreReadCheckedAndWritten) {
  std::string text = kTiny;
  text.insert(text.find("precision = { W = 4"), "input_density = 0.05\noutput_density = 0.25\n");
  const Network net = from_text(text);
  EXPECT_DOUBLE_EQ(net.layer_by_id(0).input_density, 0.05);
  EXPECT_DOUBLE_EQ(net.layer_by_id(0).output_density, 0.25);
  EXPECT_DOUBLE_EQ(net.layer_by_id(1).input_density, 1.0);  // dense unless given
  const Network again = from_text(to_toml(net, "round trip"));
  EXPECT_DOUBLE_EQ(again.layer_by_id(0).input_density, 0.05);
  EXPECT_DOUBLE_EQ(again.layer_by_id(0).output_density, 0.25);
  std::string bad = kTiny;
  bad.insert(bad.find("precision = { W = 4"), "output_density = 1.5\n");
  try {
    from_text(bad);
    FAIL() << "a density above 1 was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("output_density"), std::string::npos) << e.what();
  }
}

// The TOML writer (`stems import`) escapes what a TOML basic string cannot hold raw: a layer name
// with a newline ended the string and the written file did not load (found by the round trip in
// tests/fuzz/fuzz_common.hpp).
TEST(WorkloadWriter, NamesWithControlCharactersAndQuotesSurviveTheRoundTrip) {
  const std::string toml =
      "[workload]\nname = \"net\\nwork\"\ntimesteps = 2\n"
      "[[layer]]\nid = 0\nname = \"a\\nb\\tc\\r\\u0001\\u007f \\\"q\\\" \\\\ \\u00e9\"\nop = "
      "\"linear\"\n"
      "K = 2\nC = 2\nprecision = { W = 4, I = 1, O = 1, psum = 8 }\n";
  const auto net = load_workload(stems::config::parse_toml_string(toml, "names.toml"));
  const std::string written = to_toml(net, "header");
  Network back;
  ASSERT_NO_THROW(back = load_workload(stems::config::parse_toml_string(written, "written.toml")))
      << written;
  EXPECT_EQ(back.name(), "net\nwork");
  EXPECT_EQ(back.layer_by_id(0).name, net.layer_by_id(0).name);
  EXPECT_EQ(back.layer_by_id(0).name, "a\nb\tc\r\x01\x7f \"q\" \\ \xc3\xa9");
}
