"""Tests of :mod:`sim.models.ussa76` against the printed U.S. Standard Atmosphere 1976.

Reference values are those printed in NOAA-S/T 76-1562, "U.S. Standard Atmosphere, 1976"
(October 1976), Part 4, Table I (geometric altitude, metric units), pages 51-73, read from
these public reproductions of that table (the page is the one they give; where a value
comes only from a source without pages, the page is that of the neighbouring rows):

[P]  poliastro/poliastro, tests/tests_atmosphere/test_coesa76.py (commit 362f1da),
     "solutions directly taken from COESA76 report": 0.5, 1, 10, 77, 86, 92, 230, 1000 km.
[J]  danielmatz/COESA.jl, test/runtests.jl (commit 0f65309): -5, 0, 5, 15, 25, 40, 50, 60,
     75, 85, 86, 86.5, 100, 115, 200, 750, 985, 1000 km (with speed of sound to 86 km and
     mean molecular weight above).
[T1] a golden-vector generator script in a public repository (found by code search; the
     index does not name the repository) that transcribes Table I with page numbers:
     rows below 86 km and 108 densities from 86 to 1000 km.
[T2] a vitest file (ussa1976Entry) in a public repository, same search, same caveat:
     Table I rows with pages at -5 km and every 5 km to 85 km, 86, 90, 100, 110, 120, 150 km.
[U]  a tab-separated reproduction (altitude, T, P [hPa], rho) in a public repository, same
     search, no pages: temperatures at 130 km and 250-800 km.

Every value used here is given by at least one of these and, where two overlap, they agree
digit for digit. No printed row was found at exactly 47, 51 and 71 km, so those layers are
checked at 47.4, 50, 55 and 70, 75 km instead, and their boundaries by continuity.
"""

import importlib.util
import math
import os

import numba
import numpy as np
import pytest

import sim.models.ussa76 as mod
from sim.models.ussa76 import ussa76

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (geometric altitude [m], T [K] as printed, rho [kg m^-3] as printed, page, sources).
# Below 86 km Table I prints the molecular-scale temperature T_M in the T column.
TABLE_BELOW_86KM = [
    (-5000, "320.676", "1.9311e0", 51, "J T2"),
    (0, "288.150", "1.2250e0", 53, "J T1 T2"),
    (500, "284.900", "1.1673e0", 53, "P"),
    (1000, "281.651", "1.1117e0", 53, "P T1"),
    (5000, "255.676", "7.3643e-1", 55, "J T1 T2"),
    (10000, "223.252", "4.1351e-1", 57, "P T1 T2"),
    (11000, "216.774", "3.6480e-1", 59, "T1"),
    (15000, "216.650", "1.9476e-1", 59, "J T1 T2"),
    (20000, "216.650", "8.8910e-2", 61, "T1 T2"),
    (25000, "221.552", "4.0084e-2", 61, "J T1 T2"),
    (30000, "226.509", "1.8410e-2", 63, "T1 T2"),
    (32000, "228.490", "1.3555e-2", 63, "T1"),
    (36000, "239.282", "7.2579e-3", 63, "T1"),
    (40000, "250.350", "3.9957e-3", 65, "J T1 T2"),
    (45000, "264.164", "1.9663e-3", 65, "T1 T2"),
    (47400, "270.650", "1.4187e-3", 65, "T1"),
    (50000, "270.650", "1.0269e-3", 65, "J T1 T2"),
    (55000, "260.771", "5.6810e-4", 65, "T1 T2"),
    (60000, "247.021", "3.0968e-4", 67, "J T1 T2"),
    (70000, "219.585", "8.2829e-5", 67, "T1 T2"),
    (75000, "208.399", "3.9921e-5", 67, "J T1 T2"),
    (77000, "204.493", "2.9448e-5", 67, "P"),
    (80000, "198.639", "1.8458e-5", 67, "T1 T2"),
    (85000, "188.893", "8.2196e-6", 67, "J T1 T2"),
]

# (geometric altitude [m], T [K] as printed or None, rho [kg m^-3] as printed, page, sources)
TABLE_ABOVE_86KM = [
    (86000, "186.87", "6.958e-6", 68, "P J T1 T2"),
    (86500, "186.87", "6.366e-6", 68, "J"),
    (90000, "186.87", "3.416e-6", 68, "T1 T2"),
    (91000, None, "2.860e-6", 68, "T1"),
    (92000, "186.96", "2.393e-6", 68, "P T1"),
    (100000, "195.08", "5.604e-7", 68, "J T1 T2"),
    (110000, "240.00", "9.708e-8", 68, "T1 T2"),
    (115000, "300.00", "4.289e-8", 68, "J"),
    (120000, "360.00", "2.222e-8", 68, "T1 T2"),
    (130000, "469.27", "8.152e-9", 68, "T1 U"),
    (150000, "634.39", "2.076e-9", 69, "T1 T2"),
    (175000, None, "6.339e-10", 69, "T1"),
    (200000, "854.56", "2.541e-10", 69, "J T1"),
    (230000, "915.78", "1.029e-10", 70, "P T1"),
    (250000, "941.33", "6.073e-11", 70, "T1 U"),
    (300000, "976.01", "1.916e-11", 70, "T1 U"),
    (320000, None, "1.264e-11", 71, "T1"),
    (400000, "995.83", "2.803e-12", 71, "T1 U"),
    (500000, "999.24", "5.215e-13", 72, "T1 U"),
    (600000, "999.85", "1.137e-13", 72, "T1 U"),
    (700000, "999.97", "3.070e-14", 72, "T1 U"),
    (750000, "999.99", "1.788e-14", 72, "J T1"),
    (800000, "999.99", "1.136e-14", 72, "T1 U"),
    (900000, None, "5.759e-15", 73, "T1"),
    (985000, "1000.00", "3.797e-15", 73, "J"),
    (1000000, "1000.00", "3.561e-15", 73, "P J T1"),
]

# Speed of sound [m s^-1] as printed (Part 4, Table III; eq. 50), from [J].
SOUND_SPEED = [
    (-5000, "358.99"),
    (0, "340.29"),
    (5000, "320.55"),
    (15000, "295.07"),
    (25000, "298.39"),
    (40000, "317.19"),
    (50000, "329.80"),
    (60000, "315.07"),
    (75000, "289.40"),
    (85000, "275.52"),
    (86000, "274.10"),
]

# Mean molecular weight [kg kmol^-1] above 86 km as printed (Part 4, Table II), from [J].
MEAN_MOLECULAR_WEIGHT = [
    (86000, "28.95"),
    (100000, "28.40"),
    (115000, "26.68"),
    (200000, "21.30"),
    (750000, "6.58"),
    (985000, "3.99"),
    (1000000, "3.94"),
]


def last_digit(printed):
    """One unit in the last printed digit of a number written as in the table."""
    mantissa, _, exponent = printed.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def geometric(h):
    """Geometric altitude [m] of geopotential altitude h [m'] (inverse of eq. 18)."""
    return mod.R0 * h / (mod.R0 - h)


ALL_ROWS = TABLE_BELOW_86KM + TABLE_ABOVE_86KM


@pytest.mark.parametrize(("z", "t", "rho", "page", "src"), ALL_ROWS)
def test_density_matches_table(z, t, rho, page, src):
    got = ussa76(float(z))[0]
    # Requirement: 0.1 %. Measured: <= 3.6e-4 (four printed digits above 86 km round by up
    # to 5e-4 of the value; the diffusion model adds about 1e-4).
    assert got == pytest.approx(float(rho), rel=1e-3), f"p. {page} [{src}]"


@pytest.mark.parametrize(("z", "t", "rho", "page", "src"), TABLE_BELOW_86KM)
def test_density_below_86km_to_the_printed_digit(z, t, rho, page, src):
    got = ussa76(float(z))[0]
    # The layer equations are those the table was printed from: only rounding differs,
    # so the printed value is within half a unit of its last digit (one unit allowed).
    assert abs(got - float(rho)) <= last_digit(rho), f"p. {page} [{src}]"


@pytest.mark.parametrize(
    ("z", "t", "rho", "page", "src"), [r for r in ALL_ROWS if r[1] is not None]
)
def test_temperature_matches_table(z, t, rho, page, src):
    got = ussa76(float(z))[1]
    # Requirement: 0.1 %. Measured: <= 3.1e-4, at 85 km, where the function returns the
    # kinetic temperature T = T_M M/M0 of Table 8 and the table prints T_M.
    assert got == pytest.approx(float(t), rel=1e-3), f"p. {page} [{src}]"
    if z < 80000 or z >= 86000:
        # Outside 80-86 km T_M = T (or T is closed form): the printed digits themselves.
        assert abs(got - float(t)) <= last_digit(t), f"p. {page} [{src}]"


@pytest.mark.parametrize(("z", "a"), SOUND_SPEED)
def test_speed_of_sound_matches_table(z, a):
    got = ussa76(float(z))[2]
    # Eq. 50 exactly as the table used it; printed to 0.01 m/s, so one unit of that digit.
    assert abs(got - float(a)) <= last_digit(a)


@pytest.mark.parametrize(("z", "m"), MEAN_MOLECULAR_WEIGHT)
def test_speed_of_sound_above_86km_uses_the_standards_molecular_weight(z, m):
    rho, temp, sound = ussa76(float(z))
    implied = mod.GAMMA * mod.R_STAR * temp / sound**2  # M such that a = sqrt(g R* T / M)
    # Printed to 3-4 digits; the table's M is interpolated linearly (error < 1e-5): one
    # unit of the last printed digit.
    assert abs(implied - float(m)) <= last_digit(m)


def test_returns_three_python_floats_and_compiles_in_nopython_code():
    @numba.njit  # not cached: a function local to a test
    def call(z):
        return ussa76(z)

    for z in (0.0, 50000.0, 300000.0, 5.0e6):
        out = call(z)
        assert len(out) == 3
        assert all(isinstance(v, float) for v in out)
        assert out == ussa76(z)


BOUNDARIES = [
    *(geometric(h) for h in (11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0)),
    80000.0,  # Table 8 molecular-weight ratio begins
    86000.0,  # layer equations -> diffusion table and closed-form T
    91000.0,  # isothermal -> elliptical T
    110000.0,  # elliptical -> linear T
    120000.0,  # linear -> exponential T
    130000.0,  # table step 0.1 km -> 0.25 km
    250000.0,  # table step 0.25 km -> 1 km
    1000000.0,  # table -> exponential extrapolation
    mod.Z_FLOOR,  # lowest-layer formula -> held values
]


@pytest.mark.parametrize("zb", BOUNDARIES)
def test_continuous_across_boundaries(zb):
    below = np.array(ussa76(zb - 1e-3))
    above = np.array(ussa76(zb + 1e-3))
    # 2 mm apart: the profile's own slope moves density by < 4e-7 of its value (scale
    # height >= 5 km) and T, a by less. The standard's rounded constants leave small steps
    # in T: 1.2e-6 at 110 km (the ellipse of eq. 27 ends at 239.9997 K, the line of eq. 29
    # starts at 240 K) and 5e-7 at 86 km (T_M M/M0 = 186.8672 K against 186.8673 K).
    # A layer or table error would show as 1e-4 or more.
    np.testing.assert_allclose(above, below, rtol=2e-6)


def test_density_decreases_monotonically_with_altitude():
    z = np.concatenate(
        [
            np.linspace(-1.2e6, -5e3, 400, endpoint=False),
            np.arange(-5000.0, 1001000.0, 37.0),  # steps off the table grid
            np.geomspace(1.001e6, 1e11, 400),
        ]
    )
    rho = np.array([ussa76(v)[0] for v in z])
    assert np.all(np.diff(rho) <= 0.0)
    inside = (z > mod.Z_FLOOR) & (z < 1.5e8)  # strictly, where nothing is held or clamped
    assert np.all(np.diff(rho[inside]) < 0.0)


EXTREMES = [-1e300, -1e12, -6.4e6, -2e6, -5e5, -5001.0, 1.0e6 + 1.0, 2e6, 5e7, 1e9, 1e300]


@pytest.mark.parametrize("z", [*EXTREMES, math.inf, -math.inf])
def test_extreme_altitudes_give_finite_positive_values(z):
    out = ussa76(z)
    assert all(math.isfinite(v) and v > 0.0 for v in out), out
    assert mod.ussa76_density(z) == out[0]  # clamped by itself as ussa76 clamps
    assert 1.0 / out[0] < math.inf  # density never underflows to an unusable value


def test_extensions_are_ordered_and_documented():
    rho_ground = ussa76(0.0)[0]
    rho_500_down, t_500_down, _ = ussa76(-5.0e5)
    # Below ground the lowest layer continues: denser and hotter downward, then held.
    assert rho_500_down > rho_ground and t_500_down > 288.15
    assert ussa76(-1e12) == ussa76(mod.Z_FLOOR)
    # Above 1000 km: exponential with the scale height at 1000 km, then the floor.
    rho_top = ussa76(mod.Z_TOP)[0]
    rho_far = ussa76(mod.Z_TOP + mod.H_TOP)[0]
    # exp(-1) exactly, up to rounding of the float operations
    assert rho_far / rho_top == pytest.approx(math.exp(-1.0), rel=1e-12)
    # 236.9 km scale height at 1000 km, from the table's last 1 km interval; the local
    # value of the 2 m solution is 237.1 km, so 0.2 % brackets it.
    assert mod.H_TOP == pytest.approx(237.0e3, rel=2e-3)
    assert ussa76(1e300)[0] == mod.RHO_MIN
    assert ussa76(5e7)[1] == pytest.approx(1000.0, abs=1e-6)  # T tends to T_inf


def test_nan_in_nan_out():
    assert all(math.isnan(v) for v in ussa76(math.nan))
    assert math.isnan(mod.ussa76_density(math.nan))


def _load_generator():
    path = os.path.join(ROOT, "tools", "make_ussa76_table.py")
    spec = importlib.util.spec_from_file_location("make_ussa76_table", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def test_shipped_table_is_what_the_generator_makes():
    gen = _load_generator()
    *_, zo, rho, mol = gen.table()
    np.testing.assert_array_equal(zo, mod._TAB_Z)
    # The CSV stores 10 significant digits of rho and 7 decimals of M.
    np.testing.assert_allclose(np.log(rho), mod._TAB_LNRHO, rtol=0, atol=1e-9)
    np.testing.assert_allclose(mol, mod._TAB_M, rtol=0, atol=1e-7)


def test_the_layer_pieces_follow_the_layer_equations():
    """The density below 86 km comes from cubic Hermite pieces through the layer
    equations' density and slope: within 1e-10 of the equations everywhere (the cubic's
    error bound, dz^4 / 384 times the density's fourth derivative, is 1.7e-11 of the
    density for 50 m pieces in the 2.8 K/km layer), at the layer bases too, on both
    sides."""
    bases = mod.R0 * mod._HB[1:] / (mod.R0 - mod._HB[1:])
    z = np.concatenate(
        [
            np.linspace(mod.Z_PIECES, np.nextafter(mod.Z_86, 0.0), 400_001),
            np.random.default_rng(76).uniform(mod.Z_PIECES, mod.Z_86, 100_000),
            bases,
            np.nextafter(bases, 0.0),
            np.nextafter(bases, np.inf),
        ]
    )
    exact, _ = mod._layer_density(z)
    pieces = np.array([mod.ussa76_density(v) for v in z])
    np.testing.assert_allclose(pieces, exact, rtol=1e-10, atol=0.0)


def test_the_layer_equations_slope_is_the_densitys_derivative():
    # the slopes the pieces are made of, against central differences of 1 cm (rounding
    # 1e-16 / 1e-6 of the value per metre, truncation (0.01 / H)^2: both below 1e-8)
    z = np.array([-4000.0, 5000.0, 15000.0, 25000.0, 40000.0, 49000.0, 60000.0, 80000.0])
    _, slope = mod._layer_density(z)
    up, _ = mod._layer_density(z + 0.01)
    down, _ = mod._layer_density(z - 0.01)
    np.testing.assert_allclose((up - down) / 0.02, slope, rtol=1e-6)


def test_the_table_interval_by_arithmetic_is_the_search():
    # the table's runs of equal spacing give each altitude its interval without a search
    z = np.concatenate(
        [
            np.random.default_rng(86).uniform(mod.Z_86, mod.Z_TOP, 100_000),
            mod._TAB_Z[:-1] + 1e-6,
            mod._TAB_Z[1:] - 1e-6,
        ]
    )
    found = np.array([mod._table_interval(v) for v in z])
    np.testing.assert_array_equal(found, np.searchsorted(mod._TAB_Z, z) - 1)
    # at the table's own altitudes the interval is the one that starts there (the search
    # gives the one before, with the same value at its end)
    nodes = mod._TAB_Z[:-1]
    found = np.array([mod._table_interval(v) for v in nodes])
    np.testing.assert_array_equal(found, np.arange(nodes.size))
