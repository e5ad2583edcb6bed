"""What drives a result: one-at-a-time swings (tornado tables) and global indices from a
space-filling design (standardised regression and rank correlation coefficients).

One at a time: each key is set to its low and its high value while every other key keeps
the scenario's value, all flown as one batch (a zipped grid of ``1 + 2 k`` runs). The
swing of a result is its change between the two settings; a tornado orders the keys by
it. This misses interactions and depends on the chosen ranges, which should be the same
probability for every key (e.g. -/+ 1 sigma of each dispersion).

Global: from a Latin hypercube or Monte Carlo of all the keys at once,
:func:`regression_indices` fits the result linearly to the standardised inputs. The squared
standardised regression coefficients (SRC^2) share out the variance the linear model
explains (its R^2); when R^2 is near 1 they are the first-order variance shares, and the
Spearman rank correlations say the same for monotonic but non-linear effects (Saltelli et
al., *Global Sensitivity Analysis: The Primer*, Wiley 2008, ch. 1.2).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.studies.campaign import Campaign, run_campaign
from sim.studies.design import grid


@dataclass(frozen=True)
class OneAtATime:
    """The runs of a one-at-a-time study.

    Attributes
    ----------
    table : dict
        Column -> array: run 0 the baseline, then each key's low and high run.
    keys : tuple of str
    settings : dict
        Key -> (low, baseline, high) input values.
    """

    table: dict
    keys: tuple
    settings: dict

    def tornado(self, column: str) -> dict:
        """Per key: the result at the low and the high setting and the baseline, the
        widest swing first (the table :func:`sim.plotting.studies.plot_tornado` draws).

        Returns
        -------
        dict
            ``parameter``, ``low``, ``high``, ``baseline``, ``swing`` (high - low),
            ``low_input``, ``high_input`` (arrays, one entry per key).
        """
        values = np.asarray(self.table[column], dtype=float)
        base = float(values[0])
        rows = []
        for j, key in enumerate(self.keys):
            lo, hi = float(values[1 + 2 * j]), float(values[2 + 2 * j])
            rows.append((key, lo, hi, base, hi - lo, self.settings[key][0], self.settings[key][2]))
        rows.sort(key=lambda r: -abs(r[4]) if np.isfinite(r[4]) else 0.0)
        names = ("parameter", "low", "high", "baseline", "swing", "low_input", "high_input")
        return {
            n: np.array([r[i] for r in rows], dtype=object if i == 0 else float)
            for i, n in enumerate(names)
        }


def one_at_a_time(
    path,
    ranges: Mapping[str, Sequence[float]],
    *,
    overrides: Mapping | None = None,
    executor=None,
) -> OneAtATime:
    """Fly each key at its low and high value, the others at the scenario's.

    Parameters
    ----------
    path : path-like
        A scenario (or study) file.
    ranges : mapping
        Dotted key -> ``(low, high)``, or ``(low, baseline, high)`` for a key the
        scenario leaves at its default.
    overrides : mapping, optional
        Applied to every run (as ``--set``).
    """
    from sim.config.tree import read_config
    from sim.studies.campaign import _get

    config = read_config(path).resolve(dict(overrides or {})).config
    settings: dict = {}
    for key, r in ranges.items():
        r = [float(x) for x in r]
        if len(r) == 3:
            settings[key] = tuple(r)
            continue
        base = _get(config, key)
        if len(r) != 2 or not isinstance(base, int | float) or isinstance(base, bool):
            raise ValueError(
                f"{key}: (low, high) around the scenario's number, or (low, baseline, "
                f"high) where the scenario has none (found {base!r})"
            )
        settings[key] = (r[0], float(base), r[1])
    keys = tuple(settings)
    axes: dict = {}
    for key in keys:
        column = [settings[key][1]]
        for other in keys:
            # this key's low and high in its own two runs, its baseline in the others'
            column += [settings[key][0], settings[key][2]] if other == key else [column[0]] * 2
        axes[key] = column
    campaign = Campaign(path, dict(overrides or {}), study=grid(axes, mode="zip"))
    result = run_campaign(campaign, executor=executor)
    return OneAtATime(result.table, keys, settings)


def regression_indices(table: Mapping[str, Any], inputs: Sequence[str], output: str) -> dict:
    """Global sensitivity of ``output`` to ``inputs`` from a design's table.

    Returns
    -------
    dict
        ``parameter`` (the inputs), ``src`` (standardised regression coefficients),
        ``src2`` (their squares: shares of the output's variance under the linear model),
        ``spearman`` (rank correlations), and ``r2`` (the linear model's R^2, a float) and
        ``n`` (the runs used: those with every value finite).
    """
    x = np.column_stack([np.asarray(table[k], dtype=float) for k in inputs])
    y = np.asarray(table[output], dtype=float)
    ok = np.all(np.isfinite(x), axis=1) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if y.size <= len(inputs) + 1:
        raise ValueError(f"{output}: {y.size} finite runs for {len(inputs)} inputs; need more")
    xs = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    design = np.column_stack([np.ones(y.size), xs])
    coef, *_ = np.linalg.lstsq(design, ys, rcond=None)
    fitted = design @ coef
    r2 = 1.0 - float(np.sum((ys - fitted) ** 2) / np.sum(ys**2))
    rho = [float(stats.spearmanr(x[:, j], y).statistic) for j in range(len(inputs))]
    src = coef[1:]
    return {
        "parameter": np.array(list(inputs), dtype=object),
        "src": src,
        "src2": src**2,
        "spearman": np.array(rho),
        "r2": r2,
        "n": int(y.size),
    }
