#!/usr/bin/python3
"""Trains the convolutional LIF network of snn.py on rate-coded Fashion-MNIST (surrogate-gradient
BPTT), or fine-tunes a checkpoint for a per-block state configuration, and exports it as NIR.

Writes into --out: model.pt (checkpoint), model.nir (NIR graph, float32 weights, dt and the reset
rule in its metadata), summary.json (configuration, accuracies, spike densities per layer,
training time). The last line on stdout is {"accuracy": x}: the test accuracy (fraction) of the
exported network on the first --test-limit test samples, computed in float64 with the exact
update `stems simulate` uses (so it equals evaluate.py's and stems' numbers); summary.json also
has the float32 accuracy of the same weights. Progress goes to stderr.

Examples:
  train.py --out out/stateful                          # 3 epochs on all 60k samples
  train.py --out out/smoke --epochs 1 --limit 2000 --test-limit 500
  train.py --state 0111 --init out/stateful/model.pt --epochs 1 --lr 5e-4 --out out/s0111
  train.py --state 0011 --init out/stateful/model.pt --epochs 0 --out out/e0011  # evaluate only
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import data
import snn

ARCH_DEFAULTS = {"timesteps": 8, "tau_steps": 8.0, "reset": "subtract"}


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--state", default="1" * snn.BLOCKS,
                   help=f"per-block state, {snn.BLOCKS} chars, block 0 first: '1' keeps the "
                        "membrane state, '0' makes the block stateless (default %(default)s)")
    p.add_argument("--init", help="checkpoint (model.pt) to start from; its timesteps, "
                                  "tau-steps and reset are used")
    p.add_argument("--epochs", type=int, default=3, help="epochs; 0 only evaluates (default 3)")
    p.add_argument("--limit", type=int, default=data.TRAIN_SAMPLES,
                   help="training samples: the first N (default all %(default)s)")
    p.add_argument("--test-limit", type=int, default=data.TEST_SAMPLES,
                   help="test samples evaluated: the first N (default all %(default)s)")
    p.add_argument("--timesteps", type=int, help="timesteps T (default 8)")
    p.add_argument("--tau-steps", type=float,
                   help="membrane time constant in timesteps, tau = K dt (default 8: "
                        "v <- 0.875 v + I)")
    p.add_argument("--reset", choices=snn.RESETS,
                   help="after a spike: 'value' (v = 0) or 'subtract' (v -= threshold); "
                        "default subtract")
    p.add_argument("--batch-size", type=int, default=128, help="default %(default)s")
    p.add_argument("--lr", type=float, default=5e-3,
                   help="Adam learning rate, cosine-annealed to 0 (default %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds initialisation, shuffling and both spike encodings (the test "
                        "encoding equals encode.py --seed; default %(default)s)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--data", default=data.DEFAULT_ROOT, help="Fashion-MNIST idx.gz directory")
    args = p.parse_args()

    try:
        snn.parse_state(args.state)
    except ValueError as e:
        p.error(str(e))
    for name, low, high in (("epochs", 0, None), ("limit", 1, data.TRAIN_SAMPLES),
                            ("test_limit", 1, data.TEST_SAMPLES), ("batch_size", 1, None),
                            ("threads", 1, None), ("seed", 0, None), ("timesteps", 1, None)):
        value = getattr(args, name)
        if value is not None and (value < low or (high is not None and value > high)):
            bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
            p.error(f"--{name.replace('_', '-')} must be {bound}, got {value}")
    if args.tau_steps is not None and not args.tau_steps >= 1:
        p.error("--tau-steps must be >= 1 (stems needs dt <= tau)")
    if not args.lr > 0:
        p.error("--lr must be > 0")
    if not os.path.isdir(args.data):
        p.error(f"--data {args.data}: no such directory")
    if args.init is None:
        arch = dict(ARCH_DEFAULTS)
    else:
        if not os.path.isfile(args.init):
            p.error(f"--init {args.init}: no such file")
        arch = torch.load(args.init)["config"]
    for key in ARCH_DEFAULTS:
        given = getattr(args, key)
        if given is not None and args.init is not None and given != arch[key]:
            p.error(f"--{key.replace('_', '-')} {given} differs from the checkpoint's {arch[key]}")
        if given is not None:
            arch[key] = given
    args.arch = arch
    return args


def train_epoch(model, optimizer, scheduler, images, labels, args, rng, epoch):
    """One pass over the training samples in a random order; returns (mean loss, accuracy)."""
    model.train()
    order = rng.permutation(len(images))
    total_loss, right, seen = 0.0, 0, 0
    start = time.time()
    batches = math.ceil(len(order) / args.batch_size)
    for b in range(batches):
        idx = order[b * args.batch_size:(b + 1) * args.batch_size]
        seen += len(idx)
        spikes = data.rate_encode(images[idx], model.timesteps, rng)
        x = torch.from_numpy(spikes).float().transpose(0, 1)  # T x B x 1 x 28 x 28
        y = torch.from_numpy(labels[idx])
        out, _ = model(x, args.state)
        counts = out.sum(0)
        loss = F.cross_entropy(counts, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        total_loss += float(loss) * len(idx)
        right += int((snn.predict(counts.detach()) == y).sum())
        if (b + 1) % 50 == 0 or b + 1 == batches:
            print(f"epoch {epoch} batch {b + 1}/{batches} loss {total_loss / seen:.4f} "
                  f"{time.time() - start:.0f} s", file=sys.stderr, flush=True)
    return total_loss / len(images), right / len(images)


@torch.no_grad()
def evaluate(model, spikes, labels, state, dtype, batch_size=500):
    """(accuracy, mean density per layer of snn.LAYER_NAMES) on encoded samples (N x T x ...)."""
    model.eval()
    right = 0
    nonzero = np.zeros(len(snn.LAYER_NAMES))
    sizes = np.zeros(len(snn.LAYER_NAMES))
    for s in range(0, len(spikes), batch_size):
        x = torch.from_numpy(spikes[s:s + batch_size]).to(dtype).transpose(0, 1)
        out, layers = model(x, state)
        right += int((snn.predict(out.sum(0)) == torch.from_numpy(labels[s:s + batch_size])).sum())
        for i, h in enumerate(layers):
            nonzero[i] += int((h != 0).sum())
            sizes[i] = h[0, 0].numel()
    density = nonzero / (sizes * len(spikes) * spikes.shape[1])
    return right / len(spikes), density.tolist()


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng((args.seed, data.TRAIN_STREAM))
    model = snn.FashionSNN(**args.arch)
    if args.init is not None:
        model.load_state_dict(torch.load(args.init)["state_dict"])
    os.makedirs(args.out, exist_ok=True)

    images, labels = data.load_split("train", args.data, args.limit)
    test_spikes, test_labels = data.encode_test_set(model.timesteps, args.seed, args.test_limit,
                                                    args.data)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = max(1, args.epochs * math.ceil(len(images) / args.batch_size))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    history = []
    start, start_cpu = time.time(), time.process_time()
    for epoch in range(args.epochs):
        loss, acc = train_epoch(model, optimizer, scheduler, images, labels, args, rng, epoch)
        history.append({"epoch": epoch, "loss": loss, "train_accuracy": acc,
                        "seconds": time.time() - start})
        print(f"epoch {epoch}: loss {loss:.4f}, train accuracy {acc:.4f}, "
              f"{time.time() - start:.0f} s", file=sys.stderr, flush=True)
    train_seconds = time.time() - start
    train_cpu_seconds = time.process_time() - start_cpu

    model.snap_to_grid()
    acc32, _ = evaluate(model, test_spikes, test_labels, args.state, torch.float32)
    acc64, density = evaluate(model.double(), test_spikes, test_labels, args.state, torch.float64)
    model.float()
    torch.save({"config": model.config(), "state": args.state, "state_dict": model.state_dict()},
               os.path.join(args.out, "model.pt"))
    snn.write_nir(model, os.path.join(args.out, "model.nir"), args.state)
    summary = {
        "command": " ".join(sys.argv),
        "state": args.state,
        "init": args.init,
        "config": model.config(),
        "dt_s": snn.DT_S,
        "seed": args.seed,
        "epochs": args.epochs,
        "train_samples": len(images),
        "batch_size": args.batch_size,
        "lr": args.lr,
        "threads": args.threads,
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
        "history": history,
        "test_samples": len(test_labels),
        "accuracy": acc64,
        "accuracy_float32": acc32,
        "layers": list(snn.LAYER_NAMES),
        "density": density,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(f"test accuracy {acc64:.4f} (float32 {acc32:.4f}) on {len(test_labels)} samples; "
          f"training {train_seconds:.0f} s ({train_cpu_seconds:.0f} s CPU)", file=sys.stderr)
    print(json.dumps({"accuracy": acc64}))


if __name__ == "__main__":
    main()
