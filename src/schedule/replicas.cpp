#include "replicas.hpp"

namespace stems::schedule {

Replicas::Replicas(const workload::Network& net, const CnGraph& g, const std::vector<int>& core_of,
                   const hardware::Accelerator& acc, MemoryManager& memory, LinkModel& links,
                   EnergyLedger& ledger, const std::vector<std::uint32_t>& position)
    : net_(net),
      g_(g),
      core_of_(core_of),
      acc_(acc),
      memory_(memory),
      links_(links),
      ledger_(ledger),
      position_(position) {
  // Only reads across cores are counted: on one core (the usual case) nothing is allocated.
  for (const auto& n : g.nodes) {
    const int core = core_of[n.layer];
    for (std::size_t p : n.input_preds) {
      if (core_of[g.nodes[p].layer] != core) ++remote_reads_[{p, core}];
    }
  }
}

TensorId Replicas::input_tensor(std::size_t producer, TensorId output, int core) {
  if (core_of_[g_.nodes[producer].layer] == core) return output;
  auto it = replica_of_.find({output, core});
  if (it != replica_of_.end()) return it->second;
  Tensor r = memory_.tensor(output);
  r.core = -1;
  r.in_dram = false;
  r.started = false;
  const std::int64_t reads = remote_reads_[{producer, core}];
  r.remaining = reads;
  r.use_count = 0;
  const TensorId ri = memory_.add(r);
  if (!position_.empty()) {
    uses_.clear();
    for (std::size_t s : g_.nodes[producer].succs) {
      if (core_of_[g_.nodes[s].layer] != core) continue;
      for (std::size_t p : g_.nodes[s].input_preds) {
        if (p == producer) uses_.push_back(position_[s]);
      }
    }
    memory_.set_uses(ri, uses_);
  }
  replica_of_[{output, core}] = ri;
  origin_of_[ri] = {output, reads};
  return ri;
}

bool Replicas::awaits_copy(TensorId t) const {
  return !memory_.tensor(t).started && origin_of_.find(t) != origin_of_.end();
}

double Replicas::copy_in(TensorId t, int core, int layer_id, std::string_view operand,
                         double earliest, const Protect& protect) {
  const Origin origin = origin_of_.at(t);
  double ready_at;
  if (memory_.tensor(origin.tensor).on_chip()) {
    ready_at = copy_over_link(origin.tensor, t, core, layer_id, operand, earliest, protect);
  } else {
    memory_.tensor(t).in_dram = true;
    memory_.tensor(t).ready = memory_.tensor(origin.tensor).ready;
    ready_at = memory_.fetch(t, core, layer_id, operand, earliest, protect);
  }
  memory_.tensor(t).started = true;
  // The producer's copy no longer waits for the consumers this replica serves.
  memory_.spend_uses(origin.tensor, origin.reads);
  const Tensor& o = memory_.tensor(origin.tensor);
  if (o.remaining <= 0 && o.on_chip() && !net_.is_sink(net_.vertex(o.layer_id))) {
    memory_.drop(origin.tensor, ready_at);
  }
  return ready_at;
}

// From the producer's on-chip copy: over a direct link, else written back (once) and fetched.
double Replicas::copy_over_link(TensorId origin, TensorId replica, int core, int layer_id,
                                std::string_view operand, double earliest, const Protect& protect) {
  const int from = memory_.tensor(origin).core;
  const hardware::Link* link = acc_.link_between(memory_.core(from).name, memory_.core(core).name);
  if (link == nullptr) {
    if (!memory_.tensor(origin).in_dram) {
      memory_.write_back(origin, TransferKind::Eviction, earliest, /*keep_on_chip=*/true);
    }
    memory_.tensor(replica).in_dram = true;
    memory_.tensor(replica).ready = memory_.tensor(origin).ready;
    return memory_.fetch(replica, core, layer_id, operand, earliest, protect);
  }
  const std::uint64_t bits = memory_.tensor(replica).bits;
  memory_.make_room(core, bits, protect, earliest);
  earliest = memory_.room_at(core, bits, earliest);
  ledger_.charge(Bucket::CoreToCoreMemory, layer_id, operand, memory_.top(from).name,
                 memory_.top_read_pJ(from, bits));
  ledger_.charge(Bucket::CoreToCoreMemory, layer_id, operand, memory_.top(core).name,
                 memory_.top_write_pJ(core, bits));
  const double end = links_.transfer(*link, bits, std::max(earliest, memory_.tensor(origin).ready),
                                     TransferKind::CoreToCore, layer_id, operand);
  memory_.tensor(replica).ready = end;
  memory_.read_until(origin, end);
  memory_.occupy(replica, core, end);
  return end;
}

}  // namespace stems::schedule
