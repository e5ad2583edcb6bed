"""The ``reentry`` command line: run one scenario, compare several.

::

    reentry run SCENARIO.toml [--out DIR] [--json] [--set KEY=VALUE ...] [--unset KEY ...]
    reentry compare PATH... [--out DIR [--plots] [--format F]] [--json] [--set KEY=VALUE ...]
    reentry plot PATH... (--figure FILE.png | --out DIR) [--format png|svg|pdf]
    reentry sweep FILE [--samples N] [--seed S] [--executor ...] [--out DIR] [--resume] [--json]
    reentry calibrate FILE [--samples N] [--seed S] [--out DIR] [--json]
    reentry bench [FOLDER] [--json]

Exit status: 0 when every scenario was simulated (whatever its flight status: a capsule
that skips out, stops early or hits the ground too fast is a result, reported with its
status); 2 for any user error (missing or unreadable file, invalid TOML, a scenario error,
a bad ``--set``, an output folder or stream that cannot be written), reported on one line
as ``reentry: error: <file>: <key>: <expected>``; 130 after Ctrl-C (one line,
``reentry: interrupted``), whatever the command. Every folder a command writes goes
through a staging folder and a journaled commit (:mod:`sim.io.outputs`).

This module only parses arguments and prints: the work is done by public functions of
the package (:func:`sim.studies.compare.compare`, :mod:`sim.io`,
:func:`sim.plotting.report.write_plots`). Nothing here imports matplotlib unless figures
are drawn (``plot``, ``compare --plots``).
"""

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from sim import __version__
from sim.cli import bench, calibrate, sweep
from sim.cli.notice import compiling_notice
from sim.cli.report import report
from sim.cli.signals import Interrupts
from sim.cli.warn import one_line
from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.config.tree import REMOVE, parse_override
from sim.io.outputs import OutputError, open_folder
from sim.io.text import format_comparison
from sim.studies.compare import check_names, compare

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


class UserError(Exception):
    """A mistake of the user: reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UserError(f"{message} (see '{self.prog} --help')")


def _parser():
    p = _Parser(
        prog="reentry",
        description="Capsule reentry simulator: run and compare "
        "scenario files (TOML; keys in configs/README.md).",
    )
    p.add_argument("--version", action="version", version=f"reentry-sim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp):
        sp.add_argument(
            "--set",
            dest="overrides",
            metavar="KEY=VALUE",
            action="append",
            default=[],
            help="override a key after 'extends' (dotted, list "
            "items by 0-based index; VALUE is a TOML value, or a bare "
            "string), e.g. --set vehicles.descent_module.mass_kg=2950; "
            "repeatable",
        )
        sp.add_argument(
            "--unset",
            dest="removals",
            metavar="KEY",
            action="append",
            default=[],
            help="remove a key after 'extends' (e.g. --unset targeting); repeatable",
        )

    run = sub.add_parser(
        "run",
        help="simulate one scenario and print its summary",
        description="Simulate one scenario and print its summary.",
    )
    run.add_argument("scenario", metavar="SCENARIO.toml")
    run.add_argument(
        "--out",
        metavar="DIR",
        help="write NAME.csv (trajectory), "
        "NAME.resolved.toml (the resolved configuration), NAME.guidance.csv "
        "(guided flights) and summary.json",
    )
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    common(run)

    cmp_ = sub.add_parser(
        "compare",
        help="simulate several scenarios and compare them with the baseline",
        description="Simulate scenarios (files, or "
        "directories of *.toml files not starting with '_') and compare "
        "them with the baseline: the one with 'reference = true', else "
        "the one named 'nominal', else the first.",
    )
    cmp_.add_argument("paths", metavar="PATH", nargs="+")
    cmp_.add_argument(
        "--out",
        metavar="DIR",
        help="write NAME.csv, NAME.resolved.toml "
        "(and NAME.guidance.csv) per scenario, and summary.json",
    )
    cmp_.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    cmp_.add_argument(
        "--plots",
        action="store_true",
        help="also write into --out every figure (--format), report.pdf and report.png, "
        "tracks.kml (Google Earth) and tracks.geojson (QGIS)",
    )
    _format_option(cmp_)
    calibrate.add_compare_options(cmp_)
    common(cmp_)

    plot = sub.add_parser(
        "plot",
        help="draw the figures of scenarios or of an output folder",
        description="Simulate scenarios (or read back a folder written by 'reentry compare "
        "--out DIR') and draw altitude against speed, the sensed load and the ground "
        "tracks into one image (--figure), or every figure, the report and the KML and "
        "GeoJSON tracks into a folder (--out).",
    )
    plot.add_argument("paths", metavar="PATH", nargs="+")
    where = plot.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--figure",
        metavar="FILE",
        help="image file to write (format from the suffix: .png, .pdf, .svg)",
    )
    where.add_argument("--out", metavar="DIR", help="folder for every figure and the report")
    _format_option(plot)
    common(plot)
    sweep.add_parser(sub, common)
    calibrate.add_parser(sub, common)
    bench.add_parser(sub)
    return p


def _format_option(sp):
    sp.add_argument(
        "--format",
        dest="fmt",
        choices=("png", "svg", "pdf"),
        default="png",
        help="file format of the figures (default png)",
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``reentry`` and ``python -m sim``; returns the exit status."""
    ctrl_c = Interrupts()
    try:
        with warnings.catch_warnings(), ctrl_c:
            warnings.showwarning = one_line
            return _main(argv)
    except KeyboardInterrupt:
        print("reentry: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        # A Ctrl-C raised inside the compiler (after Interrupts.MAX_WAIT of waiting for a
        # frame outside it) can break it with another exception: still the interrupt.
        if ctrl_c.first is None:
            raise
        print("reentry: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


#: Optional libraries -> the extra of pyproject.toml that installs them.
OPTIONAL_MODULES = {
    "pyproj": "studies",
    "pyarrow": "studies",
    "pandas": "studies",
    "tqdm": "studies",
    "distributed": "dask",
    "dask": "dask",
    "SALib": "uncertainty",
    "emcee": "uncertainty",
}


def _main(argv):
    parser = _parser()
    args = None
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UserError(
                "a command: run, compare, plot, sweep, calibrate or bench (see 'reentry --help')"
            )
        with compiling_notice():
            return _dispatch(args)
    except (UserError, OutputError) as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ScenarioError as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ImportError as exc:
        # an optional library missing (ours say which extra installs it)
        name = exc.name or getattr(exc.__cause__, "name", None) or ""
        extra = OPTIONAL_MODULES.get(name.split(".")[0])
        if extra is None:
            raise
        command = getattr(args, "command", None)
        print(
            f"reentry: error: {command}: needs {name} (the '{extra}' extra: "
            f"pip install -e '.[{extra}]' in a clone)",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader stopped early (e.g. `| head`): not an error of the run. Point stdout
        # at devnull so that the interpreter's final flush does not raise again.
        _quiet_stdout()
        return 0
    except OSError as exc:  # stdout cannot be written (a full disk, /dev/full)
        _quiet_stdout()
        print(
            f"reentry: error: standard output: a writable stream ({exc.strerror})", file=sys.stderr
        )
        return EXIT_USER_ERROR


def _quiet_stdout():
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (captured)
        pass


# ---------------------------------------------------------------------------------------
def _dispatch(args):
    if args.command == "bench":
        return bench.run(args, UserError)
    overrides = _overrides(args)
    if args.command == "sweep":
        return sweep.run(args, overrides)
    if args.command == "calibrate":
        return calibrate.run(args, overrides)
    if args.command == "plot" and args.figure is not None:
        _check_figure(args.figure)  # before flying
    if args.command == "plot" and any(_is_result_folder(p) for p in args.paths):
        return _plot_folder(args, overrides)
    if args.command == "run":
        paths = [Path(args.scenario)]
    else:
        paths = _expand(args.paths)
    scenarios = [load_scenario(p, overrides) for p in paths]
    check_names(scenarios)
    if args.command == "plot":
        return _plot(scenarios, args)
    if getattr(args, "plots", False) and args.out is None:
        raise UserError("--plots: needs --out DIR (the folder the figures go to)")
    return _report(
        scenarios,
        with_baseline=args.command == "compare",
        as_json=args.json,
        out=args.out,
        plots=args.fmt if getattr(args, "plots", False) else None,
        extra=calibrate.compare_hook(args, scenarios, overrides),
    )


def _overrides(args):
    out = {}
    for text in args.overrides:
        key, value = parse_override(text)
        out[key] = value
    for key in args.removals:
        if not key.strip():
            raise UserError("--unset: a dotted key such as targeting")
        if key.strip() in out:
            raise UserError(f"--unset {key.strip()}: a key not also given to --set")
        out[key.strip()] = REMOVE
    return out


def _expand(paths):
    files = []
    for text in paths:
        p = Path(text)
        if p.is_dir():
            found = sorted(f for f in p.glob("*.toml") if not f.name.startswith("_"))
            if not found:
                raise UserError(
                    f"{p}: a directory with scenario files (*.toml not "
                    "starting with '_'), none found"
                )
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise UserError(f"{p}: an existing scenario file or directory (not found)")
    return files


def _report(scenarios, *, with_baseline, as_json, out, plots=None, extra=None):
    folder = open_folder(out) if out is not None else None  # before flying: writable?
    try:
        comparison = compare(scenarios, with_baseline=with_baseline)
        document = comparison.document()
        if extra is not None:
            document = extra(document)
        if folder is not None:
            folder.write_comparison(document, comparison.runs)
            if plots:
                written = _write_plots(folder.staging, comparison, plots)
                folder.add_written(written)
            folder.commit()
            if plots:
                print(
                    f"wrote {len(written)} figure and map files to {folder.path}",
                    file=sys.stderr,
                )
    finally:
        if folder is not None:
            folder.discard()
    if as_json:
        report(json.dumps(document, allow_nan=False))
    else:
        report(format_comparison(document))
    sys.stdout.flush()  # a stdout that cannot be written fails here, not at exit
    return EXIT_OK


def _is_result_folder(text):
    return (Path(text) / "summary.json").is_file()


def _agg():
    import matplotlib

    matplotlib.use("Agg")


def _write_plots(out_dir, source, fmt):
    """Every figure, the report and the KML/GeoJSON of a comparison (or a folder read back)."""
    _agg()
    from sim.plotting.report import results_of, write_plots

    results = source if hasattr(source, "trajectories") else results_of(source)
    return write_plots(out_dir, results, fmt)


def _plot_folder(args, overrides):
    from sim.io.readback import read_result_folder

    if len(args.paths) != 1:
        raise UserError("plot: one output folder (with summary.json), or scenario files")
    if overrides:
        raise UserError("--set/--unset: change scenarios, not a folder of results")
    return _draw(lambda: read_result_folder(args.paths[0]), args)


def _plot(scenarios, args):
    from sim.plotting.report import results_of

    # several scenarios: against their baseline, as compare draws them
    return _draw(lambda: results_of(compare(scenarios, with_baseline=len(scenarios) > 1)), args)


def _draw(results_of, args):
    """Draw the results ``results_of()`` gives into --out or --figure (the folder opened,
    or the image name checked, before the results are flown or read)."""
    if args.out is not None:
        # figures beside what the folder holds (a comparison's files stay)
        folder = open_folder(args.out)
        try:
            written = _write_plots(folder.staging, results_of(), args.fmt)
            folder.add_written(written)
            folder.commit(replace=False)
        finally:
            folder.discard()
        print(f"wrote {len(written)} files to {folder.path}")
        sys.stdout.flush()
        return EXIT_OK
    results = results_of()
    _agg()
    from sim.plotting.report import overview_figure

    fig = overview_figure(results)
    try:
        fig.savefig(args.figure)
    except (OSError, ValueError) as exc:
        raise UserError(f"{args.figure}: a writable image file ({exc})") from None
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    print(f"wrote {args.figure}")
    sys.stdout.flush()
    return EXIT_OK


def _check_figure(figure):
    """Refuse an image name matplotlib would silently change (before flying)."""
    _agg()
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    path = Path(figure)
    suffix = path.suffix.lower().lstrip(".")
    if not figure or path.is_dir():
        what = "an empty name" if not figure else "a folder"
        raise UserError(f"--figure {figure!r}: an image file name such as tracks.png, not {what}")
    if suffix not in formats:
        known = ", ".join(f".{k}" for k in sorted(formats))
        raise UserError(f"--figure {figure}: a file name whose suffix names the format ({known})")


__all__ = ["main"]
