"""Figures: what they draw, checked on the artists (headless)."""

import pathlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from conftest import descent_phases, entry_100km  # noqa: E402

from sim.config.build import load_scenario  # noqa: E402
from sim.flight.simulate import simulate  # noqa: E402
from sim.models.earth import GeoPoint  # noqa: E402
from sim.plotting.figures import plot_ground_tracks  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_ground_track_target_star_is_at_the_scenario_target():
    """Regression: the scenario's target (radians) was drawn as if in degrees, putting the
    star at 1.17 E 0.89 N. A GeoPoint carries its own units."""
    s = load_scenario(ROOT / "configs" / "soyuz_tma11" / "nominal.toml")
    traj = simulate(entry_100km(), descent_phases())
    ax = plot_ground_tracks(
        traj, target=s.target, markers={"documented": GeoPoint.from_deg(50.53, 61.1)}
    )
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert len(stars) == 1
    assert stars[0].get_xdata()[0] == pytest.approx(66.9, abs=1e-9)
    assert stars[0].get_ydata()[0] == pytest.approx(50.969161, abs=1e-9)
    crosses = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert crosses[0].get_xdata()[0] == pytest.approx(61.1, abs=1e-12)
    assert ax.get_xlabel() == "longitude [deg E]"
    plt.close(ax.figure)


def test_plotting_accepts_one_trajectory_or_a_mapping():
    traj = simulate(entry_100km(), descent_phases())
    one = plot_ground_tracks(traj)
    many = plot_ground_tracks({"a": traj, "b": traj})
    assert len(one.lines) == 2 and len(many.lines) == 4  # a track and a landing dot each
    assert [t.get_text() for t in many.get_legend().get_texts()] == ["a", "b"]
    plt.close("all")
