"""What a flight records while the compiled engine flies it: the event log, the running
maxima and the final summary, and the stored steps of a trajectory (compiled)."""

import math

from sim.core.layout import EV, GS, N_DENSE, N_PARAMS, N_STATE, SM, R, S
from sim.models._jit import njit
from sim.models.earth import geodetic_height


@njit
def log(events, summary, t, alt, kind, phase, trigger):
    """Append an entry to the event log (while there is room)."""
    n = int(summary[SM.n_events])
    if n < events.shape[0]:
        events[n, EV.time] = t
        events[n, EV.altitude] = alt
        events[n, EV.kind] = kind
        events[n, EV.phase] = phase
        events[n, EV.trigger] = trigger
        summary[SM.n_events] = n + 1


@njit
def take(best, values, t, alt, out):
    """Running maxima (rows: load, heat flux, dynamic pressure, eyeballs-out load)."""
    for i in range(3):
        row = 3 if (i == 0 and out) else i
        if values[i] > best[row, 0]:
            best[row, 0] = values[i]
            best[row, 1] = t
            best[row, 2] = alt


@njit
def store_row(rows, n, t, segment, t0, h, y, coef):
    """Write stored row n (layout :data:`sim.core.layout.STORED`)."""
    row = rows[n]
    row[R.t] = t
    row[R.segment] = segment
    row[R.step_t0] = t0
    row[R.step_h] = h
    for i in range(N_STATE):
        row[R.y_x + i] = y[i]
    for k in range(N_DENSE):
        for i in range(N_STATE):
            row[R.coef_0_x + k * N_STATE + i] = coef[k, i]


@njit
def store_segment(segments, n, p, phase):
    """Write stored segment n: its physics row and its phase."""
    for i in range(N_PARAMS):
        segments[n, i] = p[i]
    segments[n, N_PARAMS] = phase


@njit
def finish(
    summary,
    status,
    t,
    y,
    best,
    above_time,
    steps,
    rejected,
    rhs_calls,
    guided_any,
    gstate,
):
    """Write the final summary of a flight."""
    sin_lat, cos_lat, alt = geodetic_height(y[S.x], y[S.y], y[S.z])
    summary[SM.status] = status
    summary[SM.t_end] = t
    summary[SM.peak_g] = best[0, 0]
    summary[SM.peak_g_time] = best[0, 1]
    summary[SM.peak_g_altitude] = best[0, 2]
    summary[SM.peak_g_eyeballs_out] = best[3, 0]
    summary[SM.time_above_g] = above_time
    summary[SM.peak_heat_flux] = best[1, 0]
    summary[SM.peak_dynamic_pressure] = best[2, 0]
    summary[SM.heat_load] = y[S.heat_load]
    summary[SM.final_speed] = math.sqrt(y[S.vx] * y[S.vx] + y[S.vy] * y[S.vy] + y[S.vz] * y[S.vz])
    summary[SM.final_lat] = math.atan2(sin_lat, cos_lat)
    summary[SM.final_lon] = math.atan2(y[S.y], y[S.x])
    summary[SM.final_altitude] = alt
    summary[SM.final_mass] = y[S.mass]
    summary[SM.steps] = steps
    summary[SM.rejected] = rejected
    summary[SM.rhs_calls] = rhs_calls
    if guided_any:
        summary[SM.guidance_cycles] = gstate[GS.cycles]
        summary[SM.guidance_reversals] = gstate[GS.reversals]
        summary[SM.guidance_downrange] = gstate[GS.downrange]
        summary[SM.guidance_crossrange] = gstate[GS.crossrange]
        summary[SM.guidance_predictions] = gstate[GS.predictions]
        summary[SM.guidance_limit_time] = gstate[GS.limit_time]
        summary[SM.guidance_limit_cycles] = gstate[GS.limit_cycles]
        summary[SM.guidance_limit_downrange] = gstate[GS.limit_downrange]
