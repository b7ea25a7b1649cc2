#pragma once
// One table per enum of the names users type (flags, file keys, JSON values), and the lookups every
// module shares instead of a switch per direction: name_of(table, value), parse_name(table, text)
// and allowed_names(table) for error messages ("a, b or c").

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace stems {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
constexpr std::string_view name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "?";
}

template <typename E, std::size_t N>
constexpr std::optional<E> parse_name(const NameTable<E, N>& table, std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

// "a, b or c" (for "expected a, b or c").
template <typename E, std::size_t N>
std::string allowed_names(const NameTable<E, N>& table) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += table[i].second;
  }
  return out;
}

}  // namespace stems
