#include "stems/simulate/synapse.hpp"

#include <stdexcept>

namespace stems::simulate {

Conv2dSynapse::Conv2dSynapse(Shape3 in, std::uint64_t out_channels, std::uint64_t groups, Window w,
                             const std::vector<double>& weight, const std::vector<double>& bias)
    : in_(in), cout_(out_channels), groups_(groups), w_(w) {
  if (groups == 0 || in.c % groups != 0 || out_channels % groups != 0 ||
      weight.size() != in.c / groups * w.ky * w.kx * out_channels) {
    throw std::invalid_argument("Conv2dSynapse: weight size does not match the geometry");
  }
  const std::uint64_t patch = in.c / groups * w.ky * w.kx, kg = out_channels / groups;
  // C-order [Cout][patch] is column-major patch x Cout: column o is output channel o's kernel.
  const arma::mat all(weight.data(), patch, out_channels);
  for (std::uint64_t g = 0; g < groups; ++g) {
    weight_t_.push_back(all.cols(g * kg, (g + 1) * kg - 1));
    weight_.push_back(weight_t_.back().t());
  }
  bias_ = bias.empty() ? arma::vec(out_channels, arma::fill::zeros) : arma::vec(bias);
  if (bias_.n_elem != out_channels) {
    throw std::invalid_argument("Conv2dSynapse: bias size does not match the output channels");
  }
}

void Conv2dSynapse::apply(const arma::vec& in, arma::vec& out) const {
  const std::uint64_t cg = in_.c / groups_, kg = cout_ / groups_;
  const std::uint64_t positions = w_.out_h * w_.out_w;
  const std::uint64_t patch = cg * w_.ky * w_.kx;
  out.set_size(cout_ * positions);
  const double* x = in.memptr();
  // The patch matrix (patch x positions), compressed by columns: row indices and values of the
  // non-zero entries of column p are [col_ptr[p], col_ptr[p+1]).
  // Per-thread buffers, reused from call to call (no allocation per timestep).
  thread_local std::vector<arma::uword> rows, col_ptr;
  thread_local std::vector<double> values;
  col_ptr.assign(positions + 1, 0);
  for (std::uint64_t g = 0; g < groups_; ++g) {
    rows.clear();
    values.clear();
    for (std::uint64_t oy = 0; oy < w_.out_h; ++oy) {
      for (std::uint64_t ox = 0; ox < w_.out_w; ++ox) {
        arma::uword j = 0;
        for (std::uint64_t c = g * cg; c < (g + 1) * cg; ++c) {
          const double* plane = x + c * in_.h * in_.w;
          for (std::uint64_t fy = 0; fy < w_.ky; ++fy) {
            // Signed arithmetic: padding makes the top-left taps negative.
            const auto iy = static_cast<std::int64_t>(oy * w_.sy + fy * w_.dy) -
                            static_cast<std::int64_t>(w_.py);
            if (iy < 0 || iy >= static_cast<std::int64_t>(in_.h)) {
              j += w_.kx;
              continue;
            }
            const double* row = plane + static_cast<std::uint64_t>(iy) * in_.w;
            for (std::uint64_t fx = 0; fx < w_.kx; ++fx, ++j) {
              const auto ix = static_cast<std::int64_t>(ox * w_.sx + fx * w_.dx) -
                              static_cast<std::int64_t>(w_.px);
              if (ix < 0 || ix >= static_cast<std::int64_t>(in_.w)) continue;
              const double v = row[ix];
              if (v != 0.0) {
                rows.push_back(j);
                values.push_back(v);
              }
            }
          }
        }
        col_ptr[oy * w_.out_w + ox + 1] = rows.size();
      }
    }
    // The group's outputs: kg channels x positions, C order, in `out`.
    double* y = out.memptr() + g * kg * positions;
    if (static_cast<double>(values.size()) < 0.3 * static_cast<double>(patch * positions)) {
      const arma::sp_mat cols(arma::uvec(rows), arma::uvec(col_ptr), arma::vec(values), patch,
                              positions);
      const arma::mat result = weight_[g] * cols;  // kg x positions
      for (std::uint64_t k = 0; k < kg; ++k) {
        const double b = bias_[g * kg + k];
        for (std::uint64_t p = 0; p < positions; ++p)
          y[k * positions + p] = result(k, p) + b;
      }
    } else {
      arma::mat cols(patch, positions, arma::fill::zeros);
      for (std::uint64_t p = 0; p < positions; ++p) {
        double* col = cols.colptr(p);
        for (std::size_t e = col_ptr[p]; e < col_ptr[p + 1]; ++e)
          col[rows[e]] = values[e];
      }
      // positions x kg, column-major: column k = output channel g*kg + k over all positions,
      // exactly the C-order layout of those channels in `out`.
      arma::mat result(y, positions, kg, false, true);
      result = cols.t() * weight_t_[g];
      for (std::uint64_t k = 0; k < kg; ++k)
        result.col(k) += bias_[g * kg + k];
    }
  }
}

DenseSynapse::DenseSynapse(std::uint64_t in, std::uint64_t out, const std::vector<double>& weight,
                           const std::vector<double>& bias) {
  if (weight.size() != in * out) {
    throw std::invalid_argument("DenseSynapse: weight size does not match in x out");
  }
  weight_t_ = arma::mat(weight.data(), in, out);  // C-order [out][in] = column-major in x out
  bias_ = bias.empty() ? arma::vec(out, arma::fill::zeros) : arma::vec(bias);
  if (bias_.n_elem != out) throw std::invalid_argument("DenseSynapse: bias size");
}

void DenseSynapse::apply(const arma::vec& in, arma::vec& out) const {
  out = weight_t_.t() * in + bias_;
}

PoolSynapse::PoolSynapse(Shape3 in, Window w, bool average)
    : in_(in), w_(w), factor_(average ? 1.0 / static_cast<double>(w.ky * w.kx) : 1.0) {}

void PoolSynapse::apply(const arma::vec& in, arma::vec& out) const {
  out.set_size(in_.c * w_.out_h * w_.out_w);
  const double* x = in.memptr();
  double* y = out.memptr();
  for (std::uint64_t c = 0; c < in_.c; ++c) {
    const double* plane = x + c * in_.h * in_.w;
    for (std::uint64_t oy = 0; oy < w_.out_h; ++oy) {
      for (std::uint64_t ox = 0; ox < w_.out_w; ++ox) {
        double sum = 0;
        for (std::uint64_t fy = 0; fy < w_.ky; ++fy) {
          const auto iy =
              static_cast<std::int64_t>(oy * w_.sy + fy * w_.dy) - static_cast<std::int64_t>(w_.py);
          if (iy < 0 || iy >= static_cast<std::int64_t>(in_.h)) continue;
          for (std::uint64_t fx = 0; fx < w_.kx; ++fx) {
            const auto ix = static_cast<std::int64_t>(ox * w_.sx + fx * w_.dx) -
                            static_cast<std::int64_t>(w_.px);
            if (ix < 0 || ix >= static_cast<std::int64_t>(in_.w)) continue;
            sum += plane[static_cast<std::uint64_t>(iy) * in_.w + static_cast<std::uint64_t>(ix)];
          }
        }
        *y++ = sum * factor_;
      }
    }
  }
}

}  // namespace stems::simulate
