"""The graticule (meridians and parallels, labelled at the frame) and the scale bar of the
base maps (:mod:`sim.plotting.maps`)."""

import math
from typing import Any

import numpy as np

from sim.plotting.projection import normalize_extent, wrap180


def grid_steps(ax: Any, bm: Any, grid_step: Any) -> tuple:
    """The graticule steps [deg]: ``grid_step`` (one, or for longitudes and latitudes), or
    about one meridian per 0.8 inch and one parallel per 0.7 inch of map."""
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


def draw_graticule(
    ax: Any, bm: Any, steps: tuple, labels: str, fontsize: float, style: dict
) -> None:
    """Meridians and parallels every ``steps`` [deg], labelled where they meet the frame on
    the sides ``labels`` (any of "blrt"; every side for a polar map), labels kept apart."""
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
    placed: dict[str, list] = {"b": [], "t": [], "l": [], "r": []}
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


def draw_scale_bar(ax: Any, bm: Any, fontsize: float) -> None:
    """A scale bar of a round length (1, 2 or 5 x 10^k km, about a fifth of the frame) in
    the lower left corner, on a white box that town labels keep off."""
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
    background._sim_avoid_box = True  # type: ignore[attr-defined]  # town labels keep off it
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
