#pragma once
// The simulation step dt and the reset rule: given by the caller (`--dt-s`/`--reset`, or dt_s and
// reset in [accuracy.simulate]), else read from the NIR file's graph metadata (/node/metadata/dt
// in seconds, /node/metadata/reset "value" or "subtract"; see nir_model.hpp), else the defaults
// (1e-3 s, reset to v_reset). What the caller gives overrides the file.

#include <cstdint>
#include <string>
#include <string_view>

#include "stems/common/names.hpp"
#include "stems/nir/nir_model.hpp"
#include "stems/simulate/neuron.hpp"

namespace stems::simulate {

// A setting the caller may give or leave to the model file. Assigning a value, or constructing
// from one, gives it; `unset(fallback)` is not given and reads as the fallback. Reads as its
// value, so code that only needs the value is unchanged (CLI11 parses a Given<double> as a
// number; JSON writes its value through to_json below).
template <typename T>
class Given {
 public:
  constexpr Given(T value) : value_(value), given_(true) {}  // NOLINT(google-explicit-constructor)
  // Given, value-initialised (CLI11 assigns this for an empty flag value; then refused as dt).
  constexpr Given() : value_{}, given_(true) {}
  static constexpr Given unset(T fallback) {
    Given g(fallback);
    g.given_ = false;
    return g;
  }
  constexpr Given& operator=(T value) {
    value_ = value;
    given_ = true;
    return *this;
  }
  constexpr operator T() const { return value_; }  // NOLINT(google-explicit-constructor)
  constexpr bool given() const { return given_; }

 private:
  T value_;
  bool given_;
};

// nlohmann::json's ADL hook: a Given is written as its value.
template <typename Json, typename T>
void to_json(Json& j, const Given<T>& g) {
  j = static_cast<T>(g);
}

inline constexpr NameTable<Reset, 2> kResetNames = {{
    {Reset::ToValue, "value"},
    {Reset::Subtract, "subtract"},
}};

enum class Source : std::uint8_t { Given, File, Default };

struct Timing {
  double dt_s = 1e-3;
  Source dt_from = Source::Default;
  Reset reset = Reset::ToValue;
  Source reset_from = Source::Default;
};

// dt and the reset rule for `nir`: the given ones, else the file's, else the fallbacks. Throws
// InputError naming the option for a non-positive dt, or the file and /node/metadata/reset for a
// reset rule other than value or subtract.
Timing resolve_timing(const Given<double>& dt_s, const Given<Reset>& reset,
                      const nir::NirModel& nir, std::string_view dt_option = "--dt-s");

// "dt 0.005 s (--dt-s), reset to v_reset (default; the file has no /node/metadata/reset)": what
// was used and where it came from, naming the caller's options.
std::string describe_timing(const Timing& t, std::string_view dt_option = "--dt-s",
                            std::string_view reset_option = "--reset");

}  // namespace stems::simulate
