"""The figures of a comparison, its one-page report, and the folder of them all
(``reentry compare --plots``, ``reentry plot --out DIR``).

A comparison's results are a :class:`sim.io.readback.ResultFolder` (the JSON document, the
trajectories, each scenario's target and documented flight): read back from an output
folder, or made from a :class:`sim.studies.compare.Comparison` by :func:`results_of`.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.io.geojson import geojson_document, write_geojson
from sim.io.kml import kml_document, write_kml
from sim.io.outputs import OutputError
from sim.io.readback import ResultFolder
from sim.io.text import format_comparison
from sim.plotting import figures as F
from sim.plotting.style import FONT
from sim.plotting.trackmap import plot_track_map
from sim.results.documented import FLIGHT_TITLES, documented_points
from sim.studies.compare import Comparison

#: Formats of the figure files.
FORMATS = ("png", "svg", "pdf")


def results_of(comparison: Comparison) -> ResultFolder:
    """The results of a comparison just flown, as if read back from its folder."""
    runs = comparison.runs
    return ResultFolder(
        None,
        comparison.document(),
        {r.scenario.name: r.trajectory for r in runs},
        {r.scenario.name: r.scenario.target for r in runs},
        {r.scenario.name: r.scenario.documented for r in runs},
    )


def _target(results: ResultFolder):
    return next((t for t in results.targets.values() if t is not None), None)


def _in_order(results: ResultFolder) -> dict:
    """The trajectories with the baseline first (the order of the text table)."""
    ref = results.document.get("reference")
    names = sorted(results.trajectories, key=lambda n: n != ref)
    return {n: results.trajectories[n] for n in names}


# --- the comparison figure -----------------------------------------------------------------
def comparison_figure(results: ResultFolder, fig: Any = None) -> Any:
    """Altitude against speed, the sensed load (with the documented peaks), the heat flux
    and altitude against ground distance, one style per scenario; returns the figure."""
    import matplotlib.pyplot as plt

    trajs = _in_order(results)
    if fig is None:
        fig = plt.figure(figsize=(11.0, 7.8), layout="constrained")
    axes = fig.subplots(2, 2)
    F.plot_g_load(trajs, axes[0, 0], documented=results.documented, legend=False)
    F.plot_heat_flux(trajs, axes[0, 1], legend=False)
    F.plot_altitude_speed(trajs, axes[1, 0])
    F.plot_altitude_downrange(trajs, axes[1, 1])
    _figure_legend(fig, axes.ravel())
    return fig


def _figure_legend(fig, axes):
    """One legend for the figure (the axes' entries, each label once), the axes' own gone."""
    handles, labels = [], []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4),
                   fontsize=FONT["legend"] + 0.5, frameon=False)  # fmt: skip


def overview_figure(results: ResultFolder) -> Any:
    """Altitude against speed, the sensed load and the ground-track map side by side
    (``reentry plot --figure``); returns the figure."""
    import matplotlib.pyplot as plt

    trajs = _in_order(results)
    fig = plt.figure(figsize=(17.0, 5.0), layout="constrained")
    axes = fig.subplots(1, 3)
    F.plot_altitude_speed(trajs, axes[0])
    F.plot_g_load(trajs, axes[1], documented=results.documented)
    plot_track_map(trajs, axes[2], target=_target(results),
                   documented=documented_points(results.documented.values()),
                   max_towns=20, town_fontsize=6.5, label_fontsize=7.0)  # fmt: skip
    _figure_legend(fig, axes)
    return fig


# --- the report ----------------------------------------------------------------------------
def _summary_lines(document: dict) -> list[str]:
    """The text table of :func:`sim.io.text.format_comparison` up to the documented blocks."""
    text = format_comparison(document)
    return text.split("\n\nDocumented vs simulated", 1)[0].splitlines()


def _documented_lines(document: dict) -> tuple[list[str], list[str]]:
    """The documented figures beside the simulated ones, one compact table per documented
    (flight, case), scenarios in columns; and the numbered sources."""
    groups: dict = {}
    for e in document["scenarios"]:
        if e.get("versus_documented"):
            key = (e["documented"]["flight"], e["documented"]["case"])
            groups.setdefault(key, []).append(e)
    lines: list[str] = []
    sources: list[str] = []
    for (flight, case), entries in groups.items():
        rows = []
        for k, r in enumerate(entries[0]["versus_documented"]):
            if r["source"] not in sources:
                sources.append(r["source"])
            cells = [r["label"], r["documented"]]
            for e in entries:
                cells.append(_versus_cell(e["versus_documented"][k]))
            cells.append(f"[{sources.index(r['source']) + 1}]")
            rows.append(cells)
        header = ["", "documented", *(e["name"] for e in entries), "src"]
        widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
        lines.append(f"Documented vs simulated: {FLIGHT_TITLES.get(flight, flight)}, {case}")
        for cells in (header, ["-" * w for w in widths], *rows):
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)))
        lines.append("")
    notes = [f"[{k + 1}] {s}" for k, s in enumerate(sources)]
    return lines, notes


def _versus_cell(r: dict) -> str:
    if r["difference"] is None:
        return "-"
    if r["kind"] == "point":
        return f"{r['difference']:.1f} km away"
    return f"{r['simulated']} ({r['difference']:+.1f})"


def _text_block(fig, rect, lines, size, **kw):
    """Monospace lines in a figure rectangle (x, y, w, h in figure fractions), top down."""
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.text(0.0, 1.0, "\n".join(lines), family="DejaVu Sans Mono", fontsize=size, va="top",
            ha="left", transform=ax.transAxes, linespacing=1.25, **kw)  # fmt: skip
    return ax


def report_figure(results: ResultFolder) -> Any:
    """A one-page report (A4 portrait): the comparison table, the documented figures beside
    the simulated ones, the ground-track map, the sensed load, altitude against speed and
    the heat flux. Returns the figure (save it as PDF and PNG)."""
    import matplotlib.pyplot as plt

    document = results.document
    trajs = _in_order(results)
    width, height = 8.27, 11.69
    fig = plt.figure(figsize=(width, height))
    names = ", ".join(f"{n} (reference)" if n == document.get("reference") else n for n in trajs)
    fig.text(0.5, 0.975, "reentry-sim: comparison of descents", ha="center", va="top",
             fontsize=13, fontweight="bold")  # fmt: skip
    fig.text(0.5, 0.953, names, ha="center", va="top", fontsize=8.5)
    summary = _summary_lines(document)
    versus, notes = _documented_lines(document)
    text_w_in = width - 0.8
    chars = max(len(s) for s in (*summary, *versus, "x"))
    size = min(6.8, 72.0 * text_w_in / (0.602 * chars))  # DejaVu Sans Mono: 0.602 em wide
    line_in = 1.25 * size / 72.0
    top = 0.935
    h_sum = (len(summary) + 1) * line_in / height
    _text_block(fig, (0.05, top - h_sum, 0.9, h_sum), summary, size)
    h_doc = (len(versus) + len(notes) + 1) * line_in / height
    y_doc = top - h_sum - h_doc
    _text_block(fig, (0.05, y_doc, 0.9, h_doc), versus + notes, size, color="#222222")
    figs = fig.add_gridspec(2, 2, left=0.08, right=0.97, bottom=0.085, top=y_doc - 0.02,
                            hspace=0.3, wspace=0.25)  # fmt: skip
    ax_map = fig.add_subplot(figs[0, 0])
    plot_track_map(trajs, ax_map, target=_target(results),
                   documented=documented_points(results.documented.values()),
                   max_towns=12, town_fontsize=5.0, label_fontsize=5.5,
                   text_size=6.0)  # fmt: skip
    quiet = {"legend": False, "event_labels": False}
    axes = [
        F.plot_g_load(
            trajs, fig.add_subplot(figs[0, 1]), documented=results.documented, **quiet
        ),  # fmt: skip
        F.plot_altitude_speed(trajs, fig.add_subplot(figs[1, 0])),
        F.plot_heat_flux(trajs, fig.add_subplot(figs[1, 1]), **quiet),
    ]
    for ax in axes:
        ax.xaxis.label.set_size(7)
        ax.yaxis.label.set_size(7)
        ax.tick_params(labelsize=6.5)
        for t in ax.texts:
            t.set_fontsize(min(t.get_fontsize(), 5.5))
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
    map_legend = ax_map.get_legend()
    if map_legend is not None:
        map_legend.remove()
    _figure_legend_at(fig, [*axes, ax_map], 0.008)
    return fig


def _figure_legend_at(fig, axes, y):
    handles, labels = [], []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    if handles:
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, y),
                   ncol=min(len(labels), 4), fontsize=6.5, frameon=False)  # fmt: skip


# --- the folder ----------------------------------------------------------------------------
def _figures(results: ResultFolder) -> dict:
    """File stem -> function drawing the figure (returns Axes or a Figure)."""
    trajs = _in_order(results)
    target = _target(results)
    points = documented_points(results.documented.values())
    return {
        "ground_tracks": lambda: plot_track_map(
            trajs, target=target, documented=points, title="Ground tracks below 140 km"
        ),
        "landing_zone": lambda: plot_track_map(
            trajs, target=target, documented=points, focus="landing", title="Landing zone"
        ),
        "altitude_time": lambda: F.plot_altitude_time(trajs),
        "altitude_speed": lambda: F.plot_altitude_speed(trajs),
        "altitude_downrange": lambda: F.plot_altitude_downrange(trajs),
        "load": lambda: F.plot_g_load(trajs, documented=results.documented),
        "heating": lambda: F.plot_heating(trajs),
        "dynamic_pressure": lambda: F.plot_dynamic_pressure(trajs),
        "mach": lambda: F.plot_mach(trajs),
        "flight_path_angle": lambda: F.plot_flight_path_angle(trajs),
        "bank_angle": lambda: F.plot_bank_angle(trajs),
        "comparison": lambda: comparison_figure(results),
    }


def _save(fig, path: Path, dpi: float = 150) -> None:
    try:
        fig.savefig(path, dpi=dpi)
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: a writable image file ({exc})") from None


def write_plots(
    out_dir: str | Path,
    results: ResultFolder,
    fmt: str = "png",
    exports: bool = True,
) -> list[Path]:
    """Write every figure of a comparison into ``out_dir`` (one file each, ``fmt``), the
    one-page report (``report.pdf`` and ``report.png``) and, with ``exports``, the tracks as
    ``tracks.kml`` and ``tracks.geojson``; returns the files written.

    Raises
    ------
    OutputError
        When a file cannot be written.
    ValueError
        For an unknown format.
    """
    import matplotlib.pyplot as plt

    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    written = []
    for stem, draw in _figures(results).items():
        made = draw()
        fig = made if hasattr(made, "savefig") else made.figure
        path = out / f"{stem}.{fmt}"
        try:
            _save(fig, path)
        finally:
            plt.close(fig)
        written.append(path)
    fig = report_figure(results)
    try:
        for suffix in ("pdf", "png"):
            path = out / f"report.{suffix}"
            _save(fig, path, dpi=200)
            written.append(path)
    finally:
        plt.close(fig)
    if exports:
        written += write_exports(out, results)
    return written


def write_exports(out_dir: str | Path, results: ResultFolder) -> list[Path]:
    """``tracks.kml`` and ``tracks.geojson`` of a comparison in ``out_dir``."""
    out = Path(out_dir)
    kw: Mapping[str, Any] = {
        "target": _target(results),
        "documented": documented_points(results.documented.values()),
    }
    trajs = _in_order(results)
    kml = out / "tracks.kml"
    geojson = out / "tracks.geojson"
    for path, write in (
        (kml, lambda: write_kml(kml, kml_document(trajs, name="reentry-sim comparison", **kw))),
        (geojson, lambda: write_geojson(geojson, geojson_document(trajs, **kw))),
    ):
        try:
            write()
        except OSError as exc:
            raise OutputError(f"{path}: a writable file ({exc.strerror or exc})") from None
    return [kml, geojson]


__all__ = [
    "FORMATS",
    "comparison_figure",
    "overview_figure",
    "report_figure",
    "results_of",
    "write_exports",
    "write_plots",
]
