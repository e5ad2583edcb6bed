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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.io.geo import Ellipse, as_ellipse
from sim.plotting import mapdata
from sim.plotting.graticule import draw_graticule, draw_scale_bar, grid_steps
from sim.plotting.projection import (
    Extent,
    Projection,
    choose_projection,
    clip_lines,
    clip_polygons,
    frame,
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
        draw_graticule(ax, bm, grid_steps(ax, bm, grid_step), grid_labels, label_fontsize, st)
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
        draw_scale_bar(ax, bm, label_fontsize * 0.9)
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
