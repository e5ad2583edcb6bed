"""Figures of trajectories (matplotlib is imported here only, on first use).

Every function takes one Trajectory or a mapping name -> Trajectory, and an optional
``Axes`` (or creates a figure), draws, and returns the axes; nothing calls ``plt.show()``.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.models.earth import GeoPoint
from sim.results.trajectory import Trajectory

#: One trajectory, or a mapping name -> trajectory (one line each).
Trajectories = Trajectory | Mapping[str, Trajectory]


def _as_mapping(trajectories):
    if isinstance(trajectories, Mapping):
        return trajectories
    return {None: trajectories}


def _axes(ax, ncols=1, figsize=(7, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(1, ncols, figsize=figsize, constrained_layout=True)
    return ax


def plot_altitude_speed(trajectories: Trajectories, ax: Any = None) -> Any:
    """Altitude [km] against air-relative speed [km/s]."""
    ax = _axes(ax)
    for name, traj in _as_mapping(trajectories).items():
        ax.plot(traj["speed"] / 1e3, traj["altitude"] / 1e3, label=name)
    ax.set_xlabel("air-relative speed [km/s]")
    ax.set_ylabel("altitude [km]")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    return ax


def plot_g_load(trajectories: Trajectories, ax: Any = None, signed: bool = True) -> Any:
    """Sensed load [g] against time from the first point below 120 km [s], from there on.

    With ``signed`` the eyeballs-out load of a hatch-first phase is drawn negative.
    """
    ax = _axes(ax)
    for name, traj in _as_mapping(trajectories).items():
        t = traj["time"]
        below = np.nonzero(traj["altitude"] < 120e3)[0]
        t0 = t[below[0]] if below.size else t[0]
        g = traj["g_load_eyeballs_in"] if signed else traj["g_load"]
        k = t >= t0  # the entry onward: before it the load is nil
        ax.plot(t[k] - t0, g[k], label=name)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel("time from 120 km [s]")
    ax.set_ylabel("sensed load [g] (+ eyeballs-in)" if signed else "sensed load [g]")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    return ax


def plot_ground_tracks(
    trajectories: Trajectories,
    ax: Any = None,
    target: GeoPoint | None = None,
    markers: Mapping[str, GeoPoint] | None = None,
) -> Any:
    """Longitude/latitude [deg] ground tracks below 140 km, landing points marked.

    ``target`` is a :class:`~sim.models.earth.GeoPoint`; ``markers`` a dict label ->
    GeoPoint (e.g. the documented landing point).
    """
    ax = _axes(ax)
    for name, traj in _as_mapping(trajectories).items():
        k = traj["altitude"] < 140e3
        (line,) = ax.plot(traj["longitude_deg"][k], traj["latitude_deg"][k], label=name)
        ax.plot(traj["longitude_deg"][-1], traj["latitude_deg"][-1], "o", color=line.get_color())
    if target is not None:
        ax.plot(target.longitude_deg, target.latitude_deg, "k*", ms=12, label="target")
    for label, point in (markers or {}).items():
        ax.plot(point.longitude_deg, point.latitude_deg, "kx", ms=10, label=label)
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("geodetic latitude [deg N]")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    return ax
