"""Studies declared in Python: the same tables as a study file's ``[study]``,
``[dispersions]`` and ``[sweep]``, built by functions and validated by the same code.

::

    from sim.studies import Campaign, run_campaign, monte_carlo, normal

    study = monte_carlo(
        {"atmosphere.density_scale": normal(std=0.10),
         "vehicles.descent_module.mass_kg": normal(std_rel=0.01)},
        samples=2000, seed=1)
    result = run_campaign(Campaign("configs/soyuz_tma11/ballistic.toml", study=study))
    result.dataframe()

Each function returns a plain mapping of the tables (what the file would hold), so that a
study written in a notebook can be saved as a file (:func:`sim.config.tree.dump_config`)
and a mistake in it gets the message a file would.
"""

from collections.abc import Mapping, Sequence
from typing import Any


def _clean(**values: Any) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def normal(
    std: float | None = None,
    *,
    std_rel: float | None = None,
    mean: float | None = None,
    low: float | None = None,
    high: float | None = None,
    known: bool = False,
) -> dict:
    """A normal dispersion: ``std`` (the key's unit) or ``std_rel`` (of the mean); the
    mean defaults to the scenario's value. A positive quantity is truncated at zero."""
    return _clean(
        distribution="normal", std=std, std_rel=std_rel, mean=mean, low=low, high=high
    ) | ({"known": True} if known else {})


def truncated_normal(
    std: float | None = None,
    *,
    std_rel: float | None = None,
    mean: float | None = None,
    low: float | None = None,
    high: float | None = None,
    known: bool = False,
) -> dict:
    """A normal truncated at ``low`` and/or ``high``."""
    return _clean(
        distribution="truncated_normal", std=std, std_rel=std_rel, mean=mean, low=low, high=high
    ) | ({"known": True} if known else {})


def uniform(
    low: float | None = None,
    high: float | None = None,
    *,
    half_width: float | None = None,
    half_width_rel: float | None = None,
    known: bool = False,
) -> dict:
    """A uniform dispersion on ``[low, high]``, or the scenario's value -/+ a half-width."""
    return _clean(
        distribution="uniform",
        low=low,
        high=high,
        half_width=half_width,
        half_width_rel=half_width_rel,
    ) | ({"known": True} if known else {})


def lognormal(sigma: float, *, median: float | None = None, known: bool = False) -> dict:
    """A log-normal dispersion: ``sigma`` of the logarithm, the median defaulting to the
    scenario's value."""
    return _clean(distribution="lognormal", sigma=sigma, median=median) | (
        {"known": True} if known else {}
    )


def choice(values: Sequence, weights: Sequence[float] | None = None, known: bool = False) -> dict:
    """One of ``values`` (numbers, strings or tables), with optional weights."""
    return _clean(
        distribution="choice",
        values=list(values),
        weights=None if weights is None else list(weights),
    ) | ({"known": True} if known else {})


def _study(kind: str, samples, seed, batch_size, fixed_burn, correlations, stop) -> dict:
    study = _clean(kind=kind, samples=samples, seed=seed, batch_size=batch_size)
    if not fixed_burn:
        study["fixed_burn"] = False
    if correlations:
        study["correlations"] = [
            {"keys": list(keys), "rho": float(rho)} for keys, rho in correlations
        ]
    if stop is not None:
        study["stop"] = dict(stop)
    return study


def monte_carlo(
    dispersions: Mapping[str, Mapping],
    samples: int,
    *,
    seed: int = 0,
    batch_size: int | None = None,
    fixed_burn: bool = True,
    correlations: Sequence[tuple[tuple[str, str], float]] = (),
    stop: Mapping | None = None,
) -> dict:
    """A seeded Monte Carlo of ``dispersions`` (dotted key -> :func:`normal`, ...).

    ``correlations``: ``[(("key_a", "key_b"), rho), ...]``; ``stop``: ``{"column": ...,
    "quantile": ..., "width": ..., "max_samples": ...}`` (run until that quantile's 95 %
    interval is narrower than ``width``).
    """
    return {
        "study": _study("montecarlo", samples, seed, batch_size, fixed_burn, correlations, stop),
        "dispersions": {k: dict(v) for k, v in dispersions.items()},
    }


def latin_hypercube(
    dispersions: Mapping[str, Mapping], samples: int, *, seed: int = 0, fixed_burn: bool = True
) -> dict:
    """A Latin hypercube of the dispersions' distributions (one stratum per run and key)."""
    return {
        "study": _study("lhs", samples, seed, None, fixed_burn, (), None),
        "dispersions": {k: dict(v) for k, v in dispersions.items()},
    }


def sobol_sequence(
    dispersions: Mapping[str, Mapping], samples: int, *, seed: int = 0, fixed_burn: bool = True
) -> dict:
    """A scrambled Sobol sequence through the dispersions' distributions (a power of 2 of
    samples keeps its balance)."""
    return {
        "study": _study("sobol", samples, seed, None, fixed_burn, (), None),
        "dispersions": {k: dict(v) for k, v in dispersions.items()},
    }


def grid(axes: Mapping[str, Sequence], *, mode: str = "product", fixed_burn: bool = True) -> dict:
    """A grid over dotted keys: every combination (``mode="product"``) or the lists side
    by side (``"zip"``)."""
    sweep: dict = {k: list(v) for k, v in axes.items()}
    if mode != "product":
        sweep["mode"] = mode
    return {"study": _study("grid", None, None, None, fixed_burn, (), None), "sweep": sweep}
