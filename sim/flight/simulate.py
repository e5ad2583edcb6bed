"""The flight of a capsule from a state to the ground, phase by phase.

A flight is a sequence of :class:`Phase` objects (a vehicle configuration, a control law
and the triggers that end the phase). :func:`simulate` packs them into a flight program
(:mod:`sim.core.program`), flies it with the compiled engine (:mod:`sim.core.engine`,
the default) or with the ``solve_ivp`` reference path (:mod:`sim.core.ivp`), switching on
exact events, and returns a :class:`~sim.results.trajectory.Trajectory` that says why it
stopped.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from sim.core.ivp import fly_reference
from sim.core.layout import ATTITUDES, EK, EV, GH, GS, ST, STATUSES
from sim.core.program import (
    FlownProgram,
    PhaseSpec,
    Program,
    pack_program,
    settings_row,
    state_init,
)
from sim.core.run import fly_program
from sim.flight.control import ConstantBank, ControlLaw, GuidedBank
from sim.flight.initial import State
from sim.flight.landing import assess
from sim.flight.ranges import TableRangeError, altitude_range_problem, mach_ranges, mach_text
from sim.flight.triggers import Trigger
from sim.models.atmosphere import Atmosphere, ExponentialAtmosphere
from sim.models.earth import WGS84_EARTH, EarthModel, ecef_to_geodetic
from sim.models.vehicle import Vehicle
from sim.results.trajectory import Event, Segment, Trajectory

#: Integrators: the compiled Dormand-Prince 5(4) engine and the solve_ivp reference path.
ENGINES = ("compiled", "solve_ivp")


@dataclass(frozen=True)
class Phase:
    """One phase of a flight.

    Attributes
    ----------
    name : str
    vehicle : Vehicle
        What flies. A phase continues the mass of the previous phase when its vehicle has
        the same name (propellant burned stays burned); a vehicle of another name starts at
        its own mass (a separation).
    control : control law
        Bank-angle law (see :mod:`sim.flight.control`).
    until : tuple of Trigger
        The phase ends when any of these fires; the flight ends on the ground whatever the
        phase. The last phase normally has none.
    attitude : str
        ``"heat_shield_first"`` (loads eyeballs-in) or ``"hatch_first"`` (eyeballs-out).
    """

    name: str
    vehicle: Vehicle
    control: ControlLaw = field(default_factory=ConstantBank)
    until: tuple = ()
    attitude: str = "heat_shield_first"

    def __post_init__(self):
        if self.attitude not in ATTITUDES:
            raise ValueError(f"attitude must be one of {', '.join(ATTITUDES)}")
        object.__setattr__(self, "until", tuple(self.until))
        for trig in self.until:
            if not isinstance(trig, Trigger):
                raise TypeError("Phase.until takes Trigger objects")


def phase_specs(phases: Sequence[Phase]) -> list[PhaseSpec]:
    """The phases as the compiled core sees them."""
    specs = []
    for k, phase in enumerate(phases):
        need_sound = any(trig.quantity == "mach" for trig in phase.until)
        carry = k > 0 and phase.vehicle.name == phases[k - 1].vehicle.name
        specs.append(
            PhaseSpec(
                phase.vehicle,
                phase.attitude,
                phase.control.spec(),
                tuple(trig.spec() for trig in phase.until),
                carry,
                need_sound,
            )
        )
    return specs


def flight_program(
    init: np.ndarray,
    phases: Sequence[Phase],
    *,
    atmosphere: Atmosphere | None = None,
    earth: EarthModel | None = None,
    ground_altitude: float = 0.0,
    ceiling_altitude: float,
    max_time: float = 20000.0,
    rtol: float = 1e-8,
    store: bool = True,
    max_steps: int = 1_000_000,
    max_wall_time: float = 0.0,
) -> Program:
    """Pack a flight into a program (see :func:`simulate` for the parameters; ``init``
    from :func:`sim.core.program.state_init` or :func:`sim.core.program.orbit_init`).

    Raises
    ------
    ValueError
        Without phases, or when a phase's vehicle is heavier than the phase before it
        began with (a separation only drops mass).
    """
    if not phases:
        raise ValueError("simulate needs at least one phase")
    gain = mass_gain(phases)
    if gain is not None:
        k, before = gain
        raise ValueError(
            f"phase '{phases[k].name}' starts with {phases[k].vehicle.mass:g} kg, more than "
            f"the {before:g} kg the vehicle had (a separation only drops mass)"
        )
    atmosphere = ExponentialAtmosphere() if atmosphere is None else atmosphere
    earth = WGS84_EARTH if earth is None else earth
    settings = settings_row(
        rtol=rtol,
        max_time=max_time,
        ground_altitude=ground_altitude,
        ceiling_altitude=ceiling_altitude,
        store=store,
        max_steps=max_steps,
        max_wall_time=max_wall_time,
    )
    return pack_program(
        init,
        phase_specs(phases),
        atmosphere=atmosphere.numeric(),
        earth=earth,
        settings=settings,
        names=[p.name for p in phases],
    )


def mass_gain(phases: Sequence[Phase]) -> tuple[int, float] | None:
    """The first phase whose vehicle starts heavier than the vehicle was when the phase
    before it began, as (phase index, that mass [kg]), or None. (A phase of another
    vehicle name starts at its own mass; mass only drops within a phase, by burning, so
    a vehicle heavier than the previous phase's start mass certainly gains mass.)"""
    start = None
    for k, phase in enumerate(phases):
        carry = k > 0 and phase.vehicle.name == phases[k - 1].vehicle.name
        if carry:
            continue
        if start is not None and phase.vehicle.mass > start:
            return k, start
        start = phase.vehicle.mass
    return None


def default_ceiling(position: np.ndarray) -> float:
    """50 km above the higher of the start altitude and 100 km [m]."""
    return max(ecef_to_geodetic(*position)[2], 100e3) + 50e3


def simulate(
    initial: State,
    phases: Sequence[Phase],
    *,
    atmosphere: Atmosphere | None = None,
    earth: EarthModel | None = None,
    ground_altitude: float = 0.0,
    ceiling_altitude: float | None = None,
    max_time: float = 20000.0,
    rtol: float = 1e-8,
    method: str = "DOP853",
    engine: str = "compiled",
    max_landing_speed: float = math.inf,
    max_steps: int = 1_000_000,
    max_wall_time: float = 0.0,
) -> Trajectory:
    """Fly a capsule through its phases from an initial state to the ground.

    Parameters
    ----------
    initial : State
        Earth-fixed position and velocity (see :mod:`sim.flight.initial`).
    phases : sequence of Phase
    atmosphere : atmosphere model, optional
        Default :class:`~sim.models.atmosphere.ExponentialAtmosphere` (1.225 kg m^-3,
        7.2 km).
    earth : EarthModel, optional
        Default WGS-84 with J2 and rotation.
    ground_altitude : float
        Height of the ground above the ellipsoid [m]; reaching it ends the flight.
    ceiling_altitude : float, optional
        Rising through this height ends the flight as ``"skipped_out"`` [m]; default 50 km
        above the higher of the initial altitude and 100 km.
    max_time : float
        Simulation time limit [s] (status ``"time_limit"``).
    rtol : float
        Relative tolerance of the integrator. The absolute tolerances scale with it:
        rtol times 1e5 m, 1e2 m/s, 1e8 J/m^2 and 1e3 kg (1 mm, 1 um/s, 1 J/m^2 and 10 mg
        at the default 1e-8).
    method : str
        ``solve_ivp`` method of the reference path ("DOP853", "RK45", "LSODA", ...).
    engine : str
        ``"compiled"`` (Dormand-Prince 5(4) with dense output, compiled whole) or
        ``"solve_ivp"`` (the reference path, with ``method``).
    max_landing_speed : float
        Largest survivable touchdown speed [m s^-1]: a faster arrival at the ground is
        the status ``"impact"`` (see :func:`sim.flight.landing.assess`, which also flags
        parachutes opened beyond their limits and phases never begun).
    max_steps : int
        Accepted-step limit (status ``"step_limit"``).
    max_wall_time : float
        Wall-clock limit of the compiled engine [s] (status ``"wall_time"``; 0: none).

    Returns
    -------
    Trajectory

    Raises
    ------
    sim.flight.ranges.TableRangeError
        When a table that may not be extrapolated does not cover the flight: the
        atmosphere's altitudes from the ground to the ceiling (before flying), a drag
        table's Mach numbers (after).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if ceiling_altitude is None:
        ceiling_altitude = default_ceiling(initial.position)
    if atmosphere is not None:
        problem = altitude_range_problem(atmosphere, ground_altitude, ceiling_altitude)
        if problem is not None:
            raise TableRangeError(f"the atmosphere table: {problem}")
    program = flight_program(
        state_init(initial.position, initial.velocity, float(initial.time)),
        phases,
        atmosphere=atmosphere,
        earth=earth,
        ground_altitude=ground_altitude,
        ceiling_altitude=ceiling_altitude,
        max_time=max_time,
        rtol=rtol,
        max_steps=max_steps,
        max_wall_time=max_wall_time,
    )
    flown = fly(program, phases, engine=engine, method=method)
    traj = trajectory_of(flown, phases, initial.epoch)
    beyond = mach_ranges(traj, phases)
    if beyond:
        raise TableRangeError(
            f"the drag table of phase '{phases[beyond[0].phase].name}': " + mach_text(beyond[0])
        )
    return assess(traj, phases, max_landing_speed)


def history_rows(program: Program) -> int:
    """Rows a flight's guidance history needs (one per guidance cycle)."""
    from sim.core.layout import G

    if program.guide.shape[0] == 0:
        return 0
    period = float(np.min(program.guide[:, G.period]))
    extra = 4 * program.guide.shape[0]
    # at most one cycle per period, and one per accepted step (a cycle ends a step)
    cycles = min(math.ceil(program.settings[ST.max_time] / period), program.settings[ST.max_steps])
    return int(min(cycles + extra, 10_000_000))


def fly(
    program: Program, phases: Sequence[Phase], *, engine: str = "compiled", method: str = "DOP853"
) -> FlownProgram:
    """Fly a program with either integrator."""
    rows = history_rows(program)
    if engine == "compiled":
        return fly_program(program, rows)
    return fly_reference(program, method=method, history_rows=rows)


_STATUS_NAMES = STATUSES.names


def trajectory_of(
    flown: FlownProgram, phases: Sequence[Phase], epoch: datetime | None
) -> Trajectory:
    """The :class:`Trajectory` of a flown program (its phases name the events)."""
    program = flown.program
    segments = [
        Segment(seg.phase, seg.t, seg.y, seg.params, seg.table, seg.dense) for seg in flown.segments
    ]
    events = [_event(row, phases, program) for row in flown.events]
    status = _STATUS_NAMES[flown.status]
    message = _message(status, flown, phases, program)
    diagnostics = _diagnostics(flown, phases)
    peaks = None if flown.summary is None else _peaks(flown.summary)
    return Trajectory.from_segments(
        segments, status, message, events, [ph.name for ph in phases], epoch, diagnostics, peaks
    )


def _trigger_text(program: Program, phase: int, j: int, phases: Sequence[Phase]) -> str:
    return phases[phase].until[j].describe()


def _event(row: np.ndarray, phases: Sequence[Phase], program: Program) -> Event:
    t, alt, kind = float(row[EV.time]), float(row[EV.altitude]), int(row[EV.kind])
    ph = int(row[EV.phase])
    name = phases[ph].name
    if kind == EK.trigger:
        text = f"end of '{name}': {_trigger_text(program, ph, int(row[EV.trigger]), phases)}"
    elif kind == EK.skipped:
        label = _trigger_text(program, ph, int(row[EV.trigger]), phases)
        text = f"phase '{name}' skipped: {label} already at its start"
    else:
        text = {
            EK.ground: "ground",
            EK.ceiling: "skipped out",
            EK.time_limit: "time limit",
            EK.failed: "integration failed",
            EK.step_limit: "step limit",
            EK.wall_time: "wall-clock limit",
            EK.interrupted: "interrupted",
        }[kind]
    return Event(t, text, name, alt)


def _message(status: str, flown: FlownProgram, phases: Sequence[Phase], program: Program) -> str:
    t = float(flown.events[-1, EV.time]) if len(flown.events) else float(program.init[1])
    if status == "landed":
        return f"reached the ground at t = {t:.3f} s"
    if status == "skipped_out":
        ceiling = program.settings[3]
        return f"rose through the ceiling of {ceiling / 1e3:g} km at t = {t:.3f} s"
    if status == "time_limit":
        return f"reached the time limit of {program.settings[1]:g} s"
    if status == "failed":
        ph = phases[int(flown.events[-1, EV.phase])].name if len(flown.events) else "?"
        return f"integration failed in phase '{ph}' at t = {t:.3f} s"
    if status == "step_limit":
        return f"reached the limit of {program.settings[4]:g} integrator steps at t = {t:.3f} s"
    if status == "wall_time":
        limit = program.settings[ST.max_wall_time]
        return f"reached the wall-clock limit of {limit:g} s of computing at t = {t:.3f} s"
    if status == "interrupted":
        return f"interrupted at t = {t:.3f} s"
    return f"the last phase, '{phases[-1].name}', ended on its trigger at t = {t:.3f} s"


def _diagnostics(flown: FlownProgram, phases: Sequence[Phase]) -> dict:
    n = int(flown.gstate[GS.cycles])
    rows = flown.ghist[:n]
    out = {}
    for k, phase in enumerate(phases):
        if not isinstance(phase.control, GuidedBank):
            continue
        mine = rows[rows[:, GH.phase] == k]
        if not len(mine):
            continue
        out[phase.name] = {
            "time": mine[:, GH.time].tolist(),
            "bank_command_deg": mine[:, GH.bank_command_deg].tolist(),
            "predicted_downrange_km": mine[:, GH.predicted_downrange_km].tolist(),
            "predicted_crossrange_km": mine[:, GH.predicted_crossrange_km].tolist(),
            "drag_ratio": mine[:, GH.drag_ratio].tolist(),
            "lift_ratio": mine[:, GH.lift_ratio].tolist(),
            "predicted_peak_g": mine[:, GH.predicted_peak_g].tolist(),
            "limited": [bool(f) for f in mine[:, GH.limited]],
            "reversals": mine[mine[:, GH.reversal] != 0.0, GH.time].tolist(),
        }
    return out


def _peaks(summary: np.ndarray) -> dict:
    """The in-flight summary of the compiled engine, by SUMMARY slot name [SI]."""
    from sim.core.layout import SUMMARY

    return {name: float(summary[i]) for i, name in enumerate(SUMMARY.names)}
