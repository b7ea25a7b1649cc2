#pragma once
// A NIR model prepared for simulation: the layers of its workload in topological order, each with
// its synaptic operator (synapse.hpp), its neuron population (neuron.hpp) and where its input
// comes from. Built once (weights converted, shapes checked); read-only afterwards, so several
// threads may simulate samples on one Model.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stems/nir/nir_model.hpp"
#include "stems/simulate/neuron.hpp"
#include "stems/simulate/synapse.hpp"
#include "stems/simulate/timing.hpp"

namespace stems::simulate {

struct SimOptions {
  // Forward-Euler step in seconds (NIR is continuous-time; see neuron.hpp) and the reset rule;
  // not given: the file's metadata, else these fallbacks (timing.hpp).
  Given<double> dt_s = Given<double>::unset(1e-3);
  Given<Reset> reset = Given<Reset>::unset(Reset::ToValue);
  unsigned threads = 0;  // samples simulated in parallel; 0: all cores
};

struct SimLayer {
  int id = 0;  // the workload layer id
  std::string name;
  int block = 0;
  Shape3 in_shape, out_shape;
  int input = -1;              // index of the producer in Model::layers(); -1: the network input
  std::vector<int> recurrent;  // producers whose previous-timestep output adds to the current
  bool feeds_recurrent = false;
  std::unique_ptr<Synapse> synapse;
  std::optional<NeuronParams> neuron;
};

class Model {
 public:
  // Throws InputError(nir.path, ...) naming the layer for parameters that do not fit.
  // `dt_option` names where a given dt came from, for messages.
  Model(const nir::NirModel& nir, const SimOptions& options, std::string_view dt_option = "--dt-s");

  const std::vector<SimLayer>& layers() const { return layers_; }
  const std::vector<std::uint64_t>& input_shape() const { return input_shape_; }
  std::uint64_t input_size() const { return input_.size(); }
  int output_index() const { return output_; }  // index in layers() of the classifier output
  int blocks() const { return blocks_; }
  const SimOptions& options() const { return options_; }
  const Timing& timing() const { return timing_; }  // the dt and reset rule in use
  const std::string& path() const { return path_; }

  // Per layer (index in layers()): whether its neurons keep their state under the per-block
  // state schedule `bits` ("" = every block keeps it). Throws InputError(source, ...) for a
  // malformed string.
  std::vector<bool> state_flags(const std::string& bits,
                                const std::string& source = "--state-schedule") const;

 private:
  // The layer of vertex v, after its producers (index: layer id -> index in layers_).
  void add_layer(const nir::NirModel& nir, workload::Vertex v, const std::map<int, int>& index);
  // Checks recurrent inputs match their consumer's size; marks their producers.
  void mark_recurrent_sources();

  std::string path_;
  std::vector<SimLayer> layers_;
  std::vector<std::uint64_t> input_shape_;
  Shape3 input_;  // input_shape_ as C x H x W
  int output_ = -1;
  int blocks_ = 0;
  SimOptions options_;
  Timing timing_;
};

}  // namespace stems::simulate
