"""Geodesics on the WGS-84 ellipsoid (post-processing, not compiled).

Landing offsets, downrange and crossrange are geodesic distances on the ellipsoid (Karney's
algorithm, by ``geographiclib``), not path lengths at altitude. The ``*_many`` functions
are their vectorised versions over numpy arrays (the same algorithm, by pyproj, imported on
first use: the ``studies`` extra), for Monte Carlo footprints.

References
----------
Karney, C. F. F. (2013), *Algorithms for geodesics*, J. Geodesy 87, 43-55.
Baselga, S. and Martinez-Llario, J. C. (2018), *Intersection and point-to-line solutions
for geodesics on the ellipsoid*, Stud. Geophys. Geod. 62, 353-363.
"""

import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt


def _geod():
    from geographiclib.geodesic import Geodesic

    return Geodesic.WGS84


def geodesic_inverse(
    lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float
) -> tuple[float, float, float]:
    """Shortest geodesic on WGS-84 between two points (Karney 2013).

    Returns
    -------
    distance_m : float
        Geodesic distance [m].
    azimuth1_deg, azimuth2_deg : float
        Forward azimuths at the first and second point [deg, clockwise from north].
    """
    g = _geod().Inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    return g["s12"], g["azi1"], g["azi2"]


def geodesic_direct(
    lat_deg: float, lon_deg: float, azimuth_deg: float, distance_m: float
) -> tuple[float, float, float]:
    """Point reached along a geodesic [deg, deg] and the azimuth there [deg]."""
    g = _geod().Direct(lat_deg, lon_deg, azimuth_deg, distance_m)
    return g["lat2"], g["lon2"], g["azi2"]


def along_cross_track(
    ref_lat_deg: float, ref_lon_deg: float, ref_azimuth_deg: float, lat_deg: float, lon_deg: float
) -> tuple[float, float]:
    """Along-track and cross-track distance of a point from a reference geodesic.

    The reference is the geodesic through (ref_lat, ref_lon) with the given azimuth. The
    foot of the perpendicular from the point is found by Baselga and Martinez-Llario's
    iteration (2018); distances are geodesics on WGS-84.

    Returns
    -------
    along_m : float
        Distance along the reference from the reference point to the foot [m], positive in
        the direction of the azimuth.
    cross_m : float
        Distance from the foot to the point [m], positive to the right of the reference.
    """
    geod = _geod()
    s = 0.0
    cross = 0.0
    for _ in range(50):
        foot = geod.Direct(ref_lat_deg, ref_lon_deg, ref_azimuth_deg, s)
        inv = geod.Inverse(foot["lat2"], foot["lon2"], lat_deg, lon_deg)
        d = inv["s12"]
        if d < 1e-6:
            return s, 0.0
        delta = math.radians(inv["azi1"] - foot["azi2"])
        step = d * math.cos(delta)
        cross = d * math.sin(delta)
        s += step
        if abs(step) < 1e-4:
            break
    return s, cross


# ---------------------------------------------------------------------------------------
# Vectorised geodesics (Monte Carlo footprints): pyproj's Geod runs Karney's algorithm in C
# over whole arrays. Measured on the project's 2-core machine, 1e5 points (best of 7):
# inverse 45 ms (footprint-sized lines) to 80 ms (lines across the globe), direct 30 ms,
# along/cross-track 0.16 to 0.2 s (footprints of 5 to 50 km, 3 or 4 iterations) and 0.3 s
# (500 km, up to 8); the scalar functions above cost about 55 us (inverse), 17 us (direct)
# and 0.17 ms (along/cross-track) a point: 50 to 100 times more. (Timings vary by up to
# half again with the machine's load.)
# ---------------------------------------------------------------------------------------

FloatArray = npt.NDArray[np.float64]


@functools.cache
def _pyproj_geod() -> Any:
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _arrays(*values: npt.ArrayLike) -> list[FloatArray]:
    """The arguments broadcast together, as contiguous float64 copies (pyproj writes into
    buffers of its own, and needs them contiguous)."""
    return [np.array(v, dtype=np.float64) for v in np.broadcast_arrays(*values)]


def _nan_where_any_nan(inputs: list[FloatArray], outputs: list[FloatArray]) -> None:
    """NaN in every output where any input is NaN (pyproj's latitude of a direct problem,
    for one, does not depend on the longitude)."""
    bad = np.isnan(sum(inputs, np.zeros(inputs[0].shape)))
    if bad.any():
        for out in outputs:
            out[bad] = np.nan


def geodesic_inverse_many(
    lat1_deg: npt.ArrayLike,
    lon1_deg: npt.ArrayLike,
    lat2_deg: npt.ArrayLike,
    lon2_deg: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Shortest geodesics on WGS-84 between arrays of points (Karney 2013, by pyproj).

    The vectorised :func:`geodesic_inverse`; the arguments broadcast together. A point
    with a NaN coordinate gives NaN results. About 0.5 to 0.8 us a point (1e5 points in 45
    to 80 ms, against 5.5 s for the scalar function).

    Parameters
    ----------
    lat1_deg, lon1_deg : array_like
        First points [deg].
    lat2_deg, lon2_deg : array_like
        Second points [deg].

    Returns
    -------
    distance_m : ndarray
        Geodesic distances [m].
    azimuth1_deg, azimuth2_deg : ndarray
        Forward azimuths at the first and second points [deg, clockwise from north, in
        [-180, 180]].
    """
    lat1, lon1, lat2, lon2 = _arrays(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    shape = lat1.shape
    az1, az2, dist = _pyproj_geod().inv(
        lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel(), return_back_azimuth=False
    )
    out = [np.asarray(x, dtype=np.float64).reshape(shape) for x in (dist, az1, az2)]
    _nan_where_any_nan([lat1, lon1, lat2, lon2], out)
    return out[0], out[1], out[2]


def geodesic_direct_many(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    azimuth_deg: npt.ArrayLike,
    distance_m: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Points reached along geodesics on WGS-84 from arrays of starts (Karney 2013).

    The vectorised :func:`geodesic_direct`; the arguments broadcast together. A NaN
    argument gives NaN results. About 0.3 us a point (1e5 points in 30 ms, against 1.7 s
    for the scalar function).

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Starting points [deg].
    azimuth_deg : array_like
        Azimuths at the start [deg, clockwise from north].
    distance_m : array_like
        Distances along the geodesics [m] (negative: backwards).

    Returns
    -------
    lat2_deg, lon2_deg : ndarray
        Points reached [deg]; longitudes in [-180, 180].
    azimuth2_deg : ndarray
        Forward azimuths there [deg, clockwise from north].
    """
    lat, lon, az, dist = _arrays(lat_deg, lon_deg, azimuth_deg, distance_m)
    shape = lat.shape
    lon2, lat2, az2 = _pyproj_geod().fwd(
        lon.ravel(), lat.ravel(), az.ravel(), dist.ravel(), return_back_azimuth=False
    )
    out = [np.asarray(x, dtype=np.float64).reshape(shape) for x in (lat2, lon2, az2)]
    _nan_where_any_nan([lat, lon, az, dist], out)
    return out[0], out[1], out[2]


def along_cross_track_many(
    ref_lat_deg: npt.ArrayLike,
    ref_lon_deg: npt.ArrayLike,
    ref_azimuth_deg: npt.ArrayLike,
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Along-track and cross-track distances of arrays of points from reference geodesics.

    The vectorised :func:`along_cross_track`: the same Baselga and Martinez-Llario
    iteration (2018), step for step, with a mask of the points still iterating (each stops
    when its step falls under 0.1 mm, as the scalar one does, or after 50 iterations).
    The arguments broadcast together; a point with a NaN coordinate gives NaN. About 2 us
    a point (1e5 points in 0.16 to 0.2 s for footprints of 5 to 50 km, 3 or 4 iterations;
    0.3 s at 500 km, up to 8; against 17 s for the scalar function). Points thousands of km off
    the track converge slowly (some still move after 50 iterations), as with the scalar
    function.

    Parameters
    ----------
    ref_lat_deg, ref_lon_deg : array_like
        Reference points [deg].
    ref_azimuth_deg : array_like
        Azimuths of the reference geodesics there [deg, clockwise from north].
    lat_deg, lon_deg : array_like
        Points [deg].

    Returns
    -------
    along_m : ndarray
        Distances along the references from the reference points to the feet of the
        perpendiculars [m], positive in the direction of the azimuths.
    cross_m : ndarray
        Distances from the feet to the points [m], positive to the right of the references.
    """
    rlat, rlon, raz, lat, lon = _arrays(ref_lat_deg, ref_lon_deg, ref_azimuth_deg, lat_deg, lon_deg)
    shape = rlat.shape
    rlat, rlon, raz, lat, lon = (a.ravel() for a in (rlat, rlon, raz, lat, lon))
    geod = _pyproj_geod()
    along = np.zeros(rlat.size)
    cross = np.zeros(rlat.size)
    bad = ~np.isfinite(rlat + rlon + raz + lat + lon)
    along[bad] = np.nan
    cross[bad] = np.nan
    active = np.flatnonzero(~bad)
    for _ in range(50):
        if active.size == 0:
            break
        s = along[active]
        flon, flat, faz = geod.fwd(
            rlon[active], rlat[active], raz[active], s, return_back_azimuth=False
        )
        az1, _, d = geod.inv(flon, flat, lon[active], lat[active], return_back_azimuth=False)
        on_track = d < 1e-6
        cross[active[on_track]] = 0.0
        delta = np.radians(az1 - faz)
        step = d * np.cos(delta)
        off = ~on_track
        cross[active[off]] = (d * np.sin(delta))[off]
        along[active[off]] = (s + step)[off]
        active = active[off & (np.abs(step) >= 1e-4)]
    return along.reshape(shape), cross.reshape(shape)


# Local east-north frames (Monte Carlo footprints and their ellipses)


def local_east_north(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    ref_lat_deg: npt.ArrayLike,
    ref_lon_deg: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Points in the azimuthal equidistant frame of a reference point on WGS-84.

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Points [deg]; NaN for runs that did not land (they give NaN).
    ref_lat_deg, ref_lon_deg : array_like
        The frame's origin [deg] (broadcast with the points).

    Returns
    -------
    east_km, north_km : ndarray
        ``d sin(az)`` and ``d cos(az)`` [km], with ``d`` the geodesic distance from the
        origin to the point and ``az`` its azimuth at the origin.
    """
    d_m, az_deg, _ = geodesic_inverse_many(ref_lat_deg, ref_lon_deg, lat_deg, lon_deg)
    az = np.radians(az_deg)
    return d_m * np.sin(az) / 1e3, d_m * np.cos(az) / 1e3


def local_to_geodetic(
    east_km: npt.ArrayLike,
    north_km: npt.ArrayLike,
    ref_lat_deg: npt.ArrayLike,
    ref_lon_deg: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """The inverse of :func:`local_east_north`: points of the local frame on WGS-84.

    Parameters
    ----------
    east_km, north_km : array_like
        Coordinates in the frame of the reference point [km].
    ref_lat_deg, ref_lon_deg : array_like
        The frame's origin [deg].

    Returns
    -------
    lat_deg, lon_deg : ndarray
        The points [deg], longitudes in [-180, 180].
    """
    e = np.asarray(east_km, dtype=np.float64)
    n = np.asarray(north_km, dtype=np.float64)
    az_deg = np.degrees(np.arctan2(e, n))
    lat, lon, _ = geodesic_direct_many(ref_lat_deg, ref_lon_deg, az_deg, np.hypot(e, n) * 1e3)
    return lat, lon


def ellipse_points(
    center_lat: float,
    center_lon: float,
    semi_major_km: float,
    semi_minor_km: float,
    azimuth_deg: float,
    n: int = 181,
) -> tuple[FloatArray, FloatArray]:
    """Points of an ellipse of the local frame of its centre, on WGS-84 (maps, KML).

    The ellipse ``(a cos t) u + (b sin t) v`` of the centre's azimuthal equidistant frame
    (``u`` the major axis, ``v`` at right angles to it), taken to the ellipsoid by the
    inverse of :func:`local_east_north` (direct geodesics from the centre), so that it is
    exactly the ellipse :func:`sim.studies.statistics.footprint` measured.

    Parameters
    ----------
    center_lat, center_lon : float
        Centre [deg].
    semi_major_km, semi_minor_km : float
        Semi-axes [km].
    azimuth_deg : float
        Azimuth of the major axis [deg, clockwise from north].
    n : int
        Points; the first and last are the same (a closed ring, as KML wants).

    Returns
    -------
    lat_deg, lon_deg : ndarray
        The ring [deg], shape ``(n,)``; longitudes continuous along it (within 180 deg of
        the centre's, not wrapped: a ring across the antimeridian stays one ring).
    """
    t = np.linspace(0.0, 2.0 * math.pi, n)
    az = math.radians(azimuth_deg)
    along = semi_major_km * np.cos(t)
    across = semi_minor_km * np.sin(t)
    east = along * math.sin(az) + across * math.cos(az)
    north = along * math.cos(az) - across * math.sin(az)
    lat, lon = local_to_geodetic(east, north, center_lat, center_lon)
    lon = center_lon + (lon - center_lon + 180.0) % 360.0 - 180.0  # continuous about the centre
    lat[-1], lon[-1] = lat[0], lon[0]
    return lat, lon
