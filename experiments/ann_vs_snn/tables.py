#!/usr/bin/python3
"""The tables of experiments/README.md, section 7, from the outputs of experiments/ann_vs_snn.toml
(state_lifecycle "carry") and, optionally, of its "reset" copy:

  /usr/bin/python3 experiments/ann_vs_snn/tables.py out/ann_vs_snn/carry [out/ann_vs_snn/reset]

Reads DIR/results.csv (and, for the weight-read sensitivity, DIR/runs/<id>.json) and prints
markdown. Break-even densities: on a zero-skipping core a schedule's energy is affine in the
spike density (the loop nest is chosen for dense data; MAC energy and spike traffic scale with
the density, everything else does not), E(d) = a + b d. The script fits a and b to the six
densities of the grid, checks that the fit is exact (to 1e-9 relative) and solves
E(d*) = E(ANN, same schedule): below d* the SNN needs less energy than the ANN.
"""

import csv
import json
import pathlib
import sys

TS = [1, 2, 4, 8, 16]
DS = [0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
SCHEDULES = ["TB-F", "ST-LBL", "TB-LBL", "ST-F", "HY-2"]
STATES = ["7PLIF", "5PLIF", "0PLIF"]
HW = "8b-ZS"


def snn(t, d):
    return f"SNN-T{t}-d{round(d * 100):03d}"


def load(directory):
    rows = {}
    with open(pathlib.Path(directory) / "results.csv") as f:
        for r in csv.DictReader(f):
            if r["status"] != "ok":
                sys.exit(f"tables.py: run {r['id']} failed: {r['message']}")
            rows[(r["workload"], r["hardware"], r["schedule"], r["state"])] = r
    return rows


def e(rows, w, s, st, hw=HW):
    return float(rows[(w, hw, s, st)]["energy_pJ"])


def ann(rows, s):
    return e(rows, "ANN-SEW", s, "ANN")


def mj(pj):
    return f"{pj / 1e9:.4f}"


def fit(points):
    """Least squares a + b d through [(d, E)]; returns a, b and the largest relative residual."""
    n = len(points)
    sx = sum(d for d, _ in points)
    sy = sum(y for _, y in points)
    sxx = sum(d * d for d, _ in points)
    sxy = sum(d * y for d, y in points)
    b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    a = (sy - b * sx) / n
    res = max(abs(a + b * d - y) / y for d, y in points)
    return a, b, res


def breakeven(a, b, target):
    if b <= 0:
        return None
    return (target - a) / b


def fmt_d(d):
    if d is None:
        return "-"
    if d < 0:
        return "never"
    if d >= 1:
        return f"always ({d:.2f})"
    star = "" if d >= DS[0] else "*"
    return f"{d:.3f}{star}"


def weight_buffer_pJ(directory, run_id):
    """Energy of the weight-path reads from the 32 KB weight buffer (W, and an add's X)."""
    rec = json.loads((pathlib.Path(directory) / "runs" / f"{run_id}.json").read_text())
    return sum(b["energy_pJ"] for b in rec["breakdown"]
               if b["operand"] in ("W", "X") and b["component"] == "sram_32KB")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    carry_dir = sys.argv[1]
    carry = load(carry_dir)
    reset = load(sys.argv[2]) if len(sys.argv) == 3 else None

    # ---- main table: T = 16, every schedule ----
    variants = [("ANN-SEW", "ANN", "ANN, SEW topology (8-bit act., 4-bit W)"),
                ("ANN-SEW-a050", "ANN", "ANN, SEW, 50% of activations zero"),
                ("ResNet18", "ANN-R18", "ANN, ResNet-18 (ONNX, 8-bit W and act.)")]
    for d, dn in [(1.0, "dense"), (0.1, "d = 0.1"), (0.05, "d = 0.05")]:
        for st in STATES:
            variants.append((snn(16, d), st, f"SNN T=16, {st}, {dn}"))
    print("Energy in mJ (and relative to the ANN with the same schedule), T = 16, carry:\n")
    print("| network | state bits | " + " | ".join(SCHEDULES) + " |")
    print("|---|---:|" + "---:|" * len(SCHEDULES))
    for w, st, label in variants:
        r0 = carry[(w, HW, SCHEDULES[0], st)]
        cells = []
        for s in SCHEDULES:
            en = e(carry, w, s, st)
            rel = "" if w.startswith("ANN-SEW") and w == "ANN-SEW" else f" ({en / ann(carry, s):.2f}x)"
            if w == "ResNet18":
                rel = ""
            cells.append(mj(en) + rel)
        print(f"| {label} | {int(r0['state_bits']):,} | " + " | ".join(cells) + " |")
    if reset:
        for d, dn in [(1.0, "dense"), (0.1, "d = 0.1")]:
            for st in STATES:
                w = snn(16, d)
                cells = [f"{mj(e(reset, w, s, st))} ({e(reset, w, s, st) / ann(reset, s):.2f}x)"
                         for s in SCHEDULES]
                bits = int(reset[(w, HW, 'TB-F', st)]['state_bits'])
                print(f"| SNN T=16, {st}, {dn}, reset | {bits:,} | " + " | ".join(cells) + " |")

    print("\nLatency in million cycles / off-chip traffic in Mbit, T = 16, carry:\n")
    print("| network | " + " | ".join(SCHEDULES) + " |")
    print("|---|" + "---:|" * len(SCHEDULES))
    for w, st, label in variants:
        if w == "ANN-SEW-a050" or "0.05" in label:
            continue
        cells = []
        for s in SCHEDULES:
            r = carry[(w, HW, s, st)]
            cells.append(f"{float(r['latency_cycles']) / 1e6:.2f} / {int(r['offchip_bits']) / 1e6:.1f}")
        print(f"| {label} | " + " | ".join(cells) + " |")

    # ---- measured densities: the trained Fashion-MNIST SNN ----
    print("\nMeasured densities: the trained Fashion-MNIST SNN (T = 8, every state kept) and its "
          "layers as an ANN; energy in uJ (relative to that ANN under the same schedule), "
          "latency in cycles:\n")
    print("| network | lifecycle | state bits | " + " | ".join(SCHEDULES) + " | latency TB-F |")
    print("|---|---|---:|" + "---:|" * (len(SCHEDULES) + 1))
    fashion = [("ANN-Fashion", "F-ANN", "ANN (8-bit act., 4-bit W)"),
               ("SNN-Fashion-dense", "F-1111", "SNN, dense"),
               ("SNN-Fashion-measured", "F-1111", "SNN, measured densities")]
    for lc, rows in [("carry", carry)] + ([("reset", reset)] if reset else []):
        for w, st, label in fashion:
            if w.startswith("ANN") and lc == "reset":
                continue
            cells = []
            for s in SCHEDULES:
                en = e(rows, w, s, st)
                base = e(rows, "ANN-Fashion", s, "F-ANN")
                cells.append(f"{en / 1e6:.2f}" + ("" if w.startswith("ANN") else f" ({en / base:.2f}x)"))
            r = rows[(w, HW, "TB-F", st)]
            print(f"| {label} | {'-' if w.startswith('ANN') else lc} | {int(r['state_bits']):,} | "
                  + " | ".join(cells) + f" | {int(float(r['latency_cycles'])):,} |")

    # ---- where the energy goes (TB-F, T = 16) ----
    print("\nTB-F, T = 16, carry: energy by operand in uJ (MAC = compute):\n")
    print("| network | MAC | weights W | activations I/O | state V | total |")
    print("|---|---:|---:|---:|---:|---:|")
    for w, st, label in variants:
        if w == "ResNet18" or "0.05" in label:
            continue
        rid = carry[(w, HW, "TB-F", st)]["id"]
        rec = json.loads((pathlib.Path(carry_dir) / "runs" / f"{rid}.json").read_text())
        agg = {"MAC": 0.0, "W": 0.0, "act": 0.0, "V": 0.0}
        for b in rec["breakdown"]:
            op = b["operand"]
            key = "MAC" if op == "MAC" else "W" if op == "W" else "V" if op == "V" else "act"
            agg[key] += b["energy_pJ"]
        tot = rec["energy_pJ"]
        print(f"| {label} | {agg['MAC'] / 1e6:.1f} | {agg['W'] / 1e6:.1f} | {agg['act'] / 1e6:.1f} | "
              f"{agg['V'] / 1e6:.1f} | {tot / 1e6:.1f} |")

    # ---- break-even densities ----
    def table_dstar(rows, label):
        cols = [(s, st) for s in ("TB-F", "ST-LBL") for st in STATES]
        print(f"\nBreak-even spike density d* ({label}): the SNN needs less energy than the ANN "
              f"with the same schedule below d*:\n")
        best_cols = [("ST-LBL", "5PLIF"), ("ST-LBL", "0PLIF")]
        ann_best = min(ann(rows, s) for s in SCHEDULES)
        head = " | ".join(f"{s} {st}" for s, st in cols)
        head += " | " + " | ".join(f"{s} {st} vs ANN's best" for s, st in best_cols)
        extra = ""
        print(f"| T | {head}{extra} |")
        print("|---:|" + "---:|" * (len(cols) + len(best_cols)))
        worst = 0.0
        for t in TS:
            cells = []
            for s, st in cols:
                pts = [(d, e(rows, snn(t, d), s, st)) for d in DS]
                a, b, res = fit(pts)
                worst = max(worst, res)
                cells.append(fmt_d(breakeven(a, b, ann(rows, s))))
            for s, st in best_cols:
                a, b, _ = fit([(d, e(rows, snn(t, d), s, st)) for d in DS])
                cells.append(fmt_d(breakeven(a, b, ann_best)))
            print(f"| {t} | " + " | ".join(cells) + " |")
        print(f"\n(largest relative residual of the affine fits: {worst:.1e})")

    table_dstar(carry, "carry: states start in DRAM and are written back")
    if reset:
        table_dstar(reset, "reset: states start at zero on chip and are discarded")

    # ---- sensitivity of the break-even density (TB-F, 5PLIF, carry) ----
    ann_mac = float(carry[("ANN-SEW", HW, "TB-F", "ANN")]["mac_energy_pJ"])
    print("\nSensitivity of d* (TB-F, 5PLIF, carry) to what the model assumes:\n")
    print("| T | as modelled | ANN with 50% zero activations (MAC skipped) | ANN MAC at 0.32 pJ "
          "(8b x 4b = 2x the 4-bit MAC) | SNN weight-buffer reads scaled with d | both of the last two |")
    print("|---:|---:|---:|---:|---:|---:|")
    for t in TS:
        plain, scaled = [], []
        for d in DS:
            r = carry[(snn(t, d), HW, "TB-F", "5PLIF")]
            wb = weight_buffer_pJ(carry_dir, r["id"])
            plain.append((d, float(r["energy_pJ"])))
            scaled.append((d, float(r["energy_pJ"]) - (1 - d) * wb))
        a, b, _ = fit(plain)
        a2, b2, _ = fit(scaled)
        base = ann(carry, "TB-F")
        cells = [fmt_d(breakeven(a, b, base)),
                 fmt_d(breakeven(a, b, e(carry, "ANN-SEW-a050", "TB-F", "ANN"))),
                 fmt_d(breakeven(a, b, base + ann_mac)),
                 fmt_d(breakeven(a2, b2, base)),
                 fmt_d(breakeven(a2, b2, base + ann_mac))]
        print(f"| {t} | " + " | ".join(cells) + " |")

    # ---- the largest T at which the SNN wins, per density ----
    def largest_t(rows, s, st, d, target):
        wins = [t for t in TS if e(rows, snn(t, d), s, st) < target]
        if not wins:
            return "none"
        top = max(wins)
        gaps = [t for t in TS if t < top and t not in wins]
        return f"T <= {top}" + (" (not all)" if gaps else "")

    print("\nLargest T of the grid at which the SNN needs less energy than the ANN (carry / reset):\n")
    cols = [(s, st, False) for s in ("TB-F", "ST-LBL") for st in STATES]
    cols += [("ST-LBL", "5PLIF", True)]
    print("| density | " + " | ".join(f"{s} {st}" + (" vs ANN's best" if b else "")
                                       for s, st, b in cols) + " |")
    print("|---:|" + "---:|" * len(cols))
    for d in DS:
        cells = []
        for s, st, best in cols:
            out = []
            for rows in [carry] + ([reset] if reset else []):
                target = min(ann(rows, x) for x in SCHEDULES) if best else ann(rows, s)
                out.append(largest_t(rows, s, st, d, target))
            cells.append(" / ".join(out))
        print(f"| {d} | " + " | ".join(cells) + " |")

    # ---- T = 16, every schedule: how far from break-even ----
    print("\nT = 16, every schedule (carry): the SNN's energy as d -> 0 (the affine fit's intercept) "
          "relative to the ANN with the same schedule, and the break-even d* if the weight-buffer "
          "reads scaled with the spike density too:\n")
    print("| schedule | ANN mJ | " + " | ".join(f"{st} floor" for st in STATES) + " | "
          + " | ".join(f"{st} d*, weight reads scaled" for st in STATES) + " |")
    print("|---|---:|" + "---:|" * (2 * len(STATES)))
    for s in SCHEDULES:
        floors, scaled = [], []
        for st in STATES:
            a, b, _ = fit([(d, e(carry, snn(16, d), s, st)) for d in DS])
            floors.append(f"{a / ann(carry, s):.2f}x")
            pts = []
            for d in DS:
                r = carry[(snn(16, d), HW, s, st)]
                wb = weight_buffer_pJ(carry_dir, r["id"])
                pts.append((d, float(r["energy_pJ"]) - (1 - d) * wb))
            a, b, _ = fit(pts)
            scaled.append(fmt_d(breakeven(a, b, ann(carry, s))))
        print(f"| {s} | {mj(ann(carry, s))} | " + " | ".join(floors) + " | " + " | ".join(scaled) + " |")

    # ---- ratio grids ----
    for s, st in [("TB-F", "5PLIF"), ("ST-LBL", "5PLIF"), ("TB-F", "7PLIF")]:
        print(f"\nSNN energy / ANN energy, {s}, {st}, carry (below 1: the SNN wins):\n")
        print("| T | " + " | ".join(f"d = {d}" for d in DS) + " |")
        print("|---:|" + "---:|" * len(DS))
        for t in TS:
            cells = []
            for d in DS:
                ratio = e(carry, snn(t, d), s, st) / ann(carry, s)
                cells.append(f"**{ratio:.2f}**" if ratio < 1 else f"{ratio:.2f}")
            print(f"| {t} | " + " | ".join(cells) + " |")

    # ---- the 4-bit core for the SNN ----
    print("\nThe SNN on the unmodified 4-bit-register core (meta_proto_1mb_zero_skip) vs the "
          "8-bit one, T = 16, carry:\n")
    print("| SNN | schedule | state | energy 4b mJ | energy 8b mJ | latency 4b | latency 8b |")
    print("|---|---|---|---:|---:|---:|---:|")
    for d in (1.0, 0.1):
        for s in SCHEDULES:
            for st in STATES:
                r4 = carry[(snn(16, d), "4b-ZS", s, st)]
                r8 = carry[(snn(16, d), HW, s, st)]
                if r4["energy_pJ"] == r8["energy_pJ"] and r4["latency_cycles"] == r8["latency_cycles"]:
                    continue
                print(f"| d = {d} | {s} | {st} | {mj(float(r4['energy_pJ']))} | "
                      f"{mj(float(r8['energy_pJ']))} | {int(float(r4['latency_cycles'])):,} | "
                      f"{int(float(r8['latency_cycles'])):,} |")


if __name__ == "__main__":
    main()
