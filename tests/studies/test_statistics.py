"""Footprint statistics and intervals against closed forms and independent references.

Sampled tests are seeded (so deterministic); their tolerances are stated as multiples of
the sampling error of the quantity, so that a correct implementation fails them with a
probability under 1e-5 for a fresh seed and a wrong one (1/2/3-sigma ellipses instead of
the chi-square scale, a biased covariance, a flat-Earth frame) fails them.
"""

import functools
import math

import numpy as np
import pytest
from scipy import stats

from sim.models.geodesy import (
    along_cross_track,
    geodesic_direct,
    geodesic_direct_many,
    geodesic_inverse,
)
from sim.studies.statistics import (
    bootstrap_ci,
    column_summary,
    ellipse_from_covariance,
    ellipse_points,
    exceedance,
    footprint,
    geodesic_mean,
    local_east_north,
    local_to_geodetic,
    quantile_ci,
    sigma_scale,
)

CENTRE = (47.35, 69.59)  # near the Soyuz landing zone


def _rotated_cov(sigma_major, sigma_minor, azimuth_deg):
    """Covariance [km^2] (east, north) with the given axes and major-axis azimuth."""
    az = math.radians(azimuth_deg)
    u = np.array([math.sin(az), math.cos(az)])
    v = np.array([math.cos(az), -math.sin(az)])
    return sigma_major**2 * np.outer(u, u) + sigma_minor**2 * np.outer(v, v)


def _sample(cov, n, seed, centre=CENTRE):
    """Points of a 2-D normal in the local frame of `centre`, on the ellipsoid [deg]."""
    x = np.random.default_rng(seed).multivariate_normal([0.0, 0.0], cov, n)
    lat, lon = local_to_geodetic(x[:, 0], x[:, 1], *centre)
    return lat, lon, x


# -- the local frame ------------------------------------------------------------------------


def test_local_frame_preserves_geodesic_distance_and_azimuth_from_the_origin():
    # independent reference: geographiclib's scalar inverse; 1e-6 m is the agreement of
    # the two Karney implementations (tests/models/test_geodesy.py)
    rng = np.random.default_rng(3)
    d = 10.0 ** rng.uniform(0, 6.5, 500)  # 1 m to 3000 km
    lat, lon, _ = geodesic_direct_many(*CENTRE, rng.uniform(-180, 180, 500), d)
    east, north = local_east_north(lat, lon, *CENTRE)
    for e, n, la, lo in zip(east, north, lat, lon, strict=True):
        s, az, _ = geodesic_inverse(*CENTRE, la, lo)
        assert math.hypot(e, n) * 1e3 == pytest.approx(s, abs=1e-6)
        # the direction, as the lateral miss it makes at the point
        miss = abs((math.degrees(math.atan2(e, n)) - az + 180) % 360 - 180)
        assert math.radians(miss) * s < 1e-6
    # and back: the inverse frame lands on the points
    la2, lo2 = local_to_geodetic(east, north, *CENTRE)
    gap = [geodesic_inverse(a, b, c, e)[0] for a, b, c, e in zip(lat, lon, la2, lo2, strict=True)]
    assert max(gap) < 1e-6


def test_local_frame_axes():
    # a point due north is on the north axis, one at 1 km east on the east axis
    east, north = local_east_north(geodesic_direct(*CENTRE, 0.0, 2e5)[0], CENTRE[1], *CENTRE)
    assert float(north) == pytest.approx(200.0, abs=1e-9) and abs(float(east)) < 1e-9
    lat, lon, _ = geodesic_direct(*CENTRE, 90.0, 1e3)
    east, north = local_east_north(lat, lon, *CENTRE)
    assert float(east) == pytest.approx(1.0, abs=1e-12) and abs(float(north)) < 1e-12


# -- the mean point -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "centre", [CENTRE, (-5.0, 179.95), (89.7, 30.0)], ids=["steppe", "antimeridian", "pole"]
)
def test_mean_point_has_zero_mean_in_its_frame(centre):
    # a footprint 400 km long (sigma 130 km), rotated, across the antimeridian, over the pole
    lat, lon, _ = _sample(_rotated_cov(130.0, 15.0, 65.0), 4000, 11, centre)
    m_lat, m_lon, iterations, converged = geodesic_mean(lat, lon)
    assert converged and iterations <= 6
    east, north = local_east_north(lat, lon, m_lat, m_lon)
    # the definition, to its tolerance (1 um) and the geodesics' rounding
    assert abs(east.mean()) < 2e-9 and abs(north.mean()) < 2e-9
    # and it is the sample's centre: within 5 standard errors (130 km / sqrt(4000) = 2 km)
    # of the distribution's centre; the frames of the two centres differ by (r/R)^2 terms
    d, _, _ = geodesic_inverse(*centre, m_lat, m_lon)
    assert d / 1e3 < 5 * 130.0 / math.sqrt(4000)


def test_mean_point_minimises_the_squared_geodesic_distances():
    # the Karcher mean: moving the point 100 m any way increases sum(d^2)
    lat, lon, _ = _sample(_rotated_cov(200.0, 40.0, 20.0), 2000, 5)
    m_lat, m_lon, _, _ = geodesic_mean(lat, lon)

    def cost(c_lat, c_lon):
        e, n = local_east_north(lat, lon, c_lat, c_lon)
        return float(np.sum(e * e + n * n))

    best = cost(m_lat, m_lon)
    for az in range(0, 360, 45):
        assert cost(*geodesic_direct(m_lat, m_lon, az, 100.0)[:2]) > best


# -- ellipses -------------------------------------------------------------------------------


def test_sigma_scale_is_the_chi_square_quantile():
    # closed form and scipy's chi-square with 2 degrees of freedom; NOT 1, 2, 3 sigma
    for p, k in [(0.5, 1.1774100), (0.95, 2.4477468), (0.997, 3.4085607), (0.9973002, 3.439)]:
        assert sigma_scale(p) == pytest.approx(k, abs=1e-3 if k == 3.439 else 1e-7)
        assert sigma_scale(p) == pytest.approx(math.sqrt(stats.chi2.ppf(p, 2)), rel=1e-12)
    with pytest.raises(ValueError):
        sigma_scale(1.0)


@pytest.mark.parametrize("azimuth", [0.0, 30.0, 90.0, 135.0, 179.0])
def test_ellipse_of_a_rotated_covariance_exactly(azimuth):
    # direct calculation: semi-axes k * sigma, the major axis at the covariance's azimuth
    # (rounding of the 2x2 eigenproblem only)
    cov = _rotated_cov(5.0, 2.0, azimuth)
    for level in (0.5, 0.95, 0.997):
        e = ellipse_from_covariance(cov, level)
        k = math.sqrt(-2 * math.log(1 - level))
        assert e.semi_major_km == pytest.approx(k * 5.0, rel=1e-12)
        assert e.semi_minor_km == pytest.approx(k * 2.0, rel=1e-12)
        assert 0.0 <= e.azimuth_deg < 180.0
        assert e.azimuth_deg == pytest.approx(azimuth, abs=1e-9)
    # the azimuth of an axis is modulo 180
    assert ellipse_from_covariance(_rotated_cov(5.0, 2.0, azimuth + 180.0), 0.5).azimuth_deg == (
        pytest.approx(azimuth, abs=1e-9)
    )


def test_ellipse_of_a_circle_and_of_a_line():
    e = ellipse_from_covariance(np.eye(2) * 4.0, 0.95)
    assert e.semi_major_km == e.semi_minor_km == pytest.approx(2.0 * sigma_scale(0.95))
    assert e.azimuth_deg == 0.0
    line = ellipse_from_covariance(_rotated_cov(3.0, 0.0, 40.0), 0.5)
    assert line.semi_minor_km == pytest.approx(0.0, abs=1e-7)
    assert line.azimuth_deg == pytest.approx(40.0, abs=1e-9)


def test_ellipse_points_lie_on_the_ellipse_in_the_local_frame():
    # a 300 km ellipse: through the same (exact-from-the-centre) frame, so on the ellipse
    # to rounding, and a closed ring
    a, b, az = 300.0, 40.0, 62.0
    lat, lon = ellipse_points(*CENTRE, a, b, az, n=181)
    assert lat.shape == lon.shape == (181,) and lat[0] == lat[-1] and lon[0] == lon[-1]
    east, north = local_east_north(lat, lon, *CENTRE)
    t = math.radians(az)
    u = east * math.sin(t) + north * math.cos(t)
    v = east * math.cos(t) - north * math.sin(t)
    np.testing.assert_allclose((u / a) ** 2 + (v / b) ** 2, 1.0, rtol=0, atol=1e-9)
    assert u.max() == pytest.approx(a, rel=1e-12)


# -- footprints -----------------------------------------------------------------------------


def test_footprint_recovers_a_known_normal():
    # sigma 3 and 1.2 km (a small region: the frame is flat to (5 km / R)^2 ~ 1e-6)
    cov = _rotated_cov(3.0, 1.2, 35.0)
    n = 20000
    lat, lon, _ = _sample(cov, n, 2026)
    fp = footprint(lat, lon, reference=CENTRE)
    s = np.array(fp.covariance_km2)
    # sampling error of a normal sample covariance: var(S_ij) = (C_ii C_jj + C_ij^2) / n
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    np.testing.assert_array_less(np.abs(s - cov), 5 * se)
    # the mean: within 5 standard errors of the centre (sqrt(C_ii / n) per axis)
    e, nn = fp.mean_offset_km
    assert abs(e) < 5 * math.sqrt(cov[0, 0] / n) and abs(nn) < 5 * math.sqrt(cov[1, 1] / n)
    assert fp.n_runs == fp.n_landed == n and fp.n_failed == 0
    # the ellipses' axes follow; their azimuth within a few standard errors of the
    # orientation (about 0.1 deg here)
    for ell in fp.ellipses:
        assert ell.semi_major_km == pytest.approx(ell.k_sigma * 3.0, rel=0.03)
        assert ell.semi_minor_km == pytest.approx(ell.k_sigma * 1.2, rel=0.03)
        assert ell.azimuth_deg == pytest.approx(35.0, abs=0.6)
        # fraction inside: binomial sampling error sqrt(p (1 - p) / n), 5 of them (the
        # estimated covariance moves it by O(1/n) more)
        tol = 5 * math.sqrt(ell.level * (1 - ell.level) / n)
        assert ell.fraction_inside == pytest.approx(ell.level, abs=tol)
    # 1/2/3-sigma ellipses would hold 39 %, 86 %, 99 %: far outside those tolerances
    assert fp.ellipse(0.5).k_sigma == pytest.approx(1.1774, abs=1e-4)


def test_circular_radii_of_a_circular_normal():
    # R_p = sigma sqrt(-2 ln(1 - p)) (Rayleigh); sampling error of a sample quantile
    # sqrt(p (1 - p) / n) / f(R_p) with f(r) = r / sigma^2 exp(-r^2 / 2 sigma^2)
    sigma, n = 2.0, 20000
    lat, lon, _ = _sample(np.eye(2) * sigma**2, n, 9)
    fp = footprint(lat, lon, reference=CENTRE)
    assert fp.radii_about_reference is not None
    for p, about_mean, about_ref in [
        (0.5, fp.radii_about_mean.r50_km, fp.radii_about_reference.r50_km),
        (0.9, fp.radii_about_mean.r90_km, fp.radii_about_reference.r90_km),
        (0.95, fp.radii_about_mean.r95_km, fp.radii_about_reference.r95_km),
    ]:
        r = sigma * math.sqrt(-2 * math.log(1 - p))
        f = r / sigma**2 * (1 - p)
        tol = 5 * math.sqrt(p * (1 - p) / n) / f
        assert about_ref == pytest.approx(r, abs=tol)
        assert about_mean == pytest.approx(r, abs=tol)
    assert fp.radii_about_mean.r50_km == pytest.approx(sigma * math.sqrt(2 * math.log(2)), rel=0.02)


def test_failed_runs_are_excluded_and_counted():
    lat, lon, _ = _sample(_rotated_cov(20.0, 5.0, 100.0), 3000, 4)
    clean = footprint(lat, lon, reference=CENTRE, approach_azimuth_deg=100.0)
    lat2, lon2 = lat.copy(), lon.copy()
    lat2[::10] = np.nan
    lon2[5::10] = np.nan
    keep = np.isfinite(lat2) & np.isfinite(lon2)
    fp = footprint(lat2, lon2, reference=CENTRE, approach_azimuth_deg=100.0)
    want = footprint(lat[keep], lon[keep], reference=CENTRE, approach_azimuth_deg=100.0)
    assert fp.n_runs == 3000 and fp.n_failed == 600 and fp.n_landed == 2400
    assert fp.covariance_km2 == want.covariance_km2 and fp.ellipses == want.ellipses
    assert fp.track == want.track and fp.radii_about_mean == want.radii_about_mean
    assert fp.covariance_km2 != clean.covariance_km2
    with pytest.raises(ValueError, match="no landed point"):
        footprint([np.nan, np.nan], [1.0, 2.0])


def test_single_landed_point():
    fp = footprint([45.0, np.nan], [10.0, 11.0])
    assert (fp.mean_lat_deg, fp.mean_lon_deg) == pytest.approx((45.0, 10.0), abs=1e-12)
    assert math.isnan(fp.covariance_km2[0][0]) and math.isnan(fp.ellipses[0].fraction_inside)
    assert fp.radii_about_mean.r50_km == 0.0


def test_track_percentiles_of_constructed_points():
    # points built `along` the approach geodesic then `cross` at right angles: the spread
    # is that of the construction (the foot iteration stops at 0.1 mm steps)
    rng = np.random.default_rng(8)
    along = rng.normal(0.0, 150.0, 3000)
    cross = rng.normal(0.0, 12.0, 3000)
    lat1, lon1, az1 = geodesic_direct_many(*CENTRE, 80.0, along * 1e3)
    lat, lon, _ = geodesic_direct_many(lat1, lon1, az1 + 90.0, cross * 1e3)
    fp = footprint(lat, lon, reference=CENTRE, approach_azimuth_deg=80.0)
    tr = fp.track
    assert tr is not None and tr.origin == "reference"
    np.testing.assert_allclose(tr.along_km, np.percentile(along, tr.percentiles), atol=1e-6)
    np.testing.assert_allclose(tr.cross_km, np.percentile(cross, tr.percentiles), atol=1e-6)
    assert tr.along_std_km == pytest.approx(along.std(ddof=1), abs=1e-6)
    # the scalar reference for one point
    a, c = along_cross_track(*CENTRE, 80.0, lat[0], lon[0])
    assert (a / 1e3, c / 1e3) == pytest.approx((along[0], cross[0]), abs=1e-6)
    # without a reference the track goes through the mean point
    assert footprint(lat, lon, approach_azimuth_deg=80.0).track.origin == "mean"


def test_outline_is_the_ellipse_around_the_mean():
    lat, lon, _ = _sample(_rotated_cov(60.0, 10.0, 75.0), 5000, 12)
    fp = footprint(lat, lon)
    e = fp.ellipse(0.95)
    ring_lat, ring_lon = fp.outline(0.95, n=91)
    d, _, _ = geodesic_inverse(fp.mean_lat_deg, fp.mean_lon_deg, ring_lat[0], ring_lon[0])
    assert d / 1e3 == pytest.approx(e.semi_major_km, rel=1e-12)
    with pytest.raises(KeyError):
        fp.ellipse(0.9)


# -- columns and intervals ------------------------------------------------------------------


def test_column_summary_against_numpy():
    v = np.random.default_rng(1).normal(10.0, 2.0, 1001)
    v[[3, 50, 700]] = np.nan
    s = column_summary(v)
    good = v[~np.isnan(v)]
    assert s["n"] == 998 and s["n_nan"] == 3
    assert s["mean"] == pytest.approx(good.mean(), rel=1e-14)
    assert s["std"] == pytest.approx(good.std(ddof=1), rel=1e-14)
    assert (s["p05"], s["p50"], s["p95"]) == pytest.approx(
        tuple(np.percentile(good, [5, 50, 95])), rel=1e-14
    )
    empty = column_summary([np.nan])
    assert empty["n"] == 0 and empty["n_nan"] == 1 and math.isnan(empty["mean"])


@pytest.mark.parametrize("k,n", [(0, 50), (1, 50), (17, 50), (50, 50), (3, 1000), (0, 100000)])
def test_exceedance_is_the_clopper_pearson_interval(k, n):
    # scipy's exact binomial interval is Clopper-Pearson; agreement to rounding
    values = np.r_[np.full(k, 2.0), np.full(n - k, 0.5), np.nan]
    p, low, high = exceedance(values, 1.0, confidence=0.95)
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    assert p == k / n
    assert low == pytest.approx(ref.low, abs=1e-12) and high == pytest.approx(ref.high, abs=1e-12)
    # below the threshold counts the others
    p_below, _, _ = exceedance(values, 1.0, above=False)
    assert p_below == (n - k) / n


def test_exceedance_rule_of_three():
    # 0 of n: the 95 % upper bound 1 - 0.025^(1/n) ~ 3.69 / n (closed form)
    _, low, high = exceedance(np.zeros(1000), 1.0)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 1000), rel=1e-12)
    assert exceedance([], 1.0) == (pytest.approx(math.nan, nan_ok=True), 0.0, 1.0)


def test_bootstrap_reproducible_and_near_the_normal_interval():
    v = np.random.default_rng(5).normal(3.0, 1.5, 1000)
    a = bootstrap_ci(v, np.mean, n_boot=4000, seed=42)
    assert a == bootstrap_ci(v, np.mean, n_boot=4000, seed=42)  # same seed, same figures
    assert a != bootstrap_ci(v, np.mean, n_boot=4000, seed=43)
    # the mean's interval is mean +- 1.96 s / sqrt(n); the bootstrap's end points carry a
    # Monte Carlo error of about 0.05 standard errors with 4000 resamples: 0.25 allowed
    se = v.std(ddof=1) / math.sqrt(v.size)
    assert a[0] == v.mean()
    assert a[1] == pytest.approx(v.mean() - 1.96 * se, abs=0.25 * se)
    assert a[2] == pytest.approx(v.mean() + 1.96 * se, abs=0.25 * se)
    # a quantile as the statistic, through several blocks of resamples (n large)
    big = np.random.default_rng(6).exponential(1.0, 20000)
    q90 = functools.partial(np.quantile, q=0.9)
    est, low, high = bootstrap_ci(big, q90, n_boot=500, seed=1)
    assert low < est < high and est == pytest.approx(np.quantile(big, 0.9))
    assert math.isnan(bootstrap_ci([np.nan], np.mean)[0])


def test_quantile_ci_exact_coverage_and_ranks():
    # the interval's coverage F(u-1) - F(l-1) is at least the level for every n and q
    rng = np.random.default_rng(0)
    for n in (20, 100, 1000, 5000):
        for q in (0.05, 0.5, 0.9, 0.997):
            x = rng.uniform(size=n)
            _, low, high = quantile_ci(x, q)
            xs = np.sort(x)
            lo_rank = 0 if low == -math.inf else int(np.searchsorted(xs, low)) + 1
            hi_rank = n + 1 if high == math.inf else int(np.searchsorted(xs, high)) + 1
            cover = stats.binom.cdf(hi_rank - 1, n, q) - stats.binom.cdf(lo_rank - 1, n, q)
            assert cover >= 0.95 - 1e-12
            # equal tails, each no wider than needed: one rank in from an end leaves more
            # than 2.5 % on that side
            if lo_rank >= 1:
                assert stats.binom.cdf(lo_rank - 1, n, q) < 0.025 <= stats.binom.cdf(lo_rank, n, q)
            if hi_rank <= n:
                assert (
                    stats.binom.cdf(hi_rank - 2, n, q) < 0.975 <= stats.binom.cdf(hi_rank - 1, n, q)
                )


def test_quantile_ci_coverage_by_simulation():
    # 2000 samples of 300 from a normal: the 95 % interval of the 90th percentile covers
    # the true one in at least 95 % of them (binomial tolerance: 4 standard errors of
    # the observed fraction, sqrt(0.95 * 0.05 / 2000) = 0.005)
    rng = np.random.default_rng(17)
    truth = stats.norm.ppf(0.9)
    hits = 0
    for _ in range(2000):
        _, low, high = quantile_ci(rng.normal(size=300), 0.9)
        hits += low <= truth <= high
    assert hits / 2000 >= 0.95 - 4 * math.sqrt(0.95 * 0.05 / 2000)


def test_quantile_ci_cannot_bound_an_extreme_quantile_of_a_small_sample():
    # the 99.7th percentile needs 1 - 0.997^n >= 0.975, n >= 1228, for an upper bound
    x = np.random.default_rng(2).normal(size=1227)
    assert quantile_ci(x, 0.997)[2] == math.inf
    assert quantile_ci(np.r_[x, 0.0], 0.997)[2] < math.inf


def test_binomial_ppf_is_scipy_stats():
    """The order-statistic ranks without scipy.stats: the same ranks as binom.ppf over
    sample sizes, quantiles and levels (exact ties, e.g. n = 37 at the median, included)."""
    from scipy.stats import binom

    from sim.studies.intervals import binomial_ppf

    for n in (1, 2, 5, 37, 100, 1228, 5000, 100_000):
        for q in (0.003, 0.05, 0.5, 0.95, 0.997, 0.9985):
            for p in (1e-4, 0.025, 0.5, 0.975, 0.9999):
                assert binomial_ppf(p, n, q) == int(binom.ppf(p, n, q)), (n, q, p)
