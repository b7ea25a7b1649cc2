#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan+UBSan) in build-fuzz/ and runs each for SECONDS.
#
#   tests/fuzz/run.sh [SECONDS] [HARNESS...]      default: 600 s each, every harness
#   tests/fuzz/run.sh --smoke                     CI: 20 s each
#
# Environment: STEMS_FUZZ_BUILD (build directory, default <repo>/build-fuzz), STEMS_FUZZ_PARALLEL
# (harnesses run at the same time, default 1; each uses one core).
#
# Each harness starts from its seeds (tests/fuzz/corpus/<harness without fuzz_>/, the shipped
# configs and the matching tests/data/bad/ files) plus the corpus it grew in earlier runs
# (build-fuzz/corpus/).
# Prints the executions run and the crashes found per harness; a crash, hang, out-of-memory or
# sanitizer report leaves its input in build-fuzz/artifacts/<harness>/ and makes the script exit 1.
# Reproduce one with: build-fuzz/tests/fuzz/<harness> <artifact>
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=600
if [[ $# -gt 0 ]]; then
  if [[ $1 == --smoke ]]; then
    seconds=20
  else
    seconds=$1
  fi
  shift
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
  echo "usage: tests/fuzz/run.sh [SECONDS|--smoke] [HARNESS...]" >&2
  exit 2
fi
all=(fuzz_workload fuzz_hardware fuzz_schedule fuzz_run_config fuzz_nir fuzz_nir_graph fuzz_onnx
  fuzz_initial_population)
harnesses=("$@")
[[ ${#harnesses[@]} -eq 0 ]] && harnesses=("${all[@]}")
build=${STEMS_FUZZ_BUILD:-$root/build-fuzz}
parallel=${STEMS_FUZZ_PARALLEL:-1}

if ! command -v clang++ > /dev/null; then
  echo "run.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
mkdir -p "$build"
if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTEMS_FUZZ=ON -DSTEMS_BUILD_TESTS=OFF -DSTEMS_BUILD_BENCH=OFF > "$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
fi
cmake --build "$build" --target "${harnesses[@]}" -j "$(nproc)" > "$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log" >&2; exit 1; }

# Seeds that are not kept in tests/fuzz/corpus: the shipped configs and the bad-input corpus.
seed_sources() {
  case $1 in
    fuzz_workload) ls "$root"/configs/workloads/*.toml "$root"/tests/data/bad/workload_*.toml ;;
    fuzz_hardware) ls "$root"/configs/hardware/*.toml "$root"/tests/data/bad/hardware_* ;;
    fuzz_schedule) ls "$root"/configs/schedules/*.toml "$root"/tests/data/bad/schedule_* ;;
    fuzz_run_config) ls "$root"/configs/runs/*.toml "$root"/tests/data/bad/run_* ;;
    fuzz_nir) ls "$root"/tests/data/bad/workload_nir_* ;;
    fuzz_nir_graph) ;;
    fuzz_onnx) ls "$root"/tests/data/bad/workload_onnx_* "$root"/tests/data/onnx/*.onnx ;;
    fuzz_initial_population) ls "$root"/tests/data/bad/population_* ;;
  esac 2> /dev/null || true
}
dict_of() {
  case $1 in
    fuzz_nir) echo "$here/nir.dict" ;;
    fuzz_nir_graph) echo "$here/nir_graph.dict" ;;
    fuzz_initial_population) echo "$here/initial_population.dict" ;;
    *) echo "$here/toml.dict" ;;
  esac
}

run_one() {
  local h=$1
  local work=$build/corpus/$h seeds=$build/seeds/$h artifacts=$build/artifacts/$h
  mkdir -p "$work" "$artifacts"
  rm -rf "$seeds"
  mkdir -p "$seeds"
  cp "$here/corpus/${h#fuzz_}"/* "$seeds"/ 2> /dev/null || true  # corpus/<harness without fuzz_>/
  for f in $(seed_sources "$h"); do
    # Files above 64 KiB (SEW-ResNet-152) slow every mutation down; the smaller ones cover the format.
    [[ $(stat -c %s "$f") -le 65536 ]] && cp "$f" "$seeds"/
  done
  local before
  before=$(find "$artifacts" -type f | wc -l)
  local status=0
  # -timeout: one input running longer is a hang; -malloc_limit_mb: one allocation above it is a
  # finding (a size the loaders should have refused).
  local limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024)
  # The NIR loader reads every file in a child process first (src/nir/h5_reader.cpp), which it
  # stops above 256 MiB: libFuzzer's own memory limits would fire in that child (they are
  # inherited) and record inputs the loader refuses correctly. The HDF5 library leaks on some
  # error paths (lsan.supp).
  [[ $h == fuzz_nir || $h == fuzz_run_config ]] && limits=(-rss_limit_mb=0)
  ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:quarantine_size_mb=64} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp} \
    "$build/tests/fuzz/$h" -max_total_time="$seconds" -timeout=10 "${limits[@]}" \
    -dict="$(dict_of "$h")" -artifact_prefix="$artifacts/" -print_final_stats=1 \
    -max_len=16384 "$work" "$seeds" > "$build/$h.log" 2>&1 || status=$?
  local execs found
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/$h.log" | tail -1 | grep -o '[0-9]*$' || true)
  [[ -z $execs ]] && execs=$(grep -o '^#[0-9]*' "$build/$h.log" | tail -1 | tr -d '#' || true)
  found=$(($(find "$artifacts" -type f | wc -l) - before))
  printf '%-16s %8s s %12s executions %5s corpus  %s\n' "$h" "$seconds" "${execs:-?}" \
    "$(find "$work" -type f | wc -l)" \
    "$( ((status == 0 && found == 0)) && echo "no crashes" || echo "CRASH (exit $status, $found new artifact(s) in $artifacts; log $build/$h.log)")"
  ((status == 0 && found == 0))
}

failed=0
if [[ $parallel -le 1 ]]; then
  for h in "${harnesses[@]}"; do
    run_one "$h" || failed=1
  done
else
  pids=()
  for h in "${harnesses[@]}"; do
    run_one "$h" &
    pids+=($!)
    if [[ ${#pids[@]} -ge $parallel ]]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for p in "${pids[@]}"; do
    wait "$p" || failed=1
  done
fi
exit $failed
