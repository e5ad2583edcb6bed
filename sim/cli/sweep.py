"""``reentry sweep``: run a study file (a Monte Carlo, a grid, a Latin hypercube or a Sobol
design) and print its summary.

::

    reentry sweep FILE [--samples N] [--seed S] [--executor serial|processes|dask]
                  [--workers N] [--scheduler ADDRESS] [--out DIR] [--resume] [--overwrite]
                  [--json] [--until COLUMN:QUANTILE:WIDTH] [--max-samples N]
                  [--set ...] [--unset ...]
"""

import argparse
import json
import sys

from sim.cli.report import report
from sim.config.errors import ScenarioError


def add_parser(sub, common) -> None:
    """Register the ``sweep`` command."""
    sw = sub.add_parser(
        "sweep",
        help="run a study file: Monte Carlo dispersions, a grid, a Latin hypercube or Sobol",
        description="Run the study of a file (its [study] table with [dispersions] or "
        "[sweep]) through the compiled engine, in batches, and summarise it: the landing "
        "footprint, statistics per column, the table of runs.",
    )
    sw.add_argument("scenario", metavar="FILE")
    sw.add_argument("--samples", type=int, metavar="N", help="runs (overrides [study])")
    sw.add_argument("--seed", type=int, metavar="S", help="seed (overrides [study])")
    sw.add_argument(
        "--executor",
        choices=("serial", "processes", "dask"),
        default="serial",
        help="where the batches fly: this process (all cores), local worker "
        "processes, or a Dask cluster (default serial)",
    )
    sw.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (processes, or a local Dask cluster)",
    )
    sw.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://host:port); without it --executor dask "
        "starts a local cluster",
    )
    sw.add_argument(
        "--out",
        metavar="DIR",
        help="write runs.parquet, runs.csv, study.json and study.resolved.toml "
        "(checkpoints while running)",
    )
    sw.add_argument(
        "--resume", action="store_true", help="continue the campaign checkpointed in --out"
    )
    sw.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another campaign's finished results in --out (without it, an error)",
    )
    sw.add_argument(
        "--until",
        metavar="COLUMN:QUANTILE:WIDTH",
        help="run until the 95 %% interval of that quantile of that column is "
        "narrower than WIDTH, e.g. distance_to_target_km:0.997:1.0",
    )
    sw.add_argument(
        "--max-samples",
        type=int,
        metavar="N",
        help="the most runs --until may fly (default 1,000,000)",
    )
    sw.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.add_argument(
        "--plots",
        action="store_true",
        help="also write into --out the study's figures: landing points with the "
        "ellipses on the map, histograms and distributions of the main results, and "
        "each against the swept parameter of a one-key grid",
    )
    sw.add_argument(
        "--format",
        dest="fmt",
        choices=("png", "svg", "pdf"),
        default="png",
        help="image format of --plots (default png)",
    )
    common(sw)


def _stop_rule(text: str | None, max_samples: int | None):
    from sim.config.study import StopRule

    if text is None:
        if max_samples is not None:
            raise ScenarioError("--max-samples", None, "--until beside it")
        return None
    parts = text.split(":")
    try:
        column, q, width = parts[0], float(parts[1]), float(parts[2])
        if len(parts) != 3 or not column or not 0 < q < 1 or not width > 0:
            raise ValueError
    except (IndexError, ValueError):
        raise ScenarioError(
            "--until",
            None,
            "COLUMN:QUANTILE:WIDTH with 0 < QUANTILE < 1 "
            f"and WIDTH > 0, e.g. distance_to_target_km:0.997:1.0, not "
            f"{text!r}",
        ) from None
    return StopRule(column, q, width, int(max_samples or 1_000_000))


def run(args: argparse.Namespace, overrides: dict) -> int:
    """Run ``reentry sweep``; returns the exit status."""
    from dataclasses import replace

    from sim.studies.campaign import Campaign, run_campaign
    from sim.studies.executors import executor_named
    from sim.studies.report import format_study, study_record
    from sim.studies.table import RESULT_COLUMNS

    for name in ("samples", "workers", "max_samples"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise ScenarioError(
                f"--{name.replace('_', '-')}", None, f"a positive integer, not {value}"
            )
    if args.out is not None and not args.out:
        raise ScenarioError("--out", None, "a folder name, not an empty string")
    if args.resume and not args.out:
        raise ScenarioError("--resume", None, "--out DIR (the folder of the checkpoints)")
    if args.overwrite and (args.resume or not args.out):
        raise ScenarioError(
            "--overwrite", None, "--out DIR without --resume (the folder to replace)"
        )
    if args.plots and not args.out:
        raise ScenarioError("--plots", None, "--out DIR (the folder the figures go to)")
    if args.scheduler and args.executor != "dask":
        raise ScenarioError("--scheduler", None, "--executor dask beside it")

    campaign = Campaign(args.scenario, overrides, samples=args.samples, seed=args.seed)
    rule = _stop_rule(args.until, args.max_samples)
    if rule is not None:
        if rule.column not in RESULT_COLUMNS:
            raise ScenarioError(
                "--until",
                None,
                "a result column ("
                + ", ".join(k for k in RESULT_COLUMNS if k not in ("status", "message"))
                + "), not "
                f"{rule.column!r}",
            )
        campaign.spec = replace(campaign.spec, stop=rule)
    executor = executor_named(args.executor, workers=args.workers, scheduler=args.scheduler)
    bar = None
    if not args.quiet:
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            total = (
                campaign.size() if campaign.spec.stop is None else campaign.spec.stop.max_samples
            )
            bar = tqdm(
                total=total,
                unit="run",
                file=sys.stderr,
                leave=False,
                desc=campaign.scenario.name,
                dynamic_ncols=True,
                disable=None,  # a bar on a terminal only, not in a log
            )
    try:
        result = run_campaign(
            campaign,
            executor=executor,
            out=args.out,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=None if bar is None else bar.update,
        )
    finally:
        if bar is not None:
            bar.close()
    table_path = (
        None if args.out is None else str(__import__("pathlib").Path(args.out) / "runs.parquet")
    )
    record = study_record(campaign, result, table_path=table_path)
    if args.plots:
        from sim.io.outputs import open_folder

        folder = open_folder(str(args.out))  # the figures committed beside the table
        try:
            figures = write_figures(campaign, result, record, folder.staging, args.fmt)
            folder.add_written(figures)
            folder.commit(replace=False)
        finally:
            folder.discard()
        print(f"wrote {len(figures)} figures into {args.out}", file=sys.stderr)
    if args.json:
        report(json.dumps(record, allow_nan=False))
    else:
        print(format_study(record))
    sys.stdout.flush()
    return 0


#: The result columns drawn by ``--plots`` (histogram, distribution, against the grid).
PLOTTED_COLUMNS = (
    "peak_g",
    "distance_to_target_km",
    "downrange_to_target_km",
    "crossrange_to_target_km",
    "time_above_4g_s",
    "flight_time_s",
    "touchdown_speed_m_s",
)


def write_figures(campaign, result, record: dict, out, fmt: str) -> list:
    """The figures of a finished campaign, into its output folder."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.plotting.studies import write_study_figures
    from sim.studies.report import footprint_ellipses

    ellipses = footprint_ellipses(record.get("footprint"))
    swept = [k for k, _ in campaign.spec.sweep]
    return write_study_figures(
        result.table,
        out,
        parameter=swept[0] if len(swept) == 1 else None,
        columns=[c for c in PLOTTED_COLUMNS if c in result.table],
        target=campaign.scenario.target,
        ellipses=ellipses,
        fmt=fmt,
    )
