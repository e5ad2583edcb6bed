"""A comparison of scenarios: each flown, summarised, set beside its baseline and the
documented figures of the flight it stands for.

:func:`compare` returns a :class:`Comparison`; :meth:`Comparison.document` is the JSON
document of ``reentry run`` and ``reentry compare`` (its keys are a stable interface).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.config.errors import ScenarioError
from sim.config.scenario import Scenario, plan
from sim.flight.plan import FlightPlan
from sim.results.documented import documented_block, documented_comparison
from sim.results.summary import Summary, summarize
from sim.results.trajectory import Trajectory
from sim.studies.runs import fly


@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """One scenario of a comparison, flown."""

    scenario: Scenario
    plan: FlightPlan
    trajectory: Trajectory
    summary: Summary
    versus_documented: list


@dataclass(frozen=True, eq=False)
class Comparison:
    """Scenarios flown side by side.

    Attributes
    ----------
    runs : tuple of ScenarioRun
        In the order given.
    baseline : str or None
        Name of the scenario the misses are measured from (None: no baseline).
    """

    runs: tuple
    baseline: str | None

    def run(self, name: str) -> ScenarioRun:
        """The run of the scenario called ``name``."""
        for r in self.runs:
            if r.scenario.name == name:
                return r
        raise KeyError(name)

    def document(self) -> dict:
        """The comparison as a JSON-able dict (the command line's ``--json`` output)."""
        return jsonable(
            {
                "scenarios": [_entry(r) for r in self.runs],
                "reference": self.baseline,
                "documented": documented_block(
                    r.scenario.documented[0] for r in self.runs if r.scenario.documented is not None
                ),
            }
        )


def baseline_of(scenarios: Sequence[Scenario]) -> Scenario:
    """The baseline: the scenario with ``reference = true``, else the one named
    ``nominal``, else the first.

    Raises
    ------
    ScenarioError
        When more than one scenario says ``reference = true``.
    """
    refs = [s for s in scenarios if s.reference]
    if len(refs) > 1:
        raise ScenarioError(
            refs[1].path, "reference", f"true for one scenario only (also {refs[0].path})"
        )
    if refs:
        return refs[0]
    named = [s for s in scenarios if s.name == "nominal"]
    return named[0] if named else scenarios[0]


def check_names(scenarios: Sequence[Scenario]) -> None:
    """Raise :class:`ScenarioError` when two scenarios share a name."""
    seen: dict = {}
    for s in scenarios:
        if s.name in seen:
            raise ScenarioError(
                s.path,
                "name",
                f"a scenario name unique in the comparison "
                f"({s.name!r} is also the name of {seen[s.name]})",
            )
        seen[s.name] = s.path


def compare(scenarios: Sequence[Scenario], *, with_baseline: bool = True) -> Comparison:
    """Plan, fly and summarise scenarios; misses from the baseline when asked.

    Parameters
    ----------
    scenarios : sequence of Scenario
    with_baseline : bool
        Measure misses from the baseline (:func:`baseline_of`); without it, each flight
        stands alone (``reentry run``).

    Raises
    ------
    ScenarioError
        For duplicate names, two references, or a target deorbit targeting cannot reach.
    """
    scenarios = list(scenarios)
    check_names(scenarios)
    base = baseline_of(scenarios) if with_baseline else None
    plans = {s.name: plan(s) for s in scenarios}
    trajectories = {s.name: fly(s, plans[s.name]) for s in scenarios}
    ref_traj = trajectories[base.name] if base is not None else None
    runs = []
    for s in scenarios:
        traj = trajectories[s.name]
        summary = summarize(traj, s.target, ref_traj)
        versus = [] if s.documented is None else documented_comparison(summary, *s.documented)
        runs.append(ScenarioRun(s, plans[s.name], traj, summary, versus))
    return Comparison(tuple(runs), None if base is None else base.name)


def _targeting(solution) -> dict | None:
    if solution is None:
        return None
    orbit = solution.orbit
    assert orbit.raan is not None and orbit.argument_of_latitude is not None
    return {
        "raan_deg": math.degrees(orbit.raan),
        "argument_of_latitude_deg": math.degrees(orbit.argument_of_latitude),
        "residual_km": float(solution.residual) / 1e3,
        "iterations": int(solution.iterations),
    }


def _entry(run: ScenarioRun) -> dict:
    s = run.scenario
    return {
        "name": s.name,
        "file": str(s.path),
        "description": s.description,
        "reference": s.reference,
        **run.summary.to_dict(),
        "documented": None
        if s.documented is None
        else {"flight": s.documented[0], "case": s.documented[1]},
        "versus_documented": run.versus_documented,
        "targeting": _targeting(run.plan.solution),
        "events": [
            {"time_s": e.time, "name": e.name, "phase": e.phase, "altitude_km": e.altitude / 1e3}
            for e in run.trajectory.events
        ],
    }


def jsonable(x: Any) -> Any:
    """Plain JSON types (non-finite numbers become None)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return int(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return v if math.isfinite(v) else None
