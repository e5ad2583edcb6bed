"""``reentry compare --uncertainty`` and ``reentry calibrate``: argument parsing and
printing only (the work: :mod:`sim.studies.uncertainty`, :mod:`sim.studies.calibration`).

::

    reentry compare PATH... --uncertainty [--samples N] [--sobol-samples M] [--seed S]
    reentry calibrate FILE [--samples N] [--seed S] [--out DIR] [--json]
"""

import json
import sys
from collections.abc import Callable

from sim.cli.report import report
from sim.config.errors import ScenarioError


def add_compare_options(cmp_) -> None:
    """The ``--uncertainty`` options of ``reentry compare``."""
    cmp_.add_argument(
        "--uncertainty",
        action="store_true",
        help="propagate the stated uncertainty of the unpublished parameters (the scenarios' "
        "[uncertainty] file) to the documented figures: median, 90 %% interval and the "
        "documented value's percentile, per atmosphere model, and Sobol indices",
    )
    cmp_.add_argument(
        "--samples",
        type=_positive,
        metavar="N",
        help="with --uncertainty: Monte Carlo flights per scenario (default: the file's)",
    )
    cmp_.add_argument(
        "--sobol-samples",
        type=_positive,
        metavar="M",
        help="with --uncertainty: Saltelli base sample, M (D + 2) flights (default: the file's)",
    )
    cmp_.add_argument(
        "--seed", type=int, metavar="S", help="with --uncertainty: seed (default: the file's)"
    )


def _positive(text: str) -> int:
    import argparse

    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 2:
        raise argparse.ArgumentTypeError(f"an integer >= 2, not {text!r}")
    return n


def compare_hook(args, scenarios, overrides) -> Callable[[dict], dict] | None:
    """What ``--uncertainty`` adds to the comparison's document (None without it)."""
    if not getattr(args, "uncertainty", False):
        for flag in ("samples", "sobol_samples", "seed"):
            if getattr(args, flag, None) is not None:
                raise ScenarioError(None, None, f"--{flag.replace('_', '-')}: needs --uncertainty")
        return None
    from sim.studies.uncertain import read_uncertainty
    from sim.studies.uncertainty import attach_uncertainty, guided, propagate, sobol_library

    files = {s.uncertainty_file for s in scenarios if s.uncertainty_file is not None}
    if not files:
        raise ScenarioError(
            scenarios[0].path,
            "uncertainty",
            "an [uncertainty] table with the file of the distributions (file = ...) for "
            "--uncertainty",
        )
    sobol_library()  # before the flights: a missing extra is said at once

    def hook(document: dict) -> dict:
        for file in sorted(files):
            spec = read_uncertainty(file)
            chosen = [s for s in scenarios if s.uncertainty_file == file and not guided(s)]
            if not chosen:
                continue
            result = propagate(
                chosen,
                spec,
                overrides=overrides,
                samples=args.samples,
                sobol_samples=args.sobol_samples,
                seed=args.seed,
                progress=lambda text: print(text, file=sys.stderr),
            )
            result["not_propagated"] = [
                s.name for s in scenarios if s.uncertainty_file == file and guided(s)
            ]
            document = attach_uncertainty(document, chosen, result)
        return document

    return hook


def add_parser(sub, common) -> None:
    """The ``calibrate`` command."""
    cal = sub.add_parser(
        "calibrate",
        help="estimate uncertain parameters from a flight's documented outcomes",
        description="Bayesian calibration of a scenario's uncertain parameters against the "
        "documented figures of its flight (priors: the calibration file's distributions): "
        "a surrogate fitted on a design of flights, sampled by an ensemble MCMC; prints the "
        "posterior and its convergence diagnostics and writes the calibrated scenario.",
    )
    cal.add_argument("file", metavar="FILE", help="a calibration file (configs/README.md)")
    cal.add_argument("--samples", type=_positive, metavar="N", help="MCMC steps per walker")
    cal.add_argument("--seed", type=int, metavar="S", help="seed (default: the file's)")
    cal.add_argument(
        "--out",
        metavar="DIR",
        help="write calibration.json, the posterior samples (posterior.csv) and the "
        "calibrated scenario (calibrated.toml)",
    )
    cal.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    common(cal)


def run(args, overrides) -> int:
    """Run ``reentry calibrate`` (its --out folder written through a staging folder and
    committed at the end, :mod:`sim.io.outputs`)."""
    from sim.io.outputs import OutputError, open_folder
    from sim.studies.calibration import calibrate, format_calibration, write_outputs

    folder = open_folder(args.out) if args.out is not None else None  # before the work
    try:
        result = calibrate(
            args.file,
            overrides=overrides,
            steps=args.samples,
            seed=args.seed,
            progress=lambda text: print(text, file=sys.stderr),
        )
        if folder is not None:
            try:
                written = write_outputs(result, folder.staging, final=folder.path)
            except OSError as exc:
                raise OutputError(f"{folder.path}: a writable folder ({exc.strerror})") from None
            folder.add_written(written)
            folder.commit()
            names = ", ".join(str(p.name) for p in written)
            print(f"wrote {names} to {folder.path}", file=sys.stderr)
    finally:
        if folder is not None:
            folder.discard()
    if args.json:
        report(json.dumps(result.document(), allow_nan=False))
    else:
        print(format_calibration(result.document()))
    sys.stdout.flush()
    return 0
