#!/usr/bin/env bash
# CTest: writes the reports of a search run and of a campaign and loads each in headless Chromium
# (tests/report/check_report.mjs): no console errors, every plot drawn, and the number of points
# each plot must have (from pareto.json, chosen.json and results.csv, counted independently of the
# page's own script). Exit 77 (skipped) when Chromium or the npm packages are not installed.
#   test_report_chromium.sh STEMS SOURCE_DIR WORK_DIR
set -euo pipefail
stems=$1 src=$2 work=$3
web=$src/src/report/web/node_modules
if [[ ! -x /usr/bin/chromium || ! -d $web/playwright-core || ! -f $web/plotly.js-dist-min/plotly.min.js ]]; then
  echo "skipped: needs /usr/bin/chromium and 'npm ci --prefix src/report/web' (bash .ci/setup)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"

# 1. A search run: front, breakdowns, timeline, memory occupancy.
"$stems" optimize "$src/configs/runs/sew_resnet_7b_1mb.toml" --out "$work/run" --threads 2 > "$work/run.log"
test -f "$work/run/report.html"
node -e '
const fs = require("fs");
const dir = process.argv[1];
const p = JSON.parse(fs.readFileSync(dir + "/pareto.json"));
const c = JSON.parse(fs.readFileSync(dir + "/chosen.json"));
const operands = new Set(c.breakdown.map((b) => b.operand));
const components = new Set(c.breakdown.map((b) => b.component));
const opsLayers = new Set(c.breakdown.map((b) => b.operand));
fs.writeFileSync(dir + "/expect.json", JSON.stringify({
  plots: 5,
  points: {
    front: p.front.length,
    "breakdown-operand": operands.size * components.size,
    "breakdown-layer": opsLayers.size * c.layers.length,
    timeline: c.nodes.length + c.transfers.length,
    memory: 1,
  },
}));' "$work/run"
node "$src/tests/report/check_report.mjs" "$work/run/report.html" "$work/run/expect.json" "$work/run.png"

# 2. A campaign: ratio table and sweep plots (one bar per run and plot).
"$stems" campaign "$src/experiments/schedules.toml" --out "$work/campaign" --jobs 2 > "$work/campaign.log" 2>&1
runs=$(($(wc -l < "$work/campaign/results.csv") - 1))
echo "{\"plots\": 2, \"points\": {\"sweep-0-0\": $runs, \"sweep-1-0\": $runs}}" > "$work/campaign/expect.json"
node "$src/tests/report/check_report.mjs" "$work/campaign/report.html" "$work/campaign/expect.json" "$work/campaign.png"
# 3. A co-design run: the front coloured by area, the chosen point's hardware.
cat > "$work/hw.toml" <<EOF
[run]
workload = "$src/configs/workloads/sew_layer9.toml"
hardware = "$src/configs/hardware/meta_proto_1mb.toml"
seed = 3
[search]
space = "full"
[search.hardware]
sram_1MB.size_bits = [4194304, 8388608, 16777216]
pe.D1.size = [16, 32]
[algorithm]
population = 8
generations = 2
EOF
"$stems" optimize "$work/hw.toml" --out "$work/hw" > "$work/hw.log" 2>&1
node -e '
const fs = require("fs");
const dir = process.argv[1];
const p = JSON.parse(fs.readFileSync(dir + "/pareto.json"));
const c = JSON.parse(fs.readFileSync(dir + "/chosen.json"));
fs.writeFileSync(dir + "/expect.json", JSON.stringify({
  plots: 5,
  points: { front: p.front.length, timeline: c.nodes.length + c.transfers.length },
  text: ["area (mm2)", "its hardware", "hw.sram_1MB.size_bits", "hw.pe.D1.size"],
}));' "$work/hw"
node "$src/tests/report/check_report.mjs" "$work/hw/report.html" "$work/hw/expect.json" "$work/hw.png"
echo "reports render: run, campaign and co-design run"
