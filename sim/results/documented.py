"""Documented figures of real flights, with their sources, and the comparison with them.

The figures are data, not code: one TOML file per flight, shipped in
``sim/data/documented/`` (Soyuz TMA-11: ``soyuz_tma11.toml``) and extended by users with
their own files (a scenario's ``[documented] file = "..."``; :func:`load_flight`). Each
figure has its value, its standard uncertainty and the source it was taken from. The
project never reads the shared data sheet at run time. A scenario says which flight and
case it stands for with its ``[documented]`` table (``flight = "soyuz_tma11"``,
``case = "flown"`` or ``"nominal"``).

A figure is compared with one summary metric (:class:`sim.results.summary.Summary`):

- ``kind = "number"``: a value or a range ``[low, high]`` in ``unit``; the difference is
  simulated minus the nearest end of the range (0 inside it).
- ``kind = "point"``: a geodetic latitude/longitude [deg]; the difference is the geodesic
  distance [km] from the simulated landing.
- ``kind = "utc"``: a UTC time or time range (ISO 8601 strings); the difference is in
  seconds, simulated minus the nearest end.
"""

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sim.models.earth import GeoPoint
from sim.models.geodesy import geodesic_inverse
from sim.results.summary import Summary, format_dms, format_utc, parse_utc


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
    uncertainty : float or None
        Standard uncertainty (1 sigma) in ``unit`` (km for a point, s for a time).
    uncertainty_note : str
        Why that uncertainty (its source, or the assumption).
    quantity : str
        What it measures: figures of one flight that report the same quantity share it
        (the three miss figures of TMA-11), so that a calibration can weigh their
        disagreement.
    reports : tuple of (float, str)
        Other readings of the same figure (value, source), not compared in reports.
    """

    key: str
    label: str
    kind: str
    value: tuple
    unit: str
    metric: str
    source: str
    note: str = ""
    uncertainty: float | None = None
    uncertainty_note: str = ""
    quantity: str = ""
    reports: tuple = field(default=())

    def center(self) -> float:
        """The figure's middle as a number (a point: NaN; a time: POSIX seconds)."""
        if self.kind == "point":
            return math.nan
        if self.kind == "utc":
            lo, hi = (parse_utc(v).timestamp() for v in self.value)
        else:
            lo, hi = self.value
        return 0.5 * (float(lo) + float(hi))


class DocumentedError(ValueError):
    """A mistake in a documented-flight file: ``file``, dotted ``key``, ``expected``."""

    def __init__(self, file, key, expected):
        self.file, self.key, self.expected = str(file), key, expected
        super().__init__(": ".join(str(p) for p in (self.file, key, expected) if p))

    def __reduce__(self):
        return (type(self), (self.file, self.key, self.expected))


_KINDS = ("number", "point", "utc")
_FIGURE_KEYS = (
    "key",
    "label",
    "kind",
    "value",
    "unit",
    "metric",
    "source",
    "note",
    "uncertainty",
    "uncertainty_note",
    "quantity",
    "reports",
)
#: The folder of the shipped flights.
DATA_FOLDER = Path(__file__).resolve().parent.parent / "data" / "documented"


def _angle(text, file, where):
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    parts = re.split(r"\s+", str(text).strip())
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if not 1 <= len(numbers) <= 3:
        raise DocumentedError(file, where, f'degrees as a number or "D M S" text, not {text!r}')
    sign = -1.0 if numbers[0] < 0 else 1.0
    return sign * sum(abs(x) / 60.0**i for i, x in enumerate(numbers))


def _figure(item, file, where) -> DocumentedFigure:
    if not isinstance(item, dict):
        raise DocumentedError(file, where, "a table of a figure")
    unknown = sorted(set(item) - set(_FIGURE_KEYS))
    if unknown:
        raise DocumentedError(
            file, f"{where}.{unknown[0]}", f"no such key (known: {', '.join(_FIGURE_KEYS)})"
        )
    for name in ("key", "label", "kind", "unit", "metric", "source"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise DocumentedError(file, f"{where}.{name}", "a non-empty string (required)")
    kind = item["kind"]
    if kind not in _KINDS:
        raise DocumentedError(file, f"{where}.kind", f"one of {_KINDS}, not {kind!r}")
    value = item.get("value")
    if not isinstance(value, list) or len(value) not in (1, 2):
        raise DocumentedError(file, f"{where}.value", "a list of one or two values")
    if kind == "point":
        if len(value) != 2:
            raise DocumentedError(file, f"{where}.value", "[latitude, longitude] in degrees")
        lat, lon = (_angle(v, file, f"{where}.value.{i}") for i, v in enumerate(value))
        if not -90.0 <= lat <= 90.0:
            raise DocumentedError(file, f"{where}.value.0", f"a latitude in -90..90, not {lat:g}")
        parsed: tuple = (lat, lon)
    elif kind == "utc":
        try:
            for v in value:
                parse_utc(v)  # TypeError for what is not a string
        except (TypeError, ValueError):
            raise DocumentedError(
                file, f"{where}.value", 'ISO 8601 UTC strings such as "2008-04-19T08:29:00Z"'
            ) from None
        parsed = (value[0], value[-1])
    else:
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
            raise DocumentedError(file, f"{where}.value", "numbers [low, high] or [value]")
        lo, hi = float(value[0]), float(value[-1])
        if not lo <= hi:
            raise DocumentedError(file, f"{where}.value", f"low <= high, not {lo:g} > {hi:g}")
        parsed = (lo, hi)
    sigma = item.get("uncertainty")
    if sigma is not None and (
        isinstance(sigma, bool) or not isinstance(sigma, int | float) or not sigma > 0
    ):
        raise DocumentedError(file, f"{where}.uncertainty", f"a number > 0 [{item['unit']}]")
    reports = []
    for i, r in enumerate(item.get("reports", [])):
        v = r.get("value") if isinstance(r, dict) else None
        if isinstance(v, bool) or not isinstance(v, int | float) or kind != "number":
            raise DocumentedError(
                file, f"{where}.reports.{i}", '{ value = NUMBER, source = "..." } of a number'
            )
        reports.append((float(v), str(r.get("source", ""))))
    return DocumentedFigure(
        item["key"],
        item["label"],
        kind,
        parsed,
        item["unit"],
        item["metric"],
        item["source"],
        str(item.get("note", "")),
        None if sigma is None else float(sigma),
        str(item.get("uncertainty_note", "")),
        str(item.get("quantity", item["key"])),
        tuple(reports),
    )


def read_flight(path) -> tuple[str, str, dict]:
    """Read a documented-flight file: ``(flight, title, {case: (DocumentedFigure, ...)})``.

    Raises
    ------
    DocumentedError
        Naming the file, the dotted key and what was expected.
    """
    file = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise DocumentedError(
            file, None, f"a readable documented-flight file ({exc.strerror})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise DocumentedError(file, None, f"valid TOML ({exc})") from None
    unknown = sorted(set(data) - {"flight", "title", "cases"})
    if unknown:
        raise DocumentedError(file, unknown[0], "no such key (known: flight, title, cases)")
    flight = data.get("flight")
    if not isinstance(flight, str) or not re.match(r"^[A-Za-z0-9_.\-]+$", flight):
        raise DocumentedError(file, "flight", "a name of letters, digits, '_', '-', '.'")
    cases = data.get("cases")
    if not isinstance(cases, dict) or not cases:
        raise DocumentedError(file, "cases", "[[cases.NAME]] tables of figures")
    out = {}
    for case, items in cases.items():
        if not isinstance(items, list) or not items:
            raise DocumentedError(file, f"cases.{case}", "a list of [[cases.NAME]] figures")
        figs = tuple(_figure(it, file, f"cases.{case}.{i}") for i, it in enumerate(items))
        keys = [f.key for f in figs]
        dup = next((k for k in keys if keys.count(k) > 1), None)
        if dup is not None:
            raise DocumentedError(file, f"cases.{case}", f"unique figure keys ({dup!r} twice)")
        out[case] = figs
    return flight, str(data.get("title", flight)), out


#: flight -> case -> figures. Cases: "flown" (what happened), "nominal" (what was planned).
DOCUMENTED: dict = {}
#: Flight -> what the documented figures are of (one line, for reports).
FLIGHT_TITLES: dict = {}
#: Flight -> the file it was read from.
FLIGHT_FILES: dict = {}


def load_flight(path) -> str:
    """Read a documented-flight file and make its flight known (:data:`DOCUMENTED`);
    returns the flight's name. Reading the same file again is a no-op.

    Raises
    ------
    DocumentedError
        For a mistake in the file, or a flight name another file already defines.
    """
    path = Path(path).resolve()
    flight, title, cases = read_flight(path)
    known = FLIGHT_FILES.get(flight)
    if known is not None and known != path:
        raise DocumentedError(
            path, "flight", f"a flight name no other file defines ({flight!r} is in {known})"
        )
    DOCUMENTED[flight] = cases
    FLIGHT_TITLES[flight] = title
    FLIGHT_FILES[flight] = path
    return flight


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
                t = parse_utc(sim)
                row["simulated"] = format_utc(t)[11:]
                lo, hi = (parse_utc(v) for v in fig.value)
                row["difference"] = _range_difference(t.timestamp(), lo.timestamp(), hi.timestamp())
        else:
            sim = values.get(fig.metric)
            if sim is not None and not (isinstance(sim, float) and math.isnan(sim)):
                row["simulated"] = f"{sim:.1f} {fig.unit}"
                row["difference"] = _range_difference(sim, *fig.value)
        rows.append(row)
    return rows


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


for _file in sorted(DATA_FOLDER.glob("*.toml")):
    load_flight(_file)
