"""Uncertain parameters: the distributions of a scenario's unpublished or weakly sourced
values, each with its source, read from an uncertainty file.

An uncertainty file (``configs/soyuz_tma11/studies/uncertainty.toml``) holds an
``[uncertainty]`` table of settings and a ``[parameters]`` table: one entry per dotted key
of the scenarios, in the key's own unit::

    [parameters]
    "vehicles.descent_module.lift_to_drag" = { distribution = "uniform", low = 0.18,
        high = 0.30, known = true, source = "data sheet: lift-to-drag ratio (sec., weak)" }

``source`` is required: where the range comes from, or ``"assumption: ..."`` with its
reasoning. Distributions: ``uniform`` (``low``, ``high``), ``normal`` (``mean``, ``std``,
optional ``low``/``high`` truncation), ``choice`` (``values``, optional ``weights``: e.g. the
atmosphere model). Options: ``known = true`` (the planners knew the value: the burn point
is solved again with it; without it the value is a day-of-flight error of the truth, flown
from the burn point planned without it); ``scenarios = [...]`` (only these scenarios have
the key, e.g. a phase of the failure); ``when = { KEY = VALUE }`` (only when another
parameter takes that value, e.g. the scale height of the exponential atmosphere); ``tied =
{ KEY = OFFSET }`` (other keys that move with it: KEY = value + OFFSET, e.g. the stack's mass
with the service module's).

Every parameter maps a probability ``u`` in (0, 1) to its value (:meth:`Parameter.value`),
so that a Monte Carlo, a Sobol design (SALib) or a posterior sampler all work on the unit
hypercube.
"""

import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.config.errors import ScenarioError
from sim.config.files import read_text

DISTRIBUTIONS = ("uniform", "normal", "choice")
_OPTIONS = ("known", "source", "scenarios", "when", "tied")
_ARGS = {"uniform": ("low", "high"), "normal": ("mean", "std", "low", "high"),
         "choice": ("values", "weights")}  # fmt: skip


@dataclass(frozen=True)
class Parameter:
    """One uncertain dotted key (see the module docstring)."""

    key: str
    distribution: str
    args: Mapping
    source: str
    known: bool = False
    scenarios: tuple | None = None
    when: tuple | None = None  #: (key, value)
    tied: tuple = ()  #: ((key, offset), ...)
    _frozen: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        a = self.args
        if self.distribution == "uniform":
            frozen = stats.uniform(loc=a["low"], scale=a["high"] - a["low"])
        elif self.distribution == "normal":
            lo = -np.inf if a.get("low") is None else (a["low"] - a["mean"]) / a["std"]
            hi = np.inf if a.get("high") is None else (a["high"] - a["mean"]) / a["std"]
            frozen = stats.truncnorm(lo, hi, loc=a["mean"], scale=a["std"])
        else:
            frozen = None
        object.__setattr__(self, "_frozen", frozen)

    @property
    def numeric(self) -> bool:
        """True unless a choice."""
        return self.distribution != "choice"

    def value(self, u: np.ndarray) -> np.ndarray | list:
        """Values at probabilities ``u`` (the inverse CDF)."""
        u = np.clip(np.asarray(u, dtype=float), 1e-12, 1.0 - 1e-12)
        if self.distribution == "choice":
            values = self.args["values"]
            w = np.asarray(self.args.get("weights") or [1.0] * len(values), dtype=float)
            k = np.minimum(np.searchsorted(np.cumsum(w) / w.sum(), u, side="right"), len(w) - 1)
            return [values[i] for i in k]
        assert self._frozen is not None
        return self._frozen.ppf(u)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The CDF at values ``x`` (numeric parameters)."""
        assert self._frozen is not None
        return self._frozen.cdf(np.asarray(x, dtype=float))

    def bounds(self) -> tuple[float, float]:
        """The 0.1st and 99.9th percentiles (a uniform's ends)."""
        lo, hi = self.value(np.array([0.001, 0.999]))
        if self.distribution == "uniform":
            return float(self.args["low"]), float(self.args["high"])
        return float(lo), float(hi)

    def mean(self) -> float:
        """The distribution's mean (numeric parameters)."""
        assert self._frozen is not None
        return float(self._frozen.mean())

    def std(self) -> float:
        """The distribution's standard deviation (numeric parameters)."""
        assert self._frozen is not None
        return float(self._frozen.std())

    def applies(self, scenario: str) -> bool:
        """True when the scenario of this name has the key."""
        return self.scenarios is None or scenario in self.scenarios


@dataclass(frozen=True)
class UncertaintySpec:
    """An uncertainty file: its parameters and settings."""

    path: Path
    parameters: tuple
    samples: int = 1000
    sobol_samples: int = 64
    seed: int = 0

    @property
    def keys(self) -> list[str]:
        """The parameters' dotted keys, in the file's order."""
        return [p.key for p in self.parameters]

    def parameter(self, key: str) -> Parameter:
        """The parameter of a dotted key."""
        return next(p for p in self.parameters if p.key == key)


def _number(file, key, value, what="a number"):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(file, key, f"{what}, not {value!r}")
    return float(value)


def read_parameters(table: Mapping, file, prefix: str = "parameters") -> tuple:
    """Parameters of a ``[parameters]`` table (``prefix`` names it in errors).

    Raises
    ------
    ScenarioError
        Naming the file, ``parameters.KEY.FIELD`` and what was expected.
    """
    out = []
    for key, spec in table.items():
        where = f"{prefix}.{key}"
        if not isinstance(spec, dict):
            raise ScenarioError(file, where, "an inline table { distribution = ..., source = ... }")
        dist = spec.get("distribution")
        if dist not in DISTRIBUTIONS:
            raise ScenarioError(
                file, f"{where}.distribution", f"one of {', '.join(DISTRIBUTIONS)}, not {dist!r}"
            )
        allowed = set(_ARGS[dist]) | set(_OPTIONS) | {"distribution"}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise ScenarioError(
                file, f"{where}.{unknown[0]}", f"no such key (known: {', '.join(sorted(allowed))})"
            )
        source = spec.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ScenarioError(
                file, f"{where}.source", "where the distribution comes from, or 'assumption: ...'"
            )
        args: dict = {}
        if dist == "choice":
            values = spec.get("values")
            if not isinstance(values, list) or len(values) < 2:
                raise ScenarioError(file, f"{where}.values", "a list of at least two values")
            args["values"] = list(values)
            if "weights" in spec:
                w = spec["weights"]
                if not isinstance(w, list) or len(w) != len(values):
                    raise ScenarioError(file, f"{where}.weights", "one weight > 0 per value")
                args["weights"] = [_number(file, f"{where}.weights", x, "a weight > 0") for x in w]
                if min(args["weights"]) <= 0:
                    raise ScenarioError(file, f"{where}.weights", "weights > 0")
        else:
            for name in _ARGS[dist]:
                if name in spec:
                    args[name] = _number(file, f"{where}.{name}", spec[name])
            need = ("low", "high") if dist == "uniform" else ("mean", "std")
            for name in need:
                if name not in args:
                    raise ScenarioError(file, f"{where}.{name}", "a number (required)")
            if dist == "normal" and not args["std"] > 0:
                raise ScenarioError(file, f"{where}.std", f"a number > 0, not {args['std']:g}")
            lo, hi = args.get("low"), args.get("high")
            if lo is not None and hi is not None and not lo < hi:
                raise ScenarioError(file, f"{where}.high", f"a number > low ({lo:g}), not {hi:g}")
        known = spec.get("known", False)
        if not isinstance(known, bool):
            raise ScenarioError(file, f"{where}.known", "true or false")
        scenarios = spec.get("scenarios")
        if scenarios is not None and (
            not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios)
        ):
            raise ScenarioError(file, f"{where}.scenarios", "a list of scenario names")
        when = spec.get("when")
        if when is not None and (not isinstance(when, dict) or len(when) != 1):
            raise ScenarioError(file, f"{where}.when", "{ KEY = VALUE } of one other parameter")
        tied = spec.get("tied", {})
        if not isinstance(tied, dict):
            raise ScenarioError(file, f"{where}.tied", "{ KEY = OFFSET, ... }")
        out.append(
            Parameter(
                key,
                dist,
                args,
                source.strip(),
                known,
                None if scenarios is None else tuple(scenarios),
                None if when is None else next(iter(when.items())),
                tuple((k, _number(file, f"{where}.tied.{k}", v)) for k, v in tied.items()),
            )
        )
    keys = [p.key for p in out]
    for p in out:
        if p.when is not None and p.when[0] not in keys:
            raise ScenarioError(
                file, f"{prefix}.{p.key}.when", f"a parameter of this file ({p.when[0]!r} is not)"
            )
    return tuple(out)


def read_toml(path: str | os.PathLike) -> dict:
    """A TOML file as a dict; a missing, unreadable (not a regular file, too large, not
    UTF-8: :func:`sim.config.files.read_text`) or invalid file is a
    :class:`ScenarioError`."""
    text = read_text(path, "TOML file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), None, f"valid TOML ({exc})") from None
    except RecursionError:
        raise ScenarioError(str(path), None, "valid TOML, not nested this deep") from None


def read_uncertainty(path: str | os.PathLike) -> UncertaintySpec:
    """Read an uncertainty file (see the module docstring).

    Raises
    ------
    ScenarioError
    """
    data = read_toml(path)
    file = str(path)
    unknown = sorted(set(data) - {"uncertainty", "parameters"})
    if unknown:
        raise ScenarioError(file, unknown[0], "no such table (known: uncertainty, parameters)")
    settings = data.get("uncertainty", {})
    if not isinstance(settings, dict):
        raise ScenarioError(file, "uncertainty", "a table")
    bad = sorted(set(settings) - {"samples", "sobol_samples", "seed"})
    if bad:
        raise ScenarioError(
            file, f"uncertainty.{bad[0]}", "no such key (known: samples, sobol_samples, seed)"
        )
    values = {}
    for name, lo in (("samples", 2), ("sobol_samples", 2), ("seed", 0)):
        if name in settings:
            v = settings[name]
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise ScenarioError(file, f"uncertainty.{name}", f"an integer >= {lo}, not {v!r}")
            values[name] = v
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ScenarioError(file, "parameters", "a [parameters] table of dotted keys")
    return UncertaintySpec(Path(path), read_parameters(params, file), **values)


def variant_overrides(
    parameters: Sequence[Parameter], values: Mapping, scenario: str
) -> tuple[dict, dict]:
    """The overrides of one point for one scenario: ``(known, truth)``, the keys the
    planners knew and the rest (tied keys follow their parameter; a ``when`` parameter is
    left out when its condition does not hold)."""
    known: dict = {}
    truth: dict = {}
    for p in parameters:
        if not p.applies(scenario):
            continue
        if p.when is not None and values.get(p.when[0]) != p.when[1]:
            continue
        v = values[p.key]
        v = float(v) if p.numeric else v
        target = known if p.known else truth
        target[p.key] = v
        for key, offset in p.tied:
            target[key] = v + offset
    return known, truth
