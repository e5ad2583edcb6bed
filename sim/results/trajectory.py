"""Value types of a simulation result: :class:`Trajectory` and its event log; CSV output."""

import csv
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.core.layout import N_STATE, OUTPUTS, STATE
from sim.core.outputs import outputs
from sim.results.files import atomic_write

#: Termination reasons.
LANDED = "landed"
SKIPPED_OUT = "skipped_out"
TIME_LIMIT = "time_limit"
FAILED = "failed"
STOPPED = "stopped"  #: the last phase ended on one of its own triggers
#: reached the ground faster than survivable, or before planned phases began
IMPACT = "impact"
#: a parachute opened beyond its deployment limits (Mach number, dynamic pressure)
PARACHUTE_LIMIT = "parachute_limit"
#: the statuses of a flight that ended on the ground (it has a ground point)
GROUND_STATUSES = (LANDED, IMPACT, PARACHUTE_LIMIT)

#: The Earth-fixed position and velocity are columns too (their state slots).
_STATE_COLUMNS = ("x", "y", "z", "vx", "vy", "vz")

#: name -> (unit, description) of every trajectory column.
COLUMNS = {
    "time": ("s", "time since the start of the simulation"),
    **{slot.name: (slot.unit, slot.description) for slot in OUTPUTS.slots},
    "phase": ("-", "index of the active phase"),
    **{
        slot.name: (slot.unit, slot.description)
        for slot in STATE.slots
        if slot.name in _STATE_COLUMNS
    },
}


@dataclass(frozen=True)
class Event:
    """One entry of the event log.

    Attributes
    ----------
    time : float
        [s].
    name : str
        What happened (e.g. ``"phase end: altitude <= 140000 m"``, ``"ground"``).
    phase : str
        Name of the phase that was active.
    altitude : float
        [m].
    """

    time: float
    name: str
    phase: str
    altitude: float


@dataclass(frozen=True, eq=False)
class Segment:
    """A piece of the flight integrated with one parameter vector (internal)."""

    phase_index: int
    t: np.ndarray
    y: np.ndarray  # [n, N_STATE]
    params: np.ndarray
    table: np.ndarray  # the table array of ``params`` (sim.core.layout.TABLE_LAYOUT)
    dense: object  # callable t -> y (scipy OdeSolution) or None

    def columns(self, t: np.ndarray | None = None, y: np.ndarray | None = None) -> np.ndarray:
        """Output columns at the segment's steps, or at given times and states."""
        t = self.t if t is None else t
        y = self.y if y is None else y
        return outputs(t, np.ascontiguousarray(y), self.params, self.table)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The result of :func:`sim.simulate`: named columns at the integrator's steps.

    Columns (``traj["altitude"]``, units in :data:`COLUMNS`) hold one row per accepted
    integrator step; rows at the same time appear twice at phase changes (before and
    after). ``status`` says why the flight stopped, ``message`` explains it and ``events``
    is the log of everything that happened (phase changes, landing).

    Attributes
    ----------
    status : str
        ``"landed"``, ``"impact"`` (the ground reached too fast, or before planned phases
        began), ``"parachute_limit"`` (a canopy opened beyond its limits),
        ``"skipped_out"``, ``"time_limit"``, ``"step_limit"``, ``"wall_time"``,
        ``"failed"`` or ``"stopped"`` (the last phase ended on one of its triggers
        before the ground).
    message : str
    events : tuple of Event
    phase_names : tuple of str
    epoch : datetime or None
        UTC time of t = 0.
    data : dict of str -> ndarray
    diagnostics : dict
        Per-phase diagnostics of the control laws (e.g. guidance bank history).
    peaks : dict or None
        The compiled engine's in-flight summary (peak load, heat flux, dynamic pressure
        refined on the interpolant, time above 4 g, entry-interface crossing; by
        :data:`sim.core.layout.SUMMARY` slot name, SI); None from the reference path.
    """

    status: str
    message: str
    events: tuple
    phase_names: tuple
    epoch: datetime | None
    data: dict
    segments: tuple = field(repr=False, default=())
    diagnostics: dict = field(default_factory=dict)
    peaks: dict | None = None

    @classmethod
    def from_segments(
        cls,
        segments: list,
        status: str,
        message: str,
        events: list,
        phase_names: list,
        epoch: datetime | None,
        diagnostics: dict | None = None,
        peaks: dict | None = None,
    ) -> "Trajectory":
        """A trajectory from integration segments (used by the simulators)."""
        data = _columns_of(segments)
        return cls(
            status,
            message,
            tuple(events),
            tuple(phase_names),
            epoch,
            data,
            tuple(segments),
            diagnostics or {},
            peaks,
        )

    # --- access -------------------------------------------------------------------------
    def __getitem__(self, name):
        try:
            return self.data[name]
        except KeyError:
            raise KeyError(f"no column {name!r}; columns: {', '.join(self.data)}") from None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names."""
        return tuple(self.data)

    @property
    def ok(self) -> bool:
        """True when the flight landed (reached the ground, and not as an impact)."""
        return self.status == LANDED

    @property
    def reached_ground(self) -> bool:
        """True when the flight ended on the ground (landed, or an impact)."""
        return self.status in GROUND_STATUSES

    @property
    def phases_not_flown(self) -> tuple[str, ...]:
        """Names of the phases with no step of the flight: skipped at their start (their
        trigger already past), or never reached before the flight ended."""
        flown = set(np.asarray(self.data["phase"]).astype(int).tolist())
        return tuple(n for k, n in enumerate(self.phase_names) if k not in flown)

    def __len__(self):
        return len(self.data["time"])

    @property
    def final(self) -> dict:
        """The last row as a dict."""
        return {k: v[-1] for k, v in self.data.items()}

    def state_at(self, t: float) -> np.ndarray:
        """Earth-fixed state [x, y, z, vx, vy, vz, heat_load, mass] at time t [s] (dense
        output of the integrator)."""
        seg = self._segment_at(t)
        return np.asarray(seg.dense(t), dtype=float)

    def _segment_index(self, times):
        """Index of the segment that holds each time (the later one at a boundary)."""
        if not self.segments:
            raise ValueError("this trajectory has no dense output")
        times = np.atleast_1d(np.asarray(times, dtype=float))
        t0 = self.segments[0].t[0]
        t1 = self.segments[-1].t[-1]
        outside = (times < t0) | (times > t1)
        if np.any(outside):
            raise ValueError(f"time {times[outside][0]} s is outside the trajectory [{t0}, {t1}] s")
        starts = np.array([seg.t[0] for seg in self.segments])
        index = np.searchsorted(starts, times, side="right") - 1
        # a time equal to the end of the last segment belongs to it
        return np.minimum(index, len(self.segments) - 1)

    def _segment_at(self, t):
        return self.segments[int(self._segment_index(t)[0])]

    def resample(self, times: ArrayLike) -> "Trajectory":
        """The trajectory's columns at the given times [s] (dense output, not interpolation
        of the stored rows): a new Trajectory with the same status and events."""
        times = np.atleast_1d(np.asarray(times, dtype=float))
        index = self._segment_index(times)
        order = np.argsort(index, kind="stable")
        parts = []
        for k in np.unique(index):
            seg = self.segments[k]
            t = times[index == k]
            y = np.asarray(seg.dense(t), dtype=float).reshape(N_STATE, -1).T
            parts.append(Segment(seg.phase_index, t, y, seg.params, seg.table, None))
        data = _columns_of(parts)
        restore = np.empty_like(order)
        restore[order] = np.arange(order.size)
        data = {name: column[restore] for name, column in data.items()}
        return Trajectory(
            self.status,
            self.message,
            self.events,
            self.phase_names,
            self.epoch,
            data,
            tuple(self.segments),
            self.diagnostics,
            self.peaks,
        )

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write the columns to a CSV file (header: ``name [unit]``), atomically."""
        names = list(self.data)
        header = [f"{n} [{COLUMNS[n][0]}]" if n in COLUMNS else n for n in names]
        matrix = np.column_stack([self.data[n] for n in names])
        atomic_write(path, lambda f: _write_csv(f, header, matrix))

    def dataframe(self) -> Any:
        """The columns as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("Trajectory.dataframe() needs pandas: pip install pandas") from exc
        return pd.DataFrame(self.data)


def _write_csv(f, header, matrix):
    w = csv.writer(f)
    w.writerow(header)
    for row in matrix:
        w.writerow([repr(float(v)) for v in row])


def _columns_of(segments):
    if not segments:
        return {name: np.zeros(0) for name in COLUMNS}
    t = np.concatenate([s.t for s in segments])
    out = np.concatenate([s.columns() for s in segments])
    y = np.concatenate([s.y for s in segments])
    data = {"time": t}
    for name in OUTPUTS.names:
        data[name] = out[:, getattr(OUTPUTS.index, name)]
    data["phase"] = np.concatenate([np.full(len(s.t), s.phase_index) for s in segments])
    for name in _STATE_COLUMNS:
        data[name] = y[:, getattr(STATE.index, name)]
    return data
