#pragma once
// Private to src/nir: the registry of NIR node types (node_types.cpp), each with its shape rule
// (shape_rules.cpp): what a node of that type does to the shape flowing through it and which
// layer it makes.

#include <string_view>

#include "stems/nir/node_types.hpp"

namespace stems::nir::detail {

class LayerBuilder;
struct Node;
struct NodeInput;

using ShapeRule = void (*)(LayerBuilder&, Node&, const NodeInput&);

struct NodeTypeEntry {
  NodeTypeInfo info;
  ShapeRule rule;
};

// nullptr for a type that is not in the registry.
const NodeTypeEntry* find_entry(std::string_view type);
// A nested graph's Input/Output node: passes its input through (not a type a file may name).
const NodeTypeEntry& identity_entry();

inline constexpr std::string_view kInputType = "Input";
inline constexpr std::string_view kIdentityType = "Identity";

}  // namespace stems::nir::detail
