"""``reentry bench``: the engine's speed and accuracy, measured side by side in one run.

Every figure is measured in this process, on this machine, now: the compiled engine and
the ``solve_ivp`` reference path fly the same TMA-11 flight programs, timed alternately
so that the load of a shared machine weighs on both alike, and each time is the median of
several samples. The accuracy figures compare the compiled engine at the scenario's own
tolerance with ``solve_ivp`` (DOP853) at ``rtol=1e-12``.

Figures (the keys of :func:`run_bench`'s dictionary, stable in ``reentry bench --json``):

``single_ms``
    The ballistic TMA-11 descent from the module separation to touchdown, compiled [ms].
``single_reference_ms``
    The same descent on the ``solve_ivp`` reference path (DOP853, the scenario's rtol) [ms].
``guided_ms`` / ``guided_reference_ms``
    The guided nominal flight, deorbit burn to touchdown, both ways [ms].
``landing_error_m`` / ``peak_g_error``
    The largest landing distance (geodesic) and peak-load difference over the TMA-11
    scenarios between the compiled engine and the ``rtol=1e-12`` reference: the engine's
    accuracy, the guided nominal flown with its load limit off.
``mc_landing_error_m``
    The largest landing distance between the compiled engine and the ``rtol=1e-12``
    reference over the first runs of the ballistic Monte Carlo (:data:`MC_ACCURACY_RUNS`):
    the engine's accuracy over dispersed descents, not only over the three scenarios.
``guided_landing_error_m``
    The same for the guided nominal as shipped (5 g load limit): the guidance's decisions
    (a corrector that stops within its 200 m tolerance from where the load relief left
    it) turn the engines' differences into landings up to that tolerance apart, on either
    engine; no target (a property of the guidance, not of the engine).
``mc_runs_per_s``
    The ballistic Monte Carlo (``studies/montecarlo_ballistic.toml``) end to end in this
    process: sampling, building the variants, flying them on all cores, the result table
    (4,000 runs, the median of three, after an untimed campaign of
    :data:`WARM_UP_RUNS` that loads the compiled code: once per process).
``guided_mc_runs_per_s``
    The same for the guided Monte Carlo.
``mc_reference_runs_per_s``
    The ballistic Monte Carlo's first variants built and flown one by one on the reference
    path: what a loop over the public API of one descent at a time gives.
``import_s``
    A fresh ``python -c "import sim"`` (median of three).
``memory_mb_per_1000_runs``
    What a campaign holds per 1,000 runs: the growth of the peak of the memory it
    allocates (``tracemalloc``: the tables, summaries and event logs; the resident
    memory's pages and pools do not resolve it) in a fresh process running the ballistic
    Monte Carlo, from 1,000 to 10,000 runs, per 1,000 runs. ``memory_mb_100k_runs``
    extrapolates a 100,000-run campaign from it: the peak resident memory of the
    1,000-run process plus 99 times the growth; ``peak_rss_mb_10k_runs`` is measured.
"""

import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sim.config.build import load_scenario
from sim.config.scenario import plan
from sim.core.ivp import fly_reference
from sim.core.layout import PH, SM, S
from sim.core.program import state_init
from sim.core.run import fly_alone, fly_program
from sim.flight.control import GuidedBank
from sim.flight.simulate import fly, trajectory_of
from sim.models.earth import ecef_to_geodetic
from sim.models.geodesy import geodesic_inverse
from sim.results.summary import summarize
from sim.studies.campaign import Campaign, run_campaign
from sim.studies.runs import scenario_program

#: Targets of the engine (2-core machine, medians); None: no target.
TARGETS = {
    "single_ms": ("<=", 0.5),
    "guided_ms": ("<=", 20.0),
    "landing_error_m": ("<=", 10.0),
    "mc_landing_error_m": ("<=", 10.0),
    "peak_g_error": ("<=", 0.01),
    "mc_runs_per_s": (">=", 5000.0),
    "guided_mc_runs_per_s": (">=", 100.0),
    "memory_mb_100k_runs": ("<=", 1000.0),
}

#: Scenarios of a TMA-11 folder flown for the accuracy figures.
ACCURACY_SCENARIOS = ("ballistic", "nominal", "stuck_service_module")
#: Runs of the ballistic Monte Carlo flown against the tight reference.
MC_ACCURACY_RUNS = 8


class BenchError(Exception):
    """The folder given holds no TMA-11 scenarios to measure."""


def _median_time(run: Callable[[], object], samples: int, budget_s: float) -> float:
    """Median seconds of one call: ``samples`` samples of about ``budget_s`` each."""
    start = time.perf_counter()
    run()
    calls = max(1, int(budget_s / max(time.perf_counter() - start, 1e-6)))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(calls):
            run()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def _side_by_side(cases: dict, samples: int, budget_s: float) -> dict:
    """Median seconds per call of every case, the cases timed alternately per sample."""
    calls = {}
    for name, run in cases.items():
        start = time.perf_counter()
        run()
        calls[name] = max(1, int(budget_s / max(time.perf_counter() - start, 1e-6)))
    times: dict = {name: [] for name in cases}
    for _ in range(samples):
        for name, run in cases.items():
            start = time.perf_counter()
            for _ in range(calls[name]):
                run()
            times[name].append((time.perf_counter() - start) / calls[name])
    return {name: statistics.median(t) for name, t in times.items()}


def descent_program(program, flown):
    """The part of a program after its first phase, started from the state the stored
    flight ``flown`` had when the second phase began (the separation, for TMA-11)."""
    first = next(seg for seg in flown.segments if seg.phase == 1)
    info = program.info[1:].copy()
    if math.isnan(info[0, PH.start_mass]):
        info[0, PH.start_mass] = first.y[0, S.mass]
    return replace(
        program,
        init=state_init(first.y[0, :3], first.y[0, 3:6], float(first.t[0])),
        phases=program.phases[1:],
        info=info,
        triggers=program.triggers[1:],
        phase_names=program.phase_names[1:],
    )


def scenario_files(folder: Path) -> dict:
    """The files the benchmark flies, checked to exist (:class:`BenchError`)."""
    files = {name: folder / f"{name}.toml" for name in ACCURACY_SCENARIOS}
    files["mc"] = folder / "studies" / "montecarlo_ballistic.toml"
    files["guided_mc"] = folder / "studies" / "montecarlo_guided.toml"
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise BenchError(
            f"{folder}: expected the TMA-11 scenario folder (configs/soyuz_tma11); "
            f"missing {', '.join(missing)}"
        )
    return files


#: Runs of the untimed campaign before a timed one: it loads the batch's compiled code
#: into the process (0.2 s, once per process, like the imports of ``import_s``).
WARM_UP_RUNS = 50


def _campaign_rate(study: Path, samples: int, repeats: int) -> float:
    """Runs per second of a ``samples``-run campaign, the median of ``repeats``, after an
    untimed :data:`WARM_UP_RUNS`-run campaign of the same study."""
    run_campaign(Campaign(study, samples=WARM_UP_RUNS))
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run_campaign(Campaign(study, samples=samples))
        rates.append(len(result.table["run"]) / (time.perf_counter() - start))
    return statistics.median(rates)


_MEMORY_CHILD = """
import resource, sys, tracemalloc
from sim.studies.campaign import Campaign, run_campaign
tracemalloc.start()
result = run_campaign(Campaign(sys.argv[1], samples=int(sys.argv[2])))
assert len(result.table["run"]) == int(sys.argv[2])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, tracemalloc.get_traced_memory()[1])
"""


def _peak_memory_mb(study: Path, samples: int) -> tuple[float, float]:
    """(peak resident, peak allocated by the campaign) [MB] of a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(study), str(samples)],
        capture_output=True,
        text=True,
        check=True,
    )
    kib, traced = out.stdout.split()[-2:]  # ru_maxrss: KiB on Linux
    return int(kib) / 1024.0, int(traced) / 2**20


def _import_seconds(repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sim"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_bench(folder: str | os.PathLike, *, progress: Callable[[str], None] | None = None) -> dict:
    """Measure the engine (see the module docstring); about half a minute.

    Parameters
    ----------
    folder : path-like
        The TMA-11 scenario folder (``configs/soyuz_tma11``).
    progress : callable, optional
        Called with the name of each stage as it starts.

    Returns
    -------
    dict
        The figures (module docstring), ``targets`` and ``machine`` (cores, Python).

    Raises
    ------
    BenchError
        When the folder lacks a scenario the benchmark flies.
    """
    say = progress or (lambda stage: None)
    files = scenario_files(Path(folder))
    figures: dict = {}

    say("single descents")
    ballistic = load_scenario(files["ballistic"])
    b_plan = plan(ballistic)
    b_program = scenario_program(ballistic, b_plan, store=False)
    descent = descent_program(b_program, fly_program(b_program.with_settings(store=1.0)))
    descent_arrays = descent.arrays()
    nominal = load_scenario(files["nominal"])
    n_plan = plan(nominal)
    n_program = scenario_program(nominal, n_plan, store=False)
    guided_arrays = n_program.arrays()
    rows = 10_000
    fast = _side_by_side(
        {
            "single": lambda: fly_alone(descent_arrays),
            "reference": lambda: fly_reference(descent),
        },
        samples=5,
        budget_s=0.2,
    )
    figures["single_ms"] = fast["single"] * 1e3
    figures["single_reference_ms"] = fast["reference"] * 1e3
    guided = _side_by_side(
        {
            "guided": lambda: fly_alone(guided_arrays, rows),
            "reference": lambda: fly_reference(n_program, history_rows=rows),
        },
        samples=3,
        budget_s=0.3,
    )
    figures["guided_ms"] = guided["guided"] * 1e3
    figures["guided_reference_ms"] = guided["reference"] * 1e3

    say("accuracy against rtol=1e-12")
    no_limit = {f"phases.{i}.control.load_limit_g": 0.0 for i in _guided(nominal)}
    errors = [
        _against_tight_reference(files[name], no_limit if name == "nominal" else {})
        for name in ACCURACY_SCENARIOS
    ]
    figures["landing_error_m"] = max(e[0] for e in errors)
    figures["peak_g_error"] = max(e[1] for e in errors)
    figures["guided_landing_error_m"] = _against_tight_reference(files["nominal"], {})[0]

    say("Monte Carlo")
    figures["mc_runs_per_s"] = _campaign_rate(files["mc"], 4000, 3)
    figures["guided_mc_runs_per_s"] = _campaign_rate(files["guided_mc"], 100, 1)
    campaign = Campaign(files["mc"], samples=MC_ACCURACY_RUNS)
    packer = campaign.packer
    variants = campaign.variants(range(MC_ACCURACY_RUNS))
    programs = []
    start = time.perf_counter()
    for variant in variants:  # built and flown one by one, as a loop over the API would
        programs.append(packer.build(variant)[1])
        fly_reference(programs[-1])
    figures["mc_reference_runs_per_s"] = len(variants) / (time.perf_counter() - start)
    say("Monte Carlo accuracy against rtol=1e-12")
    figures["mc_landing_error_m"] = max(program_landing_error(p) for p in programs)

    say("import and memory (fresh processes)")
    figures["import_s"] = _import_seconds()
    (rss_small, small), (rss_large, large) = (
        _peak_memory_mb(files["mc"], 1000),
        _peak_memory_mb(files["mc"], 10_000),
    )
    per_1000 = max(large - small, 0.0) / 9.0
    figures["memory_mb_per_1000_runs"] = per_1000
    figures["memory_mb_100k_runs"] = rss_small + 99.0 * per_1000
    figures["peak_rss_mb_10k_runs"] = rss_large

    figures["targets"] = {k: {"op": op, "value": v} for k, (op, v) in TARGETS.items()}
    figures["machine"] = {
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    return figures


def _against_tight_reference(path: Path, overrides: dict) -> tuple[float, float]:
    """(landing distance [m], peak-load difference [g]) of a scenario flown by the compiled
    engine at its own tolerance against ``solve_ivp`` (DOP853) at rtol 1e-12."""
    scenario = load_scenario(path, overrides)
    flight_plan = plan(scenario)
    program = scenario_program(scenario, flight_plan)
    a, b = (
        summarize(
            trajectory_of(
                fly(p, flight_plan.phases, engine=engine, method="DOP853"),
                flight_plan.phases,
                scenario.epoch,
            )
        )
        for engine, p in (("compiled", program), ("solve_ivp", program.with_settings(rtol=1e-12)))
    )
    points = (a.landing_lat_deg, a.landing_lon_deg, b.landing_lat_deg, b.landing_lon_deg)
    if any(x is None for x in points) or a.peak_g is None or b.peak_g is None:
        raise BenchError(f"{path}: the flight did not land ({a.status}, {b.status})")
    lat1, lon1, lat2, lon2 = (float(x) for x in points)  # type: ignore[arg-type]
    return float(geodesic_inverse(lat1, lon1, lat2, lon2)[0]), float(abs(a.peak_g - b.peak_g))


def program_landing_error(program) -> float:
    """Landing distance [m] between a program flown by the compiled engine at its own
    tolerance and by ``solve_ivp`` (DOP853) at rtol 1e-12."""
    fast = fly_program(program).summary
    end = fly_reference(program.with_settings(rtol=1e-12)).segments[-1]
    lat, lon, _ = ecef_to_geodetic(*(float(c) for c in end.y[-1, :3]))
    return float(
        geodesic_inverse(
            math.degrees(fast[SM.final_lat]),
            math.degrees(fast[SM.final_lon]),
            math.degrees(lat),
            math.degrees(lon),
        )[0]
    )


def _guided(scenario) -> list[int]:
    """Indices of a scenario's guided phases."""
    return [i for i, ph in enumerate(scenario.phases) if isinstance(ph.control, GuidedBank)]


def _met(name: str, value: float) -> str:
    if name not in TARGETS:
        return ""
    op, target = TARGETS[name]
    ok = value <= target if op == "<=" else value >= target
    return f"{op} {target:g}  {'met' if ok else 'NOT met'}"


def format_bench(figures: dict) -> str:
    """The benchmark as a table: each figure, its reference and ratio, and its target."""
    f = figures
    lines = [
        f"reentry bench ({f['machine']['cores']} cores, Python {f['machine']['python']})",
        f"{'figure':<34}{'compiled':>12}{'reference':>12}{'ratio':>9}  target",
    ]

    def row(label, name, value, reference=None, fmt="{:.3f}"):
        ref = "" if reference is None else fmt.format(reference)
        ratio = ""
        if reference is not None and value > 0 and reference > 0:
            r = reference / value if name.endswith("_ms") else value / reference
            ratio = f"{r:.0f}x" if r >= 10 else f"{r:.1f}x"
        lines.append(f"{label:<34}{fmt.format(value):>12}{ref:>12}{ratio:>9}  {_met(name, value)}")

    row("ballistic descent [ms]", "single_ms", f["single_ms"], f["single_reference_ms"])
    row(
        "guided nominal flight [ms]",
        "guided_ms",
        f["guided_ms"],
        f["guided_reference_ms"],
        "{:.1f}",
    )
    row(
        "ballistic Monte Carlo [runs/s]",
        "mc_runs_per_s",
        f["mc_runs_per_s"],
        f["mc_reference_runs_per_s"],
        "{:.0f}",
    )
    row(
        "guided Monte Carlo [runs/s]",
        "guided_mc_runs_per_s",
        f["guided_mc_runs_per_s"],
        fmt="{:.0f}",
    )
    row("landing vs rtol=1e-12 [m]", "landing_error_m", f["landing_error_m"], fmt="{:.2f}")
    row(
        f"landing, {MC_ACCURACY_RUNS} dispersed runs [m]",
        "mc_landing_error_m",
        f["mc_landing_error_m"],
        fmt="{:.2f}",
    )
    row("peak load vs rtol=1e-12 [g]", "peak_g_error", f["peak_g_error"], fmt="{:.2g}")
    row(
        "guided as shipped vs 1e-12 [m]",
        "guided_landing_error_m",
        f["guided_landing_error_m"],
        fmt="{:.1f}",
    )
    row("import sim [s]", "import_s", f["import_s"], fmt="{:.2f}")
    row(
        "memory per 1,000 runs [MB]",
        "memory_mb_per_1000_runs",
        f["memory_mb_per_1000_runs"],
        fmt="{:.1f}",
    )
    row(
        "100,000-run campaign, est. [MB]",
        "memory_mb_100k_runs",
        f["memory_mb_100k_runs"],
        fmt="{:.0f}",
    )
    lines.append("ratio: how many times faster than the solve_ivp reference path")
    return "\n".join(lines)


def finite(figures: dict) -> bool:
    """True when every figure is a finite number (what the JSON promises)."""
    return all(math.isfinite(v) for k, v in figures.items() if isinstance(v, float | int))
