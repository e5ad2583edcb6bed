"""The summary of a campaign: its record (``study.json``, the JSON of ``reentry sweep``)
and its text.

The JSON keys are a stable interface: ``runs``, ``failed``, ``runs_per_s``,
``footprint`` (``mean_lat_deg``, ``mean_lon_deg``, ``ellipse_99_7_semi_major_km``,
``ellipse_99_7_semi_minor_km``, ``ellipse_99_7_azimuth_deg``, ``downrange_p05_km``,
``downrange_p95_km`` and more), ``columns`` (per numeric column: ``mean``, ``std``,
``p05``, ``p50``, ``p95``), ``table``, ``resumed_runs``, ``executor``.
"""

import copy
import math

import numpy as np

from sim.studies.statistics import column_summary, exceedance, footprint, quantile_ci

#: Probability levels of the landing ellipses and their JSON names: "99.7 %" is the
#: probability of 3 sigma in one dimension, 0.9973, which in two dimensions is the ellipse
#: of 3.44 sigma (the chi-square quantile with two degrees of freedom).
LEVELS = {0.5: "50", 0.95: "95", 0.9973: "99_7"}

#: The smallest probability removed by a truncation that the text report names: below it
#: (a draw in a billion, beyond the largest campaign) a truncation cannot change a result;
#: the JSON record and study.json keep every truncation.
TRUNCATION_SHOWN = 1e-9


def _finite(x):
    """JSON has no NaN or infinity: an undefined figure (e.g. the upper bound of a 99.7 %
    quantile's interval from too few runs) is null."""
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def footprint_block(table: dict, reference) -> dict | None:
    """The landing footprint of a table (None when nothing landed)."""
    lat = np.asarray(table.get("landing_lat_deg", []), dtype=float)
    lon = np.asarray(table.get("landing_lon_deg", []), dtype=float)
    if not np.isfinite(lat).any():
        return None
    ref = None if reference is None else (reference.landing_lat_deg, reference.landing_lon_deg)
    az = None if reference is None else reference.approach_azimuth_deg
    fp = footprint(lat, lon, reference=ref, levels=tuple(LEVELS), approach_azimuth_deg=az)
    block: dict = {
        "landed": fp.n_landed,
        "mean_lat_deg": fp.mean_lat_deg,
        "mean_lon_deg": fp.mean_lon_deg,
        "std_east_km": fp.std_east_km,
        "std_north_km": fp.std_north_km,
    }
    for level, tag in LEVELS.items():
        e = fp.ellipse(level)
        block[f"ellipse_{tag}_semi_major_km"] = e.semi_major_km
        block[f"ellipse_{tag}_semi_minor_km"] = e.semi_minor_km
        block[f"ellipse_{tag}_azimuth_deg"] = e.azimuth_deg
        block[f"ellipse_{tag}_fraction_inside"] = e.fraction_inside
    for origin, radii in (("mean", fp.radii_about_mean), ("nominal", fp.radii_about_reference)):
        if radii is not None:
            for name in ("r50_km", "r90_km", "r95_km"):
                block[f"{name[:-3]}_about_{origin}_km"] = getattr(radii, name)
    down = np.asarray(table.get("downrange_to_target_km", []), dtype=float)
    down = down[np.isfinite(down)]
    if down.size:
        block["downrange_p05_km"] = float(np.quantile(down, 0.05))
        block["downrange_p95_km"] = float(np.quantile(down, 0.95))
    for name in ("miss_along_track_km", "miss_cross_track_km"):
        v = np.asarray(table.get(name, []), dtype=float)
        v = v[np.isfinite(v)]
        if v.size:
            block[f"{name[:-3]}_p00_15_km"] = float(np.quantile(v, 0.0015))
            block[f"{name[:-3]}_p99_85_km"] = float(np.quantile(v, 0.9985))
    dist = np.asarray(table.get("distance_to_target_km", []), dtype=float)
    if np.isfinite(dist).sum() >= 10:
        est, low, high = quantile_ci(dist[np.isfinite(dist)], 0.997)
        block["distance_p99_7_km"] = est
        block["distance_p99_7_ci95_km"] = [low, high]
    return {k: _finite(v) for k, v in block.items()}


def footprint_ellipses(
    footprint: dict | None, *, label: str | None = None, levels=tuple(LEVELS)
) -> list[dict]:
    """The landing ellipses of a footprint block (:func:`footprint_block`, the
    ``footprint`` of a record) as the mappings the maps draw
    (:func:`sim.plotting.trackmap.plot_track_map`), the least likely first.

    ``label`` names them on a map with several footprints ("ballistic" gives "ballistic
    99.73 %"); ``levels`` picks some of :data:`LEVELS`.
    """
    out: list[dict] = []
    for level, tag in LEVELS.items():
        if level not in levels:
            continue
        if footprint and footprint.get(f"ellipse_{tag}_semi_major_km") is not None:
            out.append(
                {
                    "center_lat_deg": footprint["mean_lat_deg"],
                    "center_lon_deg": footprint["mean_lon_deg"],
                    "semi_major_km": footprint[f"ellipse_{tag}_semi_major_km"],
                    "semi_minor_km": footprint[f"ellipse_{tag}_semi_minor_km"],
                    "azimuth_deg": footprint[f"ellipse_{tag}_azimuth_deg"],
                    "probability": level,
                    **({"label": f"{label} {100 * level:g} %"} if label else {}),
                }
            )
    return out


def columns_block(table: dict) -> dict:
    """Per numeric result column: mean, std, p05, p50, p95 (NaN rows excluded)."""
    out = {}
    for name, values in table.items():
        if name == "run" or name.startswith("wall_") or values.dtype == object:
            continue
        s = column_summary(values)
        out[name] = {k: _finite(float(v)) if isinstance(v, float) else v for k, v in s.items()}
    return out


def study_record(campaign, result, *, table_path: str | None = None) -> dict:
    """What ``study.json`` and ``reentry sweep --json`` say of a campaign (made once for a
    campaign, result and table path, a copy of it after: its footprint's geodesics were
    0.09 s of a 10,000-run sweep, which made it twice)."""
    records = getattr(result, "records", None)
    made = records.get(table_path) if records is not None else None
    if made is not None and made[0] is campaign:
        return copy.deepcopy(made[1])
    record = _study_record(campaign, result, table_path)
    if records is not None:
        records[table_path] = (campaign, copy.deepcopy(record))
    return record


def _study_record(campaign, result, table_path: str | None) -> dict:
    import sim

    table = result.table
    status = table.get("status", np.zeros(0, dtype=object))
    n = int(len(table.get("run", [])))
    failed = int(np.sum(status != "landed"))
    flown = max(n - result.resumed_runs, 0)
    record = {
        "name": campaign.scenario.name,
        "file": str(campaign.path),
        "kind": campaign.spec.kind,
        "seed": campaign.spec.seed,
        "samples": campaign.spec.samples,
        "runs": n,
        "failed": failed,
        "statuses": {str(s): int(np.sum(status == s)) for s in sorted(set(status))},
        "runs_per_s": flown / result.seconds if result.seconds > 0 else None,
        "seconds": result.seconds,
        "executor": result.executor,
        "resumed_runs": result.resumed_runs,
        "table": table_path,
        "inputs": campaign.sampler.keys,
        "truncated": campaign.sampler.truncated,
        "stop": result.stop,
        "footprint": footprint_block(table, campaign.reference),
        "columns": columns_block(table),
        "version": sim.__version__,
    }
    peak = np.asarray(table.get("peak_g", []), dtype=float)
    if peak.size:
        p, low, high = exceedance(peak, 5.0)
        record["p_peak_g_above_5"] = {"p": p, "ci95": [low, high]}
    return record


def format_study(record: dict) -> str:
    """The record as text for people."""
    lines = [
        f"{record['name']}: {record['runs']} runs ({record['kind']}, seed "
        f"{record['seed']}), {record['failed']} not landed, "
        f"{_num(record['runs_per_s'], '{:.0f}')} runs/s on {record['executor']}"
    ]
    if record["resumed_runs"]:
        lines.append(f"  {record['resumed_runs']} runs found done in the checkpoints")
    fp = record["footprint"]
    if fp:
        lines.append(
            f"Footprint: mean landing {fp['mean_lat_deg']:.4f} N "
            f"{fp['mean_lon_deg']:.4f} E; std east {fp['std_east_km']:.1f} km, "
            f"north {fp['std_north_km']:.1f} km"
        )
        for level, tag in LEVELS.items():
            lines.append(
                f"  {level * 100:g} % ellipse: {fp[f'ellipse_{tag}_semi_major_km']:.1f}"
                f" x {fp[f'ellipse_{tag}_semi_minor_km']:.1f} km, azimuth "
                f"{fp[f'ellipse_{tag}_azimuth_deg']:.0f} deg (holds "
                f"{100 * fp[f'ellipse_{tag}_fraction_inside']:.1f} %)"
            )
        if "r50_about_nominal_km" in fp:
            lines.append(
                f"  R50/R90/R95 about the undispersed landing: "
                f"{fp['r50_about_nominal_km']:.1f} / {fp['r90_about_nominal_km']:.1f}"
                f" / {fp['r95_about_nominal_km']:.1f} km"
            )
        if "downrange_p05_km" in fp:
            lines.append(
                f"  to go to the target along track: p05 {fp['downrange_p05_km']:.1f}"
                f" km, p95 {fp['downrange_p95_km']:.1f} km"
            )
    cols = record["columns"]
    rows = [
        ("peak_g", "peak load [g]"),
        ("distance_to_target_km", "distance to target [km]"),
        ("miss_from_nominal_km", "miss from undispersed [km]"),
        ("touchdown_speed_m_s", "touchdown speed [m/s]"),
        ("flight_time_s", "flight time [s]"),
    ]
    lines.append(f"{'':28s} {'mean':>9s} {'std':>9s} {'p05':>9s} {'p50':>9s} {'p95':>9s}")
    for key, label in rows:
        c = cols.get(key)
        if c:
            lines.append(
                f"{label:28s} "
                + " ".join(_num(c[k], "{:9.2f}") for k in ("mean", "std", "p05", "p50", "p95"))
            )
    if record.get("stop"):
        s = record["stop"]
        if "ci_width" in s:
            lines.append(
                f"Stop rule: p{100 * s['quantile']:g} of {s['column']} = "
                f"{s['estimate']:.3f}, 95 % interval {s['ci_low']:.3f}-"
                f"{s['ci_high']:.3f} (width {s['ci_width']:.3f}, tolerance "
                f"{s['tolerance']:g}): {'met' if s['met'] else 'NOT met'}"
            )
    shown = {k: v for k, v in record["truncated"].items() if v >= TRUNCATION_SHOWN}
    if shown:
        rest = len(record["truncated"]) - len(shown)
        lines.append(
            "Truncated at physical limits (probability removed): "
            + ", ".join(f"{k} {v:.2g}" for k, v in shown.items())
            + (f" (and {rest} more below {TRUNCATION_SHOWN:g}, in the JSON)" if rest else "")
        )
    if record["table"]:
        lines.append(f"Table: {record['table']}")
    return "\n".join(lines)


def _num(v, fmt: str) -> str:
    return "-" if v is None else fmt.format(v)
