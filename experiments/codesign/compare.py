#!/usr/bin/python3
"""Issue 19 item 5: hardware co-search against the best of a hand sweep.

Runs (or, with --reuse, reads) the hand sweep (sweep.toml: every shipped meta_proto_<size>.toml x
STEMS's canonical schedules x two state configurations, a `stems campaign` in evaluate mode) and
the co-searches (sew_hw.toml, red_lif_hw.toml: `stems optimize` with [search.hardware]), then
compares their fronts over (energy_pJ, latency_cycles, area_mm2), all minimised:

  * the 3-D Pareto front of each side (the sweep: of all its evaluations; a co-search: its
    reported front, projected to the three objectives and reduced again);
  * the exact hypervolume of each front and of their union, with one reference point per workload
    (1.1 x the worst value of the union of both fronts on each axis), and the evaluation counts;
  * weak dominance both ways (how many points of one front some point of the other dominates or
    equals);
  * the front designs, and a cross-check that a co-search point which is also a sweep design has
    the sweep's numbers.

--seeds also runs the co-searches with other seeds (stems optimize --seed) at the same budget;
--budgets runs the first seed again with larger evaluation budgets (a copy of the run config with
another `evaluations`, written into --out). Everything is deterministic (evaluations; searches
with a fixed seed and an evaluation budget, one island), so re-running gives the same tables;
only the wall times vary. Python 3.11+ standard library only.

  /usr/bin/python3 experiments/codesign/compare.py [--stems build/stems] [--out out/codesign]
      [--seeds 42,7,1,2,3] [--budgets 300,600,1200,2400] [--reuse] [--markdown FILE]
"""

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Swept hardware: campaign name -> hardware file (the sweep's [[hardware]] axis).
SWEEP_HARDWARE = {
    "128KB": "configs/hardware/meta_proto_128kb.toml",
    "256KB": "configs/hardware/meta_proto_256kb.toml",
    "384KB": "configs/hardware/meta_proto_384kb.toml",
    "512KB": "configs/hardware/meta_proto_512kb.toml",
    "1MB": "configs/hardware/meta_proto_1mb.toml",
    "2MB": "configs/hardware/meta_proto_2mb.toml",
    "64MB": "configs/hardware/meta_proto_64mb.toml",
}
# Workload (the sweep's name) -> (co-search run config, display name).
WORKLOADS = {
    "SEW": ("sew_hw", "SEW-ResNet"),
    "RED-LIF": ("red_lif_hw", "RED-LIF"),
}
GENES = ("hw.sram_1MB.size_bits", "hw.sram_1MB.bw_bits", "hw.sram_32KB.size_bits", "hw.pe.D1.size",
         "hw.link.compute-dram.bandwidth_bits_per_cycle")

# ----------------------------------------------------------------------------- hypervolume


def dominates_weakly(a, b):
    """a <= b on every axis (a dominates or equals b)."""
    return all(x <= y for x, y in zip(a, b))


# Relative tolerance of "covers": the same design evaluated on two hardware configurations that
# differ only where it does not matter sums its energies in another order, so equal numbers can
# differ in the last digits (SEW 384 KB TB-F 5PLIF at width 384 and at 1024: 1 part in 1e15).
COVER_TOLERANCE = 1e-9


def covers(a, b):
    """a dominates or equals b, up to COVER_TOLERANCE on each axis."""
    return all(x <= y * (1 + COVER_TOLERANCE) for x, y in zip(a, b))


def dominates(a, b):
    return dominates_weakly(a, b) and any(x < y for x, y in zip(a, b))


def pareto(points, key=lambda p: p):
    """Non-dominated subset (minimisation); of equal vectors the first is kept."""
    out, seen = [], set()
    for i, p in enumerate(points):
        v = tuple(key(p))
        if v in seen:
            continue
        if any(dominates(tuple(key(q)), v) for j, q in enumerate(points) if j != i):
            continue
        seen.add(v)
        out.append(p)
    return out


def hv2d(points, ref):
    """Area dominated by 2-D points (minimisation) up to ref."""
    pts = sorted(p for p in points if p[0] < ref[0] and p[1] < ref[1])
    area, best_y = 0.0, ref[1]
    for x, y in pts:  # by increasing x; each point adds the strip below the best y so far
        if y < best_y:
            area += (ref[0] - x) * (best_y - y)
            best_y = y
    return area


def hv3d(points, ref):
    """Exact 3-D hypervolume by slicing along the third axis: between consecutive third-axis
    values the dominated cross-section is the 2-D hypervolume of the points at or below it."""
    pts = sorted((p for p in points if all(c < r for c, r in zip(p, ref))), key=lambda p: p[2])
    vol = 0.0
    for i, p in enumerate(pts):
        z_next = pts[i + 1][2] if i + 1 < len(pts) else ref[2]
        if z_next > p[2]:
            vol += hv2d([(q[0], q[1]) for q in pts[: i + 1]], ref[:2]) * (z_next - p[2])
    return vol


def hv_self_test():
    """Known boxes and a brute-force count on an integer grid."""
    assert abs(hv3d([(0, 0, 0)], (1, 2, 3)) - 6) < 1e-12
    assert abs(hv3d([(0, 1, 0), (1, 0, 0)], (2, 2, 2)) - 6) < 1e-12
    assert abs(hv3d([(0, 0, 0), (1, 1, 1)], (2, 2, 2)) - 8) < 1e-12
    pts = [(1, 5, 3), (2, 2, 4), (4, 1, 1), (3, 3, 2), (5, 4, 0), (0, 5, 5)]
    ref = (6, 6, 6)
    n = sum(1 for x in range(6) for y in range(6) for z in range(6)
            if any(p[0] <= x and p[1] <= y and p[2] <= z for p in pts))
    assert abs(hv3d(pts, ref) - n) < 1e-9, (hv3d(pts, ref), n)
    # epsilon indicator: equal fronts 0; a dominated front needs the ratio; a front covering
    # only part of the other one needs the worst point's
    assert epsilon([(1, 2, 3)], [(1, 2, 3)]) == 0
    assert abs(epsilon([(2, 2, 3)], [(1, 2, 3)]) - 1) < 1e-12
    assert abs(epsilon([(1, 1, 1), (3, 3, 0.5)], [(1, 1, 1), (2, 4, 0.4)]) - 0.5) < 1e-12
    assert epsilon([(1, 1, 1)], [(2, 2, 2)]) == 0


# ----------------------------------------------------------------------------- running


def run(cmd, log):
    t0 = time.monotonic()
    with open(log, "w") as f:
        r = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}; see {log}")
    return dt


def hardware_area(stems, path):
    out = subprocess.run([stems, "hardware", path, "--json", "-"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(json.loads(out)["area_mm2"])


def hardware_params(path):
    """The co-search genes' values of a swept file."""
    with open(os.path.join(ROOT, path), "rb") as f:
        t = tomllib.load(f)
    core = t["core"][0]
    mem = {m["name"]: m for m in core["memory"]}
    pe = {d["name"]: d["size"] for d in core["pe_array"]}
    return dict(zip(GENES, (mem["sram_1MB"]["size_bits"], mem["sram_1MB"]["read_bw_bits"],
                            mem["sram_32KB"]["size_bits"], pe["D1"],
                            t["link"][0]["bandwidth_bits_per_cycle"])))


def budget_config(name, evaluations, out_dir):
    """A copy of experiments/codesign/<name>.toml with another evaluation budget and absolute
    paths, written into out_dir (so the shipped file stays the experiment of record)."""
    with open(os.path.join(HERE, name + ".toml")) as f:
        text = f.read()
    text = text.replace('"../../', '"' + ROOT + "/")
    text, n = re.subn(r"(?m)^evaluations = \d+", f"evaluations = {evaluations}", text)
    assert n == 1, "no evaluations budget in " + name
    path = os.path.join(ROOT, out_dir, f"{name}_budget{evaluations}.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


# ----------------------------------------------------------------------------- fronts


def sweep_designs(rows, w, area, params):
    out = []
    for r in rows:
        if r["workload"] != w or r["status"] != "ok":
            continue
        hp = params[r["hardware"]]
        out.append({"side": "sweep", "e": float(r["energy_pJ"]), "l": float(r["latency_cycles"]),
                    "a": area[r["hardware"]], "hw": tuple(hp[g] for g in GENES),
                    "sched": r["schedule"], "state": r["state"], "time": r["time_schedule"],
                    "depth": r["depth_schedule"], "state_bits": r["state_schedule"]})
    return out


def cosearch_designs(path, sweep):
    with open(path) as f:
        pj = json.load(f)
    states = {s["state_bits"]: s["state"] for s in sweep}
    canon = {(s["time"], s["depth"]): s["sched"] for s in sweep}
    out = []
    for pt in pj["front"]:
        o, hw, sch = pt["objectives"], pt["hardware"], pt["schedule"]
        t, d = sch["time_schedule"], sch["depth_schedule"]
        out.append({"side": "co-search", "e": o["energy_pJ"], "l": o["latency_cycles"],
                    "a": o["area_mm2"], "hw": tuple(hw[g] for g in GENES),
                    "sched": canon.get((t, d), f"{t}/{d}"),
                    "state": states.get(sch["state_schedule"], sch["state_schedule"]),
                    "time": t, "depth": d, "state_bits": sch["state_schedule"]})
    return pj, out


def key(d):
    return (d["e"], d["l"], d["a"])


def compare(sweep_front, co):
    """Hypervolumes and weak dominance of a co-search front against the sweep's front."""
    fc = pareto(co, key)
    union = [key(d) for d in sweep_front + fc]
    ref = tuple(1.1 * max(v[i] for v in union) for i in range(3))
    hs = hv3d([key(d) for d in sweep_front], ref)
    hc = hv3d([key(d) for d in fc], ref)
    hu = hv3d([key(d) for d in pareto(sweep_front + fc, key)], ref)
    s_cov = sum(any(covers(key(c), key(s)) for c in fc) for s in sweep_front)
    c_cov = sum(any(covers(key(s), key(c)) for s in sweep_front) for c in fc)
    return {"front": fc, "sweep_front": sweep_front, "ref": ref, "hs": hs, "hc": hc, "hu": hu,
            "s_cov": s_cov,
            "c_cov": c_cov, "eps_c": epsilon([key(d) for d in fc], [key(d) for d in sweep_front]),
            "eps_s": epsilon([key(d) for d in sweep_front], [key(d) for d in fc])}


def uncovered(c):
    """The sweep front points c's co-search front does not cover, each with the co-search point
    of least epsilon to it and that epsilon."""
    out = []
    for s in c["sweep_front"]:
        if any(covers(key(x), key(s)) for x in c["front"]):
            continue
        e, i = nearest([key(x) for x in c["front"]], key(s))
        out.append((s, c["front"][i], e))
    return out


def nearest(a, q):
    """(e, i): point i of the objective tuples a needs the least factor 1 + e on every axis to
    weakly dominate q (e < 0 when it dominates q with room to spare)."""
    return min((max(x / y for x, y in zip(p, q)) - 1, i) for i, p in enumerate(a))


def epsilon(a, b):
    """Multiplicative epsilon indicator (Zitzler et al., IEEE TEC 2003) of front a over front b:
    the smallest e >= 0 such that every point of b is weakly dominated by some point of a scaled
    by (1 + e) on every axis (all objectives positive, minimised). 0: a dominates or equals all
    of b; 0.01: every point of b is within 1 % of a point of a on every axis."""
    return max(0.0, max(nearest(a, q)[0] for q in b))


# ----------------------------------------------------------------------------- formatting


def size_label(bits):
    # the floored STEMS sizes 1,101,004 / 2,202,009 / 3,250,585 bits are 128/256/384 KB x 1.05
    named = {1101004: "128 KB", 2202009: "256 KB", 3250585: "384 KB"}
    if bits in named:
        return named[bits]
    b = bits / 8 / 1024
    return f"{b / 1024:g} MB" if b >= 1024 else f"{b:g} KB"


def design_row(d):
    buf, bw, wsram, d1, link = d["hw"]
    return (f"| {d['side']} | {size_label(buf)} | {bw} | {size_label(wsram)} | {d1} | {link} | "
            f"{d['sched']} | {d['state']} | {d['e'] / 1e6:,.1f} | {d['l'] / 1e6:.3f} | "
            f"{d['a']:.3f} |")


# ----------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stems", default="build/stems", help="stems binary (relative to the repo)")
    ap.add_argument("--out", default="out/codesign", help="output folder (relative to the repo)")
    ap.add_argument("--seeds", default="42",
                    help="co-search seeds, comma-separated; the first is the run of record")
    ap.add_argument("--budgets", default="",
                    help="extra evaluation budgets for the first seed, comma-separated")
    ap.add_argument("--reuse", action="store_true",
                    help="read outputs already in --out instead of running them again")
    ap.add_argument("--markdown", help="also write the tables to this file")
    args = ap.parse_args()
    hv_self_test()
    stems, out = args.stems, args.out
    seeds = [int(s) for s in args.seeds.split(",") if s]
    budgets = [int(b) for b in args.budgets.split(",") if b]
    os.makedirs(os.path.join(ROOT, out), exist_ok=True)
    walls = {}

    def have(d, f):
        return args.reuse and os.path.exists(os.path.join(ROOT, d, f))

    sweep_dir = os.path.join(out, "sweep")
    if not have(sweep_dir, "results.csv"):
        walls["sweep (campaign, --jobs 2)"] = run(
            [stems, "campaign", "experiments/codesign/sweep.toml", "--out", sweep_dir, "--jobs",
             "2", "--no-report"], os.path.join(ROOT, out, "sweep.log"))
    runs = {}  # (workload, seed, budget or None) -> output folder
    for w, (name, _) in WORKLOADS.items():
        for seed in seeds:
            d = os.path.join(out, f"{name}_seed{seed}")
            runs[(w, seed, None)] = d
            if not have(d, "pareto.json"):
                walls[f"{name} seed {seed}"] = run(
                    [stems, "optimize", f"experiments/codesign/{name}.toml", "--seed", str(seed),
                     "--out", d, "--no-report"], os.path.join(ROOT, out, f"{name}_seed{seed}.log"))
        for b in budgets:
            d = os.path.join(out, f"{name}_seed{seeds[0]}_budget{b}")
            runs[(w, seeds[0], b)] = d
            if not have(d, "pareto.json"):
                cfg = budget_config(name, b, out)
                walls[f"{name} seed {seeds[0]} budget {b}"] = run(
                    [stems, "optimize", cfg, "--seed", str(seeds[0]), "--out", d, "--no-report"],
                    os.path.join(ROOT, out, f"{name}_budget{b}.log"))

    area = {h: hardware_area(stems, p) for h, p in SWEEP_HARDWARE.items()}
    params = {h: hardware_params(p) for h, p in SWEEP_HARDWARE.items()}
    with open(os.path.join(ROOT, sweep_dir, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    bad = [r["id"] for r in rows if r["status"] != "ok"]

    lines = []
    p = lines.append
    main_rows, seed_rows, budget_rows, designs, checks = [], [], [], [], []
    for w, (name, wname) in WORKLOADS.items():
        sw = sweep_designs(rows, w, area, params)
        n_sweep = sum(1 for r in rows if r["workload"] == w)
        fs = pareto(sw, key)
        for (rw, seed, b), d in runs.items():
            if rw != w:
                continue
            pj, co = cosearch_designs(os.path.join(ROOT, d, "pareto.json"), sw)
            c = compare(fs, co)
            c.update(evals=pj["evaluations"], infeasible=pj["infeasible"], seed=seed, budget=b)
            if b is None and seed == seeds[0]:
                main_rows.append((wname, n_sweep, len(fs), c))
                designs.append((f"{wname}, seed {seed}", fs, c["front"]))
                # a co-search point with a swept design's genes must have the sweep's numbers
                for x in co:
                    for s in sw:
                        if all(x[k] == s[k] for k in ("hw", "time", "depth", "state_bits")):
                            same = (abs(x["e"] - s["e"]) <= 1e-9 * s["e"] and x["l"] == s["l"]
                                    and abs(x["a"] - s["a"]) < 1e-9)
                            checks.append((wname, s, x, same))
            if b is not None and b == max(budgets):
                designs.append((f"{wname}, co-search with {c['evals']} evaluations", [],
                                c["front"]))
            if b is None:
                seed_rows.append((wname, c))
            else:
                budget_rows.append((wname, c))

    p("Hypervolume over (energy_pJ, latency_cycles, area_mm2), all minimised; reference point per "
      "workload: 1.1 x the worst value of the union of both fronts on each axis. `covers`: points "
      "of the other front that some point of this one dominates or equals (to 1e-9 relative: "
      "floating-point sums). `eps`: multiplicative "
      "epsilon indicator, how much (in %) this front's points must shrink on every axis to cover "
      "every point of the other front (0: it dominates or equals it).")
    p("")
    p("| workload | sweep evaluations | sweep front | sweep HV | co-search evaluations "
      "(infeasible) | co-search front | co-search HV | co-search / sweep | union HV | "
      "sweep / union | co-search / union | sweep covers | co-search covers | sweep eps % | "
      "co-search eps % | reference (pJ, cycles, mm2) |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for wname, n_sweep, n_fs, c in main_rows:
        nfc = len(c["front"])
        p(f"| {wname} | {n_sweep} | {n_fs} | {c['hs']:.4e} | {c['evals']} ({c['infeasible']}) | "
          f"{nfc} | {c['hc']:.4e} | **{c['hc'] / c['hs']:.4f}** | {c['hu']:.4e} | "
          f"{c['hs'] / c['hu']:.4f} | {c['hc'] / c['hu']:.4f} | {c['c_cov']}/{nfc} | "
          f"{c['s_cov']}/{n_fs} | {100 * c['eps_s']:.2f} | {100 * c['eps_c']:.2f} | "
          f"({c['ref'][0]:.4e}, {c['ref'][1]:.4e}, {c['ref'][2]:.2f}) |")
    p("")
    if len(seeds) > 1:
        p(f"Seeds (same configs, `--seed`; the sweep does not depend on a seed):")
        p("")
        p("| workload | seed | co-search evaluations (infeasible) | co-search front | "
          "co-search / sweep HV | sweep points covered | co-search eps % |")
        p("|---|---:|---:|---:|---:|---:|---:|")
        for wname, c in seed_rows:
            p(f"| {wname} | {c['seed']} | {c['evals']} ({c['infeasible']}) | {len(c['front'])} | "
              f"{c['hc'] / c['hs']:.4f} | {c['s_cov']} | {100 * c['eps_c']:.2f} |")
        for wname in dict.fromkeys(wn for wn, _ in seed_rows):
            r = [c["hc"] / c["hs"] for wn, c in seed_rows if wn == wname]
            e = [100 * c["eps_c"] for wn, c in seed_rows if wn == wname]
            p(f"| {wname} | mean of {len(r)} | | | {statistics.mean(r):.4f} "
              f"(min {min(r):.4f}, max {max(r):.4f}) | | max {max(e):.2f} |")
        p("")
    if budget_rows:
        p(f"Larger co-search budgets (seed {seeds[0]}) against the same sweep:")
        p("")
        p("| workload | co-search evaluations (infeasible) | x sweep | co-search front | "
          "co-search / sweep HV | sweep points covered | co-search eps % |")
        p("|---|---:|---:|---:|---:|---:|---:|")
        n_of = {wname: n for wname, n, _, _ in main_rows}
        nfs_of = {wname: nfs for wname, _, nfs, _ in main_rows}
        for wname, c in budget_rows:
            p(f"| {wname} | {c['evals']} ({c['infeasible']}) | {c['evals'] / n_of[wname]:.1f} | "
              f"{len(c['front'])} | {c['hc'] / c['hs']:.4f} | {c['s_cov']}/{nfs_of[wname]} | "
              f"{100 * c['eps_c']:.2f} |")
        p("")
    for wname, fs, fc in designs:
        p(f"{wname}: the lowest-energy front point of each side per top-buffer size (fronts: {len(fc)} co-search"
          + (f", {len(fs)} sweep" if fs else "") + " points; schedule: "
          "canonical name, else time/depth bits per block, block 0 first):")
        p("")
        p("| side | top buffer | width (bits) | weight SRAM | D1 (K) | link (bits/cycle) | "
          "schedule | state | energy uJ | latency Mcycles | area mm2 |")
        p("|---|---|---:|---|---:|---:|---|---|---:|---:|---:|")
        for side in (fc, fs):
            best = {}  # the lowest-energy front point per top-buffer size
            for d in sorted(side, key=lambda d: (d["e"], d["l"], d["a"])):
                best.setdefault(d["hw"][0], d)
            for d in sorted(best.values(), key=lambda d: (d["hw"][0], d["a"])):
                p(design_row(d))
        p("")
    p(f"Sweep front points the seed-{seeds[0]} co-search does not cover, each with the co-search "
      "point nearest by the epsilon indicator and the factor it misses by:")
    p("")
    missed = [(wname, s, near, e) for wname, _, _, c in main_rows for s, near, e in uncovered(c)]
    if missed:
        p("| workload | sweep design | width (bits) | energy uJ | latency Mcycles | area mm2 | "
          "nearest co-search point | its width | energy uJ | latency Mcycles | area mm2 | eps % |")
        p("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        for wname, s, x, e in missed:
            p(f"| {wname} | {size_label(s['hw'][0])} {s['sched']} {s['state']} | {s['hw'][1]} | "
              f"{s['e'] / 1e6:,.1f} | {s['l'] / 1e6:.3f} | {s['a']:.3f} | "
              f"{size_label(x['hw'][0])} {x['sched']} {x['state']} | {x['hw'][1]} | "
              f"{x['e'] / 1e6:,.1f} | {x['l'] / 1e6:.3f} | {x['a']:.3f} | {100 * e:.4f} |")
    else:
        p("(none: the co-search front dominates or equals the sweep front)")
    p("")
    p("Cross-check, co-search front points that are also sweep designs (same genes):")
    p("")
    if checks:
        p("| workload | design | co-search = sweep numbers |")
        p("|---|---|---|")
        for wname, s, x, same in checks:
            what = "yes" if same else (f"NO: {x['e']} vs {s['e']} pJ, {x['l']} vs {s['l']} "
                                       f"cycles, {x['a']} vs {s['a']} mm2")
            p(f"| {wname} | {size_label(s['hw'][0])} {s['sched']} {s['state']} | {what} |")
    else:
        p("(none)")
    p("")
    if bad:
        p(f"Sweep runs with an error status: {', '.join(bad)}")
        p("")
    if walls:
        p("Wall times of this invocation: " +
          ", ".join(f"{k} {v:.1f} s" for k, v in walls.items()))
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
