#include "stems/cost/relevance.hpp"

namespace stems::cost {

using workload::OpType;

RelevanceTable relevance_table(const workload::Layer& layer) {
  RelevanceTable t{};
  auto set = [&](MemOperand o, std::initializer_list<Dim> dims, Relevance r) {
    for (Dim d : dims)
      t[static_cast<std::size_t>(o)][static_cast<std::size_t>(d)] = r;
  };
  const auto R = Relevance::Relevant;
  const auto P = Relevance::Partial;
  switch (layer.op) {
    case OpType::Conv2d:
    case OpType::Linear:
      set(MemOperand::W, {Dim::G, Dim::K, Dim::C, Dim::FY, Dim::FX}, R);
      set(MemOperand::I, {Dim::T, Dim::B, Dim::G, Dim::C}, R);
      set(MemOperand::I, {Dim::OY, Dim::OX, Dim::FY, Dim::FX}, P);
      set(MemOperand::O, {Dim::T, Dim::B, Dim::G, Dim::K, Dim::OY, Dim::OX}, R);
      break;
    case OpType::MaxPool:
    case OpType::AvgPool:
    case OpType::SumPool:
      set(MemOperand::W, {Dim::FY, Dim::FX}, R);  // a window of zero-bit "weights"
      set(MemOperand::I, {Dim::T, Dim::B, Dim::G, Dim::K}, R);
      set(MemOperand::I, {Dim::OY, Dim::OX, Dim::FY, Dim::FX}, P);
      set(MemOperand::O, {Dim::T, Dim::B, Dim::G, Dim::K, Dim::OY, Dim::OX}, R);
      break;
    case OpType::Add:
    case OpType::Flatten:
      for (MemOperand o : {MemOperand::W, MemOperand::I, MemOperand::O}) {
        set(o, {Dim::T, Dim::B, Dim::G, Dim::K, Dim::OY, Dim::OX}, R);
      }
      break;
  }
  if (layer.stateful()) {
    t[static_cast<std::size_t>(MemOperand::V)] = t[static_cast<std::size_t>(MemOperand::O)];
    t[static_cast<std::size_t>(MemOperand::V)][static_cast<std::size_t>(Dim::T)] =
        Relevance::Irrelevant;
  }
  return t;
}

}  // namespace stems::cost
