"""The ground-track map: tracks over coastlines, borders and towns, with the target, the
documented landing and Monte Carlo landing points with their ellipses.

::

    ax = plot_track_map({"nominal": traj_a, "ballistic": traj_b}, target=scenario.target,
                        documented=documented_points(...),
                        landing_points=table,            # landing_lat_deg, landing_lon_deg
                        ellipses=[{"center_lat_deg": 50.9, "center_lon_deg": 66.8,
                                   "semi_major_km": 30, "semi_minor_km": 12,
                                   "azimuth_deg": 40, "probability": 0.997}])
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from sim.io.geo import Ellipse, as_ellipse, landing_sets
from sim.models.earth import GeoPoint
from sim.plotting.mapdata import load_towns
from sim.plotting.maps import draw_basemap, new_map, plot_ellipse, plot_point, plot_track
from sim.plotting.style import (
    ENTRY_ALTITUDE,
    FONT,
    Trajectories,
    as_mapping,
    note_not_landed,
    styles,
)
from sim.results.trajectory import LANDED

#: Ellipse colours by probability (darker: more likely).
_ELLIPSE_COLORS = ("#1b4f72", "#2e86c1", "#85c1e9")


def auto_extent(
    lats: Iterable[np.ndarray],
    lons: Iterable[np.ndarray],
    pad: float = 0.08,
    aspect: float = 1.5,
    min_span: float = 0.6,
) -> tuple[float, float, float, float]:
    """An extent (lon_min, lon_max, lat_min, lat_max) [deg] holding the points with a
    margin, widened to about ``aspect`` (width / height on the ground) and at least
    ``min_span`` [deg] across; longitudes may run past 180 deg (a map across the
    antimeridian)."""
    lat = np.concatenate([np.ravel(a) for a in lats])
    lon = np.concatenate([np.ravel(a) for a in lons])
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    ref = float(lon[0])
    lon = ref + (lon - ref + 180.0) % 360.0 - 180.0  # continuous about the first point
    lo_lat, hi_lat = float(lat.min()), float(lat.max())
    lo_lon, hi_lon = float(lon.min()), float(lon.max())
    dlat = max(hi_lat - lo_lat, min_span) * (1 + 2 * pad)
    coslat = max(np.cos(np.radians(0.5 * (lo_lat + hi_lat))), 0.2)
    dlon = max(hi_lon - lo_lon, min_span) * (1 + 2 * pad)
    if dlon * coslat < aspect * dlat:
        dlon = aspect * dlat / coslat
    else:
        dlat = dlon * coslat / aspect
    mid_lat, mid_lon = 0.5 * (lo_lat + hi_lat), 0.5 * (lo_lon + hi_lon)
    dlat = min(dlat, 170.0)
    lat0 = max(-89.0, mid_lat - dlat / 2)
    lat1 = min(89.0, lat0 + dlat)
    dlon = min(dlon, 360.0)
    return (mid_lon - dlon / 2, mid_lon + dlon / 2, lat0, lat1)


def _nearest_towns(points, max_km=300.0):
    """The towns nearest to each (lat, lon) [deg] within ``max_km`` (drawn first)."""
    towns = load_towns()
    names = []
    for lat, lon in points:
        p1, p2 = np.radians(lat), np.radians(towns["lat"])
        dl = np.radians(towns["lon"] - lon)
        c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
        d = 6371.0 * np.arccos(np.clip(c, -1.0, 1.0))
        i = int(np.argmin(d))
        if d[i] < max_km and towns["name"][i] not in names:
            names.append(str(towns["name"][i]))
    return tuple(names)


def _legend_corner(ax, xy):
    """The upper corner of the axes with fewest of the points ``xy`` (map km) near it."""
    if not len(xy):
        return "upper left"
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    u = (xy[:, 0] - x0) / (x1 - x0)
    v = (xy[:, 1] - y0) / (y1 - y0)
    counts = {
        "upper left": np.sum((u < 0.4) & (v > 0.6)),
        "upper right": np.sum((u > 0.6) & (v > 0.6)),
        "lower left": np.sum((u < 0.4) & (v < 0.4)) + 20,  # the scale bar is there
        "lower right": np.sum((u > 0.6) & (v < 0.4)) + 20,  # the attribution is there
    }
    return min(counts, key=lambda k: counts[k])


def plot_track_map(
    trajectories: Trajectories | None = None,
    ax: Any = None,
    *,
    target: GeoPoint | None = None,
    documented: Mapping[str, GeoPoint] | None = None,
    landing_points: Any = None,
    ellipses: Sequence[Ellipse | Mapping] = (),
    extent: tuple[float, float, float, float] | None = None,
    below_altitude: float | None = ENTRY_ALTITUDE,
    focus: str = "auto",
    title: str | None = None,
    width: float = 9.0,
    text_size: float = 8.5,
    **basemap: Any,
) -> Any:
    """Ground tracks below ``below_altitude`` [m] on a base map (coastlines, lakes, rivers,
    borders, the main towns), with their landing points, the target, documented landings,
    Monte Carlo landing points and landing ellipses.

    Parameters
    ----------
    trajectories : Trajectory or mapping name -> Trajectory, optional
    ax : matplotlib Axes, optional
        Else a figure shaped to the map, ``width`` [in] wide.
    target : GeoPoint, optional
    documented : mapping label -> GeoPoint, optional
        E.g. :func:`sim.results.documented.documented_points`.
    landing_points : table, array or mapping, optional
        A table (DataFrame or dict) with ``landing_lat_deg`` and ``landing_lon_deg``; an
        (N, 2) array of (lat, lon) [deg]; or a mapping label -> either.
    ellipses : sequence of Ellipse or mapping
        Landing ellipses as data (:func:`sim.io.geo.as_ellipse`: centre, semi-axes [km],
        azimuth [deg], probability), or ready outlines.
    extent : tuple, optional
        (lon_min, lon_max, lat_min, lat_max) [deg]; by default around everything drawn.
    below_altitude : float or None
        [m]; None draws the whole track.
    focus : str
        Without ``extent``: ``"tracks"`` frames everything, ``"landing"`` the landings
        (track ends, landing points, ellipses, target, documented points); ``"auto"``:
        ``"landing"`` when there are landing points or ellipses.
    title : str, optional
    text_size : float
        Of the target's and the documented landings' names [pt].
    **basemap
        Keywords of :func:`sim.plotting.maps.draw_basemap` (``towns``, ``max_towns``...).

    Returns
    -------
    matplotlib Axes
        With the base map (``sim.plotting.maps.basemap_of(ax)``).
    """
    trajs = {} if trajectories is None else as_mapping(trajectories)
    sets = landing_sets(landing_points)
    outlines = [as_ellipse(e) for e in ellipses]
    tracks = {}
    for name, traj in trajs.items():
        k = (
            np.ones(len(traj), bool)
            if below_altitude is None
            else traj["altitude"] < below_altitude
        )
        tracks[name] = (traj["latitude_deg"][k], traj["longitude_deg"][k])
    places = {"target": target} if target is not None else {}
    places.update(documented or {})
    if focus == "auto":
        focus = "landing" if sets or outlines else "tracks"
    if focus not in ("tracks", "landing"):
        raise ValueError(f"focus {focus!r}: 'auto', 'tracks' or 'landing'")
    pick = slice(None) if focus == "tracks" else slice(-1, None)
    lats = [t[0][pick] for t in tracks.values()] + [s[0] for s in sets.values()]
    lons = [t[1][pick] for t in tracks.values()] + [s[1] for s in sets.values()]
    for e in outlines:
        la, lo = e.outline(61)
        lats.append(la)
        lons.append(lo)
    for p in places.values():
        lats.append(np.array([p.latitude_deg]))
        lons.append(np.array([p.longitude_deg]))
    if extent is None:
        if not any(len(a) for a in lats):
            raise ValueError("nothing to draw on the map: give trajectories, points or an extent")
        extent = auto_extent(lats, lons, pad=0.08 if focus == "tracks" else 0.15)
    ends = [(t[0][-1], t[1][-1]) for t in tracks.values() if len(t[0])]
    basemap.setdefault(
        "priority_towns",
        _nearest_towns([(p.latitude_deg, p.longitude_deg) for p in places.values()] + ends),
    )
    if ax is None:
        _, ax, _ = new_map(extent, width=width, title=title, **basemap)
    else:
        draw_basemap(ax, extent, **basemap)
        if title:
            ax.set_title(title, fontsize=FONT["title"])
    line_styles = styles(trajs)
    for name, (lat, lon) in tracks.items():
        st = line_styles[name]
        kw = {"ls": st.linestyle}
        if st.marker:
            kw.update(marker=st.marker, ms=3.5, mfc="white", mew=0.9,
                      markevery=(0.03 + 0.037 * st.index, 0.1))  # fmt: skip
        # a dot where it landed; nothing at the end of a flight that did not land
        plot_track(ax, lat, lon, color=st.color, lw=1.6, label=None if name is None else str(name),
                   end_marker="o" if trajs[name].status == LANDED else None, **kw)  # fmt: skip
    for k, e in enumerate(sorted(outlines, key=lambda e: e.probability or 0.0)):
        color = _ELLIPSE_COLORS[min(k, len(_ELLIPSE_COLORS) - 1)]
        plot_ellipse(ax, e, color=color, fill_alpha=0.08, label=f"{e.name} ellipse")
    for k, (label, (lat, lon)) in enumerate(sets.items()):
        x, y = _project(ax, lat, lon)
        few = len(lat) < 50
        (dots,) = ax.plot(x, y, ls="none", marker="o" if few else ".", ms=4.5 if few else 3,
                          alpha=0.9 if few else 0.5, mec="white", mew=0.4 if few else 0.0,
                          zorder=3.05, color=("#34495e", "#7d3c98", "#1e8449")[k % 3],
                          label=f"{label} ({len(lat)})")  # fmt: skip
        dots._sim_avoid = True
    if target is not None:
        plot_point(ax, target.latitude_deg, target.longitude_deg, marker="*", color="#1a5276",
                   ms=13, text="target", text_offset=(7, 6), label="target",
                   fontsize=text_size)  # fmt: skip
    for label, p in (documented or {}).items():
        plot_point(ax, p.latitude_deg, p.longitude_deg, marker="X", color="#922b21", ms=9,
                   text="documented", text_offset=(-7, 6), label=label,
                   fontsize=text_size)  # fmt: skip
    note_not_landed(ax, trajs, y=0.9)
    xy = [np.column_stack(_project(ax, la, lo)) for la, lo in zip(lats, lons, strict=True)]
    corner = _legend_corner(ax, np.vstack(xy) if xy else np.zeros((0, 2)))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc=corner, fontsize=FONT["legend"], framealpha=0.9)
    return ax


def _project(ax, lat, lon):
    from sim.plotting.maps import basemap_of

    return basemap_of(ax).project(lat, lon)
