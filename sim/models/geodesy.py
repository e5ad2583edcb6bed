"""Geodesics on the WGS-84 ellipsoid (post-processing, not compiled).

Landing offsets, downrange and crossrange are geodesic distances on the ellipsoid (Karney's
algorithm, by ``geographiclib``), not path lengths at altitude.

References
----------
Karney, C. F. F. (2013), *Algorithms for geodesics*, J. Geodesy 87, 43-55.
Baselga, S. and Martinez-Llario, J. C. (2018), *Intersection and point-to-line solutions
for geodesics on the ellipsoid*, Stud. Geophys. Geod. 62, 353-363.
"""

import math


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
