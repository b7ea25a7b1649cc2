#include "stems/cost/node_cost.hpp"

namespace stems::cost {

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::ReadToLow:
      return "rd_to_low";
    case Direction::WriteFromLow:
      return "wr_from_low";
    case Direction::ReadToHigh:
      return "rd_to_high";
    case Direction::WriteFromHigh:
      return "wr_from_high";
  }
  return "?";
}

}  // namespace stems::cost
