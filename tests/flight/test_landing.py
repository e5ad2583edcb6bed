"""A landing is a landing: touchdown speed, phases never begun, parachute deployment
limits; tables used only within their range; no mass gained at a separation."""

import dataclasses
import math

import numpy as np
import pytest
from conftest import descent_phases, entry_100km, soyuz_like

from sim.flight.landing import assess, deployments
from sim.flight.ranges import TableRangeError, altitude_range_problem, mach_ranges
from sim.flight.simulate import Phase, mass_gain, simulate
from sim.flight.triggers import Trigger
from sim.models.atmosphere import ExponentialAtmosphere, TabulatedAtmosphere
from sim.models.vehicle import Parachute, Vehicle
from sim.results.summary import summarize


@pytest.fixture(scope="module")
def nominal():
    """The descent of conftest: entry, drogue at 10.7 km, main at 7 km."""
    return simulate(entry_100km(), descent_phases())


def test_a_descent_under_the_main_canopy_lands(nominal):
    assert nominal.status == "landed"
    # m g = 0.5 rho v^2 (CdS): 2,900 kg under 800 + 4.9 m^2 at 1.225 kg/m^3: 7.6 m/s
    v = math.sqrt(2 * 2900 * 9.80665 / (1.225 * (800 + 1.3 * 3.8)))
    assert nominal["speed"][-1] == pytest.approx(v, rel=0.01)  # 1 %: gravity and air vary
    s = summarize(nominal)
    assert s.touchdown_speed_m_s == pytest.approx(float(nominal["speed"][-1]))
    assert s.phases_not_flown == ()


def test_the_canopies_open_where_their_phases_begin(nominal):
    opened = deployments(nominal, descent_phases())
    assert [k for k, _, _ in opened] == [1, 2]  # the drogue, then the main
    k, mach, q = opened[0]
    assert 0.3 < mach < 1.0  # subsonic at 10.7 km
    # the capsule decelerates toward its terminal speed from above, where the dynamic
    # pressure is its weight per drag area (5.8 kPa): the drogue opens somewhat above it
    terminal = 2900 * 9.80665 / (1.3 * 3.8)
    assert terminal < q < 2.0 * terminal


def test_assess_keeps_a_landing_within_the_limits(nominal):
    assert assess(nominal, descent_phases(), max_landing_speed=10.0) is nominal


def test_a_landing_faster_than_survivable_is_an_impact(nominal):
    judged = assess(nominal, descent_phases(), max_landing_speed=5.0)
    assert judged.status == "impact" and "survivable 5 m/s" in judged.message
    s = summarize(judged)  # an impact keeps its ground point and touchdown speed
    assert s.landing_lat_deg is not None and s.touchdown_speed_m_s > 5.0


def test_the_ground_before_planned_phases_is_an_impact():
    phases = descent_phases()
    phases[1] = dataclasses.replace(phases[1], until=(Trigger("altitude", -1e3),))
    traj = simulate(entry_100km(), phases, max_landing_speed=1e3)
    assert traj.status == "impact" and "'main' began" in traj.message
    assert summarize(traj).phases_not_flown == ("main",)


def test_a_parachute_opened_beyond_its_mach_limit_is_flagged():
    phases = descent_phases()
    # the drogue opens at 90 km instead of 10.7 km: Mach 25 and more
    phases[0] = dataclasses.replace(phases[0], until=(Trigger("altitude", 90e3),))
    traj = simulate(entry_100km(), phases, max_landing_speed=10.0)
    assert traj.status == "parachute_limit"
    assert "'drogue' opened beyond its limits (Mach" in traj.message


def test_a_parachute_limit_of_dynamic_pressure():
    phases = descent_phases()
    v = phases[1].vehicle
    tight = dataclasses.replace(v, parachute=Parachute(19.2, 8.0, max_dynamic_pressure=1e3))
    phases[1] = dataclasses.replace(phases[1], vehicle=tight)
    traj = simulate(entry_100km(), phases, max_landing_speed=10.0)
    assert traj.status == "parachute_limit" and "kPa > 1 kPa" in traj.message


def test_an_impact_outranks_a_torn_canopy():
    # no air: the canopies open at orbital speed and the capsule hits the ground at it
    traj = simulate(
        entry_100km(),
        descent_phases(),
        atmosphere=ExponentialAtmosphere(density_scale=0.0),
        max_landing_speed=10.0,
    )
    assert traj.status == "impact" and "opened beyond its limits" in traj.message
    assert traj["speed"][-1] > 7000.0


# ---------------------------------------------------------------------------------------
# Tables within their range
# ---------------------------------------------------------------------------------------
def _table(top_km, extrapolate=False):
    alt = np.linspace(0.0, top_km * 1e3, 61)
    return TabulatedAtmosphere(
        alt, 1.225 * np.exp(-alt / 7200.0), np.full(alt.size, 250.0), extrapolate=extrapolate
    )


def test_altitude_range_problem():
    assert altitude_range_problem(_table(150), 0.0, 150e3) is None
    assert "0 to 150 km" in altitude_range_problem(_table(100), 0.0, 150e3)
    assert altitude_range_problem(_table(100, extrapolate=True), 0.0, 150e3) is None
    assert altitude_range_problem(ExponentialAtmosphere(), -1e4, 1e6) is None


def test_simulate_refuses_a_table_atmosphere_short_of_the_ceiling():
    with pytest.raises(TableRangeError, match="0 to 150 km"):
        simulate(entry_100km(), descent_phases(), atmosphere=_table(120))
    traj = simulate(entry_100km(), descent_phases(), atmosphere=_table(120, extrapolate=True))
    assert traj.status == "landed"


def _with_cd_table(mach, extrapolate):
    sa = soyuz_like()
    table = dataclasses.replace(
        sa, cd_mach=np.array(mach), cd_values=np.full(len(mach), 1.3), cd_extrapolate=extrapolate
    )
    phases = descent_phases()
    phases[0] = dataclasses.replace(phases[0], vehicle=table)
    return phases


def test_mach_ranges_after_the_flight():
    with pytest.raises(TableRangeError, match="0 to 2"):
        simulate(entry_100km(), _with_cd_table([0.0, 2.0], extrapolate=False))
    phases = _with_cd_table([0.0, 2.0], extrapolate=True)  # asked for: held constant
    traj = simulate(entry_100km(), phases)
    assert mach_ranges(traj, phases) == []
    strict = _with_cd_table([0.0, 2.0], extrapolate=False)
    (problem,) = mach_ranges(traj, strict)
    assert problem.phase == 0 and problem.table == (0.0, 2.0) and problem.flown[1] > 20.0


def test_a_separation_to_a_heavier_vehicle_is_refused():
    phases = descent_phases()
    heavy = Vehicle("other", 5000.0, 3.8, 2.2, 1.3, parachute=Parachute(19.2, 8.0))
    phases[1] = Phase("drogue", heavy, until=(Trigger("altitude", 7e3),))
    assert mass_gain(phases) == (1, 2900.0)
    with pytest.raises(ValueError, match="more than the 2900 kg"):
        simulate(entry_100km(), phases)
    assert mass_gain(descent_phases()) is None
