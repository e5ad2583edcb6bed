"""The ground-track map: what it frames and what it draws (headless)."""

import pathlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sim.config.build import load_scenario  # noqa: E402
from sim.io.geo import Ellipse  # noqa: E402
from sim.models.earth import GeoPoint  # noqa: E402
from sim.plotting.maps import basemap_of  # noqa: E402
from sim.plotting.trackmap import auto_extent, plot_track_map  # noqa: E402
from sim.studies.runs import run_scenario  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "entry_small.toml"
TARGET = GeoPoint.from_deg(50.5, 67.0)


@pytest.fixture(scope="module")
def flights():
    return {
        "shallow": run_scenario(load_scenario(SMALL)),
        "steep": run_scenario(load_scenario(SMALL, {"initial.flight_path_angle_deg": -2.0})),
    }


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _inside(ax, lat, lon):
    x, y = basemap_of(ax).project(np.asarray(lat), np.asarray(lon))
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return np.all((x > x0) & (x < x1) & (y > y0) & (y < y1))


def test_map_frames_the_tracks_and_marks_target_documented_and_landings(flights):
    documented = {"documented landing": GeoPoint.from_deg(50.53, 61.1)}
    ax = plot_track_map(flights, target=TARGET, documented=documented, title="tracks")
    ax.figure.canvas.draw()
    for traj in flights.values():
        assert _inside(ax, traj["latitude_deg"], traj["longitude_deg"])
    assert _inside(ax, [50.5, 50.53], [67.0, 61.1])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["shallow", "steep", "target", "documented landing"]
    tracks = [ln for ln in ax.lines if ln.get_label() in flights]
    assert tracks[0].get_linestyle() != tracks[1].get_linestyle()
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    x, y = basemap_of(ax).project(50.5, 67.0)
    assert len(stars) == 1 and (stars[0].get_xdata()[0], stars[0].get_ydata()[0]) == (x, y)
    assert [ln.get_marker() for ln in ax.lines if ln.get_label() == "documented landing"] == ["X"]
    assert ax.get_title() == "tracks"
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "GeoNames (CC BY 4.0)" in texts and "Made with Natural Earth" in texts
    towns = basemap_of(ax).towns.placed
    assert towns and "Arkalyk" in towns  # the town nearest the target comes first


def test_landing_focus_frames_points_and_ellipses_only(flights):
    rng = np.random.default_rng(1)
    points = {
        "landing_lat_deg": 50.5 + rng.normal(0.0, 0.05, 200),
        "landing_lon_deg": 67.0 + rng.normal(0.0, 0.08, 200),
    }
    ellipses = [Ellipse(50.5, 67.0, a, a / 2, 60.0, probability=p)
                for a, p in ((5.0, 0.5), (10.0, 0.95), (15.0, 0.997))]  # fmt: skip
    ax = plot_track_map(flights["shallow"], target=TARGET, landing_points=points,
                        ellipses=ellipses)  # fmt: skip
    assert _inside(ax, points["landing_lat_deg"], points["landing_lon_deg"])
    assert not _inside(ax, flights["shallow"]["latitude_deg"][:1], [30.0])  # the start: off
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["50 % ellipse", "95 % ellipse", "99.7 % ellipse",
                      "landing points (200)", "target"]  # fmt: skip
    dots = next(ln for ln in ax.lines if ln.get_label() == "landing points (200)")
    assert len(dots.get_xdata()) == 200
    (x0, x1) = ax.get_xlim()
    assert x1 - x0 < 200.0  # km: a landing zone, not the track
    with pytest.raises(ValueError, match="focus"):
        plot_track_map(flights["shallow"], focus="everything")
    with pytest.raises(ValueError, match="nothing to draw"):
        plot_track_map(None)


def test_auto_extent_holds_the_points_and_crosses_the_antimeridian():
    lon0, lon1, lat0, lat1 = auto_extent([np.array([10.0, 12.0])], [np.array([179.0, -179.0])])
    assert lon0 < 179.0 and lon1 > 181.0  # continuous across 180 deg, not 360 wide
    assert lat0 < 10.0 and lat1 > 12.0
    # widened to about 1.5 : 1 on the ground
    coslat = np.cos(np.radians(11.0))
    assert (lon1 - lon0) * coslat / (lat1 - lat0) == pytest.approx(1.5, rel=1e-9)


def test_map_on_given_axes(flights):
    fig, ax = plt.subplots(figsize=(5, 4))
    out = plot_track_map(flights, ax, target=TARGET, title="small")
    assert out is ax and basemap_of(ax).ax is ax and ax.get_title() == "small"


def test_a_flight_that_did_not_land_says_so_on_the_map(flights):
    short = run_scenario(load_scenario(SMALL, {"simulation.max_time_s": 300}))
    ax = plot_track_map({"shallow": flights["shallow"], "short": short})
    notes = [t.get_text() for t in ax.texts if "did not land" in t.get_text()]
    assert notes == ["short: did not land (time_limit)"]
    ends = [ln for ln in ax.lines if ln.get_marker() == "o" and len(ln.get_xdata()) == 1]
    assert len(ends) == 1  # a landing dot for the flight that landed only
