"""Figures of studies: sweeps, tornado and Sobol bars, histograms and CDFs of any result
column, landing points on the map; and :func:`write_study_figures`, which writes the
figures that fit a table into a folder (``reentry sweep --plots``).

Tables are pandas DataFrames or dicts of numpy columns, with the result columns under the
JSON keys of :class:`sim.results.summary.Summary` (``peak_g``, ``distance_to_target_km``,
``landing_lat_deg``...) and the parameters under any name (a dotted override key such as
``phases.1.until.0.altitude_km``). Axis labels carry the units: the Summary's, else the
unit suffix of the name (``_km``, ``_deg``, ``_s``, ``_kg``...).
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.io.geo import Ellipse
from sim.io.outputs import OutputError
from sim.models.earth import GeoPoint
from sim.plotting.style import COLORS, FONT, finish, new_axes
from sim.plotting.trackmap import plot_track_map
from sim.results.summary import SUMMARY_KEYS, Summary

#: Result columns drawn by default, in this order, when a table has them.
RESULT_COLUMNS = (
    "peak_g",
    "distance_to_target_km",
    "downrange_to_target_km",
    "crossrange_to_target_km",
    "miss_from_nominal_km",
    "peak_heat_flux_kw_m2",
    "heat_load_mj_m2",
    "peak_dynamic_pressure_kpa",
    "time_above_4g_s",
    "flight_time_s",
)

_SUFFIXES = {
    "_km": "km", "_deg": "deg", "_s": "s", "_m": "m", "_kg": "kg", "_m2": "m²",
    "_kpa": "kPa", "_pa": "Pa", "_kw_m2": "kW/m²", "_mj_m2": "MJ/m²", "_m_s": "m/s",
    "_deg_s": "deg/s", "_g": "g",
}  # fmt: skip
_UNITS = {"g0": "g", "kW m^-2": "kW/m²", "MJ m^-2": "MJ/m²", "-": ""}


def columns_of(table: Any) -> dict:
    """A table (DataFrame or mapping of columns) as a dict of numpy arrays."""
    if hasattr(table, "columns") and hasattr(table, "__getitem__"):
        return {str(c): np.asarray(table[c]) for c in table.columns}
    if isinstance(table, Mapping):
        return {str(k): np.asarray(v) for k, v in table.items()}
    raise ValueError(f"a table: a DataFrame or a mapping of columns, not {type(table).__name__}")


def axis_label(name: str) -> str:
    """An axis label with its unit: ``"distance_to_target_km"`` -> ``"distance to target
    [km]"``, ``"peak_g"`` -> ``"peak sensed load [g]"`` (a Summary key: its unit, and its
    description when short), else from the name's unit suffix."""
    unit = None
    stem = name
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            stem, unit = name[: -len(suffix)], _SUFFIXES[suffix]
            break
    text = stem.replace("_", " ")
    if name in SUMMARY_KEYS:
        unit = _UNITS.get(Summary.unit(name), Summary.unit(name))
        short = Summary.describe(name).split(" [")[0]
        if len(short) <= 32:
            text = short
    return f"{text} [{unit}]" if unit else text


def _numeric(values):
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return None


def _finite(values):
    v = _numeric(values)
    return np.zeros(0) if v is None else v[np.isfinite(v)]


def plot_sweep(
    table: Any, parameter: str, column: str, ax: Any = None, by: str | None = None
) -> Any:
    """A result column against a swept parameter (a line per value of ``by``), points
    marked; flights without the result (e.g. that did not land) are left out."""
    cols = columns_of(table)
    ax = new_axes(ax, (6.0, 4.0))
    groups = [None] if by is None else list(dict.fromkeys(cols[by].tolist()))
    for k, g in enumerate(groups):
        keep = np.ones(len(cols[parameter]), bool) if g is None else cols[by] == g
        x, y = _numeric(cols[parameter][keep]), _numeric(cols[column][keep])
        ok = np.isfinite(x) & np.isfinite(y)
        order = np.argsort(x[ok])
        label = None if g is None else f"{by} = {g}"
        ax.plot(x[ok][order], y[ok][order], marker="o", ms=4, color=COLORS[k % len(COLORS)],
                ls=("-", "--", "-.", ":")[k % 4], label=label)  # fmt: skip
    return finish(ax, axis_label(parameter), axis_label(column))


def plot_tornado(
    table: Any, ax: Any = None, *, baseline: float | None = None, metric: str = "peak_g"
) -> Any:
    """Tornado bars: for each parameter the result at its low and at its high setting,
    from the baseline, the widest on top.

    The table has ``parameter``, ``low`` and ``high`` (the results [unit of ``metric``]) and
    optionally ``baseline`` (else the argument; with neither, ``low`` and ``high`` are the
    effects themselves, from 0).
    """
    cols = columns_of(table)
    names = [str(n) for n in cols["parameter"]]
    low, high = _numeric(cols["low"]), _numeric(cols["high"])
    if baseline is None:
        baseline = float(np.nanmean(_numeric(cols["baseline"]))) if "baseline" in cols else 0.0
    order = np.argsort(np.abs(high - low))  # smallest at the bottom
    ax = new_axes(ax, (7.0, 0.9 + 0.38 * len(names)))
    y = np.arange(len(names))
    ax.barh(y, low[order] - baseline, left=baseline, color=COLORS[0], height=0.6,
            label="low setting")  # fmt: skip
    ax.barh(y, high[order] - baseline, left=baseline, color=COLORS[1], height=0.6, alpha=0.85,
            label="high setting")  # fmt: skip
    ax.axvline(baseline, color="k", lw=0.8)
    ax.set_yticks(y, [names[i] for i in order], fontsize=FONT["tick"])
    ax.set_ylim(-0.6, len(names) - 0.4)
    return finish(ax, f"{axis_label(metric)} (baseline {baseline:g})", "")


def plot_sobol(table: Any, ax: Any = None, metric: str | None = None) -> Any:
    """Sobol indices per parameter: first order (``S1``) and total (``ST``) as bars, with
    their confidence half-widths (``S1_conf``, ``ST_conf``) when given; largest total on
    top."""
    cols = columns_of(table)
    names = [str(n) for n in cols["parameter"]]
    s1, st = _numeric(cols["S1"]), _numeric(cols["ST"])
    e1 = _numeric(cols["S1_conf"]) if "S1_conf" in cols else None
    et = _numeric(cols["ST_conf"]) if "ST_conf" in cols else None
    order = np.argsort(st)
    ax = new_axes(ax, (7.0, 0.9 + 0.45 * len(names)))
    y = np.arange(len(names))
    err = {"ecolor": "k", "capsize": 3, "error_kw": {"lw": 0.8}}
    ax.barh(y + 0.2, s1[order], height=0.38, color=COLORS[0], label="first order S1",
            xerr=None if e1 is None else e1[order], **err)  # fmt: skip
    ax.barh(y - 0.2, st[order], height=0.38, color=COLORS[1], label="total ST",
            xerr=None if et is None else et[order], **err)  # fmt: skip
    ax.set_yticks(y, [names[i] for i in order], fontsize=FONT["tick"])
    ax.set_xlim(left=min(0.0, float(np.nanmin(np.r_[s1, st])) - 0.05))
    ax.axvline(0.0, color="k", lw=0.6)
    what = "Sobol index [-]" if metric is None else f"Sobol index of {axis_label(metric)} [-]"
    return finish(ax, what, "")


def _percentile_lines(ax, values, vertical=True):
    for q, ls in ((5, ":"), (50, "--"), (95, ":")):
        v = float(np.percentile(values, q))
        if vertical:
            ax.axvline(v, color="k", ls=ls, lw=0.9, label=f"{q}th percentile: {v:.4g}")
        else:
            ax.axhline(v, color="k", ls=ls, lw=0.9)


def plot_histogram(table: Any, column: str, ax: Any = None, bins: Any = "auto") -> Any:
    """A histogram of a result column, with its 5th, 50th and 95th percentiles; the count of
    flights without a value (e.g. that did not land) is noted."""
    cols = columns_of(table)
    values = _finite(cols[column])
    ax = new_axes(ax, (6.0, 4.0))
    ax.hist(values, bins=bins, color=COLORS[0], alpha=0.8, edgecolor="white", lw=0.5)
    if values.size:
        _percentile_lines(ax, values)
    _note_missing(ax, len(cols[column]) - values.size, len(cols[column]))
    return finish(ax, axis_label(column), "flights [-]")


def plot_cdf(table: Any, column: str, ax: Any = None) -> Any:
    """The empirical distribution function of a result column, percentiles marked."""
    cols = columns_of(table)
    values = np.sort(_finite(cols[column]))
    ax = new_axes(ax, (6.0, 4.0))
    n = values.size
    if n:
        ax.step(values, np.arange(1, n + 1) / n, where="post", color=COLORS[0], lw=1.5,
                label=f"{n} flights")  # fmt: skip
        _percentile_lines(ax, values)
    ax.set_ylim(0.0, 1.02)
    _note_missing(ax, len(cols[column]) - n, len(cols[column]))
    return finish(ax, axis_label(column), "fraction of flights [-]")


def _note_missing(ax, missing, total):
    if missing:
        ax.set_title(f"{missing} of {total} flights without a value (did not land?)",
                     loc="right", fontsize=FONT["legend"], color="#b03a2e")  # fmt: skip


def plot_landing_scatter(
    table: Any,
    ax: Any = None,
    *,
    target: GeoPoint | None = None,
    ellipses: Sequence[Ellipse | Mapping] = (),
    documented: Mapping[str, GeoPoint] | None = None,
    title: str | None = None,
) -> Any:
    """The landing points of a table (``landing_lat_deg``, ``landing_lon_deg``) on the map,
    with the target, documented landings and landing ellipses."""
    return plot_track_map(
        None, ax, target=target, documented=documented, landing_points=table,
        ellipses=ellipses, title=title,
    )  # fmt: skip


def _parameters(cols):
    """The numeric columns that are not results and take more than one value."""
    out = []
    for name, values in cols.items():
        v = _numeric(values)
        if name in SUMMARY_KEYS or v is None or name in ("index", "run", "seed"):
            continue
        if np.unique(v[np.isfinite(v)]).size > 1:
            out.append(name)
    return out


def write_study_figures(
    table: Any,
    out_dir: str | Path,
    *,
    parameter: str | None = None,
    columns: Sequence[str] | None = None,
    target: GeoPoint | None = None,
    ellipses: Sequence[Ellipse | Mapping] = (),
    fmt: str = "png",
    prefix: str = "",
) -> list[Path]:
    """Write the figures that fit a study's table into ``out_dir``; returns the files.

    - a table with ``parameter``, ``low`` and ``high`` columns: ``tornado``;
    - with ``parameter``, ``S1`` and ``ST``: ``sobol``;
    - a table of runs: for each result column (``columns``, default those of
      :data:`RESULT_COLUMNS` it has) a ``sweep_COLUMN`` against the swept parameter
      (``parameter``, default the only non-result column that varies, if one), a
      ``histogram_COLUMN`` and a ``cdf_COLUMN``; and ``landings`` on the map when it has
      landing points (with ``target`` and ``ellipses``).

    Raises
    ------
    OutputError
        When a file cannot be written.
    """
    import matplotlib.pyplot as plt

    cols = columns_of(table)
    out = Path(out_dir)
    jobs: dict = {}
    if {"parameter", "low", "high"} <= set(cols):
        jobs["tornado"] = lambda: plot_tornado(cols)
    elif {"parameter", "S1", "ST"} <= set(cols):
        jobs["sobol"] = lambda: plot_sobol(cols)
    else:
        results = list(columns) if columns else [c for c in RESULT_COLUMNS if c in cols]
        swept = parameter
        if swept is None:
            found = _parameters(cols)
            swept = found[0] if len(found) == 1 else None
        for c in results:
            if swept is not None:
                jobs[f"sweep_{c}"] = lambda c=c: plot_sweep(cols, swept, c)
            if _finite(cols[c]).size > 1:
                jobs[f"histogram_{c}"] = lambda c=c: plot_histogram(cols, c)
                jobs[f"cdf_{c}"] = lambda c=c: plot_cdf(cols, c)
        if "landing_lat_deg" in cols and _finite(cols["landing_lat_deg"]).size:
            jobs["landings"] = lambda: plot_landing_scatter(
                cols, target=target, ellipses=ellipses, title="Landing points"
            )
    written = []
    for stem, draw in jobs.items():
        made = draw()
        fig = made if hasattr(made, "savefig") else made.figure
        path = out / f"{prefix}{stem}.{fmt}"
        try:
            fig.savefig(path, dpi=150)
        except (OSError, ValueError) as exc:
            raise OutputError(f"{path}: a writable image file ({exc})") from None
        finally:
            plt.close(fig)
        written.append(path)
    return written
