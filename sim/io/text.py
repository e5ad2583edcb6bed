"""The human-readable report of a comparison: a table per scenario and the documented
figures beside the simulated ones.

:func:`format_comparison` renders the JSON document of
:meth:`sim.studies.compare.Comparison.document`, so that the text and the JSON always
say the same.
"""

import math

from sim.results.documented import FLIGHT_TITLES
from sim.results.summary import format_dms
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
    return "-" if text is None else text.replace("T", " ")[:19]


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
    return _human(document["scenarios"], document["reference"])


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
        for r in e["versus_documented"]:
            if r["difference"] is None:
                diff = "-"
            elif r["kind"] == "point":
                diff = f"{r['difference']:.1f} km away"
            else:
                diff = f"{r['difference']:+.1f} {r['difference_unit']}"
            rows.append([r["label"], r["documented"], r["simulated"] or "-", diff, r["source"]])
        lines.extend(
            "  " + ln
            for ln in _table(["figure", "documented", "simulated", "difference", "source"], rows)
        )
    return "\n".join(lines)
