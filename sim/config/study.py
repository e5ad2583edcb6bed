"""Study tables of a scenario file: ``[study]``, ``[dispersions]`` and ``[sweep]``.

A study file is a scenario file (usually one that ``extends`` a shipped scenario) with a
``[study]`` table saying what to run, a ``[dispersions]`` table of distributions keyed by
dotted keys (a Monte Carlo, or the ranges of a Latin hypercube or Sobol design) and/or a
``[sweep]`` table of values keyed by dotted keys (a grid). This module reads and validates
them into :class:`StudySpec` (``configs/README.md`` documents every key); the studies layer
(:mod:`sim.studies`) runs them.
"""

import math
from dataclasses import dataclass, field

from sim.config.schema import Table
from sim.config.tree import close_match, describe

#: Distributions of a dispersion and the parameters each takes.
DISTRIBUTIONS = {
    "normal": ("mean", "std", "std_rel", "low", "high"),
    "truncated_normal": ("mean", "std", "std_rel", "low", "high"),
    "uniform": ("low", "high", "half_width", "half_width_rel"),
    "lognormal": ("median", "sigma"),
    "choice": ("values", "weights"),
}
#: Kinds of a study.
KINDS = ("montecarlo", "grid", "lhs", "sobol")
#: The keys of a ``[study]`` table.
STUDY_KEYS = ("kind", "samples", "seed", "batch_size", "fixed_burn", "stop", "correlations")
#: The keys of a study's ``stop`` table.
STOP_KEYS = ("column", "quantile", "width", "max_samples")


@dataclass(frozen=True)
class Dispersion:
    """The distribution of one dotted key (SI of the key's own unit, e.g. kg for
    ``mass_kg``).

    Attributes
    ----------
    key : str
        Dotted key of the scenario.
    distribution : str
        A name of :data:`DISTRIBUTIONS`.
    mean, std : float or None
        Normal: the mean (None: the scenario's value) and standard deviation (``std``,
        or ``std_rel`` times the mean).
    std_rel : float or None
    low, high : float or None
        Bounds: a uniform's range, or a truncated normal's truncation. A normal of a
        positive quantity is truncated at zero (reported), unless ``low`` says otherwise.
    half_width, half_width_rel : float or None
        A uniform as mean -/+ half-width (absolute, or relative to the scenario's value).
    median, sigma : float or None
        Log-normal: the median (None: the scenario's value) and the standard deviation of
        the logarithm.
    values, weights : tuple or None
        Choice: the values (numbers, strings or tables) and their weights.
    known : bool
        The flight computer and the planners knew the value (it reaches the guidance's
        model and the burn is planned with it); by default a dispersion is of the truth.
    """

    key: str
    distribution: str
    mean: float | None = None
    std: float | None = None
    std_rel: float | None = None
    low: float | None = None
    high: float | None = None
    half_width: float | None = None
    half_width_rel: float | None = None
    median: float | None = None
    sigma: float | None = None
    values: tuple | None = None
    weights: tuple | None = None
    known: bool = False


@dataclass(frozen=True)
class StopRule:
    """Run until a statistic is known well enough.

    Attributes
    ----------
    column : str
        A result column (e.g. ``distance_to_target_km``).
    quantile : float
        The quantile of it whose confidence interval is watched [0-1] (e.g. 0.997).
    width : float
        Stop when the 95 % confidence interval of that quantile is narrower than this [the
        column's unit].
    max_samples : int
        Never fly more runs than this.
    """

    column: str
    quantile: float
    width: float
    max_samples: int


@dataclass(frozen=True)
class StudySpec:
    """What a study file asks for.

    Attributes
    ----------
    kind : str
        ``"montecarlo"``, ``"grid"``, ``"lhs"`` or ``"sobol"``.
    samples : int
        Runs (Monte Carlo, Latin hypercube, scrambled Sobol sequence); ignored by a grid.
    seed : int
    batch_size : int
        Runs per batch handed to the engine (and per checkpoint shard).
    dispersions : tuple of Dispersion
    sweep : tuple of (key, tuple of values)
        The grid's axes.
    sweep_mode : str
        ``"product"`` (every combination) or ``"zip"`` (the lists side by side).
    correlations : tuple of ((key, key), rho)
        Correlated pairs of normal or log-normal dispersions (a Gaussian copula).
    stop : StopRule or None
    fixed_burn : bool
        Fly every run with the undispersed scenario's solved burn point (no re-targeting);
        the default, as the planners knew only the nominal.
    """

    kind: str
    samples: int
    seed: int
    batch_size: int
    dispersions: tuple = ()
    sweep: tuple = ()
    sweep_mode: str = "product"
    correlations: tuple = ()
    stop: StopRule | None = None
    fixed_burn: bool = True
    name: str = field(default="study")


def read_study(top: Table) -> StudySpec | None:
    """The study tables of a scenario's top-level table (None without a ``[study]``).

    ``[dispersions]`` or ``[sweep]`` without ``[study]`` are an error: a study table
    that nothing would run.
    """
    study = top.table("study", required=False, what="a [study] table")
    dispersions = top.table("dispersions", required=False, what="a [dispersions] table")
    sweep = top.table("sweep", required=False, what="a [sweep] table")
    if study is None:
        for key, t in (("dispersions", dispersions), ("sweep", sweep)):
            if t is not None:
                raise top.error(
                    key,
                    "a [study] table beside it (kind = 'montecarlo', "
                    "'grid', 'lhs' or 'sobol'), or no such table",
                )
        return None
    study.only(STUDY_KEYS)
    kind = study.string("kind", choices=KINDS)
    if kind == "grid" and study.has("samples"):
        raise study.error("samples", "no samples for a grid: its runs are its [sweep]'s values")
    if kind != "grid" and not study.has("samples"):
        raise study.error("samples", f"the number of runs (kind = {kind!r})")
    samples = study.integer("samples", default=0, ge=1, le=10_000_000)
    seed = study.integer("seed", default=0, ge=0, le=2**63 - 1)
    batch = study.integer("batch_size", default=2000, ge=1, le=1_000_000)
    fixed_burn = study.boolean("fixed_burn", default=True)
    stop = _stop(study)
    disps = _dispersions(dispersions) if dispersions is not None else ()
    axes, mode = _sweep(sweep) if sweep is not None else ((), "product")
    correlations = _correlations(study, disps)
    study.done()
    if kind in ("montecarlo", "lhs", "sobol") and not disps:
        raise top.error(
            "dispersions", f"a [dispersions] table (kind = {kind!r} samples its distributions)"
        )
    if kind == "grid" and not axes:
        raise top.error("sweep", "a [sweep] table of dotted keys and value lists (kind = 'grid')")
    if kind == "grid" and disps:
        raise top.error(
            "dispersions", "no [dispersions] in a grid study (it flies its [sweep] only)"
        )
    if kind != "grid" and axes:
        raise top.error("sweep", f"no [sweep] in a {kind} study (it samples its [dispersions])")
    if kind in ("lhs", "sobol"):
        bad = [d.key for d in disps if d.distribution == "choice"]
        if bad:
            raise top.error(
                "dispersions", f"numeric distributions for a {kind} design, not a choice ({bad[0]})"
            )
    return StudySpec(kind, samples, seed, batch, disps, axes, mode, correlations, stop, fixed_burn)


def _stop(study: Table) -> StopRule | None:
    t = study.table(
        "stop", required=False, what="an inline table { column = ..., quantile = ..., width = ... }"
    )
    if t is None:
        return None
    t.only(STOP_KEYS)
    rule = StopRule(
        column=t.string("column"),
        quantile=t.number("quantile", gt=0.0, lt=1.0),
        width=t.number("width", gt=0.0),
        max_samples=int(
            t.number("max_samples", required=False, default=1_000_000, gt=0, le=10_000_000)
        ),
    )
    t.done()
    return rule


def _dispersions(t: Table) -> tuple:
    out = []
    for key in list(t.data):
        d = t.table(key, what="an inline table { distribution = ..., ... }")
        dist = d.string("distribution", choices=tuple(DISTRIBUTIONS))
        d.only(("distribution", "known", *DISTRIBUTIONS[dist]))  # a misspelt one first
        values: dict = {
            "key": key,
            "distribution": dist,
            "known": d.boolean("known", default=False),
        }
        if dist == "choice":
            items = d.list("values", what="a list of values")
            if not items:
                raise d.error("values", "at least one value")
            values["values"] = tuple(items)
            if d.has("weights"):
                w = d.number_list("weights", min_length=len(items), gt=0.0)
                if w.size != len(items):
                    raise d.error("weights", f"one weight per value ({len(items)}), not {w.size}")
                values["weights"] = tuple(float(x) for x in w)
        else:
            for name in DISTRIBUTIONS[dist]:
                if name in ("values", "weights"):
                    continue
                positive = name in ("std", "std_rel", "sigma", "half_width", "half_width_rel")
                v = d.number(name, required=False, gt=0.0 if positive else None)
                if v is not None:
                    values[name] = v
            _check(d, dist, values)
        d.done()
        out.append(Dispersion(**values))
    t.used.update(t.data)
    return tuple(out)


def _check(d: Table, dist: str, v: dict) -> None:
    if dist in ("normal", "truncated_normal"):
        if ("std" in v) == ("std_rel" in v):
            raise d.error("std", "exactly one of std and std_rel")
        if dist == "truncated_normal" and "low" not in v and "high" not in v:
            raise d.error("low", "low and/or high (the truncation of a truncated_normal)")
    elif dist == "uniform":
        has_range = "low" in v or "high" in v
        has_width = "half_width" in v or "half_width_rel" in v
        if (
            has_range == has_width
            or (has_range and not ("low" in v and "high" in v))
            or ("half_width" in v and "half_width_rel" in v)
        ):
            raise d.error(
                "low",
                "either low and high, or one of half_width and "
                "half_width_rel around the scenario's value",
            )
    elif dist == "lognormal" and "sigma" not in v:
        raise d.error("sigma", "a number > 0 (the standard deviation of the logarithm)")
    low, high = v.get("low"), v.get("high")
    if low is not None and high is not None and not low < high:
        raise d.error("high", f"a number > low ({low:g}), not {high:g}")


def _sweep(t: Table) -> tuple:
    mode = t.string("mode", required=False, default="product", choices=("product", "zip"))
    axes = []
    for key in [k for k in t.data if k != "mode"]:
        if "." not in key and close_match(key, ["mode"]):
            t.unknown(key, ["mode", '"<dotted key>"'])
        if isinstance(t.data[key], dict):
            raise t.error(
                key,
                f'a list of values, not a table (a dotted key is quoted: "{key}.…" = [...])',
            )
        values = t.list(key, what="a list of values")
        if not values:
            raise t.error(key, "at least one value")
        axes.append((key, tuple(values)))
    if mode == "zip" and len({len(v) for _, v in axes}) > 1:
        raise t.error(
            "mode",
            "lists of one length for mode = 'zip', not " + ", ".join(str(len(v)) for _, v in axes),
        )
    return tuple(axes), mode


def _correlations(study: Table, disps: tuple) -> tuple:
    items = (
        study.list(
            "correlations", required=False, what='a list of { keys = ["a", "b"], rho = ... }'
        )
        or []
    )
    keys = {d.key: d for d in disps}
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise study.error("correlations", f"item {i}: a table, not {describe(item)}")
        pair = item.get("keys")
        rho = item.get("rho")
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or any(k not in keys for k in pair)
            or pair[0] == pair[1]
        ):
            raise study.error("correlations", f"item {i}: keys = two different dispersed keys")
        if any(
            keys[k].distribution not in ("normal", "truncated_normal", "lognormal") for k in pair
        ):
            raise study.error("correlations", f"item {i}: normal or lognormal dispersions")
        if (
            isinstance(rho, bool)
            or not isinstance(rho, int | float)
            or not -1 < rho < 1
            or not math.isfinite(rho)
        ):
            raise study.error("correlations", f"item {i}: rho, a number in (-1, 1)")
        unknown = set(item) - {"keys", "rho"}
        if unknown:
            raise study.error("correlations", f"item {i}: no such key {sorted(unknown)[0]}")
        out.append(((pair[0], pair[1]), float(rho)))
    return tuple(out)
