"""Summaries and confidence intervals of the columns of a dispersion (numpy and scipy).

Re-exported by :mod:`sim.studies.statistics`; NaN values (runs that did not land, or
did not reach a quantity) are excluded and counted, never an error.

References
----------
Clopper, C. J. and Pearson, E. S. (1934), *The use of confidence or fiducial limits
illustrated in the case of the binomial*, Biometrika 26, 404-413.
Efron, B. and Tibshirani, R. J. (1993), *An Introduction to the Bootstrap*, ch. 13.
David, H. A. and Nagaraja, H. N. (2003), *Order Statistics*, 3rd ed., section 7.1.
"""

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Resampled values held at once by the bootstrap (32 MiB of float64).
_BOOT_CHUNK = 1 << 22


def _finite(values: npt.ArrayLike) -> tuple[FloatArray, int]:
    """The finite values (flattened) and how many were not."""
    v = np.asarray(values, dtype=np.float64).ravel()
    ok = np.isfinite(v)
    return v[ok], int(v.size - np.count_nonzero(ok))


def column_summary(values: npt.ArrayLike) -> dict[str, float | int]:
    """Mean, standard deviation and percentiles of one column of a dispersion.

    Parameters
    ----------
    values : array_like
        The values (any unit; the results carry it); NaN (and infinite) values are
        excluded and counted.

    Returns
    -------
    dict
        ``mean``, ``std`` (``n - 1``), ``p05``, ``p50``, ``p95`` (``numpy.quantile``,
        linear interpolation; NaN when no value), ``n`` (values used) and ``n_nan``
        (values excluded).
    """
    v, n_nan = _finite(values)
    nan = math.nan
    if v.size == 0:
        return {"mean": nan, "std": nan, "p05": nan, "p50": nan, "p95": nan, "n": 0, "n_nan": n_nan}
    p = np.quantile(v, [0.05, 0.5, 0.95])
    return {
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)) if v.size > 1 else nan,
        "p05": float(p[0]),
        "p50": float(p[1]),
        "p95": float(p[2]),
        "n": int(v.size),
        "n_nan": n_nan,
    }


def exceedance(
    values: npt.ArrayLike, threshold: float, *, above: bool = True, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Probability that a value exceeds a threshold, with its Clopper-Pearson interval.

    The Clopper-Pearson ("exact") interval is the conservative one: its coverage is at
    least ``confidence`` for every true probability, including the rare events of a
    safety figure (0 of 1000 runs exceeding gives an upper bound of 0.37 %).

    Parameters
    ----------
    values : array_like
        The values; NaN values are excluded (not counted as trials).
    threshold : float
        The threshold (the values' unit).
    above : bool
        Count values strictly above the threshold (True) or strictly below it (False).
    confidence : float
        Confidence of the two-sided interval, in (0, 1).

    Returns
    -------
    p : float
        The fraction of values beyond the threshold (NaN without values).
    low, high : float
        Its Clopper-Pearson interval (0 and 1 without values).
    """
    from scipy.special import betaincinv

    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[~np.isnan(v)]
    n = int(v.size)
    k = int(np.count_nonzero(v > threshold if above else v < threshold))
    if n == 0:
        return math.nan, 0.0, 1.0
    alpha = 1.0 - confidence
    low = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha / 2))
    high = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - alpha / 2))
    return k / n, low, high


def bootstrap_ci(
    values: npt.ArrayLike,
    statistic: Callable[..., npt.ArrayLike],
    *,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """A statistic of a sample with its percentile bootstrap interval.

    ``n_boot`` resamples of the (finite) values, drawn with replacement by
    ``numpy.random.default_rng(seed)`` (reproducible), are evaluated together, a block
    of resamples at a time; the interval is the ``(1 - level) / 2`` and
    ``(1 + level) / 2`` quantiles of the resampled statistic (Efron's percentile
    interval). The percentile bootstrap is first-order accurate and poor for extreme
    quantiles of small samples (the 99.7th percentile of 1000 runs, say): use
    :func:`quantile_ci` for quantiles.

    Parameters
    ----------
    values : array_like
        The sample; NaN (and infinite) values are excluded.
    statistic : callable
        ``statistic(array, axis=-1)``, reducing the last axis (``numpy.mean``,
        ``numpy.median``, ``functools.partial(numpy.quantile, q=0.99)``...).
    level : float
        Confidence of the two-sided interval, in (0, 1).
    n_boot : int
        Resamples.
    seed : int
        Seed of the resampling.

    Returns
    -------
    estimate : float
        The statistic of the sample.
    low, high : float
        The interval (the values' unit).
    """
    v, _ = _finite(values)
    if v.size == 0:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    boot = np.empty(n_boot)
    rows = max(1, _BOOT_CHUNK // v.size)
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        idx = rng.integers(0, v.size, size=(stop - start, v.size))
        boot[start:stop] = np.asarray(statistic(v[idx], axis=-1), dtype=np.float64)
    low, high = np.quantile(boot, [(1.0 - level) / 2, (1.0 + level) / 2])
    return float(np.asarray(statistic(v, axis=-1))), float(low), float(high)


def quantile_ci(values: npt.ArrayLike, q: float, level: float = 0.95) -> tuple[float, float, float]:
    """A quantile of a sample with its distribution-free order-statistic interval.

    For ``n`` values of a continuous distribution, the number of them below the true
    ``q``-quantile is binomial ``(n, q)``, so the interval between the ``l``-th and the
    ``u``-th smallest value covers it with probability ``F(u - 1) - F(l - 1)`` (``F`` the
    binomial distribution function), whatever the distribution. ``l`` is the largest
    rank with ``F(l - 1) < (1 - level) / 2`` and ``u`` the smallest with ``F(u - 1) >=
    (1 + level) / 2``: the coverage is exact and at least ``level`` (not an
    approximation, and no resampling).

    Parameters
    ----------
    values : array_like
        The sample; NaN (and infinite) values are excluded.
    q : float
        The quantile, as a probability in [0, 1] (0.997 for the 99.7th percentile).
    level : float
        Confidence of the two-sided interval, in (0, 1).

    Returns
    -------
    estimate : float
        ``numpy.quantile(values, q)`` (linear interpolation).
    low, high : float
        The interval (the values' unit); ``-inf`` or ``inf`` where the sample is too
        small to bound the quantile at that confidence (``high`` of the 99.7th
        percentile needs at least 1228 values at 95 %).
    """
    v, _ = _finite(values)
    n = int(v.size)
    if n == 0:
        return math.nan, -math.inf, math.inf
    v = np.sort(v)
    alpha = 1.0 - level
    lo_rank = binomial_ppf(alpha / 2, n, q)
    hi_rank = binomial_ppf(1.0 - alpha / 2, n, q) + 1
    low = float(v[lo_rank - 1]) if lo_rank >= 1 else -math.inf
    high = float(v[hi_rank - 1]) if hi_rank <= n else math.inf
    return float(np.quantile(v, q)), low, high


def binomial_ppf(p: float, n: int, q: float) -> int:
    """The smallest ``k`` whose binomial ``(n, q)`` distribution function reaches ``p``
    (``scipy.stats.binom.ppf``, by ``scipy.special.bdtr`` over every ``k``: importing
    scipy.stats would cost every sweep a second and a half)."""
    from scipy.special import bdtr

    cdf = bdtr(np.arange(n + 1), n, q)
    # a distribution function that reaches p up to rounding counts (as scipy's ppf)
    return min(int(np.searchsorted(cdf, p * (1.0 - 1e-12), side="left")), n)
