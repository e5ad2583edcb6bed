"""One-at-a-time swings and regression indices."""

import pathlib

import numpy as np
import pytest

from sim.studies.sensitivity import one_at_a_time, regression_indices

ROOT = pathlib.Path(__file__).resolve().parents[2]
BALLISTIC = ROOT / "configs" / "soyuz_tma11" / "ballistic.toml"


def test_regression_indices_of_a_known_linear_model():
    """y = 3 a - b + 0 c: the standardised coefficients are 3 sd(a)/sd(y), -sd(b)/sd(y),
    0, exactly (no noise), and R^2 = 1."""
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(0, 2, 500), rng.uniform(-1, 1, 500), rng.normal(5, 1, 500)
    y = 3 * a - b
    out = regression_indices({"a": a, "b": b, "c": c, "y": y}, ["a", "b", "c"], "y")
    sd = y.std(ddof=1)
    np.testing.assert_allclose(
        out["src"], [3 * a.std(ddof=1) / sd, -b.std(ddof=1) / sd, 0], atol=1e-12
    )
    assert out["r2"] == pytest.approx(1.0, abs=1e-12)
    assert out["spearman"][0] > 0.9 and out["spearman"][1] < 0
    assert out["n"] == 500


def test_regression_indices_leave_out_runs_that_did_not_land():
    x = np.arange(10.0)
    y = 2 * x
    y[3] = np.nan
    assert regression_indices({"x": x, "y": y}, ["x"], "y")["n"] == 9


def test_one_at_a_time_swings_each_key_alone():
    import sim

    ranges = {"atmosphere.density_scale": (0.9, 1.1), "deorbit.delta_v_m_s": (113.0, 117.0)}
    o = one_at_a_time(BALLISTIC, ranges)
    assert o.settings["deorbit.delta_v_m_s"] == (113.0, 115.0, 117.0)
    t = o.tornado("downrange_to_target_km")
    assert list(t["parameter"]) == ["deorbit.delta_v_m_s", "atmosphere.density_scale"]
    # a denser day and a bigger burn both land shorter (more still to go)
    assert np.all(t["high"] > t["low"])
    # the low-density run is the scenario flown alone with that density
    scenario = sim.load_scenario(BALLISTIC, {"atmosphere.density_scale": 0.9})
    fp = sim.plan(sim.load_scenario(BALLISTIC))
    from sim.config.scenario import fixed_burn_overrides

    alone = sim.summarize(
        sim.run_scenario(
            sim.load_scenario(
                BALLISTIC, {**fixed_burn_overrides(fp), "atmosphere.density_scale": 0.9}
            )
        ),
        target=scenario.target,
    )
    j = list(t["parameter"]).index("atmosphere.density_scale")
    # 50 m: the table's along-track distance is measured on the run's own approach, as
    # summarize does; the two differ only by the engines' agreement (a few metres)
    assert t["low"][j] == pytest.approx(alone.downrange_to_target_km, abs=0.05)


def test_a_key_without_a_number_needs_its_baseline():
    with pytest.raises(ValueError, match="baseline"):
        one_at_a_time(BALLISTIC, {"phases.1.name": (1.0, 2.0)})
