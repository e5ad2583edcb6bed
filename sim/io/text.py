"""The human-readable report of a comparison: a table per scenario and the documented
figures beside the simulated ones.

:func:`format_comparison` renders the JSON document of
:meth:`sim.studies.compare.Comparison.document`, so that the text and the JSON always
say the same.
"""

import math

from sim.results.documented import FLIGHT_TITLES
from sim.results.summary import format_dms, format_utc
from sim.results.trajectory import LANDED


def _f(value, fmt="{:.1f}"):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return fmt.format(value)


def _dms(value, pos, neg):
    return "-" if value is None else format_dms(value, pos, neg)


def _pair(a, b):
    return "-" if a is None and b is None else f"{_f(a)} / {_f(b)}"


def _utc(text):
    return "-" if text is None else format_utc(text)


_ROWS = (
    ("status", lambda e: e["status"]),
    ("peak sensed load [g]", lambda e: _f(e["peak_g"], "{:.2f}")),
    ("  at time [s] / altitude [km]", lambda e: _pair(e["peak_g_time_s"], e["peak_g_altitude_km"])),
    ("time above 4 g [s]", lambda e: _f(e["time_above_4g_s"])),
    ("peak eyeballs-out load [g]", lambda e: _f(e["peak_g_eyeballs_out"], "{:.2f}")),
    ("peak heat flux [kW/m^2]", lambda e: _f(e["peak_heat_flux_kw_m2"])),
    ("heat load [MJ/m^2]", lambda e: _f(e["heat_load_mj_m2"])),
    ("peak dynamic pressure [kPa]", lambda e: _f(e["peak_dynamic_pressure_kpa"])),
    ("flight time [s]", lambda e: _f(e["flight_time_s"])),
    ("landing time [UTC]", lambda e: _utc(e["landing_time_utc"])),
    ("landing latitude", lambda e: _dms(e["landing_lat_deg"], "N", "S")),
    ("landing longitude", lambda e: _dms(e["landing_lon_deg"], "E", "W")),
    ("touchdown speed [m/s]", lambda e: _f(e["touchdown_speed_m_s"])),
    ("phases not flown", lambda e: ", ".join(e["phases_not_flown"]) or "-"),
    ("distance to target [km]", lambda e: _f(e["distance_to_target_km"])),
    (
        "  to go along / across [km]",
        lambda e: _pair(e["downrange_to_target_km"], e["crossrange_to_target_km"]),
    ),
    ("miss from baseline [km]", lambda e: _f(e["miss_from_nominal_km"])),
    (
        "  along / across track [km]",
        lambda e: _pair(e["miss_along_track_km"], e["miss_cross_track_km"]),
    ),
    ("guidance: bank reversals", lambda e: _f(e["guidance_reversals"], "{:d}")),
    ("  cycles held by the load limit", lambda e: _f(e["guidance_limited_cycles"], "{:d}")),
    (
        "  last predicted error [km]",
        lambda e: _pair(
            e["guidance_final_predicted_downrange_km"], e["guidance_final_predicted_crossrange_km"]
        ),
    ),
)


def _table(header, rows):
    widths = [max(len(str(r[k])) for r in (header, *rows)) for k in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return lines


def format_comparison(document: dict) -> str:
    """The comparison as a text table (the baseline first), its warnings and the
    documented-against-simulated blocks."""
    text = _human(document["scenarios"], document["reference"])
    if "uncertainty" in document:
        text += "\n" + "\n".join(format_uncertainty(document["uncertainty"]))
    return text


def _human(entries, reference):
    entries = sorted(entries, key=lambda e: e["name"] != reference)  # reference first
    names = [e["name"] + (" (ref)" if e["name"] == reference else "") for e in entries]
    rows = [[label, *(fn(e) for e in entries)] for label, fn in _ROWS]
    lines = _table(["", *names], rows)
    for e in entries:
        if e["status"] != LANDED:
            lines.append(f"! {e['name']}: did not land: {e['status'].upper()}: {e['message']}")
    lines.append("")
    lines.append(
        "Signs: 'to go' > 0 = landed short of the target; miss along track < 0 = "
        "short of the reference landing; across > 0 = to the right."
    )
    for e in entries:
        if not e["versus_documented"]:
            continue
        flight, case = e["documented"]["flight"], e["documented"]["case"]
        lines.append("")
        lines.append(
            f"Documented vs simulated: {e['name']} -- {FLIGHT_TITLES.get(flight, flight)}, {case}"
        )
        rows = []
        spread = any("p50" in r for r in e["versus_documented"])
        for r in e["versus_documented"]:
            if r["difference"] is None:
                diff = "-"
            elif r["kind"] == "point":
                diff = f"{r['difference']:.1f} km away"
            else:
                diff = f"{r['difference']:+.1f} {r['difference_unit']}"
            row = [r["label"], r["documented"], r["simulated"] or "-", diff]
            if spread:
                row += [_interval(r), _percentile(r.get("documented_percentile"))]
            rows.append([*row, r["source"]])
        head = ["figure", "documented", "simulated", "difference"]
        if spread:
            head += ["median [90 % interval]", "doc. pct"]
        lines.extend("  " + ln for ln in _table([*head, "source"], rows))
    return "\n".join(lines)


def _value(v, kind: str) -> str:
    if v is None:
        return "-"
    if kind == "utc":
        return format_utc(str(v))[11:]
    return f"{v:.1f}" if abs(v) < 100 else f"{v:.0f}"


def _interval(r: dict, kind: str | None = None) -> str:
    kind = kind or r.get("kind", "number")
    if r.get("p50") is None:
        return "-"
    unit = "" if kind == "utc" else f" {r.get('uncertainty_unit', r.get('unit', ''))}"
    what = "from it: " if kind == "point" else ""
    return (
        f"{what}{_value(r['p50'], kind)} [{_value(r['p05'], kind)}-{_value(r['p95'], kind)}]{unit}"
    )


def _percentile(p) -> str:
    return "-" if p is None else f"{p:.0f}"


def format_uncertainty(u: dict) -> list[str]:
    """The lines of a propagation (``sim.studies.uncertainty.propagate``): the figures
    per atmosphere model, then the Sobol indices of the misses and the peak load."""
    lines = [
        "",
        f"Uncertainty ({u['file']}): {u['samples']} flights per scenario, Sobol indices from "
        f"{u['sobol_runs']} flights per scenario ({u['sobol_samples']} x (D + 2), "
        f"D = {len(u['parameters'])}), seed {u['seed']}, {u['seconds']:.0f} s.",
    ]
    for name, s in u["scenarios"].items():
        strata = list(u.get("strata") or [])
        head = ["figure", "all", *strata]
        rows = []
        for key, f in s["figures"].items():
            kind = "point" if key == "landing_point" and f["unit"] == "km" else "number"
            cells = [f, *(f["by"][k] for k in strata)]
            rows.append(
                [key]
                + [
                    f"{_interval({**c, 'uncertainty_unit': f['unit']}, kind)}"
                    + (
                        ""
                        if c.get("documented_percentile") is None
                        else f", doc. at p{c['documented_percentile']:.0f}"
                    )
                    for c in cells
                ]
            )
        lines += ["", f"{name}: median [90 % interval], documented value's percentile"]
        lines += ["  " + ln for ln in _table(head, rows)]
        for output in ("miss_along_track_km", "peak_g"):
            idx = (s.get("sobol") or {}).get(output)
            if not idx:
                continue
            ranked = sorted(idx.items(), key=lambda kv: -kv[1]["ST"])
            text = ", ".join(
                f"{k.split('.')[-1] if k.count('.') < 2 else '.'.join(k.split('.')[-2:])} "
                f"{v['S1']:.2f}/{v['ST']:.2f}"
                for k, v in ranked[:5]
            )
            lines.append(f"  Sobol S1/ST of {output}: {text}")
    return lines
