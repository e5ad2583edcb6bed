"""Planning a flight: from an entry state, or from an orbit and a deorbit burn, to the
initial state and the phases as flown.

Planning is an explicit step, separate from reading a configuration: deorbit targeting
(:func:`sim.flight.targeting.solve_deorbit`) runs here, once, and its solution is kept in
the :class:`FlightPlan` so that variants of a flight can reuse it.
"""

import dataclasses
from collections.abc import Sequence

from sim.flight.control import ConstantBank
from sim.flight.initial import BurnSpec, OrbitSpec, State, impulsive_burn
from sim.flight.simulate import Phase
from sim.flight.targeting import DeorbitProblem, DeorbitSolution, solve_deorbit
from sim.flight.triggers import Trigger
from sim.models.earth import EarthModel
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
    solution : DeorbitSolution or None
        What deorbit targeting found (None when no targeting was asked for).
    problem : DeorbitProblem or None
        What the solution was solved for.
    """

    initial: State
    phases: tuple
    orbit: OrbitSpec | None = None
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
        A solution to reuse instead of solving ``problem`` again.

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
        orbit = solution.orbit
    state, flown = _flight_from_orbit(orbit, burn, phases, earth)
    return FlightPlan(state, flown, orbit, solution, problem)


def _flight_from_orbit(orbit, burn, phases, earth):
    """The initial state and the phases as flown from an orbit and a deorbit burn."""
    state = orbit.state(earth)
    if burn.kind == "impulsive":
        return impulsive_burn(state, burn.delta_v, burn.pitch, burn.yaw, earth), phases
    first = phases[0]
    engine = Engine(burn.thrust, burn.specific_impulse, burn.pitch, burn.yaw)
    duration = engine.burn_time(first.vehicle.mass, burn.delta_v)
    burning = Phase(
        "deorbit burn",
        dataclasses.replace(first.vehicle, engine=engine),
        ConstantBank(0.0),
        (Trigger("phase_time", duration),),
        first.attitude,
    )
    return state, (burning, *phases)
