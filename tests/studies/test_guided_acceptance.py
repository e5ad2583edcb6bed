"""The guided TMA-11 Monte Carlo as shipped: what the guidance's load limit does.

1,000 runs of ``configs/soyuz_tma11/studies/montecarlo_guided.toml`` (the truth dispersed,
the guidance flying its undispersed model), flown with the 5 g limit and again with it
off, and the ballistic and stuck-service-module studies from the same seed.

Measured (README, "Guidance limits"): with the limit 99.7 % of the peaks at or under 5 g
and 97 % of the landings within 30 km; without it 15 % of the peaks above 5 g (up to 17 g)
and 99.3 % within 30 km. The issue's 99.7 % within 30 km is not reached with or without the
limit: a 2.6 m/s (1 sigma) burn dispersion puts the entry of its 3-sigma over-burns beyond
the range an L/D 0.3 capsule can stretch (they land 100-290 km short with the lift up).
"""

import pathlib

import numpy as np
import pytest

from sim.studies import Campaign, run_campaign

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUDIES = ROOT / "configs" / "soyuz_tma11" / "studies"
LIMIT = "phases.1.control.load_limit_g"  # the guided phase of nominal.toml
N = 1000
SHARED = (
    "atmosphere.density_scale",
    "vehicles.descent_module.drag_coefficient",
    "deorbit.delta_v_m_s",
)


@pytest.fixture(scope="module")
def tables():
    guided = STUDIES / "montecarlo_guided.toml"
    return {
        "limited": run_campaign(Campaign(guided, samples=N)).table,
        "free": run_campaign(Campaign(guided, {LIMIT: 0.0}, samples=N)).table,
        "ballistic": run_campaign(Campaign(STUDIES / "montecarlo_ballistic.toml", samples=N)).table,
        "stuck": run_campaign(Campaign(STUDIES / "montecarlo_stuck.toml", samples=N)).table,
    }


@pytest.mark.slow
def test_the_load_limit_holds_under_dispersions(tables):
    limited, free = tables["limited"], tables["free"]
    for t in (limited, free):
        assert list(t["status"]) == ["landed"] * N  # every run lands
    g = np.asarray(limited["peak_g"], dtype=float)
    assert np.mean(g <= 5.0) >= 0.997  # the acceptance (measured 0.997)
    # the same samples without the limit exceed it: the constraint works, the dispersions
    # are not mild (measured 15 % of the runs above 5 g)
    g_free = np.asarray(free["peak_g"], dtype=float)
    assert np.mean(g_free > 5.0) > 0.05
    assert np.max(g_free) > 8.0
    # the same truth, the same samples: only the limit differs
    for key in SHARED:
        assert np.array_equal(limited[key], free[key])


@pytest.mark.slow
def test_the_landings_and_what_the_limit_costs(tables):
    d = np.asarray(tables["limited"]["distance_to_target_km"], dtype=float)
    d_free = np.asarray(tables["free"]["distance_to_target_km"], dtype=float)
    # the issue asks 99.7 % within 30 km; measured 97 % with the limit and 99.3 % without
    # (module docstring): asserted as measured, less a binomial 3 sigma of 1,000 runs
    assert np.mean(d <= 30.0) >= 0.97 - 3 * np.sqrt(0.97 * 0.03 / N)
    assert np.mean(d_free <= 30.0) >= 0.993 - 3 * np.sqrt(0.993 * 0.007 / N)
    assert np.median(d) < 10.0  # the nominal accuracy


@pytest.mark.slow
def test_ballistic_and_stuck_runs_spread_over_hundreds_of_km(tables):
    for name in ("ballistic", "stuck"):
        t = tables[name]
        for key in SHARED:  # the same seed draws the same values of the shared keys
            assert np.array_equal(t[key], tables["limited"][key]), (name, key)
        along = np.asarray(t["miss_along_track_km"], dtype=float)
        assert np.percentile(along, 99.85) - np.percentile(along, 0.15) > 200.0
        assert np.median(np.asarray(t["distance_to_target_km"], dtype=float)) > 300.0
