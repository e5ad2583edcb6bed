"""Map projections and clipping for the base maps (numpy only, no matplotlib).

The projections are spherical (radius :data:`R_KM`), with map coordinates in kilometres:
at the 1:50m scale of the shipped coastlines the sphere's error (under 0.5 %) is far below
what the data resolves.

- ``"lcc"``: Lambert conformal conic, standard parallels at 1/6 and 5/6 of the latitude
  span (Snyder 1987, eq. 15-1 to 15-5); for mid-latitude regions.
- ``"aeqd"``: azimuthal equidistant about the centre (Snyder 1987, eq. 25-2); near the poles.
- ``"eqc"``: equirectangular with a cos(lat0) aspect; world and equatorial maps.

Longitudes may be in any convention (-180..180, 0..360). An extent is
``(lon_min, lon_max, lat_min, lat_max)`` [deg]; ``lon_min > lon_max`` (e.g. ``(170, -170,
...)``) crosses the antimeridian, and ``(30, 390, ...)`` is a world map centred on 150 W.

References
----------
Snyder, J. P. (1987), *Map Projections: A Working Manual*, USGS Professional Paper 1395.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

#: Mean Earth radius of the map projections [km] (IUGG R1).
R_KM = 6371.0088

#: An extent (lon_min, lon_max, lat_min, lat_max) [deg].
Extent = tuple[float, float, float, float]


def wrap180(lon_deg: ArrayLike) -> np.ndarray:
    """Longitudes wrapped to [-180, 180) [deg]."""
    return (np.asarray(lon_deg, dtype=np.float64) + 180.0) % 360.0 - 180.0


@dataclass
class Projection:
    """A spherical map projection centred on longitude ``lon0``.

    Attributes
    ----------
    kind : str
        ``"lcc"``, ``"aeqd"`` or ``"eqc"``.
    lon0, lat0 : float
        Centre [deg].
    lat1, lat2 : float
        Standard parallels of ``"lcc"`` [deg].
    """

    kind: str
    lon0: float
    lat0: float
    lat1: float = 0.0
    lat2: float = 0.0
    _constants: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.kind == "lcc":
            p1, p2, p0 = (math.radians(v) for v in (self.lat1, self.lat2, self.lat0))
            if abs(p1 - p2) < 1e-9:
                n = math.sin(p1)
            else:
                n = math.log(math.cos(p1) / math.cos(p2)) / math.log(
                    math.tan(math.pi / 4 + p2 / 2) / math.tan(math.pi / 4 + p1 / 2)
                )
            f = math.cos(p1) * math.tan(math.pi / 4 + p1 / 2) ** n / n
            rho0 = R_KM * f / math.tan(math.pi / 4 + p0 / 2) ** n
            self._constants = {"n": n, "F": f, "rho0": rho0}
        elif self.kind == "eqc":
            self._constants = {"k": math.cos(math.radians(self.lat0))}
        elif self.kind != "aeqd":
            raise ValueError(f"unknown projection {self.kind!r} (lcc, aeqd or eqc)")

    @property
    def cone_constant(self) -> float:
        """The cone constant n of ``"lcc"`` (its sign says which pole the cone points to)."""
        return float(self._constants.get("n", 0.0))

    def forward(self, dlon_deg: ArrayLike, lat_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates [km] of longitudes relative to ``lon0`` and latitudes [deg].

        Relative longitudes are not wrapped: beyond +-180 deg they continue smoothly for
        ``"lcc"`` and ``"eqc"``. Points of ``"aeqd"`` within 1 deg of the antipode are NaN.
        """
        dl = np.radians(np.asarray(dlon_deg, dtype=np.float64))
        ph = np.radians(np.asarray(lat_deg, dtype=np.float64))
        if self.kind == "eqc":
            return R_KM * dl * self._constants["k"], R_KM * ph
        if self.kind == "lcc":
            c = self._constants
            ph = np.clip(ph, -np.pi / 2 + 1e-9, np.pi / 2 - 1e-9)
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                rho = R_KM * c["F"] / np.tan(np.pi / 4 + ph / 2) ** c["n"]
            theta = c["n"] * dl
            return rho * np.sin(theta), c["rho0"] - rho * np.cos(theta)
        p0 = math.radians(self.lat0)
        cos_c = np.sin(p0) * np.sin(ph) + np.cos(p0) * np.cos(ph) * np.cos(dl)
        c_ang = np.arccos(np.clip(cos_c, -1.0, 1.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(c_ang < 1e-12, 1.0, c_ang / np.sin(c_ang))
        x = R_KM * k * np.cos(ph) * np.sin(dl)
        y = R_KM * k * (np.cos(p0) * np.sin(ph) - np.sin(p0) * np.cos(ph) * np.cos(dl))
        far = c_ang > np.radians(179.0)
        return np.where(far, np.nan, x), np.where(far, np.nan, y)

    def __call__(self, lon_deg: ArrayLike, lat_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates [km] of absolute longitudes (any convention) and latitudes [deg]."""
        return self.forward(wrap180(np.asarray(lon_deg, dtype=np.float64) - self.lon0), lat_deg)


def normalize_extent(extent: Extent) -> tuple[float, float, float, float]:
    """``(lon0, lon_span, lat_min, lat_max)`` [deg] of an extent (centre longitude wrapped).

    Raises
    ------
    ValueError
        When the latitudes are not ``-90 <= lat_min < lat_max <= 90``.
    """
    lon_min, lon_max, lat_min, lat_max = (float(v) for v in extent)
    if not -90.0 <= lat_min < lat_max <= 90.0:
        raise ValueError(f"extent {extent}: latitudes -90 <= lat_min < lat_max <= 90")
    span = (lon_max - lon_min) % 360.0
    if span == 0.0:
        span = 360.0
    lon0 = float(wrap180(lon_min + span / 2))
    return lon0, span, lat_min, lat_max


def choose_projection(extent: Extent, kind: str = "auto") -> Projection:
    """The projection of a map of ``extent``.

    ``"auto"`` takes ``"aeqd"`` for a cap around a pole, ``"eqc"`` for world maps and
    regions that straddle the equator, ``"lcc"`` otherwise.
    """
    lon0, span, lat_lo, lat_hi = normalize_extent(extent)
    mid = 0.5 * (lat_lo + lat_hi)
    if kind == "auto":
        if (lat_hi >= 85 or lat_lo <= -85) and lat_hi - lat_lo <= 60:
            kind = "aeqd"
            mid = 90.0 if lat_hi >= 85 else -90.0
        elif span > 180 or lat_hi - lat_lo > 110:
            kind = "eqc"
        elif lat_lo * lat_hi > 0 and span <= 160:
            kind = "lcc"
        else:
            kind = "eqc"
    if kind == "lcc":
        d = (lat_hi - lat_lo) / 6.0
        return Projection("lcc", lon0, mid, lat_lo + d, lat_hi - d)
    if kind == "aeqd":
        return Projection("aeqd", lon0, mid)
    if kind == "eqc":
        return Projection("eqc", lon0, 0.0 if span > 180 else mid)
    raise ValueError(f"unknown projection {kind!r} (auto, lcc, aeqd or eqc)")


def frame(proj: Projection, extent: Extent) -> tuple[tuple[float, float], tuple[float, float]]:
    """``(xlim, ylim)`` [km]: the bounding box of the extent's outline once projected."""
    _, span, lat_lo, lat_hi = normalize_extent(extent)
    t = np.linspace(-span / 2, span / 2, 361)
    u = np.linspace(lat_lo, lat_hi, 181)
    dl = np.r_[t, np.full_like(u, span / 2), t[::-1], np.full_like(u, -span / 2)]
    ph = np.r_[np.full_like(t, lat_lo), u, np.full_like(t, lat_hi), u[::-1]]
    x, y = proj.forward(dl, ph)
    ok = np.isfinite(x) & np.isfinite(y)
    return (float(x[ok].min()), float(x[ok].max())), (float(y[ok].min()), float(y[ok].max()))


def window(
    proj: Projection, xlim: tuple[float, float], ylim: tuple[float, float]
) -> tuple[float, float, float, float]:
    """``(dlon_min, dlon_max, lat_min, lat_max)`` [deg, longitudes relative to lon0]: a box
    holding everything visible in the frame, with a margin (the data drawn is clipped to
    it)."""
    dl, ph = np.meshgrid(np.arange(-180.0, 180.01, 0.5), np.arange(-90.0, 90.01, 0.5))
    x, y = proj.forward(dl, ph)
    mx, my = 0.02 * (xlim[1] - xlim[0]), 0.02 * (ylim[1] - ylim[0])
    inside = (x >= xlim[0] - mx) & (x <= xlim[1] + mx) & (y >= ylim[0] - my) & (y <= ylim[1] + my)
    if not inside.any():
        return (-180.0, 180.0, -90.0, 90.0)
    d = 2.0
    box = [
        max(float(dl[inside].min()) - d, -180.0),
        min(float(dl[inside].max()) + d, 180.0),
        max(float(ph[inside].min()) - d, -90.0),
        min(float(ph[inside].max()) + d, 90.0),
    ]
    if proj.kind == "lcc":  # keep away from the cone's far pole, where rho diverges
        if proj.cone_constant > 0:
            box[2] = max(box[2], -80.0)
        else:
            box[3] = min(box[3], 80.0)
    return (box[0], box[1], box[2], box[3])


# --- clipping -----------------------------------------------------------------------------
def _clip_ring_halfplane(ring: np.ndarray, axis: int, value: float, keep_ge: bool) -> np.ndarray:
    """One Sutherland-Hodgman step: a closed ring clipped to ``ring[:, axis] >= value`` (or
    ``<=``)."""
    if len(ring) == 0:
        return ring
    s = (ring[:, axis] - value) if keep_ge else (value - ring[:, axis])
    nxt = np.roll(ring, -1, axis=0)
    s_next = np.roll(s, -1)
    inside = s >= 0
    if inside.all():
        return ring
    if not inside.any():
        return ring[:0]
    cross = inside != (s_next >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(cross, s / (s - s_next), 0.0)
    crossing = ring + t[:, None] * (nxt - ring)
    counts = inside.astype(np.int64) + cross
    start = np.cumsum(counts) - counts
    out = np.empty((int(counts.sum()), 2))
    out[start[inside]] = ring[inside]
    out[(start + inside)[cross]] = crossing[cross]
    return out


def clip_ring_box(ring: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """A closed ring (N, 2) clipped to the box ``(x0, x1, y0, y1)`` (empty when outside)."""
    x0, x1, y0, y1 = box
    for axis, value, keep_ge in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        ring = _clip_ring_halfplane(ring, axis, value, keep_ge)
        if len(ring) < 3:
            return ring[:0]
    return ring


def _shifts(xmin: float, xmax: float, box: tuple[float, float, float, float]) -> list[float]:
    """Multiples of 360 deg that bring relative longitudes [xmin, xmax] into the box."""
    return [
        k for k in (-720.0, -360.0, 0.0, 360.0, 720.0) if xmax + k >= box[0] and xmin + k <= box[1]
    ]


def clip_lines(
    xy: np.ndarray, offsets: np.ndarray, box: tuple[float, float, float, float]
) -> np.ndarray:
    """The parts of polylines inside a (relative lon, lat) box, one NaN-separated (N, 2) array.

    ``xy`` holds every line's points, ``offsets`` (M + 1) where each of the M lines starts.
    One point either side of the box is kept, so that lines run out of the frame.
    """
    out = []
    ids = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    same_prev = np.r_[False, ids[1:] == ids[:-1]]
    same_next = np.r_[ids[:-1] == ids[1:], False]
    for k in _shifts(float(xy[:, 0].min()), float(xy[:, 0].max()), box):
        x = xy[:, 0] + k
        inside = (x >= box[0]) & (x <= box[1]) & (xy[:, 1] >= box[2]) & (xy[:, 1] <= box[3])
        if not inside.any():
            continue
        keep = (
            inside
            | (np.r_[False, inside[:-1]] & same_prev)
            | (np.r_[inside[1:], False] & same_next)
        )
        idx = np.flatnonzero(keep)
        breaks = np.r_[True, (np.diff(idx) != 1) | (ids[idx[1:]] != ids[idx[:-1]])]
        pts = np.column_stack([x[idx], xy[idx, 1]])
        pts = np.insert(pts, np.flatnonzero(breaks)[1:], np.nan, axis=0)
        out.append(pts)
        out.append(np.full((1, 2), np.nan))
    return np.vstack(out) if out else np.zeros((0, 2))


def densify(ring: np.ndarray, max_step_deg: float = 0.5) -> np.ndarray:
    """A polyline with points inserted so that no segment spans more than ``max_step_deg``
    (an edge cut along a parallel must follow it once projected)."""
    if len(ring) < 2:
        return ring
    d = np.abs(np.diff(ring, axis=0)).max(axis=1)
    n = np.maximum(1, np.ceil(d / max_step_deg)).astype(np.int64)
    if (n == 1).all():
        return ring
    seg = np.repeat(np.arange(len(n)), n)
    f = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
    out = ring[seg] + f[:, None] * (ring[seg + 1] - ring[seg])
    return np.vstack([out, ring[-1:]])


def clip_polygons(
    xy: np.ndarray, offsets: np.ndarray, box: tuple[float, float, float, float]
) -> list[np.ndarray]:
    """Polygon rings clipped to a (relative lon, lat) box, densified.

    Outer rings and holes alike: holes run the other way round, so the non-zero fill rule
    leaves them empty.
    """
    rings = []
    for r in range(len(offsets) - 1):
        ring = xy[offsets[r] : offsets[r + 1]]
        if ring[:, 1].max() < box[2] or ring[:, 1].min() > box[3]:
            continue
        for k in _shifts(float(ring[:, 0].min()), float(ring[:, 0].max()), box):
            clipped = clip_ring_box(ring + [k, 0.0], box)
            if len(clipped) >= 3:
                rings.append(densify(clipped))
    return rings


def split_at_seam(lat_deg: ArrayLike, dlon_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """A polyline of relative longitudes (wrapped to +-180) broken where it jumps across
    the seam (+-180 deg from the centre): the crossing is interpolated on both sides and a
    NaN separates the pieces. Returns ``(lat, dlon)``."""
    lat = np.asarray(lat_deg, dtype=np.float64).ravel()
    dl = np.asarray(dlon_deg, dtype=np.float64).ravel()
    if len(dl) < 2:
        return lat, dl
    jumps = np.flatnonzero(np.abs(np.diff(dl)) > 180.0) + 1
    if not len(jumps):
        return lat, dl
    pieces_lon: list = []
    pieces_lat: list = []
    prev = 0
    for j in jumps:
        a, b = dl[j - 1], dl[j]
        edge = 180.0 if a > 0 else -180.0
        b_unwrapped = b + (360.0 if a > 0 else -360.0)
        f = (edge - a) / (b_unwrapped - a)
        lat_c = lat[j - 1] + f * (lat[j] - lat[j - 1])
        pieces_lon += [dl[prev:j], [edge], [np.nan], [-edge]]
        pieces_lat += [lat[prev:j], [lat_c], [np.nan], [lat_c]]
        prev = int(j)
    pieces_lon.append(dl[prev:])
    pieces_lat.append(lat[prev:])
    return np.concatenate(pieces_lat), np.concatenate(pieces_lon)
