#!/usr/bin/python3
"""stems from Python, as one would in a notebook: load a NIR model, evaluate three schedules, run a
small search of schedules and per-block neuron states with accuracy from simulation, and plot the
front. Runs as a script (CI runs it):

    PYTHONPATH=build/python /usr/bin/python3 experiments/notebook.py --out out/notebook

Writes DIR/front.png (energy vs latency, colour = accuracy) and DIR/front.csv, and prints the
tables. Every value comes back as plain dicts and lists (pandas.DataFrame(...) takes them).
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

import stems  # noqa: E402  (PYTHONPATH=build/python)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MODEL = os.path.join(ROOT, "configs", "workloads", "fashion_snn.nir")
TEST = os.path.join(ROOT, "configs", "workloads", "fashion_snn_test")
HARDWARE = os.path.join(ROOT, "configs", "hardware", "meta_proto_1mb.toml")
# NIR carries no precisions: 4-bit weights and 12-bit states fit the Meta-prototype-like core.
NIR = dict(timesteps=8, weight_bits=4, state_bits=12)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="out/notebook", help="output folder (default out/notebook)")
    ap.add_argument("--generations", type=int, default=4, help="search generations (default 4)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    # 1. The model as stems sees it.
    net = stems.inspect(MODEL, **NIR)
    print(f"{net['workload']}: {len(net['layers'])} layers, "
          f"{net['totals']['state_bits']:,} state bits, {net['totals']['ops']:,} operations")

    # 2. Three schedules (per-block bit strings: time 1 = all timesteps in one node, depth 1 =
    #    one output column per node).
    blocks = 1 + max(layer["block"] for layer in net["layers"])
    print(f"\n{'schedule':10} {'energy uJ':>10} {'latency cycles':>15} {'off-chip uJ':>12}")
    for name, time, depth in [("TB-LBL", "1", "0"), ("TB-F", "1", "1"), ("ST-LBL", "0", "0")]:
        r = stems.evaluate(workload=MODEL, hardware=HARDWARE, time_schedule=time * blocks,
                           depth_schedule=depth * blocks, **NIR)
        print(f"{name:10} {r['energy_pJ'] / 1e6:10.2f} {r['latency_cycles']:15,.0f} "
              f"{r['offchip']['energy_pJ'] / 1e6:12.2f}")

    # 3. A small search: schedules and per-block state keep/drop, accuracy simulated on the
    #    shipped encoded test subset (dt and the reset rule come from the file).
    run = {
        "run": {"name": "notebook", "workload": MODEL, "hardware": HARDWARE, "seed": 1},
        "search": {"space": "stems", "free_state_blocks": list(range(blocks))},
        "algorithm": {"name": "nsga2", "population": 16, "generations": a.generations},
        "accuracy": {"simulate": {"inputs": os.path.join(TEST, "test_inputs.npy"),
                                  "labels": os.path.join(TEST, "test_labels.npy"),
                                  "samples": 128}},
        "nir": NIR,
    }
    front = stems.optimize(run, out=os.path.join(a.out, "search"))
    print(f"\nfront: {len(front)} points")
    print(f"{'energy uJ':>10} {'latency cycles':>15} {'state bits':>11} {'accuracy':>9}  state")
    rows = []
    for p in front:
        o = p["objectives"]
        rows.append({"energy_pJ": o["energy_pJ"], "latency_cycles": o["latency_cycles"],
                     "state_bits": o["state_bits"], "accuracy": o["accuracy"],
                     "time": p["schedule"]["time_schedule"],
                     "depth": p["schedule"]["depth_schedule"],
                     "state": p["schedule"]["state_schedule"]})
        print(f"{o['energy_pJ'] / 1e6:10.2f} {o['latency_cycles']:15,.0f} {o['state_bits']:11,.0f} "
              f"{o['accuracy']:9.3f}  {p['schedule']['state_schedule']}")
    with open(os.path.join(a.out, "front.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    # 4. The front: energy against latency, coloured by accuracy.
    fig, ax = plt.subplots(figsize=(6, 4))
    sc = ax.scatter([r["latency_cycles"] for r in rows], [r["energy_pJ"] / 1e6 for r in rows],
                    c=[r["accuracy"] for r in rows], cmap="viridis")
    fig.colorbar(sc, label="accuracy (simulated)")
    ax.set_xlabel("latency (cycles)")
    ax.set_ylabel("energy (uJ)")
    ax.set_title(f"{net['workload']} on {os.path.basename(HARDWARE)}: Pareto front")
    fig.tight_layout()
    png = os.path.join(a.out, "front.png")
    fig.savefig(png, dpi=120)
    print(f"\nwrote {png} and {os.path.join(a.out, 'front.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
