"""Phases over ``solve_ivp``: the flight of a capsule from a state to the ground.

A flight is a sequence of :class:`Phase` objects (a vehicle configuration, a control law
and the triggers that end the phase). :func:`simulate` integrates them in turn, switching
on exact terminal events, and returns a :class:`~sim.results.trajectory.Trajectory` that
says why it stopped.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.core.dynamics import bank_angle, parachute_drag_area
from sim.core.ivp import IvpEvent, integrate_segment
from sim.core.layout import ATTITUDES, N_STATE, Q, S
from sim.core.pack import pack_phase
from sim.flight.control import ConstantBank, ControlLaw
from sim.flight.initial import State
from sim.flight.triggers import Trigger
from sim.models.atmosphere import Atmosphere, ExponentialAtmosphere
from sim.models.earth import WGS84_EARTH, EarthModel, ecef_to_geodetic
from sim.models.vehicle import Vehicle
from sim.results.trajectory import (
    FAILED,
    LANDED,
    SKIPPED_OUT,
    STOPPED,
    TIME_LIMIT,
    Event,
    Segment,
    Trajectory,
)


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


def simulate(
    initial: State,
    phases: Sequence[Phase],
    *,
    atmosphere: Atmosphere | None = None,
    earth: EarthModel | None = None,
    ground_altitude: float = 0.0,
    ceiling_altitude: float | None = None,
    max_time: float = 20000.0,
    rtol: float = 1e-08,
    method: str = "DOP853",
) -> Trajectory:
    """Fly a capsule through its phases from an initial state to the ground.

    Parameters
    ----------
    initial : State
        Earth-fixed position and velocity (see :mod:`sim.initial`).
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
        ``solve_ivp`` method ("DOP853", "RK45", "LSODA", ...).

    Returns
    -------
    Trajectory
    """
    if not phases:
        raise ValueError("simulate needs at least one phase")
    atmosphere = ExponentialAtmosphere() if atmosphere is None else atmosphere
    atm = atmosphere.numeric()
    earth = WGS84_EARTH if earth is None else earth
    y = np.zeros(N_STATE)
    y[S.x : S.z + 1] = initial.position
    y[S.vx : S.vz + 1] = initial.velocity
    y[S.mass] = phases[0].vehicle.mass
    t = float(initial.time)
    t_limit = t + max_time
    if ceiling_altitude is None:
        h0 = ecef_to_geodetic(*initial.position)[2]
        ceiling_altitude = max(h0, 100e3) + 50e3

    segments, events, diagnostics = [], [], {}
    bank = 0.0
    chute_area = 0.0
    status, message = None, ""
    prev_vehicle = None
    for index, phase in enumerate(phases):
        if prev_vehicle is not None and phase.vehicle.name != prev_vehicle.name:
            y[S.mass] = phase.vehicle.mass
        prev_vehicle = phase.vehicle
        model = pack_phase(
            phase.vehicle,
            atm,
            earth,
            chute_start_area=chute_area,
            phase_start=t,
            attitude=phase.attitude,
        )
        ground = IvpEvent(Q.altitude, ground_altitude, -1, model, "ground")
        ceiling = IvpEvent(Q.altitude, ceiling_altitude, 1, model, "ceiling")
        triggers = [trig.event(t, model, trig.describe()) for trig in phase.until]
        passed = [e for e in triggers if e.already_past(t, y)]
        if passed:
            h = ground.value(t, y)
            events.append(
                Event(
                    t,
                    f"phase '{phase.name}' skipped: {passed[0].label} already at its start",
                    phase.name,
                    h,
                )
            )
            continue
        controller = phase.control.start(t, y.copy(), bank, model)
        phase_done = False
        while not phase_done:
            seg_model = model.with_bank(controller.segment(t, y.copy(), bank))
            t_end = t_limit if controller.period is None else min(t + controller.period, t_limit)
            evs = [ground, ceiling, *triggers]
            sol = integrate_segment(seg_model, t, t_end, y, rtol=rtol, method=method, events=evs)
            segments.append(
                Segment(index, sol.t, sol.y.T.copy(), seg_model.params, seg_model.tables, sol.sol)
            )
            if sol.status == -1:
                status, message = (
                    FAILED,
                    f"integration failed in phase '{phase.name}' "
                    f"at t = {sol.t[-1]:.3f} s: {sol.message}",
                )
                break
            t = float(sol.t[-1])
            y = sol.y[:, -1].copy()
            bank = float(bank_angle(t, seg_model.params))
            chute_area = (
                float(parachute_drag_area(t, seg_model.params)) if phase.vehicle.parachute else 0.0
            )
            if sol.status == 1:
                fired = [e for e, te in zip(evs, sol.t_events, strict=True) if len(te)]
                first = fired[0]
                h = ground.value(t, y)
                if first is ground:
                    status, message = LANDED, f"reached the ground at t = {t:.3f} s"
                    events.append(Event(t, "ground", phase.name, h))
                elif first is ceiling:
                    status = SKIPPED_OUT
                    message = (
                        f"rose through the ceiling of {ceiling_altitude / 1e3:g} km "
                        f"at t = {t:.3f} s"
                    )
                    events.append(Event(t, "skipped out", phase.name, h))
                else:
                    events.append(Event(t, f"end of '{phase.name}': {first.label}", phase.name, h))
                    phase_done = True
            elif t >= t_limit:
                status, message = TIME_LIMIT, f"reached the time limit of {max_time:g} s"
                events.append(Event(t, "time limit", phase.name, ground.value(t, y)))
            if status is not None:
                break
        diag = getattr(controller, "diagnostics", None)
        if diag:
            diagnostics[phase.name] = diag
        if status is not None:
            break
    if status is None:
        status = STOPPED
        message = f"the last phase, '{phases[-1].name}', ended on its trigger at t = {t:.3f} s"
    return Trajectory.from_segments(
        segments, status, message, events, [ph.name for ph in phases], initial.epoch, diagnostics
    )
