#pragma once
// `stems campaign FILE --out DIR [--resume] [--jobs N]`: options and the command itself (kept out
// of app.cpp, which only declares the command line).

#include <iosfwd>
#include <string>

namespace stems::cli {

struct CampaignCommand {
  std::string file;
  std::string out;  // default out/<campaign name>
  bool resume = false;
  unsigned jobs = 1;
  unsigned threads = 0;
  bool no_report = false;
  bool dry_run = false;
};

// Exit code: 0 when every run is in results.csv, 130 when interrupted. Under mpirun (built with
// STEMS_WITH_MPI) rank 0 hands out runs and writes the results; the other ranks compute.
int run_campaign_command(const CampaignCommand& o, std::ostream& out, std::ostream& err);

}  // namespace stems::cli
