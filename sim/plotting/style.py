"""What the figures share: one style per scenario, the time window of the entry, phases and
events marked on time plots, the note on a flight that did not land.

Styles are given by position in the mapping: the same names in the same order get the same
colour, line style and marker in every figure. Colours are Okabe and Ito's (told apart
with the common colour-vision deficiencies); line styles and markers differ too, so that
lines which nearly coincide (the ballistic and stuck-service-module descents) stay visible.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.io.geo import PALETTE, event_marks
from sim.results.trajectory import LANDED, Trajectory

#: One trajectory, or a mapping name -> trajectory (one line each).
Trajectories = Trajectory | Mapping[str, Trajectory]

#: Okabe-Ito colours (yellow left out: too pale on white), shared with the KML tracks.
COLORS = PALETTE
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = (None, "o", "s", "^", "D", "v", "P")

#: The altitude from which the entry window of the time plots starts [m] (module separation).
ENTRY_ALTITUDE = 140e3

#: Font sizes [pt].
FONT = {"label": 9.0, "tick": 8.0, "legend": 7.5, "event": 6.5, "note": 8.0, "title": 10.0}


@dataclass(frozen=True)
class LineStyle:
    """The look of one scenario: ``ax.plot(..., **style.kw)``."""

    color: str
    linestyle: str
    marker: str | None
    index: int

    @property
    def kw(self) -> dict:
        """Keywords of ``ax.plot``."""
        out: dict = {"color": self.color, "ls": self.linestyle, "lw": 1.5}
        if self.marker:
            # markers spread evenly along the line, staggered between scenarios
            out.update(
                marker=self.marker,
                ms=4.0,
                mfc="white",
                mew=1.0,
                markevery=(0.03 + 0.037 * self.index, 0.12),
            )
        return out


def as_mapping(trajectories: Trajectories) -> dict:
    """A mapping name -> trajectory (a lone trajectory is named None)."""
    if isinstance(trajectories, Mapping):
        return dict(trajectories)
    return {None: trajectories}


def styles(names: Iterable[Any]) -> dict:
    """Name -> :class:`LineStyle`, by position."""
    return {
        name: LineStyle(
            COLORS[k % len(COLORS)],
            LINESTYLES[k % len(LINESTYLES)],
            MARKERS[k % len(MARKERS)],
            k,
        )
        for k, name in enumerate(names)
    }


def new_axes(ax: Any = None, figsize: tuple[float, float] = (7.0, 4.6)) -> Any:
    """``ax``, or the axes of a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def finish(ax: Any, xlabel: str, ylabel: str, legend: bool = True) -> Any:
    """Labels, grid, tick sizes and (when there are labelled lines) the legend."""
    ax.set_xlabel(xlabel, fontsize=FONT["label"])
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.grid(True, alpha=0.3)
    handles = ax.get_legend_handles_labels()[0]
    if legend and len(handles) > 4:  # a long legend goes below the axes, off the data
        ax.legend(
            fontsize=FONT["legend"], loc="upper center", bbox_to_anchor=(0.5, -0.14),
            ncol=min(3, len(handles)), frameon=False,
        )  # fmt: skip
    elif legend and handles:
        ax.legend(fontsize=FONT["legend"], framealpha=0.9)
    return ax


# --- time -----------------------------------------------------------------------------
def time_label(trajectories: Mapping) -> str:
    """The label of the time axis: from the epoch when all share one."""
    epochs = {t.epoch for t in trajectories.values()}
    if len(epochs) == 1 and None not in epochs:
        (epoch,) = epochs
        return f"time from {epoch:%Y-%m-%d %H:%M:%S} UTC [s]"
    return "time from the start [s]"


def entry_start(traj: Trajectory, altitude: float = ENTRY_ALTITUDE) -> float:
    """The first time below ``altitude`` [s] (the start when it starts below)."""
    t, h = traj["time"], traj["altitude"]
    below = np.flatnonzero(h < altitude)
    return float(t[below[0]] if below.size else t[0])


def time_window(trajectories: Mapping, window: Any = "entry") -> tuple[float, float]:
    """The time span of a time plot [s].

    ``"entry"``: from the first crossing of :data:`ENTRY_ALTITUDE` to a little after the
    last phase change before the ground (events after it, such as the touchdown under the
    main canopy, are noted at the right edge); ``"flight"``: everything; or a ``(t0, t1)``.
    """
    if not isinstance(window, str):
        t0, t1 = window
        return float(t0), float(t1)
    starts, ends = [], []
    for traj in trajectories.values():
        t = traj["time"]
        if window == "flight":
            starts.append(float(t[0]))
            ends.append(float(t[-1]))
            continue
        t0 = entry_start(traj)
        changes = [e.time for e in traj.events if e.name != "ground" and e.time > t0]
        last = max(changes, default=float(t[-1]))
        starts.append(t0)
        ends.append(min(float(t[-1]), last + 0.25 * (last - t0)))
    if window not in ("entry", "flight"):
        raise ValueError(f"window {window!r}: 'entry', 'flight' or (t0, t1) [s]")
    t0, t1 = min(starts), max(ends)
    pad = 0.01 * (t1 - t0)
    return t0 - pad, t1 + pad


# --- events -----------------------------------------------------------------------------
def value_at(times: np.ndarray, y: np.ndarray, t: float) -> float:
    """``y`` at time ``t`` [s], linear between the rows at ``times`` (the later row at a
    phase change, where a time appears twice)."""
    i = int(np.searchsorted(times, t, side="right")) - 1
    i = min(max(i, 0), len(times) - 1)
    if i + 1 < len(times) and times[i + 1] > times[i] and times[i] < t:
        f = (t - times[i]) / (times[i + 1] - times[i])
        return float(y[i] + f * (y[i + 1] - y[i]))
    return float(y[i])


def mark_events(
    ax: Any,
    trajectories: Mapping,
    column: Any,
    line_styles: Mapping,
    span: tuple[float, float],
    labels: bool = True,
) -> list:
    """Mark every trajectory's events on a time plot: a dot on its line, a dotted vertical
    line in its colour, and a label above the axes (rotated; one label for the same event
    of several lines at nearly the same time, side by side for different events); events
    after the window are labelled at its right edge, with their times.

    ``column(traj)`` gives the y values drawn for a trajectory; without ``labels`` only
    the dots and lines are drawn (the lower panels of a stack). Returns the label texts.
    """
    from matplotlib.transforms import blended_transform_factory, offset_copy

    marks: list[list] = []  # [time, label, colours]
    beyond: dict = {}
    tol = 0.006 * (span[1] - span[0])
    for name, traj in trajectories.items():
        st = line_styles[name]
        y = column(traj)
        for t, label in event_marks(traj):
            if t > span[1]:
                beyond.setdefault(label, []).append(t)
            if not span[0] <= t <= span[1]:
                continue
            (dot,) = ax.plot(
                [t], [value_at(traj["time"], y, t)], ls="none", marker="o", ms=4.0,
                color=st.color, mec="k", mew=0.5, zorder=4,
            )  # fmt: skip
            dot._sim_event = label
            ax.axvline(t, color=st.color, ls=":", lw=0.8, alpha=0.7, zorder=0.5)
            same = next((m for m in marks if m[1] == label and abs(m[0] - t) < tol), None)
            if same is None:
                marks.append([t, label, {st.color}])
            else:
                same[2].add(st.color)
    for label, times in beyond.items():  # after the window: at its right edge, with times
        when = f"{min(times):.0f} s" if len(times) == 1 else f"{min(times):.0f}-{max(times):.0f} s"
        marks.append([span[1], f"{label} {when} ›", {"#333333"}])
    if not labels:
        return []
    top = blended_transform_factory(ax.transData, ax.transAxes)
    texts = []
    marks.sort(key=lambda m: m[0])
    # labels pushed right so that no two are closer than a rotated label's width; the scale
    # is an estimate (the axes' final width is known only once laid out), on the small side
    fig_w_pt = 72.0 * ax.figure.get_size_inches()[0]
    pt_per_s = 0.8 * ax.get_position().width * fig_w_pt / (span[1] - span[0])
    previous = -np.inf
    for t, label, colours in marks:
        at = max(t * pt_per_s, previous + 8.0)
        previous = at
        tr = offset_copy(top, fig=ax.figure, x=at - t * pt_per_s, y=2.0, units="points")
        texts.append(
            ax.text(
                t,
                1.0,
                label,
                transform=tr,
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=FONT["event"],
                clip_on=False,
                color=next(iter(colours)) if len(colours) == 1 else "#333333",
            )  # fmt: skip
        )
    return texts


def shade_phases(ax: Any, traj: Trajectory, span: tuple[float, float]) -> None:
    """Alternate light bands under the phases of one trajectory."""
    edges = [float(traj["time"][0])] + [e.time for e in traj.events]
    for k in range(len(edges) - 1):
        if k % 2 == 1:
            a, b = max(edges[k], span[0]), min(edges[k + 1], span[1])
            if b > a:
                ax.axvspan(a, b, color="#000000", alpha=0.04, lw=0, zorder=0)


def note_not_landed(ax: Any, trajectories: Mapping, y: float = 0.5) -> Any:
    """A red note on the axes (at height ``y``, axes fraction) for every flight that did not
    land; returns the text or None."""
    lines = [
        f"{'' if name is None else name + ': '}did not land ({traj.status})"
        for name, traj in trajectories.items()
        if traj.status != LANDED
    ]
    if not lines:
        return None
    return ax.text(
        0.5, y, "\n".join(lines), transform=ax.transAxes, ha="center", va="center",
        fontsize=FONT["note"], color="#b03a2e", fontweight="bold", zorder=6,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#b03a2e", "pad": 3.0},
    )  # fmt: skip
