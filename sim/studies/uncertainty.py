"""What the model predicts given what is and is not known: the stated uncertainty of the
unpublished parameters (:mod:`sim.studies.uncertain`) propagated to the figures the
documented flight defines, with percentiles and Sobol indices.

Every point (one value per uncertain parameter) is flown in two steps, as the day was:

1. **Planning.** The parameters the planners knew (``known = true``: the capsule's lift
   and drag, the guidance's reference bank, the atmosphere model, the masses, the burn's
   magnitude) give the deorbit targeting problem; it is solved for the planned landing
   point (:func:`sim.config.scenario.plan`), once per distinct problem and shared by every
   scenario with that problem (the TMA-11 ballistic and stuck-service-module descents plan
   the same burn).
2. **Flight.** The scenario is flown from that burn point with every value, including the
   day-of-flight errors nobody knew (density, burn timing), through the compiled engine in
   batches (:class:`sim.studies.batch.VariantPacker`).

So a miss is measured from the point the planners aimed at, as the documented misses are:
the along-track distance still to go (``downrange_to_target_km``, the 475 km figure) and
the great-circle distance (``distance_to_target_km``, the 420 and 428 km figures).

:func:`propagate` runs a Monte Carlo of ``samples`` flights per scenario (stratified over
the values of a ``choice`` parameter such as the atmosphere model, so that each model's
distribution is reported on its own) and a Sobol design (Saltelli's scheme through SALib,
``sobol_samples`` (D + 2) flights for D parameters) for first-order and total indices.
"""

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.config.build import build_scenario
from sim.config.errors import ScenarioError
from sim.config.scenario import Scenario, fixed_burn_overrides, plan
from sim.config.tree import ConfigTree, read_config
from sim.models.geodesy import geodesic_inverse_many
from sim.results.documented import DOCUMENTED, DocumentedFigure
from sim.studies.batch import VariantPacker, fly_variants
from sim.studies.sampling import uniforms
from sim.studies.table import result_columns
from sim.studies.uncertain import Parameter, UncertaintySpec, variant_overrides

#: Outputs of every flight: name -> (table column, unit, meaning).
OUTPUTS = {
    "miss_along_track_km": ("downrange_to_target_km", "km", "still to go along the approach"),
    "miss_great_circle_km": ("distance_to_target_km", "km", "great circle to the target"),
    "peak_g": ("peak_g", "g0", "peak sensed load"),
    "landing_time_s": ("flight_time_s", "s", "landing after the epoch (the planned burn)"),
}
#: Summary metric of a documented figure -> output.
METRIC_OUTPUT = {
    "downrange_to_target_km": "miss_along_track_km",
    "distance_to_target_km": "miss_great_circle_km",
    "peak_g": "peak_g",
    "landing_time_utc": "landing_time_s",
}


@dataclass
class Propagator:
    """Flies points of the uncertain parameters in several scenarios (module docstring).

    Parameters
    ----------
    scenarios : sequence of Scenario
        Loaded scenarios (their files are read again for the variants).
    parameters : sequence of Parameter
    overrides : mapping, optional
        Applied to every flight first (as ``--set``).
    """

    scenarios: Sequence[Scenario]
    parameters: Sequence[Parameter]
    overrides: Mapping = field(default_factory=dict)
    _trees: dict = field(default_factory=dict, repr=False)
    _pins: dict = field(default_factory=dict, repr=False)
    _packers: dict = field(default_factory=dict, repr=False)
    _solutions: dict = field(default_factory=dict, repr=False)
    plans_solved: int = 0

    def __post_init__(self) -> None:
        for s in self.scenarios:
            tree = read_config(s.path)
            self._trees[s.name] = tree
            self._pins[s.name] = fixed_burn_overrides(plan(s))
            self._check_keys(s, tree)

    def _check_keys(self, scenario: Scenario, tree: ConfigTree) -> None:
        """Every parameter that applies must be a key the scenario accepts."""
        values = {p.key: p.value(np.array([0.5]))[0] for p in self.parameters}
        known, truth = variant_overrides(self.parameters, values, scenario.name)
        for key, value in {**known, **truth}.items():
            if key == "atmosphere.model":
                continue
            extra = dict(self._structural({**known, **truth}, scenario.name))
            try:
                build_scenario(tree.resolve({**self.overrides, **extra, key: value}))
            except ScenarioError as exc:
                raise ScenarioError(
                    exc.file, f"parameters.{key}", f"{exc.key}: {exc.expected}"
                ) from None

    def _structural(self, values: Mapping, scenario: str) -> tuple:
        """The non-numeric values of a point (one packer per combination), with the
        parameters that exist only under them at their medians."""
        out = {k: v for k, v in values.items() if not _numeric(v)}
        for p in self.parameters:
            if p.when is not None and out.get(p.when[0]) == p.when[1] and p.applies(scenario):
                out[p.key] = float(p.value(np.array([0.5]))[0])
        return tuple(sorted(out.items()))

    def _burn_point(self, scenario: Scenario, known: Mapping) -> dict:
        """The solved burn point for what the planners knew (cached per problem)."""
        tree = self._trees[scenario.name]
        s = build_scenario(tree.resolve({**self.overrides, **known}))
        if s.deorbit is None:
            return {}
        key = s.deorbit.key()
        if key not in self._solutions:
            orbit = plan(s).orbit
            assert orbit is not None and orbit.raan is not None
            assert orbit.argument_of_latitude is not None
            self._solutions[key] = {
                "initial.raan_deg": math.degrees(orbit.raan),
                "initial.argument_of_latitude_deg": math.degrees(orbit.argument_of_latitude),
            }
            self.plans_solved += 1
        return self._solutions[key]

    def _packer(self, scenario: Scenario, structural: tuple) -> VariantPacker:
        key = (scenario.name, structural)
        if key not in self._packers:
            # every numeric key at its median in the base, so that each is a number the
            # packer can move (a key the scenario leaves at its default included)
            medians = {p.key: p.value(np.array([0.5]))[0] for p in self.parameters}
            medians.update(dict(structural))
            known, truth = variant_overrides(self.parameters, medians, scenario.name)
            numeric = {
                k: v
                for k, v in {**known, **truth}.items()
                if _numeric(v) and not k.startswith("targeting.")
            }
            base = {**self.overrides, **self._pins[scenario.name], **numeric, **dict(structural)}
            self._packers[key] = VariantPacker(self._trees[scenario.name], base)
        return self._packers[key]

    def evaluate(self, points: Sequence[Mapping]) -> dict:
        """Fly every point in every scenario.

        Parameters
        ----------
        points : sequence of mapping
            Parameter key -> value.

        Returns
        -------
        dict
            Scenario name -> table (column -> array, one row per point): the outputs of
            :data:`OUTPUTS`, ``status``, ``landing_lat_deg``, ``landing_lon_deg``.
        """
        out = {}
        for s in self.scenarios:
            groups: dict = {}
            for i, values in enumerate(points):
                known, truth = variant_overrides(self.parameters, values, s.name)
                everything = {**known, **truth}
                structural = self._structural(everything, s.name)
                burn = self._burn_point(s, known)
                # targeting keys act through the burn point only (the flight is pinned to it)
                flight = {
                    k: v
                    for k, v in everything.items()
                    if _numeric(v) and not (burn and k.startswith("targeting."))
                } | burn
                groups.setdefault(structural, []).append((i, flight))
            n = len(points)
            table: dict = {}
            for structural, rows in groups.items():
                packer = self._packer(s, structural)
                result = fly_variants(packer, [v for _, v in rows])
                cols = result_columns(result.summary, 0.0, s.target, None, result.failures)
                idx = np.array([i for i, _ in rows])
                for name, col in cols.items():
                    if name not in table:
                        table[name] = (
                            np.full(n, np.nan)
                            if col.dtype != object
                            else np.full(n, "", dtype=object)
                        )
                    table[name][idx] = col
            for name, (column, _, _) in OUTPUTS.items():
                table[name] = np.asarray(table[column], dtype=float)
            out[s.name] = table
        return out


def guided(scenario: Scenario) -> bool:
    """True when a phase flies the guidance (25-40 ms a flight: not propagated)."""
    from sim.flight.control import GuidedBank

    return any(isinstance(p.control, GuidedBank) for p in scenario.phases)


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float | np.floating) and not isinstance(v, bool)


def points_from_unit(parameters: Sequence[Parameter], u: np.ndarray) -> list[dict]:
    """Points from probabilities ``u`` [n, D] (one column per parameter)."""
    columns = [p.value(u[:, j]) for j, p in enumerate(parameters)]
    return [
        {
            p.key: (float(c[i]) if p.numeric else c[i])
            for p, c in zip(parameters, columns, strict=True)
        }
        for i in range(u.shape[0])
    ]


def monte_carlo_unit(parameters: Sequence[Parameter], samples: int, seed: int) -> tuple:
    """Probabilities of a Monte Carlo stratified over the first choice parameter.

    Returns
    -------
    u : ndarray [samples, D]
    strata : list of (value, row indices)
        One per value of the first choice parameter (its share by weight); one stratum
        of every row when there is none.
    """
    ids = np.arange(samples, dtype=np.int64)
    u = np.column_stack([uniforms(seed, p.key, ids) for p in parameters])
    choice = next((j for j, p in enumerate(parameters) if not p.numeric), None)
    if choice is None:
        return u, [(None, ids)]
    p = parameters[choice]
    values = p.args["values"]
    w = np.asarray(p.args.get("weights") or [1.0] * len(values), dtype=float)
    edges = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    counts = np.diff(np.round(edges * samples)).astype(int)
    strata = []
    start = 0
    for k, count in enumerate(counts):
        rows = ids[start : start + count]
        # the stratum's own value: a probability in the middle of its band
        u[rows, choice] = 0.5 * (edges[k] + edges[k + 1])
        strata.append((values[k], rows))
        start += count
    return u, strata


def percentile_of(values: np.ndarray, x: float) -> float:
    """Where ``x`` falls in the finite values, 0-100 (mid-rank: ties count half)."""
    v = values[np.isfinite(values)]
    if v.size == 0 or not math.isfinite(x):
        return math.nan
    return float(100.0 * (np.count_nonzero(v < x) + 0.5 * np.count_nonzero(v == x)) / v.size)


def figure_values(fig: DocumentedFigure, table: Mapping, epoch_s: float) -> tuple:
    """The flights' values of a documented figure and the documented value in the same
    unit: ``(values, documented, documented_low, documented_high, unit)``. A landing point
    gives the distance from it [km] (documented: 0); a time, seconds after the epoch."""
    if fig.kind == "point":
        lat, lon = table["landing_lat_deg"], table["landing_lon_deg"]
        ok = np.isfinite(lat)
        d = np.full(lat.size, np.nan)
        if ok.any():
            d[ok] = (
                geodesic_inverse_many(
                    lat[ok],
                    lon[ok],
                    np.full(ok.sum(), fig.value[0]),
                    np.full(ok.sum(), fig.value[1]),
                )[0]
                / 1e3
            )
        return d, 0.0, 0.0, 0.0, "km"
    output = METRIC_OUTPUT.get(fig.metric)
    if output is None:
        return None, math.nan, math.nan, math.nan, fig.unit
    values = np.asarray(table[output], dtype=float)
    if fig.kind == "utc":
        from sim.results.summary import parse_utc

        lo, hi = (parse_utc(v).timestamp() - epoch_s for v in fig.value)
        return values, 0.5 * (lo + hi), lo, hi, "s"
    lo, hi = (float(v) for v in fig.value)
    return values, 0.5 * (lo + hi), lo, hi, fig.unit


def figure_statistics(values: np.ndarray, documented: float, low: float, high: float) -> dict:
    """``p05``, ``p50``, ``p95`` of the flights and the documented value's percentile
    (of the middle of a range; ``documented_percentile_low``/``_high`` of its ends)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"n": 0, "p05": None, "p50": None, "p95": None, "documented_percentile": None}
    p = np.quantile(v, [0.05, 0.5, 0.95])
    out = {
        "n": int(v.size),
        "p05": float(p[0]),
        "p50": float(p[1]),
        "p95": float(p[2]),
        "documented_percentile": percentile_of(v, documented),
    }
    if low != high:
        out["documented_percentile_low"] = percentile_of(v, low)
        out["documented_percentile_high"] = percentile_of(v, high)
    return out


def sobol_library():
    """SALib's Sobol sampler and analysis (the 'uncertainty' extra): called before any
    flight by those who will need them, so that a missing extra is said at once."""
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError as exc:
        raise ImportError(
            "Sobol indices need SALib: the 'uncertainty' extra, pip install -e '.[uncertainty]'"
        ) from exc
    return sobol_sample, sobol_analyze


def sobol_indices(
    propagator: Propagator, parameters: Sequence[Parameter], base: int, seed: int
) -> tuple[dict, int]:
    """First-order and total Sobol indices of every output of every scenario (Saltelli
    2010 estimators through SALib, ``base`` (D + 2) flights; 95 % bootstrap half-widths).

    Returns
    -------
    indices : dict
        Scenario -> output -> parameter key -> ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    runs : int
        Points flown (per scenario).
    """
    sobol_sample, sobol_analyze = sobol_library()
    problem = {
        "num_vars": len(parameters),
        "names": [p.key for p in parameters],
        "bounds": [[0.0, 1.0]] * len(parameters),
    }
    u = sobol_sample.sample(problem, base, calc_second_order=False, scramble=True, seed=seed)
    tables = propagator.evaluate(points_from_unit(parameters, u))
    out: dict = {}
    for name, table in tables.items():
        out[name] = {}
        for output in OUTPUTS:
            y = np.asarray(table[output], dtype=float)
            if not np.all(np.isfinite(y)) or np.std(y) == 0.0:
                out[name][output] = None  # a flight that did not land, or no variance
                continue
            res = sobol_analyze.analyze(
                problem, y, calc_second_order=False, seed=seed, print_to_console=False
            )
            out[name][output] = {
                p.key: {
                    "S1": float(res["S1"][j]),
                    "S1_conf": float(res["S1_conf"][j]),
                    "ST": float(res["ST"][j]),
                    "ST_conf": float(res["ST_conf"][j]),
                }
                for j, p in enumerate(parameters)
            }
    return out, int(u.shape[0])


def propagate(
    scenarios: Sequence[Scenario],
    spec: UncertaintySpec,
    *,
    overrides: Mapping | None = None,
    samples: int | None = None,
    sobol_samples: int | None = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Propagate an uncertainty file's parameters through scenarios (module docstring).

    Returns
    -------
    dict (JSON-able)
        ``file``, ``samples``, ``seed``, ``sobol_samples``, ``sobol_runs``,
        ``parameters`` (key, distribution, its arguments, known, source, scenarios),
        ``strata`` (the values of the stratified choice), ``scenarios`` (name ->
        ``figures``: figure key -> ``unit``, the mixture's statistics
        (:func:`figure_statistics`) and ``by`` (stratum value -> statistics);
        ``outputs``: output -> the same statistics; ``sobol``: output -> key -> indices;
        ``failed``), ``plans_solved``, ``seconds``.
    """
    start = time.perf_counter()
    n = int(samples if samples is not None else spec.samples)
    base = int(sobol_samples if sobol_samples is not None else spec.sobol_samples)
    seed = int(spec.seed if seed is None else seed)
    params = list(spec.parameters)
    prop = Propagator(list(scenarios), params, dict(overrides or {}))
    say = progress or (lambda _text: None)
    say(f"uncertainty: {n} flights per scenario ({len(params)} parameters)")
    u, strata = monte_carlo_unit(params, n, seed)
    tables = prop.evaluate(points_from_unit(params, u))
    say(f"uncertainty: Sobol design, {base} x {len(params) + 2} flights per scenario")
    sobol, runs = sobol_indices(prop, params, base, seed)
    out_scenarios = {}
    for s in scenarios:
        table = tables[s.name]
        epoch_s = s.epoch.timestamp() if s.epoch is not None else 0.0
        figures = {}
        for fig in [] if s.documented is None else DOCUMENTED[s.documented[0]][s.documented[1]]:
            values, doc, lo, hi, unit = figure_values(fig, table, epoch_s)
            if values is None:
                continue
            entry = {"unit": unit, **figure_statistics(values, doc, lo, hi)}
            if fig.kind == "point":
                entry["documented_percentile"] = None  # a distance from it: 0 by definition
            entry["by"] = {
                str(value): figure_statistics(values[rows], doc, lo, hi)
                for value, rows in strata
                if value is not None
            }
            if fig.kind == "point":
                for stats_ in entry["by"].values():
                    stats_["documented_percentile"] = None
            figures[fig.key] = entry
        outputs = {
            name: {"unit": unit, **figure_statistics(table[name], math.nan, 0.0, 0.0)}
            for name, (_, unit, _) in OUTPUTS.items()
        }
        for o in outputs.values():
            o.pop("documented_percentile", None)
        out_scenarios[s.name] = {
            "figures": figures,
            "outputs": outputs,
            "sobol": sobol[s.name],
            "failed": int(np.count_nonzero(table["status"] != "landed")),
        }
    return {
        "file": str(spec.path),
        "samples": n,
        "seed": seed,
        "sobol_samples": base,
        "sobol_runs": runs,
        "parameters": [
            {
                "key": p.key,
                "distribution": p.distribution,
                **{k: v for k, v in p.args.items()},
                "known": p.known,
                "source": p.source,
                "scenarios": None if p.scenarios is None else list(p.scenarios),
            }
            for p in params
        ],
        "strata": [str(v) for v, _ in strata if v is not None],
        "scenarios": out_scenarios,
        "plans_solved": prop.plans_solved,
        "seconds": time.perf_counter() - start,
    }


def _utc(epoch_s: float, seconds: float | None) -> str | None:
    if seconds is None or not math.isfinite(seconds):
        return None
    from datetime import UTC, datetime

    return (
        datetime.fromtimestamp(epoch_s + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    )


def attach_uncertainty(document: dict, scenarios: Sequence[Scenario], result: dict) -> dict:
    """Add a propagation (:func:`propagate`) to a comparison's JSON document: each entry
    of ``versus_documented`` of a propagated scenario gets ``p05``, ``p50``, ``p95``,
    ``documented_percentile`` (0-100; None for a landing point, whose figure is the
    distance from it), ``uncertainty_unit`` and ``by_atmosphere`` (the same per stratum);
    the document gets ``uncertainty`` (the whole propagation). A time's percentiles are
    UTC strings."""
    epochs = {s.name: (s.epoch.timestamp() if s.epoch is not None else 0.0) for s in scenarios}
    for entry in document["scenarios"]:
        prop = result["scenarios"].get(entry["name"])
        if prop is None:
            continue
        epoch_s = epochs.get(entry["name"], 0.0)
        for row in entry["versus_documented"]:
            fig = prop["figures"].get(row["key"])
            if fig is None:
                continue

            def fields(st, kind=row["kind"], epoch_s=epoch_s):
                keys = ("p05", "p50", "p95")
                vals = {k: st.get(k) for k in keys}
                if kind == "utc":
                    vals = {k: _utc(epoch_s, v) for k, v in vals.items()}
                return {**vals, "documented_percentile": st.get("documented_percentile")}

            row.update(fields(fig))
            row["uncertainty_unit"] = "UTC" if row["kind"] == "utc" else fig["unit"]
            row["by_atmosphere"] = {k: fields(v) for k, v in fig["by"].items()}
    document["uncertainty"] = result
    return document
