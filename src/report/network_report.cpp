#include "stems/report/network_report.hpp"

#include <sstream>

#include "stems/report/table.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::report {

using workload::Dim;
using workload::Layer;

namespace {

std::string neuron_label(const Layer& l) {
  if (!l.has_neurons()) return "-";
  std::string s(workload::neuron_name(l.neuron));
  if (!l.keeps_state) s += " (stateless)";
  return s;
}

Json layer_json(const workload::Network& net, workload::Vertex v) {
  const Layer& l = net.layer(v);
  Json j;
  j["id"] = l.id;
  j["name"] = l.name;
  j["op"] = std::string(workload::op_name(l.op));
  j["block"] = l.block;
  Json loops = Json::object();
  for (Dim d : workload::kAllDims)
    loops[std::string(workload::dim_name(d))] = l.size(d);
  j["loops"] = loops;
  j["stride"] = {l.stride.y, l.stride.x};
  j["padding"] = {l.padding.y, l.padding.x};
  j["dilation"] = {l.dilation.y, l.dilation.x};
  j["precision_bits"] = {{"W", l.precision.W},
                         {"I", l.precision.I},
                         {"O", l.precision.O},
                         {"psum", l.precision.psum},
                         {"V", l.precision.V}};
  j["neuron"] = std::string(workload::neuron_name(l.neuron));
  j["state_policy"] = std::string(workload::state_policy_name(l.state_policy));
  j["stateful"] = l.stateful();
  Json inputs = Json::array();
  for (const auto& [p, e] : net.producers(v)) {
    inputs.push_back({{"operand", std::string(workload::operand_name(e.operand))},
                      {"from", net.layer(p).id},
                      {"recurrent", e.recurrent}});
  }
  j["inputs"] = inputs;
  j["network_input"] = l.input_is_network_input;
  j["sink"] = net.is_sink(v);
  j["ops"] = l.ops();
  j["weight_bits"] = l.weight_bits();
  j["neurons"] = l.neurons();
  j["stateful_neurons"] = l.stateful_neurons();
  j["state_bits"] = l.state_bits();
  j["input_extent"] = {l.input_extent_y(), l.input_extent_x()};
  j["input_bits_per_timestep"] = l.input_bits_per_timestep();
  j["output_bits_per_timestep"] = l.output_bits_per_timestep();
  return j;
}

}  // namespace

Json network_json(const workload::Network& net) {
  Json j;
  j["workload"] = net.name();
  j["blocks"] = net.block_count();
  j["state_schedule"] = workload::current_state_schedule(net);
  Json layers = Json::array();
  for (workload::Vertex v : net.topological_order())
    layers.push_back(layer_json(net, v));
  j["layers"] = layers;
  const auto t = net.totals();
  j["totals"] = {{"ops", t.ops},
                 {"weight_bits", t.weight_bits},
                 {"state_bits", t.state_bits},
                 {"stateful_neurons", t.stateful_neurons}};
  return j;
}

std::string network_text(const workload::Network& net) {
  TextTable table({"id", "name", "op", "blk", "T", "K", "C", "OYxOX", "FYxFX", "s", "in CxIYxIX",
                   "ops", "W bits", "state bits", "in bits/t", "out bits/t", "neuron"});
  for (workload::Vertex v : net.topological_order()) {
    const Layer& l = net.layer(v);
    auto dims2 = [](std::uint64_t a, std::uint64_t b) {
      return std::to_string(a) + "x" + std::to_string(b);
    };
    table.add_row(
        {std::to_string(l.id), l.name, std::string(workload::op_name(l.op)),
         std::to_string(l.block), std::to_string(l.size(Dim::T)),
         std::to_string(l.output_channels()), std::to_string(l.input_channels()),
         dims2(l.size(Dim::OY), l.size(Dim::OX)), dims2(l.size(Dim::FY), l.size(Dim::FX)),
         std::to_string(l.stride.x),
         std::to_string(l.input_channels()) + "x" + dims2(l.input_extent_y(), l.input_extent_x()),
         with_commas(l.ops()), with_commas(l.weight_bits()), with_commas(l.state_bits()),
         with_commas(l.input_bits_per_timestep()), with_commas(l.output_bits_per_timestep()),
         neuron_label(l)});
  }
  const auto t = net.totals();
  table.add_separator();
  table.add_row({"", "total", "", "", "", "", "", "", "", "", "", with_commas(t.ops),
                 with_commas(t.weight_bits), with_commas(t.state_bits), "", "", ""});
  std::ostringstream os;
  os << "workload " << net.name() << ": " << net.layer_count() << " layers, " << net.block_count()
     << " blocks, state schedule " << workload::current_state_schedule(net) << "\n\n"
     << table.render() << "\n"
     << "totals: ops " << with_commas(t.ops) << ", weight bits " << with_commas(t.weight_bits)
     << ", state bits " << with_commas(t.state_bits) << " (" << with_commas(t.stateful_neurons)
     << " stateful neurons)\n";
  return os.str();
}

}  // namespace stems::report
