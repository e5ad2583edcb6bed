"""The deorbit burn's timing error (``deorbit.time_offset_s``): the burn starts later on
the same orbit, planned for the undelayed burn."""

import dataclasses
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.config.scenario import plan
from sim.core.layout import I
from sim.flight.initial import OrbitSpec, advance_orbit, orbit_state
from sim.models.earth import EarthModel
from sim.studies.runs import fly, scenario_program

BALLISTIC = "configs/soyuz_tma11/ballistic.toml"


@pytest.mark.parametrize("dt", [-95.0, 37.0, 600.0])
def test_advance_orbit_is_two_body_motion_without_j2(dt):
    # Reference: the two-body equations integrated numerically in inertial axes (no
    # epoch and a non-rotating Earth: the Earth-fixed axes of orbit_state are inertial).
    earth = EarthModel(j2=0.0, rotation_rate=0.0)
    orbit = OrbitSpec(300e3, 900e3, math.radians(51.6), 0.7, 1.1, 0.4)
    s0 = orbit_state(300e3, 900e3, orbit.inclination, 0.7, 0.4, 1.1, earth=earth)

    def rhs(_t, y):
        r = y[:3]
        return np.concatenate([y[3:], -earth.mu * r / np.linalg.norm(r) ** 3])

    ref = solve_ivp(
        rhs,
        (0.0, dt),
        np.concatenate([s0.position, s0.velocity]),
        rtol=1e-12,
        atol=1e-6,
        method="DOP853",
    )
    moved = advance_orbit(orbit, dt, earth)
    s1 = orbit_state(
        300e3,
        900e3,
        moved.inclination,
        moved.raan,
        moved.argument_of_perigee,
        moved.argument_of_latitude,
        earth=earth,
    )
    # 1 mm: the integrator's accuracy at rtol 1e-12 over at most 600 s (Kepler's equation
    # is solved to 1e-15)
    assert np.linalg.norm(s1.position - ref.y[:3, -1]) < 1e-3
    assert moved.raan == orbit.raan


def test_advance_orbit_drifts_the_node_at_the_j2_rate():
    # Closed form: dOmega/dt = -3/2 n J2 (R/p)^2 cos i (Vallado eq. 9-41).
    earth = EarthModel()
    orbit = OrbitSpec(334e3, 337e3, math.radians(51.6), 0.2, 0.3)
    moved = advance_orbit(orbit, 86400.0, earth)
    per_day = math.degrees(moved.raan - orbit.raan)
    a = 6378137.0 + 335.5e3
    e = 1.5e3 / a
    n = math.sqrt(3.986004418e14 / a**3)
    expected = -1.5 * n * 1.08262998905e-3 * (6378137.0 / (a * (1 - e * e))) ** 2
    expected = math.degrees(expected * math.cos(math.radians(51.6)) * 86400.0)
    assert per_day == pytest.approx(expected, rel=1e-9)  # the closed form (WGS-84 J2)
    assert -5.4 < per_day < -4.9  # ISS-like orbits regress about 5 deg per day


def test_a_late_burn_starts_later_on_the_orbit_and_lands_later():
    base = load_scenario(BALLISTIC)
    late = load_scenario(BALLISTIC, {"deorbit.time_offset_s": 20.0})
    p0, p1 = plan(base), plan(late)
    # planned for the undelayed burn: the same solved burn point
    assert p1.solution.orbit.argument_of_latitude == p0.solution.orbit.argument_of_latitude
    prog0, prog1 = scenario_program(base, p0), scenario_program(late, p1)
    assert prog0.init[I.t0] == 0.0 and prog1.init[I.t0] == 20.0
    n = math.sqrt(base.earth.mu / (6378137.0 + 335.5e3) ** 3)
    # the burn point moves by about n dt along the orbit (within the J2 rate, 0.5 %)
    du = prog1.init[I.argument_of_latitude] - prog0.init[I.argument_of_latitude]
    assert du == pytest.approx(n * 20.0, rel=5e-3)
    t0, t1 = fly(base, p0), fly(late, p1)
    # the landing is about 20 s later (the descent itself changes by a few seconds)
    assert t1["time"][-1] - t0["time"][-1] == pytest.approx(20.0, abs=5.0)
    assert t1["time"][0] == 20.0


def test_zero_offset_is_the_flight_without_it():
    base = load_scenario(BALLISTIC)
    zero = load_scenario(BALLISTIC, {"deorbit.time_offset_s": 0.0})
    a, b = scenario_program(base, plan(base)), scenario_program(zero, plan(zero))
    for x, y in zip(a.arrays(), b.arrays(), strict=True):
        np.testing.assert_array_equal(x, y)


def test_time_offset_bounds_are_checked():
    with pytest.raises(ScenarioError) as err:
        load_scenario(BALLISTIC, {"deorbit.time_offset_s": 7200.0})
    assert err.value.key == "deorbit.time_offset_s"
    assert "<= 3600" in err.value.expected


def test_vehicle_roll_rate_is_the_rolling_law_default():
    s = load_scenario(BALLISTIC, {"vehicles.descent_module.roll_rate_deg_s": 5.0})
    assert s.phases[1].control.roll_rate == pytest.approx(math.radians(5.0))
    own = load_scenario(BALLISTIC, {"phases.1.control": {"law": "rolling", "roll_rate_deg_s": 9.0}})
    assert own.phases[1].control.roll_rate == pytest.approx(math.radians(9.0))
    with pytest.raises(ScenarioError) as err:
        load_scenario(BALLISTIC, {"vehicles.descent_module.roll_rate_deg_s": None})
    assert err.value.key == "phases.1.control.roll_rate_deg_s"
    assert dataclasses.is_dataclass(s.phases[1])
