"""Whether a flight that reached the ground landed: touchdown speed, the phases flown and
the parachutes' deployment limits.

The engine reports any arrival at the ground as ``landed``. :func:`assess` looks at the
flown trajectory and keeps that status only for a real landing; otherwise:

- ``impact``: the ground was reached faster than the survivable touchdown speed, or
  before planned phases began (a parachute that never opened, say);
- ``parachute_limit``: otherwise, a canopy opened beyond its deployment limits (Mach
  number or dynamic pressure at the start of its phase,
  :class:`~sim.models.vehicle.Parachute`): it would have torn, so the rest of the flight
  is not what would happen.

The message says what happened, with the numbers.
"""

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from sim.results.trajectory import IMPACT, LANDED, PARACHUTE_LIMIT, Trajectory


def deployments(trajectory: Trajectory, phases: Sequence) -> list[tuple]:
    """Canopies opened in flight: (phase index, Mach number, dynamic pressure [Pa]) at the
    start of each flown phase whose parachute is larger than the one before it."""
    if len(trajectory) == 0:
        return []
    phase_of = np.asarray(trajectory["phase"]).astype(int)
    out = []
    area = 0.0
    for k, phase in enumerate(phases):
        rows = np.nonzero(phase_of == k)[0]
        if not rows.size:
            continue
        chute = phase.vehicle.parachute
        new_area = 0.0 if chute is None else chute.drag_area
        if chute is not None and new_area > area:
            i = int(rows[0])
            out.append((k, float(trajectory["mach"][i]), float(trajectory["dynamic_pressure"][i])))
        area = new_area
    return out


def assess(trajectory: Trajectory, phases: Sequence, max_landing_speed: float) -> Trajectory:
    """The trajectory with its status judged (see the module docstring).

    Parameters
    ----------
    trajectory : Trajectory
        A flown trajectory with its stored steps.
    phases : sequence of Phase
        The phases as flown.
    max_landing_speed : float
        Largest survivable touchdown speed [m s^-1] (air-relative).
    """
    if trajectory.status != LANDED or len(trajectory) == 0:
        return trajectory
    names = [p.name for p in phases]
    torn = []
    for k, mach, q in deployments(trajectory, phases):
        chute = phases[k].vehicle.parachute
        beyond = []
        if mach > chute.max_mach:
            beyond.append(f"Mach {mach:.3g} > {chute.max_mach:g}")
        if q > chute.max_dynamic_pressure:
            beyond.append(f"{q / 1e3:.3g} kPa > {chute.max_dynamic_pressure / 1e3:g} kPa")
        if beyond:
            torn.append(
                f"the parachute of '{names[k]}' opened beyond its limits ({', '.join(beyond)})"
            )
    speed = float(trajectory["speed"][-1])
    flown = set(np.asarray(trajectory["phase"]).astype(int).tolist())
    later = [n for k, n in enumerate(names) if k > max(flown)]
    fast = not math.isfinite(speed) or speed > max_landing_speed
    if not torn and not fast and not later:
        return trajectory
    t = float(trajectory["time"][-1])
    parts = [f"reached the ground at {speed:.1f} m/s at t = {t:.3f} s"]
    if fast:
        parts[0] += f", faster than the survivable {max_landing_speed:g} m/s"
    if later:
        parts.append("before the phases " + ", ".join(f"'{n}'" for n in later) + " began")
    parts.extend(torn)
    # the end on the ground first; a canopy torn in flight, else phases never begun
    status = IMPACT if fast or not torn else PARACHUTE_LIMIT
    return dataclasses.replace(trajectory, status=status, message="; ".join(parts))
