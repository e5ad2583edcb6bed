"""Figures of trajectories (matplotlib is imported here only, on first use).

Every function takes an optional ``Axes`` (or creates a figure), draws, and returns the
axes; nothing calls ``plt.show()``.
"""

import numpy as np


def _axes(ax, ncols=1, figsize=(7, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(1, ncols, figsize=figsize, constrained_layout=True)
    return ax


def _label(name, traj):
    return name if name is not None else getattr(traj, "name", None)


def plot_altitude_speed(trajectories, ax=None):
    """Altitude [km] against air-relative speed [km/s] for a dict name -> Trajectory."""
    ax = _axes(ax)
    for name, traj in trajectories.items():
        ax.plot(traj["speed"] / 1e3, traj["altitude"] / 1e3, label=name)
    ax.set_xlabel("air-relative speed [km/s]")
    ax.set_ylabel("altitude [km]")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def plot_g_load(trajectories, ax=None, signed=True):
    """Sensed load [g] against time from the first point below 120 km [s], from there on.

    With ``signed`` the eyeballs-out load of a hatch-first phase is drawn negative.
    """
    ax = _axes(ax)
    for name, traj in trajectories.items():
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
    ax.legend()
    return ax


def plot_ground_tracks(trajectories, ax=None, target=None, markers=None):
    """Longitude/latitude [deg] ground tracks below 140 km, landing points marked.

    ``target`` is a (lat, lon) [deg] pair; ``markers`` a dict label -> (lat, lon) [deg]
    (e.g. the documented landing point).
    """
    ax = _axes(ax)
    for name, traj in trajectories.items():
        k = traj["altitude"] < 140e3
        (line,) = ax.plot(traj["longitude_deg"][k], traj["latitude_deg"][k], label=name)
        ax.plot(traj["longitude_deg"][-1], traj["latitude_deg"][-1], "o", color=line.get_color())
    if target is not None:
        ax.plot(target[1], target[0], "k*", ms=12, label="target")
    for label, (lat, lon) in (markers or {}).items():
        ax.plot(lon, lat, "kx", ms=10, label=label)
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("geodetic latitude [deg N]")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax
