"""The ``reentry`` command line: run one scenario, compare several.

::

    reentry run SCENARIO.toml [--out DIR] [--json] [--set KEY=VALUE ...] [--unset KEY ...]
    reentry compare PATH... [--out DIR] [--json] [--set KEY=VALUE ...] [--unset KEY ...]
    reentry plot PATH... --figure FILE.png [--set KEY=VALUE ...]

Exit status: 0 when every scenario was simulated (whatever its flight status: a capsule
that skips out, stops early or hits the ground too fast is a result, reported with its
status); 2 for any user error (missing or unreadable file, invalid TOML, a scenario error,
a bad ``--set``, an output folder or stream that cannot be written), reported on one line
as ``reentry: error: <file>: <key>: <expected>``; 130 after Ctrl-C (one line,
``reentry: interrupted``).

This module only parses arguments and prints: the work is done by public functions of
the package (:func:`sim.studies.compare.compare`, :mod:`sim.io`). Nothing here imports
matplotlib unless the ``plot`` command runs.
"""

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from sim import __version__
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
    common(cmp_)

    plot = sub.add_parser(
        "plot",
        help="draw altitude, load and ground tracks to a file",
        description="Simulate scenarios and draw altitude against speed, "
        "the sensed load and the ground tracks into one image.",
    )
    plot.add_argument("paths", metavar="PATH", nargs="+")
    plot.add_argument(
        "--figure",
        metavar="FILE",
        required=True,
        help="image file to write (format from the suffix: .png, .pdf, .svg)",
    )
    common(plot)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``reentry`` and ``python -m sim``; returns the exit status."""
    try:
        with warnings.catch_warnings(), Interrupts():
            warnings.showwarning = one_line
            return _main(argv)
    except KeyboardInterrupt:
        print("reentry: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv):
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UserError("a command: run, compare or plot (see 'reentry --help')")
        overrides = _overrides(args)
        if args.command == "run":
            paths = [Path(args.scenario)]
        else:
            paths = _expand(args.paths)
        scenarios = [load_scenario(p, overrides) for p in paths]
        check_names(scenarios)
        if args.command == "plot":
            return _plot(scenarios, args.figure)
        return _report(
            scenarios, with_baseline=args.command == "compare", as_json=args.json, out=args.out
        )
    except (UserError, OutputError) as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ScenarioError as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
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


def _report(scenarios, *, with_baseline, as_json, out):
    folder = open_folder(out) if out is not None else None  # before flying: writable?
    try:
        comparison = compare(scenarios, with_baseline=with_baseline)
        document = comparison.document()
        if folder is not None:
            folder.write_comparison(document, comparison.runs)
            folder.commit()
    finally:
        if folder is not None:
            folder.discard()
    if as_json:
        print(json.dumps(document, allow_nan=False))
    else:
        print(format_comparison(document))
    sys.stdout.flush()  # a stdout that cannot be written fails here, not at exit
    return EXIT_OK


def _plot(scenarios, figure):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backend_bases import FigureCanvasBase

    _check_figure(figure, FigureCanvasBase.get_supported_filetypes())

    from sim.plotting.figures import plot_altitude_speed, plot_g_load, plot_ground_tracks
    from sim.results.documented import documented_points

    comparison = compare(scenarios, with_baseline=False)
    trajectories = {r.scenario.name: r.trajectory for r in comparison.runs}
    target = next((s.target for s in scenarios if s.target is not None), None)
    markers = documented_points(s.documented for s in scenarios)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), constrained_layout=True)
    plot_altitude_speed(trajectories, ax=axes[0])
    plot_g_load(trajectories, ax=axes[1])
    plot_ground_tracks(trajectories, ax=axes[2], markers=markers, target=target)
    try:
        fig.savefig(figure)
    except (OSError, ValueError) as exc:
        raise UserError(f"{figure}: a writable image file ({exc})") from None
    finally:
        plt.close(fig)
    print(f"wrote {figure}")
    sys.stdout.flush()
    return EXIT_OK


def _check_figure(figure, formats):
    """Refuse an image name matplotlib would silently change (before flying)."""
    path = Path(figure)
    suffix = path.suffix.lower().lstrip(".")
    if not figure or path.is_dir():
        what = "an empty name" if not figure else "a folder"
        raise UserError(f"--figure {figure!r}: an image file name such as tracks.png, not {what}")
    if suffix not in formats:
        known = ", ".join(f".{k}" for k in sorted(formats))
        raise UserError(f"--figure {figure}: a file name whose suffix names the format ({known})")


__all__ = ["main"]
