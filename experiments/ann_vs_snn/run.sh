#!/bin/bash
# The whole ANN-versus-SNN experiment (experiments/README.md, section 7), from the repository
# root, after the build:
#   bash experiments/ann_vs_snn/run.sh [OUT]        (default OUT: out/ann_vs_snn)
# 1. writes the workload variants (make_workloads.py: generated/, not committed);
# 2. runs the campaign with state_lifecycle "carry" (the default) into OUT/carry and its
#    "reset" copy into OUT/reset (294 runs each; their tables and logs in OUT/*.log);
# 3. prints the tables of section 7 (tables.py) and saves them as OUT/section7.md.
# STEMS=path/to/stems overrides build/stems; extra campaign flags (e.g. --no-report) in
# STEMS_CAMPAIGN_FLAGS.
set -euo pipefail
out=${1:-out/ann_vs_snn}
stems=${STEMS:-build/stems}
mkdir -p "$out"
/usr/bin/python3 experiments/ann_vs_snn/make_workloads.py
for lc in carry reset; do
  campaign=experiments/ann_vs_snn.toml
  [ "$lc" = reset ] && campaign=experiments/ann_vs_snn_reset.toml
  rm -rf "${out:?}/$lc"
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  "$stems" campaign "$campaign" --out "$out/$lc" --jobs 2 ${STEMS_CAMPAIGN_FLAGS:-} >"$out/$lc.log" 2>&1 ||
    { tail -5 "$out/$lc.log" >&2; exit 1; }
  echo "campaign $lc: $(grep -c ',ok,' "$out/$lc/results.csv") runs ok in" \
       "$(( ($(date +%s%N) - start) / 1000000000 )).$(( ($(date +%s%N) - start) / 100000000 % 10 )) s -> $out/$lc"
done
/usr/bin/python3 experiments/ann_vs_snn/tables.py "$out/carry" "$out/reset" | tee "$out/section7.md"
