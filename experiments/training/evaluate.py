#!/usr/bin/python3
"""Evaluates a NIR file on encoded samples with its own PyTorch (float64) forward pass: an
implementation independent of stems and of the training code, to cross-check `stems simulate`.

It reads the NIR HDF5 with h5py and builds the layers as stems' importer does (a synaptic node
followed by its neuron node is one layer; pooling and Flatten are layers of their own, except a
Flatten of the network input; a new block starts at every weighted layer), then runs them with
stems' semantics (include/stems/simulate/neuron.hpp): LIF forward Euler
v <- v + dt/tau * ((v_leak - v) + r*I), a spike when v > v_threshold, then v = v_reset or
(--reset subtract) v -= v_threshold; a stateless block restarts from v = 0 every timestep; the
prediction is the output layer's largest spike count (ties to the lower class; none when silent).

Supported: a chain Input -> ... -> Output of Conv2d, Affine, Linear, SumPool2d, AvgPool2d,
Flatten and LIF nodes (what train.py exports). dt and the reset rule come from the graph metadata
(/node/metadata/dt, /node/metadata/reset) unless given.

Writes --json OUT: {"accuracy": fraction, "density": [per layer], "layers": [...], ...}, density
= mean over samples and timesteps of the fraction of non-zero outputs of each layer, in the order
of `stems inspect`.

Example:
  evaluate.py --nir configs/workloads/fashion_snn.nir --data configs/workloads/fashion_snn_test \
      --state 0111 --json out.json
"""

import argparse
import json
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

WEIGHTED = ("Conv2d", "Affine", "Linear")
SYNAPTIC = WEIGHTED + ("SumPool2d", "AvgPool2d")
NEURON_KEYS = ("tau", "r", "v_leak", "v_threshold", "v_reset")


class NirError(Exception):
    pass


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def read_nir(path):
    """(nodes {name: {"type": str, key: np.ndarray}}, edges [(src, dst)], metadata {key: value})."""
    with h5py.File(path, "r") as f:
        if "node" not in f or "nodes" not in f["node"]:
            raise NirError(f"{path}: not a NIR file (no /node/nodes)")
        graph = f["node"]
        nodes = {}
        for name, group in graph["nodes"].items():
            node = {key: group[key][()] for key in group.keys()}
            node["type"] = _text(node["type"])
            nodes[name] = node
        edges = [(_text(a), _text(b)) for a, b in graph["edges"][()]]
        metadata = {}
        if "metadata" in graph:
            metadata = {k: v[()] for k, v in graph["metadata"].items()}
    return nodes, edges, metadata


def build_layers(nodes, edges):
    """The layers in order: dicts with name, type, params, block, and neuron (params or None)."""
    succ = {name: [] for name in nodes}
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise NirError(f"edge {a} -> {b} names an unknown node")
        succ[a].append(b)
    inputs = [n for n, node in nodes.items() if node["type"] == "Input"]
    if len(inputs) != 1:
        raise NirError(f"expected one Input node, found {len(inputs)}")
    chain, seen = [inputs[0]], {inputs[0]}
    while nodes[chain[-1]]["type"] != "Output":
        nxt = succ[chain[-1]]
        if len(nxt) != 1 or nxt[0] in seen:
            raise NirError(f"node '{chain[-1]}' has {len(nxt)} successors; only feed-forward "
                           "chains Input -> ... -> Output are supported")
        chain.append(nxt[0])
        seen.add(nxt[0])
    if len(seen) != len(nodes):
        raise NirError("nodes outside the chain from the Input node are not supported")

    layers, block = [], -1
    for prev, name in zip(chain, chain[1:]):
        node, kind = nodes[name], nodes[name]["type"]
        if kind == "LIF":
            if not layers or layers[-1]["name"] != prev or layers[-1]["type"] not in SYNAPTIC \
                    or layers[-1]["neuron"] is not None:
                raise NirError(f"LIF node '{name}' does not follow a synaptic node")
            layers[-1]["neuron"] = node
        elif kind in SYNAPTIC or (kind == "Flatten" and nodes[prev]["type"] != "Input"):
            if kind in WEIGHTED or block < 0:
                block += 1
            layers.append({"name": name, "type": kind, "params": node, "block": block,
                           "neuron": None})
        elif kind not in ("Flatten", "Output"):
            raise NirError(f"node '{name}': type {kind} is not supported by evaluate.py")
    return layers


def _pair(value):
    v = np.atleast_1d(np.asarray(value, dtype=np.int64))
    return (int(v[0]), int(v[-1]))


def synapse(layer, x):
    """The layer's synaptic output for a batch x (M x ...), float64."""
    p, kind = layer["params"], layer["type"]
    if kind == "Conv2d":
        bias = torch.from_numpy(np.asarray(p["bias"], dtype=np.float64)) if "bias" in p else None
        return F.conv2d(x, torch.from_numpy(np.asarray(p["weight"], dtype=np.float64)), bias,
                        stride=_pair(p.get("stride", 1)), padding=_pair(p.get("padding", 0)),
                        dilation=_pair(p.get("dilation", 1)), groups=int(p.get("groups", 1)))
    if kind in ("Affine", "Linear"):
        weight = torch.from_numpy(np.asarray(p["weight"], dtype=np.float64))
        bias = torch.from_numpy(np.asarray(p["bias"], dtype=np.float64)) \
            if kind == "Affine" and "bias" in p else None
        return F.linear(x.flatten(1), weight, bias)
    if kind in ("SumPool2d", "AvgPool2d"):
        k = _pair(p["kernel_size"])
        return F.avg_pool2d(x, k, stride=_pair(p.get("stride", p["kernel_size"])),
                            padding=_pair(p.get("padding", 0)), count_include_pad=True,
                            divisor_override=1 if kind == "SumPool2d" else None)
    return x.flatten(1)  # Flatten, C order


def neuron_params(neuron, shape, dt):
    """dt/tau, r, v_leak, v_threshold, v_reset as float64 tensors of the population shape."""
    def get(key, default):
        if key not in neuron:
            if default is None:
                raise NirError(f"LIF node without '{key}'")
            return torch.full(shape, float(default), dtype=torch.float64)
        v = torch.from_numpy(np.asarray(neuron[key], dtype=np.float64))
        return v.reshape(shape) if v.numel() > 1 else torch.full(shape, float(v.flatten()[0]),
                                                                 dtype=torch.float64)
    tau = get("tau", None)
    if not bool((tau >= dt).all()):
        raise NirError(f"dt = {dt} s exceeds a tau (forward Euler needs dt <= tau)")
    return dt / tau, get("r", 1.0), get("v_leak", 0.0), get("v_threshold", None), \
        get("v_reset", 0.0)


def run(layers, spikes, state, dt, reset):
    """For a batch of input spikes (T x B x ...): the output spike counts (B x classes), the
    non-zero outputs of every layer (summed over T and B) and every layer's output size."""
    T, B = spikes.shape[:2]
    x = spikes.flatten(0, 1)
    nonzero, sizes = [], []
    for layer in layers:
        y = synapse(layer, x)
        if layer["neuron"] is not None:
            current = y.unflatten(0, (T, B))
            leak, r, v_leak, threshold, v_reset = neuron_params(layer["neuron"],
                                                                current.shape[2:], dt)
            stateful = state[layer["block"]] == "1"
            v = torch.zeros_like(current[0])
            out = []
            for i in current.unbind(0):
                if not stateful:
                    v = torch.zeros_like(i)
                v = v + leak * ((v_leak - v) + r * i)
                fire = v > threshold
                out.append(fire.to(torch.float64))
                v = torch.where(fire, v - threshold if reset == "subtract" else v_reset, v)
            y = torch.stack(out).flatten(0, 1)
        nonzero.append(int((y != 0).sum()))
        sizes.append(y[0].numel())
        x = y
    counts = x.unflatten(0, (T, B)).sum(0)
    return counts, nonzero, sizes


def predict(counts):
    best = torch.argmax(counts, dim=1)  # the first maximum: ties to the lower class
    return torch.where(counts.amax(dim=1) > 0, best, torch.full_like(best, -1))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nir", required=True, help="NIR file")
    p.add_argument("--data", required=True,
                   help="directory with test_inputs.npy (N x T x <input shape>) and "
                        "test_labels.npy (N)")
    p.add_argument("--json", required=True, help="output JSON file ('-': stdout)")
    p.add_argument("--state", help="per-block state, '1' keep, '0' stateless, block 0 first "
                                   "(default all kept)")
    p.add_argument("--dt-s", type=float, help="timestep in seconds (default: the file's "
                                              "/node/metadata/dt)")
    p.add_argument("--reset", choices=("value", "subtract"),
                   help="reset rule (default: the file's /node/metadata/reset, else value)")
    p.add_argument("--limit", type=int, help="evaluate the first N samples (default all)")
    p.add_argument("--batch-size", type=int, default=100, help="default %(default)s")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = p.parse_args()

    for name in ("limit", "batch_size", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    if not os.path.isfile(args.nir):
        p.error(f"--nir {args.nir}: no such file")
    try:
        nodes, edges, metadata = read_nir(args.nir)
        layers = build_layers(nodes, edges)
    except (NirError, OSError, KeyError) as e:
        p.error(f"--nir {args.nir}: {e}")
    blocks = layers[-1]["block"] + 1
    state = args.state if args.state is not None else "1" * blocks
    if len(state) != blocks or set(state) - {"0", "1"}:
        p.error(f"--state '{state}': expected {blocks} characters '0' or '1', one per block")
    dt = args.dt_s if args.dt_s is not None else metadata.get("dt")
    if dt is None or not float(dt) > 0:
        p.error("no positive dt: the file has no /node/metadata/dt; give --dt-s")
    dt = float(dt)
    reset = args.reset or _text(metadata.get("reset", b"value"))
    if reset not in ("value", "subtract"):
        p.error(f"the file's reset rule '{reset}' is not 'value' or 'subtract'; give --reset")

    inputs_path = os.path.join(args.data, "test_inputs.npy")
    labels_path = os.path.join(args.data, "test_labels.npy")
    for path in (inputs_path, labels_path):
        if not os.path.isfile(path):
            p.error(f"--data {args.data}: no {os.path.basename(path)}")
    inputs = np.load(inputs_path, mmap_mode="r")[:args.limit]
    labels = np.load(labels_path)[:args.limit]
    input_shape = tuple(int(s) for s in nodes[next(n for n in nodes
                                                   if nodes[n]["type"] == "Input")]["shape"])
    if inputs.ndim != 2 + len(input_shape) or inputs.shape[2:] != input_shape:
        p.error(f"{inputs_path}: shape {inputs.shape}, expected N x T x {input_shape}")
    if len(labels) != len(inputs):
        p.error(f"{labels_path}: {len(labels)} labels for {len(inputs)} samples")

    torch.set_num_threads(args.threads)
    N, T = inputs.shape[:2]
    right, silent = 0, 0
    nonzero = np.zeros(len(layers), dtype=np.int64)
    with torch.no_grad():
        for s in range(0, N, args.batch_size):
            batch = torch.from_numpy(np.asarray(inputs[s:s + args.batch_size], dtype=np.float64))
            counts, nz, sizes = run(layers, batch.transpose(0, 1), state, dt, reset)
            predicted = predict(counts)
            right += int((predicted == torch.from_numpy(labels[s:s + args.batch_size])).sum())
            silent += int((predicted < 0).sum())
            nonzero += np.array(nz)
    result = {
        "nir": args.nir,
        "samples": int(N),
        "timesteps": int(T),
        "state": state,
        "dt_s": dt,
        "reset": reset,
        "accuracy": right / N,
        "silent": silent,
        "layers": [layer["name"] for layer in layers],
        "blocks": [layer["block"] for layer in layers],
        "density": (nonzero / (np.array(sizes) * N * T)).tolist(),
    }
    text = json.dumps(result, indent=2) + "\n"
    if args.json == "-":
        sys.stdout.write(text)
    else:
        with open(args.json, "w") as f:
            f.write(text)
        print(f"accuracy {result['accuracy']:.4f} on {N} samples, state {state}; density "
              + " ".join(f"{n} {d:.4f}" for n, d in zip(result["layers"], result["density"])))



if __name__ == "__main__":
    main()
