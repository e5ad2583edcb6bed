"""Study figures from tables (DataFrames or dicts of columns), headless."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sim.models.earth import GeoPoint  # noqa: E402
from sim.plotting import studies as S  # noqa: E402

SWEPT = "phases.1.until.0.altitude_km"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def sweep():
    h = np.array([100.0, 70.0, 90.0, 80.0])  # not in order: the line is sorted
    return pd.DataFrame({
        SWEPT: h, "peak_g": 9.0 + 0.01 * (h - 80.0), "distance_to_target_km": 600 - (h - 80),
        "landing_lat_deg": 49.6 + 0.01 * (h - 80), "landing_lon_deg": 58.6 + 0.03 * (h - 80),
        "status": ["landed"] * 4,
    })  # fmt: skip


@pytest.fixture
def dispersion():
    rng = np.random.default_rng(7)
    n = 300
    cols = {
        "atmosphere.density_scale": rng.normal(1.0, 0.05, n),
        "vehicles.descent_module.mass_kg": rng.normal(2900.0, 30.0, n),
        "peak_g": rng.normal(3.9, 0.2, n),
        "distance_to_target_km": np.abs(rng.normal(0.0, 8.0, n)),
        "landing_lat_deg": 50.95 + rng.normal(0.0, 0.05, n),
        "landing_lon_deg": 66.9 + rng.normal(0.0, 0.1, n),
    }
    cols["peak_g"][:4] = np.nan  # four flights that did not land
    cols["distance_to_target_km"][:4] = np.nan
    cols["landing_lat_deg"][:4] = np.nan
    return cols


def test_axis_labels_carry_units():
    assert S.axis_label("peak_g") == "peak sensed load [g]"
    assert S.axis_label("distance_to_target_km") == "distance to target [km]"
    assert S.axis_label("peak_heat_flux_kw_m2") == "peak stagnation-point heat flux [kW/m²]"
    assert S.axis_label(SWEPT) == "phases.1.until.0.altitude [km]"
    assert S.axis_label("atmosphere.density_scale") == "atmosphere.density scale"


def test_sweep_line_is_sorted_with_its_units(sweep):
    ax = S.plot_sweep(sweep, SWEPT, "distance_to_target_km")
    (line,) = ax.lines
    assert list(line.get_xdata()) == [70.0, 80.0, 90.0, 100.0]
    assert list(line.get_ydata()) == [610.0, 600.0, 590.0, 580.0]
    assert ax.get_xlabel() == "phases.1.until.0.altitude [km]"
    assert ax.get_ylabel() == "distance to target [km]"
    grouped = S.plot_sweep({**sweep, "case": np.array(["a", "a", "b", "b"])}, SWEPT, "peak_g",
                           by="case")  # fmt: skip
    assert [t.get_text() for t in grouped.get_legend().get_texts()] == ["case = a", "case = b"]


def test_tornado_bars_run_from_the_baseline_widest_on_top():
    table = {
        "parameter": ["small", "large", "middle"],
        "low": [3.8, 3.0, 3.6], "high": [3.9, 4.6, 4.2], "baseline": [3.86] * 3,
    }  # fmt: skip
    ax = S.plot_tornado(table, metric="peak_g")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["small", "middle", "large"]
    low = [p for p in ax.patches if p.get_facecolor() == ax.patches[0].get_facecolor()]
    assert len(ax.patches) == 6 and len(low) == 3
    for p in ax.patches:
        assert p.get_x() == pytest.approx(3.86)  # every bar starts at the baseline
    ends = sorted(round(p.get_x() + p.get_width(), 9) for p in ax.patches)
    assert ends == [3.0, 3.6, 3.8, 3.9, 4.2, 4.6]
    assert ax.get_xlabel() == "peak sensed load [g] (baseline 3.86)"


def test_sobol_bars_with_confidence():
    table = pd.DataFrame({
        "parameter": ["L/D", "Cd"], "S1": [0.6, 0.1], "S1_conf": [0.05, 0.02],
        "ST": [0.7, 0.15], "ST_conf": [0.06, 0.03],
    })  # fmt: skip
    ax = S.plot_sobol(table, metric="peak_g")
    assert len(ax.patches) == 4
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([0.1, 0.15, 0.6, 0.7])
    caps = [c for c in ax.containers if getattr(c, "has_xerr", False)]
    assert len(caps) == 2  # both bar sets carry their confidence half-widths
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Cd", "L/D"]
    assert ax.get_xlabel() == "Sobol index of peak sensed load [g] [-]"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["first order S1", "total ST"]


def test_histogram_and_cdf_leave_out_and_count_the_missing(dispersion):
    ax = S.plot_histogram(dispersion, "peak_g")
    assert sum(p.get_height() for p in ax.patches) == 296
    assert ax.get_title(loc="right") == "4 of 300 flights without a value (did not land?)"
    median = next(ln for ln in ax.lines if ln.get_label().startswith("50th"))
    assert median.get_xdata()[0] == pytest.approx(np.nanmedian(dispersion["peak_g"]))
    assert ax.get_xlabel() == "peak sensed load [g]" and ax.get_ylabel() == "flights [-]"
    ax = S.plot_cdf(dispersion, "distance_to_target_km")
    step = ax.lines[0]
    assert step.get_ydata()[-1] == 1.0 and len(step.get_xdata()) == 296
    assert np.all(np.diff(step.get_xdata()) >= 0)
    assert ax.get_ylabel() == "fraction of flights [-]"


def test_write_study_figures_picks_the_figures_that_fit(sweep, dispersion, tmp_path):
    (tmp_path / "s").mkdir()
    files = S.write_study_figures(sweep, tmp_path / "s", fmt="svg")
    names = sorted(p.name for p in files)
    assert names == sorted(
        [f"{k}_{c}.svg" for k in ("sweep", "histogram", "cdf")
         for c in ("peak_g", "distance_to_target_km")] + ["landings.svg"]
    )  # fmt: skip
    assert all(p.stat().st_size > 1000 for p in files)
    (tmp_path / "d").mkdir()
    files = S.write_study_figures(dispersion, tmp_path / "d", target=GeoPoint.from_deg(50.9, 66.9),
                                  prefix="mc-")  # fmt: skip
    names = {p.name for p in files}
    assert "mc-landings.png" in names and "mc-histogram_peak_g.png" in names
    assert not any(n.startswith("mc-sweep") for n in names)  # two parameters vary: no sweep
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in files)
    (tmp_path / "t").mkdir()
    tornado = {"parameter": ["a"], "low": [1.0], "high": [2.0]}
    assert [p.name for p in S.write_study_figures(tornado, tmp_path / "t")] == ["tornado.png"]
    sobol = {"parameter": ["a"], "S1": [0.5], "ST": [0.6]}
    assert [p.name for p in S.write_study_figures(sobol, tmp_path / "t")] == ["sobol.png"]
    with pytest.raises(ValueError, match="a table"):
        S.write_study_figures([1, 2, 3], tmp_path)
