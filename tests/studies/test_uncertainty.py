"""Uncertainty propagation and calibration: the propagation reproduces independent runs
at the corners of the ranges, the calibration recovers parameters from observations the
model made, and one seed gives one posterior."""

import math
import textwrap

import numpy as np
import pytest

import sim
from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.studies.uncertain import read_uncertainty
from sim.studies.uncertainty import Propagator, percentile_of

pytest.importorskip("emcee")
pytest.importorskip("SALib")

BALLISTIC = "configs/soyuz_tma11/ballistic.toml"
STUCK = "configs/soyuz_tma11/stuck_service_module.toml"
UNCERTAINTY = "configs/soyuz_tma11/studies/uncertainty.toml"


def test_every_shipped_distribution_cites_its_source_or_says_assumption():
    spec = read_uncertainty(UNCERTAINTY)
    keys = set(spec.keys)
    for needed in (
        "vehicles.descent_module.lift_to_drag",
        "vehicles.descent_module.drag_coefficient",
        "vehicles.descent_module.roll_rate_deg_s",
        "targeting.reference_bank_deg",
        "phases.1.until.0.altitude_km",
        "vehicles.sa_pao.drag_coefficient",
        "vehicles.sa_pao.mass_kg",
        "atmosphere.density_scale",
        "deorbit.delta_v_m_s",
        "deorbit.time_offset_s",
        "atmosphere.model",
        "atmosphere.scale_height_km",
    ):
        assert needed in keys
    for p in spec.parameters:
        assert "data sheet" in p.source or "assumption" in p.source or "NOAA" in p.source
    # the data-sheet ranges, not widened
    ld = spec.parameter("vehicles.descent_module.lift_to_drag")
    assert ld.bounds() == (0.18, 0.30)
    assert spec.parameter("vehicles.descent_module.drag_coefficient").bounds() == (1.2, 1.4)
    assert spec.parameter("atmosphere.scale_height_km").bounds() == (7.2, 8.5)


@pytest.mark.parametrize(
    "key, corner",
    [
        ("vehicles.descent_module.lift_to_drag", 0.18),
        ("targeting.reference_bank_deg", 65.0),
        ("vehicles.descent_module.roll_rate_deg_s", 5.0),
        ("atmosphere.density_scale", 1.1),
    ],
)
def test_propagation_reproduces_one_at_a_time_runs_at_the_corners(key, corner):
    # Reference: the scenario loaded with the value and flown alone (planned with it when
    # the planners knew it, from the nominal burn point when not), as the README's
    # one-at-a-time table was made.
    spec = read_uncertainty(UNCERTAINTY)
    params = [p for p in spec.parameters if p.key == key]
    base = load_scenario(BALLISTIC)
    prop = Propagator([base], params)
    table = prop.evaluate([{key: corner}])["ballistic"]
    s = load_scenario(BALLISTIC, {key: corner})
    if params[0].known:
        plan = sim.plan(s)
    else:
        plan = sim.plan(s, solution=sim.plan(base).solution)
    summary = sim.summarize(sim.run_scenario(s, plan), target=s.target)
    # 1 m and 1e-6 g: the batch path equals the single flight to the engine's rounding
    assert table["miss_along_track_km"][0] == pytest.approx(
        summary.downrange_to_target_km, abs=1e-3
    )
    assert table["peak_g"][0] == pytest.approx(summary.peak_g, abs=1e-6)


def test_percentile_counts_ties_half():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert percentile_of(v, 2.5) == 50.0
    assert percentile_of(v, 2.0) == 37.5
    assert percentile_of(v, 0.0) == 0.0
    assert math.isnan(percentile_of(v, math.nan))


def test_a_distribution_without_a_source_is_an_error(tmp_path):
    f = tmp_path / "u.toml"
    f.write_text(
        '[parameters]\n"atmosphere.density_scale" = { distribution = "uniform", '
        "low = 0.9, high = 1.1 }\n"
    )
    with pytest.raises(ScenarioError) as err:
        read_uncertainty(f)
    assert err.value.key == "parameters.atmosphere.density_scale.source"


_U = 'distribution = "uniform", known = true, source = "test",'


def _synthetic_file(tmp_path, observations, steps=3000, seed=7):
    f = tmp_path / "cal.toml"
    f.write_text(
        textwrap.dedent(
            f"""
            [calibration]
            scenario = "{(sim.__path__[0] + "/../" + BALLISTIC)}"
            design = 160
            degree = 3
            walkers = 16
            steps = {steps}
            burn = {min(500, steps // 4)}
            seed = {seed}

            [parameters]
            "vehicles.descent_module.lift_to_drag" = {{ {_U} low = 0.18, high = 0.30 }}
            "deorbit.delta_v_m_s" = {{ {_U} low = 112.0, high = 118.0 }}
            """
        )
        + observations
    )
    return f


@pytest.mark.slow
def test_calibration_recovers_parameters_the_model_generated(tmp_path):
    from sim.studies.calibration import calibrate

    truth = {"vehicles.descent_module.lift_to_drag": 0.24,
             "deorbit.delta_v_m_s": 116.5}  # fmt: skip
    spec = read_uncertainty(UNCERTAINTY)
    params = [spec.parameter(k) for k in truth]
    flown = Propagator([load_scenario(BALLISTIC)], params).evaluate([truth])["ballistic"]
    obs = "".join(
        f'\n[[observations]]\noutput = "{o}"\nvalue = {float(flown[o][0])!r}\nuncertainty = {u}\n'
        for o, u in (("miss_along_track_km", 5.0), ("landing_time_s", 2.0))
    )
    result = calibrate(_synthetic_file(tmp_path, obs)).document()
    assert result["converged"]
    for key, value in truth.items():
        p = result["parameters"][key]
        # within its posterior standard deviation, which is below half the prior's
        assert abs(p["mean"] - value) < p["std"], (key, p)
        assert p["std"] < 0.5 * p["prior_std"], (key, p)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_posterior(tmp_path):
    from sim.studies.calibration import calibrate

    obs = '\n[[observations]]\noutput = "miss_along_track_km"\nvalue = 450.0\nuncertainty = 10.0\n'
    a = calibrate(_synthetic_file(tmp_path, obs, steps=300), design=60)
    b = calibrate(_synthetic_file(tmp_path, obs, steps=300), design=60)
    np.testing.assert_array_equal(a.samples, b.samples)
    c = calibrate(_synthetic_file(tmp_path, obs, steps=300, seed=8), design=60)
    assert not np.array_equal(a.samples, c.samples)


def test_a_calibrated_key_must_be_shared_by_every_scenario(tmp_path):
    from sim.studies.calibration import read_calibration

    f = tmp_path / "cal.toml"
    f.write_text(
        f'[calibration]\nscenario = "{sim.__path__[0]}/../{STUCK}"\n[parameters]\n'
        '"phases.1.until.0.altitude_km" = { distribution = "uniform", low = 70.0, '
        'high = 100.0, source = "test" }\n[[observations]]\nfigures = ["peak_g"]\n'
    )
    with pytest.raises(ScenarioError) as err:
        read_calibration(f)
    assert err.value.key == "parameters.phases.1.until.0.altitude_km"
    assert "phase-indexed" in err.value.expected


def test_birge_ratio_widens_disagreeing_reports_only():
    from sim.studies.calibration import _birge

    assert _birge([(420.0, 10.0), (428.0, 10.0)]) == 1.0
    # 475, 420, 428 at 10 km: chi^2 = 17.7 about the mean 441, R = sqrt(17.7 / 2)
    r = _birge([(475.0, 10.0), (420.0, 10.0), (428.0, 10.0)])
    assert r == pytest.approx(math.sqrt(((475 - 441) ** 2 + 21**2 + 13**2) / 100 / 2), rel=1e-9)
