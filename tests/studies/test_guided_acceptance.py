"""The guided TMA-11 Monte Carlo as shipped: what the guidance's load limit does.

1,000 runs of ``configs/soyuz_tma11/studies/montecarlo_guided.toml`` (the truth dispersed,
the guidance flying its undispersed model), flown with the 5 g limit and again with it
off, and the ballistic and stuck-service-module studies from the same seed.

Measured (README, "Guidance limits"): with the limit 99.8 % of the peaks at or under 5 g
and 98.9 % of the landings within 30 km; without it 15 % of the peaks above 5 g (up to 17 g)
and 99.3 % within 30 km. The issue's 99.7 % within 30 km is not reached with or without the
limit: a 2.6 m/s (1 sigma) burn dispersion puts the entry of its 3-sigma over-burns beyond
the range an L/D 0.3 capsule can stretch (7 of the 1,000 runs land 60-290 km short flown
lift up all the way, so no guidance lands more than 99.3 % within 30 km), and the 4 runs
that land long are under-burns of 8-10 m/s held at the load limit.
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


def test_a_reversal_waits_while_the_load_is_relieved():
    """Run 294 of the shipped study (density 19 % low, a 4.8 m/s under-burn): its bank
    reversal fell due as the load relief began, at a bank of 109 deg, and swung the
    shorter way, through lift down, to a 5.37 g peak. Waiting for the bank to come up, it
    peaks at 3.93 g and still lands within 10 km (measured 7.0 km)."""
    row = Campaign(STUDIES / "montecarlo_guided.toml", samples=N).run_chunk([294])
    assert row["peak_g"][0] <= 5.0
    assert row["distance_to_target_km"][0] < 10.0


@pytest.mark.slow
def test_the_load_limit_holds_under_dispersions(tables):
    limited, free = tables["limited"], tables["free"]
    for t in (limited, free):
        assert list(t["status"]) == ["landed"] * N  # every run lands
    g = np.asarray(limited["peak_g"], dtype=float)
    assert np.mean(g <= 5.0) >= 0.997  # the acceptance (measured 0.998)
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
    # the issue asks 99.7 % within 30 km; measured 98.9 % with the limit and 99.3 % without
    # (module docstring): asserted as measured, less a binomial 3 sigma of 1,000 runs
    assert np.mean(d <= 30.0) >= 0.989 - 3 * np.sqrt(0.989 * 0.011 / N)
    assert np.mean(d_free <= 30.0) >= 0.993 - 3 * np.sqrt(0.993 * 0.007 / N)
    assert np.median(d) < 10.0  # the nominal accuracy


@pytest.mark.slow
def test_the_misses_are_the_limit_and_the_lift_not_the_guidance(tables):
    """Each landing beyond 30 km is either held at the load limit (long: the guidance
    took the load it was allowed) or beyond the lift (short: flown lift up all the way
    it lands short too), so the 99.7 % within 30 km is out of reach of any guidance for
    these dispersions: more than 0.3 % of the runs cannot reach the target."""
    t = tables["limited"]
    d = np.asarray(t["distance_to_target_km"], dtype=float)
    short = np.asarray(t["downrange_to_target_km"], dtype=float)
    g = np.asarray(t["peak_g"], dtype=float)
    long_ = (d > 30.0) & (short < 0.0)
    assert np.all(g[long_] > 4.85)  # measured 4.90-5.17 g: at the limit (5 g)
    ids = np.asarray(t["run"])[(d > 30.0) & (short > 0.0)]
    lift_up = Campaign(STUDIES / "montecarlo_guided.toml", {"phases.1.control.max_bank_deg": 0.0})
    flown = lift_up.run_chunk(ids)
    beyond = np.asarray(flown["downrange_to_target_km"], dtype=float) > 30.0
    assert beyond.all()  # measured 62-286 km short lift up, as under guidance
    assert beyond.sum() / N > 0.003  # measured 7 of 1,000: the ceiling is 99.3 %


@pytest.mark.slow
def test_ballistic_and_stuck_runs_spread_over_hundreds_of_km(tables):
    for name in ("ballistic", "stuck"):
        t = tables[name]
        for key in SHARED:  # the same seed draws the same values of the shared keys
            assert np.array_equal(t[key], tables["limited"][key]), (name, key)
        along = np.asarray(t["miss_along_track_km"], dtype=float)
        assert np.percentile(along, 99.85) - np.percentile(along, 0.15) > 200.0
        assert np.median(np.asarray(t["distance_to_target_km"], dtype=float)) > 300.0
