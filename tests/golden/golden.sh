#!/usr/bin/env bash
# Golden comparison: the `--json` output of `stems evaluate` over the shipped workloads x hardware x
# schedule corners x option sets, `stems explain --json` of a few layers, and the default
# `stems optimize` pareto.json. A change that must not move numbers keeps every file byte-identical.
# Every run uses the stems model (`--model stems`) with the alignment the outputs had before the
# model existed (padded unless an option set says otherwise).
#
#   tests/golden/golden.sh generate DIR [STEMS]   write every output to DIR (STEMS: the binary,
#                                                 default build/stems; an old binary gives a baseline)
#   tests/golden/golden.sh check [STEMS]          compare with tests/golden/expected.sha256
#   tests/golden/golden.sh update [STEMS]         rewrite expected.sha256 (numbers moved on purpose:
#                                                 say so in the commit)
#   diff -r BASELINE_DIR NEW_DIR                  to see what moved (generate both first)
#   GOLDEN_MODEL=physical golden.sh generate DIR [STEMS]
#                                                 the same runs in the physical model (no expected
#                                                 sums: generate a baseline with the old binary)
#
# Exit status of each command is part of what is compared (a run that fails writes its exit code
# and its message instead of the JSON).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
expected="$here/expected.sha256"

mode="${1:-}"
case "$mode" in
  generate) out="${2:?generate needs a directory}"; stems="${3:-$root/build/stems}" ;;
  check | update) out="$(mktemp -d)"; stems="${2:-$root/build/stems}"; trap 'rm -rf "$out"' EXIT ;;
  *) sed -n '2,19p' "$0"; exit 2 ;;
esac
stems="$(cd "$(dirname "$stems")" && pwd)/$(basename "$stems")"
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.csv
cd "$root"

bits() { printf "%${1}s" | tr ' ' "$2"; }
blocks_of() { "$stems" inspect "$1" --json - | grep -o '"block": *[0-9]*' | grep -o '[0-9]*$' | sort -n | tail -1; }

jobs_file="$out/.jobs"
: >"$jobs_file"
add() {  # name, then the stems arguments
  local name="$1"; shift
  printf '%s\t%s\n' "$name" "$*" >>"$jobs_file"
}

workloads=(sew_resnet_7b red_lif sew_resnet_152 sew_layer9)
hardware=(meta_proto_128kb meta_proto_256kb meta_proto_384kb meta_proto_512kb meta_proto_1mb
          meta_proto_2mb meta_proto_64mb meta_proto_1mb_3core meta_proto_1mb_zero_skip)
model="${GOLDEN_MODEL:-stems}"
if [[ "$model" != stems && "$mode" != generate ]]; then
  echo "golden.sh: expected.sha256 holds the stems model; GOLDEN_MODEL=$model works with generate only" >&2
  exit 2
fi
M="--model $model"
declare -A optsets=(
  [default]="$M --alignment padded"
  [stems_align_reset]="$M --alignment stems --state-lifecycle reset"
  [memory_nobarrier]="$M --alignment padded --order memory --no-fuse-barrier"
)
for w in "${workloads[@]}"; do
  wf="configs/workloads/$w.toml"
  n=$(( $(blocks_of "$wf") + 1 ))
  for h in "${hardware[@]}"; do
    for corner in 10 11 00 01; do
      tb=$(bits "$n" "${corner:0:1}"); db=$(bits "$n" "${corner:1:1}")
      for o in default stems_align_reset memory_nobarrier; do
        add "eval.$w.$h.$corner.$o" evaluate --workload "$wf" --hardware "configs/hardware/$h.toml" \
          --time-schedule "$tb" --depth-schedule "$db" ${optsets[$o]}
      done
    done
  done
done
# State schedules (5PLIF and none) and a hybrid, a schedule file, a NIR model.
H1=configs/hardware/meta_proto_1mb.toml
for s in 0011111 0000000; do
  for sched in "1111111 1111111" "0011111 1111111" "1111111 0000000"; do
    set -- $sched
    add "eval.sew_state.$s.$1.$2" evaluate --workload configs/workloads/sew_resnet_7b.toml \
      --hardware "$H1" --time-schedule "$1" --depth-schedule "$2" --state-schedule "$s" \
      $M --alignment padded
  done
done
add "eval.sew_schedule_file" evaluate --workload configs/workloads/sew_resnet_7b.toml --hardware "$H1" \
  --schedule configs/schedules/sew_partial_time_batching.toml $M
for d in 11 00 10; do
  add "eval.nir_nested.$d" evaluate --workload tests/data/nir/nested_graph.nir --hardware \
    configs/hardware/meta_proto_1mb_3core.toml --weight-bits 4 --state-bits 12 --depth-schedule "$d" \
    $M --alignment padded
done
# Single-layer loop nests.
for l in 0 1 4 9 17 29; do
  add "explain.sew.$l" explain configs/workloads/sew_resnet_7b.toml --hardware "$H1" --layer "$l" $M
  add "explain.sew128k.$l" explain configs/workloads/sew_resnet_7b.toml \
    --hardware configs/hardware/meta_proto_128kb.toml --layer "$l" $M
done
for l in 0 4 12 16; do
  add "explain.red.$l" explain configs/workloads/red_lif.toml --hardware "$H1" --layer "$l" $M
done
add "explain.sew.9.t1" explain configs/workloads/sew_resnet_7b.toml --hardware "$H1" --layer 9 --time-tile 1 $M
add "explain.sew.1.x1" explain configs/workloads/sew_resnet_7b.toml --hardware "$H1" --layer 1 --ox-tile 1 $M

run_one() {  # name \t args
  local name="${1%%$'\t'*}" args="${1#*$'\t'}"
  local f="$out/$name.json"
  # shellcheck disable=SC2086
  local rc=0
  "$stems" $args --json "$f" >/dev/null 2>"$out/$name.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "exit $rc" >"$f"; cat "$out/$name.err" >>"$f"
  fi
  rm -f "$out/$name.err"
}
export -f run_one
export stems out
tr '\n' '\0' <"$jobs_file" | xargs -0 -P "$(nproc)" -I{} bash -c 'run_one "$1"' _ {}

# The default search (one island: reproducible for a seed whatever the thread count), in the stems
# model with padded alignment (a copy of the run file with absolute paths and those two keys).
tmp="$(mktemp -d)"
sed -e "s|\"\.\./|\"$root/configs/|" -e 's|^\[run\]$|[run]\nmodel = "stems"\nalignment = "padded"|' \
  configs/runs/sew_resnet_7b_1mb.toml >"$tmp/run.toml"
"$stems" optimize "$tmp/run.toml" --out "$tmp" --no-report >/dev/null 2>&1
cp "$tmp/pareto.json" "$out/optimize.sew_resnet_7b_1mb.pareto.json"
cp "$tmp/pareto.csv" "$out/optimize.sew_resnet_7b_1mb.pareto.csv"
rm -rf "$tmp" "$jobs_file"

sums() { (cd "$out" && find . -maxdepth 1 -type f -name '*.json' -o -maxdepth 1 -type f -name '*.csv' | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum); }
case "$mode" in
  generate) echo "golden: $(ls "$out" | wc -l) files in $out" ;;
  update) sums >"$expected"; echo "golden: wrote $(wc -l <"$expected") hashes to $expected" ;;
  check)
    if diff <(sums) "$expected" >"$out/.diff"; then
      echo "golden: all $(wc -l <"$expected") outputs byte-identical"
    else
      echo "golden: outputs differ from tests/golden/expected.sha256:" >&2
      grep '^[<>]' "$out/.diff" | awk '{print $1, $3}' | sort -k2 | uniq | head -40 >&2
      echo "(run 'tests/golden/golden.sh generate DIR' with the old and new binaries and diff -r)" >&2
      exit 1
    fi ;;
esac
