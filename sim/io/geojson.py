"""GeoJSON (RFC 7946) of descents: ground tracks with altitude, landings, events, the
target, documented landings, Monte Carlo landing points and landing ellipses.

Coordinates are ``[longitude, latitude, altitude]``: WGS-84 degrees (6 decimals, about
0.1 m) and the height above the ellipsoid [m], as RFC 7946 (section 4) has them; there
is no ``crs`` member. Lines and polygons that cross the 180 deg meridian are cut there
(section 3.1.9); polygon exteriors run counterclockwise (section 3.1.6). Tracks carry the
UTC of every vertex in ``properties.coordTimes`` (the convention of Google's and Mapbox's
KML converters) when the flight has an epoch. QGIS and geojson.io read the file as is.
"""

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.io.geo import (
    Ellipse,
    as_ellipse,
    event_marks,
    landing_sets,
    split_antimeridian,
    split_ring_antimeridian,
    track_rows,
    utc_iso,
)
from sim.models.earth import GeoPoint
from sim.results.files import atomic_write
from sim.results.trajectory import LANDED, Trajectory


def _position(lon, lat, alt=None):
    p = [round(float(lon), 6), round(float(lat), 6)]
    if alt is not None:
        p.append(round(float(alt), 1))
    return p


def _feature(geometry: dict, **properties: Any) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _point(lat, lon, alt=None) -> dict:
    lon = (float(lon) + 180.0) % 360.0 - 180.0
    return {"type": "Point", "coordinates": _position(lon, lat, alt)}


def _signed_area(ring):
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def track_feature(name: str | None, traj: Trajectory, below_altitude: float | None = None) -> dict:
    """The ground track of a trajectory as a LineString (a MultiLineString when it crosses
    the antimeridian) with altitude; properties ``kind = "track"``, ``name``, ``status``,
    ``start_utc``, ``end_utc`` and ``coordTimes`` (per vertex, with an epoch)."""
    rows = track_rows(traj, below_altitude)
    pieces = split_antimeridian(rows["lat"], rows["lon"], rows["altitude"], rows["time"])
    lines = [[_position(lo, la, h) for lo, la, h in zip(*p[:3], strict=True)] for p in pieces]
    times = [[utc_iso(traj.epoch, t) for t in p[3]] for p in pieces]
    if len(lines) == 1:
        geometry = {"type": "LineString", "coordinates": lines[0]}
        coord_times: list = times[0]
    else:
        geometry = {"type": "MultiLineString", "coordinates": lines}
        coord_times = times
    t = rows["time"]
    props: dict = {
        "kind": "track",
        "name": name,
        "status": traj.status,
        "start_s": float(t[0]) if len(t) else None,
        "end_s": float(t[-1]) if len(t) else None,
        "start_utc": utc_iso(traj.epoch, t[0]) if len(t) else None,
        "end_utc": utc_iso(traj.epoch, t[-1]) if len(t) else None,
    }
    if traj.epoch is not None:
        props["coordTimes"] = coord_times
    return _feature(geometry, **props)


def _event_features(name, traj):
    t = traj["time"]
    out = []
    for te, label in event_marks(traj):
        i = min(int(np.searchsorted(t, te)), len(t) - 1)
        kind = "landing" if label == "touchdown" and traj.status == LANDED else "event"
        out.append(
            _feature(
                _point(traj["latitude_deg"][i], traj["longitude_deg"][i], traj["altitude"][i]),
                kind=kind,
                name=name,
                event=label,
                time_s=float(te),
                time_utc=utc_iso(traj.epoch, te),
            )  # fmt: skip
        )
    return out


def ellipse_feature(ellipse: Ellipse | Mapping) -> dict:
    """A landing ellipse as a Polygon (a MultiPolygon when cut at the antimeridian) with
    its parameters as properties."""
    e = as_ellipse(ellipse)
    lat, lon = e.outline()
    rings = split_ring_antimeridian(lat, lon)
    polys = []
    for ring in rings:
        if _signed_area(ring) < 0:  # exterior counterclockwise
            ring = ring[::-1]
        polys.append([[_position(lo, la) for lo, la in ring]])
    geometry = (
        {"type": "Polygon", "coordinates": polys[0]}
        if len(polys) == 1
        else {"type": "MultiPolygon", "coordinates": polys}
    )
    return _feature(
        geometry, kind="ellipse", name=e.name, probability=e.probability,
        center_lat_deg=e.lat_deg, center_lon_deg=e.lon_deg,
        semi_major_km=e.semi_major_km or None, semi_minor_km=e.semi_minor_km or None,
        azimuth_deg=e.azimuth_deg if e.semi_major_km else None,
    )  # fmt: skip


def geojson_document(
    trajectories: Trajectory | Mapping[str, Trajectory] | None = None,
    *,
    target: GeoPoint | None = None,
    documented: Mapping[str, GeoPoint] | None = None,
    landing_points: Any = None,
    ellipses: Sequence[Ellipse | Mapping] = (),
    below_altitude: float | None = None,
) -> dict:
    """A GeoJSON FeatureCollection of descents.

    Parameters
    ----------
    trajectories : Trajectory or mapping name -> Trajectory, optional
        Tracks (from ``below_altitude`` [m] down, None: all), their events and landings.
    target : GeoPoint, optional
    documented : mapping label -> GeoPoint, optional
    landing_points : table, array or mapping, optional
        Monte Carlo landings (:func:`sim.io.geo.landing_sets`).
    ellipses : sequence of Ellipse or mapping
        Landing ellipses (:func:`sim.io.geo.as_ellipse`).
    """
    if trajectories is None:
        trajs: dict = {}
    elif isinstance(trajectories, Mapping):
        trajs = dict(trajectories)
    else:
        trajs = {None: trajectories}
    features = []
    for name, traj in trajs.items():
        features.append(track_feature(name, traj, below_altitude))
        features.extend(_event_features(name, traj))
    if target is not None:
        features.append(
            _feature(
                _point(target.latitude_deg, target.longitude_deg), kind="target", name="target"
            )
        )
    for label, p in (documented or {}).items():
        features.append(
            _feature(_point(p.latitude_deg, p.longitude_deg), kind="documented", name=label)
        )
    for label, (lat, lon) in landing_sets(landing_points).items():
        for k, (la, lo) in enumerate(zip(lat, lon, strict=True)):
            features.append(_feature(_point(la, lo), kind="landing point", name=label, index=k))
    features.extend(ellipse_feature(e) for e in ellipses)
    return {"type": "FeatureCollection", "features": features}


def write_geojson(path: str | os.PathLike, document: dict) -> None:
    """Write a GeoJSON document (:func:`geojson_document`) atomically (ASCII, non-ASCII
    characters escaped)."""
    text = json.dumps(document, allow_nan=False)
    atomic_write(path, lambda f: f.write(text + "\n"), mode="w")
