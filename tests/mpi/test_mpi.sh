#!/usr/bin/env bash
# CTest (STEMS_WITH_MPI): campaigns and search islands over MPI ranks on this machine.
#   test_mpi.sh campaign|islands STEMS SOURCE_DIR WORK_DIR
# campaign: `mpirun -np 2 stems campaign` gives byte-for-byte the results.csv of the
#           single-process campaign, also when resuming a campaign that stopped half-way, and
#           both ranks compute runs (runs/<id>.json records the rank).
# islands:  `mpirun -np 2 stems optimize --mpi` is reproducible (same pareto.json twice) and its
#           front is no worse than the single-process search with the same seed and budget.
set -euo pipefail
what=$1 stems=$2 src=$3 work=$4
mpirun=(mpirun --allow-run-as-root --oversubscribe -np 2)
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers forbid cross-memory attach
rm -rf "$work" && mkdir -p "$work"
case $what in
campaign)
  campaign=$src/experiments/schedules.toml
  "$stems" campaign "$campaign" --out "$work/single" --no-report > /dev/null 2>&1
  "${mpirun[@]}" "$stems" campaign "$campaign" --out "$work/mpi" --no-report > "$work/mpi.log" 2>&1
  cmp "$work/single/results.csv" "$work/mpi/results.csv"
  # Every rank computed some of the runs (rank 0 on its own thread).
  for rank in 0 1; do
    grep -l "\"mpi_rank\": $rank,\?$" "$work"/mpi/runs/*.json > /dev/null ||
      { echo "rank $rank computed no run" >&2; exit 1; }
  done
  # Resume under MPI from a campaign that stopped after 5 runs.
  mkdir -p "$work/resumed"
  head -n 6 "$work/single/results.csv" > "$work/resumed/results.csv"
  "${mpirun[@]}" "$stems" campaign "$campaign" --out "$work/resumed" --resume --no-report > "$work/resumed.log" 2>&1
  grep -q "5 already finished" "$work/resumed.log"
  cmp "$work/single/results.csv" "$work/resumed/results.csv"
  echo "MPI campaign equals the single-process campaign ($(($(wc -l < "$work/mpi/results.csv") - 1)) runs)"
  ;;
islands)
  run=$src/configs/runs/sew_resnet_7b_1mb.toml
  for k in a b; do
    "${mpirun[@]}" "$stems" optimize "$run" --mpi --out "$work/$k" --threads 1 --no-report > "$work/$k.log" 2>&1
  done
  cmp "$work/a/pareto.json" "$work/b/pareto.json"
  "$stems" optimize "$run" --out "$work/single" --threads 1 --no-report > /dev/null 2>&1
  # Every single-process front point is matched or dominated by the MPI front (rank 0 runs the
  # same island as the single process, plus immigrants).
  node -e '
    const fs = require("fs");
    const f = (d) => JSON.parse(fs.readFileSync(d + "/pareto.json")).front.map((p) => [p.objectives.energy_pJ, p.objectives.latency_cycles, p.objectives.state_bits]);
    const mpi = f(process.argv[1]), single = f(process.argv[2]);
    if (mpi.length === 0) { console.error("empty MPI front"); process.exit(1); }
    for (const s of single) {
      if (!mpi.some((m) => m.every((v, i) => v <= s[i] * (1 + 1e-12)))) {
        console.error("single-process point not covered by the MPI front: " + s); process.exit(1);
      }
    }
    console.log("MPI islands front: " + mpi.length + " points, covers the single-process front");' "$work/a" "$work/single"
  ;;
*)
  echo "usage: test_mpi.sh campaign|islands STEMS SOURCE_DIR WORK_DIR" >&2
  exit 2
  ;;
esac
