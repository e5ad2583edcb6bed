"""Flying a scenario: plan (deorbit targeting, if asked for) and simulate."""

from sim.config.scenario import Scenario, plan
from sim.flight.plan import FlightPlan
from sim.flight.simulate import simulate
from sim.results.trajectory import Trajectory


def fly(scenario: Scenario, flight_plan: FlightPlan) -> Trajectory:
    """Simulate a planned scenario with its models and integrator settings."""
    s = scenario.simulation
    return simulate(
        flight_plan.initial,
        flight_plan.phases,
        atmosphere=scenario.atmosphere,
        earth=scenario.earth,
        ground_altitude=s.ground_altitude,
        ceiling_altitude=s.ceiling_altitude,
        max_time=s.max_time,
        rtol=s.rtol,
        method=s.method,
        engine=s.engine,
    )


def run_scenario(scenario: Scenario, flight_plan: FlightPlan | None = None) -> Trajectory:
    """Plan a scenario (unless a plan is given) and fly it.

    Raises
    ------
    sim.config.errors.ScenarioError
        When deorbit targeting cannot reach the target.
    """
    return fly(scenario, plan(scenario) if flight_plan is None else flight_plan)
