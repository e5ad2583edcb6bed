import math
from datetime import UTC, datetime

import numpy as np
import pytest

from sim.models.constants import WGS84_A, WGS84_B, WGS84_E2, WGS84_GM, WGS84_J2
from sim.models.earth import (
    ecef_to_geodetic,
    geodetic_height,
    geodetic_position,
    geodetic_to_ecef,
    gravity_j2,
    greenwich_sidereal_angle,
)
from sim.models.geodesy import along_cross_track, geodesic_direct, geodesic_inverse


def test_geodetic_round_trip_to_a_millimetre():
    rng = np.random.default_rng(1)
    lats = np.concatenate([rng.uniform(-np.pi / 2, np.pi / 2, 2000), [np.pi / 2, -np.pi / 2, 0]])
    lons = rng.uniform(-np.pi, np.pi, lats.size)
    alts = np.concatenate([rng.uniform(-5e3, 4.0e7, lats.size - 3), [0.0, 1e5, -1e3]])
    for lat, lon, alt in zip(lats, lons, alts, strict=True):
        x, y, z = geodetic_to_ecef(lat, lon, alt)
        lat2, lon2, alt2 = ecef_to_geodetic(x, y, z)
        x2, y2, z2 = geodetic_to_ecef(lat2, lon2, alt2)
        # the requirement: a millimetre in position and height
        assert math.dist((x, y, z), (x2, y2, z2)) < 1e-3
        assert abs(alt2 - alt) < 1e-3


@pytest.mark.parametrize(
    ("low", "high", "latitude_rad"),
    [
        # one Bowring iteration: its latitude error grows with the height (Bowring 1976);
        # each bound is about 1.5 times the largest error of 3,000 random points of the band
        (-20e3, 0.0, 1e-12),
        (0.0, 120e3, 3e-11),
        (120e3, 400e3, 3e-10),
        (400e3, 2000e3, 4e-9),
    ],
)
def test_geodetic_height_of_the_hot_path(low, high, latitude_rad):
    """The right-hand side's one-iteration geodetic height against the closed-form
    forward transform: the height to 1e-8 m (its rounding: terms of 6.4e6 m that cancel,
    about 4e-9 m), the latitude to the band's bound."""
    rng = np.random.default_rng(7)
    for lat, lon, alt in zip(
        rng.uniform(-np.pi / 2, np.pi / 2, 2000),
        rng.uniform(-np.pi, np.pi, 2000),
        rng.uniform(low, high, 2000),
        strict=True,
    ):
        sin_lat, cos_lat, h = geodetic_height(*geodetic_to_ecef(lat, lon, alt))
        assert abs(h - alt) < 1e-8
        assert abs(math.atan2(sin_lat, cos_lat) - lat) < latitude_rad
        assert abs(math.hypot(sin_lat, cos_lat) - 1.0) < 1e-15


def test_geodetic_position_to_the_rounding_at_any_height():
    """The reported position's second iteration: the latitude to 1e-15 rad (a few
    roundings of 1.6 rad) from the surface to 40,000 km, where one iteration is off by up
    to 8e-9 rad."""
    rng = np.random.default_rng(8)
    worst_one = 0.0
    for lat, lon, alt in zip(
        rng.uniform(-np.pi / 2, np.pi / 2, 2000),
        rng.uniform(-np.pi, np.pi, 2000),
        rng.uniform(2000e3, 4.0e7, 2000),
        strict=True,
    ):
        point = geodetic_to_ecef(lat, lon, alt)
        sin_lat, cos_lat, h = geodetic_position(*point)
        assert abs(math.atan2(sin_lat, cos_lat) - lat) < 1e-15
        assert abs(h - alt) < 1e-7  # rounding of 4e7 m terms
        s1, c1, _ = geodetic_height(*point)
        worst_one = max(worst_one, abs(math.atan2(s1, c1) - lat))
    assert worst_one > 1e-9  # the second iteration is what gets there


def test_geodetic_height_finite_deep_inside_the_earth():
    """Rejected trial steps can put the state anywhere: finite values at the centre and
    on the equator's plane within e^2 a of it, where the normal is not defined."""
    for point in [(0.0, 0.0, 0.0), (WGS84_E2 * WGS84_A, 0.0, 0.0), (1e3, 0.0, 0.0)]:
        assert all(math.isfinite(v) for v in geodetic_height(*point))
        assert all(math.isfinite(v) for v in geodetic_position(*point))
    # the centre reported as before: the pole's normal, the semi-minor axis below
    assert ecef_to_geodetic(0.0, 0.0, 0.0) == (0.0, 0.0, -WGS84_B)


def test_ellipsoid_axes():
    # closed-form points of the ellipsoid: tolerances are rounding of 6.4e6 m values
    # The equator point is at the semi-major axis, the pole at the semi-minor one.
    assert geodetic_to_ecef(0.0, 0.0, 0.0) == pytest.approx((WGS84_A, 0.0, 0.0), abs=1e-9)
    assert geodetic_to_ecef(math.pi / 2, 0.0, 0.0)[2] == pytest.approx(WGS84_B, abs=1e-6)
    assert ecef_to_geodetic(0.0, 0.0, WGS84_B + 10.0)[2] == pytest.approx(10.0, abs=1e-6)


def _potential(x, y, z):
    r = math.sqrt(x * x + y * y + z * z)
    s = z / r
    return -WGS84_GM / r * (1 - WGS84_J2 * (WGS84_A / r) ** 2 * 0.5 * (3 * s * s - 1))


@pytest.mark.parametrize("point", [(7.0e6, 0.0, 0.0), (3e6, 4e6, 4.5e6), (0.0, 1e5, -6.8e6)])
def test_j2_gravity_is_the_gradient_of_the_j2_potential(point):
    g = np.array(gravity_j2(*point, WGS84_GM, WGS84_J2, WGS84_A))
    h = 1.0  # central differences of a potential of 6e7 J/kg: error ~1e-7 m/s^2
    grad = []
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        grad.append((_potential(*(point + e)) - _potential(*(point - e))) / (2 * h))
    assert np.allclose(g, -np.array(grad), rtol=0, atol=1e-6)


def test_sidereal_angle_against_vallado_example_3_5():
    # Vallado, Fundamentals of Astrodynamics and Applications, 4th ed., example 3-5:
    # 1992 August 20, 12:14 UT1 -> GMST = 152.578787810 deg. UT1 taken as UTC here.
    theta = greenwich_sidereal_angle(datetime(1992, 8, 20, 12, 14, tzinfo=UTC))
    assert math.degrees(theta) == pytest.approx(152.578787810, abs=1e-6)


def test_geodesic_against_geographiclib_documentation():
    # GeographicLib's example-Geodesic.cpp: JFK (40.6, -73.8) to LHR (51.6, -0.5) on WGS-84
    # prints 5551.76 km; the direct example (azimuth 51 deg, 5,500 km) prints 51.8846 -1.1412.
    # Tolerances: the printed precision.
    s, _, _ = geodesic_inverse(40.6, -73.8, 51.6, -0.5)
    assert s / 1e3 == pytest.approx(5551.76, abs=0.005)
    lat, lon, _ = geodesic_direct(40.6, -73.8, 51.0, 5.5e6)
    assert (lat, lon) == pytest.approx((51.8846, -1.1412), abs=5e-5)


@pytest.mark.parametrize("along,cross", [(300e3, 50e3), (-120e3, -80e3), (1500e3, 5e3)])
def test_along_cross_track_recovers_a_constructed_point(along, cross):
    # Walk `along` on the reference geodesic, then `cross` at right angles: the foot of
    # the perpendicular is that point, by construction.
    lat0, lon0, az0 = 50.5, 61.1, 80.0
    lat1, lon1, az1 = geodesic_direct(lat0, lon0, az0, along)
    lat2, lon2, _ = geodesic_direct(lat1, lon1, az1 + 90.0, cross)
    a, c = along_cross_track(lat0, lon0, az0, lat2, lon2)
    assert a == pytest.approx(along, abs=0.01)  # iteration stops at 0.1 mm steps
    assert c == pytest.approx(cross, abs=0.01)
