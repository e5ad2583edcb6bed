"""``reentry bench``: the engine's speed and accuracy against the reference path.

::

    reentry bench [FOLDER] [--json]

``FOLDER`` is the TMA-11 scenario folder (default ``configs/soyuz_tma11``). The figures
and the JSON keys are those of :mod:`sim.studies.bench`.
"""

import json
import sys
from pathlib import Path

from sim.cli.report import report


def add_parser(sub) -> None:
    """Register the ``bench`` command."""
    b = sub.add_parser(
        "bench",
        help="measure the engine's speed and accuracy against the solve_ivp reference",
        description="Fly the TMA-11 scenarios with the compiled engine and with the "
        "solve_ivp reference path, side by side in this process, and print each figure "
        "(single descents, Monte Carlo throughput, accuracy against rtol=1e-12, import "
        "time, memory) with its ratio and its target. About half a minute.",
    )
    b.add_argument(
        "folder",
        metavar="FOLDER",
        nargs="?",
        default="configs/soyuz_tma11",
        help="the TMA-11 scenario folder (default configs/soyuz_tma11)",
    )
    b.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run(args, user_error) -> int:
    """Run ``reentry bench``; a folder without the scenarios is a user error."""
    from sim.studies.bench import BenchError, format_bench, run_bench, scenario_files

    folder = Path(args.folder)
    if not folder.is_dir():
        raise user_error(f"{folder}: the TMA-11 scenario folder (not found)")
    try:
        scenario_files(folder)
    except BenchError as exc:
        raise user_error(str(exc)) from None

    def progress(stage: str) -> None:
        print(f"reentry bench: {stage}...", file=sys.stderr, flush=True)

    try:
        figures = run_bench(folder, progress=progress)
    except BenchError as exc:
        raise user_error(str(exc)) from None
    if args.json:
        report(json.dumps(figures, allow_nan=False))
    else:
        print(format_bench(figures))
    return 0
