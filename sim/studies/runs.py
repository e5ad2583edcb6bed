"""Flying a scenario: plan (deorbit targeting, if asked for) and simulate."""

from sim.config.errors import ScenarioError
from sim.config.scenario import Scenario, plan
from sim.core.program import Program
from sim.flight.landing import assess
from sim.flight.plan import FlightPlan, plan_program
from sim.flight.ranges import mach_ranges, mach_text
from sim.flight.simulate import fly as fly_program
from sim.flight.simulate import trajectory_of
from sim.results.trajectory import Trajectory


def scenario_program(scenario: Scenario, flight_plan: FlightPlan, *, store: bool = True) -> Program:
    """The flight program of a planned scenario, with its integrator settings."""
    s = scenario.simulation
    return plan_program(
        flight_plan,
        atmosphere=scenario.atmosphere,
        earth=scenario.earth,
        ground_altitude=s.ground_altitude,
        ceiling_altitude=s.ceiling_altitude,
        max_time=s.max_time,
        rtol=s.rtol,
        store=store,
        max_steps=s.max_steps,
        max_wall_time=s.max_wall_time,
    )


def fly(scenario: Scenario, flight_plan: FlightPlan) -> Trajectory:
    """Simulate a planned scenario with its models and integrator settings; the status of
    a flight that reached the ground is judged (:func:`sim.flight.landing.assess`).

    Raises
    ------
    ScenarioError
        When the flight met Mach numbers beyond a drag table that may not be
        extrapolated (naming the table's key).
    KeyboardInterrupt
        On Ctrl-C during the flight.
    """
    s = scenario.simulation
    program = scenario_program(scenario, flight_plan)
    flown = fly_program(program, flight_plan.phases, engine=s.engine, method=s.method)
    traj = trajectory_of(flown, flight_plan.phases, scenario.epoch)
    for problem in mach_ranges(traj, flight_plan.phases):
        name = flight_plan.phases[problem.phase].name
        file, key = scenario.mach_tables.get(name, (str(scenario.path), f"phases.{name}"))
        raise ScenarioError(file, key, f"{mach_text(problem)} (phase '{name}')")
    return assess(traj, flight_plan.phases, s.max_landing_speed)


def run_scenario(scenario: Scenario, flight_plan: FlightPlan | None = None) -> Trajectory:
    """Plan a scenario (unless a plan is given) and fly it.

    Raises
    ------
    sim.config.errors.ScenarioError
        When deorbit targeting cannot reach the target, or a drag table does not cover
        the flight.
    """
    return fly(scenario, plan(scenario) if flight_plan is None else flight_plan)
