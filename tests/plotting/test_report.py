"""The comparison figure, the one-page report and the folder of figures (headless)."""

import json
import pathlib
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from sim.config.build import load_scenario  # noqa: E402
from sim.io.text import format_comparison  # noqa: E402
from sim.plotting.report import (  # noqa: E402
    comparison_figure,
    overview_figure,
    report_figure,
    results_of,
    write_plots,
)
from sim.studies.compare import compare  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "entry_small.toml"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results():
    scenarios = [
        load_scenario(SMALL, {"name": "nominal"}),
        load_scenario(SMALL, {"name": "steep", "initial.flight_path_angle_deg": -2.0}),
        load_scenario(SMALL, {"name": "steeper", "initial.flight_path_angle_deg": -2.05}),
        load_scenario(
            SMALL,
            {"name": "documented", "documented": {"flight": "soyuz_tma11", "case": "flown"}},
        ),
    ]
    return results_of(compare(scenarios))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_comparison_figure_gives_every_scenario_its_own_visible_style(results):
    fig = comparison_figure(results)
    assert len(fig.axes) == 4
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:4] == ["nominal", "steep", "steeper", "documented"]
    assert "documented peak (flown): 8.2 g" in labels and "peak sensed load" in labels
    for ax in fig.axes:
        assert ax.get_legend() is None  # one legend, the figure's
        lines = [ln for ln in ax.lines if ln.get_label() in results.trajectories]
        looks = {(ln.get_color(), ln.get_linestyle(), ln.get_marker()) for ln in lines}
        assert len(lines) == 4 and len(looks) == 4
        # "steep" and "steeper" nearly coincide: they differ in colour, dashes and markers
        a, b = (next(ln for ln in lines if ln.get_label() == n) for n in ("steep", "steeper"))
        assert a.get_color() != b.get_color() and a.get_linestyle() != b.get_linestyle()
        assert a.get_marker() != b.get_marker() and b.get_marker() not in (None, "None")


def test_report_page_holds_the_table_the_documented_block_and_the_figures(results):
    fig = report_figure(results)
    assert tuple(fig.get_size_inches()) == pytest.approx((8.27, 11.69))  # A4 portrait
    text = "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
    table = format_comparison(results.document).split("\n\n")[0]
    assert table in text  # the text table, as printed by 'reentry compare'
    assert "Documented vs simulated: Soyuz TMA-11" in text
    assert "peak sensed load (cockpit meter)" in text and "[1] " in text
    drawn = [ax for ax in fig.axes if ax.lines]
    assert len(drawn) == 4  # the map, the load, altitude-speed, the heat flux
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:4] == list(results.trajectories)
    fig.canvas.draw()
    # nothing spills off the page
    page = fig.bbox
    for ax in fig.axes:
        bb = ax.get_tightbbox(fig.canvas.get_renderer())
        assert bb.x0 >= page.x0 - 1 and bb.x1 <= page.x1 + 1 and bb.y0 >= page.y0 - 1


def test_overview_figure_has_three_panels(results):
    fig = overview_figure(results)
    assert len(fig.axes) == 3
    assert fig.axes[0].get_xlabel() == "air-relative speed [km/s]"


def test_write_plots_writes_the_figures_report_and_maps(results, tmp_path):
    files = write_plots(tmp_path, results)
    names = {p.name for p in files}
    figures = {n for n in names if n.endswith(".png") and not n.startswith("report")}
    assert len(figures) >= 5
    assert {"ground_tracks.png", "landing_zone.png", "load.png", "comparison.png"} <= figures
    assert {"report.pdf", "report.png", "tracks.kml", "tracks.geojson"} <= names
    assert all(p.exists() and p.stat().st_size > 0 for p in files)
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert all((tmp_path / n).read_bytes()[:8] == PNG for n in figures)
    doc = json.loads((tmp_path / "tracks.geojson").read_text())
    tracks = [f for f in doc["features"] if f["properties"]["kind"] == "track"]
    assert [f["properties"]["name"] for f in tracks] == list(results.trajectories)
    root = ET.parse(tmp_path / "tracks.kml").getroot()
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    (tmp_path / "svg").mkdir()
    svg = write_plots(tmp_path / "svg", results, "svg", exports=False)
    assert {p.suffix for p in svg} == {".svg", ".pdf", ".png"}  # the report: PDF and PNG
    with pytest.raises(ValueError, match="format"):
        write_plots(tmp_path, results, "gif")
