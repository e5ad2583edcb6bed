"""Summary metrics of a trajectory (no plotting).

:func:`summarize` reduces a :class:`~sim.results.trajectory.Trajectory` to a frozen
:class:`Summary` whose fields carry their units in their names (and in their metadata).
Peaks and threshold crossings are found on the integrator's dense output, not only at its
steps: the discrete maximum is refined between its neighbouring steps, and the time above
4 g is integrated between root-found crossings. Distances are geodesics on WGS-84.
"""

import math
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

import numpy as np

from sim.core.layout import OUTPUTS
from sim.models.earth import GeoPoint
from sim.models.geodesy import along_cross_track, geodesic_inverse
from sim.results.trajectory import GROUND_STATUSES, Trajectory


def _metric(unit: str, doc: str, default=None):
    return field(default=default, metadata={"unit": unit, "doc": doc})


@dataclass(frozen=True)
class Summary:
    """Summary metrics of one flight (what :func:`summarize` returns).

    Every field's unit is in its name and in ``Summary.unit(name)``; its meaning in
    ``Summary.describe(name)``. :meth:`to_dict` gives the stable keys of the command line's
    JSON output, in display order. Metrics that do not apply are None (no target, no
    reference, no epoch, no eyeballs-out load, or not on the ground: a flight that did
    not end on the ground has no landing point, and its peaks are of the part it flew; an
    impact has its ground point).
    """

    status: str = _metric(
        "-",
        "why the flight stopped (landed; impact: the ground reached too fast or before "
        "planned phases; parachute_limit: a canopy opened beyond its limits; skipped_out, "
        "time_limit, step_limit, wall_time, failed, stopped)",
        "",
    )
    message: str = _metric("-", "the simulator's explanation of the status", "")
    peak_g: float | None = _metric(
        "g0", "peak sensed load [g0] (|aerodynamic + parachute specific force| / g0)"
    )
    peak_g_time_s: float | None = _metric("s", "time of the peak sensed load [s]")
    peak_g_altitude_km: float | None = _metric("km", "altitude of the peak sensed load [km]")
    peak_g_eyeballs_out: float | None = _metric(
        "g0",
        "peak eyeballs-out load [g0], a magnitude (hatch-first flight); None if the "
        "flight has none",
    )
    time_above_4g_s: float | None = _metric("s", "total time with a sensed load above 4 g0 [s]")
    peak_heat_flux_kw_m2: float | None = _metric(
        "kW m^-2", "peak stagnation-point heat flux [kW m^-2] (Sutton-Graves)"
    )
    heat_load_mj_m2: float | None = _metric(
        "MJ m^-2", "integrated stagnation-point heat load at the end [MJ m^-2]"
    )
    peak_dynamic_pressure_kpa: float | None = _metric("kPa", "peak dynamic pressure [kPa]")
    flight_time_s: float | None = _metric("s", "from the start of the simulation to its end [s]")
    landing_time_utc: str | None = _metric(
        "ISO 8601",
        "UTC of the landing (ISO 8601), with an epoch; None if the flight did not end on "
        "the ground",
    )
    landing_lat_deg: float | None = _metric(
        "deg",
        "geodetic latitude of the landing [deg] (of the impact, for an impact); None if "
        "the flight did not end on the ground",
    )
    landing_lon_deg: float | None = _metric(
        "deg", "longitude of the landing [deg]; None if the flight did not end on the ground"
    )
    touchdown_speed_m_s: float | None = _metric(
        "m s^-1",
        "air-relative speed at the ground [m s^-1]; None if the flight did not end on the ground",
    )
    phases_not_flown: tuple = _metric(
        "-",
        "names of the phases never flown: skipped at their start (their trigger already "
        "past) or not reached before the flight ended",
        (),
    )
    distance_to_target_km: float | None = _metric(
        "km", "geodesic distance from the landing to the target [km]"
    )
    downrange_to_target_km: float | None = _metric(
        "km",
        "distance still to go to the target along the flight's own approach [km]: "
        "positive = landed short, negative = beyond",
    )
    crossrange_to_target_km: float | None = _metric(
        "km",
        "target's offset across the approach [km]: positive = target to the right of the track",
    )
    miss_from_nominal_km: float | None = _metric(
        "km", "geodesic distance from the reference (nominal) landing [km]"
    )
    miss_along_track_km: float | None = _metric(
        "km",
        "landing offset along the reference's approach [km]: negative = short of the "
        "reference landing, positive = beyond",
    )
    miss_cross_track_km: float | None = _metric(
        "km", "landing offset across the reference's approach [km]: positive = right of it"
    )
    guidance_reversals: int | None = _metric(
        "-", "number of bank reversals commanded by the guidance; None without a guided phase"
    )
    guidance_final_predicted_downrange_km: float | None = _metric(
        "km",
        "the guidance's last predicted downrange error at the parachute command [km] "
        "(positive = overshoot)",
    )
    guidance_final_predicted_crossrange_km: float | None = _metric(
        "km", "the guidance's last predicted crossrange error [km] (positive = left of the target)"
    )
    guidance_limited_cycles: int | None = _metric(
        "-",
        "guidance cycles in which the load (or heat-rate) limit held the bank back; None "
        "without a guided phase",
    )
    guidance_limit_time_s: float | None = _metric(
        "s",
        "simulation time of the first cycle the limit held the bank back [s]; None if it never did",
    )
    guidance_peak_g_predicted: float | None = _metric(
        "g0", "the guidance's largest predicted peak load over the flight [g]"
    )

    def to_dict(self) -> dict:
        """The metrics under their stable keys (the JSON keys of the command line)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["phases_not_flown"] = list(self.phases_not_flown)
        return out

    @classmethod
    def unit(cls, name: str) -> str:
        """The unit of a field (``"-"`` for a dimensionless or a text field)."""
        return _FIELDS[name].metadata["unit"]

    @classmethod
    def describe(cls, name: str) -> str:
        """What a field means."""
        return _FIELDS[name].metadata["doc"]


_FIELDS = {f.name: f for f in fields(Summary)}

#: Keys of :class:`Summary`, in display order, with their meaning.
SUMMARY_KEYS = {name: f.metadata["doc"] for name, f in _FIELDS.items()}

#: Altitude of the entry interface used for approach azimuths [m] (Russian usage, 100 km).
ENTRY_INTERFACE = 100e3
_G_THRESHOLD = 4.0


def summarize(
    traj: Trajectory, target: GeoPoint | None = None, reference: Trajectory | None = None
) -> Summary:
    """Summary metrics of a trajectory.

    Parameters
    ----------
    traj : Trajectory
    target : GeoPoint, optional
        Planned landing point.
    reference : Trajectory, optional
        The baseline (nominal) flight for the miss metrics; ``traj`` itself gives zeros.

    Returns
    -------
    Summary
    """
    return Summary(**_metrics(traj, target, reference))


def _metrics(traj, target, reference):
    out: dict = dict.fromkeys(SUMMARY_KEYS)
    out["status"] = traj.status
    out["message"] = traj.message
    out["phases_not_flown"] = traj.phases_not_flown if len(traj) else tuple(traj.phase_names)
    if len(traj) == 0:
        return out
    peaks = traj.peaks
    if peaks is not None:
        # the compiled engine refined these on its interpolant while flying
        out["peak_g"] = peaks["peak_g"]
        out["peak_g_time_s"] = peaks["peak_g_time"]
        out["peak_g_altitude_km"] = peaks["peak_g_altitude"] / 1e3
        if peaks["peak_g_eyeballs_out"] > 0.0:
            out["peak_g_eyeballs_out"] = peaks["peak_g_eyeballs_out"]
        out["time_above_4g_s"] = peaks["time_above_g"]
        out["peak_heat_flux_kw_m2"] = peaks["peak_heat_flux"] / 1e3
        out["peak_dynamic_pressure_kpa"] = peaks["peak_dynamic_pressure"] / 1e3
    else:
        value, t, alt = _peak(traj, "g_load")
        out["peak_g"], out["peak_g_time_s"], out["peak_g_altitude_km"] = value, t, alt / 1e3
        if np.any(traj["g_load_eyeballs_in"] < 0.0):
            out["peak_g_eyeballs_out"] = -_peak(traj, "g_load_eyeballs_in", sign=-1.0)[0]
        out["time_above_4g_s"] = _time_above(traj, "g_load", _G_THRESHOLD)
        out["peak_heat_flux_kw_m2"] = _peak(traj, "heat_flux")[0] / 1e3
        out["peak_dynamic_pressure_kpa"] = _peak(traj, "dynamic_pressure")[0] / 1e3
    out["heat_load_mj_m2"] = float(traj["heat_load"][-1]) / 1e6
    t_end = float(traj["time"][-1])
    out["flight_time_s"] = t_end - float(traj["time"][0])
    guided = [h for h in traj.diagnostics.values() if h.get("time")]
    if guided:
        out["guidance_reversals"] = sum(len(h["reversals"]) for h in guided)
        out["guidance_final_predicted_downrange_km"] = guided[-1]["predicted_downrange_km"][-1]
        out["guidance_final_predicted_crossrange_km"] = guided[-1]["predicted_crossrange_km"][-1]
        limited = [t for h in guided for t, f in zip(h["time"], h["limited"], strict=True) if f]
        out["guidance_limited_cycles"] = len(limited)
        out["guidance_limit_time_s"] = float(min(limited)) if limited else None
        peaks = [g for h in guided for g in h["predicted_peak_g"] if math.isfinite(g)]
        out["guidance_peak_g_predicted"] = float(max(peaks)) if peaks else None
    if traj.status not in GROUND_STATUSES:
        return out
    out["touchdown_speed_m_s"] = float(traj["speed"][-1])
    lat, lon = float(traj["latitude_deg"][-1]), float(traj["longitude_deg"][-1])
    out["landing_lat_deg"], out["landing_lon_deg"] = lat, _wrap180(lon)
    if traj.epoch is not None:
        out["landing_time_utc"] = _iso(traj.epoch + timedelta(seconds=t_end))
    if target is not None:
        tlat, tlon = target.latitude_deg, target.longitude_deg
        out["distance_to_target_km"] = geodesic_inverse(lat, lon, tlat, tlon)[0] / 1e3
        azimuth = approach_azimuth(traj)
        along, cross = along_cross_track(lat, lon, azimuth, tlat, tlon)
        out["downrange_to_target_km"] = along / 1e3
        out["crossrange_to_target_km"] = cross / 1e3
    if reference is not None and reference.status in GROUND_STATUSES and len(reference):
        rlat = float(reference["latitude_deg"][-1])
        rlon = float(reference["longitude_deg"][-1])
        if reference is traj:
            out["miss_from_nominal_km"] = 0.0
            out["miss_along_track_km"] = 0.0
            out["miss_cross_track_km"] = 0.0
        else:
            out["miss_from_nominal_km"] = geodesic_inverse(rlat, rlon, lat, lon)[0] / 1e3
            along, cross = along_cross_track(rlat, rlon, approach_azimuth(reference), lat, lon)
            out["miss_along_track_km"] = along / 1e3
            out["miss_cross_track_km"] = cross / 1e3
    return out


def approach_azimuth(traj: Trajectory) -> float:
    """Azimuth [deg] at the landing of the geodesic from the flight's entry point (where
    it first comes down through 100 km, on the dense output; its first point if it starts
    lower) to its landing point."""
    t0 = _first_crossing(traj, "altitude", ENTRY_INTERFACE)
    if t0 is None:
        lat0, lon0 = float(traj["latitude_deg"][0]), float(traj["longitude_deg"][0])
    else:
        row = traj.resample([t0])
        lat0, lon0 = float(row["latitude_deg"][0]), float(row["longitude_deg"][0])
    lat1, lon1 = float(traj["latitude_deg"][-1]), float(traj["longitude_deg"][-1])
    return geodesic_inverse(lat0, lon0, lat1, lon1)[2]


# ---------------------------------------------------------------------------------------
# Dense-output helpers
# ---------------------------------------------------------------------------------------
def _peak(traj, column, sign=1.0):
    """(value, time [s], altitude [m]) of the maximum of sign * column on the dense output.

    The discrete maximum over the stored steps is refined between its neighbouring steps:
    a fine resampling brackets the peak, a bounded scalar maximisation finds it. The larger
    of the discrete and refined values is returned (a peak at a phase change, where the
    column jumps, stays at the step).
    """
    from scipy.optimize import minimize_scalar  # trajectories without engine peaks

    values = sign * np.asarray(traj[column], dtype=float)
    times = np.asarray(traj["time"], dtype=float)
    i = int(np.argmax(values))
    best = (float(values[i]), float(times[i]), float(traj["altitude"][i]))
    if not traj.segments:
        return best[0] * sign, best[1], best[2]
    lo = times[max(i - 1, 0)]
    hi = times[min(i + 1, len(times) - 1)]
    if hi > lo:
        grid = np.linspace(lo, hi, 41)
        fine = traj.resample(grid)
        f = sign * np.asarray(fine[column])
        j = int(np.argmax(f))
        a, b = grid[max(j - 1, 0)], grid[min(j + 1, grid.size - 1)]
        if f[j] > best[0]:
            best = (float(f[j]), float(grid[j]), float(fine["altitude"][j]))
        if b > a:
            res = minimize_scalar(
                lambda t: -sign * _at(traj, column, t),
                bounds=(a, b),
                method="bounded",
                options={"xatol": 1e-6 * max(b - a, 1)},
            )
            if -res.fun > best[0]:
                best = (float(-res.fun), float(res.x), _at(traj, "altitude", float(res.x)))
    return best[0] * sign, best[1], best[2]


def _at(traj, column, t):
    return float(traj.resample([t])[column][0])


def _segment_columns(seg, t):
    """Output columns of one segment at times t (dense output)."""
    y = np.asarray(seg.dense(t), dtype=float).T
    return seg.columns(np.asarray(t, dtype=float), np.ascontiguousarray(y))


def _column_index(name):
    return getattr(OUTPUTS.index, name)


def _time_above(traj, column, threshold, subdivisions=8):
    """Total time [s] with column > threshold, integrated on the dense output.

    Each integrator step is subdivided to detect crossings between steps; every crossing
    is then found by Brent's method on the dense output.
    """
    from scipy.optimize import brentq

    if not traj.segments:
        t = np.asarray(traj["time"])
        above = np.asarray(traj[column]) > threshold
        return float(np.sum(np.diff(t)[above[:-1] & above[1:]]))
    k = _column_index(column)
    total = 0.0
    for seg in traj.segments:
        ts = np.asarray(seg.t, dtype=float)
        if ts.size < 2 or seg.dense is None or ts[-1] <= ts[0]:
            continue
        frac = np.linspace(0.0, 1.0, subdivisions + 1)[:-1]
        grid = np.concatenate([(ts[:-1, None] + frac * np.diff(ts)[:, None]).ravel(), ts[-1:]])
        grid = np.unique(grid)
        g = _segment_columns(seg, grid)[:, k] - threshold
        if np.all(g <= 0.0):
            continue

        def f(t, seg=seg):
            return float(_segment_columns(seg, np.array([t]))[0, k]) - threshold

        start = grid[0] if g[0] > 0.0 else None
        for j in range(g.size - 1):
            if g[j] <= 0.0 < g[j + 1]:
                start = brentq(f, grid[j], grid[j + 1], xtol=1e-9)
            elif g[j] > 0.0 >= g[j + 1]:
                end = brentq(f, grid[j], grid[j + 1], xtol=1e-9) if g[j + 1] < 0.0 else grid[j + 1]
                total += end - start
                start = None
        if start is not None:
            total += grid[-1] - start
    return total


def _first_crossing(traj, column, level):
    """Earliest time [s] where the column comes down through level (dense output)."""
    values = np.asarray(traj[column])
    times = np.asarray(traj["time"])
    if values[0] <= level:
        return None
    below = np.nonzero(values <= level)[0]
    if below.size == 0:
        return None
    j = int(below[0])
    a, b = float(times[j - 1]), float(times[j])
    if b <= a:
        return b
    return _bracketed_root(lambda t: _at(traj, column, t) - level, a, b, 1e-6)


def _bracketed_root(f, a, b, xtol):
    """A root of f in [a, b] by the Illinois false position (f(a) > 0 >= f(b)); b when f
    does not change sign there (a jump at a phase change). Its own few lines: importing
    scipy.optimize for it would cost every command 0.3 s."""
    fa, fb = f(a), f(b)
    if not (fa > 0.0 >= fb):
        return b
    side = 0
    while b - a > xtol:
        c = b - fb * (b - a) / (fb - fa)
        fc = f(c)
        if fc > 0.0:
            a, fa = c, fc
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            b, fb = c, fc
            if side == 1:
                fa *= 0.5
            side = 1
        if fc == 0.0:
            return c
    return b


# ---------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------
def _wrap180(lon):
    return (lon + 180.0) % 360.0 - 180.0


def _iso(dt):
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{dt.microsecond // 1000:03d}Z"


def parse_utc(text: str) -> datetime:
    """An ISO 8601 time (a summary's, a documented figure's); without a zone it is UTC."""
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def format_utc(time: str | datetime) -> str:
    """A UTC time (ISO 8601 text or a datetime) as ``2008-04-19 08:31:30``, to the
    nearest second (as the other figures beside it are rounded, not cut)."""
    dt = parse_utc(time) if isinstance(time, str) else time
    return (dt + timedelta(milliseconds=500)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_dms(value: float, pos: str, neg: str) -> str:
    """Degrees as text: 50°31'58.0"N (``pos``/``neg`` are the hemisphere letters)."""
    hemi = pos if value >= 0 else neg
    v = abs(value)
    d = int(v)
    m = int((v - d) * 60)
    s = (v - d - m / 60) * 3600
    if s >= 59.95:
        s, m = 0.0, m + 1
    if m == 60:
        m, d = 0, d + 1
    return f"{d}°{m:02d}'{s:04.1f}\"{hemi}"
