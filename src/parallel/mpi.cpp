// Built with STEMS_WITH_MPI. Only the main thread of each rank calls MPI (MPI_THREAD_FUNNELED).
// The C API only (OpenMPI otherwise pulls in its deprecated C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <mutex>
#include <thread>

#include "stems/common/error.hpp"
#include "stems/parallel/mpi.hpp"

namespace stems::parallel {

namespace {

constexpr int kTagWork = 1;
constexpr int kTagResult = 2;

struct MpiState {
  bool initialised = false;
  int size = 1;
  int rank = 0;
  ~MpiState() {
    int finalized = 0;
    if (initialised && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Finalize();
  }
};

MpiState& state() {
  static MpiState s;
  static std::once_flag once;
  std::call_once(once, [] {
    const bool launched =
        std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
    if (!launched) return;
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    s.initialised = true;
    MPI_Comm_size(MPI_COMM_WORLD, &s.size);
    MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
  });
  return s;
}

void send_string(const std::string& text, int dest, int tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

std::string recv_string(int source, int tag, int* from) {
  MPI_Status st;
  MPI_Probe(source, tag, MPI_COMM_WORLD, &st);
  int n = 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  std::string text(static_cast<std::size_t>(n), '\0');
  MPI_Recv(text.data(), n, MPI_CHAR, st.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (from) *from = st.MPI_SOURCE;
  return text;
}

void send_work(int worker, int index) {
  MPI_Send(&index, 1, MPI_INT, worker, kTagWork, MPI_COMM_WORLD);
}

std::string encode(std::size_t index, const campaign::RunOutcome& o) {
  report::Json j = {{"index", index},       {"ok", o.ok},       {"interrupted", o.interrupted},
                    {"message", o.message}, {"cells", o.cells}, {"record", o.record},
                    {"model", o.model}};
  return j.dump();
}

void worker_loop(const campaign::Campaign& c, const campaign::CampaignOptions& o,
                 const std::atomic<bool>* stop) {
  const std::vector<campaign::RunSpec> grid = campaign::expand_grid(c);
  campaign::RunExecutor executor(c, o.out_dir, o.threads ? o.threads : 1);
  while (true) {
    int index = -1;
    MPI_Recv(&index, 1, MPI_INT, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (index < 0 || static_cast<std::size_t>(index) >= grid.size()) return;
    campaign::RunOutcome outcome;
    try {
      outcome = executor.execute(grid[static_cast<std::size_t>(index)], stop);
    } catch (const std::exception& e) {
      std::cerr << "stems: rank " << state().rank << ": internal error: " << e.what() << "\n";
      MPI_Abort(MPI_COMM_WORLD, kExitInternalError);
    }
    if (outcome.record.is_object()) outcome.record["mpi_rank"] = state().rank;  // provenance
    send_string(encode(static_cast<std::size_t>(index), outcome), 0, kTagResult);
  }
}

}  // namespace

bool mpi_built() {
  return true;
}
int mpi_world_size() {
  return state().size;
}
int mpi_rank() {
  return state().rank;
}

namespace {

// A worker's result message as the outcome the book records.
campaign::RunOutcome outcome_from_json(const report::Json& j) {
  campaign::RunOutcome outcome;
  outcome.ok = j.at("ok").get<bool>();
  outcome.interrupted = j.at("interrupted").get<bool>();
  outcome.message = j.at("message").get<std::string>();
  outcome.cells = j.at("cells").get<std::vector<std::string>>();
  outcome.record = j.at("record");
  outcome.model = j.at("model").get<std::string>();
  return outcome;
}

// Rank 0's own share of the runs, on a thread of its own (it makes no MPI call: MPI stays
// funnelled through the main thread). Returns the exception that stopped it, if any.
template <typename Take>
std::exception_ptr compute_locally(campaign::CampaignBook& book, Take take,
                                   const std::atomic<bool>* stop, const campaign::RunLogFn& log) {
  try {
    while (const campaign::RunSpec* r = take()) {
      campaign::RunOutcome outcome = book.executor().execute(*r, stop);
      if (outcome.interrupted) break;
      if (outcome.record.is_object()) outcome.record["mpi_rank"] = 0;
      book.record(*r, outcome, log);
    }
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

}  // namespace

std::optional<campaign::CampaignSummary> run_campaign_mpi(const campaign::Campaign& c,
                                                          const campaign::CampaignOptions& o,
                                                          const std::atomic<bool>* stop,
                                                          const campaign::RunLogFn& log) {
  const MpiState& s = state();
  if (s.rank != 0) {
    worker_loop(c, o, stop);
    return std::nullopt;
  }
  std::unique_ptr<campaign::CampaignBook> book;
  try {
    campaign::CampaignOptions mo = o;
    mo.jobs = 1;
    mo.threads = o.threads ? o.threads : 1;  // rank 0's own runs search like the other ranks'
    book = std::make_unique<campaign::CampaignBook>(c, mo);
  } catch (...) {
    for (int w = 1; w < s.size; ++w)
      send_work(w, -1);  // release the workers, then report
    throw;
  }
  const auto& grid = book->grid();
  const auto& pending = book->pending();
  // Runs are handed out in pending order, to the other ranks and to a thread of rank 0 that
  // computes too (it makes no MPI call: MPI stays funnelled through this thread).
  std::mutex next_mutex;
  std::size_t next = 0;
  auto take = [&]() -> const campaign::RunSpec* {
    std::lock_guard lock(next_mutex);
    if (next >= pending.size() || (stop && stop->load())) return nullptr;
    return pending[next++];
  };
  int active = 0;
  auto index_of = [&](const campaign::RunSpec* r) { return static_cast<int>(r - grid.data()); };
  for (int w = 1; w < s.size; ++w) {
    if (const campaign::RunSpec* r = take()) {
      send_work(w, index_of(r));
      ++active;
    } else {
      send_work(w, -1);
    }
  }
  std::exception_ptr local_failure;
  std::thread local([&] { local_failure = compute_locally(*book, take, stop, log); });
  try {
    while (active > 0) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &st);
      if (!flag) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      int from = 0;
      const report::Json j = report::Json::parse(recv_string(st.MPI_SOURCE, kTagResult, &from));
      --active;
      const campaign::RunOutcome outcome = outcome_from_json(j);
      book->record(grid.at(j.at("index").get<std::size_t>()), outcome, log);
      const campaign::RunSpec* r = outcome.interrupted ? nullptr : take();
      if (r) {
        send_work(from, index_of(r));
        ++active;
      } else {
        send_work(from, -1);
      }
    }
    local.join();
    if (local_failure) std::rethrow_exception(local_failure);
  } catch (const std::exception& e) {
    std::cerr << "stems: error: " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD,
              dynamic_cast<const InputError*>(&e) ? kExitInputError : kExitInternalError);
  }
  return book->summary();
}

namespace {

std::vector<double> pack(const std::vector<search::Migrant>& pts) {
  std::vector<double> buf = {static_cast<double>(pts.size()), 0, 0};
  if (!pts.empty()) {
    buf[1] = static_cast<double>(pts.front().x.size());
    buf[2] = static_cast<double>(pts.front().f.size());
  }
  for (const auto& p : pts) {
    buf.insert(buf.end(), p.x.begin(), p.x.end());
    buf.insert(buf.end(), p.f.begin(), p.f.end());
  }
  return buf;
}

std::vector<search::Migrant> unpack(const double* buf, std::size_t size) {
  std::vector<search::Migrant> pts;
  if (size < 3) return pts;
  const auto n = static_cast<std::size_t>(buf[0]), nx = static_cast<std::size_t>(buf[1]),
             nf = static_cast<std::size_t>(buf[2]);
  std::size_t at = 3;
  for (std::size_t i = 0; i < n && at + nx + nf <= size; ++i) {
    search::Migrant p;
    p.x.assign(buf + at, buf + at + nx);
    p.f.assign(buf + at + nx, buf + at + nx + nf);
    at += nx + nf;
    pts.push_back(std::move(p));
  }
  return pts;
}

}  // namespace

std::optional<search::OptimizeResult> optimize_islands(
    std::shared_ptr<const search::Problem> problem, search::OptimizerConfig config,
    const IslandOptions& islands, const search::ProgressFn& progress,
    const std::atomic<bool>* stop) {
  const MpiState& s = state();
  if (!s.initialised) {
    throw InputError("--mpi",
                     "start the search with mpirun (e.g. mpirun -np 4 stems optimize "
                     "RUN --mpi): one island per rank");
  }
  config.seed += static_cast<std::uint64_t>(s.rank);
  config.problem_seeds = s.rank == 0;
  config.islands = 1;
  search::IslandHooks hooks;
  hooks.interval = islands.interval;
  hooks.migrants = islands.migrants;
  hooks.agree_stop = [](bool local) {
    int mine = local ? 1 : 0, any = 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return any != 0;
  };
  const int next = (s.rank + 1) % s.size, prev = (s.rank + s.size - 1) % s.size;
  hooks.exchange = [next, prev](const std::vector<search::Migrant>& emigrants) {
    const std::vector<double> out = pack(emigrants);
    int n_out = static_cast<int>(out.size()), n_in = 0;
    MPI_Sendrecv(&n_out, 1, MPI_INT, next, 10, &n_in, 1, MPI_INT, prev, 10, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    std::vector<double> in(static_cast<std::size_t>(n_in));
    MPI_Sendrecv(out.data(), n_out, MPI_DOUBLE, next, 11, in.data(), n_in, MPI_DOUBLE, prev, 11,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return unpack(in.data(), in.size());
  };
  search::OptimizeResult r = search::optimize(
      problem, config, s.rank == 0 ? progress : search::ProgressFn{}, stop, &hooks);

  // Gather every island's front on rank 0 (in pagmo's form).
  std::vector<search::Migrant> front;
  for (const auto& p : r.front)
    front.push_back({p.x, search::to_pagmo(p.objectives, r.objectives)});
  const std::vector<double> mine = pack(front);
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(s.size)), displs(counts.size());
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<double> all;
  if (s.rank == 0) {
    int total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      displs[i] = total;
      total += counts[i];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(mine.data(), n, MPI_DOUBLE, all.data(), counts.data(), displs.data(), MPI_DOUBLE, 0,
              MPI_COMM_WORLD);
  unsigned long long counters[2] = {r.evaluations, r.infeasible}, sums[2] = {0, 0};
  MPI_Reduce(counters, sums, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  int interrupted = r.interrupted ? 1 : 0, any_interrupted = 0;
  MPI_Reduce(&interrupted, &any_interrupted, 1, MPI_INT, MPI_LOR, 0, MPI_COMM_WORLD);
  if (s.rank != 0) return std::nullopt;
  std::vector<search::FrontPoint> merged;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    for (const auto& p : unpack(all.data() + displs[i], static_cast<std::size_t>(counts[i]))) {
      merged.push_back({p.x, *search::from_pagmo(p.f, r.objectives).objectives});
    }
  }
  r.front = search::non_dominated(merged, r.objectives);
  r.evaluations = sums[0];
  r.infeasible = sums[1];
  r.interrupted = any_interrupted != 0;
  return r;
}

}  // namespace stems::parallel
