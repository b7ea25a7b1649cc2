#pragma once
// The synaptic part of a layer: what turns its input (the producer's output of this timestep, a
// vector in C order: channel, row, column) into its neurons' input current, or into its output
// when it has no neurons.
//
// - Conv2dSynapse: NIR Conv2d/Conv1d (weight [Cout, Cin/groups, KY, KX], bias [Cout], stride,
//   zero padding, dilation, groups) as matrix products: per group, the input patches of all output
//   positions form a matrix (im2col, one column per output position) that the group's weight
//   matrix multiplies with Armadillo. Spike inputs are mostly zero, so the patch matrix is built
//   sparse (compressed columns) and multiplied as an arma::sp_mat while fewer than 30% of its
//   entries are non-zero (the measured break-even against the dense BLAS product), densely
//   otherwise. Both give the same sums up to floating-point rounding order.
// - DenseSynapse: Affine/Linear, y = W x + b with W [out, in].
// - PoolSynapse: SumPool2d (window sum) and AvgPool2d (window sum / window area, zero padding
//   counted), channel-wise.
// - ScaleSynapse: element-wise product with `scale`.
// - IdentitySynapse: Flatten (the vector is already flat in C order) and neuron populations
//   without a synaptic node.

#include <armadillo>
#include <cstdint>
#include <memory>
#include <vector>

namespace stems::simulate {

struct Shape3 {
  std::uint64_t c = 1, h = 1, w = 1;
  std::uint64_t size() const { return c * h * w; }
  bool operator==(const Shape3&) const = default;
};

struct Window {
  std::uint64_t ky = 1, kx = 1;        // kernel
  std::uint64_t sy = 1, sx = 1;        // stride
  std::uint64_t py = 0, px = 0;        // zero padding
  std::uint64_t dy = 1, dx = 1;        // dilation
  std::uint64_t out_h = 1, out_w = 1;  // output rows and columns
};

class Synapse {
 public:
  virtual ~Synapse() = default;
  // `out` is resized as needed. Safe to call from several threads at once.
  virtual void apply(const arma::vec& in, arma::vec& out) const = 0;
};

class Conv2dSynapse : public Synapse {
 public:
  // `weight`: Cout x (in.c/groups) x ky x kx values in C order; `bias`: Cout values or empty.
  Conv2dSynapse(Shape3 in, std::uint64_t out_channels, std::uint64_t groups, Window w,
                const std::vector<double>& weight, const std::vector<double>& bias);
  void apply(const arma::vec& in, arma::vec& out) const override;

 private:
  Shape3 in_;
  std::uint64_t cout_, groups_;
  Window w_;
  std::vector<arma::mat> weight_;    // per group: (Cout/groups) x patch
  std::vector<arma::mat> weight_t_;  // per group: patch x (Cout/groups)
  arma::vec bias_;
};

class DenseSynapse : public Synapse {
 public:
  // `weight`: out x in values in C order; `bias`: out values or empty.
  DenseSynapse(std::uint64_t in, std::uint64_t out, const std::vector<double>& weight,
               const std::vector<double>& bias);
  void apply(const arma::vec& in, arma::vec& out) const override;

 private:
  arma::mat weight_t_;  // in x out
  arma::vec bias_;
};

class PoolSynapse : public Synapse {
 public:
  PoolSynapse(Shape3 in, Window w, bool average);
  void apply(const arma::vec& in, arma::vec& out) const override;

 private:
  Shape3 in_;
  Window w_;
  double factor_;  // 1 (sum) or 1 / window area (average)
};

class ScaleSynapse : public Synapse {
 public:
  explicit ScaleSynapse(arma::vec scale) : scale_(std::move(scale)) {}
  void apply(const arma::vec& in, arma::vec& out) const override { out = scale_ % in; }

 private:
  arma::vec scale_;
};

class IdentitySynapse : public Synapse {
 public:
  void apply(const arma::vec& in, arma::vec& out) const override { out = in; }
};

}  // namespace stems::simulate
