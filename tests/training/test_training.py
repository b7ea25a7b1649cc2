"""Issue 18: the training scripts and the simulator cross-check on the shipped trained model.

Run by CTest as `training` (pytest). Needs Debian's python3-torch and dataset-fashion-mnist (CI
installs both); without them the tests are skipped with the reason. STEMS_BINARY names the stems
executable (CTest sets it).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="python3-torch is not installed")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
TRAINING = os.path.join(ROOT, "experiments", "training")
WORKLOADS = os.path.join(ROOT, "configs", "workloads")
STEMS = os.environ.get("STEMS_BINARY", os.path.join(ROOT, "build", "stems"))
DATASET = "/usr/share/datasets/fashion-mnist"


def script(name, *args, timeout=600):
    return subprocess.run([sys.executable, os.path.join(TRAINING, name), *args], cwd=TRAINING,
                          capture_output=True, text=True, timeout=timeout)


def test_encode_reproduces_the_shipped_test_subset(tmp_path):
    if not os.path.isdir(DATASET):
        pytest.skip("dataset-fashion-mnist is not installed")
    r = script("encode.py", "--out", str(tmp_path), "--limit", "256")
    assert r.returncode == 0, r.stderr
    for name in ("test_inputs.npy", "test_labels.npy"):
        shipped = np.load(os.path.join(WORKLOADS, "fashion_snn_test", name))
        np.testing.assert_array_equal(np.load(tmp_path / name), shipped)


def test_training_smoke_exports_a_nir_file_stems_reads(tmp_path):
    """One epoch on 1,000 images: the last stdout line is {"accuracy": x}, the NIR export loads
    in stems with dt and the reset rule from its metadata."""
    if not os.path.isdir(DATASET):
        pytest.skip("dataset-fashion-mnist is not installed")
    r = script("train.py", "--out", str(tmp_path), "--epochs", "1", "--limit", "1000",
               "--test-limit", "200")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0.1 < result["accuracy"] <= 1.0  # better than chance after one small epoch
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["state"] == "1111" and summary["epochs"] == 1
    inspect = subprocess.run([STEMS, "inspect", str(tmp_path / "model.nir"), "--timesteps", "8",
                              "--json", "-"], capture_output=True, text=True)
    assert inspect.returncode == 0, inspect.stderr
    layers = json.loads(inspect.stdout)["layers"]
    assert len(layers) == 7


def test_a_fine_tuning_command_prints_the_accuracy_json(tmp_path):
    """The [accuracy.command] contract: train.py --state BITS --init CHECKPOINT --epochs 0 only
    evaluates, and its last line is the JSON stems reads."""
    if not os.path.isdir(DATASET):
        pytest.skip("dataset-fashion-mnist is not installed")
    r = script("train.py", "--state", "1011", "--init", os.path.join(WORKLOADS, "fashion_snn.pt"),
               "--epochs", "0", "--test-limit", "256", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    accuracy = json.loads(r.stdout.strip().splitlines()[-1])["accuracy"]
    # The same images as the shipped subset: stems simulate gave 0.8672 for 1011 on them.
    assert accuracy == pytest.approx(0.8672, abs=0.002)


def test_stems_simulate_agrees_with_pytorch_on_the_shipped_model(tmp_path):
    """The simulator against evaluate.py (an independent PyTorch forward pass of the NIR file) and
    the training code: accuracy within 0.5 points, every layer's density within 1 % (crosscheck.py
    exits 1 otherwise), for the stateful model and two state schedules."""
    out = tmp_path / "crosscheck.json"
    r = script("crosscheck.py", "--checkpoint", os.path.join(WORKLOADS, "fashion_snn.pt"),
               "--nir", os.path.join(WORKLOADS, "fashion_snn.nir"),
               "--data", os.path.join(WORKLOADS, "fashion_snn_test"),
               "--states", "1111,1011,0111", "--stems", STEMS, "--json", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(out.read_text())
    assert report["agree"] and report["samples"] == 256
    rows = {row["state"]: row for row in report["rows"]}
    assert rows["1111"]["accuracy_stems"] >= 0.85  # the shipped model's accuracy on the subset
    for row in rows.values():
        assert abs(row["accuracy_stems"] - row["accuracy_evaluate"]) <= 0.005
        assert row["max_rel_density_diff"] <= 0.01
