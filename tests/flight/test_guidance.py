"""Guidance, predictor and deorbit targeting, on nominal and dispersed cases."""

import dataclasses
import math
import pathlib
from datetime import UTC, datetime

import numpy as np
import pytest
from conftest import entry_100km, soyuz_like

from sim.core.pack import constant_segment, pack_phase
from sim.core.predictor import STOP_ALTITUDE, PredictorSettings, propagate, range_errors
from sim.flight.control import ConstantBank, GuidedBank, RollingBank
from sim.flight.initial import BurnSpec, OrbitSpec
from sim.flight.simulate import Phase, simulate
from sim.flight.targeting import DeorbitProblem, TargetingError, solve_deorbit
from sim.flight.triggers import Trigger
from sim.models.atmosphere import StandardAtmosphere1976
from sim.models.earth import EarthModel, GeoPoint
from sim.models.geodesy import geodesic_direct, geodesic_inverse
from sim.models.vehicle import Vehicle
from sim.studies.runs import run_scenario

CONFIGS = pathlib.Path(__file__).resolve().parents[2] / "configs"
ATM = StandardAtmosphere1976()
SA = soyuz_like(0.3)
CHUTE_COMMAND = 10.7e3


def _reference_target(downrange=0.0, crossrange=0.0):
    """A target in the middle of the footprint: the in-plane reference descent (L/D cos 55
    deg, no lateral lift) from the 100 km entry state, moved by the given offsets [m]."""
    flat = soyuz_like(0.3 * math.cos(math.radians(55.0)))
    ref = simulate(
        entry_100km(),
        [Phase("e", flat, ConstantBank(0.0), (Trigger("altitude", CHUTE_COMMAND),))],
        atmosphere=ATM,
    )
    assert ref.status == "stopped"
    lat, lon = ref.final["latitude_deg"], ref.final["longitude_deg"]
    _, _, azimuth = geodesic_inverse(ref["latitude_deg"][0], ref["longitude_deg"][0], lat, lon)
    lat, lon, az = geodesic_direct(lat, lon, azimuth, downrange)
    lat, lon, _ = geodesic_direct(lat, lon, az + 90.0, crossrange)
    return lat, lon


def _guided_miss(target, atmosphere=ATM, vehicle=SA, init=None, **settings):
    """Miss [m] and trajectory of a guided entry (the guidance flying SA in ATM) toward a
    target, with GuidedBank ``settings``."""
    law = GuidedBank(
        math.radians(target[0]),
        math.radians(target[1]),
        model_vehicle=SA,
        model_atmosphere=ATM,
        **settings,
    )
    traj = simulate(
        init or entry_100km(),
        [Phase("entry", vehicle, law, (Trigger("altitude", CHUTE_COMMAND),))],
        atmosphere=atmosphere,
    )
    d, _, _ = geodesic_inverse(
        target[0], target[1], traj.final["latitude_deg"], traj.final["longitude_deg"]
    )
    return d, traj


def test_predictor_matches_the_adaptive_integrator():
    model = pack_phase(SA, ATM.numeric(), EarthModel()).with_bank(
        constant_segment(0.0, math.radians(55.0))
    )
    init = entry_100km()
    y0 = np.concatenate([init.position, init.velocity, [0.0, SA.mass]])
    t, y, reason = propagate(
        0.0,
        y0,
        *model.args,
        PredictorSettings(
            stop_altitude=CHUTE_COMMAND,
            t_max=4000.0,
            step=1.0,
            coast_step=10.0,
            coast_altitude=120e3,
            ceiling=200e3,
        ),
    )
    assert reason == STOP_ALTITUDE
    ref = simulate(
        init,
        [Phase("e", SA, ConstantBank(math.radians(55.0)), (Trigger("altitude", CHUTE_COMMAND),))],
        atmosphere=ATM,
        rtol=1e-10,
    )
    # 100 m: the predictor's budget inside the guidance's 200 m corrector tolerance
    assert np.linalg.norm(y[0:3] - ref.state_at(ref.final["time"])[0:3]) < 100.0
    assert t == pytest.approx(ref.final["time"], abs=0.05)  # 100 m at ~230 m/s of descent


def test_range_errors_geometry():
    r = 6371e3
    current = np.array([r, 0.0, 0.0])
    target = np.array([0.0, r, 0.0])  # 90 deg ahead along the equator, going east
    ahead = np.array([-r * math.sin(0.01), r * math.cos(0.01), 0.0])  # 0.01 rad beyond
    down, cross = range_errors(current, ahead, target, r)
    # exact spherical geometry: rounding only
    assert down == pytest.approx(0.01 * r, rel=1e-9) and cross == pytest.approx(0, abs=1e-6)
    north = np.array([0.0, r * math.cos(0.02), r * math.sin(0.02)])  # 0.02 rad to the left
    down, cross = range_errors(current, north, target, r)
    assert cross == pytest.approx(0.02 * r, rel=1e-9) and down == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    "downrange_km,crossrange_km", [(0, 0), (150, 0), (-150, 0), (0, 40), (0, -40)]
)
@pytest.mark.parametrize("density_scale", [0.7, 1.0, 1.3])
def test_guided_descent_lands_on_target_under_density_errors(
    downrange_km, crossrange_km, density_scale
):
    """+-30 percent density (3 sigma of the issue's 10 percent) and targets moved +-150 km
    downrange and +-40 km crossrange: the guidance does not know the density, it estimates
    it from the sensed drag."""
    target = _reference_target(downrange_km * 1e3, crossrange_km * 1e3)
    miss, traj = _guided_miss(target, StandardAtmosphere1976(density_scale))
    assert miss < 10e3  # the nominal accuracy: 10 km (Soyuz: 28 km at p 0.9997)
    assert 1.0 < max(traj["g_load"]) < 5.0  # a lifting descent: 3-5 g (CSA, MS-11)
    diag = traj.diagnostics["entry"]
    # with a constant Cd the sensed-to-modelled drag ratio is the density ratio exactly;
    # 2 % leaves room for the filter's lag (gain 0.3 per 2 s cycle)
    assert diag["drag_ratio"][-1] == pytest.approx(density_scale, rel=0.02)


@pytest.mark.parametrize("case", ["heavy", "light", "high_drag", "low_drag", "steep", "shallow"])
def test_guided_descent_copes_with_mass_drag_and_entry_angle(case):
    target = _reference_target()
    vehicle, init = SA, entry_100km()
    if case in ("heavy", "light"):
        vehicle = dataclasses.replace(SA, mass=SA.mass * (1.03 if case == "heavy" else 0.97))
    if case in ("high_drag", "low_drag"):
        vehicle = dataclasses.replace(
            SA, drag_coefficient=1.3 * (1.15 if case == "high_drag" else 0.85)
        )
    if case in ("steep", "shallow"):  # 3 sigma of the 0.05 deg
        init = entry_100km(-1.35 + (-0.15 if case == "steep" else 0.15))
    miss, _ = _guided_miss(target, vehicle=vehicle, init=init)
    assert miss < 10e3


def test_bank_reversals_are_logged_and_the_bank_rate_is_limited():
    target = _reference_target(0.0, 30e3)
    _, traj = _guided_miss(target)
    diag = traj.diagnostics["entry"]
    assert len(diag["reversals"]) >= 1
    bank = np.unwrap(np.radians(traj["bank_angle_deg"]))
    rate = np.abs(np.diff(bank) / np.maximum(np.diff(traj["time"]), 1e-9))
    # the slew law never exceeds its rate; 1e-9 for rounding of the differences
    assert np.max(rate[np.diff(traj["time"]) > 1e-6]) <= math.radians(15.0) * (1 + 1e-9)


def test_mode_switch_guided_to_ballistic_at_60_km():
    """'What if the computer had dropped to ballistic at 60 km': the flight switches law on
    an altitude event, and lands short of the guided one."""
    target = _reference_target()
    law = GuidedBank(
        math.radians(target[0]), math.radians(target[1]), model_vehicle=SA, model_atmosphere=ATM
    )
    phases = [
        Phase("guided", SA, law, (Trigger("altitude", 60e3),)),
        Phase(
            "ballistic", SA, RollingBank(math.radians(13.0)), (Trigger("altitude", CHUTE_COMMAND),)
        ),
    ]
    traj = simulate(entry_100km(), phases, atmosphere=ATM)
    assert traj.events[0].name.startswith("end of 'guided'")
    assert traj.events[0].altitude == pytest.approx(60e3, abs=1e-3)  # event root, 1 mm
    guided_miss, guided = _guided_miss(target)
    assert np.max(traj["g_load"]) > np.max(guided["g_load"])


EPOCH = datetime(2008, 4, 19, 7, 41, tzinfo=UTC)
STACK = Vehicle("stack", 7150.0, 5.81, 2.0, 1.2)


@pytest.mark.parametrize(
    "burn", [BurnSpec(115.0), BurnSpec(115.0, "finite", thrust=2950.0, specific_impulse=302.0)]
)
def test_deorbit_targeting_lands_the_reference_on_target(burn):
    lat, lon, _ = geodesic_direct(50.25, 66.9, 0.0, 80e3)  # 80 km north of Arkalyk
    orbit = OrbitSpec(335e3, 337e3, math.radians(51.6), None, None, epoch=EPOCH)
    sol = solve_deorbit(
        DeorbitProblem(
            orbit,
            burn,
            STACK,
            SA,
            target=GeoPoint.from_deg(lat, lon),
            separation_altitude=140e3,
            final_altitude=CHUTE_COMMAND,
            reference_bank=math.radians(55.0),
            atmosphere=ATM,
        )
    )
    assert sol.residual < 50.0  # the solver's tolerance
    # Independent check with the adaptive integrator: the in-plane reference from the
    # solved orbit reaches the chute altitude over the target (predictor error < 100 m).
    from sim.flight.initial import impulsive_burn

    state = sol.orbit.state()
    phases = [
        Phase("coast", STACK, until=(Trigger("altitude", 140e3),)),
        Phase(
            "entry",
            dataclasses.replace(SA, lift_to_drag=0.3 * math.cos(math.radians(55.0))),
            until=(Trigger("altitude", CHUTE_COMMAND),),
        ),
    ]
    if burn.kind == "impulsive":
        state = impulsive_burn(state, burn.delta_v)
    else:
        from sim.models.vehicle import Engine

        engine = Engine(2950.0, 302.0)
        phases.insert(
            0,
            Phase(
                "burn",
                dataclasses.replace(STACK, engine=engine),
                until=(Trigger("phase_time", engine.burn_time(7150.0, 115.0)),),
            ),
        )
    traj = simulate(state, phases, atmosphere=ATM)
    d, _, _ = geodesic_inverse(lat, lon, traj.final["latitude_deg"], traj.final["longitude_deg"])
    assert d < 1000.0  # RK4 1 s/10 s predictor over a 2,000 s flight vs DOP853


def test_targeting_refuses_a_target_beyond_the_inclination():
    orbit = OrbitSpec(335e3, 337e3, math.radians(51.6), None, None, epoch=EPOCH)
    with pytest.raises(TargetingError, match="beyond the inclination"):
        solve_deorbit(
            DeorbitProblem(
                orbit,
                BurnSpec(115.0),
                STACK,
                SA,
                target=GeoPoint(math.radians(60.0), 0.0),
                separation_altitude=140e3,
                final_altitude=CHUTE_COMMAND,
                reference_bank=math.radians(55.0),
                atmosphere=ATM,
            )
        )


def test_load_limit_holds_a_descent_that_would_exceed_it():
    """A target 400 km short of the reference: reaching it unconstrained takes 6.2 g (lift
    down); with the 5 g limit the load relief eases the bank and the capsule still lands
    on target."""
    target = _reference_target(-400e3)
    miss_free, free = _guided_miss(target, load_limit=0.0)
    miss, held = _guided_miss(target, load_limit=5.0)
    assert max(free["g_load"]) > 5.5  # the case needs the limit (measured 6.19 g)
    assert not np.any(free.diagnostics["entry"]["limited"])
    assert max(held["g_load"]) <= 5.0  # the limit, as flown
    diag = held.diagnostics["entry"]
    assert np.any(diag["limited"])
    # the predictions aim at 90 % of the limit (the margin for the bank's slew), a bound
    # the held magnitude meets exactly (measured 4.29 g)
    assert np.nanmax(diag["predicted_peak_g"]) <= 0.9 * 5.0
    assert miss < 10e3 and miss_free < 10e3  # the nominal accuracy


def test_load_limit_dives_as_deep_as_the_limit_allows():
    """Targets 700 and 900 km short of the reference, beyond the largest bank with the
    relief easing from 60 % of the limit: the guidance raises the relief's band and dives
    deeper for the same limit. At 700 km it lands on target within the limit; at 900 km,
    which takes 14.7 g unconstrained, it lands long at the limit, and says so. (Eased from
    60 % only, the first landed 114 km long.) Tolerance of the peak: 0.05 g, the
    relief's slew lagging the load at the top of the raised band (measured 5.007 g)."""
    miss, near = _guided_miss(_reference_target(-700e3), load_limit=5.0)
    assert miss < 10e3 and max(near["g_load"]) <= 5.0  # measured 2.4 km, 4.68 g
    miss_free, free = _guided_miss(_reference_target(-900e3), load_limit=0.0)
    miss, far = _guided_miss(_reference_target(-900e3), load_limit=5.0)
    assert miss_free < 10e3 and max(free["g_load"]) > 10.0  # measured 1.1 km, 14.7 g
    assert 4.85 < max(far["g_load"]) < 5.05  # the load taken is the limit's
    assert miss > 50e3  # the price (measured 166 km long)
    diag = far.diagnostics["entry"]
    assert np.sum(diag["limited"]) > 100  # reported in most cycles (measured 191)


def test_anticipated_load_grows_on_the_way_down_and_falls_after_the_peak():
    """The load ahead, ``rho V^2`` to first order: ``a (1 + lead (sink / H - 2 D / V))``,
    checked against the closed form before and after a peak, never negative."""
    from sim.core.dynamics import RELIEF_SCALE_HEIGHT, anticipated_load
    from sim.core.layout import N_PARAMS, P

    p = np.zeros(N_PARAMS)
    p[P.relief_lead] = 10.0
    h = RELIEF_SCALE_HEIGHT
    # diving at 7 km/s: the density's growth wins (x 1.32)
    before = anticipated_load(20.0, 250.0, 19.0, 7000.0, p)
    assert before == pytest.approx(20.0 * (1.0 + 10.0 * (250.0 / h - 38.0 / 7000.0)), rel=1e-15)
    assert before > 20.0
    # after the peak at 4 km/s: the speed's decay wins though the capsule still sinks
    after = anticipated_load(40.0, 100.0, 39.0, 4000.0, p)
    assert after == pytest.approx(40.0 * (1.0 + 10.0 * (100.0 / h - 78.0 / 4000.0)), rel=1e-15)
    assert after < 40.0
    assert anticipated_load(40.0, -100.0, 39.0, 400.0, p) == 0.0  # rising and braking hard


def test_above_the_sensible_atmosphere_the_first_command_holds_without_predictions():
    """Below 0.05 g of sensed force (Apollo's "0.05 g" event) the lift cannot move the
    landing yet: the guidance holds its first cycle's command and predicts nothing, so the
    cycles of the coast from 140 km cost no predictions (the TMA-11 nominal: 128 of its 328
    cycles; 248 predictions against 393 when every cycle predicted)."""
    from sim.config.build import load_scenario
    from sim.config.scenario import plan
    from sim.core.layout import GH, GS
    from sim.core.run import fly_alone
    from sim.studies.runs import scenario_program

    scenario = load_scenario(CONFIGS / "soyuz_tma11" / "nominal.toml")
    program = scenario_program(scenario, plan(scenario), store=False)
    _, _, gstate, ghist = fly_alone(program.arrays(), 1000)
    cycles = int(gstate[GS.cycles])
    rows = ghist[:cycles]
    traj = run_scenario(scenario)
    t_005 = traj["time"][np.argmax(np.asarray(traj["g_load"]) >= 0.05)]
    coast = rows[rows[:, GH.time] < t_005 - 2.0]  # a cycle ahead of the 0.05 g sample
    assert len(coast) > 100  # measured 128
    assert np.all(coast[:, GH.bank_command_deg] == coast[0, GH.bank_command_deg])
    assert gstate[GS.predictions] < cycles  # measured 248 < 328


def test_without_limits_the_corrector_nulls_the_predicted_downrange():
    _, traj = _guided_miss(_reference_target(), load_limit=0.0)
    diag = traj.diagnostics["entry"]
    assert not np.any(diag["limited"])
    assert abs(diag["predicted_downrange_km"][-1]) <= 0.2  # the corrector's tolerance, 200 m


def test_heat_rate_limit_holds_and_the_shortfall_is_reported():
    """A heat-flux limit below what the target needs: the peak stays within it and the
    capsule lands short of the target instead (the limit wins over the landing point)."""
    target = _reference_target(-400e3)
    _, free = _guided_miss(target, load_limit=0.0)
    q_free = max(free["heat_flux"])
    miss, held = _guided_miss(target, load_limit=0.0, heat_rate_limit=0.9 * q_free)
    assert max(held["heat_flux"]) <= 0.9 * q_free
    assert np.sum(held.diagnostics["entry"]["limited"]) > 10
    assert miss > 50e3  # the price of the limit (measured 250 km)


@pytest.mark.parametrize("lift_to_drag", [0.27, 0.33])
def test_lift_ratio_estimator_sees_a_lift_to_drag_error(lift_to_drag):
    """The flight's L/D 10 % off the guidance's model (0.3): the sensed force across the
    velocity over the one along it is the real L/D, so the estimate converges to the ratio
    (1e-9: a ratio of exact model quantities, the filter long settled) and the drag ratio
    stays 1 (same Cd and density)."""
    miss, traj = _guided_miss(_reference_target(), vehicle=soyuz_like(lift_to_drag))
    diag = traj.diagnostics["entry"]
    assert diag["lift_ratio"][-1] == pytest.approx(lift_to_drag / 0.3, rel=1e-9)
    assert diag["drag_ratio"][-1] == pytest.approx(1.0, rel=1e-9)
    assert miss < 10e3


@pytest.mark.parametrize("step", [0.0, 1.0])
def test_predicted_peaks_are_the_flown_peaks(step):
    """The predictor's peak load and heat flux (step-end samples refined by the vertex of
    their parabola) against the engine's peaks at rtol 1e-10 (refined on its interpolant):
    2e-4 (measured 3e-5 and 1.2e-4; the step-end samples alone miss the load by 8e-4)."""
    from sim.core.predictor import PEAK_G, PEAK_HEAT_FLUX, PEAKS_SIZE, propagate_peaks
    from sim.results.summary import summarize

    bank = math.radians(55.0)
    model = pack_phase(SA, ATM.numeric(), EarthModel()).with_bank(constant_segment(0.0, bank))
    init = entry_100km()
    y0 = np.concatenate([init.position, init.velocity, [0.0, SA.mass]])
    peaks = np.empty(PEAKS_SIZE)
    settings = PredictorSettings(CHUTE_COMMAND, 4000.0, step, 10.0, 120e3, 200e3, 1e-6)
    propagate_peaks(0.0, y0, *model.args, settings, peaks)
    ref = simulate(
        init,
        [Phase("e", SA, ConstantBank(bank), (Trigger("altitude", CHUTE_COMMAND),))],
        atmosphere=ATM,
        rtol=1e-10,
    )
    s = summarize(ref)  # the engine's peaks, refined on its interpolant
    assert peaks[PEAK_G] == pytest.approx(s.peak_g, rel=2e-4)
    assert peaks[PEAK_HEAT_FLUX] / 1e3 == pytest.approx(s.peak_heat_flux_kw_m2, rel=2e-4)
