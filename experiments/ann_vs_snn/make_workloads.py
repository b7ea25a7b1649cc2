#!/usr/bin/python3
"""Workload variants of SEW-ResNet for experiments/ann_vs_snn.toml (experiments/README.md, section 7).

Reads configs/workloads/sew_resnet_7b.toml (the 7PLIF SNN: T = 16, 1-bit spikes, 4-bit weights,
12-bit state) and writes, with the same 30 layers, blocks, shapes and 4-bit weights:

  sew_resnet_7b_ann.toml          the ANN: T = 1, no neuron (no state), 8-bit activations in and
                                  out of every layer (the stem reads one 8-bit frame), 16-bit
                                  partial sums (ZigZag's default, = the 16-bit O register)
  generated/ann_a050.toml         the ANN with half of the activations into layers 1-29 zero (ReLU)
  generated/fashion_ann.toml      the trained Fashion-MNIST SNN (fashion_snn_measured.toml: T = 8,
                                  densities measured by `stems simulate`) as an ANN, the same way
  generated/fashion_snn_dense.toml that SNN without its densities
  generated/snn_T<T>_d<ddd>.toml  the SNN at T timesteps with every layer's input_density and
                                  output_density set to d (an assumed uniform spike density; only a
                                  zero-skipping core reads them); d = 1 writes no density keys

It also writes experiments/ann_vs_snn_reset.toml, the campaign with state_lifecycle "reset".
The first file and the reset campaign are committed; generated/ is not (it is rewritten by every run of this script, the
first step of the commands in experiments/README.md, section 7). Usage:

  /usr/bin/python3 experiments/ann_vs_snn/make_workloads.py [--check]

--check writes nothing and exits 1 when a file differs from what would be written.
"""

import argparse
import pathlib
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE = ROOT / "configs" / "workloads" / "sew_resnet_7b.toml"
# The trained Fashion-MNIST SNN (configs/workloads/fashion_snn.nir, T = 8) with the spike
# densities measured on its 256 shipped test images, every state kept; committed, written by
#   build/stems simulate configs/workloads/fashion_snn.nir --timesteps 8 --weight-bits 4 \
#     --state-bits 12 --inputs configs/workloads/fashion_snn_test/test_inputs.npy \
#     --labels configs/workloads/fashion_snn_test/test_labels.npy \
#     --workload-out experiments/ann_vs_snn/fashion_snn_measured.toml
FASHION = HERE / "fashion_snn_measured.toml"

TIMESTEPS = [1, 2, 4, 8, 16]
DENSITIES = [0.05, 0.1, 0.2, 0.3, 0.5, 1.0]

ANN_DENSITIES = [0.5]   # ReLU sparsity of the ANN (a sensitivity row, not the main comparison)

ANN_ACT_BITS = 8
ANN_PSUM_BITS = 16

# Key order of a layer table as written (everything the source uses, plus the densities).
LAYER_KEYS = ["id", "name", "op", "block", "K", "C", "OY", "OX", "FY", "FX", "stride", "padding",
              "dilation", "input_size", "neuron", "state", "precision", "inputs", "recurrent",
              "input_density", "output_density"]


def value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r}")


def dump(header, workload, layers):
    out = [f"# {line}" if line else "#" for line in header.splitlines()]
    out += ["", "[workload]"]
    out += [f"{k} = {value(v)}" for k, v in workload.items()]
    for layer in layers:
        unknown = set(layer) - set(LAYER_KEYS)
        if unknown:
            raise SystemExit(f"make_workloads.py: unexpected layer keys {sorted(unknown)}")
        out += ["", "[[layer]]"]
        out += [f"{k} = {value(layer[k])}" for k in LAYER_KEYS if k in layer]
    return "\n".join(out) + "\n"


def ann_layers(src):
    """The layers as an ANN: no neuron, no state, no densities, 8-bit activations in and out,
    16-bit partial sums of conv/linear layers, the weights' precision kept."""
    layers = []
    for l in src["layer"]:
        l = dict(l)
        for key in ("neuron", "state", "input_density", "output_density"):
            l.pop(key, None)
        if "precision" in l:  # a flatten has none
            p = {}
            if "W" in l["precision"]:
                p["W"] = l["precision"]["W"]
            p["I"] = ANN_ACT_BITS
            p["O"] = ANN_ACT_BITS
            if l["op"] in ("conv2d", "linear"):
                p["psum"] = ANN_PSUM_BITS
            l["precision"] = p
        layers.append(l)
    return layers


def ann(src):
    layers = ann_layers(src)
    workload = {"name": "sew_resnet_7b_ann",
                "description": "SEW-ResNet topology as an ANN: T=1, no neuron state, 8-bit "
                               "activations, 4-bit weights, 16-bit partial sums",
                "timesteps": 1}
    header = (f"Generated by experiments/ann_vs_snn/make_workloads.py from "
              f"configs/workloads/sew_resnet_7b.toml;\n"
              f"edit the script, not this file.\n\n"
              f"SEW-ResNet (7 blocks, 30 layers, the same shapes and 4-bit weights) as an ANN: "
              f"T = 1, no neuron\nmodel and hence no state, {ANN_ACT_BITS}-bit activations into and "
              f"out of every layer (the stem reads one\n{ANN_ACT_BITS}-bit 2x128x128 frame), "
              f"{ANN_PSUM_BITS}-bit partial sums of conv layers. The residual add sums two\n"
              f"{ANN_ACT_BITS}-bit maps (X on the core's weight path, Y on the input path).")
    return header, workload, layers


def ann_sparse(src, d):
    """The ANN with a fraction d of non-zero activations (after ReLU) into every layer but the
    stem: on a zero-skipping core only its MAC energy scales (8-bit inputs are not spikes)."""
    header, workload, layers = ann(src)
    for l in layers:
        if l["id"] != 0:
            l["input_density"] = d
    workload["name"] = f"sew_resnet_7b_ann_a{round(d * 100):03d}"
    workload["description"] += f", {d} of the activations into layers 1-29 non-zero"
    header = header.replace("edit the script, not this file.", "not committed.")
    header += (f"\nA fraction {d} of the activations into every layer but the stem is non-zero "
               f"(input_density;\non a zero-skipping core only the MAC energy of such a layer "
               f"scales).")
    return header, workload, layers


def fashion_ann(src):
    workload = {"name": "fashion_snn_ann",
                "description": "The Fashion-MNIST SNN's layers as an ANN: T=1, no neuron state, "
                               "8-bit activations, 4-bit weights, 16-bit partial sums",
                "timesteps": 1}
    header = (f"Generated by experiments/ann_vs_snn/make_workloads.py from "
              f"experiments/ann_vs_snn/fashion_snn_measured.toml (not committed).\n\n"
              f"The trained Fashion-MNIST SNN's 7 layers (4 blocks, 4-bit weights) as an ANN: T = 1, "
              f"no neuron\nand no state, {ANN_ACT_BITS}-bit activations (the first conv reads one "
              f"{ANN_ACT_BITS}-bit 28x28 image), {ANN_PSUM_BITS}-bit partial sums.")
    return header, workload, ann_layers(src)


def fashion_dense(src):
    layers = [{k: v for k, v in l.items() if k not in ("input_density", "output_density")}
              for l in src["layer"]]
    workload = dict(src["workload"])
    workload["name"] = "fashion_snn_dense"
    header = (f"Generated by experiments/ann_vs_snn/make_workloads.py from "
              f"experiments/ann_vs_snn/fashion_snn_measured.toml (not committed):\n"
              f"the same SNN (T = 8, 4-bit weights, 12-bit state) without its measured densities.")
    return header, workload, layers


def snn(src, T, d):
    layers = []
    for l in src["layer"]:
        l = dict(l)
        if d < 1.0:
            l["input_density"] = d
            l["output_density"] = d
        layers.append(l)
    workload = dict(src["workload"])
    workload["name"] = f"sew_resnet_7b_T{T}_d{round(d * 100):03d}"
    workload["description"] = (f"SEW-ResNet 7PLIF (sew_resnet_7b.toml) at T={T}, "
                               f"spike density {d} in and out of every layer")
    workload["timesteps"] = T
    header = (f"Generated by experiments/ann_vs_snn/make_workloads.py from "
              f"configs/workloads/sew_resnet_7b.toml (not committed).\n\n"
              f"The 7PLIF SEW-ResNet at T = {T}, every layer's input_density and output_density "
              f"= {d} (an assumed\nuniform spike density; only a zero-skipping core reads them).")
    return header, workload, layers


def reset_campaign(text):
    """experiments/ann_vs_snn.toml with state_lifecycle "reset" (committed; --check keeps it equal)."""
    lines = text.splitlines(keepends=True)
    out, hits = [], 0
    for line in lines:
        if line.startswith('name = "ann_vs_snn"'):
            line, hits = 'name = "ann_vs_snn_reset"\n', hits + 1
        elif line.startswith('state_lifecycle = "carry"'):
            line, hits = ('state_lifecycle = "reset"   # states start at zero on chip and are '
                          'discarded after their last use\n'), hits + 1
        out.append(line)
    if hits != 2:
        raise SystemExit("make_workloads.py: ann_vs_snn.toml lacks its name or state_lifecycle line")
    head = ("# GENERATED by experiments/ann_vs_snn/make_workloads.py: experiments/ann_vs_snn.toml with "
            "state_lifecycle\n# \"reset\" instead of \"carry\" (edit that file, then rerun the "
            "script).\n#\n")
    return head + "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare, write nothing")
    args = ap.parse_args()
    with open(SOURCE, "rb") as f:
        src = tomllib.load(f)
    files = {HERE / "sew_resnet_7b_ann.toml": dump(*ann(src))}
    for d in ANN_DENSITIES:
        files[HERE / "generated" / f"ann_a{round(d * 100):03d}.toml"] = dump(*ann_sparse(src, d))
    for T in TIMESTEPS:
        for d in DENSITIES:
            files[HERE / "generated" / f"snn_T{T}_d{round(d * 100):03d}.toml"] = dump(*snn(src, T, d))
    with open(FASHION, "rb") as f:
        fashion = tomllib.load(f)
    files[HERE / "generated" / "fashion_ann.toml"] = dump(*fashion_ann(fashion))
    files[HERE / "generated" / "fashion_snn_dense.toml"] = dump(*fashion_dense(fashion))
    campaign = (ROOT / "experiments" / "ann_vs_snn.toml").read_text()
    files[ROOT / "experiments" / "ann_vs_snn_reset.toml"] = reset_campaign(campaign)
    stale = []
    for path, text in files.items():
        tomllib.loads(text)  # what we write must parse
        old = path.read_text() if path.exists() else None
        if old == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if args.check:
        for p in stale:
            print(f"differs: {p.relative_to(ROOT)}")
        return 1 if stale else 0
    print(f"make_workloads.py: {len(files)} files ({len(stale)} rewritten) in "
          f"{HERE.relative_to(ROOT)} and experiments/ann_vs_snn_reset.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
