#include "stems/common/error.hpp"

namespace stems {

namespace {
std::string compose(const std::string& where, const std::string& message) {
  if (where.empty()) return message;
  std::string out = where;
  out += ": ";
  out += message;
  return out;
}
}  // namespace

InputError::InputError(std::string where, const std::string& message)
    : std::runtime_error(compose(where, message)), where_(std::move(where)), message_(message) {}

}  // namespace stems
