#include "stems/schedule/energy_ledger.hpp"

#include <algorithm>

#include "bit_counters.hpp"

namespace stems::schedule {

Bucket memory_bucket(TransferKind k) {
  switch (k) {
    case TransferKind::Eviction:
      return Bucket::EvictionMemory;
    case TransferKind::Sink:
      return Bucket::SinkMemory;
    case TransferKind::CoreToCore:
      return Bucket::CoreToCoreMemory;
    default:
      return Bucket::CnOffchipMemory;  // fetches and state write-backs
  }
}

Bucket link_bucket(TransferKind k) {
  switch (k) {
    case TransferKind::Eviction:
      return Bucket::EvictionLink;
    case TransferKind::Sink:
      return Bucket::SinkLink;
    case TransferKind::CoreToCore:
      return Bucket::CoreToCoreLink;
    default:
      return Bucket::CnOffchipLink;
  }
}

EnergyLedger::EnergyLedger(const hardware::Accelerator& acc, Records records)
    : acc_(acc),
      full_(records == Records::Full),
      dram_component_(intern_text(component_names_, acc.dram.name)) {}

// By address first (every name the run passes lives as long as the evaluation); the text is
// compared only on a miss.
std::uint32_t EnergyLedger::intern(Names& names, std::string_view name) {
  for (const auto& [ptr, len, id] : names.seen) {
    if (ptr == name.data() && len == name.size()) return id;
  }
  const std::uint32_t id = intern_text(names, name);
  names.seen.emplace_back(name.data(), name.size(), id);
  return id;
}

// By text only: for names held by node costs (many objects, each with its own copies).
std::uint32_t EnergyLedger::intern_text(Names& names, std::string_view name) {
  std::uint32_t id = 0;
  while (id < names.text.size() && names.text[id] != name)
    ++id;
  if (id == names.text.size()) names.text.emplace_back(name);
  return id;
}

std::uint64_t EnergyLedger::key_of(int layer, std::uint32_t operand,
                                   std::uint32_t component) const {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(layer)) << 32) |
         (static_cast<std::uint64_t>(operand) << 16) | component;
}

double& EnergyLedger::slot(Bucket b) {
  static constexpr double EnergyBuckets::*kSlots[] = {
      &EnergyBuckets::cn_onchip_pJ,        &EnergyBuckets::cn_offchip_memory_pJ,
      &EnergyBuckets::cn_offchip_link_pJ,  &EnergyBuckets::eviction_memory_pJ,
      &EnergyBuckets::eviction_link_pJ,    &EnergyBuckets::sink_memory_pJ,
      &EnergyBuckets::sink_link_pJ,        &EnergyBuckets::core_to_core_memory_pJ,
      &EnergyBuckets::core_to_core_link_pJ};
  return buckets_.*kSlots[static_cast<std::size_t>(b)];
}

void EnergyLedger::charge(Bucket bucket, int layer, std::string_view operand,
                          std::string_view component, double pJ) {
  slot(bucket) += pJ;
  const std::uint32_t comp = intern(component_names_, component);
  if (!keeps_sum(comp)) return;
  sums_[key_of(layer, intern(operand_names_, operand), comp)] += pJ;
}

void EnergyLedger::count_offchip_read(std::uint64_t bits) {
  add_bits(read_bits_, bits, "the off-chip read traffic");
}

void EnergyLedger::count_offchip_write(std::uint64_t bits) {
  add_bits(write_bits_, bits, "the off-chip write traffic");
}

void EnergyLedger::charge_node(int layer, const cost::NodeCost& c) {
  auto it = prepared_.find({layer, &c});
  if (it == prepared_.end()) {
    it = prepared_.emplace(std::make_pair(layer, &c), prepare(layer, c)).first;
    prepared_order_.push_back(&it->second);
  }
  ++it->second.uses;  // added up once per (layer, cost) in add_prepared_nodes
}

EnergyLedger::PreparedNode EnergyLedger::prepare(int layer, const cost::NodeCost& c) {
  PreparedNode p;
  p.mac_pJ = c.mac_energy_pJ;
  p.charges.push_back(
      {false,
       key_of(layer, intern_text(operand_names_, "MAC"), intern_text(component_names_, "MAC")),
       c.mac_energy_pJ});
  if (c.neuron_energy_pJ > 0) {
    p.charges.push_back({false,
                         key_of(layer, intern_text(operand_names_, "neuron"),
                                intern_text(component_names_, "neuron update")),
                         c.neuron_energy_pJ});
  }
  for (const auto& oc : c.operands) {
    for (const auto& lvl : oc.levels) {
      if (lvl.offchip) {
        add_dram_level(p, layer, oc, lvl);
      } else {
        p.charges.push_back({false,
                             key_of(layer, intern_text(operand_names_, oc.layer_operand),
                                    intern_text(component_names_, lvl.memory)),
                             lvl.energy_pJ});
      }
    }
  }
  return p;
}

// A too-large operand's DRAM level: its energy and its traffic in whole bits.
void EnergyLedger::add_dram_level(PreparedNode& p, int layer, const cost::OperandCost& oc,
                                  const cost::LevelCost& lvl) {
  p.charges.push_back({true,
                       key_of(layer, intern_text(operand_names_, oc.layer_operand),
                              intern_text(component_names_, acc_.dram.name)),
                       lvl.energy_pJ});
  const cost::DramStreamBits bits = cost::dram_stream_bits(lvl, acc_.dram);
  add_bits(p.read_bits, whole_bits(bits.read_bits, "a node's off-chip read traffic"),
           "a node's off-chip read traffic");
  add_bits(p.write_bits, whole_bits(bits.write_bits, "a node's off-chip write traffic"),
           "a node's off-chip write traffic");
}

void EnergyLedger::add_prepared_nodes() {
  for (const PreparedNode* pp : prepared_order_) {
    const PreparedNode& p = *pp;
    const double n = static_cast<double>(p.uses);
    for (const auto& ch : p.charges) {
      slot(ch.offchip ? Bucket::CnOffchipMemory : Bucket::CnOnchip) += n * ch.pJ;
      if (keeps_sum(component_of(ch.key))) sums_[ch.key] += n * ch.pJ;
    }
    mac_pJ_ += n * p.mac_pJ;
    add_bits(read_bits_, p.read_bits, "the off-chip read traffic", p.uses);
    add_bits(write_bits_, p.write_bits, "the off-chip write traffic", p.uses);
  }
}

void EnergyLedger::build_breakdown(ScheduleResult& out) const {
  for (const auto& [key, pJ] : sums_) {
    out.breakdown[{layer_of(key), operand_names_.text[operand_of(key)],
                   component_names_.text[component_of(key)]}] += pJ;
  }
}

// Off-chip energy: the DRAM entries of the sums, added in the breakdown's (layer, operand) order
// whether or not the breakdown is built, so that both modes give the same bits.
void EnergyLedger::add_offchip_energy(ScheduleResult& out) const {
  std::vector<std::tuple<int, std::string_view, double>> dram;
  for (const auto& [key, pJ] : sums_) {
    if (component_of(key) != dram_component_) continue;  // interned by text: one id per name
    dram.emplace_back(layer_of(key), operand_names_.text[operand_of(key)], pJ);
  }
  std::sort(dram.begin(), dram.end());
  for (const auto& [layer, operand, pJ] : dram) {
    out.offchip_energy_pJ += pJ;
    // Per-layer off-chip energy includes node DRAM levels and transfers attributed to it.
    for (auto& lr : out.layers) {
      if (lr.id == layer) lr.offchip_energy_pJ += pJ;
    }
  }
}

void EnergyLedger::finish(ScheduleResult& out) {
  add_prepared_nodes();
  if (full_) build_breakdown(out);
  out.buckets = buckets_;
  out.mac_energy_pJ = mac_pJ_;
  out.offchip_read_bits = read_bits_;
  out.offchip_write_bits = write_bits_;
  add_offchip_energy(out);
  out.energy_pJ = out.buckets.total_pJ();
}

}  // namespace stems::schedule
