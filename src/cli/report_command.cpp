// `stems report DIR`: report.html of an optimize or a campaign output directory.
#include "stems/campaign/campaign_report.hpp"
#include "stems/cli/commands.hpp"
#include "stems/common/error.hpp"
#include "stems/report/html_report.hpp"

namespace stems::cli {

namespace {

std::string write_report(const std::string& dir, const std::string& plotly) {
  return report::is_campaign_dir(dir) ? campaign::write_campaign_report(dir, plotly)
                                      : report::write_html_report(dir, plotly);
}

}  // namespace

// The report is written before anything is printed: a failure leaves no half line on stdout.
int run_report(const ReportOptions& o, std::ostream& out) {
  const std::string written = write_report(o.dir, o.plotly);
  out << "wrote " << written << "\n";
  return kExitOk;
}

void try_report(const std::string& dir, std::ostream& out, std::ostream& err) {
  try {
    const std::string written = write_report(dir, "");
    out << "report: " << written << "\n";
  } catch (const InputError& e) {
    err << "stems: warning: report not written: " << e.what() << "\n";
  }
}

}  // namespace stems::cli
