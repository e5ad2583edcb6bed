"""Geometry of the map exports and figures: landing ellipses and their outlines, ground
tracks split at the antimeridian.

A landing ellipse is data (:class:`Ellipse`: centre, semi-axes [km], azimuth of the major
axis [deg]); its outline is the plane ellipse of the local east-north frame carried onto the
WGS-84 ellipsoid by geodesics from the centre (each point at its distance and bearing from
the centre: the azimuthal equidistant map of the ellipse).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.models.geodesy import ellipse_points
from sim.results.trajectory import Trajectory

#: The colours of the scenarios, by position (Okabe and Ito's; yellow left out, too pale on
#: white): the figures' lines and the KML tracks.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_CENTRE_LAT = ("center_lat_deg", "centre_lat_deg", "lat_deg", "latitude_deg")
_CENTRE_LON = ("center_lon_deg", "centre_lon_deg", "lon_deg", "longitude_deg")


@dataclass(frozen=True)
class Ellipse:
    """A landing ellipse, or a ready outline.

    Attributes
    ----------
    lat_deg, lon_deg : float
        Centre [deg].
    semi_major_km, semi_minor_km : float
        Semi-axes [km] (zero for a ready outline).
    azimuth_deg : float
        Azimuth of the major axis [deg, clockwise from north].
    probability : float or None
        Probability of a landing inside it [-] (e.g. 0.5, 0.95, 0.997).
    label : str
        For legends and exports; by default from the probability ("95 %").
    outline_lat_deg, outline_lon_deg : tuple of float
        A ready outline [deg] (empty: computed from the semi-axes).
    """

    lat_deg: float
    lon_deg: float
    semi_major_km: float = 0.0
    semi_minor_km: float = 0.0
    azimuth_deg: float = 0.0
    probability: float | None = None
    label: str = ""
    outline_lat_deg: tuple = ()
    outline_lon_deg: tuple = ()

    @property
    def name(self) -> str:
        """The label, else the probability in percent ("99.7 %"), else "ellipse"."""
        if self.label:
            return self.label
        if self.probability is not None:
            return f"{100.0 * self.probability:g} %"
        return "ellipse"

    def outline(self, n: int = 181) -> tuple[np.ndarray, np.ndarray]:
        """``(lat, lon)`` [deg] of the closed outline (first point repeated at the end)."""
        if self.outline_lat_deg:
            lat = np.asarray(self.outline_lat_deg, dtype=float)
            lon = np.asarray(self.outline_lon_deg, dtype=float)
            if lat[0] != lat[-1] or lon[0] != lon[-1]:
                lat, lon = np.r_[lat, lat[:1]], np.r_[lon, lon[:1]]
            return lat, lon
        return ellipse_points(
            self.lat_deg,
            self.lon_deg,
            self.semi_major_km,
            self.semi_minor_km,
            self.azimuth_deg,
            n,
        )


def as_ellipse(item: Any) -> Ellipse:
    """An :class:`Ellipse` from an Ellipse, or a mapping with the centre
    (``center_lat_deg``/``lat_deg``/``latitude_deg`` and the ``lon`` likes),
    ``semi_major_km``, ``semi_minor_km``, ``azimuth_deg`` and optionally ``probability``
    and ``label``; or a ready outline: ``lat_deg`` and ``lon_deg`` arrays.

    Raises
    ------
    ValueError
        When the mapping lacks a centre or its semi-axes.
    """
    if isinstance(item, Ellipse):
        return item
    if not isinstance(item, Mapping):
        raise ValueError(f"an ellipse (Ellipse or mapping), not {type(item).__name__}")
    label = str(item.get("label", ""))
    prob = item.get("probability")
    prob = None if prob is None else float(prob)
    lat = next((item[k] for k in _CENTRE_LAT if k in item), None)
    lon = next((item[k] for k in _CENTRE_LON if k in item), None)
    if lat is None or lon is None:
        raise ValueError("an ellipse needs its centre: center_lat_deg and center_lon_deg")
    if np.ndim(lat) == 1:  # a ready outline
        lat_a = np.asarray(lat, dtype=float)
        lon_a = np.asarray(lon, dtype=float)
        return Ellipse(
            float(lat_a.mean()),
            float(lon_a.mean()),
            probability=prob,
            label=label,
            outline_lat_deg=tuple(lat_a),
            outline_lon_deg=tuple(lon_a),
        )
    try:
        return Ellipse(
            float(lat),
            float(lon),
            float(item["semi_major_km"]),
            float(item["semi_minor_km"]),
            float(item.get("azimuth_deg", 0.0)),
            prob,
            label,
        )
    except KeyError as exc:
        raise ValueError(f"an ellipse needs {exc.args[0]}") from None


def split_antimeridian(
    lat_deg: ArrayLike, lon_deg: ArrayLike, *columns: ArrayLike
) -> list[tuple[np.ndarray, ...]]:
    """A polyline as pieces that do not cross the 180 deg meridian (RFC 7946, 3.1.9).

    Longitudes are wrapped to [-180, 180]; where a step jumps by more than 180 deg the line
    is cut at the meridian, with the crossing (its latitude and any further ``columns``,
    e.g. altitude or time) interpolated linearly and put at the end of one piece and the
    start of the next.

    Returns
    -------
    list of tuple of ndarray
        Per piece ``(lon, lat, *columns)``.
    """
    lat = np.asarray(lat_deg, dtype=float).ravel()
    lon = (np.asarray(lon_deg, dtype=float).ravel() + 180.0) % 360.0 - 180.0
    cols = [np.asarray(c, dtype=float).ravel() for c in columns]
    table = np.column_stack([lon, lat, *cols]) if len(lat) else np.zeros((0, 2 + len(cols)))
    pieces = []
    start = 0
    head = table[:0]
    for j in np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1:
        a, b = lon[j - 1], lon[j]
        edge = 180.0 if a > 0 else -180.0
        f = (edge - a) / (b + (360.0 if a > 0 else -360.0) - a)
        crossing = table[j - 1] + f * (table[j] - table[j - 1])
        crossing[0] = edge
        pieces.append(np.vstack([head, table[start:j], crossing]))
        head = crossing[None, :].copy()
        head[0, 0] = -edge
        start = int(j)
    pieces.append(np.vstack([head, table[start:]]))
    return [tuple(piece.T) for piece in pieces]


def landing_sets(landing_points: Any) -> dict:
    """Label -> (lat, lon) [deg] arrays, from a table with ``landing_lat_deg`` and
    ``landing_lon_deg`` columns, an (N, 2) array of (lat, lon), or a mapping label -> any
    of these."""
    if landing_points is None:
        return {}
    if _is_table(landing_points) or not isinstance(landing_points, Mapping):
        return {"landing points": _latlon(landing_points)}
    return {str(label): _latlon(v) for label, v in landing_points.items()}


def _is_table(obj):
    keys = obj.columns if hasattr(obj, "columns") else obj if isinstance(obj, Mapping) else ()
    return "landing_lat_deg" in keys and "landing_lon_deg" in keys


def _latlon(obj):
    if _is_table(obj):
        lat, lon = obj["landing_lat_deg"], obj["landing_lon_deg"]
    else:
        arr = np.asarray(obj, dtype=float).reshape(-1, 2)
        lat, lon = arr[:, 0], arr[:, 1]
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)  # flights that did not land have none
    return lat[ok], lon[ok]


def track_rows(traj: Trajectory, below_altitude: float | None = None) -> dict:
    """The rows of a ground track for export: ``time`` [s], ``lat``, ``lon`` [deg],
    ``altitude`` [m], without the repeated row of each phase change, from the first row
    below ``below_altitude`` [m] on (None: all)."""
    t = traj["time"]
    keep = np.r_[True, np.diff(t) > 0]
    if below_altitude is not None:
        below = np.flatnonzero(traj["altitude"] < below_altitude)
        first = below[0] if below.size else len(t)
        keep &= np.arange(len(t)) >= first
    return {
        "time": t[keep],
        "lat": traj["latitude_deg"][keep],
        "lon": traj["longitude_deg"][keep],
        "altitude": traj["altitude"][keep],
    }


def utc_iso(epoch: datetime | None, t: float) -> str | None:
    """ISO 8601 UTC of ``t`` [s] after ``epoch`` (None without an epoch), to the nearest
    millisecond."""
    if epoch is None:
        return None
    when = (epoch + timedelta(milliseconds=round(1e3 * float(t)))).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def event_marks(traj: Trajectory, with_peak: bool = True) -> list[tuple[float, str]]:
    """``(time [s], label)`` of the events of a flight, in time order: each phase change
    labelled with the phase that begins ("→ drogue"), the touchdown, any other entry of
    the event log under its own name (e.g. "time limit") and the peak sensed load
    ("peak 9.0 g": the engine's, refined between steps, when the trajectory has it in
    ``peaks``; else the largest stored row)."""
    names = list(traj.phase_names)
    marks = []
    for e in traj.events:
        k = names.index(e.phase) if e.phase in names else -1
        nxt = names[k + 1] if 0 <= k < len(names) - 1 else None
        if e.name == "ground":
            marks.append((e.time, "touchdown"))
        elif e.name.startswith("end of ") and nxt is not None:
            marks.append((e.time, f"→ {nxt}"))
        else:
            marks.append((e.time, e.name))
    peaks = traj.peaks or {}
    if with_peak and peaks.get("peak_g_time") is not None and peaks["peak_g"] > 0:
        # the engine's peak, refined between the stored steps
        marks.append((float(peaks["peak_g_time"]), f"peak {peaks['peak_g']:.1f} g"))
    elif with_peak and len(traj) and "g_load" in traj.data:
        i = int(np.argmax(traj["g_load"]))
        marks.append((float(traj["time"][i]), f"peak {traj['g_load'][i]:.1f} g"))
    return sorted(marks)


def _clip_halfplane(ring: np.ndarray, lon: float, keep_below: bool) -> np.ndarray:
    """A closed ring of [lon, lat] clipped to lon <= ``lon`` (or >=): Sutherland-Hodgman."""
    s = (lon - ring[:, 0]) if keep_below else (ring[:, 0] - lon)
    out = []
    for k in range(len(ring) - 1):
        a, b, sa, sb = ring[k], ring[k + 1], s[k], s[k + 1]
        if sa >= 0:
            out.append(a)
        if (sa >= 0) != (sb >= 0):
            out.append(a + sa / (sa - sb) * (b - a))
    if out:
        out.append(out[0])
    return np.array(out)


def split_ring_antimeridian(lat_deg: ArrayLike, lon_deg: ArrayLike) -> list[np.ndarray]:
    """A closed outline as rings of [lon, lat] [deg] within [-180, 180] (RFC 7946, 3.1.9):
    one ring, or two cut along the 180 deg meridian when it crosses it."""
    lat = np.asarray(lat_deg, dtype=float).ravel()
    lon = np.asarray(lon_deg, dtype=float).ravel()
    lon = lon[0] + np.r_[0.0, np.cumsum((np.diff(lon) + 180.0) % 360.0 - 180.0)]
    shift = 360.0 * np.floor((lon.mean() + 180.0) / 360.0)
    ring = np.column_stack([lon - shift, lat])
    if ring[:, 0].max() <= 180.0 and ring[:, 0].min() >= -180.0:
        return [ring]
    edge = 180.0 if ring[:, 0].max() > 180.0 else -180.0
    inner = _clip_halfplane(ring, edge, keep_below=edge > 0)
    outer = _clip_halfplane(ring, edge, keep_below=edge < 0)
    outer[:, 0] -= 360.0 if edge > 0 else -360.0
    return [r for r in (inner, outer) if len(r) >= 4]
