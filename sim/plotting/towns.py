"""Town dots and labels placed at draw time, never overlapping (a matplotlib artist).

Placement is greedy: towns in rank order (priority towns, then the larger and capitals),
each label tried in eight positions around its dot. A label is placed where it overlaps no
other label or dot, no line or marker flagged ``_sim_avoid`` (tracks, ellipses, points
drawn by :mod:`sim.plotting.maps`), no text on the axes, no patch flagged
``_sim_avoid_box`` (the scale bar) and not the legend; a town whose label fits nowhere is
left out, dot and label. Since placement happens at draw time, what is drawn after the
base map is avoided too.
"""

import functools
import math
from typing import Any

import numpy as np

# Label positions around the dot: (dx, dy) multipliers of the gap, alignment.
_POSITIONS = (
    (1, 0.15, "left", "bottom"),
    (1, -0.15, "left", "top"),
    (-1, 0.15, "right", "bottom"),
    (-1, -0.15, "right", "top"),
    (0, 1, "center", "bottom"),
    (0, -1, "center", "top"),
    (1, 0, "left", "center"),
    (-1, 0, "right", "center"),
)


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def town_layer(
    order: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    towns: dict,
    max_towns: int,
    fontsize: float,
    style: dict,
    priority: set,
) -> Any:
    """The town artist: ``order`` indexes the towns table in rank order, ``x, y`` are the
    towns' map coordinates [km]; add it with ``ax.add_artist``. After a draw, its
    ``placed`` holds the names labelled and ``label_boxes`` their boxes (display pixels)."""
    return _town_layer_class()(order, x, y, towns, max_towns, fontsize, style, priority)


@functools.cache
def _town_layer_class() -> type:
    """The artist class, built on first use (so that importing this module does not import
    matplotlib)."""
    from matplotlib import patheffects
    from matplotlib.artist import Artist
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.text import Text
    from matplotlib.transforms import IdentityTransform

    class TownLayer(Artist):
        def __init__(self, order, x, y, towns, max_towns, fontsize, style, priority):
            super().__init__()
            self.order, self.x, self.y, self.towns = order, x, y, towns
            self.max_towns, self.fontsize, self.style = max_towns, fontsize, style
            self.priority = priority
            self.placed = []
            self.label_boxes = []
            self.set_zorder(2.5)

        def _obstacles(self, renderer):
            ax = self.axes
            points = []
            boxes = []
            for line in ax.lines:
                if not getattr(line, "_sim_avoid", False):
                    continue
                xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
                xy = xy[np.all(np.isfinite(xy), axis=1)]
                if len(xy) >= 2:  # one point every 3 px or so
                    seg = np.hypot(*np.diff(xy, axis=0).T)
                    n = np.maximum(1, np.ceil(seg / 3.0)).astype(int)
                    f = np.concatenate([np.arange(k) / k for k in n])
                    i0 = np.repeat(np.arange(len(seg)), n)
                    xy = np.vstack([xy[i0] + f[:, None] * (xy[i0 + 1] - xy[i0]), xy[-1:]])
                points.append(xy)
            for artist in list(ax.texts) + list(ax.patches):
                if artist in ax.patches and not getattr(artist, "_sim_avoid_box", False):
                    continue
                bb = artist.get_window_extent(renderer)
                boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
            legend = ax.get_legend()
            if legend is not None and legend.get_visible():
                bb = legend.get_window_extent(renderer)
                boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
            frame = ax.bbox
            # graticule labels lie outside the axes: not obstacles
            boxes = [
                b
                for b in boxes
                if b[2] > frame.x0 and b[0] < frame.x1 and b[3] > frame.y0 and b[1] < frame.y1
            ]
            return (np.vstack(points) if points else np.zeros((0, 2))), boxes

        def _fits(self, bb, boxes, dots, r, points, px):
            frame = self.axes.bbox
            if not (
                frame.x0 + 1 < bb[0]
                and bb[2] < frame.x1 - 1
                and frame.y0 + 1 < bb[1]
                and bb[3] < frame.y1 - 1
            ):
                return False
            if any(_overlaps(bb, b) for b in boxes):
                return False
            if any(bb[0] - r < dx < bb[2] + r and bb[1] - r < dy < bb[3] + r for dx, dy in dots):
                return False
            m = 2.0 * px
            return not (
                len(points)
                and np.any(
                    (points[:, 0] > bb[0] - m)
                    & (points[:, 0] < bb[2] + m)
                    & (points[:, 1] > bb[1] - m)
                    & (points[:, 1] < bb[3] + m)
                )
            )

        def draw(self, renderer):
            if not self.get_visible():
                return
            ax = self.axes
            frame = ax.bbox
            px = renderer.points_to_pixels(1.0)
            disp = ax.transData.transform(np.column_stack([self.x[self.order], self.y[self.order]]))
            points, boxes = self._obstacles(renderer)
            dots = []
            self.placed = []
            self.label_boxes = []
            min_sep = 1.5 * self.fontsize * px
            t = self.towns
            for k, i in enumerate(self.order):
                if len(self.placed) >= self.max_towns:
                    break
                x, y = disp[k]
                size_class, capital = int(t["pclass"][i]), bool(t["capital"][i])
                r = (2.6 - 0.25 * (size_class - 1) + (0.4 if capital else 0.0)) * px
                e = r + 3 * px
                if not (frame.x0 + e < x < frame.x1 - e and frame.y0 + e < y < frame.y1 - e):
                    continue
                if any(b[0] - r < x < b[2] + r and b[1] - r < y < b[3] + r for b in boxes):
                    continue
                if i not in self.priority and any(
                    math.hypot(x - dx, y - dy) < min_sep for dx, dy in dots
                ):
                    continue
                name = str(t["name"][i])
                size = self.fontsize + {1: 1.5, 2: 0.8, 3: 0.3}.get(size_class, 0.0)
                font = FontProperties(size=size, weight="bold" if capital else "normal")
                w, h, _ = renderer.get_text_width_height_descent(name, font, ismath=False)
                gap = r + 1.5 * px
                pad = 1.0 * px
                for mx, my, ha, va in _POSITIONS:
                    ox, oy = x + mx * gap, y + my * gap
                    x0 = ox if ha == "left" else ox - w if ha == "right" else ox - w / 2
                    y0 = oy if va == "bottom" else oy - h if va == "top" else oy - h / 2
                    bb = (x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad)
                    if self._fits(bb, boxes, dots, r, points, px):
                        break
                else:
                    continue
                boxes += [bb, (x - r, y - r, x + r, y + r)]
                dots.append((x, y))
                self.placed.append(name)
                self.label_boxes.append(bb)
                dot = Line2D(
                    [x],
                    [y],
                    transform=IdentityTransform(),
                    ls="none",
                    marker="s" if capital else "o",
                    ms=2 * r / px,
                    mfc=self.style["town"],
                    mec="white",
                    mew=0.6,
                )
                dot.set_figure(ax.figure)
                dot.draw(renderer)
                text = Text(
                    (bb[0] + bb[2]) / 2,
                    (bb[1] + bb[3]) / 2,
                    name,
                    fontproperties=font,
                    color=self.style["label"],
                    ha="center",
                    va="center",
                    transform=IdentityTransform(),
                )
                text.set_path_effects(
                    [patheffects.withStroke(linewidth=2.2, foreground="white", alpha=0.85)]
                )
                text.set_figure(ax.figure)
                text.draw(renderer)

    return TownLayer
