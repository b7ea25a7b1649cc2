"""The convolutional LIF network trained on Fashion-MNIST, and its NIR export.

Network (T x 1 x 28 x 28 spikes in, 10 output spike counts out), four blocks as stems numbers
them (a new block at every weighted layer):

    block 0: conv1 3x3, 1 -> 16, pad 1, LIF (16 x 28 x 28)  pool1 SumPool 2x2 (16 x 14 x 14)
    block 1: conv2 3x3, 16 -> 32, pad 1, LIF (32 x 14 x 14) pool2 SumPool 2x2 (32 x 7 x 7)
    block 2: conv3 3x3, 32 -> 32, stride 2, pad 1, LIF (32 x 4 x 4)  flat Flatten (512)
    block 3: fc 512 -> 10, LIF (10)

The neuron update is stems' forward-Euler LIF step with v_leak = 0 (see
include/stems/simulate/neuron.hpp), written with the same operations in the same order:

    v <- v + (dt/tau) * (r*I - v),   spike z = [v > v_threshold],   then reset

with tau = tau_steps * dt and r = tau/dt = tau_steps, so that the step is v <- beta*v + I with
beta = 1 - 1/tau_steps. Reset "value" sets v to v_reset = 0 after a spike, "subtract" lowers it by
v_threshold. A stateless block (its character '0' in the state string) starts every timestep from
v = 0: v = I, nothing carried over. The spike's gradient is a fast-sigmoid surrogate
1 / (1 + SLOPE*|v - v_threshold|)^2; the reset is not differentiated (see _LIF).

The input current of a layer is a sum of weights times spikes (or sum-pooled spike counts).
snap_to_grid() rounds weights and biases to multiples of 2^-24: every such sum is then exact in
float64 whatever its summation order, so a float64 run of this module, evaluate.py and
`stems simulate` compute bit-identical membrane potentials and spikes.
"""

import h5py
import numpy as np
import torch
import torch.nn as nn

from data import CLASSES, IMAGE_SHAPE

DT_S = 1e-3  # seconds per timestep, recorded in the NIR file (stems' default --dt-s)
THRESHOLD = 1.0
SLOPE = 5.0  # surrogate sharpness
GRID = 2.0**-24  # weights and biases are multiples of this after snap_to_grid()
BLOCKS = 4
# The layers as stems' NIR importer builds them (a synaptic node and its LIF node are one
# layer), in stems' order: evaluate.py and `stems simulate` report one density per entry.
LAYER_NAMES = ("conv1", "pool1", "conv2", "pool2", "conv3", "flat", "fc")
RESETS = ("value", "subtract")
NIR_VERSION = "1.0.0"


class _LIF(torch.autograd.Function):
    """A LIF population over T timesteps: drive (T x ...) = r*I in, spikes (T x ...) out.

    The forward pass is the exact update (no autograd bookkeeping per timestep); the backward
    pass is BPTT written out: with u_t the potential before the spike test,
    u_t = v_{t-1} + leak*(d_t - v_{t-1}), z_t = [u_t > THRESHOLD], v_t = reset(u_t, z_t):
        dL/du_t = dL/dz_t * surrogate(u_t - THRESHOLD) + dL/dv_t * dv_t/du_t
        dL/dd_t = leak * dL/du_t,   dL/dv_{t-1} = (1 - leak) * dL/du_t (0 when stateless)
    with dv_t/du_t = 1 - z_t (reset to 0) or 1 (subtract); the reset is not differentiated.
    """

    @staticmethod
    def forward(ctx, drive, leak, stateful, subtract):
        u_all = torch.empty_like(drive)
        z_all = torch.empty_like(drive)
        v = None  # the potential after the reset, carried to the next step
        for t in range(drive.shape[0]):
            u = u_all[t]
            if stateful and v is not None:  # v + leak*(d - v), as stems computes it
                torch.sub(drive[t], v, out=u)
                u.mul_(leak).add_(v)
            else:  # from v = 0: the same operations give exactly leak*d
                torch.mul(drive[t], leak, out=u)
            fire = u > THRESHOLD
            z_all[t] = fire
            v = u - THRESHOLD * z_all[t] if subtract else u.masked_fill(fire, 0.0)
        ctx.save_for_backward(u_all, z_all)
        ctx.leak, ctx.stateful, ctx.subtract = leak, stateful, subtract
        return z_all

    @staticmethod
    def backward(ctx, grad_z):
        u_all, z_all = ctx.saved_tensors
        grad_drive = torch.empty_like(grad_z)
        grad_v = None  # dL/dv_t, from step t + 1
        for t in reversed(range(grad_z.shape[0])):
            grad_u = grad_drive[t]
            torch.sub(u_all[t], THRESHOLD, out=grad_u)
            grad_u.abs_().mul_(SLOPE).add_(1.0).square_()
            torch.div(grad_z[t], grad_u, out=grad_u)
            if grad_v is not None:
                grad_u.add_(grad_v if ctx.subtract else grad_v * (1.0 - z_all[t]))
            if ctx.stateful:
                grad_v = grad_u * (1.0 - ctx.leak)
            grad_u.mul_(ctx.leak)
        return grad_drive, None, None, None


def parse_state(bits):
    """A state string ('0'/'1' per block, block 0 first) as a list of bools; ValueError if bad."""
    if len(bits) != BLOCKS or set(bits) - {"0", "1"}:
        raise ValueError(f"state '{bits}': expected {BLOCKS} characters '0' or '1', one per block")
    return [c == "1" for c in bits]


class FashionSNN(nn.Module):
    def __init__(self, timesteps, tau_steps, reset):
        super().__init__()
        if reset not in RESETS:
            raise ValueError(f"reset '{reset}': expected one of {RESETS}")
        self.timesteps = timesteps
        self.reset = reset
        # The exported parameters, and dt/tau and r computed from them as stems does.
        self.tau = tau_steps * DT_S
        self.r = float(tau_steps)
        self.leak = DT_S / self.tau
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 32, 3, stride=2, padding=1)
        self.fc = nn.Linear(32 * 4 * 4, CLASSES)

    def config(self):
        return {"timesteps": self.timesteps, "tau_steps": self.r, "reset": self.reset}

    def _lif(self, current, stateful):
        """Spikes T x B x ... of a LIF population driven by `current` (T x B x ...)."""
        return _LIF.apply(self.r * current, self.leak, stateful, self.reset == "subtract")

    @staticmethod
    def _per_step(op, x):
        """Applies a layer to every timestep of x (T x B x ...) at once."""
        y = op(x.flatten(0, 1))
        return y.unflatten(0, x.shape[:2])

    @staticmethod
    def _sum_pool(x):
        n, c, h, w = x.shape  # 2x2 sums, faster than avg_pool2d on CPU
        return x.view(n, c, h // 2, 2, w // 2, 2).sum(5).sum(3)

    def forward(self, x, state="1" * BLOCKS):
        """Output spikes T x B x 10 for input spikes x (T x B x 1 x 28 x 28), and the outputs of
        the layers of LAYER_NAMES (each T x B x ...)."""
        keep = parse_state(state)
        c1 = self._lif(self._per_step(self.conv1, x), keep[0])
        p1 = self._per_step(self._sum_pool, c1)
        c2 = self._lif(self._per_step(self.conv2, p1), keep[1])
        p2 = self._per_step(self._sum_pool, c2)
        c3 = self._lif(self._per_step(self.conv3, p2), keep[2])
        flat = c3.flatten(2)  # C-order, as NIR's Flatten and stems
        out = self._lif(self._per_step(self.fc, flat), keep[3])
        return out, [c1, p1, c2, p2, c3, flat, out]

    @torch.no_grad()
    def snap_to_grid(self):
        for p in self.parameters():
            p.copy_(torch.round(p / GRID) * GRID)


def predict(counts):
    """Predicted class per sample from output spike counts (B x 10): the largest count, ties to
    the lower class, -1 (never right) when the output never fired; as `stems simulate`."""
    best = torch.argmax(counts, dim=1)  # the first maximum
    return torch.where(counts.amax(dim=1) > 0, best, torch.full_like(best, -1))


def write_nir(model, path, state):
    """Writes the network as a NIR graph (HDF5, NIR's own layout: /version, /node/type,
    /node/nodes/<name>/..., /node/edges) with the graph metadata that NIR stores in
    /node/metadata: dt (s), reset, timesteps and the state string it was trained with."""
    with torch.no_grad():
        tensors = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    shapes = {"lif1": (16, 28, 28), "lif2": (32, 14, 14), "lif3": (32, 4, 4), "lif4": (CLASSES,)}

    def conv(name, stride, input_hw):
        return {
            "type": "Conv2d",
            "weight": tensors[f"{name}.weight"],
            "bias": tensors[f"{name}.bias"],
            "stride": np.array([stride, stride], dtype=np.int64),
            "padding": np.array([1, 1], dtype=np.int64),
            "dilation": np.array([1, 1], dtype=np.int64),
            "groups": np.int64(1),
            "input_shape": np.array(input_hw, dtype=np.int64),
        }

    def lif(shape):
        full = lambda value: np.full(shape, value, dtype=np.float64)  # noqa: E731
        return {
            "type": "LIF",
            "tau": full(model.tau),
            "r": full(model.r),
            "v_leak": full(0.0),
            "v_threshold": full(THRESHOLD),
            "v_reset": full(0.0),
        }

    def pool():
        two = np.array([2, 2], dtype=np.int64)
        return {"type": "SumPool2d", "kernel_size": two, "stride": two,
                "padding": np.array([0, 0], dtype=np.int64)}

    nodes = {
        "input": {"type": "Input", "shape": np.array(IMAGE_SHAPE, dtype=np.int64)},
        "conv1": conv("conv1", 1, [28, 28]),
        "lif1": lif(shapes["lif1"]),
        "pool1": pool(),
        "conv2": conv("conv2", 1, [14, 14]),
        "lif2": lif(shapes["lif2"]),
        "pool2": pool(),
        "conv3": conv("conv3", 2, [7, 7]),
        "lif3": lif(shapes["lif3"]),
        "flat": {"type": "Flatten", "start_dim": np.int64(0), "end_dim": np.int64(-1),
                 "input_type": np.array(shapes["lif3"], dtype=np.int64)},
        "fc": {"type": "Affine", "weight": tensors["fc.weight"], "bias": tensors["fc.bias"]},
        "lif4": lif(shapes["lif4"]),
        "output": {"type": "Output", "shape": np.array([CLASSES], dtype=np.int64)},
    }
    chain = ["input", "conv1", "lif1", "pool1", "conv2", "lif2", "pool2", "conv3", "lif3",
             "flat", "fc", "lif4", "output"]
    metadata = {"dt": np.float64(DT_S), "reset": model.reset,
                "timesteps": np.int64(model.timesteps), "state": state}
    text = h5py.string_dtype()  # variable-length UTF-8, as NIR writes strings

    def put(group, key, value):
        if isinstance(value, str):
            group.create_dataset(key, data=value, dtype=text)
        elif np.size(value) < 1024:
            group.create_dataset(key, data=value)
        else:  # one gzip chunk: the constant neuron parameters shrink to almost nothing
            group.create_dataset(key, data=value, chunks=value.shape, compression="gzip",
                                 shuffle=True)

    with h5py.File(path, "w") as f:
        put(f, "version", NIR_VERSION)
        graph = f.create_group("node")
        put(graph, "type", "NIRGraph")
        graph.create_dataset("edges", data=np.array(list(zip(chain, chain[1:])), dtype=object),
                             dtype=text)
        for name, node in nodes.items():
            group = graph.create_group(f"nodes/{name}")
            for key, value in node.items():
                put(group, key, value)
        meta = graph.create_group("metadata")
        for key, value in metadata.items():
            put(meta, key, value)
