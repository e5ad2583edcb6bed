"""GeoJSON and KML of descents, parsed with real parsers (json; xml.etree with the KML
namespace) and checked against RFC 7946's structure and against the trajectory; landing
ellipses against geodesics; Parquet round trips."""

import dataclasses
import json
import math
import pathlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sim.config.build import load_scenario
from sim.io.geo import (
    Ellipse,
    as_ellipse,
    split_antimeridian,
    split_ring_antimeridian,
    track_rows,
)
from sim.io.geojson import geojson_document, write_geojson
from sim.io.kml import GX_NS, KML_NS, kml_document, write_kml
from sim.models.earth import GeoPoint
from sim.models.geodesy import ellipse_points, geodesic_inverse
from sim.results.trajectory import Event, Trajectory
from sim.studies.runs import run_scenario

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "entry_small.toml"
NS = {"k": KML_NS, "gx": GX_NS}
ELLIPSES = [
    {"center_lat_deg": 50.9, "center_lon_deg": 66.8, "semi_major_km": a, "semi_minor_km": b,
     "azimuth_deg": 40.0, "probability": p}
    for a, b, p in ((10.0, 4.0, 0.5), (20.0, 8.0, 0.95), (30.0, 12.0, 0.997))
]  # fmt: skip


@pytest.fixture(scope="module")
def flights():
    return {
        "shallow": run_scenario(load_scenario(SMALL)),
        "steep": run_scenario(load_scenario(SMALL, {"initial.flight_path_angle_deg": -2.0})),
    }


def _crossing_flight():
    """A made-up track across the 180 deg meridian (westward of it to eastward)."""
    t = np.arange(0.0, 50.0, 10.0)
    lon = np.array([178.0, 179.0, -179.5, -178.0, -176.0])
    lat = np.array([10.0, 11.0, 12.0, 13.0, 14.0])
    data = {
        "time": t, "latitude_deg": lat, "longitude_deg": lon,
        "altitude": np.linspace(1e5, 0.0, t.size), "g_load": np.zeros(t.size),
    }  # fmt: skip
    epoch = datetime(2020, 1, 1, tzinfo=UTC)
    return Trajectory("landed", "", (Event(40.0, "ground", "a", 0.0),), ("a",), epoch, data)


# --- RFC 7946, structurally ---------------------------------------------------------------
def _check_position(p):
    assert isinstance(p, list) and len(p) in (2, 3), p
    assert all(isinstance(v, int | float) and math.isfinite(v) for v in p)
    assert -180.0 <= p[0] <= 180.0 and -90.0 <= p[1] <= 90.0, p


def _check_ring(ring):
    assert len(ring) >= 4 and ring[0] == ring[-1]  # a closed linear ring (3.1.6)
    for p in ring:
        _check_position(p)


def _ring_area(ring):
    x = np.array([p[0] for p in ring])
    y = np.array([p[1] for p in ring])
    return 0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])


def _check_geometry(g):
    kind, coords = g["type"], g["coordinates"]
    if kind == "Point":
        _check_position(coords)
    elif kind == "LineString":
        assert len(coords) >= 2
        for p in coords:
            _check_position(p)
    elif kind == "MultiLineString":
        for line in coords:
            _check_geometry({"type": "LineString", "coordinates": line})
    elif kind == "Polygon":
        for ring in coords:
            _check_ring(ring)
        assert _ring_area(coords[0]) > 0  # exterior counterclockwise (3.1.6)
    elif kind == "MultiPolygon":
        for poly in coords:
            _check_geometry({"type": "Polygon", "coordinates": poly})
    else:
        raise AssertionError(f"not an RFC 7946 geometry type: {kind}")
    if kind in ("LineString", "MultiLineString"):  # cut at the antimeridian (3.1.9)
        lines = [coords] if kind == "LineString" else coords
        for line in lines:
            lon = np.array([p[0] for p in line])
            assert np.all(np.abs(np.diff(lon)) <= 180.0)


def check_rfc7946(doc):
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert isinstance(doc["features"], list)
    for f in doc["features"]:
        assert f["type"] == "Feature" and "crs" not in f
        assert set(f) >= {"type", "geometry", "properties"}
        _check_geometry(f["geometry"])


# --- GeoJSON --------------------------------------------------------------------------------
def test_geojson_is_rfc7946_and_its_tracks_are_the_trajectories(flights, tmp_path):
    target = GeoPoint.from_deg(50.5, 67.0)
    doc = geojson_document(
        flights, target=target, documented={"documented": GeoPoint.from_deg(50.53, 61.1)},
        landing_points={"landing_lat_deg": [50.0, np.nan, 50.2], "landing_lon_deg": [66, 1, 67]},
        ellipses=ELLIPSES,
    )  # fmt: skip
    path = tmp_path / "tracks.geojson"
    write_geojson(path, doc)
    back = json.loads(path.read_text())  # a real parser, and the same document
    check_rfc7946(back)
    kinds = [f["properties"]["kind"] for f in back["features"]]
    assert kinds.count("track") == 2 and kinds.count("ellipse") == 3
    assert kinds.count("landing point") == 2  # the flight without a landing left out
    assert kinds.count("target") == 1 and kinds.count("documented") == 1
    assert kinds.count("landing") == 2
    for name, traj in flights.items():
        track = next(
            f for f in back["features"]
            if f["properties"]["kind"] == "track" and f["properties"]["name"] == name
        )  # fmt: skip
        rows = track_rows(traj)
        coords = np.array(track["geometry"]["coordinates"])
        assert track["geometry"]["type"] == "LineString"
        # longitude first; 6 decimals (0.11 m) and 0.1 m of altitude
        assert coords[:, 0] == pytest.approx(rows["lon"], abs=5e-7)
        assert coords[:, 1] == pytest.approx(rows["lat"], abs=5e-7)
        assert coords[:, 2] == pytest.approx(rows["altitude"], abs=0.05)
        times = track["properties"]["coordTimes"]
        assert len(times) == len(coords)
        t = [(datetime.fromisoformat(s) - traj.epoch).total_seconds() for s in times]
        assert t == pytest.approx(rows["time"], abs=5e-4)  # millisecond stamps
        landing = next(
            f for f in back["features"]
            if f["properties"]["kind"] == "landing" and f["properties"]["name"] == name
        )  # fmt: skip
        lon, lat, alt = landing["geometry"]["coordinates"]
        assert (lat, lon) == pytest.approx(
            (traj["latitude_deg"][-1], traj["longitude_deg"][-1]), abs=5e-7
        )
    target_f = next(f for f in back["features"] if f["properties"]["kind"] == "target")
    assert target_f["geometry"]["coordinates"] == [67.0, 50.5]


def test_geojson_cuts_tracks_and_ellipses_at_the_antimeridian():
    doc = geojson_document(
        {"across": _crossing_flight()},
        ellipses=[{"center_lat_deg": 0.0, "center_lon_deg": 179.9, "semi_major_km": 50,
                   "semi_minor_km": 20, "azimuth_deg": 90.0}],
    )  # fmt: skip
    check_rfc7946(doc)
    track = doc["features"][0]["geometry"]
    assert track["type"] == "MultiLineString" and len(track["coordinates"]) == 2
    west, east = track["coordinates"]
    assert west[-1][0] == 180.0 and east[0][0] == -180.0
    # the crossing, 1/1.5 of the way from 179 E to 179.5 W: 6 decimals written
    assert west[-1][1] == east[0][1] == pytest.approx(11.0 + 1.0 / 1.5, abs=5e-7)
    assert west[-1][2] == east[0][2]  # the altitude interpolated there too
    times = doc["features"][0]["properties"]["coordTimes"]
    assert [len(t) for t in times] == [3, 4]
    ellipse = next(f for f in doc["features"] if f["properties"]["kind"] == "ellipse")
    assert ellipse["geometry"]["type"] == "MultiPolygon"


def test_split_at_the_antimeridian_keeps_other_columns():
    pieces = split_antimeridian([0, 1, 2, 3], [178, 179.5, -179.5, -178], [10, 20, 30, 40])
    assert [p[0].tolist() for p in pieces] == [[178, 179.5, 180], [-180, -179.5, -178]]
    assert pieces[0][2][-1] == pieces[1][2][0] == 25.0  # halfway in longitude, halfway here
    one = split_antimeridian([0, 1], [10, 20], [5, 6])
    assert len(one) == 1 and one[0][0].tolist() == [10, 20]
    rings = split_ring_antimeridian([0, 1, 1, 0, 0], [10, 10, 11, 11, 10])
    assert len(rings) == 1


# --- KML ------------------------------------------------------------------------------------
def _coords(text):
    return np.array([[float(v) for v in c.split(",")] for c in text.split()])


def test_kml_has_tracks_at_altitude_with_time_stamps(flights, tmp_path):
    path = tmp_path / "tracks.kml"
    write_kml(path, kml_document(flights, target=GeoPoint.from_deg(50.5, 67.0),
                                 landing_points=np.array([[50.0, 66.0], [50.1, 66.2]]),
                                 ellipses=ELLIPSES))  # fmt: skip
    root = ET.parse(path).getroot()  # a real XML parser
    assert root.tag == f"{{{KML_NS}}}kml"
    doc = root.find("k:Document", NS)
    folders = {f.findtext("k:name", namespaces=NS): f for f in doc.findall("k:Folder", NS)}
    assert {"shallow", "steep", "landing points (2)", "landing ellipses"} <= set(folders)
    for name, traj in flights.items():
        rows = track_rows(traj)
        folder = folders[name]
        line = folder.find("k:Placemark/k:LineString", NS)
        assert line.findtext("k:altitudeMode", namespaces=NS) == "absolute"
        xyz = _coords(line.findtext("k:coordinates", namespaces=NS))
        assert xyz[:, 0] == pytest.approx(rows["lon"], abs=5e-7)  # longitude first
        assert xyz[:, 1] == pytest.approx(rows["lat"], abs=5e-7)
        assert xyz[:, 2] == pytest.approx(rows["altitude"], abs=0.05)
        track = folder.find("k:Placemark/gx:Track", NS)
        assert track.findtext("k:altitudeMode", namespaces=NS) == "absolute"
        whens = [w.text for w in track.findall("k:when", NS)]
        coords = [c.text.split() for c in track.findall("gx:coord", NS)]
        assert len(whens) == len(coords) == len(rows["time"])
        t = [(datetime.fromisoformat(w) - traj.epoch).total_seconds() for w in whens]
        assert t == pytest.approx(rows["time"], abs=5e-4)
        assert np.array(coords, float)[:, 2] == pytest.approx(rows["altitude"], abs=0.05)
        stamps = folder.findall("k:Placemark/k:TimeStamp/k:when", NS)
        landing = next(
            p for p in folder.findall("k:Placemark", NS)
            if p.findtext("k:name", namespaces=NS) == f"{name}: landing"
        )  # fmt: skip
        assert len(stamps) == 4  # the two canopies, the touchdown, the peak load
        when = landing.findtext("k:TimeStamp/k:when", namespaces=NS)
        late = datetime.fromisoformat(when) - (traj.epoch + timedelta(seconds=traj.events[-1].time))
        assert abs(late.total_seconds()) <= 5e-4  # stamps to the nearest millisecond
        # the schema's order in a Placemark: name, description, TimeStamp, styleUrl, geometry
        tags = [c.tag.split("}")[1] for c in landing]
        assert tags == ["name", "description", "TimeStamp", "styleUrl", "Point"]
    rings = folders["landing ellipses"].findall(".//k:LinearRing/k:coordinates", NS)
    assert len(rings) == 3
    first = _coords(rings[0].text)
    assert np.all(first[0] == first[-1])  # closed
    d, az, _ = geodesic_inverse(50.9, 66.8, first[0, 1], first[0, 0])
    assert d == pytest.approx(10e3, abs=0.1) and az == pytest.approx(40.0, abs=1e-5)


def test_kml_without_an_epoch_has_no_time_track(flights):
    undated = dataclasses.replace(flights["shallow"], epoch=None)
    root = kml_document(undated).getroot()
    assert root.find(".//gx:Track", NS) is None and root.find(".//k:TimeStamp", NS) is None
    assert root.find(".//k:LineString", NS) is not None


# --- ellipses -----------------------------------------------------------------------------
def test_ellipse_outline_is_at_its_semi_axes_on_wgs84():
    """Direct geodesics from the centre, checked with the inverse problem: the end of the
    major axis lies a km away along the azimuth, the end of the minor axis b km away at
    azimuth + 90 deg (tolerances: the inverse solver's, 1e-6 m and 1e-9 deg)."""
    lat, lon = ellipse_points(50.0, 179.0, 40.0, 15.0, 30.0, n=181)
    assert (lat[0], lon[0]) == (lat[-1], lon[-1])
    assert np.all(np.abs(np.diff(lon)) < 1.0)  # continuous across 180 deg
    for k, (dist, az) in ((0, (40e3, 30.0)), (45, (15e3, 120.0)), (90, (40e3, -150.0))):
        d, a, _ = geodesic_inverse(50.0, 179.0, lat[k], lon[k])
        assert d == pytest.approx(dist, abs=1e-6) and a == pytest.approx(az, abs=1e-9)


def test_ellipses_from_data_or_ready_outlines():
    e = as_ellipse({"lat_deg": 1.0, "lon_deg": 2.0, "semi_major_km": 3, "semi_minor_km": 1,
                    "probability": 0.997})  # fmt: skip
    assert e.name == "99.7 %" and e.azimuth_deg == 0.0
    ready = as_ellipse({"lat_deg": [0, 1, 1], "lon_deg": [0, 0, 1], "label": "zone"})
    lat, lon = ready.outline()
    assert lat.tolist() == [0, 1, 1, 0] and lon.tolist() == [0, 0, 1, 0]  # closed
    assert ready.name == "zone"
    assert as_ellipse(Ellipse(1, 2, 3, 1)) == Ellipse(1, 2, 3, 1)
    with pytest.raises(ValueError, match="centre"):
        as_ellipse({"semi_major_km": 3})
    with pytest.raises(ValueError, match="semi_minor_km"):
        as_ellipse({"lat_deg": 1.0, "lon_deg": 2.0, "semi_major_km": 3})


# --- Parquet --------------------------------------------------------------------------------
def test_parquet_round_trip(flights, tmp_path):
    pytest.importorskip("pyarrow")
    from sim.io.parquet import read_trajectory, write_trajectory

    history = {"time": [1.0, 2.0], "bank_command_deg": [60.0, -60.0], "reversals": [2.0]}
    traj = dataclasses.replace(flights["shallow"], diagnostics={"entry": history})
    path = tmp_path / "shallow.parquet"
    write_trajectory(path, traj)
    back = read_trajectory(path)
    assert back.columns == traj.columns
    for name in traj.columns:
        assert np.array_equal(back[name], traj[name])  # float64, bit for bit
    assert (back.status, back.message, back.epoch) == (traj.status, traj.message, traj.epoch)
    assert back.events == traj.events and back.phase_names == traj.phase_names
    assert back.diagnostics == {"entry": history}
    import pyarrow.parquet as pq

    field = pq.read_schema(path).field("altitude")
    assert field.metadata[b"unit"] == b"m"
