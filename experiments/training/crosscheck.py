#!/usr/bin/python3
"""Cross-checks one trained model under several state schedules, three ways, on the same encoded
samples (DIR/test_inputs.npy, DIR/test_labels.npy from encode.py):

  1. the training code (snn.py) from the checkpoint, in float32 (as trained) and float64;
  2. evaluate.py on the NIR file (an independent forward pass);
  3. `stems simulate` on the NIR file (dt and the reset rule passed as flags, equal to what the
     file's metadata says, which stems also reads by itself).

Prints a Markdown table (accuracy per way, largest relative density difference per layer between
evaluate.py and stems) and writes everything to --json. Exit status 1 when evaluate.py and stems
differ by more than 0.5 accuracy points or 1 % relative density on a layer.

Example:
  crosscheck.py --checkpoint out/stateful/model.pt --nir out/stateful/model.nir \
      --data out/test10k --states 1111,0111,0011,0000 --json out/crosscheck.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

import snn
import train

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_STEMS = os.path.normpath(os.path.join(HERE, "..", "..", "build", "stems"))


def run_evaluate(nir, data_dir, state, threads):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, os.path.join(HERE, "evaluate.py"), "--nir", nir,
                        "--data", data_dir, "--state", state, "--threads", str(threads),
                        "--json", out.name], check=True, stdout=subprocess.DEVNULL)
        return json.load(open(out.name))


def run_stems(stems, nir, data_dir, states, dt, reset, threads):
    """{state: (accuracy, [density per layer])} from one `stems simulate` run."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [stems, "simulate", nir, "--inputs", os.path.join(data_dir, "test_inputs.npy"),
               "--labels", os.path.join(data_dir, "test_labels.npy"), "--dt-s", repr(dt),
               "--reset", reset, "--threads", str(threads), "--json", out.name]
        for s in states:
            cmd += ["--state-schedule", s]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        report = json.load(open(out.name))
    return {r["state_schedule"]: (r["accuracy"], [layer["density_mean"] for layer in r["layers"]])
            for r in report["runs"]}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="train.py's model.pt")
    p.add_argument("--nir", required=True, help="the NIR file exported with it")
    p.add_argument("--data", required=True, help="encode.py's output directory")
    p.add_argument("--states", default="1" * snn.BLOCKS,
                   help="comma-separated state schedules (default %(default)s)")
    p.add_argument("--stems", default=DEFAULT_STEMS, help="stems binary (default %(default)s)")
    p.add_argument("--threads", type=int, default=1, help="threads for each tool (default 1)")
    p.add_argument("--json", required=True, help="output JSON file")
    args = p.parse_args()
    states = args.states.split(",")
    for s in states:
        try:
            snn.parse_state(s)
        except ValueError as e:
            p.error(str(e))
    for path in (args.checkpoint, args.nir, args.stems):
        if not os.path.isfile(path):
            p.error(f"{path}: no such file")
    if args.threads < 1:
        p.error("--threads must be >= 1")

    torch.set_num_threads(args.threads)
    checkpoint = torch.load(args.checkpoint)
    model = snn.FashionSNN(**checkpoint["config"])
    model.load_state_dict(checkpoint["state_dict"])
    spikes = np.load(os.path.join(args.data, "test_inputs.npy"))
    labels = np.load(os.path.join(args.data, "test_labels.npy")).astype(np.int64)
    stems = run_stems(args.stems, args.nir, args.data, states, snn.DT_S, model.reset,
                      args.threads)
    rows = []
    for s in states:
        acc32, _ = train.evaluate(model.float(), spikes, labels, s, torch.float32)
        acc64, dens64 = train.evaluate(model.double(), spikes, labels, s, torch.float64)
        ev = run_evaluate(args.nir, args.data, s, args.threads)
        st_acc, st_dens = stems[s]
        rel = [abs(a - b) / max(a, b) if max(a, b) > 0 else 0.0
               for a, b in zip(ev["density"], st_dens)]
        rows.append({"state": s, "accuracy_torch_float32": acc32, "accuracy_torch_float64": acc64,
                     "accuracy_evaluate": ev["accuracy"], "accuracy_stems": st_acc,
                     "density_torch_float64": dens64, "density_evaluate": ev["density"],
                     "density_stems": st_dens, "max_rel_density_diff": max(rel)})
        print(f"state {s} done", file=sys.stderr, flush=True)

    ok = all(abs(r["accuracy_evaluate"] - r["accuracy_stems"]) <= 0.005
             and r["max_rel_density_diff"] <= 0.01 for r in rows)
    with open(args.json, "w") as f:
        json.dump({"checkpoint": args.checkpoint, "nir": args.nir, "data": args.data,
                   "samples": int(len(labels)), "layers": list(snn.LAYER_NAMES), "rows": rows,
                   "agree": ok}, f, indent=2)
        f.write("\n")
    print(f"{len(labels)} samples; densities: " + ", ".join(snn.LAYER_NAMES))
    print("| state | torch f32 | torch f64 | evaluate.py | stems | density (evaluate.py) "
          "| max rel. density diff |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for r in rows:
        dens = " ".join(f"{d:.4f}" for d in r["density_evaluate"])
        print(f"| {r['state']} | {r['accuracy_torch_float32']:.4f} "
              f"| {r['accuracy_torch_float64']:.4f} | {r['accuracy_evaluate']:.4f} "
              f"| {r['accuracy_stems']:.4f} | {dens} | {r['max_rel_density_diff']:.2e} |")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
