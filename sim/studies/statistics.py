"""Statistics of Monte Carlo dispersions: landing footprints, summaries and intervals.

Everything works on whole numpy arrays (thousands to 1e5 runs); a run that did not land
carries NaN and is excluded and counted, never an error.

The footprint is described in the *local azimuthal equidistant frame* of a point on the
WGS-84 ellipsoid: a landing point at geodesic distance ``d`` and azimuth ``az`` from the
frame's origin has ``east = d sin(az)``, ``north = d cos(az)``. Distances from the origin
are exact geodesic distances (this is the inverse of the exponential map of the ellipsoid
at the origin, the tangent plane in an orthonormal east-north basis), so a footprint
hundreds of km long is not distorted by a flat-Earth approximation; distances between two
points away from the origin are distorted by about ``(r/R)^2 / 6`` relative (``r`` their
distance from the origin, ``R`` the Earth's radius): 1e-4 at 150 km.

The *mean landing point* is the point whose local frame gives the landing points zero mean:
the Riemannian centre of mass (Karcher mean) of the points on the ellipsoid, the point that
minimises the sum of squared geodesic distances to them. It is found by moving the frame's
origin to the mean of the points in its own frame until that mean is under 1 um (a fixed
point iteration: 2 or 3 frames for footprints of tens of km, about 6 for a standard
deviation of 1000 km).

The probability ellipses are those of a 2-D normal distribution with the sample
covariance: the ellipse that holds probability ``p`` is ``k = sqrt(-2 ln(1 - p))`` standard
deviations (the chi-square quantile with 2 degrees of freedom), 1.177 for 50 %, 2.448 for
95 %, 3.409 for 99.7 % (3.439 for 99.73 %, the 1-D three-sigma mass), not 1, 2 and 3 sigma.
The fraction of points actually inside each ellipse is reported as a check on normality.

The summaries and intervals of single columns (:func:`column_summary`, :func:`exceedance`,
:func:`bootstrap_ci`, :func:`quantile_ci`) live in :mod:`sim.studies.intervals` and are
re-exported here.

References
----------
Karcher, H. (1977), *Riemannian center of mass and mollifier smoothing*, Comm. Pure Appl.
Math. 30, 509-541.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.models.geodesy import (
    along_cross_track_many,
    ellipse_points,
    geodesic_direct_many,
    geodesic_inverse_many,
    local_east_north,
    local_to_geodetic,
)
from sim.studies.intervals import bootstrap_ci, column_summary, exceedance, quantile_ci

__all__ = [
    "Ellipse",
    "Footprint",
    "Radii",
    "TrackSpread",
    "bootstrap_ci",
    "column_summary",
    "ellipse_from_covariance",
    "ellipse_points",
    "exceedance",
    "footprint",
    "geodesic_mean",
    "local_east_north",
    "local_to_geodetic",
    "quantile_ci",
    "sigma_scale",
]

FloatArray = npt.NDArray[np.float64]
Covariance = tuple[tuple[float, float], tuple[float, float]]

#: The frame origin moves until the points' mean in its frame is under this [km] (1 um).
MEAN_TOLERANCE_KM = 1e-9
#: At most this many moves of the frame origin for the mean landing point.
MEAN_MAX_ITERATIONS = 50


def geodesic_mean(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> tuple[float, float, int, bool]:
    """The mean point of points on WGS-84: the origin of the local frame in which their
    mean is zero (their Karcher mean).

    Starts from the direction of the mean of the points' unit vectors and moves the
    frame's origin by the mean of the points in its frame, until that mean is under
    :data:`MEAN_TOLERANCE_KM`.

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Points [deg], all finite, at least one.

    Returns
    -------
    lat_deg, lon_deg : float
        The mean point [deg].
    iterations : int
        Frames computed.
    converged : bool
        False if :data:`MEAN_MAX_ITERATIONS` frames did not bring the mean under the
        tolerance (points spread over a hemisphere have no well defined mean).
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64).ravel())
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64).ravel())
    x = np.mean(np.cos(lat) * np.cos(lon))
    y = np.mean(np.cos(lat) * np.sin(lon))
    z = np.mean(np.sin(lat))
    c_lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    c_lon = math.degrees(math.atan2(y, x))
    lat, lon = np.degrees(lat), np.degrees(lon)
    for i in range(1, MEAN_MAX_ITERATIONS + 1):
        e, n = local_east_north(lat, lon, c_lat, c_lon)
        me, mn = float(np.mean(e)), float(np.mean(n))
        step_km = math.hypot(me, mn)
        if step_km < MEAN_TOLERANCE_KM:
            return c_lat, c_lon, i, True
        la, lo, _ = geodesic_direct_many(
            c_lat, c_lon, math.degrees(math.atan2(me, mn)), step_km * 1e3
        )
        c_lat, c_lon = float(la), float(lo)
    return c_lat, c_lon, MEAN_MAX_ITERATIONS, False


# -- ellipses ---------------------------------------------------------------------------------


def sigma_scale(level: float) -> float:
    """Standard deviations ``k`` of the 2-D normal ellipse that holds probability ``level``.

    ``k = sqrt(-2 ln(1 - level))``, the square root of the chi-square quantile with two
    degrees of freedom: 1.177 for 0.5, 2.448 for 0.95, 3.409 for 0.997.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"a probability level is in (0, 1), not {level}")
    return math.sqrt(-2.0 * math.log1p(-level))


@dataclass(frozen=True)
class Ellipse:
    """A probability ellipse of a footprint.

    Attributes
    ----------
    level : float
        Probability it holds under a 2-D normal distribution.
    k_sigma : float
        Its scale in standard deviations, ``sqrt(-2 ln(1 - level))``.
    semi_major_km, semi_minor_km : float
        Semi-axes [km].
    azimuth_deg : float
        Azimuth of the major axis [deg, clockwise from north, in [0, 180)]; 0 for a
        circle.
    fraction_inside : float
        Fraction of the landed points inside it (NaN when made from a covariance alone).
    """

    level: float
    k_sigma: float
    semi_major_km: float
    semi_minor_km: float
    azimuth_deg: float
    fraction_inside: float = math.nan


def _principal_axes(cov: Covariance) -> tuple[float, float, float]:
    """Eigenvalues (larger first) [km^2] and the angle [rad] of the major axis from east,
    counter-clockwise, of a 2x2 east-north covariance (closed form)."""
    a, b, c = cov[0][0], cov[0][1], cov[1][1]
    mid = 0.5 * (a + c)
    r = math.hypot(0.5 * (a - c), b)
    lam2 = mid - r
    if lam2 < 0.0:  # rounding of a singular covariance (NaN stays NaN)
        lam2 = 0.0
    theta = 0.5 * math.pi if r == 0.0 else 0.5 * math.atan2(2.0 * b, a - c)  # circle: north
    return mid + r, lam2, theta


def ellipse_from_covariance(covariance_km2: Covariance | FloatArray, level: float) -> Ellipse:
    """The probability ellipse of a 2-D normal distribution.

    Parameters
    ----------
    covariance_km2 : 2x2 array_like
        Covariance in the local east-north frame [km^2].
    level : float
        Probability the ellipse holds, in (0, 1).

    Returns
    -------
    Ellipse
        Semi-axes ``k sqrt(eigenvalue)``, major-axis azimuth from the eigenvector
        (``fraction_inside`` NaN).
    """
    c = np.asarray(covariance_km2, dtype=np.float64)
    cov = ((float(c[0, 0]), float(c[0, 1])), (float(c[1, 0]), float(c[1, 1])))
    lam1, lam2, theta = _principal_axes(cov)
    k = sigma_scale(level)
    azimuth = (90.0 - math.degrees(theta)) % 180.0
    return Ellipse(level, k, k * math.sqrt(lam1), k * math.sqrt(lam2), azimuth)


def _mahalanobis2(east: FloatArray, north: FloatArray, cov: Covariance) -> FloatArray:
    """Squared Mahalanobis distances of points from the origin, for a covariance that may
    be singular (points off a degenerate axis are infinitely far)."""
    lam1, lam2, theta = _principal_axes(cov)
    u = east * math.cos(theta) + north * math.sin(theta)
    w = -east * math.sin(theta) + north * math.cos(theta)
    out = np.zeros(east.shape)
    for comp, lam in ((u, lam1), (w, lam2)):
        if lam > 0.0 or math.isnan(lam):
            out += comp * comp / lam
        else:
            # off the degenerate axis by more than the rounding of the coordinates
            out += np.where(np.abs(comp) > 1e-9 * math.sqrt(lam1), np.inf, 0.0)
    return out


# -- footprints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Radii:
    """Circular error radii: empirical quantiles of the distance from a point [km]
    (``numpy.quantile``, linear interpolation)."""

    r50_km: float
    r90_km: float
    r95_km: float


@dataclass(frozen=True)
class TrackSpread:
    """Along- and cross-track spread of the landing points about an approach track.

    Attributes
    ----------
    origin : str
        ``"reference"`` or ``"mean"``: the point the track passes through.
    azimuth_deg : float
        Azimuth of the track there [deg, clockwise from north].
    percentiles : tuple of float
        Percentiles [%].
    along_km, cross_km : tuple of float
        Those percentiles of the along-track (positive ahead) and cross-track (positive
        to the right) distances [km] (geodesic, Baselga and Martinez-Llario's foot).
    along_mean_km, along_std_km, cross_mean_km, cross_std_km : float
        Their mean and standard deviation [km].
    """

    origin: str
    azimuth_deg: float
    percentiles: tuple[float, ...]
    along_km: tuple[float, ...]
    cross_km: tuple[float, ...]
    along_mean_km: float
    along_std_km: float
    cross_mean_km: float
    cross_std_km: float


@dataclass(frozen=True)
class Footprint:
    """Statistics of a landing footprint (see the module's notes for the definitions).

    Attributes
    ----------
    n_runs, n_landed, n_failed : int
        Points given, landed (finite) and excluded (NaN).
    mean_lat_deg, mean_lon_deg : float
        The mean landing point [deg] (Karcher mean).
    mean_converged : bool
        Whether the mean point's iteration reached its tolerance.
    covariance_km2 : ((float, float), (float, float))
        Sample covariance (``n - 1``) in the local east-north frame of the mean [km^2].
    ellipses : tuple of Ellipse
        Probability ellipses, one per level, centred on the mean.
    radii_about_mean : Radii
        Circular radii about the mean point.
    reference : (float, float) or None
        The reference point (latitude, longitude) [deg], e.g. the undispersed landing.
    radii_about_reference : Radii or None
        Circular radii about the reference.
    mean_offset_km : (float, float) or None
        East and north of the mean point in the reference's frame [km] (the bias).
    track : TrackSpread or None
        Along- and cross-track spread, when an approach azimuth is given.
    """

    n_runs: int
    n_landed: int
    n_failed: int
    mean_lat_deg: float
    mean_lon_deg: float
    mean_converged: bool
    covariance_km2: Covariance
    ellipses: tuple[Ellipse, ...]
    radii_about_mean: Radii
    reference: tuple[float, float] | None = None
    radii_about_reference: Radii | None = None
    mean_offset_km: tuple[float, float] | None = None
    track: TrackSpread | None = None

    @property
    def std_east_km(self) -> float:
        """Standard deviation east [km]."""
        return math.sqrt(self.covariance_km2[0][0])

    @property
    def std_north_km(self) -> float:
        """Standard deviation north [km]."""
        return math.sqrt(self.covariance_km2[1][1])

    def ellipse(self, level: float) -> Ellipse:
        """The ellipse of a level given to :func:`footprint`."""
        for e in self.ellipses:
            if math.isclose(e.level, level, rel_tol=0.0, abs_tol=1e-12):
                return e
        raise KeyError(f"no ellipse at level {level}; levels {[e.level for e in self.ellipses]}")

    def outline(self, level: float, n: int = 181) -> tuple[FloatArray, FloatArray]:
        """The ring of points [deg] of the ellipse of ``level`` (:func:`ellipse_points`)."""
        e = self.ellipse(level)
        return ellipse_points(
            self.mean_lat_deg,
            self.mean_lon_deg,
            e.semi_major_km,
            e.semi_minor_km,
            e.azimuth_deg,
            n,
        )


def _radii(distance_km: FloatArray) -> Radii:
    r = np.quantile(distance_km, [0.5, 0.9, 0.95])
    return Radii(float(r[0]), float(r[1]), float(r[2]))


def footprint(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    *,
    reference: tuple[float, float] | None = None,
    levels: Sequence[float] = (0.5, 0.95, 0.997),
    approach_azimuth_deg: float | None = None,
    track_percentiles: Sequence[float] = (0.15, 2.5, 50.0, 97.5, 99.85),
) -> Footprint:
    """Statistics of the landing points of a dispersion.

    About 0.26 s for 1e5 points (the mean point's 2 or 3 frames), 0.5 s with a reference
    and an approach track.

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Landing points [deg], one per run; NaN (in either) for a run that did not land.
    reference : (float, float), optional
        A point (latitude, longitude) [deg], e.g. the undispersed landing: radii about it
        and the mean's offset from it are added.
    levels : sequence of float
        Probabilities of the ellipses.
    approach_azimuth_deg : float, optional
        Azimuth [deg] of the approach track through the reference (through the mean point
        if no reference is given): adds along- and cross-track percentiles.
    track_percentiles : sequence of float
        Percentiles [%] of the along- and cross-track distances.

    Returns
    -------
    Footprint

    Raises
    ------
    ValueError
        If no point landed.
    """
    lat_all = np.asarray(lat_deg, dtype=np.float64).ravel()
    lon_all = np.asarray(lon_deg, dtype=np.float64).ravel()
    if lat_all.shape != lon_all.shape:
        raise ValueError(f"{lat_all.size} latitudes but {lon_all.size} longitudes")
    ok = np.isfinite(lat_all) & np.isfinite(lon_all)
    lat, lon = lat_all[ok], lon_all[ok]
    n = int(lat.size)
    if n == 0:
        raise ValueError(f"no landed point among {lat_all.size} runs")

    m_lat, m_lon, _, converged = geodesic_mean(lat, lon)
    east, north = local_east_north(lat, lon, m_lat, m_lon)
    if n > 1:
        de, dn = east - east.mean(), north - north.mean()
        ee, en, nn = (float(np.dot(x, y)) / (n - 1) for x, y in ((de, de), (de, dn), (dn, dn)))
    else:
        ee = en = nn = math.nan
    cov: Covariance = ((ee, en), (en, nn))
    m2 = _mahalanobis2(east, north, cov)
    ellipses = []
    for level in levels:
        e = ellipse_from_covariance(cov, level)
        inside = math.nan if math.isnan(ee) else float(np.mean(m2 <= e.k_sigma**2))
        ellipses.append(
            Ellipse(e.level, e.k_sigma, e.semi_major_km, e.semi_minor_km, e.azimuth_deg, inside)
        )

    ref_radii = offset = None
    if reference is not None:
        r_lat, r_lon = float(reference[0]), float(reference[1])
        d_m, _, _ = geodesic_inverse_many(r_lat, r_lon, lat, lon)
        ref_radii = _radii(d_m / 1e3)
        oe, on = local_east_north(m_lat, m_lon, r_lat, r_lon)
        offset = (float(oe), float(on))
        reference = (r_lat, r_lon)

    track = None
    if approach_azimuth_deg is not None:
        origin, (o_lat, o_lon) = (
            ("mean", (m_lat, m_lon)) if reference is None else ("reference", reference)
        )
        along_m, cross_m = along_cross_track_many(o_lat, o_lon, approach_azimuth_deg, lat, lon)
        along, cross = along_m / 1e3, cross_m / 1e3
        pct = tuple(float(p) for p in track_percentiles)
        ddof = 1 if n > 1 else 0
        track = TrackSpread(
            origin,
            float(approach_azimuth_deg),
            pct,
            tuple(float(v) for v in np.percentile(along, pct)),
            tuple(float(v) for v in np.percentile(cross, pct)),
            float(along.mean()),
            float(along.std(ddof=ddof)),
            float(cross.mean()),
            float(cross.std(ddof=ddof)),
        )

    return Footprint(
        n_runs=int(lat_all.size),
        n_landed=n,
        n_failed=int(lat_all.size) - n,
        mean_lat_deg=m_lat,
        mean_lon_deg=m_lon,
        mean_converged=converged,
        covariance_km2=cov,
        ellipses=tuple(ellipses),
        radii_about_mean=_radii(np.hypot(east, north)),
        reference=reference,
        radii_about_reference=ref_radii,
        mean_offset_km=offset,
        track=track,
    )
