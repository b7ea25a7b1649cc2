#pragma once
// A front point as reports show it: the genome and objectives, the schedule it decodes to (tiles,
// fuse groups, per-layer state decisions), and the scheduler's evaluation. Made by the problem
// that was searched (problems/), formatted by report/ (which recomputes nothing).

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stems/hardware/accelerator.hpp"

#include "stems/schedule/schedule.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/search/optimizer.hpp"

namespace stems::search {

struct FrontRecord {
  FrontPoint point;
  std::string genes;            // "b0.time=16 b0.space=map ..."
  schedule::Schedule schedule;  // with keep_state set for every layer
  std::string state_schedule;   // per block
  schedule::ScheduleResult evaluation;
  // Co-design: the point's hardware parameters ("hw.<parameter>", value) in gene order, its
  // accelerator and area (empty / null when the search sizes no hardware).
  std::vector<std::pair<std::string, std::uint64_t>> hardware;
  std::shared_ptr<const hardware::Accelerator> accelerator;
  std::optional<double> area_mm2;
};

}  // namespace stems::search
