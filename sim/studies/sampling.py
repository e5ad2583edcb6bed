"""The inputs of a study's runs: Monte Carlo draws, Latin hypercube and Sobol designs,
grids.

Monte Carlo draws are reproducible per run and per parameter: each dispersed key has its
own random stream, derived from the study's seed and the key's name (not its position),
and run ``i`` takes the ``i``-th uniform number of that stream (the PCG64 generator jumps
there directly), turned into the distribution's value by its inverse CDF. A run's inputs
therefore do not depend on the number of workers, the batch size, the order of the keys
or which runs were flown before (resumed campaigns, adaptive sizes). Correlated pairs go
through a Gaussian copula: their normal scores are mixed with the Cholesky factor of the
correlation.

Physical limits are respected: a normal dispersion of a positive quantity is truncated
at zero unless it says otherwise, and the probability mass each truncation removed is
reported (:attr:`Sampler.truncated`).
"""

import itertools
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from sim.config.study import Dispersion, StudySpec


def _stream(seed: int, key: str) -> np.random.Generator:
    """The random stream of one key: PCG64 seeded by (study seed, CRC-32 of the key)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([int(seed), zlib.crc32(key.encode())]))
    )


def uniforms(seed: int, key: str, run_ids: np.ndarray) -> np.ndarray:
    """The uniform numbers of runs ``run_ids`` in the stream of ``key`` (in (0, 1))."""
    run_ids = np.asarray(run_ids, dtype=np.int64)
    out = np.empty(run_ids.size)
    if run_ids.size == 0:
        return out
    order = np.argsort(run_ids)
    ids = run_ids[order]
    # contiguous ranges are drawn in one go after one jump
    breaks = np.nonzero(np.diff(ids) != 1)[0] + 1
    start = 0
    for chunk in np.split(ids, breaks):
        gen = _stream(seed, key)
        bitgen: Any = gen.bit_generator  # PCG64: jumps ahead by a number of draws
        bitgen.advance(int(chunk[0]))
        out[order[start : start + chunk.size]] = gen.random(chunk.size)
        start += chunk.size
    # (0, 1) open: 0 has probability 2^-53; map it to the smallest positive double
    return np.clip(out, np.finfo(float).tiny, 1.0 - np.finfo(float).eps / 2)


@dataclass(frozen=True)
class _Normal:
    """A normal distribution, truncated to [a, b] standard deviations (inverse CDF by
    ndtri: scipy.stats costs a second and a half to import)."""

    mean: float
    std: float
    a: float = -math.inf
    b: float = math.inf

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.a > 0.0:  # in the upper tail: by the survival function, for precision
            sa, sb = ndtr(-self.a), ndtr(-self.b)
            z = -ndtri((1.0 - u) * sa + u * sb)
        else:
            lo, hi = ndtr(self.a), ndtr(self.b)
            z = ndtri(lo + u * (hi - lo))
        return self.mean + self.std * np.clip(z, self.a, self.b)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        lo, hi = ndtr(self.a), ndtr(self.b)
        z = (np.asarray(x, dtype=float) - self.mean) / self.std
        return np.clip((ndtr(np.clip(z, self.a, self.b)) - lo) / (hi - lo), 0.0, 1.0)


@dataclass(frozen=True)
class _Uniform:
    low: float
    high: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0, 1)


@dataclass(frozen=True)
class _LogNormal:
    sigma: float
    median: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.sigma * ndtri(np.asarray(u, dtype=float)))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            return ndtr(np.log(np.maximum(x, 0.0) / self.median) / self.sigma)


@dataclass(frozen=True)
class Marginal:
    """A dispersion resolved against the scenario's value: its inverse CDF."""

    dispersion: Dispersion
    nominal: object
    frozen: Any = None  #: the distribution (numeric kinds): ppf and cdf
    truncated: float = 0.0  #: probability mass removed by truncation

    def ppf(self, u: np.ndarray):
        """Values at the probabilities ``u``."""
        d = self.dispersion
        if d.distribution == "choice":
            assert d.values is not None
            w = np.array(d.weights if d.weights else [1.0] * len(d.values), dtype=float)
            cdf = np.cumsum(w) / w.sum()
            k = np.minimum(np.searchsorted(cdf, u, side="right"), len(d.values) - 1)
            return [d.values[i] for i in k]
        return self.frozen.ppf(u)

    def normal_score(self, x: np.ndarray) -> np.ndarray:
        """The standard-normal score of values (the copula's coordinates)."""
        return ndtri(self.frozen.cdf(x))


def marginal(d: Dispersion, nominal) -> Marginal:
    """Resolve a dispersion against the scenario's value of its key."""
    if d.distribution == "choice":
        return Marginal(d, nominal)
    if not isinstance(nominal, int | float) or isinstance(nominal, bool):
        needs = (
            d.mean is None and d.median is None and (d.distribution != "uniform" or d.low is None)
        )
        if needs or d.std_rel is not None or d.half_width_rel is not None:
            raise ValueError(f"{d.key}: the scenario has no number there to disperse around")
        nominal = math.nan
    if d.distribution in ("normal", "truncated_normal"):
        mean = float(nominal if d.mean is None else d.mean)
        std = float(d.std if d.std is not None else abs(mean) * (d.std_rel or 0.0))
        low = d.low
        if low is None and d.distribution == "normal" and mean > 0.0:
            low = 0.0  # a positive quantity stays positive
        a = -np.inf if low is None else (low - mean) / std
        b = np.inf if d.high is None else (d.high - mean) / std
        removed = float(ndtr(a) + ndtr(-b))
        return Marginal(d, nominal, _Normal(mean, std, a, b), removed)
    if d.distribution == "uniform":
        if d.low is not None:
            assert d.high is not None
            low, high = d.low, d.high
        else:
            width = (
                d.half_width
                if d.half_width is not None
                else abs(float(nominal)) * float(d.half_width_rel or 0.0)
            )
            low, high = float(nominal) - width, float(nominal) + width
        return Marginal(d, nominal, _Uniform(low, high))
    median = float(nominal if d.median is None else d.median)
    assert d.sigma is not None
    return Marginal(d, nominal, _LogNormal(d.sigma, median))


@dataclass
class Sampler:
    """The inputs of every run of a study.

    Parameters
    ----------
    spec : StudySpec
    nominal : mapping of str -> value
        The scenario's value of each dispersed key (the default mean, median or centre).
    """

    spec: StudySpec
    nominal: Mapping
    marginals: dict = field(init=False)
    _design: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.marginals = {
            d.key: marginal(d, self.nominal.get(d.key)) for d in self.spec.dispersions
        }
        self._chol = None
        if self.spec.correlations:
            keys = list(self.marginals)
            corr = np.eye(len(keys))
            for (a, b), rho in self.spec.correlations:
                i, j = keys.index(a), keys.index(b)
                corr[i, j] = corr[j, i] = rho
            try:
                self._chol = np.linalg.cholesky(corr)
            except np.linalg.LinAlgError:
                raise ValueError(
                    "the correlations are not a valid (positive definite) correlation matrix"
                ) from None

    @property
    def keys(self) -> list[str]:
        """The dotted keys that vary."""
        if self.spec.kind == "grid":
            return [k for k, _ in self.spec.sweep]
        return list(self.marginals)

    @property
    def truncated(self) -> dict:
        """Key -> probability mass removed by truncation (only the truncated keys)."""
        return {k: m.truncated for k, m in self.marginals.items() if m.truncated > 0.0}

    def size(self) -> int:
        """Runs in the design (a grid: its combinations; a Monte Carlo: its samples)."""
        if self.spec.kind == "grid":
            lengths = [len(v) for _, v in self.spec.sweep]
            return math.prod(lengths) if self.spec.sweep_mode == "product" else lengths[0]
        return self.spec.samples

    def values(self, run_ids: Sequence[int] | np.ndarray) -> dict:
        """Key -> the values of the runs ``run_ids`` (numbers as arrays; choices and grid
        values of other types as lists)."""
        ids = np.asarray(run_ids, dtype=np.int64)
        kind = self.spec.kind
        if kind == "grid":
            return self._grid(ids)
        if kind == "montecarlo":
            u = (
                np.column_stack([uniforms(self.spec.seed, k, ids) for k in self.marginals])
                if self.marginals
                else np.zeros((ids.size, 0))
            )
        else:
            u = self._design_rows(ids)
        if self._chol is not None:
            u = ndtr(ndtri(u) @ self._chol.T)
        return {k: m.ppf(u[:, j]) for j, (k, m) in enumerate(self.marginals.items())}

    def _design_rows(self, ids: np.ndarray) -> np.ndarray:
        if self._design is None:
            from scipy.stats import qmc  # only for these designs (a second to import)

            n, dim = self.spec.samples, len(self.marginals)
            if self.spec.kind == "lhs":
                engine = qmc.LatinHypercube(d=dim, seed=self.spec.seed)
            else:
                engine = qmc.Sobol(d=dim, scramble=True, seed=self.spec.seed)
            self._design = np.clip(engine.random(n), 1e-12, 1.0 - 1e-12)
        return self._design[ids]

    def _grid(self, ids: np.ndarray) -> dict:
        axes = self.spec.sweep
        if self.spec.sweep_mode == "product":
            combos = list(itertools.product(*(v for _, v in axes)))
        else:
            combos = list(zip(*(v for _, v in axes), strict=True))
        out = {}
        for j, (key, _) in enumerate(axes):
            column = [combos[i][j] for i in ids]
            numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in column)
            out[key] = np.array(column, dtype=float) if numeric else column
        return out

    def variants(self, run_ids: Sequence[int]) -> list[dict]:
        """The overrides of each run."""
        values = self.values(run_ids)
        return [
            {k: (float(v[i]) if isinstance(v, np.ndarray) else v[i]) for k, v in values.items()}
            for i in range(len(run_ids))
        ]
