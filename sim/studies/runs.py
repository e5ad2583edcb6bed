"""Flying a scenario: plan (deorbit targeting, if asked for) and simulate."""

from sim.config.scenario import Scenario, plan
from sim.core.program import Program
from sim.flight.plan import FlightPlan, plan_program
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
    )


def fly(scenario: Scenario, flight_plan: FlightPlan) -> Trajectory:
    """Simulate a planned scenario with its models and integrator settings."""
    s = scenario.simulation
    program = scenario_program(scenario, flight_plan)
    flown = fly_program(program, flight_plan.phases, engine=s.engine, method=s.method)
    return trajectory_of(flown, flight_plan.phases, scenario.epoch)


def run_scenario(scenario: Scenario, flight_plan: FlightPlan | None = None) -> Trajectory:
    """Plan a scenario (unless a plan is given) and fly it.

    Raises
    ------
    sim.config.errors.ScenarioError
        When deorbit targeting cannot reach the target.
    """
    return fly(scenario, plan(scenario) if flight_plan is None else flight_plan)
