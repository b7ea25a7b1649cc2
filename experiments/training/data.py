"""Fashion-MNIST from its idx files and the seeded rate code shared by training and evaluation.

Every pixel becomes a Bernoulli spike train: at each timestep it spikes with probability
pixel / 255 (a uniform draw u in [0, 1) spikes when u < p, so a black pixel never spikes and a
white one always does). Draws come from numpy Generators seeded with (seed, stream): stream 0
encodes the training batches (a fresh draw every epoch), stream 1 the test set. The test set is
drawn sample after sample from one generator, so its first N samples are the same whatever the
number of samples encoded (encode.py --limit N, train.py --test-limit N).
"""

import gzip
import os

import numpy as np

DEFAULT_ROOT = "/usr/share/datasets/fashion-mnist"
CLASSES = 10
IMAGE_SHAPE = (1, 28, 28)  # C x H x W, the network input
TRAIN_SAMPLES = 60000
TEST_SAMPLES = 10000
TRAIN_STREAM = 0
TEST_STREAM = 1
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _read_idx(path, magic):
    """The payload of a gzipped idx file as uint8 with its declared shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if int.from_bytes(data[0:4], "big") != magic:
        raise ValueError(f"{path}: not an idx file with magic {magic:#x}")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {payload.size} bytes of data, shape {shape} needs more")
    return payload.reshape(shape)


def load_split(split, root=DEFAULT_ROOT, limit=None):
    """(images uint8 N x 28 x 28, labels int64 N) of split 'train' or 'test', the first `limit`."""
    image_file, label_file = _FILES[split]
    images = _read_idx(os.path.join(root, image_file), 0x00000803)
    labels = _read_idx(os.path.join(root, label_file), 0x00000801).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{root}: {len(images)} {split} images but {len(labels)} labels")
    return images[:limit], labels[:limit]


def rate_encode(images, timesteps, rng):
    """Bernoulli spikes, bool N x T x 1 x 28 x 28, from uint8 images N x 28 x 28."""
    p = (images.astype(np.float32) / np.float32(255.0))[:, None, None]  # N x 1 x 1 x 28 x 28
    u = rng.random((len(images), timesteps) + IMAGE_SHAPE, dtype=np.float32)
    return u < p


def encode_test_set(timesteps, seed, limit=None, root=DEFAULT_ROOT):
    """The encoded test set (spikes bool N x T x 1 x 28 x 28, labels int64 N)."""
    images, labels = load_split("test", root, limit)
    rng = np.random.default_rng((seed, TEST_STREAM))
    return rate_encode(images, timesteps, rng), labels
