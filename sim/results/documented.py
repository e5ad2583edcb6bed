"""Documented figures of real flights, with their sources, and the comparison with them.

The project never reads the shared data sheet at run time: the figures that the command
line sets beside simulated ones live here, each with the source it was taken from. A
scenario says which flight and case it stands for with its ``[documented]`` table
(``flight = "soyuz_tma11"``, ``case = "flown"`` or ``"nominal"``).

A figure is compared with one summary metric (:class:`sim.results.summary.Summary`):

- ``kind = "number"``: a value or a range ``[low, high]`` in ``unit``; the difference is
  simulated minus the nearest end of the range (0 inside it).
- ``kind = "point"``: a geodetic latitude/longitude [deg]; the difference is the geodesic
  distance [km] from the simulated landing.
- ``kind = "utc"``: a UTC time or time range (ISO 8601 strings); the difference is in
  seconds, simulated minus the nearest end.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sim.models.earth import GeoPoint
from sim.models.geodesy import geodesic_inverse
from sim.results.summary import Summary, format_dms


@dataclass(frozen=True)
class DocumentedFigure:
    """One documented figure of a flight.

    Attributes
    ----------
    key : str
        Identifier (stable, used in JSON output).
    label : str
        What the figure is, for people.
    kind : str
        ``"number"``, ``"point"`` or ``"utc"`` (see the module docstring).
    value : tuple
        ``(low, high)`` for numbers and times (equal for a single value); ``(lat, lon)``
        [deg] for a point.
    unit : str
    metric : str
        The :class:`~sim.results.summary.Summary` field it is compared with.
    source : str
    note : str
    """

    key: str
    label: str
    kind: str
    value: tuple
    unit: str
    metric: str
    source: str
    note: str = ""


def _dms(deg, minutes, seconds):
    return deg + minutes / 60.0 + seconds / 3600.0


#: flight -> case -> figures. Cases: "flown" (what happened), "nominal" (what was planned).
DOCUMENTED = {
    "soyuz_tma11": {
        "flown": (
            DocumentedFigure(
                "landing_point",
                "landing point",
                "point",
                (_dms(50, 31, 58.0), _dms(61, 5, 59.5)),
                "deg",
                "landing_lat_deg",
                "spacefacts.de, Soyuz TMA-11 mission page",
            ),
            DocumentedFigure(
                "miss_475_short",
                "miss, short of the planned point (along track)",
                "number",
                (475.0, 475.0),
                "km",
                "downrange_to_target_km",
                "NASA; Space.com; Wikinews (19 April 2008)",
                "measure unknown: compared with the along-track distance still to go",
            ),
            DocumentedFigure(
                "miss_420",
                "miss from the planned point",
                "number",
                (420.0, 420.0),
                "km",
                "distance_to_target_km",
                "Roscosmos via RIA Novosti (April 2008)",
                "compared with the great-circle distance to the target",
            ),
            DocumentedFigure(
                "miss_428",
                "miss from the planned point",
                "number",
                (428.0, 428.0),
                "km",
                "distance_to_target_km",
                "spacefacts.de, Soyuz TMA-11 mission page",
                "compared with the great-circle distance to the target",
            ),
            DocumentedFigure(
                "peak_g",
                "peak sensed load (cockpit meter)",
                "number",
                (8.2, 8.2),
                "g",
                "peak_g",
                "AP via Columbia Tribune (crew report of the cockpit meter)",
                "secondary reports give 8.6 g (New Scientist blog) and 'about 8 g' (NASA)",
            ),
            DocumentedFigure(
                "landing_time",
                "landing time",
                "utc",
                ("2008-04-19T08:29:00Z", "2008-04-19T08:30:00Z"),
                "UTC",
                "landing_time_utc",
                "spacefacts.de; Space.com",
                "one report says 08:51 (Wikinews)",
            ),
        ),
        "nominal": (
            DocumentedFigure(
                "nominal_peak_g",
                "nominal peak sensed load",
                "number",
                (3.0, 4.0),
                "g",
                "peak_g",
                "RussianSpaceWeb; Gazeta.ru",
                "CSA gives 4-5 g at 35.3 km for Soyuz MS-11",
            ),
            DocumentedFigure(
                "guided_accuracy",
                "guided landing accuracy (p = 0.9997)",
                "number",
                (0.0, 28.0),
                "km",
                "distance_to_target_km",
                "RussianSpaceWeb, 'Soyuz landing'",
            ),
            DocumentedFigure(
                "planned_landing_time",
                "planned landing time",
                "utc",
                ("2008-04-19T08:30:00Z", "2008-04-19T08:30:00Z"),
                "UTC",
                "landing_time_utc",
                "spacefacts.de; Space.com",
            ),
        ),
    },
}

#: Flight -> what the documented figures are of (one line, for reports).
FLIGHT_TITLES = {
    "soyuz_tma11": "Soyuz TMA-11, 19 April 2008 (ballistic return, service module stuck)",
}


def documented_comparison(summary: Summary, flight: str, case: str) -> list[dict]:
    """Rows setting a summary beside the documented figures of a flight.

    Parameters
    ----------
    summary : Summary
        From :func:`sim.results.summary.summarize`.
    flight, case : str
        Keys of :data:`DOCUMENTED`.

    Returns
    -------
    list of dict
        ``key, label, kind, documented (text), simulated (text), difference (number or
        None; simulated minus the nearest end of the documented range, or for a point
        the distance between the two), difference_unit, unit, source, note``.
    """
    values = summary.to_dict()
    rows = []
    for fig in DOCUMENTED[flight][case]:
        row = {
            "key": fig.key,
            "label": fig.label,
            "kind": fig.kind,
            "unit": fig.unit,
            "source": fig.source,
            "note": fig.note,
            "documented": _documented_text(fig),
            "simulated": None,
            "difference": None,
            "difference_unit": fig.unit,
        }
        if fig.kind == "point":
            lat, lon = values.get("landing_lat_deg"), values.get("landing_lon_deg")
            row["difference_unit"] = "km"
            if lat is not None and lon is not None:
                row["simulated"] = f"{format_dms(lat, 'N', 'S')} {format_dms(lon, 'E', 'W')}"
                row["difference"] = geodesic_inverse(fig.value[0], fig.value[1], lat, lon)[0] / 1e3
        elif fig.kind == "utc":
            sim = values.get(fig.metric)
            row["difference_unit"] = "s"
            if sim is not None:
                row["simulated"] = sim[11:19]
                t = _parse_utc(sim)
                lo, hi = (_parse_utc(v) for v in fig.value)
                row["difference"] = _range_difference(t.timestamp(), lo.timestamp(), hi.timestamp())
        else:
            sim = values.get(fig.metric)
            if sim is not None and not (isinstance(sim, float) and math.isnan(sim)):
                row["simulated"] = f"{sim:.1f} {fig.unit}"
                row["difference"] = _range_difference(sim, *fig.value)
        rows.append(row)
    return rows


def _parse_utc(text):
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _range_difference(x, lo, hi):
    if x < lo:
        return x - lo
    if x > hi:
        return x - hi
    return 0.0


def _documented_text(fig):
    if fig.kind == "point":
        return f"{format_dms(fig.value[0], 'N', 'S')} {format_dms(fig.value[1], 'E', 'W')}"
    lo, hi = fig.value
    if fig.kind == "utc":
        short = [v[11:16] for v in (lo, hi)]
        return short[0] if lo == hi else f"{short[0]}-{short[1]}"
    text = f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"
    return f"{text} {fig.unit}"


def documented_block(flights: Iterable[str]) -> dict:
    """The documented figures of the given flights, for a report (JSON-able)."""
    block = {}
    for flight in flights:
        if flight in block:
            continue
        block[flight] = {
            "title": FLIGHT_TITLES.get(flight, flight),
            "cases": {
                case: [
                    {
                        "key": f.key,
                        "label": f.label,
                        "kind": f.kind,
                        "value": list(f.value),
                        "unit": f.unit,
                        "metric": f.metric,
                        "source": f.source,
                        "note": f.note,
                    }
                    for f in figs
                ]
                for case, figs in DOCUMENTED[flight].items()
            },
        }
    return block


def documented_points(cases: Iterable[tuple[str, str] | None]) -> dict:
    """Label -> documented landing point (``GeoPoint``) of the given (flight, case) pairs
    (None entries skipped), for maps."""
    points = {}
    for item in cases:
        if item is None:
            continue
        flight, case = item
        for fig in DOCUMENTED[flight][case]:
            if fig.kind == "point":
                points[f"documented landing ({flight})"] = GeoPoint.from_deg(*fig.value)
    return points
