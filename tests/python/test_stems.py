"""Tests of the Python module (src/python): the functions return the CLI's JSON, bit for bit; bad
input raises ValueError with the CLI's message; run dicts work like run files.

Run by CTest (python_api) with PYTHONPATH=<build>/python and STEMS_BINARY=<build>/stems."""
import json
import os
import shutil
import subprocess

import pytest

import stems

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIGS = os.path.join(ROOT, "configs")
SEW = os.path.join(CONFIGS, "workloads", "sew_resnet_7b.toml")
META = os.path.join(CONFIGS, "hardware", "meta_proto_1mb.toml")
STEMS = os.environ.get("STEMS_BINARY", os.path.join(ROOT, "build", "stems"))


def cli_json(tmp_path, *args):
    out = tmp_path / "cli.json"
    subprocess.run([STEMS, *args, "--json", str(out)], check=True, stdout=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def test_evaluate_equals_the_cli_json_bit_for_bit(tmp_path):
    # SEW TB-F: the acceptance case. json.load gives the same doubles as the C++ values
    # (nlohmann writes the shortest round-tripping text), so == compares every bit.
    r = stems.evaluate(workload=SEW, hardware=META, time_schedule="1111111",
                       depth_schedule="1111111", model="stems")
    cli = cli_json(tmp_path, "evaluate", "--workload", SEW, "--hardware", META,
                   "--time-schedule", "1111111", "--depth-schedule", "1111111", "--model", "stems")
    assert r == cli
    assert len(r["layers"]) == 30
    assert r["energy_pJ"] == pytest.approx(3.9841e9, rel=1e-4)  # STEMS's TB-F reference


def test_state_schedule_and_options_pass_through(tmp_path):
    r = stems.evaluate(workload=SEW, hardware=META, time_schedule="0011111",
                       depth_schedule="1111111", state_schedule="0011111", order="memory",
                       alignment="stems")
    assert r["state_bits"] == 2_322_432  # 5PLIF: 20x fewer than 7PLIF
    cli = cli_json(tmp_path, "evaluate", "--workload", SEW, "--hardware", META,
                   "--time-schedule", "0011111", "--depth-schedule", "1111111",
                   "--state-schedule", "0011111", "--order", "memory", "--alignment", "stems")
    assert r == cli


def test_inspect_explain_hardware_equal_the_cli(tmp_path):
    assert stems.inspect(SEW) == cli_json(tmp_path, "inspect", SEW)
    assert stems.hardware(META) == cli_json(tmp_path, "hardware", META)
    e = stems.explain(SEW, META, layer=9)
    assert e == cli_json(tmp_path, "explain", SEW, "--hardware", META, "--layer", "9")
    assert e["latency_cycles"] == 591_275  # STEMS layer-9 reference (stems_model.md 10.3)


def test_bad_input_raises_value_error_with_the_cli_message():
    with pytest.raises(ValueError, match="state schedule '01'"):
        stems.evaluate(workload=SEW, hardware=META, state_schedule="01")
    with pytest.raises(ValueError, match="no_such.toml"):
        stems.inspect(os.path.join(CONFIGS, "no_such.toml"))
    with pytest.raises(ValueError, match="--layer"):
        stems.explain(SEW, META, layer=99)
    # The CLI's ranges for NIR options (1..64 bits, 1..1000000 timesteps).
    with pytest.raises(ValueError, match="weight_bits: expected 1 to 64, got 100"):
        stems.inspect(SEW, weight_bits=100)
    with pytest.raises(ValueError, match="timesteps: expected 1 to 1000000"):
        stems.evaluate(workload=SEW, hardware=META, timesteps=0)


def run_dict(tmp_path):
    return {
        "run": {"name": "py", "workload": SEW, "hardware": META, "seed": 3, "threads": 1},
        "search": {"space": "stems"},
        "algorithm": {"name": "nsga2", "population": 8, "generations": 2},
    }


def test_optimize_from_a_dict_and_from_a_file_give_the_same_front(tmp_path):
    front = stems.optimize(run_dict(tmp_path), out=tmp_path / "dict")
    assert front and all(set(p) >= {"objectives", "genome", "schedule", "evaluation"}
                         for p in front)
    with open(tmp_path / "dict" / "pareto.json", encoding="utf-8") as f:
        assert json.load(f)["front"] == front  # the same records as the files
    assert stems.last_result["front"] == front
    # The run.toml the dict became runs the same search from the CLI.
    subprocess.run([STEMS, "optimize", str(tmp_path / "dict" / "run.toml"), "--out",
                    str(tmp_path / "cli"), "--no-report"], check=True, capture_output=True)
    with open(tmp_path / "cli" / "pareto.json", encoding="utf-8") as f:
        assert json.load(f)["front"] == front
    # No out=: nothing written, the front returned.
    assert stems.optimize(run_dict(tmp_path)) == front


def test_optimize_starts_from_an_initial_population(tmp_path, monkeypatch):
    # The lowest-energy schedule of SEW's exhaustive front (1111111/1100000), not a canonical one:
    # a one-generation search of 8 genomes finds it only from the file (tests/test_cli.cpp).
    population = os.path.join(ROOT, "tests", "data", "population_sew_resnet_7b_1mb.json")
    with open(population, encoding="utf-8") as f:
        genes = json.load(f)["front"][0]["genes"]
    run = run_dict(tmp_path)
    run["algorithm"]["generations"] = 1
    assert genes not in [p["genes"] for p in stems.optimize(run)]
    by_keyword = stems.optimize(run, initial_population=population)
    assert genes in [p["genes"] for p in by_keyword]
    # The key of a run dict, relative to the current directory, gives the same front.
    shutil.copy(population, tmp_path / "front.json")
    monkeypatch.chdir(tmp_path)
    by_key = dict(run, algorithm=dict(run["algorithm"], initial_population="front.json"))
    assert stems.optimize(by_key) == by_keyword
    (tmp_path / "empty.json").write_text('{"front": []}')
    with pytest.raises(ValueError, match="front"):
        stems.optimize(run, initial_population=tmp_path / "empty.json")


def test_optimize_refuses_a_bad_run_with_value_error(tmp_path):
    bad = run_dict(tmp_path)
    bad["algorithm"]["name"] = "annealing"
    with pytest.raises(ValueError, match="unknown algorithm 'annealing'"):
        stems.optimize(bad)


def test_results_convert_to_pandas_when_available():
    pandas = pytest.importorskip("pandas")
    r = stems.evaluate(workload=SEW, hardware=META)
    frame = pandas.DataFrame(r["layers"])
    assert len(frame) == 30


def test_evaluate_writes_a_trace_perfetto_can_read(tmp_path):
    trace = tmp_path / "trace.json"
    r = stems.evaluate(workload=SEW, hardware=META, time_schedule="1111111",
                       depth_schedule="1111111", trace=str(trace))
    with open(trace, encoding="utf-8") as f:
        events = json.load(f)["traceEvents"]
    slices = [e for e in events if e["ph"] == "X"]
    assert len(slices) == r["nodes_count"] + len(r["transfers"])
    assert {e["cat"] for e in slices} >= {"node", "fetch"}


def test_keep_freed_memory_for_reuse_is_opt_in_and_applies():
    # Not applied at import (process-wide); applied on request on glibc.
    assert "keep_freed_memory_for_reuse" in stems.__all__
    assert stems.keep_freed_memory_for_reuse() is (os.environ.get("STEMS_DEFAULT_MALLOC") is None)
