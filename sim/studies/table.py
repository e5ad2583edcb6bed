"""The results table of a study: one row per run, computed for a whole batch at once.

Columns are named as the JSON keys of ``reentry compare`` (units in the names). Distances
are geodesics on WGS-84 computed vectorised over the batch
(:func:`sim.models.geodesy.geodesic_inverse_many`); along- and cross-track distances to
the target are measured along the run's own approach (the geodesic from where it fell
through the entry interface to where it landed), and the misses from the undispersed run
along that run's approach, as :func:`sim.results.summary.summarize` does for one flight.
"""

import math
from dataclasses import dataclass

import numpy as np

from sim.core.layout import SM, STATUSES
from sim.models.earth import GeoPoint
from sim.models.geodesy import along_cross_track_many, geodesic_inverse_many

#: Statuses of a run in the table (the engine's, and ``invalid`` for a variant that could
#: not be built).
STATUS_NAMES = (*STATUSES.names, "invalid")

#: Result columns -> (unit, meaning), in the table's order (after ``run`` and the inputs).
RESULT_COLUMNS = {
    "status": ("-", "why the flight stopped"),
    "message": ("-", "the reason in words"),
    "peak_g": ("g0", "peak sensed load"),
    "peak_g_time_s": ("s", "time of the peak load"),
    "peak_g_altitude_km": ("km", "altitude of the peak load"),
    "peak_g_eyeballs_out": ("g0", "peak eyeballs-out load (0: none)"),
    "time_above_4g_s": ("s", "time with the load above 4 g0"),
    "peak_heat_flux_kw_m2": ("kW m^-2", "peak stagnation-point heat flux"),
    "heat_load_mj_m2": ("MJ m^-2", "stagnation-point heat load at the end"),
    "peak_dynamic_pressure_kpa": ("kPa", "peak dynamic pressure"),
    "flight_time_s": ("s", "from the start to the end of the flight"),
    "touchdown_speed_m_s": ("m s^-1", "speed at the end (touchdown when landed)"),
    "landing_lat_deg": ("deg", "geodetic latitude of the landing (NaN: not landed)"),
    "landing_lon_deg": ("deg", "longitude of the landing"),
    "distance_to_target_km": ("km", "geodesic distance from the landing to the target"),
    "downrange_to_target_km": (
        "km",
        "distance still to go along the run's approach (positive: short)",
    ),
    "crossrange_to_target_km": (
        "km",
        "target's offset across the approach (positive: to the right)",
    ),
    "miss_from_nominal_km": ("km", "geodesic distance from the undispersed landing"),
    "miss_along_track_km": ("km", "offset along the undispersed approach (negative: short)"),
    "miss_cross_track_km": ("km", "offset across the undispersed approach (positive: right)"),
    "guidance_reversals": ("-", "bank reversals of the guidance (NaN: no guidance)"),
    "guidance_final_predicted_downrange_km": (
        "km",
        "the guidance's last predicted downrange error",
    ),
    "guidance_limited_cycles": ("-", "cycles in which the load limit held the bank back"),
    "guidance_limit_time_s": ("s", "time the load limit first held the bank back (NaN: never)"),
}


@dataclass(frozen=True)
class Reference:
    """The undispersed run the misses are measured from."""

    landing_lat_deg: float
    landing_lon_deg: float
    approach_azimuth_deg: float  #: at the landing [deg, clockwise from north]


def reference_of(summary: np.ndarray) -> Reference | None:
    """The reference of an engine summary (None when it did not land)."""
    if int(summary[SM.status]) != STATUSES.index.landed:
        return None
    lat, lon = math.degrees(summary[SM.final_lat]), math.degrees(summary[SM.final_lon])
    az = _approach(summary[None, :], np.array([lat]), np.array([lon]))[0]
    return Reference(lat, lon, float(az))


def _approach(summary: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Azimuth at the landing of the geodesic from the entry-interface crossing (or the
    start, when it started below) to the landing [deg]."""
    elat = np.degrees(summary[:, SM.entry_lat])
    elon = np.degrees(summary[:, SM.entry_lon])
    return geodesic_inverse_many(elat, elon, lat, lon)[2]


def result_columns(
    summary: np.ndarray,
    t0: float,
    target: GeoPoint | None,
    reference: Reference | None,
    messages: dict | None = None,
    run_targets: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """The result columns of a batch from the engine's summaries [n, SUMMARY.size].

    ``messages``: run index -> a reason for runs that could not be built (status -1).
    ``run_targets``: each run's own target (latitudes, longitudes [deg]) when a study
    moves it; otherwise every run is measured from ``target``.
    """
    n = summary.shape[0]
    code = summary[:, SM.status].astype(int)
    status = np.array([STATUS_NAMES[c] for c in code], dtype=object)
    landed = code == STATUSES.index.landed
    nan = np.full(n, np.nan)
    lat = np.where(landed, np.degrees(summary[:, SM.final_lat]), np.nan)
    lon = np.where(landed, (np.degrees(summary[:, SM.final_lon]) + 180.0) % 360.0 - 180.0, np.nan)
    t_end = summary[:, SM.t_end]
    message = np.array([_message(s, t) for s, t in zip(status, t_end, strict=True)], dtype=object)
    for i, text in (messages or {}).items():
        message[i] = text
    out = {
        "status": status,
        "message": message,
        "peak_g": summary[:, SM.peak_g],
        "peak_g_time_s": summary[:, SM.peak_g_time],
        "peak_g_altitude_km": summary[:, SM.peak_g_altitude] / 1e3,
        "peak_g_eyeballs_out": summary[:, SM.peak_g_eyeballs_out],
        "time_above_4g_s": summary[:, SM.time_above_g],
        "peak_heat_flux_kw_m2": summary[:, SM.peak_heat_flux] / 1e3,
        "heat_load_mj_m2": summary[:, SM.heat_load] / 1e6,
        "peak_dynamic_pressure_kpa": summary[:, SM.peak_dynamic_pressure] / 1e3,
        "flight_time_s": t_end - t0,
        "touchdown_speed_m_s": summary[:, SM.final_speed],
        "landing_lat_deg": lat,
        "landing_lon_deg": lon,
        "distance_to_target_km": nan.copy(),
        "downrange_to_target_km": nan.copy(),
        "crossrange_to_target_km": nan.copy(),
        "miss_from_nominal_km": nan.copy(),
        "miss_along_track_km": nan.copy(),
        "miss_cross_track_km": nan.copy(),
        "guidance_reversals": np.where(
            np.isnan(summary[:, SM.guidance_downrange]), np.nan, summary[:, SM.guidance_reversals]
        ),
        "guidance_final_predicted_downrange_km": summary[:, SM.guidance_downrange] / 1e3,
        "guidance_limited_cycles": np.where(
            np.isnan(summary[:, SM.guidance_downrange]),
            np.nan,
            summary[:, SM.guidance_limit_cycles],
        ),
        "guidance_limit_time_s": summary[:, SM.guidance_limit_time],
    }
    not_run = code < 0
    for name in list(out)[2:]:
        out[name] = np.where(not_run, np.nan, out[name])
    if landed.any():
        approach = _approach(summary, lat, lon)
        if run_targets is None and target is not None:
            run_targets = (np.full(n, target.latitude_deg), np.full(n, target.longitude_deg))
        if run_targets is not None:
            tlat, tlon = (np.asarray(a, dtype=float) for a in run_targets)
            out["distance_to_target_km"] = geodesic_inverse_many(lat, lon, tlat, tlon)[0] / 1e3
            along, cross = along_cross_track_many(lat, lon, approach, tlat, tlon)
            out["downrange_to_target_km"] = along / 1e3
            out["crossrange_to_target_km"] = cross / 1e3
        if reference is not None:
            rlat = np.full(n, reference.landing_lat_deg)
            rlon = np.full(n, reference.landing_lon_deg)
            out["miss_from_nominal_km"] = geodesic_inverse_many(rlat, rlon, lat, lon)[0] / 1e3
            along, cross = along_cross_track_many(
                rlat, rlon, np.full(n, reference.approach_azimuth_deg), lat, lon
            )
            out["miss_along_track_km"] = along / 1e3
            out["miss_cross_track_km"] = cross / 1e3
    return out


#: A run's message by its status (formatted with the final time [s]).
_MESSAGES = {
    "landed": "reached the ground at t = {:.3f} s",
    "skipped_out": "rose through the ceiling at t = {:.3f} s",
    "time_limit": "reached the time limit",
    "failed": "integration failed at t = {:.3f} s",
    "stopped": "the last phase ended on its trigger at t = {:.3f} s",
    "step_limit": "reached the step limit at t = {:.3f} s",
    "invalid": "the variant could not be built",
}


def _message(status: str, t_end: float) -> str:
    template = _MESSAGES.get(status)
    return status if template is None else template.format(t_end)
