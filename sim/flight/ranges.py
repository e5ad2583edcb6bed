"""Tables used only within their range: atmosphere altitudes and drag against Mach.

A tabulated atmosphere (:class:`~sim.models.atmosphere.TabulatedAtmosphere`) or drag
table (:class:`~sim.models.vehicle.Vehicle` ``cd_mach``) that does not say it may be
extrapolated (``extrapolate``, ``cd_extrapolate``) must cover what the flight meets:

- the altitudes, before flying: a flight stays between the ground and the ceiling (it
  ends on reaching either), so a table that covers that interval covers every step, and
  one that does not is refused before any time is spent;
- the Mach numbers, after flying (they are known only then): the range of the Mach
  number over the stored steps of each phase, against the range of the table of the
  vehicle that flew it. The steps are the integrator's accepted points; between two of
  them the Mach number changes by less than the step's own change.
"""

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from sim.models.atmosphere import Atmosphere, TabulatedAtmosphere


class MachRange(NamedTuple):
    """A phase that flew beyond its drag table."""

    phase: int  #: index of the phase
    flown: tuple  #: (lowest, highest) Mach number of the phase's steps [-]
    table: tuple  #: (first, last) Mach number of the table [-]


def altitude_range_problem(atmosphere: Atmosphere, low: float, high: float) -> str | None:
    """Why a table atmosphere cannot be used from ``low`` to ``high`` [m] without
    extrapolating (None when it can, or when it is not a table, or may extrapolate)."""
    if not isinstance(atmosphere, TabulatedAtmosphere) or atmosphere.extrapolate:
        return None
    a, b = float(atmosphere.altitude[0]), float(atmosphere.altitude[-1])
    if a <= low and high <= b:
        return None
    return (
        f"a table covering {low / 1e3:g} to {high / 1e3:g} km (the ground to the ceiling: "
        f"a flight can meet any altitude between), not {a / 1e3:g} to {b / 1e3:g} km"
    )


def mach_ranges(trajectory, phases: Sequence) -> list[MachRange]:
    """The phases of a flown trajectory that met Mach numbers beyond their vehicle's drag
    table (for vehicles whose table may not be extrapolated)."""
    if len(trajectory) == 0:
        return []
    phase_of = np.asarray(trajectory["phase"]).astype(int)
    mach = np.asarray(trajectory["mach"], dtype=float)
    out = []
    for k, phase in enumerate(phases):
        v = phase.vehicle
        if not v.cd_mach.size or v.cd_extrapolate:
            continue
        m = mach[phase_of == k]
        m = m[np.isfinite(m)]
        if not m.size:
            continue
        lo, hi = float(m.min()), float(m.max())
        first, last = float(v.cd_mach[0]), float(v.cd_mach[-1])
        if lo < first or hi > last:
            out.append(MachRange(k, (lo, hi), (first, last)))
    return out


def mach_text(problem: MachRange) -> str:
    """A drag-table problem in words (the expected part of an error)."""
    lo, hi = problem.flown
    a, b = problem.table
    return (
        f"a table covering the Mach numbers of the flight, {lo:.3g} to {hi:.3g}, not "
        f"{a:g} to {b:g} (give more points, or extrapolate = true in the table to hold "
        "its end values)"
    )


class TableRangeError(ValueError):
    """A flight met values beyond a table that may not be extrapolated."""
