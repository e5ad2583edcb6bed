"""The built scenario, and planning it (deorbit targeting) as an explicit step.

:func:`sim.config.build.load_scenario` returns a :class:`Scenario`: validated, built models,
nothing run. :func:`plan` turns it into a :class:`~sim.flight.plan.FlightPlan` (the initial
state and the phases as flown), solving deorbit targeting when the scenario asks for it;
the plan can be reused for variants whose planning problem is the same.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sim.config.errors import ScenarioError
from sim.config.limits import MAX_LANDING_SPEED, MAX_STEPS, MAX_WALL_TIME
from sim.config.study import StudySpec
from sim.config.tree import REMOVE
from sim.flight.initial import BurnSpec, OrbitSpec, State
from sim.flight.plan import FlightPlan, plan_flight
from sim.flight.targeting import DeorbitProblem, DeorbitSolution, TargetingError
from sim.models.atmosphere import Atmosphere
from sim.models.earth import EarthModel, GeoPoint


@dataclass(frozen=True)
class SimulationSettings:
    """Integrator settings of :func:`sim.flight.simulate.simulate` (SI).

    Attributes
    ----------
    rtol : float
        Relative tolerance [-].
    max_time : float
        Simulation time limit [s].
    ground_altitude : float
        Height of the ground above the ellipsoid [m].
    ceiling_altitude : float or None
        Skip-out height [m]; None: the simulator's default.
    method : str
        ``solve_ivp`` method of the reference path.
    engine : str
        ``"compiled"`` (the default: Dormand-Prince 5(4) compiled whole) or
        ``"solve_ivp"`` (the reference path, with ``method``).
    max_landing_speed : float
        Largest survivable touchdown speed [m s^-1]: a faster arrival is an ``impact``.
    max_steps : int
        Accepted-step limit of a run (status ``step_limit``).
    max_wall_time : float
        Wall-clock limit of a run of the compiled engine [s] (status ``wall_time``).
    """

    rtol: float = 1e-8
    max_time: float = 20000.0
    ground_altitude: float = 0.0
    ceiling_altitude: float | None = None
    method: str = "DOP853"
    engine: str = "compiled"
    max_landing_speed: float = MAX_LANDING_SPEED
    max_steps: int = MAX_STEPS
    max_wall_time: float = MAX_WALL_TIME


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated, built scenario (what :func:`sim.config.build.load_scenario` returns).

    Attributes
    ----------
    name : str
    path : pathlib.Path
        The scenario file.
    description : str
    reference : bool
        The baseline of a comparison.
    config : dict
        The configuration as resolved after ``extends`` and overrides (paths made
        absolute), what ``--out`` writes back.
    origin : dict
        Key tuple -> the file (or override) each value came from.
    epoch : datetime or None
        UTC of t = 0.
    initial : State or None
        The entry state of an entry start (None for an orbit start).
    orbit : OrbitSpec or None
        The orbit of an orbit start (``raan`` and ``argument_of_latitude`` None where
        deorbit targeting will solve them).
    burn : BurnSpec or None
        The deorbit burn of an orbit start.
    phases : tuple of Phase
        The phases of the file (a finite burn's phase is added by planning).
    vehicles : dict of str -> Vehicle
    atmosphere, earth
        Built models.
    target : GeoPoint or None
        Planned landing point.
    simulation : SimulationSettings
    deorbit : DeorbitProblem or None
        The deorbit targeting problem, when ``[targeting]`` asks for one.
    documented : tuple of (str, str) or None
        (flight, case) of :data:`sim.results.documented.DOCUMENTED` this scenario stands
        for.
    study : StudySpec or None
        The file's ``[study]``, ``[dispersions]`` and ``[sweep]`` tables.
    uncertainty_file : Path or None
        ``[uncertainty] file``: the distributions of its uncertain parameters
        (:mod:`sim.studies.uncertain`), for ``reentry compare --uncertainty``.
    mach_tables : dict of str -> (str, str)
        Phase name -> (file, dotted key) of the drag table its vehicle flies with, for
        the phases whose table may not be extrapolated: an error after the flight names
        it (:func:`sim.studies.runs.fly`).
    """

    name: str
    path: Path
    description: str
    reference: bool
    config: dict
    origin: dict
    epoch: datetime | None
    initial: State | None
    orbit: OrbitSpec | None
    burn: BurnSpec | None
    phases: tuple
    vehicles: dict
    atmosphere: Atmosphere
    earth: EarthModel
    target: GeoPoint | None
    simulation: SimulationSettings
    deorbit: DeorbitProblem | None = None
    documented: tuple | None = None
    study: StudySpec | None = None
    uncertainty_file: Path | None = None
    mach_tables: dict = field(default_factory=dict)


def plan(scenario: Scenario, solution: DeorbitSolution | None = None) -> FlightPlan:
    """Plan a scenario: its initial state and phases as flown, with deorbit targeting.

    Parameters
    ----------
    scenario : Scenario
    solution : DeorbitSolution, optional
        Reuse this solution instead of solving the scenario's targeting problem again
        (valid when the problem is the same: compare ``DeorbitProblem.key()``).

    Returns
    -------
    FlightPlan

    Raises
    ------
    ScenarioError
        When deorbit targeting cannot reach the target (naming the file and
        ``targeting``).
    """
    try:
        return plan_flight(
            scenario.phases,
            earth=scenario.earth,
            initial=scenario.initial,
            orbit=scenario.orbit,
            burn=scenario.burn,
            problem=scenario.deorbit,
            solution=solution,
        )
    except TargetingError as exc:
        file = scenario.origin.get(("targeting",), str(scenario.path))
        raise ScenarioError(file, "targeting", f"a reachable target ({exc})") from None


def fixed_burn_overrides(flight_plan: FlightPlan) -> dict:
    """Overrides that pin a plan's solved burn point (no targeting).

    Sweeps and Monte Carlo runs can apply these to every sample, so that a dispersion
    moves the landing instead of being re-targeted away. Empty without targeting.
    """
    if flight_plan.solution is None or flight_plan.orbit is None:
        return {}
    orbit = flight_plan.orbit
    assert orbit.raan is not None and orbit.argument_of_latitude is not None
    return {
        "targeting": REMOVE,
        "initial.raan_deg": math.degrees(orbit.raan),
        "initial.argument_of_latitude_deg": math.degrees(orbit.argument_of_latitude),
    }
