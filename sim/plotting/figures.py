"""Figures of trajectories (matplotlib is imported on first use, not with this module).

Every function takes one :class:`~sim.results.trajectory.Trajectory` or a mapping name ->
Trajectory, and optional ``Axes`` (else it makes a figure); it draws, and returns the axes.
Nothing calls ``plt.show()``. Time plots span the entry (from 140 km to a little after the
last phase change; ``window="flight"`` for all of it) and mark the phase changes, the peak
load and the touchdown (:func:`sim.plotting.style.mark_events`); a flight that did not land
says so on the axes. One scenario keeps one colour, line style and marker in every figure
(:func:`sim.plotting.style.styles`, by position in the mapping).

Ground-track maps are in :mod:`sim.plotting.trackmap`.
"""

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from sim.io.geo import event_marks
from sim.models.earth import GeoPoint
from sim.models.geodesy import geodesic_inverse
from sim.plotting.style import (
    ENTRY_ALTITUDE,
    FONT,
    Trajectories,
    as_mapping,
    entry_start,
    finish,
    mark_events,
    new_axes,
    note_not_landed,
    shade_phases,
    styles,
    time_label,
    time_window,
    value_at,
)
from sim.results.documented import DOCUMENTED
from sim.results.trajectory import Trajectory


def _label(name):
    return None if name is None else str(name)


def plot_column(
    trajectories: Trajectories,
    column: Callable[[Trajectory], np.ndarray] | str,
    ylabel: str,
    ax: Any = None,
    *,
    scale: float = 1.0,
    window: Any = "entry",
    events: bool = True,
    event_labels: bool = True,
    legend: bool = True,
    line_kw: Mapping[str, Any] | None = None,
) -> Any:
    """A time plot of one column (or of ``column(traj)``) times ``scale``.

    Parameters
    ----------
    trajectories : Trajectory or mapping name -> Trajectory
    column : str or callable
        A column name of the trajectory, or a function of the trajectory.
    ylabel : str
        With its unit in brackets.
    ax : matplotlib Axes, optional
    scale : float
        Factor on the values (e.g. 1e-3 for km).
    window : str or (float, float)
        ``"entry"``, ``"flight"`` or a time span [s] (:func:`sim.plotting.style.time_window`).
    events : bool
        Mark phases and events.
    event_labels, legend : bool
        Label the events above the axes; draw the legend (a lower panel of a stack may
        leave both to the panel above).
    line_kw : mapping, optional
        Overrides of the scenarios' line styles (``{"marker": None, "lw": 0.8}``).
    """
    trajs = as_mapping(trajectories)
    ax = new_axes(ax)
    line_styles = styles(trajs)
    span = time_window(trajs, window)

    def values(traj):
        return (column(traj) if callable(column) else traj[column]) * scale

    for name, traj in trajs.items():
        t = traj["time"]
        k = (t >= span[0]) & (t <= span[1])
        kw = {**line_styles[name].kw, **(line_kw or {})}
        if kw.get("marker") is None:
            kw.pop("markevery", None)
        ax.plot(t[k], values(traj)[k], label=_label(name), **kw)
    ax.set_xlim(*span)
    if events:
        if len(trajs) == 1:
            shade_phases(ax, next(iter(trajs.values())), span)
        mark_events(ax, trajs, values, line_styles, span, labels=event_labels)
    note_not_landed(ax, trajs)
    return finish(ax, time_label(trajs), ylabel, legend=legend)


def plot_altitude_time(
    trajectories: Trajectories, ax: Any = None, window: Any = "flight", **kw: Any
) -> Any:
    """Altitude [km] against time [s], the whole flight by default (keywords:
    :func:`plot_column`)."""
    return plot_column(
        trajectories, "altitude", "altitude [km]", ax, scale=1e-3, window=window, **kw
    )


def plot_g_load(
    trajectories: Trajectories,
    ax: Any = None,
    signed: bool = True,
    documented: Mapping[Any, tuple[str, str] | None] | None = None,
    window: Any = "entry",
    **kw: Any,
) -> Any:
    """Sensed load [g] against time [s], with the documented peak when there is one
    (keywords: :func:`plot_column`).

    Parameters
    ----------
    signed : bool
        Draw the eyeballs-out load of a hatch-first phase negative.
    documented : mapping name -> (flight, case), optional
        The documented flight each scenario stands for (its ``[documented]`` table): the
        documented peak load is drawn as a band (a range) or a dashed line (one value) in
        the scenario's colour.
    """
    trajs = as_mapping(trajectories)
    column = "g_load_eyeballs_in" if signed else "g_load"
    ylabel = "sensed load (+ eyeballs-in) [g]" if signed else "sensed load [g]"
    ax = plot_column(trajs, column, ylabel, ax, window=window, **kw)
    ax.axhline(0.0, color="k", lw=0.5)
    line_styles = styles(trajs)
    drawn = set()
    for name, case in (documented or {}).items():
        if case is None or name not in line_styles or tuple(case) in drawn:
            continue
        drawn.add(tuple(case))
        flight, which = case
        for fig in DOCUMENTED.get(flight, {}).get(which, ()):
            if fig.metric != "peak_g":
                continue
            lo, hi = fig.value
            text = f"{lo:g} g" if lo == hi else f"{lo:g}-{hi:g} g"
            label = f"documented peak ({which}): {text}"
            color = line_styles[name].color
            if hi > lo:
                ax.axhspan(lo, hi, color=color, alpha=0.15, lw=0, label=label, zorder=0.6)
            else:
                ax.axhline(lo, color=color, ls=(0, (6, 3)), lw=1.0, alpha=0.8, label=label)
    return finish(ax, ax.get_xlabel(), ylabel, legend=kw.get("legend", True))


def plot_heat_flux(
    trajectories: Trajectories, ax: Any = None, window: Any = "entry", **kw: Any
) -> Any:
    """Stagnation-point heat flux [kW/m^2] against time [s] (keywords: :func:`plot_column`)."""
    return plot_column(
        trajectories, "heat_flux", "heat flux [kW/m²]", ax, scale=1e-3, window=window, **kw
    )


def plot_heat_load(
    trajectories: Trajectories, ax: Any = None, window: Any = "entry", **kw: Any
) -> Any:
    """Integrated stagnation-point heat load [MJ/m^2] against time [s] (keywords:
    :func:`plot_column`)."""
    return plot_column(
        trajectories, "heat_load", "heat load [MJ/m²]", ax, scale=1e-6, window=window, **kw
    )


def plot_heating(trajectories: Trajectories, axes: Any = None, window: Any = "entry") -> Any:
    """Heat flux above, heat load below, sharing the time axis; returns the figure."""
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 1, figsize=(7, 6), sharex=True, constrained_layout=True)
    plot_heat_flux(trajectories, axes[0], window)
    plot_heat_load(trajectories, axes[1], window, event_labels=False, legend=False)
    axes[0].set_xlabel("")
    return axes[0].figure


def plot_dynamic_pressure(
    trajectories: Trajectories, ax: Any = None, window: Any = "entry", **kw: Any
) -> Any:
    """Dynamic pressure [kPa] against time [s] (keywords: :func:`plot_column`)."""
    return plot_column(
        trajectories, "dynamic_pressure", "dynamic pressure [kPa]", ax, scale=1e-3,
        window=window, **kw,
    )  # fmt: skip


def plot_mach(trajectories: Trajectories, ax: Any = None, window: Any = "entry", **kw: Any) -> Any:
    """Mach number [-] against time [s] on a log scale, hypersonic to subsonic (keywords:
    :func:`plot_column`)."""
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ax = plot_column(trajectories, "mach", "Mach number [-]", ax, window=window, **kw)
    ax.set_yscale("log")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.yaxis.set_major_locator(FixedLocator([0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30]))
    formatter = ScalarFormatter()
    formatter.set_scientific(False)
    ax.yaxis.set_major_formatter(formatter)
    ax.yaxis.set_minor_formatter(NullFormatter())
    return ax


def plot_flight_path_angle(
    trajectories: Trajectories, ax: Any = None, window: Any = "entry", **kw: Any
) -> Any:
    """Air-relative flight-path angle [deg] against time [s] (keywords:
    :func:`plot_column`)."""
    return plot_column(
        trajectories, "flight_path_angle_deg", "flight-path angle [deg]", ax, window=window,
        **kw,
    )  # fmt: skip


def _wrapped(angle_deg, max_step=180.0):
    """Degrees wrapped to (-180, 180], with NaN where a line would jump across the wrap or
    by more than ``max_step`` [deg] between two rows."""
    a = (np.asarray(angle_deg, dtype=float) + 180.0) % 360.0 - 180.0
    out = a.copy()
    out[1:][np.abs(np.diff(a)) > max_step] = np.nan
    return out


def _dense(traj, span, step=0.5):
    """The trajectory on a ``step`` [s] grid over the window where it has dense output (a
    rolling capsule's bank changes faster than the stored rows resolve)."""
    if not traj.segments:
        return traj
    t = traj["time"]
    t0, t1 = max(span[0], float(t[0])), min(span[1], float(t[-1]))
    grid = np.union1d(np.arange(t0, t1, step), [e.time for e in traj.events if t0 <= e.time <= t1])
    return traj.resample(np.r_[grid, t1])


def plot_bank_angle(trajectories: Trajectories, ax: Any = None, window: Any = "entry") -> Any:
    """Bank angle [deg] against time [s] (on a 0.5 s grid where the dense output allows);
    for guided phases the guidance's command (a step line) and its reversals (triangles,
    counted in the legend)."""
    trajs = as_mapping(trajectories)
    span = time_window(trajs, window)
    dense = {name: _dense(traj, span) for name, traj in trajs.items()}
    # no markers: a rolling capsule's sawtooth would carry hundreds. Without dense output
    # (a folder read back) the stored rows may be too far apart for a rolling capsule: the
    # line is broken where the bank moves more than 45 deg between rows, and dots drawn.
    sparse = not all(tr.segments for tr in trajs.values())
    ax = plot_column(dense, lambda tr: _wrapped(tr["bank_angle_deg"], 45.0 if sparse else 180.0),
                     "bank angle [deg]", ax, window=span, legend=False,
                     line_kw={"marker": "." if sparse else None, "ms": 2.5, "markevery": 1,
                              "lw": 1.0})  # fmt: skip
    line_styles = styles(trajs)
    for name, traj in dense.items():
        st = line_styles[name]
        for phase, history in traj.diagnostics.items():
            times = np.asarray(history.get("time", ()), dtype=float)
            if not times.size:
                continue
            command = np.asarray(history["bank_command_deg"], dtype=float)
            reversals = np.asarray(history.get("reversals", ()), dtype=float)
            who = "" if name is None else f"{name}, "
            ax.step(times, command, where="post", color=st.color, lw=0.9, alpha=0.8,
                    ls=(0, (1, 1.2)), label=f"{who}{phase}: command")  # fmt: skip
            if reversals.size:
                at = [value_at(traj["time"], _fill(traj["bank_angle_deg"]), t)
                      for t in reversals]  # fmt: skip
                ax.plot(reversals, at, ls="none", marker="v", ms=6, color=st.color, mec="k",
                        mew=0.5, zorder=4.5, label=f"{who}{reversals.size} reversals")  # fmt: skip
    ax.set_xlim(*span)
    ax.set_ylim(-185, 185)
    ax.set_yticks(np.arange(-180, 181, 60))
    return finish(ax, ax.get_xlabel(), ax.get_ylabel())


def _fill(angle_deg):
    return (np.asarray(angle_deg, dtype=float) + 180.0) % 360.0 - 180.0


def _downrange_km(traj, from_altitude):
    t0 = entry_start(traj, from_altitude)
    k = traj["time"] >= t0
    lat, lon = traj["latitude_deg"][k], traj["longitude_deg"][k]
    steps = [
        geodesic_inverse(lat[i], lon[i], lat[i + 1], lon[i + 1])[0] for i in range(len(lat) - 1)
    ]
    return k, np.r_[0.0, np.cumsum(steps)] / 1e3


def plot_altitude_downrange(
    trajectories: Trajectories, ax: Any = None, from_altitude: float = ENTRY_ALTITUDE
) -> Any:
    """Altitude [km] against the ground distance flown [km] (geodesics on WGS-84 between
    the stored rows) from the first crossing of ``from_altitude`` [m]; events marked."""
    trajs = as_mapping(trajectories)
    ax = new_axes(ax)
    line_styles = styles(trajs)
    drawn = []
    for name, traj in trajs.items():
        k, s = _downrange_km(traj, from_altitude)
        h = traj["altitude"][k] / 1e3
        st = line_styles[name]
        ax.plot(s, h, label=_label(name), **st.kw)
        drawn.append((traj, traj["time"][k], s, h, st))
    ax.set_ylim(bottom=0.0)
    ax.set_xlim(left=-0.02 * ax.get_xlim()[1])
    placed: list = []
    for args in drawn:
        _mark_along(ax, *args, single=len(trajs) == 1, placed=placed)
    note_not_landed(ax, trajs)
    return finish(
        ax, f"ground distance from {from_altitude / 1e3:g} km altitude [km]", "altitude [km]"
    )


def _mark_along(ax, traj, t, x, y, st, single, placed):
    """Events on a line drawn against something else than time: a star at the peak load of
    every line; when the line is alone, a dot and a label (placed clear of the line) at
    each event."""
    if not len(t):
        return
    for te, label in event_marks(traj):
        if te < t[0] or te > t[-1]:
            continue
        xe, ye = value_at(t, x, te), value_at(t, y, te)
        peak = label.startswith("peak")
        if not (peak or single):
            continue
        if peak and not any(ln.get_label() == "peak sensed load" for ln in ax.lines):
            # the legend's entry: a neutral star, not one scenario's
            ax.plot([], [], ls="none", marker="*", ms=9, color="white", mec="k", mew=0.7,
                    label="peak sensed load")  # fmt: skip
        (dot,) = ax.plot(
            [xe], [ye], ls="none", marker="*" if peak else "o", ms=9 if peak else 4,
            color=st.color, mec="k", mew=0.5, zorder=4,
        )  # fmt: skip
        dot._sim_event = label
        if single:
            _annotate_clear(ax, xe, ye, label, x, y, placed)


# Text offsets tried around a point [pt], in order of preference.
_OFFSETS = tuple((dx, dy) for dy in (-6, 6, -16, 16, -26, 26) for dx in (6, -6)) + ((8, 0), (-8, 0))


def _annotate_clear(ax, x0, y0, label, xs, ys, placed):
    """Annotate (x0, y0) where the text box covers the fewest points of the line (xs, ys)
    and none of the boxes ``placed`` before (display pixels; the new box is appended);
    limits must be final."""
    to_px = ax.transData.transform
    line = to_px(np.column_stack([xs, ys]))
    px, py = to_px((x0, y0))
    scale = ax.figure.dpi / 72.0
    w, h = (0.6 * FONT["event"] * len(label) + 4) * scale, (FONT["event"] + 3) * scale
    best = None
    bb = ax.bbox
    for dx, dy in _OFFSETS:
        bx = px + dx * scale - (w if dx < 0 else 0)
        by = py + dy * scale - (h if dy < 0 else 0 if dy > 0 else h / 2)
        box = (bx, by, bx + w, by + h)
        inside = (line[:, 0] > bx) & (line[:, 0] < bx + w) & (line[:, 1] > by)
        cost = int(np.sum(inside & (line[:, 1] < by + h))) + abs(dy) / 100.0
        if bx < bb.x0 or bx + w > bb.x1 or by < bb.y0 or by + h > bb.y1:
            cost += 1000
        cost += 500 * sum(
            box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in placed
        )
        if best is None or cost < best[0]:
            best = (cost, dx, dy, box)
    _, dx, dy, box = best
    placed.append(box)
    leader = {"arrowstyle": "-", "lw": 0.5, "color": "#777777"} if abs(dy) > 6 else None
    ax.annotate(
        label, (x0, y0), xytext=(dx, dy), textcoords="offset points", fontsize=FONT["event"],
        color="#333333", ha="left" if dx > 0 else "right",
        va="bottom" if dy > 0 else "top" if dy < 0 else "center", arrowprops=leader,
    )  # fmt: skip


def plot_altitude_speed(
    trajectories: Trajectories, ax: Any = None, max_altitude: float = ENTRY_ALTITUDE
) -> Any:
    """Altitude [km] against air-relative speed [km/s] below ``max_altitude`` [m] (the
    entry, not the coast), events marked."""
    trajs = as_mapping(trajectories)
    ax = new_axes(ax)
    line_styles = styles(trajs)
    drawn = []
    for name, traj in trajs.items():
        k = traj["time"] >= entry_start(traj, max_altitude)
        v, h = traj["speed"][k] / 1e3, traj["altitude"][k] / 1e3
        st = line_styles[name]
        ax.plot(v, h, label=_label(name), **st.kw)
        drawn.append((traj, traj["time"][k], v, h, st))
    ax.set_ylim(0.0, 1.05 * max_altitude / 1e3)
    ax.set_xlim(left=0.0)
    placed: list = []
    for args in drawn:
        _mark_along(ax, *args, single=len(trajs) == 1, placed=placed)
    note_not_landed(ax, trajs)
    return finish(ax, "air-relative speed [km/s]", "altitude [km]")


def plot_ground_tracks(
    trajectories: Trajectories,
    ax: Any = None,
    target: GeoPoint | None = None,
    markers: Mapping[str, GeoPoint] | None = None,
) -> Any:
    """Longitude/latitude [deg] ground tracks below 140 km on plain axes, landing points
    marked (the map with coastlines and towns: :func:`sim.plotting.trackmap.plot_track_map`).

    ``target`` is a :class:`~sim.models.earth.GeoPoint`; ``markers`` a dict label ->
    GeoPoint (e.g. the documented landing point).
    """
    trajs = as_mapping(trajectories)
    ax = new_axes(ax)
    line_styles = styles(trajs)
    for name, traj in trajs.items():
        k = traj["altitude"] < ENTRY_ALTITUDE
        st = line_styles[name]
        ax.plot(traj["longitude_deg"][k], traj["latitude_deg"][k], label=_label(name),
                color=st.color, ls=st.linestyle, lw=1.5)  # fmt: skip
        ax.plot(traj["longitude_deg"][-1], traj["latitude_deg"][-1], "o", color=st.color)
    if target is not None:
        ax.plot(target.longitude_deg, target.latitude_deg, "k*", ms=12, label="target")
    for label, point in (markers or {}).items():
        ax.plot(point.longitude_deg, point.latitude_deg, "kx", ms=10, label=label)
    note_not_landed(ax, trajs)
    return finish(ax, "longitude [deg E]", "geodetic latitude [deg N]")
