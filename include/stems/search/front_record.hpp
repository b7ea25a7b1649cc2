#pragma once
// A front point as reports show it: the genome and objectives, the schedule it decodes to (tiles,
// fuse groups, per-layer state decisions), and the scheduler's evaluation. Made by the problem
// that was searched (problems/), formatted by report/ (which recomputes nothing).

#include <string>

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
};

}  // namespace stems::search
