#include "stems/workload/workload_writer.hpp"

#include <sstream>

namespace stems::workload {

namespace {
// A TOML basic string: quotes, backslashes and control characters escaped (a name with a newline
// from a NIR file would otherwise end the string; found by tests/fuzz/fuzz_workload's round trip).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}
std::string pair_or_scalar(const Window2& w) {
  if (w.y == w.x) return std::to_string(w.x);
  std::string out = "[";  // appended (g++ 12 warns -Wrestrict on chained + here)
  out += std::to_string(w.y);
  out += ", ";
  out += std::to_string(w.x);
  out += "]";
  return out;
}
}  // namespace

std::string to_toml(const Network& net, const std::string& header_comment) {
  std::ostringstream os;
  std::istringstream lines(header_comment);
  for (std::string line; std::getline(lines, line);)
    os << "# " << line << "\n";
  std::uint64_t T = 1;
  if (!net.topological_order().empty()) T = net.layer(net.topological_order().front()).size(Dim::T);
  os << "\n[workload]\nname = " << quoted(net.name()) << "\ntimesteps = " << T << "\n";
  for (Vertex v : net.topological_order()) {
    const Layer& l = net.layer(v);
    os << "\n[[layer]]\nid = " << l.id << "\nname = " << quoted(l.name) << "\nop = \""
       << op_name(l.op) << "\"\nblock = " << l.block << "\n";
    if (l.size(Dim::T) != T) os << "T = " << l.size(Dim::T) << "\n";
    if (l.size(Dim::B) != 1) os << "B = " << l.size(Dim::B) << "\n";
    auto dim = [&](Dim d) { os << dim_name(d) << " = " << l.size(d) << "\n"; };
    switch (l.op) {
      case OpType::Conv2d:
        if (l.size(Dim::G) != 1) dim(Dim::G);
        for (Dim d : {Dim::K, Dim::C, Dim::OY, Dim::OX, Dim::FY, Dim::FX})
          dim(d);
        break;
      case OpType::Linear:
        dim(Dim::K);
        dim(Dim::C);
        break;
      case OpType::MaxPool:
      case OpType::AvgPool:
      case OpType::SumPool:
        for (Dim d : {Dim::K, Dim::OY, Dim::OX, Dim::FY, Dim::FX})
          dim(d);
        break;
      case OpType::Add:
        for (Dim d : {Dim::K, Dim::OY, Dim::OX})
          dim(d);
        break;
      case OpType::Flatten:
        break;
    }
    if (l.op == OpType::Conv2d || is_pool(l.op)) {
      os << "stride = " << pair_or_scalar(l.stride) << "\n";
      if (l.padding.x || l.padding.y) os << "padding = " << pair_or_scalar(l.padding) << "\n";
      if (l.dilation.x != 1 || l.dilation.y != 1) {
        os << "dilation = " << pair_or_scalar(l.dilation) << "\n";
      }
      if (l.input_size.x || l.input_size.y) {
        os << "input_size = " << pair_or_scalar(l.input_size) << "\n";
      }
    }
    if (l.has_neurons()) {
      os << "neuron = \"" << neuron_name(l.neuron) << "\"\n";
      if (l.state_policy != StatePolicy::Keep) {
        os << "state = \"" << state_policy_name(l.state_policy) << "\"\n";
      }
    }
    if (l.op != OpType::Flatten) {
      os << "precision = { ";
      if (has_weights(l.op)) os << "W = " << l.precision.W << ", ";
      os << "I = " << l.precision.I << ", O = " << l.precision.O << ", psum = " << l.precision.psum;
      if (l.has_neurons()) os << ", V = " << l.precision.V;
      os << " }\n";
    }
    if (l.input_density != 1.0 || l.output_density != 1.0) {
      std::ostringstream d;
      d.precision(6);
      d << "input_density = " << l.input_density << "\noutput_density = " << l.output_density
        << "\n";
      os << d.str();
    }
    std::string inputs, recurrent;
    for (const auto& [p, e] : net.producers(v)) {
      if (e.recurrent) {
        recurrent += (recurrent.empty() ? "" : ", ") + std::to_string(net.layer(p).id);
      } else {
        inputs += (inputs.empty() ? "" : ", ") + std::string(operand_name(e.operand)) + " = " +
                  std::to_string(net.layer(p).id);
      }
    }
    if (!inputs.empty()) os << "inputs = { " << inputs << " }\n";
    if (!recurrent.empty()) os << "recurrent = [" << recurrent << "]\n";
  }
  return os.str();
}

}  // namespace stems::workload
