#include "stems/search/search_space.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "stems/common/names.hpp"

namespace stems::search {

using workload::Dim;

std::string_view gene_kind_name(GeneKind k) {
  static constexpr NameTable<GeneKind, 5> kNames = {{{GeneKind::TimeTile, "time_tile"},
                                                     {GeneKind::SpatialTile, "spatial_tile"},
                                                     {GeneKind::Barrier, "barrier"},
                                                     {GeneKind::StateKeep, "state"},
                                                     {GeneKind::Core, "core"}}};
  return name_of(kNames, k);
}

namespace {

std::vector<std::uint64_t> divisors(std::uint64_t n) {
  std::vector<std::uint64_t> d;
  for (std::uint64_t i = 1; i <= n; ++i) {
    if (n % i == 0) d.push_back(i);
  }
  return d;
}

std::size_t pick(const Gene& g, double value) {
  const double r = std::nearbyint(value);
  const double hi = static_cast<double>(g.options.size() - 1);
  return static_cast<std::size_t>(std::clamp(r, 0.0, hi));
}

// The units genes act on: blocks (STEMS's space, or block granularity) or layers, with ids.
struct Units {
  std::vector<std::vector<workload::Vertex>> vertices;
  std::vector<int> ids;
};

Units units_of(const workload::Network& net, SpaceKind kind, Granularity granularity) {
  Units out;
  auto& units = out.vertices;
  auto& unit_ids = out.ids;
  if (granularity == Granularity::Block || kind == SpaceKind::Stems) {
    units.resize(static_cast<std::size_t>(net.block_count()));
    for (workload::Vertex v : net.topological_order()) {
      units[static_cast<std::size_t>(net.layer(v).block)].push_back(v);
    }
    for (int b = 0; b < net.block_count(); ++b)
      unit_ids.push_back(b);
  } else {
    for (workload::Vertex v : net.topological_order()) {
      units.push_back({v});
      unit_ids.push_back(net.layer(v).id);
    }
  }
  return out;
}

// Time and spatial tile genes per unit (and a fuse barrier per block in the full space).
void add_tile_genes(const workload::Network& net, SpaceKind kind, Granularity granularity,
                    const Units& units_in, std::vector<Gene>& genes_) {
  const auto& units = units_in.vertices;
  const auto& unit_ids = units_in.ids;
  const char* prefix = (granularity == Granularity::Block || kind == SpaceKind::Stems) ? "b" : "L";
  for (std::size_t u = 0; u < units.size(); ++u) {
    std::uint64_t t_gcd = 0, x_gcd = 0, t_max = 0;
    for (auto v : units[u]) {
      t_gcd = std::gcd(t_gcd, net.layer(v).size(Dim::T));
      x_gcd = std::gcd(x_gcd, net.layer(v).size(Dim::OX));
      t_max = std::max(t_max, net.layer(v).size(Dim::T));
    }
    Gene time{GeneKind::TimeTile, unit_ids[u], {}, prefix + std::to_string(unit_ids[u]) + ".time"};
    Gene space{
        GeneKind::SpatialTile, unit_ids[u], {}, prefix + std::to_string(unit_ids[u]) + ".space"};
    if (kind == SpaceKind::Stems) {
      time.options = {1, t_max};  // one node per timestep, or all T
      space.options = {0, 1};     // whole map, or one column per node
    } else {
      time.options = divisors(t_gcd);
      // Whole map (0), or a fusion width that divides every layer's columns and is narrower than
      // the widest layer of the unit (a width >= a layer's columns means its whole map).
      std::uint64_t x_max = 0;
      for (auto v : units[u])
        x_max = std::max(x_max, net.layer(v).size(Dim::OX));
      space.options = {0};
      for (auto d : divisors(x_gcd)) {
        if (d < x_max) space.options.push_back(d);
      }
    }
    if (time.options.size() > 1 && time.options.front() != time.options.back()) {
      genes_.push_back(time);
    }
    if (space.options.size() > 1) genes_.push_back(space);
    if (kind == SpaceKind::Full && granularity == Granularity::Block && u > 0) {
      genes_.push_back(
          {GeneKind::Barrier, unit_ids[u], {0, 1}, "b" + std::to_string(u) + ".barrier"});
    }
  }
}

// State keep/drop genes: per block (for all its free layers) or per free layer.
void add_state_genes(const workload::Network& net, SpaceKind kind, Granularity granularity,
                     std::vector<Gene>& genes_) {
  if (granularity == Granularity::Block || kind == SpaceKind::Stems) {
    for (int b = 0; b < net.block_count(); ++b) {
      bool any = false;
      for (workload::Vertex v : net.topological_order()) {
        const auto& l = net.layer(v);
        any = any ||
              (l.block == b && l.has_neurons() && l.state_policy == workload::StatePolicy::Free);
      }
      if (any)
        genes_.push_back({GeneKind::StateKeep, b, {0, 1}, "b" + std::to_string(b) + ".state"});
    }
  } else {
    for (workload::Vertex v : net.topological_order()) {
      const auto& l = net.layer(v);
      if (l.has_neurons() && l.state_policy == workload::StatePolicy::Free) {
        genes_.push_back(
            {GeneKind::StateKeep, l.id, {0, 1}, "L" + std::to_string(l.id) + ".state"});
      }
    }
  }
}

// A core gene for every layer whose operator several cores may run.
void add_core_genes(const workload::Network& net, const hardware::Accelerator& acc_ref,
                    std::vector<Gene>& genes_) {
  const hardware::Accelerator* acc = &acc_ref;
  const auto allocation = acc->allocation();
  for (workload::Vertex v : net.topological_order()) {
    const auto& l = net.layer(v);
    auto it = allocation.find(l.op);
    if (it == allocation.end() || it->second.size() < 2) continue;
    Gene g{GeneKind::Core, l.id, {}, "L" + std::to_string(l.id) + ".core"};
    for (int c : it->second)
      g.options.push_back(static_cast<std::uint64_t>(c));
    genes_.push_back(g);
  }
}

}  // namespace

SearchSpace::SearchSpace(const workload::Network& net, SpaceKind kind, Granularity granularity,
                         const hardware::Accelerator* acc)
    : net_(&net), kind_(kind), granularity_(granularity) {
  add_tile_genes(net, kind, granularity, units_of(net, kind, granularity), genes_);
  add_state_genes(net, kind, granularity, genes_);
  if (acc != nullptr) add_core_genes(net, *acc, genes_);
}

double SearchSpace::size() const {
  double s = 1;
  for (const auto& g : genes_)
    s *= static_cast<double>(g.options.size());
  return s;
}

bool SearchSpace::has_state_genes() const {
  return std::any_of(genes_.begin(), genes_.end(),
                     [](const Gene& g) { return g.kind == GeneKind::StateKeep; });
}

namespace {

// A schedule being decoded: the schedule and the per-block strings and barriers the genes set.
struct Decoding {
  schedule::Schedule s;
  std::vector<int> barrier;
  std::string time_bits, depth_bits;
};

// Where a unit has no gene: all T in one node, the whole map, states as declared.
Decoding defaults(const workload::Network& net) {
  const auto blocks = static_cast<std::size_t>(net.block_count());
  Decoding d{{}, std::vector<int>(blocks, 0), std::string(blocks, '1'), std::string(blocks, '0')};
  d.s.layers.resize(net.layer_count());
  d.s.keep_state.assign(net.layer_count(), 0);
  for (workload::Vertex v : net.topological_order()) {
    d.s.keep_state[v] = net.layer(v).keeps_state ? 1 : 0;
    d.s.layers[v].time_tile = net.layer(v).size(Dim::T);
    d.s.layers[v].ox_tile = net.layer(v).size(Dim::OX);
  }
  return d;
}

// Applies gene `g` with option value `value` to the layers of its unit.
void apply_gene(const workload::Network& net, const Gene& g, std::uint64_t value, bool per_block,
                Decoding& d) {
  auto in_unit = [&](const workload::Layer& l) {
    return per_block ? l.block == g.unit : l.id == g.unit;
  };
  const auto unit = static_cast<std::size_t>(g.unit);
  for (workload::Vertex v : net.topological_order()) {
    const auto& l = net.layer(v);
    if (!in_unit(l)) continue;
    switch (g.kind) {
      case GeneKind::TimeTile:
        d.s.layers[v].time_tile = std::min<std::uint64_t>(value, l.size(Dim::T));
        break;
      case GeneKind::SpatialTile:
        d.s.layers[v].ox_tile =
            value == 0 ? l.size(Dim::OX) : std::min<std::uint64_t>(value, l.size(Dim::OX));
        break;
      case GeneKind::StateKeep:
        if (l.state_policy == workload::StatePolicy::Free) d.s.keep_state[v] = value == 1 ? 1 : 0;
        break;
      case GeneKind::Barrier:
      case GeneKind::Core:
        break;
    }
  }
  if (g.kind == GeneKind::TimeTile && per_block && value == 1) d.time_bits[unit] = '0';
  if (g.kind == GeneKind::SpatialTile && per_block && value != 0) d.depth_bits[unit] = '1';
  if (g.kind == GeneKind::Barrier) d.barrier[unit] = static_cast<int>(value);
  if (g.kind == GeneKind::Core) {
    if (d.s.cores.empty()) d.s.cores.assign(net.layer_count(), -1);
    d.s.cores[net.vertex(g.unit)] = static_cast<int>(value);
  }
}

}  // namespace

schedule::Schedule SearchSpace::decode(const std::vector<double>& x) const {
  const workload::Network& net = *net_;
  if (x.size() != genes_.size()) {
    throw std::invalid_argument("SearchSpace::decode: genome of length " +
                                std::to_string(x.size()) + ", expected " +
                                std::to_string(genes_.size()));
  }
  const bool per_block = this->per_block();
  Decoding d = defaults(net);
  for (std::size_t i = 0; i < genes_.size(); ++i)
    apply_gene(net, genes_[i], genes_[i].options[pick(genes_[i], x[i])], per_block, d);
  // Fuse groups: STEMS's barrier rule, or the barrier genes of the full space.
  std::vector<int> groups;
  if (kind_ == SpaceKind::Stems) {
    groups = schedule::fuse_groups(d.time_bits, d.depth_bits, true);
  } else {
    groups.assign(d.barrier.size(), 0);
    for (std::size_t b = 1; b < groups.size(); ++b)
      groups[b] = groups[b - 1] + d.barrier[b];
  }
  for (workload::Vertex v : net.topological_order()) {
    d.s.layers[v].fuse_group = groups[static_cast<std::size_t>(net.layer(v).block)];
  }
  if (per_block) {
    d.s.time_bits = d.time_bits;
    d.s.depth_bits = d.depth_bits;
  }
  d.s.fuse_barrier = true;
  return std::move(d.s);
}

std::vector<double> SearchSpace::encode_bits(const std::string& time_bits,
                                             const std::string& depth_bits) const {
  std::vector<double> x(genes_.size(), 0);
  for (std::size_t i = 0; i < genes_.size(); ++i) {
    const Gene& g = genes_[i];
    const auto block = [&] { return static_cast<std::size_t>(block_of(g)); };
    auto index_of = [&](std::uint64_t value) {
      auto it = std::find(g.options.begin(), g.options.end(), value);
      if (it == g.options.end()) {
        throw std::invalid_argument("gene " + g.label + " has no option " + std::to_string(value));
      }
      return static_cast<double>(it - g.options.begin());
    };
    switch (g.kind) {
      case GeneKind::TimeTile:
        x[i] = time_bits[block()] == '1' ? static_cast<double>(g.options.size() - 1) : index_of(1);
        break;
      case GeneKind::SpatialTile:
        x[i] = depth_bits[block()] == '1' ? index_of(1) : 0;
        break;
      case GeneKind::Barrier: {
        const auto groups = schedule::fuse_groups(time_bits, depth_bits, true);
        const auto b = static_cast<std::size_t>(g.unit);
        x[i] = groups[b] != groups[b - 1] ? 1 : 0;
        break;
      }
      case GeneKind::Core:
        x[i] = 0;  // the first core allowed (the default allocation)
        break;
      case GeneKind::StateKeep: {
        bool kept = false;  // as declared: a unit keeps state if any of its free layers does
        for (workload::Vertex v : net_->topological_order()) {
          const auto& l = net_->layer(v);
          const bool in_unit = per_block() ? l.block == g.unit : l.id == g.unit;
          if (in_unit && l.state_policy == workload::StatePolicy::Free)
            kept = kept || l.keeps_state;
        }
        x[i] = kept ? 1 : 0;
        break;
      }
    }
  }
  return x;
}

int SearchSpace::block_of(const Gene& g) const {
  return per_block() ? g.unit : net_->layer_by_id(g.unit).block;
}

std::string SearchSpace::describe(const std::vector<double>& x) const {
  std::string out;
  for (std::size_t i = 0; i < genes_.size(); ++i) {
    if (!out.empty()) out += ' ';
    const auto v = genes_[i].options[pick(genes_[i], x[i])];
    out += genes_[i].label + "=" +
           (genes_[i].kind == GeneKind::SpatialTile && v == 0 ? std::string("map")
                                                              : std::to_string(v));
  }
  return out;
}

}  // namespace stems::search
