"""The ``reentry`` command line: run one scenario, compare several.

::

    reentry run SCENARIO.toml [--out DIR] [--json] [--set KEY=VALUE ...] [--unset KEY ...]
    reentry compare PATH... [--out DIR [--plots] [--format F]] [--json] [--set KEY=VALUE ...]
    reentry plot PATH... (--figure FILE.png | --out DIR) [--format png|svg|pdf]
    reentry sweep FILE [--samples N] [--seed S] [--executor ...] [--out DIR] [--resume] [--json]
    reentry bench [FOLDER] [--json]

Exit status: 0 when every scenario was simulated (whatever its flight status: a capsule
that skips out or stops early is a result, reported with its status); 2 for any user error
(missing or unreadable file, invalid TOML, a scenario error, a bad ``--set``, an output
folder that cannot be written), reported on one line as
``reentry: error: <file>: <key>: <expected>``.

This module only parses arguments and prints: the work is done by public functions of
the package (:func:`sim.studies.compare.compare`, :mod:`sim.io`,
:func:`sim.plotting.report.write_plots`). Nothing here imports matplotlib unless figures
are drawn (``plot``, ``compare --plots``).
"""

import argparse
import json
import os
import sys
from pathlib import Path

from sim import __version__
from sim.cli import bench, calibrate, sweep
from sim.cli.notice import compiling_notice
from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.config.tree import REMOVE, parse_override
from sim.io.outputs import OutputError, prepare_folder, write_comparison
from sim.io.text import format_comparison
from sim.studies.compare import check_names, compare

EXIT_OK = 0
EXIT_USER_ERROR = 2


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
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USER_ERROR
        with compiling_notice():
            return _dispatch(args)
    except (UserError, OutputError) as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ScenarioError as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader stopped early (e.g. `| head`): not an error of the run. Point stdout
        # at devnull so that the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


# ---------------------------------------------------------------------------------------
def _dispatch(args):
    if args.command == "bench":
        return bench.run(args, UserError)
    overrides = _overrides(args)
    if args.command == "sweep":
        return sweep.run(args, overrides)
    if args.command == "calibrate":
        return calibrate.run(args, overrides)
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
    if getattr(args, "plots", False) and not args.out:
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
    out_dir = prepare_folder(out) if out else None
    comparison = compare(scenarios, with_baseline=with_baseline)
    document = comparison.document()
    if extra is not None:
        document = extra(document)
    if out_dir is not None:
        write_comparison(out_dir, document, comparison.runs)
    if out_dir is not None and plots:
        written = _write_plots(out_dir, comparison, plots)
        print(f"wrote {len(written)} figure and map files to {out_dir}", file=sys.stderr)
    if as_json:
        print(json.dumps(document, allow_nan=False))
    else:
        print(format_comparison(document))
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
    return _draw(read_result_folder(args.paths[0]), args)


def _plot(scenarios, args):
    from sim.plotting.report import results_of

    return _draw(results_of(compare(scenarios, with_baseline=False)), args)


def _draw(results, args):
    if args.out:
        out_dir = prepare_folder(args.out)
        written = _write_plots(out_dir, results, args.fmt)
        print(f"wrote {len(written)} files to {out_dir}")
        return EXIT_OK
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
    return EXIT_OK


__all__ = ["main"]
