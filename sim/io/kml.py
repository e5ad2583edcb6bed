"""KML 2.2 of descents for Google Earth (and QGIS): ground tracks at altitude, their
events and landings, the target, documented landings, Monte Carlo landing points and
landing ellipses.

Each flight is a folder with its track twice: a ``LineString`` (``altitudeMode
absolute``: every reader draws it) and, when the flight has an epoch, a ``gx:Track`` with a
``when`` per vertex, which Google Earth's time slider plays; events and the landing are
placemarks with a ``TimeStamp``. Altitudes are heights above the WGS-84 ellipsoid [m]:
KML's ``absolute`` means above mean sea level, a difference of the geoid height (tens of
metres), invisible at the scale of a descent. Written with :mod:`xml.etree.ElementTree`.
"""

import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.io.geo import (
    PALETTE,
    Ellipse,
    as_ellipse,
    event_marks,
    landing_sets,
    track_rows,
    utc_iso,
)
from sim.models.earth import GeoPoint
from sim.results.files import atomic_write
from sim.results.trajectory import LANDED, Trajectory

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"


def _k(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = KML_NS) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _abgr(color: str, alpha: int = 255) -> str:
    """KML's aabbggrr of a #rrggbb colour."""
    r, g, b = color[1:3], color[3:5], color[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()


def _coord(lon, lat, alt=None, sep=","):
    text = f"{float(lon):.6f}{sep}{float(lat):.6f}"
    return text if alt is None else f"{text}{sep}{float(alt):.1f}"


def _style(doc, sid, color, width=2.0, icon_scale=0.8, fill_alpha=None):
    st = _sub(doc, "Style")  # children in the order of the KML 2.2 schema
    st.set("id", sid)
    icon = _sub(st, "IconStyle")
    _sub(icon, "color", _abgr(color))
    _sub(icon, "scale", f"{icon_scale:g}")
    line = _sub(st, "LineStyle")
    _sub(line, "color", _abgr(color))
    _sub(line, "width", f"{width:g}")
    if fill_alpha is not None:
        poly = _sub(st, "PolyStyle")
        _sub(poly, "color", _abgr(color, fill_alpha))


def _placemark(parent, name, style=None, description=None, when=None):
    pm = _sub(parent, "Placemark")  # children in the order of the KML 2.2 schema
    _sub(pm, "name", name)
    if description:
        _sub(pm, "description", description)
    if when:
        _sub(_sub(pm, "TimeStamp"), "when", when)
    if style:
        _sub(pm, "styleUrl", f"#{style}")
    return pm


def _point(pm, lat, lon, alt=None):
    pt = _sub(pm, "Point")
    if alt is None:
        _sub(pt, "altitudeMode", "clampToGround")
        _sub(pt, "coordinates", _coord(lon, lat))
    else:
        _sub(pt, "altitudeMode", "absolute")
        _sub(pt, "coordinates", _coord(lon, lat, alt))


def _flight(doc, name, traj, style, below_altitude):
    folder = _sub(doc, "Folder")
    title = "flight" if name is None else str(name)
    _sub(folder, "name", title)
    _sub(folder, "description", f"status: {traj.status}. {traj.message}".strip())
    rows = track_rows(traj, below_altitude)
    pm = _placemark(folder, f"{title}: track", style)
    line = _sub(pm, "LineString")
    _sub(line, "altitudeMode", "absolute")
    points = zip(rows["lon"], rows["lat"], rows["altitude"], strict=True)
    _sub(line, "coordinates", " ".join(_coord(lo, la, h) for lo, la, h in points))
    if traj.epoch is not None:
        pm = _placemark(folder, f"{title}: track in time", style)
        track = _sub(pm, "Track", ns=GX_NS)
        _sub(track, "altitudeMode", "absolute")
        for t in rows["time"]:
            _sub(track, "when", utc_iso(traj.epoch, t))
        for lo, la, h in zip(rows["lon"], rows["lat"], rows["altitude"], strict=True):
            _sub(track, "coord", _coord(lo, la, h, sep=" "), ns=GX_NS)
    t = traj["time"]
    for te, label in event_marks(traj):
        i = min(int(np.searchsorted(t, te)), len(t) - 1)
        landed = label == "touchdown" and traj.status == LANDED
        pm = _placemark(folder, f"{title}: {'landing' if landed else label}", style,
                        f"t = {te:.1f} s, altitude {traj['altitude'][i] / 1e3:.2f} km",
                        utc_iso(traj.epoch, te))  # fmt: skip
        _point(pm, traj["latitude_deg"][i], traj["longitude_deg"][i], traj["altitude"][i])


def _ellipse(parent, ellipse, style):
    e = as_ellipse(ellipse)
    lat, lon = e.outline()
    desc = (
        f"semi-axes {e.semi_major_km:g} x {e.semi_minor_km:g} km, azimuth {e.azimuth_deg:g} deg"
        if e.semi_major_km
        else None
    )
    pm = _placemark(parent, f"{e.name} ellipse", style, desc)
    poly = _sub(pm, "Polygon")
    _sub(poly, "tessellate", "1")
    _sub(poly, "altitudeMode", "clampToGround")
    ring = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
    _sub(ring, "coordinates", " ".join(_coord(lo, la) for la, lo in zip(lat, lon, strict=True)))


def kml_document(
    trajectories: Trajectory | Mapping[str, Trajectory] | None = None,
    *,
    target: GeoPoint | None = None,
    documented: Mapping[str, GeoPoint] | None = None,
    landing_points: Any = None,
    ellipses: Sequence[Ellipse | Mapping] = (),
    below_altitude: float | None = None,
    name: str = "reentry-sim",
) -> ET.ElementTree:
    """A KML document of descents (arguments as :func:`sim.io.geojson.geojson_document`)."""
    ET.register_namespace("", KML_NS)
    ET.register_namespace("gx", GX_NS)
    root = ET.Element(_k("kml"))
    doc = _sub(root, "Document")
    _sub(doc, "name", name)
    if trajectories is None:
        trajs: dict = {}
    elif isinstance(trajectories, Mapping):
        trajs = dict(trajectories)
    else:
        trajs = {None: trajectories}
    for k, _ in enumerate(trajs):
        _style(doc, f"flight{k}", PALETTE[k % len(PALETTE)], width=2.5)
    _style(doc, "target", "#1a5276", icon_scale=1.2)
    _style(doc, "documented", "#922b21", icon_scale=1.1)
    _style(doc, "points", "#34495e", icon_scale=0.4)
    _style(doc, "ellipse", "#1b4f72", width=1.5, fill_alpha=40)
    for k, (flight, traj) in enumerate(trajs.items()):
        _flight(doc, flight, traj, f"flight{k}", below_altitude)
    if target is not None:
        _point(_placemark(doc, "target", "target"), target.latitude_deg, target.longitude_deg)
    for label, p in (documented or {}).items():
        _point(_placemark(doc, label, "documented"), p.latitude_deg, p.longitude_deg)
    for label, (lat, lon) in landing_sets(landing_points).items():
        folder = _sub(doc, "Folder")
        _sub(folder, "name", f"{label} ({len(lat)})")
        for i, (la, lo) in enumerate(zip(lat, lon, strict=True)):
            _point(_placemark(folder, f"{label} {i}", "points"), la, lo)
    if ellipses:
        folder = _sub(doc, "Folder")
        _sub(folder, "name", "landing ellipses")
        for e in ellipses:
            _ellipse(folder, e, "ellipse")
    tree = ET.ElementTree(root)
    ET.indent(tree, space=" ")
    return tree


def write_kml(path: str | os.PathLike, document: ET.ElementTree) -> None:
    """Write a KML document (:func:`kml_document`) atomically, UTF-8."""
    atomic_write(path, lambda f: document.write(f, encoding="utf-8", xml_declaration=True), "wb")
