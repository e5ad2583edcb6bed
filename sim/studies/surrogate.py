"""The calibration's surrogate: polynomial fits of flight outputs on the unit hypercube of
the parameters' probabilities (a Legendre basis, the polynomial-chaos basis of uniform
inputs), with their held-out errors, and the split R-hat of its chains
(:mod:`sim.studies.calibration`)."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


def _exponents(dim: int, degree: int) -> np.ndarray:
    """Multi-indices of total degree <= ``degree`` (row 0: the constant)."""
    rows = [np.zeros(dim, dtype=int)]
    for d in range(1, degree + 1):
        for combo in _compositions(d, dim):
            rows.append(np.array(combo))
    return np.array(rows)


def _compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for first in range(total, -1, -1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _basis(u: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """Legendre products on [0, 1]^D at points ``u`` [n, D] -> [n, terms]."""
    x = 2.0 * u - 1.0
    top = int(exponents.max())
    legendre = np.empty((top + 1, *x.shape))
    legendre[0] = 1.0
    if top >= 1:
        legendre[1] = x
    for k in range(1, top):
        legendre[k + 1] = ((2 * k + 1) * x * legendre[k] - k * legendre[k - 1]) / (k + 1)
    out = np.ones((x.shape[0], exponents.shape[0]))
    for j in range(x.shape[1]):
        out *= legendre[exponents[:, j], :, j].T
    return out


@dataclass(frozen=True)
class Surrogate:
    """Polynomial fits of the outputs (module docstring)."""

    exponents: np.ndarray
    coefficients: dict  #: output -> coefficients
    rms: dict  #: output -> held-out root-mean-square error
    r2: dict  #: output -> held-out R^2

    def predict(self, u: np.ndarray) -> dict:
        """Output -> values at points ``u`` [n, D]."""
        b = _basis(np.atleast_2d(u), self.exponents)
        return {k: b @ c for k, c in self.coefficients.items()}


def fit_surrogate(
    u: np.ndarray, table: Mapping, degree: int, seed: int, outputs: Sequence[str]
) -> Surrogate:
    """Fit every output of ``table`` named in ``outputs`` on a design (a fifth held out for
    the error, then refitted on all)."""
    exponents = _exponents(u.shape[1], degree)
    rng = np.random.default_rng(seed)
    held = np.zeros(u.shape[0], dtype=bool)
    held[rng.permutation(u.shape[0])[: max(1, u.shape[0] // 5)]] = True
    coefficients, rms, r2 = {}, {}, {}
    for name in outputs:
        y = np.asarray(table[name], dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < exponents.shape[0] + 5:
            raise ValueError(
                f"{name}: {int(ok.sum())} flights landed for {exponents.shape[0]} terms: a "
                "larger design or a lower degree"
            )
        fit = ok & ~held
        c = np.linalg.lstsq(_basis(u[fit], exponents), y[fit], rcond=None)[0]
        test = ok & held
        residual = y[test] - _basis(u[test], exponents) @ c
        rms[name] = float(np.sqrt(np.mean(residual**2)))
        r2[name] = float(1.0 - np.var(residual) / max(np.var(y[test]), 1e-300))
        coefficients[name] = np.linalg.lstsq(_basis(u[ok], exponents), y[ok], rcond=None)[0]
    return Surrogate(exponents, coefficients, rms, r2)


def split_rhat(chains: np.ndarray) -> float:
    """Rank-normalised split R-hat of one parameter, ``chains`` [draws, chains]
    (Vehtari et al. 2021: the larger of the bulk and the folded-tail R-hat)."""

    def rhat(x):
        n = x.shape[0] // 2
        halves = np.concatenate([x[:n], x[n : 2 * n]], axis=1)
        means = halves.mean(axis=0)
        w = halves.var(axis=0, ddof=1).mean()
        b = n * means.var(ddof=1)
        var = (n - 1) / n * w + b / n
        return float(np.sqrt(var / w)) if w > 0 else math.inf

    def z(x):
        r = stats.rankdata(x, method="average").reshape(x.shape)
        return stats.norm.ppf((r - 0.375) / (x.size + 0.25))

    folded = np.abs(chains - np.median(chains))
    return max(rhat(z(chains)), rhat(z(folded)))
