"""The vectorised geodesics (pyproj) against the scalar ones (geographiclib).

Both run Karney's algorithm, accurate to about 15 nm on WGS-84: the 1e-6 m tolerance of the
task leaves a factor of 60 for the two implementations' rounding.
"""

import numpy as np
import pytest

from sim.models.geodesy import (
    along_cross_track,
    along_cross_track_many,
    geodesic_direct,
    geodesic_direct_many,
    geodesic_inverse,
    geodesic_inverse_many,
)

TOL_M = 1e-6  # the task's agreement (both are Karney's algorithm, ~15 nm accurate)


def _angle_diff_deg(a, b):
    """Difference of two angles [deg] in [-180, 180) (azimuths of +-180 are one)."""
    return (np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0


def _assert_lateral_miss_below(az_deg, ref_deg, distance_m, tol_m=TOL_M):
    miss = np.radians(np.abs(_angle_diff_deg(az_deg, ref_deg))) * distance_m
    np.testing.assert_array_less(miss, tol_m)


def _pairs(rng, n):
    """Pairs of points over the regions where geodesics are delicate: [(name, lat1, lon1,
    lat2, lon2)]."""
    out = []
    # anywhere on the globe (long lines, up to nearly antipodal)
    lat1 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lat2 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    out.append(("global", lat1, rng.uniform(-180, 180, n), lat2, rng.uniform(-180, 180, n)))
    # short: 1 mm to 10 km apart (log-uniform), anywhere
    lat1 = np.degrees(np.arcsin(rng.uniform(-0.99, 0.99, n)))
    lon1 = rng.uniform(-180, 180, n)
    step = 10.0 ** rng.uniform(-3, 4, n)
    lat2, lon2, _ = geodesic_direct_many(lat1, lon1, rng.uniform(-180, 180, n), step)
    out.append(("short", lat1, lon1, lat2, lon2))
    # straddling the antimeridian, a few m to a few hundred km
    lat1 = rng.uniform(-70, 70, n)
    lon1 = 180.0 - rng.uniform(0, 2, n)
    lat2 = lat1 + rng.uniform(-2, 2, n)
    lon2 = -180.0 + rng.uniform(0, 2, n)
    out.append(("antimeridian", lat1, lon1, lat2, lon2))
    # near the poles, both hemispheres, and across them; some exactly at a pole
    sign = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    lat1 = sign * (90.0 - 10.0 ** rng.uniform(-6, 0, n))
    lat1[:5] = 90.0
    lat1[5:10] = -90.0
    lat2 = sign * (90.0 - 10.0 ** rng.uniform(-6, 0.5, n))
    out.append(("polar", lat1, rng.uniform(-180, 180, n), lat2, rng.uniform(-180, 180, n)))
    # nearly antipodal (the inverse problem's hardest case)
    lat1 = rng.uniform(-80, 80, n)
    lon1 = rng.uniform(-180, 180, n)
    lat2 = -lat1 + rng.uniform(-0.5, 0.5, n)
    lon2 = lon1 + 180.0 - rng.uniform(0.5, 3.0, n)
    out.append(("near-antipodal", lat1, lon1, lat2, lon2))
    return out


CASES = _pairs(np.random.default_rng(2026), 1000)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_inverse_many_agrees_with_scalar(case):
    _, lat1, lon1, lat2, lon2 = case
    s, a1, a2 = geodesic_inverse_many(lat1, lon1, lat2, lon2)
    ref = np.array([geodesic_inverse(*p) for p in zip(lat1, lon1, lat2, lon2, strict=True)])
    np.testing.assert_array_less(np.abs(s - ref[:, 0]), TOL_M)
    # azimuths, by the lateral miss they make at the other end (azimuth difference times
    # distance), 1e-6 m: a plain angle tolerance would fail on millimetre lines, whose
    # azimuths are ill-conditioned, and pass loose ones on long lines
    _assert_lateral_miss_below(a1, ref[:, 1], s)
    _assert_lateral_miss_below(a2, ref[:, 2], s)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_direct_many_agrees_with_scalar(case):
    _, lat1, lon1, lat2, lon2 = case
    s, az, _ = geodesic_inverse_many(lat1, lon1, lat2, lon2)
    lat, lon, az2 = geodesic_direct_many(lat1, lon1, az, s)
    ref = np.array([geodesic_direct(*p) for p in zip(lat1, lon1, az, s, strict=True)])
    # the gap between the two end points, as a geodesic (the inverse checked above)
    gap, _, _ = geodesic_inverse_many(lat, lon, ref[:, 0], ref[:, 1])
    np.testing.assert_array_less(gap, TOL_M)
    _assert_lateral_miss_below(az2, ref[:, 2], s)
    assert np.all(np.abs(lon) <= 180.0)


@pytest.mark.parametrize("scale_m", [1e3, 5e4, 5e5, 3e6])
def test_along_cross_track_many_agrees_with_scalar(scale_m):
    # footprints around a landing point on tracks of any azimuth, and a track straddling
    # the antimeridian; the same iteration, so the same feet to rounding
    rng = np.random.default_rng(int(scale_m))
    n = 500
    for ref in [(47.3, 69.6, 80.0), (-12.0, 179.5, 95.0), (84.0, -30.0, 10.0)]:
        dist = np.abs(rng.normal(0.0, scale_m, n))
        lat, lon, _ = geodesic_direct_many(ref[0], ref[1], rng.uniform(-180, 180, n), dist)
        along, cross = along_cross_track_many(*ref, lat, lon)
        want = np.array([along_cross_track(*ref, a, b) for a, b in zip(lat, lon, strict=True)])
        np.testing.assert_array_less(np.abs(along - want[:, 0]), TOL_M)
        np.testing.assert_array_less(np.abs(cross - want[:, 1]), TOL_M)


def test_along_cross_track_many_recovers_constructed_points():
    # walk `along` on the reference geodesic, then `cross` at right angles: by construction
    # the foot is that point (tolerance: the iteration stops at 0.1 mm steps)
    rng = np.random.default_rng(7)
    along = rng.uniform(-800e3, 800e3, 2000)
    cross = rng.uniform(-300e3, 300e3, 2000)
    lat1, lon1, az1 = geodesic_direct_many(50.5, 61.1, 80.0, along)
    lat2, lon2, _ = geodesic_direct_many(lat1, lon1, az1 + 90.0, cross)
    a, c = along_cross_track_many(50.5, 61.1, 80.0, lat2, lon2)
    np.testing.assert_allclose(a, along, rtol=0, atol=1e-3)
    np.testing.assert_allclose(c, cross, rtol=0, atol=1e-3)


def test_nan_inputs_give_nan_without_exception_or_warning():
    # warnings are errors in this suite: a NaN row must pass silently
    lat = np.array([10.0, np.nan, 20.0, 30.0])
    lon = np.array([20.0, 30.0, np.nan, 40.0])
    s, a1, a2 = geodesic_inverse_many(0.0, 0.0, lat, lon)
    assert np.isnan(s[1:3]).all() and np.isnan(a1[1:3]).all() and np.isnan(a2[1:3]).all()
    assert np.isfinite(s[[0, 3]]).all()
    la, lo, az = geodesic_direct_many(lat, lon, 45.0, 1e5)
    assert np.isnan(la[1:3]).all() and np.isnan(lo[1:3]).all() and np.isnan(az[1:3]).all()
    along, cross = along_cross_track_many(0.0, 0.0, 90.0, lat, lon)
    assert np.isnan(along[1:3]).all() and np.isnan(cross[1:3]).all()
    assert np.isfinite(along[[0, 3]]).all()
    along, cross = along_cross_track_many(0.0, 0.0, np.nan, lat, lon)
    assert np.isnan(along).all() and np.isnan(cross).all()


def test_broadcasting_and_shapes():
    lat = np.linspace(-60, 60, 12).reshape(3, 4)
    s, a1, a2 = geodesic_inverse_many(0.0, 0.0, lat, 10.0)
    assert s.shape == a1.shape == a2.shape == (3, 4)
    assert s[1, 2] == pytest.approx(geodesic_inverse(0.0, 0.0, lat[1, 2], 10.0)[0], abs=TOL_M)
    la, lo, az = geodesic_direct_many(45.0, 7.0, [0.0, 90.0, 180.0], 1e5)
    assert la.shape == (3,)
    along, cross = along_cross_track_many(45.0, 7.0, 90.0, lat, 8.0)
    assert along.shape == cross.shape == (3, 4)
    # scalars in, 0-d arrays out
    s0, _, _ = geodesic_inverse_many(40.6, -73.8, 51.6, -0.5)
    assert s0.shape == () and float(s0) / 1e3 == pytest.approx(5551.76, abs=0.005)


def test_empty_arrays():
    s, _, _ = geodesic_inverse_many([], [], [], [])
    along, cross = along_cross_track_many(0.0, 0.0, 0.0, [], [])
    assert s.shape == along.shape == cross.shape == (0,)


def test_pyproj_is_imported_only_when_used():
    # `import sim` stays light: pyproj (an optional dependency) loads on the first call
    import subprocess
    import sys

    code = (
        "import sys, sim.models.geodesy, sim.studies.statistics; "
        "print('pyproj' in sys.modules, 'scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
