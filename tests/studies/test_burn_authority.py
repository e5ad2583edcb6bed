"""Which deorbit-burn errors the guided TMA-11 descent absorbs, with its 5 g load limit
and without: ``configs/soyuz_tma11/studies/burn_authority.toml`` (the planned burn flown
10 m/s short to 10 m/s long, nothing else dispersed) and the same with the bank held
lift up (``max_bank_deg = 0``), the physical bound on over-burns.

Measured (README, "Guidance limits"; downrange positive = short of the target):

- limit 5 g: -7 to +9 m/s land within 13 km at 2.7-5.11 g; -8 m/s lands 130 km long at
  5.00 g and -10 m/s 354 km long at 4.99 g (the guidance dives as deep as the limit
  allows, raising the load relief's band, and lands long rather than take more);
- no limit: -10 to +9 m/s land within 13 km, at up to 21.2 g for -10 m/s;
- +10 m/s lands 65 km short either way, as flown lift up all the way: beyond the lift.

So the shipped guided Monte Carlo's burn dispersion (2.6 m/s, 1 sigma) puts about 0.5 %
of its runs beyond what the guidance absorbs within the load limit (under-burns past
about 2.7 sigma) and 0.7 % beyond what the lift can stretch (over-burns, with the L/D
dispersed too), which is why 99.7 % within 30 km is not reached.
"""

import pathlib

import numpy as np
import pytest

from sim.studies import Campaign, run_campaign

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUDY = ROOT / "configs" / "soyuz_tma11" / "studies" / "burn_authority.toml"
DV, LIMIT = "deorbit.delta_v_m_s", "phases.1.control.load_limit_g"
PLANNED = 115.0  # configs/soyuz_tma11/_base.toml


@pytest.fixture(scope="module")
def runs():
    def rows(table):
        error = np.asarray(table[DV], dtype=float) - PLANNED
        limit = np.asarray(table[LIMIT], dtype=float)
        short = np.asarray(table["downrange_to_target_km"], dtype=float)
        far = np.asarray(table["distance_to_target_km"], dtype=float)
        g = np.asarray(table["peak_g"], dtype=float)
        assert list(table["status"]) == ["landed"] * error.size
        return {
            (round(e), lim): (s, d, p)
            for e, lim, s, d, p in zip(error, limit, short, far, g, strict=True)
        }

    guided = rows(run_campaign(Campaign(STUDY)).table)
    lift_up = rows(run_campaign(Campaign(STUDY, {"phases.1.control.max_bank_deg": 0.0})).table)
    return guided, lift_up


def test_the_swept_load_limit_is_flown(runs):
    """The load limit is the flight computer's setting, swept as such: at a 9 m/s
    under-burn it holds the load under 5 g and lands long; off, the guidance dives."""
    guided, _ = runs
    short_on, _, g_on = guided[-9, 5.0]
    short_off, far_off, g_off = guided[-9, 0.0]
    assert g_on <= 5.0 < 8.0 < g_off  # measured 4.97 g and 15.98 g
    assert short_on < -50.0 and far_off < 5.0  # measured 238 km long, 1.5 km


def test_what_the_guidance_absorbs_within_the_limit(runs):
    guided, _ = runs
    for error in range(-7, 10):
        _, far, g = guided[error, 5.0]
        # measured: within 12.9 km; at most 5.11 g (a -7 m/s under-burn: the relief's
        # slew lags the load by about 0.1 g at the top of the raised band)
        assert far < 15.0 and g < 5.15, error
    for error in range(-10, -7):
        short, _, g = guided[error, 5.0]
        # held at the limit (measured 4.97-5.002 g: the slew's lag), landing long
        assert short < -30.0 and g < 5.05, error


def test_without_the_limit_the_under_burns_cost_the_crew(runs):
    guided, _ = runs
    for error in range(-10, 10):
        # measured within 12.9 km: the +9 m/s over-burn flies near lift up, with little
        # lift left to steer across
        assert guided[error, 0.0][1] < 15.0, error
    assert guided[-10, 0.0][2] > 15.0  # measured 21.2 g
    assert guided[-4, 0.0][2] > 5.0  # measured 6.2 g


def test_a_10_m_s_over_burn_is_beyond_the_lift(runs):
    """Flown lift up all the way, the +10 m/s entry lands as short as under guidance:
    the capsule's lift, not the guidance, sets the bound (same landing to 1 km)."""
    guided, lift_up = runs
    for limit in (5.0, 0.0):
        short, _, _ = guided[10, limit]
        assert short > 30.0  # measured 64.8 km short
        assert abs(short - lift_up[10, limit][0]) < 1.0
    # and lift up every smaller over-burn overshoots: the guidance had lift in hand
    assert all(lift_up[e, 5.0][0] < -10.0 for e in range(-10, 10))
