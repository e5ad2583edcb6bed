"""Figures of trajectories, rendered headless (Agg) and checked on their artists: axis labels
with units, one line per scenario, legend entries, markers at the event times, the documented
band, the guidance's reversals, and the note on a flight that did not land."""

import dataclasses
import pathlib
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import descent_phases, entry_100km  # noqa: E402

from sim.config.build import load_scenario  # noqa: E402
from sim.flight.simulate import simulate  # noqa: E402
from sim.io.geo import event_marks  # noqa: E402
from sim.models.earth import GeoPoint  # noqa: E402
from sim.plotting import figures as F  # noqa: E402
from sim.plotting.style import styles, time_window  # noqa: E402
from sim.results.documented import DOCUMENTED  # noqa: E402
from sim.studies.runs import run_scenario  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "entry_small.toml"
UNIT = re.compile(r"\[[^\]]+\]$")  # a label ends with its unit in brackets


@pytest.fixture(scope="module")
def flights():
    """Two landed flights of the small scenario (shallow, steep) and one stopped early."""
    shallow = run_scenario(load_scenario(SMALL))
    steep = run_scenario(load_scenario(SMALL, {"initial.flight_path_angle_deg": -2.0}))
    short = run_scenario(load_scenario(SMALL, {"simulation.max_time_s": 100}))
    return {"shallow": shallow, "steep": steep, "short": short}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _scenario_lines(ax, names):
    return [ln for ln in ax.lines if ln.get_label() in names]


def _event_dots(ax):
    return [ln for ln in ax.lines if hasattr(ln, "_sim_event")]


TIME_PLOTS = [
    F.plot_altitude_time,
    F.plot_g_load,
    F.plot_heat_flux,
    F.plot_heat_load,
    F.plot_dynamic_pressure,
    F.plot_mach,
    F.plot_flight_path_angle,
    F.plot_bank_angle,
]


@pytest.mark.parametrize("plot", TIME_PLOTS, ids=lambda f: f.__name__)
def test_time_plots_label_units_draw_one_line_per_scenario_and_mark_the_events(flights, plot):
    trajs = {k: flights[k] for k in ("shallow", "steep")}
    ax = plot(trajs)
    ax.figure.canvas.draw()
    assert UNIT.search(ax.get_xlabel()) and UNIT.search(ax.get_ylabel())
    assert ax.get_xlabel() == "time from 2008-04-19 08:00:00 UTC [s]"  # the shared epoch
    lines = _scenario_lines(ax, trajs)
    assert [ln.get_label() for ln in lines] == ["shallow", "steep"]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["shallow", "steep"]
    # one style each: colour, line style and (but on the bank's sawtooth) marker differ
    st = [(ln.get_color(), ln.get_linestyle(), ln.get_marker()) for ln in lines]
    differ = [a != b for a, b in zip(st[0], st[1], strict=True)]
    assert differ == [True, True, plot is not F.plot_bank_angle]
    # a dot at every event inside the window, at its time, on its scenario's colour
    span = ax.get_xlim()
    for name, traj in trajs.items():
        color = styles(trajs)[name].color
        expected = sorted(t for t, _ in event_marks(traj) if span[0] <= t <= span[1])
        got = sorted(ln.get_xdata()[0] for ln in _event_dots(ax) if ln.get_color() == color)
        assert got == pytest.approx(expected, abs=1e-9)
    labels = {t.get_text() for t in ax.texts}
    assert {"→ drogue", "→ main"} <= labels
    assert any(lbl.startswith("peak ") and lbl.endswith(" g") for lbl in labels)
    assert not any("did not land" in t for t in labels)


def test_events_beyond_the_entry_window_are_named_at_its_edge(flights):
    ax = F.plot_g_load(flights["shallow"])
    span = ax.get_xlim()
    touchdown = flights["shallow"].events[-1].time
    assert touchdown > span[1]  # the long descent under the main canopy is cut off...
    edge = [t.get_text() for t in ax.texts if t.get_text().startswith("touchdown")]
    assert edge == [f"touchdown {touchdown:.0f} s ›"]  # ...and its end named
    whole = F.plot_altitude_time(flights["shallow"])
    assert whole.get_xlim()[1] >= touchdown
    assert "touchdown" in {t.get_text() for t in whole.texts}


def test_the_entry_window_runs_from_140_km_past_the_last_phase_change(flights):
    traj = flights["shallow"]  # starts at 100 km: from its start
    t0, t1 = time_window({"a": traj}, "entry")
    last = traj.events[-2].time  # the main canopy
    assert t0 == pytest.approx(-0.01 * (t1 - t0) / 1.02, abs=1.0)
    assert last < t1 < traj.events[-1].time
    assert time_window({"a": traj}, (10.0, 20.0)) == (10.0, 20.0)
    with pytest.raises(ValueError, match="window"):
        time_window({"a": traj}, "coast")


def test_a_flight_that_did_not_land_says_so(flights):
    for plot in (F.plot_g_load, F.plot_altitude_speed, F.plot_altitude_downrange):
        ax = plot({"shallow": flights["shallow"], "short": flights["short"]})
        notes = [t.get_text() for t in ax.texts if "did not land" in t.get_text()]
        assert notes == ["short: did not land (time_limit)"], plot.__name__
    ax = F.plot_mach(flights["short"])
    assert any(t.get_text() == "did not land (time_limit)" for t in ax.texts)
    assert "time limit" in {t.get_text() for t in ax.texts}  # its event, by its own name


def test_load_plot_draws_the_documented_peak_band_and_line(flights):
    trajs = {"a": flights["shallow"], "b": flights["steep"]}
    ax = F.plot_g_load(trajs, documented={"a": ("soyuz_tma11", "nominal"), "b": None})
    lo, hi = next(f.value for f in DOCUMENTED["soyuz_tma11"]["nominal"] if f.metric == "peak_g")
    bands = [p for p in ax.patches if p.get_label().startswith("documented peak")]
    assert len(bands) == 1  # a Rectangle spanning the axes' width, from lo to hi [g]
    assert (bands[0].get_y(), bands[0].get_y() + bands[0].get_height()) == (lo, hi)
    assert bands[0].get_label() == "documented peak (nominal): 3-4 g"
    assert bands[0].get_facecolor()[:3] == pytest.approx(
        matplotlib.colors.to_rgb(styles(trajs)["a"].color)
    )
    ax = F.plot_g_load(trajs, documented={"b": ("soyuz_tma11", "flown")})
    line = [ln for ln in ax.lines if ln.get_label() == "documented peak (flown): 8.2 g"]
    assert len(line) == 1 and line[0].get_ydata()[0] == 8.2
    assert ax.get_ylabel() == "sensed load (+ eyeballs-in) [g]"
    assert F.plot_g_load(trajs, signed=False).get_ylabel() == "sensed load [g]"


def test_bank_plot_draws_the_command_and_each_reversal(flights):
    traj = flights["shallow"]
    times = np.arange(0.0, 400.0, 10.0)
    command = np.where(times < 200.0, 60.0, -60.0)
    history = {"time": list(times), "bank_command_deg": list(command), "reversals": [200.0]}
    guided = dataclasses.replace(traj, diagnostics={"entry": history})
    ax = F.plot_bank_angle({"guided": guided, "steep": flights["steep"]})
    steps = [ln for ln in ax.lines if ln.get_label() == "guided, entry: command"]
    assert len(steps) == 1
    rev = [ln for ln in ax.lines if ln.get_label() == "guided, 1 reversals"]
    assert len(rev) == 1 and list(rev[0].get_xdata()) == [200.0]
    assert rev[0].get_marker() == "v"
    assert ax.get_ylim() == (-185.0, 185.0) and ax.get_ylabel() == "bank angle [deg]"
    # the bank angle on a fine grid (dense output): the constant 60 deg of the law
    line = _scenario_lines(ax, {"guided"})[0]
    t, b = line.get_xdata(), line.get_ydata()
    assert np.nanmax(np.diff(t)) <= 0.5 + 1e-9
    assert np.nanmedian(b[(t > 50) & (t < 500)]) == pytest.approx(60.0, abs=1e-6)


def test_heating_stacks_flux_and_load_and_labels_events_once(flights):
    fig = F.plot_heating({"a": flights["shallow"], "b": flights["steep"]})
    top, bottom = fig.axes[:2]
    assert top.get_ylabel() == "heat flux [kW/m²]" and bottom.get_ylabel() == "heat load [MJ/m²]"
    assert top.get_legend() is not None and bottom.get_legend() is None
    assert any(t.get_text() == "→ drogue" for t in top.texts)
    assert not any(t.get_text() == "→ drogue" for t in bottom.texts)
    assert _event_dots(bottom)  # the dots are on both
    heat = bottom.lines[0]
    assert np.all(np.diff(heat.get_ydata()) >= -1e-9)  # a load only grows


def test_altitude_against_speed_and_ground_distance(flights):
    trajs = {"a": flights["shallow"], "b": flights["steep"]}
    ax = F.plot_altitude_speed(trajs)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("air-relative speed [km/s]", "altitude [km]")
    assert ax.get_ylim() == (0.0, 147.0)  # the entry, not the coast
    stars = [ln for ln in _event_dots(ax) if ln.get_marker() == "*"]
    assert len(stars) == 2  # the peak load of each
    for ln, traj in zip(stars, trajs.values(), strict=True):
        # at the engine's refined peak, between the stored rows
        t_peak = traj.peaks["peak_g_time"]
        speed = np.interp(t_peak, traj["time"], traj["speed"]) / 1e3
        assert ln.get_xdata()[0] == pytest.approx(speed, rel=1e-12)
    ax = F.plot_altitude_downrange(trajs)
    assert ax.get_xlabel() == "ground distance from 140 km altitude [km]"
    for ln in _scenario_lines(ax, trajs):
        x = ln.get_xdata()
        assert x[0] == 0.0 and np.all(np.diff(x) >= 0.0)
    one = F.plot_altitude_speed(flights["shallow"])  # alone: its events labelled
    labels = {t.get_text() for t in one.texts}
    assert {"→ drogue", "→ main", "touchdown"} <= labels


def test_ground_track_target_star_is_at_the_scenario_target():
    """Regression: the scenario's target (radians) was drawn as if in degrees, putting the
    star at 1.17 E 0.89 N. A GeoPoint carries its own units."""
    s = load_scenario(ROOT / "configs" / "soyuz_tma11" / "nominal.toml")
    traj = simulate(entry_100km(), descent_phases())
    ax = F.plot_ground_tracks(
        traj, target=s.target, markers={"documented": GeoPoint.from_deg(50.53, 61.1)}
    )
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert len(stars) == 1
    assert stars[0].get_xdata()[0] == pytest.approx(66.9, abs=1e-9)
    assert stars[0].get_ydata()[0] == pytest.approx(50.969161, abs=1e-9)
    crosses = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert crosses[0].get_xdata()[0] == pytest.approx(61.1, abs=1e-12)
    assert ax.get_xlabel() == "longitude [deg E]"


def test_plotting_accepts_one_trajectory_or_a_mapping():
    traj = simulate(entry_100km(), descent_phases())
    one = F.plot_ground_tracks(traj)
    many = F.plot_ground_tracks({"a": traj, "b": traj})
    assert len(one.lines) == 2 and len(many.lines) == 4  # a track and a landing dot each
    assert [t.get_text() for t in many.get_legend().get_texts()] == ["a", "b"]
    assert one.get_legend() is None
