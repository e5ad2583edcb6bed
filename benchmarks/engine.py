"""Speed of the compiled engine: medians of repeated runs, measured side by side.

    python benchmarks/engine.py                          # this checkout
    python benchmarks/engine.py --baseline ../other      # against another checkout
    python benchmarks/engine.py --baseline ../other --cold --sweep

Cases (Soyuz TMA-11, ``configs/soyuz_tma11``):

* ``descent``: the ballistic descent from the module separation to touchdown [ms];
* ``ballistic``: the whole ballistic run from the deorbit burn [ms];
* ``guided``: the guided nominal flight with its predictions [ms];
* ``batch``: a batch of the ballistic Monte Carlo's runs on all cores [runs/s];
* ``--sweep``: ``reentry sweep`` of the 10,000-run Monte Carlo end to end [s] (a fresh
  process each, the numba cache warm);
* ``--cold``: ``reentry compare configs/soyuz_tma11`` with an empty numba cache [s], and
  the functions that took longest to compile.

With ``--baseline`` both checkouts' packages are imported into this one process (one
after the other, each with its own numba cache folder) and every repetition times both,
alternately, so that the load of the machine weighs on both alike; the table gives the
medians and their ratio (this checkout / baseline). The timed calls are the compiled
functions themselves, on arrays built beforehand by each checkout's own Python code.
"""

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs" / "soyuz_tma11"
STUDY = CONFIGS / "studies" / "montecarlo_ballistic.toml"


def _purge() -> None:
    for name in list(sys.modules):
        if name == "sim" or name.startswith("sim."):
            del sys.modules[name]


def load_cases(root: pathlib.Path, batch_runs: int) -> dict:
    """Import the package of checkout ``root`` and build the cases' arrays with it.

    Returns
    -------
    dict
        Case name -> (callable running it once, work units per call).
    """
    _purge()
    sys.path.insert(0, str(root))
    try:
        from sim.config.build import load_scenario
        from sim.config.scenario import plan
        from sim.core.layout import SM
        from sim.core.program import state_init
        from sim.core.run import fly_alone, fly_batch, fly_program, new_outputs
        from sim.studies.batch import fly_variants
        from sim.studies.campaign import Campaign
        from sim.studies.runs import scenario_program

        cases = {}
        s = load_scenario(CONFIGS / "ballistic.toml")
        program = scenario_program(s, plan(s), store=False)
        whole = program.arrays()
        flown = fly_program(program.with_settings(store=1.0))
        sep = program.phase_names.index("ballistic entry")  # from the module separation
        first = next(seg for seg in flown.segments if seg.phase == sep)
        descent = replace(
            program,
            init=state_init(first.y[0, :3], first.y[0, 3:6], float(first.t[0])),
            phases=program.phases[sep:],
            info=program.info[sep:],
            triggers=program.triggers[sep:],
            phase_names=program.phase_names[sep:],
        ).arrays()
        cases["descent"] = (lambda: fly_alone(descent), 1)
        cases["ballistic"] = (lambda: fly_alone(whole), 1)
        g = load_scenario(CONFIGS / "nominal.toml")
        guided = scenario_program(g, plan(g), store=False).arrays()
        cases["guided"] = (lambda: fly_alone(guided), 1)

        campaign = Campaign(STUDY)
        import numpy as np

        values = campaign.sampler.values(np.arange(batch_runs))
        variants = [
            {k: (float(v[i]) if isinstance(v, np.ndarray) else v[i]) for k, v in values.items()}
            for i in range(batch_runs)
        ]
        packed = campaign.packer.pack(variants)
        fly_variants(campaign.packer, variants[:4])  # compile (or load) the batch engine

        def batch():
            for idx, arrays in packed:
                outs = new_outputs(len(idx), 0)
                fly_batch(*arrays, *outs)
                assert np.all(outs[0][:, SM.status] == 1)

        cases["batch"] = (batch, batch_runs)
        for run, _ in cases.values():
            run()  # compile (or load) everything before timing
        return cases
    finally:
        sys.path.remove(str(root))
        _purge()


def measure(versions: dict, repeats: int) -> dict:
    """Median seconds per work unit of every case of every version, timed alternately."""
    names = next(iter(versions.values())).keys()
    times: dict = {(v, c): [] for v in versions for c in names}
    for case in names:
        # calls per sample: about 0.2 s of work
        run, units = versions[next(iter(versions))][case]
        start = time.perf_counter()
        run()
        calls = max(1, int(0.2 / max(time.perf_counter() - start, 1e-6)))
        for _ in range(repeats):
            for v, cases in versions.items():
                run, units = cases[case]
                start = time.perf_counter()
                for _ in range(calls):
                    run()
                times[v, case].append((time.perf_counter() - start) / (calls * units))
    return {k: statistics.median(t) for k, t in times.items()}


def _env(root: pathlib.Path, cache: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root)
    env["REENTRY_SIM_CACHE_DIR"] = cache
    return env


def sweep_seconds(root: pathlib.Path) -> float:
    """Wall time of ``reentry sweep`` of the 10,000-run Monte Carlo (warm cache) [s]."""
    cmd = [sys.executable, "-m", "sim", "sweep", str(STUDY), "--json", "--quiet"]
    env = _env(root, os.environ.get("REENTRY_SIM_CACHE_DIR", tempfile.gettempdir()))
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, cwd=root)
    return time.perf_counter() - start


def cold_seconds(root: pathlib.Path) -> float:
    """Wall time of ``reentry compare configs/soyuz_tma11`` with an empty cache [s]."""
    with tempfile.TemporaryDirectory() as cache:
        cmd = [sys.executable, "-m", "sim", "compare", str(CONFIGS)]
        start = time.perf_counter()
        subprocess.run(cmd, env=_env(root, cache), check=True, stdout=subprocess.DEVNULL, cwd=root)
        return time.perf_counter() - start


def compile_profile(root: pathlib.Path, top: int = 12) -> list:
    """(function, exclusive compile seconds) of a cold ``compare``, the largest first."""
    code = """
import sys
from numba.core import event
from sim.cli.main import main
with event.install_recorder("numba:compile") as rec:
    main(["compare", sys.argv[1]])
stack, own = [], {}
for ts, ev in rec.buffer:
    d = ev.data["dispatcher"]
    key = d.py_func.__module__ + "." + d.py_func.__qualname__
    if ev.is_start:
        if stack:
            k, t0 = stack[-1]
            own[k] = own.get(k, 0.0) + ts - t0
        stack.append([key, ts])
    else:
        k, t0 = stack.pop()
        own[k] = own.get(k, 0.0) + ts - t0
        if stack:
            stack[-1][1] = ts
for k, v in sorted(own.items(), key=lambda kv: -kv[1]):
    print(f"{v:.3f} {k}")
"""
    with tempfile.TemporaryDirectory() as cache:
        out = subprocess.run(
            [sys.executable, "-c", code, str(CONFIGS)],
            env=_env(root, cache),
            check=True,
            capture_output=True,
            text=True,
            cwd=root,
        ).stdout
    rows = [line.split(" ", 1) for line in out.splitlines() if line[:1].isdigit()]
    return [(name, float(sec)) for sec, name in rows[:top]]


def _table(rows: list, labels: list) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  " + "  ".join(f"{label:>12}" for label in labels))
    for r in rows:
        print(f"{r[0]:{width}}  " + "  ".join(f"{x:>12}" for x in r[1:]))


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=pathlib.Path, help="another checkout to compare with")
    ap.add_argument("--repeats", type=int, default=9, help="samples per case and version")
    ap.add_argument("--batch-runs", type=int, default=2000, help="runs of the batch case")
    ap.add_argument("--cold", action="store_true", help="cold compile of reentry compare")
    ap.add_argument("--sweep", action="store_true", help="the 10,000-run sweep end to end")
    args = ap.parse_args()
    roots = {"this": ROOT}
    if args.baseline is not None:
        roots = {"baseline": args.baseline.resolve(), "this": ROOT}
    versions = {v: load_cases(r, args.batch_runs) for v, r in roots.items()}
    med = measure(versions, args.repeats)
    labels = list(roots) + (["ratio"] if len(roots) == 2 else [])
    rows = []
    for case, unit, scale in (
        ("descent", "ms", 1e3),
        ("ballistic", "ms", 1e3),
        ("guided", "ms", 1e3),
        ("batch", "runs/s", None),
    ):
        vals = [med[v, case] for v in roots]
        shown = [1.0 / x if scale is None else x * scale for x in vals]
        row = [f"{case} [{unit}]", *(f"{x:.4g}" for x in shown)]
        if len(vals) == 2:
            row.append(f"{shown[1] / shown[0]:.3f}")
        rows.append(row)
    extra = []
    if args.sweep:
        extra.append(("sweep 10,000 runs [s]", sweep_seconds))
    if args.cold:
        extra.append(("cold compare [s]", cold_seconds))
    for label, fn in extra:
        samples: dict = {v: [] for v in roots}
        for _ in range(3 if label.startswith("sweep") else 1):
            for v, r in roots.items():
                samples[v].append(fn(r))
        vals = [statistics.median(samples[v]) for v in roots]
        row = [label, *(f"{x:.3g}" for x in vals)]
        if len(vals) == 2:
            row.append(f"{vals[1] / vals[0]:.3f}")
        rows.append(row)
    print(f"medians of {args.repeats} samples; ratio: this / baseline")
    _table(rows, labels)
    if args.cold:
        for v, r in roots.items():
            print(f"\nlongest compiles ({v}), exclusive seconds:")
            for name, sec in compile_profile(r):
                print(f"  {sec:6.2f}  {name}")


if __name__ == "__main__":
    main()
