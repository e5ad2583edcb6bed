"""Planning a flight: from an entry state, or from an orbit and a deorbit burn, to the
initial state and the phases as flown.

Planning is an explicit step, separate from reading a configuration: deorbit targeting
(:func:`sim.flight.targeting.solve_deorbit`) runs here, once, and its solution is kept in
the :class:`FlightPlan` so that variants of a flight can reuse it.
"""

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from sim.core.layout import I
from sim.core.program import Program, orbit_init, state_init
from sim.flight.control import ConstantBank
from sim.flight.initial import (
    BurnSpec,
    OrbitSpec,
    State,
    advance_orbit,
    impulsive_burn,
    orbit_state,
)
from sim.flight.simulate import Phase, default_ceiling, flight_program
from sim.flight.targeting import DeorbitProblem, DeorbitSolution, solve_deorbit
from sim.flight.triggers import Trigger
from sim.models.atmosphere import Atmosphere
from sim.models.earth import EarthModel, greenwich_sidereal_angle
from sim.models.vehicle import Engine


@dataclasses.dataclass(frozen=True, eq=False)
class FlightPlan:
    """A flight ready to be simulated.

    Attributes
    ----------
    initial : State
        Where the simulation starts (after an impulsive burn, or at the start of a finite
        one).
    phases : tuple of Phase
        As flown: a finite burn is a ``"deorbit burn"`` phase before the given phases.
    orbit : OrbitSpec or None
        The orbit of an orbit start, with its burn point set.
    burn : BurnSpec or None
        The deorbit burn of an orbit start.
    solution : DeorbitSolution or None
        What deorbit targeting found (None when no targeting was asked for).
    problem : DeorbitProblem or None
        What the solution was solved for.
    """

    initial: State
    phases: tuple
    orbit: OrbitSpec | None = None
    burn: BurnSpec | None = None
    solution: DeorbitSolution | None = None
    problem: DeorbitProblem | None = None


def plan_flight(
    phases: Sequence[Phase],
    *,
    earth: EarthModel,
    initial: State | None = None,
    orbit: OrbitSpec | None = None,
    burn: BurnSpec | None = None,
    problem: DeorbitProblem | None = None,
    solution: DeorbitSolution | None = None,
) -> FlightPlan:
    """Plan a flight.

    Parameters
    ----------
    phases : sequence of Phase
        The phases after the burn.
    earth : EarthModel
    initial : State, optional
        An entry state (no orbit, no burn).
    orbit, burn : OrbitSpec, BurnSpec, optional
        An orbit start. The orbit needs its burn point unless ``problem`` solves it.
    problem : DeorbitProblem, optional
        Deorbit targeting to solve (unless ``solution`` is given).
    solution : DeorbitSolution, optional
        A solution to reuse instead of solving ``problem`` again: its burn point (the
        argument of latitude and the node) is flown on the given orbit.

    Returns
    -------
    FlightPlan

    Raises
    ------
    sim.flight.targeting.TargetingError
        When targeting cannot reach the target.
    """
    phases = tuple(phases)
    if initial is not None:
        return FlightPlan(initial, phases)
    if orbit is None or burn is None:
        raise ValueError("plan_flight needs an initial state, or an orbit and a burn")
    if problem is not None:
        solution = solution if solution is not None else solve_deorbit(problem)
        orbit = dataclasses.replace(
            orbit,
            raan=solution.orbit.raan,
            argument_of_latitude=solution.orbit.argument_of_latitude,
        )
    state, flown = _flight_from_orbit(orbit, burn, phases, earth)
    return FlightPlan(state, flown, orbit, burn, solution, problem)


def flown_burn_point(orbit: OrbitSpec, burn: BurnSpec, earth: EarthModel) -> tuple:
    """Where and when the burn starts: the orbit advanced by the burn's ``time_offset``
    (:func:`sim.flight.initial.advance_orbit`), that time [s], and the Greenwich sidereal
    angle then [rad] (from Greenwich at t = 0 without an epoch)."""
    dt = float(burn.time_offset)
    theta0 = 0.0 if orbit.epoch is None else greenwich_sidereal_angle(orbit.epoch)
    return advance_orbit(orbit, dt, earth), dt, theta0 + earth.rotation_rate * dt


def _flight_from_orbit(orbit, burn, phases, earth):
    """The initial state and the phases as flown from an orbit and a deorbit burn."""
    flown, t0, theta = flown_burn_point(orbit, burn, earth)
    state = orbit.state(earth)
    if t0 != 0.0:
        at = orbit_state(
            flown.perigee_altitude,
            flown.apogee_altitude,
            flown.inclination,
            flown.raan,
            flown.argument_of_perigee,
            flown.argument_of_latitude,
            earth=earth,
            epoch=None,
        )
        rot = np.array(
            [
                [math.cos(theta), math.sin(theta), 0.0],
                [-math.sin(theta), math.cos(theta), 0.0],
                [0.0, 0.0, 1.0],
            ]
        )
        # orbit_state without an epoch is Greenwich-fixed at angle 0: turn it to theta
        w = np.array([0.0, 0.0, earth.rotation_rate])
        v_inertial = at.velocity + np.cross(w, at.position)
        r = rot @ at.position
        state = State(r, rot @ v_inertial - np.cross(w, r), t0, orbit.epoch)
    if burn.kind == "impulsive":
        return impulsive_burn(state, burn.delta_v, burn.pitch, burn.yaw, earth), phases
    first = phases[0]
    engine = Engine(burn.thrust, burn.specific_impulse, burn.pitch, burn.yaw)
    # The burn ends when it has delivered its delta-v: the rocket equation's duration, but
    # a trigger linear in the delta-v (a dispersed burn is a dispersed number).
    burning = Phase(
        "deorbit burn",
        dataclasses.replace(first.vehicle, engine=engine),
        ConstantBank(0.0),
        (Trigger("delta_v", burn.delta_v),),
        first.attitude,
    )
    return state, (burning, *phases)


def plan_program(
    flight_plan: FlightPlan,
    *,
    atmosphere: Atmosphere | None,
    earth: EarthModel,
    ground_altitude: float = 0.0,
    ceiling_altitude: float | None = None,
    max_time: float = 20000.0,
    rtol: float = 1e-8,
    store: bool = True,
    max_steps: int = 1_000_000,
    max_wall_time: float = 0.0,
) -> Program:
    """The flight program of a plan (see :func:`sim.flight.simulate.simulate` for the
    settings). An orbit start is packed as its orbital elements and its impulsive burn, so
    that variants of the orbit and the burn are variants of the program's numbers."""
    fp = flight_plan
    if ceiling_altitude is None:
        ceiling_altitude = default_ceiling(fp.initial.position)
    if fp.orbit is None:
        init = state_init(fp.initial.position, fp.initial.velocity, float(fp.initial.time))
    else:
        burn = fp.burn
        assert burn is not None
        o, t0, theta = flown_burn_point(fp.orbit, burn, earth)
        assert o.raan is not None and o.argument_of_latitude is not None
        impulsive = burn.kind == "impulsive"
        init = orbit_init(
            perigee_altitude=o.perigee_altitude,
            apogee_altitude=o.apogee_altitude,
            inclination=o.inclination,
            raan=o.raan,
            argument_of_perigee=o.argument_of_perigee,
            argument_of_latitude=o.argument_of_latitude,
            sidereal_angle=theta,
            burn_delta_v=burn.delta_v if impulsive else 0.0,
            burn_pitch=burn.pitch if impulsive else 0.0,
            burn_yaw=burn.yaw if impulsive else 0.0,
        )
        init[I.t0] = t0
    return flight_program(
        init,
        fp.phases,
        atmosphere=atmosphere,
        earth=earth,
        ground_altitude=ground_altitude,
        ceiling_altitude=ceiling_altitude,
        max_time=max_time,
        rtol=rtol,
        store=store,
        max_steps=max_steps,
        max_wall_time=max_wall_time,
    )
