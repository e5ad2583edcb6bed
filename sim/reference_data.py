"""Documented figures of real flights, with their sources (data only, layer 0).

The project never reads the shared data sheet at run time: the figures that the command
line sets beside simulated ones live here, each with the source it was taken from. A
scenario says which flight and case it stands for with its ``[documented]`` table
(``flight = "soyuz_tma11"``, ``case = "flown"`` or ``"nominal"``).

A figure is compared with one summary metric of :func:`sim.analysis.summarize`:

- ``kind = "number"``: a value or a range ``[low, high]`` in ``unit``; the difference is
  simulated minus the nearest end of the range (0 inside it).
- ``kind = "point"``: a geodetic latitude/longitude [deg]; the difference is the geodesic
  distance [km] from the simulated landing.
- ``kind = "utc"``: a UTC time or time range (ISO 8601 strings); the difference is in
  seconds, simulated minus the nearest end.
"""

from dataclasses import dataclass


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
        The key of :func:`sim.analysis.summarize` it is compared with.
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
                "landing_point", "landing point", "point",
                (_dms(50, 31, 58.0), _dms(61, 5, 59.5)), "deg", "landing_lat_deg",
                "spacefacts.de, Soyuz TMA-11 mission page"),
            DocumentedFigure(
                "miss_475_short", "miss, short of the planned point (along track)",
                "number", (475.0, 475.0), "km", "downrange_to_target_km",
                "NASA; Space.com; Wikinews (19 April 2008)",
                "measure unknown: compared with the along-track distance still to go"),
            DocumentedFigure(
                "miss_420", "miss from the planned point", "number", (420.0, 420.0), "km",
                "distance_to_target_km", "Roscosmos via RIA Novosti (April 2008)",
                "compared with the great-circle distance to the target"),
            DocumentedFigure(
                "miss_428", "miss from the planned point", "number", (428.0, 428.0), "km",
                "distance_to_target_km", "spacefacts.de, Soyuz TMA-11 mission page",
                "compared with the great-circle distance to the target"),
            DocumentedFigure(
                "peak_g", "peak sensed load (cockpit meter)", "number", (8.2, 8.2), "g",
                "peak_g", "AP via Columbia Tribune (crew report of the cockpit meter)",
                "secondary reports give 8.6 g (New Scientist blog) and 'about 8 g' (NASA)"),
            DocumentedFigure(
                "landing_time", "landing time", "utc",
                ("2008-04-19T08:29:00Z", "2008-04-19T08:30:00Z"), "UTC", "landing_time_utc",
                "spacefacts.de; Space.com", "one report says 08:51 (Wikinews)"),
        ),
        "nominal": (
            DocumentedFigure(
                "nominal_peak_g", "nominal peak sensed load", "number", (3.0, 4.0), "g",
                "peak_g", "RussianSpaceWeb; Gazeta.ru",
                "CSA gives 4-5 g at 35.3 km for Soyuz MS-11"),
            DocumentedFigure(
                "guided_accuracy", "guided landing accuracy (p = 0.9997)", "number",
                (0.0, 28.0), "km", "distance_to_target_km",
                "RussianSpaceWeb, 'Soyuz landing'"),
            DocumentedFigure(
                "planned_landing_time", "planned landing time", "utc",
                ("2008-04-19T08:30:00Z", "2008-04-19T08:30:00Z"), "UTC", "landing_time_utc",
                "spacefacts.de; Space.com"),
        ),
    },
}

#: Flight -> what the documented figures are of (one line, for reports).
FLIGHT_TITLES = {
    "soyuz_tma11": "Soyuz TMA-11, 19 April 2008 (ballistic return, service module stuck)",
}
