"""stems from Python: the commands of the `stems` CLI as functions returning plain dicts and lists
(the same keys and values as their --json output, convertible with pandas).

    import stems
    r = stems.evaluate(workload="configs/workloads/sew_resnet_7b.toml",
                       hardware="configs/hardware/meta_proto_1mb.toml",
                       time_schedule="1111111", depth_schedule="1111111")
    r["energy_pJ"], r["layers"][0]

Functions: inspect, hardware, explain, evaluate, optimize, simulate. keep_freed_memory_for_reuse()
sets the process's glibc allocator as the stems executable does (faster depth-first evaluations;
process-wide, so not done at import). Bad input raises ValueError
with the CLI's message. Long calls release the GIL; Ctrl-C raises KeyboardInterrupt (a search
stops after its current generation: its partial front is in stems.last_result and in out= when
given). NIR models take timesteps=, weight_bits=, state_bits=, input_bits= like the CLI's flags.
"""
import os
import tempfile

from . import _stems

__all__ = ["inspect", "hardware", "explain", "evaluate", "optimize", "simulate", "last_result",
           "keep_freed_memory_for_reuse"]

last_result = None  # pareto.json of the last optimize() (also when it was interrupted)

inspect = _stems.inspect
hardware = _stems.hardware
explain = _stems.explain
evaluate = _stems.evaluate
keep_freed_memory_for_reuse = _stems.keep_freed_memory_for_reuse


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise ValueError(f"run dict: cannot write {type(v).__name__} value {v!r} as TOML")


def _run_toml(run):
    """A run dict ({"run": {...}, "search": {...}, "algorithm": {...}, ...}) as TOML text; lists of
    dicts become arrays of tables ([[accuracy.table]])."""
    lines = []
    for section, table in run.items():
        if not isinstance(table, dict):
            raise ValueError(f"run dict: [{section}] must be a dict, got {type(table).__name__}")
        scalars = {k: v for k, v in table.items()
                   if not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))}
        lines.append(f"[{section}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
        for k, rows in table.items():
            if k in scalars:
                continue
            for row in rows:
                lines.append(f"[[{section}.{k}]]")
                lines += [f"{rk} = {_toml_value(rv)}" for rk, rv in row.items()]
    return "\n".join(lines) + "\n"


def _absolute_paths(run):
    """Paths of a run dict are relative to the current directory (a file's are relative to it)."""
    run = {k: dict(v) if isinstance(v, dict) else v for k, v in run.items()}
    for key in ("workload", "hardware"):
        if key in run.get("run", {}):
            run["run"][key] = os.path.abspath(run["run"][key])
    if "initial_population" in run.get("algorithm", {}):
        run["algorithm"]["initial_population"] = os.path.abspath(
            os.fspath(run["algorithm"]["initial_population"]))
    sim = run.get("accuracy", {}).get("simulate")
    if isinstance(sim, dict):
        sim = dict(sim)
        for key in ("inputs", "labels"):
            if key in sim:
                sim[key] = os.path.abspath(sim[key])
        run["accuracy"]["simulate"] = sim
    return run


def optimize(run, out=None, seed=None, threads=None, exhaustive=False, full=False,
             initial_population=None):
    """Searches a run (a run file's path, or the same content as a dict) and returns the front:
    a list of dicts (objectives, genome, genes, schedule, evaluation), as in pareto.json; with
    full=True the whole pareto.json dict. With out=DIR the CLI's files are written there too.
    initial_population: a pareto.json whose front starts the search (--initial-population)."""
    out = os.fspath(out) if out is not None else ""
    initial = os.fspath(initial_population) if initial_population is not None else ""
    if isinstance(run, dict):
        with tempfile.TemporaryDirectory(prefix="stems_run_") as tmp:
            path = os.path.join(tmp, "run.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(_run_toml(_absolute_paths(run)))
            return _stems.optimize(path, out, seed, threads, exhaustive, full, initial)
    return _stems.optimize(os.fspath(run), out, seed, threads, exhaustive, full, initial)


def simulate(model, inputs="", labels="", poisson=None, samples=0, seed=42, state_schedules=(),
             dt_s=None, reset="", threads=0, **nir_options):
    """Simulates a NIR model on event inputs (an .npy file, or Poisson events of rate `poisson`)
    for the fully stateful network and each state schedule (`stems simulate --json`). dt_s and
    reset ("value" or "subtract") default to the file's metadata, else 1e-3 s and "value"."""
    return _stems.simulate(os.fspath(model), os.fspath(inputs), os.fspath(labels), poisson, samples,
                           seed, list(state_schedules), dt_s, reset, threads, **nir_options)
