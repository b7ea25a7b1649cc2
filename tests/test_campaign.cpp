// Campaigns: the file format, the grid, results.csv (atomic rows, resume, byte-identical results
// whatever the job count or interruptions), ratio tables, and a SIGKILL in the middle of a run.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "stems/campaign/campaign.hpp"
#include "stems/campaign/results_store.hpp"
#include "stems/campaign/runner.hpp"
#include "stems/campaign/tables.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace stems;
using namespace stems::campaign;

const fs::path kConfigs = STEMS_CONFIGS;
const std::string kBinary = STEMS_BINARY;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> n{0};
    path_ = fs::temp_directory_path() /
            ("stems_campaign_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::string workload(const std::string& name) {
  return (kConfigs / "workloads" / name).string();
}
std::string hardware(const std::string& name) {
  return (kConfigs / "hardware" / name).string();
}

// SEW on two buffers x three schedules (and RED-LIF restricted to one schedule).
std::string small_campaign() {
  return "[campaign]\nname = \"small\"\nmodel = \"stems\"\n\n"
         "[[workload]]\nname = \"SEW\"\npath = \"" +
         workload("sew_resnet_7b.toml") +
         "\"\n\n"
         "[[workload]]\nname = \"RED\"\npath = \"" +
         workload("red_lif.toml") +
         "\"\n\n"
         "[[hardware]]\nname = \"1MB\"\npath = \"" +
         hardware("meta_proto_1mb.toml") +
         "\"\n\n"
         "[[hardware]]\nname = \"512KB\"\npath = \"" +
         hardware("meta_proto_512kb.toml") +
         "\"\n\n"
         "[[schedule]]\nname = \"ST-LBL\"\n\n"
         "[[schedule]]\nname = \"TB-F\"\n\n"
         "[[schedule]]\nname = \"half\"\ntime = \"0001111\"\ndepth = \"1111111\"\nonly = "
         "[\"SEW\"]\n\n"
         "[[table]]\ntitle = \"vs ST-LBL\"\nmetrics = [\"offchip_bits\", \"energy_pJ\"]\n"
         "baseline = { schedule = \"ST-LBL\" }\n";
}

Campaign load_text(const TempDir& dir, const std::string& text) {
  const fs::path p = dir.path() / "campaign.toml";
  write(p, text);
  return load_campaign_file(p.string());
}

TEST(CampaignFile, GridIsTheProductOfTheAxesInDeclarationOrderWithRestrictions) {
  TempDir dir;
  const Campaign c = load_text(dir, small_campaign());
  ASSERT_EQ(c.axes.size(), 3u);
  const auto grid = expand_grid(c);
  // SEW: 2 hardware x 3 schedules; RED: 2 x 2 (the "half" schedule is SEW-only).
  ASSERT_EQ(grid.size(), 10u);
  EXPECT_EQ(grid[0].key, "SEW__1MB__ST-LBL");
  EXPECT_EQ(grid[2].key, "SEW__1MB__half");
  EXPECT_EQ(grid[3].key, "SEW__512KB__ST-LBL");
  EXPECT_EQ(grid[6].key, "RED__1MB__ST-LBL");
  EXPECT_EQ(grid[9].key, "RED__512KB__TB-F");
  for (std::size_t i = 0; i < grid.size(); ++i)
    EXPECT_EQ(grid[i].index, i);
  EXPECT_EQ(grid[2].value("schedule")->time_bits, "0001111");
  EXPECT_EQ(grid[1].value("schedule")->canonical, "TB-F");
}

TEST(CampaignFile, CanonicalSchedulesFollowTheBlockCount) {
  using schedule::canonical_bits;
  EXPECT_EQ(canonical_bits("TB-LBL", 3), std::make_pair(std::string("111"), std::string("000")));
  EXPECT_EQ(canonical_bits("ST-F", 3), std::make_pair(std::string("000"), std::string("111")));
  EXPECT_EQ(canonical_bits("HY-2", 5), std::make_pair(std::string("00111"), std::string("11111")));
  EXPECT_THROW(canonical_bits("HY-5", 5), InputError);
}

TEST(CampaignFile, ErrorsNameTheFileLineAndKey) {
  TempDir dir;
  std::string text = small_campaign();
  text.replace(text.find("name = \"small\""), 14, "name = \"small\"\nfoo = 1");
  try {
    load_text(dir, text);
    FAIL() << "unknown key accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("campaign.toml:3:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("campaign.foo"), std::string::npos) << e.what();
  }
}

std::string row_model(const CsvTable& t, std::size_t row) {
  return t.rows[row][std::size_t(t.column("model"))];
}

TEST(CampaignRun, RowsHoldTheSameNumbersAsADirectEvaluationAndRatiosAgainstTheBaseline) {
  TempDir dir;
  const Campaign c = load_text(dir, small_campaign());
  CampaignOptions o;
  o.out_dir = (dir.path() / "out").string();
  const CampaignSummary s = run_campaign(c, o, nullptr);
  EXPECT_EQ(s.runs, 10u);
  EXPECT_EQ(s.done, 10u);
  EXPECT_FALSE(s.interrupted);
  finish_campaign(c, o.out_dir, expand_grid(c));
  const CsvTable t = read_csv(o.out_dir + "/results.csv");
  ASSERT_EQ(t.rows.size(), 10u);
  EXPECT_EQ(t.header, results_header(c));

  // SEW TB-F on 1 MB: the scheduler's own numbers (the reference run: 3,984,057,248 pJ).
  const auto net = workload::load_workload_file(workload("sew_resnet_7b.toml"));
  const auto acc = hardware::load_hardware_file(hardware("meta_proto_1mb.toml"));
  cost::NodeSearchOptions stems;  // the campaign's model
  stems.policy = cost::ModelPolicy::stems();
  cost::NodeCostCache cache(acc, stems);
  auto sch = schedule::schedule_from_bits(net, "1111111", "1111111", true);
  sch.alignment = schedule::InputAlignment::Stems;
  const auto r = schedule::evaluate_schedule(net, acc, sch, cache);
  EXPECT_EQ(row_model(t, 1), "stems");
  const auto& row = t.rows[1];
  ASSERT_EQ(row[0], "SEW__1MB__TB-F");
  EXPECT_EQ(row[1], "ok");
  EXPECT_DOUBLE_EQ(std::stod(row[std::size_t(t.column("energy_pJ"))]), r.energy_pJ);
  EXPECT_EQ(row[std::size_t(t.column("offchip_bits"))],
            std::to_string(r.offchip_read_bits + r.offchip_write_bits));
  EXPECT_NEAR(r.energy_pJ, 3984057248.0, 0.5);

  // Ratio table: ST-LBL / TB-F for SEW on 1 MB is 15.68x in traffic, 5.24x in energy.
  const auto tables = ratio_tables(c, t);
  ASSERT_EQ(tables.size(), 1u);
  const auto& tr = tables[0].rows[1];
  EXPECT_EQ(tr[0], "SEW");
  EXPECT_EQ(tr[4], "15.68x");
  EXPECT_EQ(tr[6], "5.24x");
  EXPECT_EQ(tables[0].rows[0][4], "1.00x");  // the baseline itself
  // Every run has its JSON record.
  for (const auto& rr : t.rows)
    EXPECT_TRUE(fs::exists(o.out_dir + "/runs/" + rr[0] + ".json"));
}

TEST(CampaignRun, JobsAndResumeGiveByteIdenticalResults) {
  TempDir dir;
  const Campaign c = load_text(dir, small_campaign());
  CampaignOptions one;
  one.out_dir = (dir.path() / "one").string();
  run_campaign(c, one, nullptr);
  finish_campaign(c, one.out_dir, expand_grid(c));
  const std::string reference = read(one.out_dir + "/results.csv");

  CampaignOptions two = one;
  two.out_dir = (dir.path() / "two").string();
  two.jobs = 2;
  run_campaign(c, two, nullptr);
  finish_campaign(c, two.out_dir, expand_grid(c));
  EXPECT_EQ(read(two.out_dir + "/results.csv"), reference);

  // A campaign that died after 4 rows, in the middle of writing the fifth.
  CampaignOptions resumed = one;
  resumed.out_dir = (dir.path() / "resumed").string();
  fs::create_directories(resumed.out_dir);
  std::istringstream lines(reference);
  std::string line, partial;
  for (int i = 0; i < 5 && std::getline(lines, line); ++i)
    partial += line + "\n";
  std::getline(lines, line);
  partial += line.substr(0, line.size() / 2);  // torn row, no newline
  write(resumed.out_dir + "/results.csv", partial);
  resumed.resume = true;
  const CampaignSummary s = run_campaign(c, resumed, nullptr);
  EXPECT_EQ(s.skipped, 4u);
  EXPECT_EQ(s.done, 6u);
  finish_campaign(c, resumed.out_dir, expand_grid(c));
  EXPECT_EQ(read(resumed.out_dir + "/results.csv"), reference);

  // Without --resume, a directory with results is refused.
  EXPECT_THROW(run_campaign(c, one, nullptr), InputError);
}

TEST(CampaignRun, AStopFlagFinishesNothingHalfWay) {
  TempDir dir;
  const Campaign c = load_text(dir, small_campaign());
  CampaignOptions o;
  o.out_dir = (dir.path() / "out").string();
  std::atomic<bool> stop{true};
  const CampaignSummary s = run_campaign(c, o, &stop);
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.done, 0u);
  EXPECT_EQ(read_csv(o.out_dir + "/results.csv").rows.size(), 0u);
}

TEST(CampaignRun, OptimizeModeRunsOneSearchPerGridPoint) {
  TempDir dir;
  const std::string text =
      "[campaign]\nname = \"search\"\nmode = \"optimize\"\nseeds = [1, 2]\n\n"
      "[[run]]\nname = \"SEW\"\npath = \"" +
      (kConfigs / "runs" / "sew_resnet_7b_1mb.toml").string() +
      "\"\n\n[[state]]\nname = \"5PLIF\"\nbits = \"0011111\"\n\n"
      "[optimize]\npopulation = 16\ngenerations = 2\n";
  const Campaign c = load_text(dir, text);
  CampaignOptions o;
  o.out_dir = (dir.path() / "out").string();
  o.threads = 1;
  const CampaignSummary s = run_campaign(c, o, nullptr);
  ASSERT_EQ(s.done, 2u);
  const CsvTable t = read_csv(o.out_dir + "/results.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  for (const auto& row : t.rows) {
    EXPECT_EQ(row[1], "ok") << row.back();
    // The state is fixed by the campaign: every front point keeps 5PLIF's 2,322,432 bits.
    EXPECT_EQ(row[std::size_t(t.column("min_state_bits"))], "2322432");
    EXPECT_EQ(row[std::size_t(t.column("best_state_schedule"))], "0011111");
    EXPECT_GT(std::stoi(row[std::size_t(t.column("front_size"))]), 0);
    EXPECT_TRUE(fs::exists(o.out_dir + "/runs/" + row[0] + "/pareto.json"));
  }
}

// The crash-safety contract with a real SIGKILL: the killed campaign leaves whole rows only, and
// resuming it gives exactly the bytes of an uninterrupted campaign.
TEST(CampaignCrash, KillNineThenResumeGivesTheUninterruptedResults) {
  TempDir dir;
  // 4 buffers x 4 schedules x 2 states of SEW: long enough to be killed in the middle.
  std::string text = "[campaign]\nname = \"kill\"\n\n[[workload]]\nname = \"SEW\"\npath = \"" +
                     workload("sew_resnet_7b.toml") + "\"\n\n";
  for (const char* hw : {"256kb", "512kb", "1mb", "2mb"}) {
    text += "[[hardware]]\nname = \"" + std::string(hw) + "\"\npath = \"" +
            hardware("meta_proto_" + std::string(hw) + ".toml") + "\"\n\n";
  }
  for (const char* s : {"TB-LBL", "TB-F", "ST-LBL", "ST-F"}) {
    text += "[[schedule]]\nname = \"" + std::string(s) + "\"\n\n";
  }
  text +=
      "[[state]]\nname = \"7PLIF\"\nbits = \"1111111\"\n\n[[state]]\nname = \"5PLIF\"\nbits = "
      "\"0011111\"\n";
  const fs::path file = dir.path() / "kill.toml";
  write(file, text);
  const std::string killed = (dir.path() / "killed").string();
  const std::string clean = (dir.path() / "clean").string();

  auto spawn = [&](const std::vector<std::string>& args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(kBinary.c_str()));
      for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(kBinary.c_str(), argv.data());
      ::_exit(127);
    }
    return pid;
  };
  auto wait_exit = [](pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  };
  auto count_rows = [](const std::string& path) {
    const std::string t = read(path);
    return std::count(t.begin(), t.end(), '\n') - 1;
  };

  const pid_t pid = spawn({"campaign", file.string(), "--out", killed, "--no-report"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_rows(killed + "/results.csv") < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  const int code = wait_exit(pid);
  const std::string after_kill = read(killed + "/results.csv");
  const auto rows_at_kill = count_rows(killed + "/results.csv");
  if (code == 128 + SIGKILL) {
    EXPECT_LT(rows_at_kill, 32) << "the campaign finished before the kill";
  }
  EXPECT_EQ(after_kill.back(), '\n') << "a torn row";
  EXPECT_EQ(read_csv(killed + "/results.csv").rows.size(), std::size_t(rows_at_kill));
  // No temporary file may look like a result.
  for (const auto& e : fs::directory_iterator(killed + "/runs")) {
    EXPECT_EQ(e.path().extension(), ".json") << e.path();
  }

  EXPECT_EQ(
      wait_exit(spawn({"campaign", file.string(), "--out", killed, "--resume", "--no-report"})), 0);
  EXPECT_EQ(wait_exit(spawn({"campaign", file.string(), "--out", clean, "--no-report"})), 0);
  const CsvTable resumed = read_csv(killed + "/results.csv");
  ASSERT_EQ(resumed.rows.size(), 32u);
  std::set<std::string> keys;
  for (const auto& r : resumed.rows)
    EXPECT_TRUE(keys.insert(r[0]).second) << "twice: " << r[0];
  EXPECT_EQ(read(killed + "/results.csv"), read(clean + "/results.csv"));
}

}  // namespace
