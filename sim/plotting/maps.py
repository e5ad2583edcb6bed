"""Base maps for ground tracks with plain matplotlib: land and water, coastlines, lakes,
rivers, country borders, towns whose labels never overlap, a graticule, a scale bar.

The geometry is Natural Earth 1:50m and 1:110m (public domain) and the towns GeoNames
(CC BY 4.0), shipped in ``sim/data/maps`` (:mod:`sim.plotting.mapdata`); nothing is
downloaded. Projections (:mod:`sim.plotting.projection`) are spherical, in km, with an equal
aspect so that a map is never stretched. Every map carries the attribution of its data.

::

    fig, ax, bm = new_map((36, 88, 33, 56), title="...")     # a figure sized to the map
    bm = draw_basemap(ax, (36, 88, 33, 56))                   # or on existing axes
    plot_track(ax, lat_deg, lon_deg, label="ballistic")
    plot_point(ax, 50.97, 66.9, text="target")
    plot_ellipse(ax, Ellipse(50.97, 66.9, 130.0, 35.0, 52.0, probability=0.997))

matplotlib is imported when a map is drawn, not with this module.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.io.geo import Ellipse, as_ellipse
from sim.plotting import mapdata
from sim.plotting.projection import (
    Extent,
    Projection,
    choose_projection,
    clip_lines,
    clip_polygons,
    frame,
    normalize_extent,
    split_at_seam,
    window,
    wrap180,
)
from sim.plotting.towns import town_layer

#: Colours of the base map (override any with ``style=``).
STYLE = {
    "water": "#d6e6f2",
    "land": "#f5f2ea",
    "coast": "#4f6f86",
    "lake_edge": "#4f6f86",
    "river": "#93b7d4",
    "border": "#8c8c8c",
    "grid": "#8797a3",
    "town": "#2b2b2b",
    "label": "#1f1f1f",
}


@dataclass
class Basemap:
    """What :func:`draw_basemap` drew: its projection and frame, and the towns layer.

    Attributes
    ----------
    ax : matplotlib Axes
    proj : Projection
    extent : tuple
        (lon_min, lon_max, lat_min, lat_max) [deg] as asked.
    window : tuple
        (dlon_min, dlon_max, lat_min, lat_max) [deg, relative to the centre] of the data.
    xlim, ylim : tuple
        The frame [km].
    resolution : str
        ``"50m"`` or ``"110m"``.
    towns : artist or None
        Its ``placed`` lists the towns labelled at the last draw.
    """

    ax: Any
    proj: Projection
    extent: tuple
    window: tuple
    xlim: tuple
    ylim: tuple
    resolution: str
    towns: Any = None

    def project(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates [km] of latitudes and longitudes [deg]."""
        return self.proj(lon_deg, lat_deg)

    def project_line(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates [km] of a polyline, broken (NaN) where it crosses the map's seam."""
        dl = wrap180(np.asarray(lon_deg, dtype=np.float64).ravel() - self.proj.lon0)
        lat, dl = split_at_seam(lat_deg, dl)
        return self.proj.forward(dl, lat)


def basemap_of(ax: Any) -> Basemap:
    """The :class:`Basemap` drawn on ``ax``.

    Raises
    ------
    ValueError
        When ``ax`` has no base map.
    """
    bm = getattr(ax, "_sim_basemap", None)
    if bm is None:
        raise ValueError("these axes have no base map: call draw_basemap(ax, extent) first")
    return bm


def draw_basemap(
    ax: Any,
    extent: Extent = (20.0, 100.0, 25.0, 65.0),
    *,
    projection: str = "auto",
    resolution: str = "auto",
    land: bool = True,
    lakes: bool = True,
    rivers: bool = True,
    borders: bool = True,
    coastlines: bool = True,
    graticule: bool = True,
    grid_step: float | tuple[float, float] | None = None,
    grid_labels: str = "bl",
    towns: bool = True,
    max_towns: int = 30,
    min_pclass: int = 5,
    priority_towns: Sequence[str] = (),
    prefer_countries: Sequence[str] = (),
    town_fontsize: float = 7.5,
    label_fontsize: float = 8.0,
    scale_bar: bool = True,
    attribution: bool = True,
    style: dict | None = None,
) -> Basemap:
    """Draw a base map on ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
    extent : tuple
        (lon_min, lon_max, lat_min, lat_max) [deg]; ``lon_min > lon_max`` crosses the
        antimeridian. The frame is the bounding box of this box once projected.
    projection : str
        ``"auto"``, ``"lcc"``, ``"aeqd"`` or ``"eqc"``.
    resolution : str
        ``"auto"`` (1:50m unless the frame spans over 9,000 km), ``"50m"`` or ``"110m"``.
    land, lakes, rivers, borders, coastlines, graticule : bool
        Layers.
    grid_step : float or (float, float) or None
        Graticule step [deg] (one, or for longitudes and latitudes); None: about one line
        per 0.8 inch.
    grid_labels : str
        Sides labelled: any of ``"blrt"``.
    towns : bool
        Draw towns (largest first, labels that overlap nothing).
    max_towns : int
        Most towns labelled.
    min_pclass : int
        Smallest size class drawn (1: 1 M people and more ... 5: fewer than 30 k).
    priority_towns : sequence of str
        Names drawn first whatever their size (e.g. ``("Arkalyk",)``).
    prefer_countries : sequence of str
        ISO codes whose towns rank 1.5 size classes higher.
    town_fontsize, label_fontsize : float
        [pt].
    scale_bar, attribution : bool
        A scale bar (lower left), the data's attribution (lower right).
    style : dict or None
        Colours overriding :data:`STYLE`.
    """
    from matplotlib.patches import PathPatch

    st = dict(STYLE, **(style or {}))
    proj = choose_projection(extent, projection)
    xlim, ylim = frame(proj, extent)
    box = window(proj, xlim, ylim)
    if resolution == "auto":
        resolution = "50m" if max(xlim[1] - xlim[0], ylim[1] - ylim[0]) < 9000 else "110m"
    bm = Basemap(ax, proj, tuple(extent), box, xlim, ylim, resolution)
    ax._sim_basemap = bm
    ax.set_facecolor(st["water"])
    shift = np.array([proj.lon0, 0.0])
    for name, on, face, edge, z in (
        ("land", land, st["land"], "none", 1.0),
        ("lakes", lakes, st["water"], st["lake_edge"], 1.1),
    ):
        if on:
            xy, offsets = mapdata.layer(name, resolution)
            path = _rings_to_path(clip_polygons(xy - shift, offsets, box), proj)
            if path is not None:
                ax.add_patch(PathPatch(path, facecolor=face, edgecolor=edge, lw=0.45, zorder=z))
    if graticule:
        _draw_graticule(ax, bm, _grid_steps(ax, bm, grid_step), grid_labels, label_fontsize, st)
    for name, on, color, z in (
        ("rivers", rivers, st["river"], 1.2),
        ("borders", borders, st["border"], 1.3),
        ("coast", coastlines, st["coast"], 1.4),
    ):
        if not on:
            continue
        xy, offsets = mapdata.layer(name, resolution)
        pts = clip_lines(xy - shift, offsets, box)
        if len(pts):
            x, y = proj.forward(pts[:, 0], pts[:, 1])
            kw: dict = {"color": color, "lw": 0.6, "zorder": z, "solid_joinstyle": "round"}
            if name == "borders":
                kw.update(ls=(0, (4, 1.5)), lw=0.55)
            elif name == "rivers":
                kw.update(lw=0.5)
            ax.plot(x, y, **kw)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#444444")
        spine.set_zorder(7)
    if scale_bar and (proj.kind != "eqc" or xlim[1] - xlim[0] < 6000):
        _scale_bar(ax, bm, label_fontsize * 0.9)
    if attribution:
        text = mapdata.ATTRIBUTION_NATURAL_EARTH
        if towns:
            text += " " + mapdata.ATTRIBUTION_GEONAMES
        ax.text(
            0.995,
            0.005,
            text,
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=5.5,
            color="#444444",
            zorder=6.5,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.0},
        )
    if towns:
        bm.towns = _towns(
            ax, bm, max_towns, min_pclass, priority_towns, prefer_countries, town_fontsize, st
        )
    return bm


def _towns(ax, bm, max_towns, min_pclass, priority_towns, prefer_countries, fontsize, st):
    t = mapdata.load_towns()
    x, y = bm.proj(t["lon"], t["lat"])
    (x0, x1), (y0, y1) = bm.xlim, bm.ylim
    in_frame = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    priority = np.isin(t["name"], list(priority_towns))
    idx = np.flatnonzero(in_frame & ((t["pclass"] <= min_pclass) | priority))
    # priority towns first, then capitals and the larger, preferred countries up
    preferred = np.isin(t["country"], list(prefer_countries))
    rank = t["pclass"] - 0.5 * t["capital"] - 1.5 * preferred
    order = sorted(idx, key=lambda i: (not priority[i], rank[i], -t["population"][i]))
    layer = town_layer(
        np.array(order, dtype=int),
        x,
        y,
        t,
        max_towns,
        fontsize,
        st,
        set(np.flatnonzero(priority).tolist()),
    )
    ax.add_artist(layer)
    return layer


def _grid_steps(ax, bm, grid_step):
    if grid_step is not None:
        return (grid_step, grid_step) if np.isscalar(grid_step) else tuple(grid_step)
    lon_span = normalize_extent(bm.extent)[1]
    lat_span = bm.extent[3] - bm.extent[2]
    fw, fh = ax.figure.get_size_inches()
    pos = ax.get_position()
    aspect = (bm.ylim[1] - bm.ylim[0]) / (bm.xlim[1] - bm.xlim[0])
    w_in = min(pos.width * fw, pos.height * fh / aspect)
    h_in = w_in * aspect
    return (
        _nice_step(lon_span, 1.25 * min(max(w_in / 0.8, 3), 11)),
        _nice_step(lat_span, 1.25 * min(max(h_in / 0.7, 3), 8)),
    )


def _nice_step(span_deg, target):
    for s in (0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 90):
        if span_deg / s <= target:
            return s
    return 90.0


def _fmt_lon(lon, step):
    lon = float(wrap180(lon))
    if abs(abs(lon) - 180.0) < 1e-9:
        return "180°"
    if abs(lon) < 1e-9:
        return "0°"
    v = f"{abs(lon):.0f}" if step >= 1 else f"{abs(lon):g}"
    return f"{v}°{'E' if lon > 0 else 'W'}"


def _fmt_lat(lat, step):
    if abs(lat) < 1e-9:
        return "0°"
    v = f"{abs(lat):.0f}" if step >= 1 else f"{abs(lat):g}"
    return f"{v}°{'N' if lat > 0 else 'S'}"


def _crossings(x, y, axis, value, lo, hi):
    """The other coordinate where a polyline crosses ``coordinate[axis] == value``, within
    [lo, hi]."""
    a, b = (x, y) if axis == 0 else (y, x)
    s = a - value
    ok = np.isfinite(s[:-1]) & np.isfinite(s[1:]) & (np.sign(s[:-1]) != np.sign(s[1:]))
    i = np.flatnonzero(ok)
    c = b[i] + s[i] / (s[i] - s[i + 1]) * (b[i + 1] - b[i])
    return c[(c >= lo) & (c <= hi)]


def _draw_graticule(ax, bm, steps, labels, fontsize, style):
    from matplotlib import patheffects
    from matplotlib.transforms import offset_copy

    box, proj = bm.window, bm.proj
    (x0, x1), (y0, y1) = bm.xlim, bm.ylim
    line_kw = {"color": style["grid"], "lw": 0.45, "alpha": 0.7, "zorder": 1.15}
    lon0 = proj.lon0
    lon_step, lat_step = steps
    meridians = np.arange(
        math.ceil((lon0 + box[0]) / lon_step) * lon_step, lon0 + box[1] + 1e-9, lon_step
    )
    parallels = np.arange(math.ceil(box[2] / lat_step) * lat_step, box[3] + 1e-9, lat_step)
    polar = proj.kind == "aeqd" and abs(proj.lat0) == 90.0
    if polar:
        parallels = parallels[np.abs(parallels) < 90.0]
        labels = "blrt"
    lat_hi = min(box[3], 89.0 if proj.kind != "eqc" else 90.0)
    lat_lo = max(box[2], -89.0 if proj.kind != "eqc" else -90.0)
    text_kw = {"fontsize": fontsize, "color": "#333333", "clip_on": False, "zorder": 5}
    placed = {"b": [], "t": [], "l": [], "r": []}
    gap = {"b": 0.045 * (x1 - x0), "t": 0.045 * (x1 - x0), "l": 0.03 * (y1 - y0)}
    gap["r"] = gap["l"]
    where = {
        "b": ((0, -3), "center", "top"),
        "t": ((0, 3), "center", "bottom"),
        "l": ((-3, 0), "right", "center"),
        "r": ((3, 0), "left", "center"),
    }

    def put(side, pos, text):
        if any(abs(pos - p) < gap[side] for p in placed[side]):
            return
        placed[side].append(pos)
        (dx, dy), ha, va = where[side]
        tr = offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points")
        xy = {"b": (pos, y0), "t": (pos, y1), "l": (x0, pos), "r": (x1, pos)}[side]
        ax.text(*xy, text, transform=tr, ha=ha, va=va, **text_kw)

    if polar:  # meridians labelled on every side, parallels along lon0
        for lat in parallels:
            x, y = proj.forward(0.0, lat)
            if x0 < x < x1 and y0 < y < y1:
                t = ax.text(
                    x,
                    y,
                    " " + _fmt_lat(lat, lat_step),
                    ha="left",
                    va="bottom",
                    fontsize=fontsize * 0.9,
                    color="#333333",
                    zorder=1.5,
                    clip_on=True,
                )
                t.set_path_effects([patheffects.withStroke(linewidth=2, foreground="white")])
    for lon in meridians:
        ph = np.linspace(lat_lo, lat_hi, 400)
        x, y = proj.forward(np.full_like(ph, lon - lon0), ph)
        ax.plot(x, y, **line_kw)
        for side in "bt" + ("lr" if polar else ""):
            if side in labels:
                axis, value = (1, y0 if side == "b" else y1) if side in "bt" else (0, x0)
                if side == "r":
                    value = x1
                lo, hi = (x0, x1) if side in "bt" else (y0, y1)
                for c in _crossings(x, y, axis, value, lo, hi):
                    put(side, c, _fmt_lon(lon, lon_step))
    for lat in parallels:
        dl = np.linspace(box[0], box[1], 721)
        x, y = proj.forward(dl, np.full_like(dl, lat))
        ax.plot(x, y, **line_kw)
        if polar:
            continue
        for side in "lr":
            if side in labels:
                for c in _crossings(x, y, 0, x0 if side == "l" else x1, y0, y1):
                    put(side, c, _fmt_lat(lat, lat_step))


def _rings_to_path(rings, proj):
    from matplotlib.path import Path

    verts, codes = [], []
    for ring in rings:
        x, y = proj.forward(ring[:, 0], ring[:, 1])
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3:
            continue
        v = np.column_stack([x[ok], y[ok]])
        c = np.full(len(v), Path.LINETO, dtype=np.uint8)
        c[0] = Path.MOVETO
        verts += [v, v[:1]]
        codes += [c, np.array([Path.CLOSEPOLY], dtype=np.uint8)]
    if not verts:
        return None
    return Path(np.vstack(verts), np.concatenate(codes))


def _scale_bar(ax, bm, fontsize):
    from matplotlib.patches import Rectangle

    (x0, x1), (y0, y1) = bm.xlim, bm.ylim
    w, h = x1 - x0, y1 - y0
    target = 0.2 * w
    mag = 10 ** math.floor(math.log10(target))
    length = max(m * mag for m in (1, 2, 5) if m * mag <= target)
    bx, by = x0 + 0.03 * w, y0 + 0.035 * h
    bar = 0.008 * h
    background = Rectangle(
        (bx - 0.012 * w, by - 0.02 * h),
        length + 0.024 * w,
        0.075 * h,
        facecolor="white",
        alpha=0.75,
        edgecolor="none",
        zorder=6,
    )
    background._sim_avoid_box = True  # town labels keep off it
    ax.add_patch(background)
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                bar,
                zorder=6.1,
                facecolor="#333333" if i % 2 == 0 else "white",
                edgecolor="#333333",
                lw=0.6,
            )
        )
    ax.text(
        bx + length / 2,
        by + 2.2 * bar,
        f"{length:g} km",
        ha="center",
        va="bottom",
        fontsize=fontsize,
        color="#333333",
        zorder=6.2,
    )


# --- what goes on a map -------------------------------------------------------------------
def plot_track(
    ax: Any,
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    *,
    color: str = "#c0392b",
    lw: float = 1.6,
    label: str | None = None,
    start_marker: str | None = None,
    end_marker: str | None = "o",
    **kw: Any,
) -> Any:
    """Draw a ground track [deg] on a base map (split at the map's seam); returns the line.

    Other keywords go to ``ax.plot`` (``ls``, ``marker``, ``markevery``...).
    """
    bm = basemap_of(ax)
    x, y = bm.project_line(lat_deg, lon_deg)
    zorder = kw.pop("zorder", 3)
    (line,) = ax.plot(
        x, y, color=color, lw=lw, label=label, zorder=zorder, solid_capstyle="round", **kw
    )
    line._sim_avoid = True
    lat = np.asarray(lat_deg, dtype=float).ravel()
    lon = np.asarray(lon_deg, dtype=float).ravel()
    for marker, j in ((start_marker, 0), (end_marker, -1)):
        if marker and len(lat):
            px, py = bm.project(lat[j], lon[j])
            (dot,) = ax.plot(
                [px],
                [py],
                ls="none",
                marker=marker,
                ms=5,
                color=color,
                mec="white",
                mew=0.7,
                zorder=zorder + 0.1,
            )
            dot._sim_avoid = True
    return line


def plot_point(
    ax: Any,
    lat_deg: float,
    lon_deg: float,
    *,
    marker: str = "*",
    color: str = "#1a5276",
    ms: float = 12,
    text: str | None = None,
    text_offset: tuple[float, float] = (6, 6),
    fontsize: float = 8.5,
    label: str | None = None,
    **kw: Any,
) -> Any:
    """Mark one place [deg] (a target, a documented landing), with an optional text beside
    it [offset in points]; returns the marker line."""
    from matplotlib import patheffects

    bm = basemap_of(ax)
    x, y = bm.project(lat_deg, lon_deg)
    (pt,) = ax.plot(
        [x],
        [y],
        ls="none",
        marker=marker,
        ms=ms,
        color=color,
        mec="white",
        mew=0.8,
        zorder=kw.pop("zorder", 3.5),
        label=label,
        **kw,
    )
    pt._sim_avoid = True
    if text:
        t = ax.annotate(
            text,
            (float(x), float(y)),
            xytext=text_offset,
            textcoords="offset points",
            fontsize=fontsize,
            color=color,
            fontweight="bold",
            zorder=3.6,
            ha="left" if text_offset[0] >= 0 else "right",
            va="bottom" if text_offset[1] >= 0 else "top",
        )
        t.set_path_effects([patheffects.withStroke(linewidth=2.5, foreground="white")])
    return pt


def plot_ellipse(
    ax: Any,
    ellipse: Ellipse | dict,
    *,
    color: str = "#1a5276",
    lw: float = 1.2,
    fill_alpha: float = 0.1,
    label: str | None = None,
    **kw: Any,
) -> Any:
    """Draw a landing ellipse (:class:`sim.io.geo.Ellipse` or its mapping, see
    :func:`sim.io.geo.as_ellipse`) on a base map; returns the outline's line."""
    from matplotlib.patches import Polygon

    bm = basemap_of(ax)
    lat, lon = as_ellipse(ellipse).outline()
    x, y = bm.project_line(lat, lon)
    (line,) = ax.plot(x, y, color=color, lw=lw, zorder=kw.pop("zorder", 3.2), label=label, **kw)
    line._sim_avoid = True
    if fill_alpha:
        ok = np.isfinite(x)
        ax.add_patch(
            Polygon(
                np.column_stack([x[ok], y[ok]]),
                closed=True,
                facecolor=color,
                alpha=fill_alpha,
                edgecolor="none",
                zorder=3.15,
            )
        )
    return line


def new_map(
    extent: Extent,
    width: float = 9.0,
    dpi: float = 150,
    projection: str = "auto",
    title: str | None = None,
    **kw: Any,
) -> tuple[Any, Any, Basemap]:
    """A figure whose shape matches the map's frame, with its base map.

    ``width`` [in]; other keywords go to :func:`draw_basemap`. Returns ``(figure, axes,
    basemap)``.
    """
    import matplotlib.pyplot as plt

    proj = choose_projection(extent, projection)
    (x0, x1), (y0, y1) = frame(proj, extent)
    aspect = (y1 - y0) / (x1 - x0)
    labels = kw.get("grid_labels", "bl")
    if proj.kind == "aeqd" and abs(proj.lat0) == 90.0:
        labels = "blrt"
    ml = 0.6 if "l" in labels else 0.2
    mr = 0.6 if "r" in labels else 0.2
    mb = 0.4 if "b" in labels else 0.2
    mt = (0.25 if "t" in labels else 0.12) + (0.3 if title else 0.0)
    w_ax = width - ml - mr
    h = w_ax * aspect + mb + mt
    fig = plt.figure(figsize=(width, h), dpi=dpi)
    ax = fig.add_axes((ml / width, mb / h, w_ax / width, (h - mb - mt) / h))
    bm = draw_basemap(ax, extent, projection=projection, **kw)
    if title:
        ax.set_title(title, fontsize=11, pad=20 if "t" in labels else 8)
    return fig, ax, bm
