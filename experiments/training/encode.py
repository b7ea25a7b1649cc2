#!/usr/bin/python3
"""Writes the rate-coded Fashion-MNIST test set as stems reads it (`stems simulate --inputs
--labels`, evaluate.py --data): DIR/test_inputs.npy, bool N x T x 1 x 28 x 28 spikes, and
DIR/test_labels.npy, uint8 class indices. The encoding and seed are those of train.py (its test
accuracy is measured on exactly these spikes for the same --seed and --timesteps).

Example: encode.py --out configs/workloads/fashion_snn_test --limit 256
"""

import argparse
import os

import numpy as np

import data


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--limit", type=int, default=data.TEST_SAMPLES,
                   help="the first N test samples (default all %(default)s)")
    p.add_argument("--timesteps", type=int, default=8, help="timesteps T (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="as train.py --seed (default %(default)s)")
    p.add_argument("--data", default=data.DEFAULT_ROOT, help="Fashion-MNIST idx.gz directory")
    args = p.parse_args()
    if not 1 <= args.limit <= data.TEST_SAMPLES:
        p.error(f"--limit must be in [1, {data.TEST_SAMPLES}], got {args.limit}")
    if args.timesteps < 1:
        p.error(f"--timesteps must be >= 1, got {args.timesteps}")
    if args.seed < 0:
        p.error(f"--seed must be >= 0, got {args.seed}")
    if not os.path.isdir(args.data):
        p.error(f"--data {args.data}: no such directory")

    spikes, labels = data.encode_test_set(args.timesteps, args.seed, args.limit, args.data)
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "test_inputs.npy"), spikes)
    np.save(os.path.join(args.out, "test_labels.npy"), labels.astype(np.uint8))
    print(f"{args.out}: {len(labels)} samples x {args.timesteps} timesteps, input density "
          f"{spikes.mean():.4f}")


if __name__ == "__main__":
    main()
