#include "stems/simulate/timing.hpp"

#include <cmath>
#include <sstream>

#include "stems/common/error.hpp"

namespace stems::simulate {

namespace {

constexpr const char* kMetadataDt = "/node/metadata/dt";
constexpr const char* kMetadataReset = "/node/metadata/reset";

std::string seconds(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

std::string source_text(Source s, std::string_view option, const char* dataset) {
  switch (s) {
    case Source::Given:
      return std::string(option);
    case Source::File:
      return std::string("the file's ") + dataset;
    case Source::Default:
      break;
  }
  return std::string("default; the file has no ") + dataset;
}

}  // namespace

Timing resolve_timing(const Given<double>& dt_s, const Given<Reset>& reset,
                      const nir::NirModel& nir, std::string_view dt_option) {
  Timing t;
  if (dt_s.given()) {
    if (!(static_cast<double>(dt_s) > 0) || !std::isfinite(static_cast<double>(dt_s))) {
      throw InputError(std::string(dt_option), "the timestep must be a positive number of seconds");
    }
    t = {dt_s, Source::Given};
  } else if (nir.metadata.dt_s) {
    t = {*nir.metadata.dt_s, Source::File};  // checked finite and > 0 by the loader
  } else {
    t = {dt_s, Source::Default};
  }
  if (reset.given()) {
    t.reset = reset;
    t.reset_from = Source::Given;
  } else if (nir.metadata.reset) {
    const auto parsed = parse_name(kResetNames, *nir.metadata.reset);
    if (!parsed) {
      throw InputError(nir.path, std::string("'") + kMetadataReset + "': '" + *nir.metadata.reset +
                                     "': expected " + allowed_names(kResetNames));
    }
    t.reset = *parsed;
    t.reset_from = Source::File;
  } else {
    t.reset = reset;
  }
  return t;
}

std::string describe_timing(const Timing& t, std::string_view dt_option,
                            std::string_view reset_option) {
  std::string out = "dt " + seconds(t.dt_s) + " s (" +
                    source_text(t.dt_from, dt_option, kMetadataDt) + "), reset ";
  out += t.reset == Reset::Subtract ? "by subtraction" : "to v_reset";
  out += " (" + source_text(t.reset_from, reset_option, kMetadataReset) + ")";
  return out;
}

}  // namespace stems::simulate
