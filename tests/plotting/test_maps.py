"""Base maps: projections against closed forms, clipping, the seam, labels that overlap
nothing, the shipped data and its attribution."""

import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sim.io.geo import Ellipse  # noqa: E402
from sim.models.geodesy import geodesic_inverse  # noqa: E402
from sim.plotting import mapdata, maps, projection  # noqa: E402
from sim.plotting.projection import R_KM, Projection  # noqa: E402


def test_extent_normalisation():
    assert projection.normalize_extent((20, 100, 25, 65))[:2] == (60.0, 80.0)
    assert projection.normalize_extent((170, -170, 0, 10))[:2] == (-180.0, 20.0)
    assert projection.normalize_extent((160, 200, 0, 10))[:2] == (-180.0, 40.0)
    assert projection.normalize_extent((-180, 180, -90, 90))[1] == 360.0
    with pytest.raises(ValueError, match="latitudes"):
        projection.normalize_extent((0, 10, 20, 10))


def test_projection_choice():
    assert projection.choose_projection((36, 88, 33, 56)).kind == "lcc"
    assert projection.choose_projection((-180, 180, -80, 80)).kind == "eqc"
    assert projection.choose_projection((-180, 180, 60, 90)).kind == "aeqd"
    assert projection.choose_projection((-20, 40, -10, 20)).kind == "eqc"


def test_lcc_scale_is_true_on_the_standard_parallels():
    """Snyder's LCC has scale factor 1 along both standard parallels: 0.1 deg of longitude
    there maps to R cos(lat) 0.1 deg (rel 1e-4: the chord of a 0.1 deg arc)."""
    p = Projection("lcc", 60.0, 45.0, 35.0, 55.0)
    for lat in (35.0, 55.0):
        x1, y1 = p.forward(-0.05, lat)
        x2, y2 = p.forward(0.05, lat)
        ground = R_KM * math.radians(0.1) * math.cos(math.radians(lat))
        assert np.hypot(x2 - x1, y2 - y1) == pytest.approx(ground, rel=1e-4)


def test_aeqd_keeps_distances_from_the_centre():
    p = Projection("aeqd", 66.9, 50.97)
    x, y = p(66.9, 40.97)  # 10 deg due south: a great-circle arc of 10 deg
    assert np.hypot(x, y) == pytest.approx(R_KM * math.radians(10.0), rel=1e-12)
    x, y = p(66.9 + 180.0, -50.97)  # the antipode cannot be drawn
    assert np.isnan(x) and np.isnan(y)


def test_ring_clipped_to_a_box():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], float)
    q = projection.clip_ring_box(square, (5, 20, -5, 5))
    assert (q[:, 0].min(), q[:, 0].max(), q[:, 1].min(), q[:, 1].max()) == (5, 10, 0, 5)
    assert len(projection.clip_ring_box(square, (20, 30, 0, 1))) == 0


def test_track_split_at_the_seam_of_a_world_map():
    fig, ax = plt.subplots()
    bm = maps.draw_basemap(ax, (-180, 180, -80, 80), towns=False, land=False)
    x, _ = bm.project_line([10, 11, 12], [178, -179, -176])
    assert np.isnan(x).sum() == 1  # one break
    assert np.nanmax(x) == pytest.approx(R_KM * math.pi, rel=1e-12)  # cut at 180 E
    plt.close(fig)


def test_track_across_the_antimeridian_is_continuous_on_a_pacific_map():
    fig, ax = plt.subplots()
    bm = maps.draw_basemap(ax, (150, -140, 25, 65), towns=False)
    x, _ = bm.project_line([40, 41, 42], [178, -179, -176])
    assert np.isfinite(x).all() and np.all(np.diff(x) > 0)
    plt.close(fig)


def _boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_town_labels_overlap_neither_each_other_nor_the_track():
    fig, ax, bm = maps.new_map(
        (36, 88, 33, 56), width=8, dpi=100, max_towns=60, priority_towns=("Arkalyk", "Baikonur")
    )
    line = maps.plot_track(ax, np.linspace(35, 50.5, 50), np.linspace(40, 61.1, 50))
    fig.canvas.draw()
    boxes = bm.towns.label_boxes
    assert {"Arkalyk", "Baikonur"} <= set(bm.towns.placed)
    assert len(boxes) > 15
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _boxes_overlap(a, b)
    pts = line.get_transform().transform(line.get_xydata())
    for a in boxes:
        inside = (pts[:, 0] > a[0]) & (pts[:, 0] < a[2]) & (pts[:, 1] > a[1]) & (pts[:, 1] < a[3])
        assert not inside.any()
    # nor the attribution in the corner
    credit = next(t for t in ax.texts if "GeoNames" in t.get_text())
    bb = credit.get_window_extent(fig.canvas.get_renderer())
    assert not any(_boxes_overlap(a, (bb.x0, bb.y0, bb.x1, bb.y1)) for a in boxes)
    plt.close(fig)


def test_every_map_credits_its_data():
    fig, ax, _ = maps.new_map((57, 72, 46.5, 53.5))
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Natural Earth" in texts and "GeoNames (CC BY 4.0)" in texts
    fig2, ax2, _ = maps.new_map((57, 72, 46.5, 53.5), towns=False)
    texts = " ".join(t.get_text() for t in ax2.texts)
    assert "Natural Earth" in texts and "GeoNames" not in texts  # no towns, no credit due
    plt.close("all")


def test_ellipse_outline_on_the_map_follows_the_geodesic_semi_axes():
    fig, ax, _ = maps.new_map((57, 72, 46.5, 53.5), towns=False)
    line = maps.plot_ellipse(ax, Ellipse(50.97, 66.9, 130.0, 35.0, 52.0))
    lat, lon = Ellipse(50.97, 66.9, 130.0, 35.0, 52.0).outline()
    d, az, _ = geodesic_inverse(50.97, 66.9, lat[0], lon[0])
    assert d == pytest.approx(130e3, rel=1e-9) and az == pytest.approx(52.0, abs=1e-9)
    assert len(line.get_xdata()) == len(lat)
    plt.close(fig)


def test_shipped_data_is_small_complete_and_attributed():
    info = mapdata.data_info()
    assert info["natural_earth_version"] == "4.1.0"
    sizes = {f.name: f.stat().st_size for f in mapdata.DATA_DIR.iterdir()}
    assert set(sizes) == {"basemap.npz", "towns.csv", "NOTICE.md"}
    assert sum(sizes.values()) < 2_000_000
    towns = mapdata.load_towns()
    assert {"Arkalyk", "Baikonur", "Zhezkazgan", "Astana", "Kyzylorda"} <= set(towns["name"])
    notice = (mapdata.DATA_DIR / "NOTICE.md").read_text()
    assert "CC BY 4.0" in notice and "public domain" in notice
    assert mapdata.ATTRIBUTION_GEONAMES in notice
    # Balkhash (lon 73-80 E, lat 44.5-47 N), missing from Natural Earth 4.1.0 1:50m, is back
    xy, offsets = mapdata.layer("lakes", "50m")
    assert any(
        xy[a:b, 0].min() > 73 and xy[a:b, 0].max() < 80 and xy[a:b, 1].min() > 44.5
        for a, b in zip(offsets[:-1], offsets[1:], strict=True)
    )
    with pytest.raises(ValueError, match="map layer"):
        mapdata.layer("roads", "50m")


def test_projection_and_data_modules_do_not_import_matplotlib():
    code = (
        "import sys, sim.plotting.projection, sim.plotting.mapdata, sim.plotting.maps; "
        "assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
