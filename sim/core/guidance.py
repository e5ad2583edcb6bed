"""The predictor-corrector entry guidance, compiled: one cycle of the flight computer.

:func:`guidance_cycle` is what the flight computer does every guidance period (the law and
its settings are documented with :class:`sim.flight.control.GuidedBank`):

1. update the drag ratio (real over modelled drag, density and drag-coefficient errors
   look alike) and the lift ratio (real over modelled lift-to-drag ratio) from the sensed
   specific force, split into its components along and across the velocity, with
   first-order filters;
2. predict, with the compiled predictor (:func:`sim.core.predictor.propagate`) over the
   guidance's own model row scaled by that ratio, where the capsule reaches the final
   altitude at a constant bank magnitude (eased toward lift up by the load relief), and
   null the predicted downrange error by secant iterations on the magnitude; with a load
   limit, hold the magnitude back where the predicted peak would exceed it, or, at the
   largest magnitude and still long, raise the relief's band as far as the limit allows;
3. reverse the bank's sign when the target's crossrange leaves a deadband that narrows
   with speed (not while the load is relieved if the bank would swing through lift
   down); below the stop speed, freeze the command on the sign whose predicted crossrange
   is the smaller;
4. command the bank, which slews toward it at the rate limit.

Below 0.05 g of sensed force a cycle after the first holds the command without predicting.

Both integrators call this one function (the compiled engine inside its loop, the
``solve_ivp`` reference path at each segment seam), so the guidance is written once. Its
state lives in a small array (layout :data:`sim.core.layout.GSTATE`) and its history in
rows of :data:`sim.core.layout.GHISTORY`.
"""

import math

import numpy as np

from sim.core.dynamics import anticipated_load, drag_and_lift, relief_bank, wrap_angle
from sim.core.layout import BANK, GH, GS, G, P
from sim.core.predictor import (
    PEAK_G,
    PEAK_HEAT_FLUX,
    PEAKS_SIZE,
    PredictorSettings,
    propagate_peaks,
    range_errors,
)
from sim.models._jit import njit
from sim.models.constants import G0
from sim.models.earth import geodetic_to_ecef

#: Radius of the sphere the guidance measures ranges on [m].
GUIDANCE_RADIUS = 6371e3
#: First guess of the slope of downrange against bank magnitude [m rad^-1].
_START_SLOPE = -50e3
#: Sensed specific force above which the drag ratio is measured [m s^-2] (0.05 g).
_MIN_SENSED = 0.5
#: Fractions of the load limit where the load relief begins and where it is full: the
#: bank magnitude is eased linearly from the corrector's toward lift up between them, for
#: the load anticipated ahead (:func:`sim.core.dynamics.anticipated_load`). Full relief at
#: 80 % leaves room for the bank's slew; starting at 60 %, 99.7 % of the shipped guided
#: Monte Carlo stays within 5 g (65-80 %: 98.9 %; README, "Guidance limits").
RELIEF_START = 0.60
RELIEF_FULL = 0.80
#: Fraction of a limit the predicted peak may reach: the predictions ease the bank at
#: once, the capsule at the bank's rate limit, so that the flown peak comes out a little
#: above the predicted one.
LIMIT_MARGIN = 0.9
#: The highest band of the load relief (fractions of the limit), used when the bank is at
#: its largest and the capsule still flies long: the guidance then raises the band toward
#: it while the predicted peak stays within the limit (less relief, a deeper and shorter
#: descent).
RELIEF_TOP_START = 0.90
RELIEF_TOP_FULL = 1.00


@njit
def guidance_start(bank: float, gp: np.ndarray, gs: np.ndarray) -> None:
    """Reset the guidance state ``gs`` at the start of a guided phase flown from ``bank``
    [rad] (set ``gs[GS.phase]`` first; the cycle, reversal and prediction counters and the
    record of the limits go on over the guided phases of a flight)."""
    # the counters run on over the guided phases of a flight; the rest starts afresh
    cycles, reversals, predictions = gs[GS.cycles], gs[GS.reversals], gs[GS.predictions]
    phase = gs[GS.phase]
    first = cycles == 0.0
    limit_time, limit_cycles, limit_downrange = (
        gs[GS.limit_time],
        gs[GS.limit_cycles],
        gs[GS.limit_downrange],
    )
    gs[:] = 0.0
    gs[GS.cycles], gs[GS.reversals], gs[GS.predictions] = cycles, reversals, predictions
    gs[GS.phase] = phase
    if first:
        limit_time, limit_cycles, limit_downrange = math.nan, 0.0, math.nan
    gs[GS.limit_time], gs[GS.limit_cycles], gs[GS.limit_downrange] = (
        limit_time,
        limit_cycles,
        limit_downrange,
    )
    gs[GS.drag_ratio] = 1.0
    gs[GS.lift_ratio] = 1.0
    magnitude = abs(wrap_angle(bank)) if bank != 0.0 else math.radians(45.0)
    gs[GS.magnitude] = min(max(magnitude, gp[G.min_bank]), gp[G.max_bank])
    gs[GS.slope] = math.nan
    gs[GS.command] = math.nan
    gs[GS.downrange] = math.nan
    gs[GS.crossrange] = math.nan
    gs[GS.peak_g] = math.nan
    gs[GS.peak_heat_flux] = math.nan
    gs[GS.last_sensed] = math.nan


@njit
def _predict(t, y, magnitude, gp, gs, pg, tab, target):
    """Predicted (downrange, crossrange) [m] at the final altitude for a bank magnitude,
    and the predicted peaks (sensed load [g0], heat flux [W m^-2]) on the way."""
    sign = gs[GS.sign]
    bank = sign * magnitude if sign != 0.0 else magnitude
    _set_bank_profile(bank, gp, pg, gs[GS.relief_shift])
    pg[P.bank_t0] = t
    settings = PredictorSettings(
        gp[G.final_altitude],
        t + 4000.0,
        gp[G.predictor_step],
        10.0,
        120e3,
        200e3,
        gp[G.predictor_rtol],
    )
    gs[GS.predictions] += 1.0
    peaks = np.empty(PEAKS_SIZE)
    t_end, y_end, reason = propagate_peaks(t, y, pg, tab, settings, peaks)
    if reason != 0:
        # skip-out or no landing: a huge overshoot
        return 1e7, 0.0, peaks[PEAK_G], peaks[PEAK_HEAT_FLUX]
    z, c = range_errors(y[0:3], y_end[0:3], target, GUIDANCE_RADIUS)
    return z, c, peaks[PEAK_G], peaks[PEAK_HEAT_FLUX]


@njit
def _set_bank_profile(bank, gp, pg, shift):
    """The bank profile a prediction flies: the constant ``bank``, or with a load limit the
    same eased toward lift up (the smallest magnitude) as the load approaches the limit,
    as the flight computer will fly it (:func:`sim.core.dynamics.relief_bank`)."""
    pg[P.bank0] = bank
    limit = gp[G.load_limit]
    if limit > 0.0:
        pg[P.bank_mode] = BANK.relief
        pg[P.bank_command] = gp[G.min_bank]
        start = RELIEF_START + shift * (RELIEF_TOP_START - RELIEF_START)
        full = RELIEF_FULL + shift * (RELIEF_TOP_FULL - RELIEF_FULL)
        pg[P.relief_start] = start * limit * G0
        pg[P.relief_full] = full * limit * G0
        # ahead by a cycle and by the time the bank takes to slew to lift up
        pg[P.relief_lead] = gp[G.period] + abs(bank) / gp[G.bank_rate_limit]
    else:
        pg[P.bank_mode] = BANK.constant


@njit
def _excess(g_peak, q_peak, gp):
    """How far predicted peaks exceed the limits: max(g / g_limit, q / q_limit) - 1
    (<= 0: within them; -1 without limits)."""
    worst = 0.0
    if gp[G.load_limit] > 0.0:
        worst = max(worst, g_peak / (LIMIT_MARGIN * gp[G.load_limit]))
    if gp[G.heat_limit] > 0.0:
        worst = max(worst, q_peak / (LIMIT_MARGIN * gp[G.heat_limit]))
    return worst - 1.0


@njit
def _solve_magnitude(t, y, gp, gs, pg, tab, target):
    """Secant iterations on the bank magnitude that null the predicted downrange error;
    sets the magnitude and returns the prediction (downrange, crossrange) [m].

    With a load or heat-rate limit, a magnitude whose predicted peak exceeds it is held
    back (:func:`_limit_magnitude`): the capsule then lands long rather than steepen.
    """
    lo = gp[G.min_bank]
    hi = gp[G.max_bank]
    tol = gp[G.tolerance]
    gs[GS.limited] = 0.0
    s0 = gs[GS.magnitude]
    raised = gs[GS.relief_shift] > 0.0
    gs[GS.relief_shift] = 0.0
    z0, c0, g0, q0 = _predict(t, y, s0, gp, gs, pg, tab, target)
    if raised:
        # while the relief band is raised, the band is the control (at the largest bank,
        # s0); the secant takes over from the lowest band's prediction when it comes down
        z, c, g, q = _solve_shift(t, y, (z0, c0, g0, q0), gp, gs, pg, tab, target)
        if gs[GS.relief_shift] > 0.0:
            return _hold_shift(t, z, c, g, q, gp, gs)
    best_err, best_s, best_z, best_c, best_g, best_q = abs(z0), s0, z0, c0, g0, q0
    if abs(z0) > tol:
        slope = gs[GS.slope] if not math.isnan(gs[GS.slope]) else _START_SLOPE
        s1 = min(max(s0 - z0 / slope, lo), hi)
        for _ in range(4):
            if s1 == s0:
                break
            z1, c1, g1, q1 = _predict(t, y, s1, gp, gs, pg, tab, target)
            if abs(z1) < best_err:
                best_err, best_s, best_z, best_c, best_g, best_q = abs(z1), s1, z1, c1, g1, q1
            if abs(z1) <= tol:
                break
            if z1 != z0:
                new_slope = (z1 - z0) / (s1 - s0)
                if new_slope < 0.0:
                    gs[GS.slope] = new_slope
                    slope = new_slope
            s0, z0 = s1, z1
            s1 = min(max(s1 - z1 / slope, lo), hi)
    saturated = hi > lo and best_s >= hi and best_z > tol
    if gp[G.load_limit] > 0.0 and saturated and _excess(best_g, best_q, gp) <= 0.0:
        # at the largest bank, still long, with room under the limit: less relief
        lowest = (best_z, best_c, best_g, best_q)
        z, c, g, q = _solve_shift(t, y, lowest, gp, gs, pg, tab, target)
        if gs[GS.relief_shift] > 0.0:
            return _hold_shift(t, z, c, g, q, gp, gs)
    if _excess(best_g, best_q, gp) > 0.0:
        best_s, best_z, best_c, best_g, best_q = _limit_magnitude(
            t, y, best_s, best_g, best_q, gp, gs, pg, tab, target
        )
        _note_limit(t, best_z, gs)
    gs[GS.magnitude] = best_s
    gs[GS.peak_g] = best_g
    gs[GS.peak_heat_flux] = best_q
    return best_z, best_c


@njit
def _hold_shift(t, z, c, g, q, gp, gs):
    """Fly the largest bank with the raised relief band just solved; a capsule still
    predicted long is held there by the limit. Returns (downrange, crossrange)."""
    if z > gp[G.tolerance]:
        _note_limit(t, z, gs)
    gs[GS.magnitude] = gp[G.max_bank]
    gs[GS.peak_g] = g
    gs[GS.peak_heat_flux] = q
    return z, c


@njit
def _solve_shift(t, y, lowest, gp, gs, pg, tab, target):
    """At the largest bank magnitude and still long: the highest relief band
    (``GS.relief_shift``, 0..1) whose predicted peaks stay within the limits and that does
    not carry the capsule short of the target, by bisection on a few predictions.

    ``lowest`` is the prediction of the lowest band (downrange, crossrange, peak load, peak
    heat flux); returns the prediction of the band chosen (0 when no raised band is
    within the limits, or the lowest is not long).
    """
    s = gp[G.max_bank]
    tol = gp[G.tolerance]
    gs[GS.relief_shift] = 0.0
    if _excess(lowest[2], lowest[3], gp) > 0.0 or lowest[0] <= tol:
        return lowest
    gs[GS.relief_shift] = 1.0
    z, c, g, q = _predict(t, y, s, gp, gs, pg, tab, target)
    if _excess(g, q, gp) <= 0.0 and z >= -tol:
        return z, c, g, q
    best = lowest
    a, b = 0.0, 1.0
    for _ in range(6):
        u = 0.5 * (a + b)
        gs[GS.relief_shift] = u
        z, c, g, q = _predict(t, y, s, gp, gs, pg, tab, target)
        if _excess(g, q, gp) <= 0.0 and z >= -tol:
            a, best = u, (z, c, g, q)
            if z <= tol:
                break
        else:
            b = u
    gs[GS.relief_shift] = a
    return best


@njit
def _note_limit(t, downrange, gs):
    """Record that a limit held the bank back this cycle (once per cycle)."""
    if gs[GS.limited] == 0.0:
        gs[GS.limited] = 1.0
        if math.isnan(gs[GS.limit_time]):
            gs[GS.limit_time] = t
        gs[GS.limit_cycles] += 1.0
    gs[GS.limit_downrange] = downrange


@njit
def _limit_magnitude(t, y, s_over, g_over, q_over, gp, gs, pg, tab, target):
    """The largest bank magnitude below ``s_over`` whose predicted peaks stay within the
    limits (load relief: less bank, more lift up, a shallower and longer descent).

    The predicted peak grows with the magnitude, so the limit is a root of the excess
    (:func:`_excess`) between the smallest magnitude and ``s_over``, found by regula falsi
    (Illinois) on a few predictions; the magnitude returned is the largest one found within
    the limits. When even the smallest magnitude exceeds them (the load is already at its
    peak, or the entry too steep), the smallest magnitude is the relief there is.

    Returns
    -------
    magnitude, downrange, crossrange, peak_g, peak_heat_flux
    """
    lo = gp[G.min_bank]
    z_lo, c_lo, g_lo, q_lo = _predict(t, y, lo, gp, gs, pg, tab, target)
    f_lo = _excess(g_lo, q_lo, gp)
    if f_lo >= 0.0 or s_over <= lo:
        return lo, z_lo, c_lo, g_lo, q_lo
    best = (lo, z_lo, c_lo, g_lo, q_lo)
    a, fa = lo, f_lo
    b, fb = s_over, _excess(g_over, q_over, gp)
    side = 0
    for _ in range(6):
        s = b - fb * (b - a) / (fb - fa)
        z, c, g, q = _predict(t, y, s, gp, gs, pg, tab, target)
        f = _excess(g, q, gp)
        if f <= 0.0:
            if s > best[0]:
                best = (s, z, c, g, q)
            if f > -0.01:  # within 1 % of the limit: close enough
                break
            a, fa = s, f
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            b, fb = s, f
            if side == 1:
                fa *= 0.5
            side = 1
    return best


@njit
def _target_crossrange(y, target):
    """Distance of the target from the great circle along the current Earth-relative
    velocity [m] (sphere), positive: target to the right."""
    r = math.sqrt(y[0] ** 2 + y[1] ** 2 + y[2] ** 2)
    rx, ry, rz = y[0] / r, y[1] / r, y[2] / r
    nx = ry * y[5] - rz * y[4]  # r x v: left of the velocity
    ny = rz * y[3] - rx * y[5]
    nz = rx * y[4] - ry * y[3]
    nn = math.sqrt(nx * nx + ny * ny + nz * nz)
    tn = math.sqrt(target[0] ** 2 + target[1] ** 2 + target[2] ** 2)
    d = (nx * target[0] + ny * target[1] + nz * target[2]) / (nn * tn)
    return -math.asin(min(max(d, -1.0), 1.0)) * GUIDANCE_RADIUS


@njit
def _record(t, z, c, reversal, gs, hist):
    gs[GS.downrange] = z
    gs[GS.crossrange] = c
    k = int(gs[GS.cycles])
    gs[GS.cycles] += 1.0
    if reversal:
        gs[GS.reversals] += 1.0
    if k < hist.shape[0]:
        hist[k, GH.time] = t
        hist[k, GH.bank_command_deg] = math.degrees(gs[GS.command])
        hist[k, GH.predicted_downrange_km] = z / 1e3
        hist[k, GH.predicted_crossrange_km] = c / 1e3
        hist[k, GH.drag_ratio] = gs[GS.drag_ratio]
        hist[k, GH.lift_ratio] = gs[GS.lift_ratio]
        hist[k, GH.reversal] = 1.0 if reversal else 0.0
        hist[k, GH.phase] = gs[GS.phase]
        hist[k, GH.predicted_peak_g] = gs[GS.peak_g]
        hist[k, GH.limited] = gs[GS.limited]


@njit
def guidance_cycle(t, y, bank, gp, gs, pt, pg, tab, hist):
    """One guidance cycle at (t, y) with the current bank [rad].

    Parameters
    ----------
    gp, gs : ndarray
        The law's parameters (:data:`~sim.core.layout.GUIDE`) and its state
        (:data:`~sim.core.layout.GSTATE`, updated).
    pt : ndarray
        The true physics row of the phase (the sensed drag).
    pg : ndarray
        The guidance's own model row (a scratch copy: its bank and density are set here).
    tab : ndarray
        The table array of both rows (each finds its tables through its offsets).
    hist : ndarray [cycles, GHISTORY.size]
        Receives one row per cycle while there is room (0 rows: no history).

    Returns
    -------
    command : float
        The commanded bank [rad]; the bank slews there at ``gp[G.bank_rate_limit]``.
    """
    target = np.empty(3)
    target[0], target[1], target[2] = geodetic_to_ecef(gp[G.target_lat], gp[G.target_lon], 0.0)
    speed = math.sqrt(y[3] ** 2 + y[4] ** 2 + y[5] ** 2)
    density_scale = pg[P.density_scale]
    lift_to_drag = pg[P.lift_to_drag]
    if not math.isnan(gs[GS.command]) and speed < gp[G.stop_speed]:
        if gs[GS.frozen] == 0.0:
            pg[P.density_scale] = density_scale * gs[GS.drag_ratio]
            pg[P.lift_to_drag] = lift_to_drag * gs[GS.lift_ratio]
            # Freeze on the sign whose predicted crossrange is the smaller: at low speed
            # the lateral lift curves the path, and the target's crossrange from the
            # current velocity no longer tells where the capsule will land.
            gs[GS.frozen] = 1.0
            keep = _predict(t, y, gs[GS.magnitude], gp, gs, pg, tab, target)
            gs[GS.sign] = -gs[GS.sign]
            flip = _predict(t, y, gs[GS.magnitude], gp, gs, pg, tab, target)
            reversal = abs(flip[1]) < abs(keep[1])
            if not reversal:
                gs[GS.sign] = -gs[GS.sign]
            z, c = _solve_magnitude(t, y, gp, gs, pg, tab, target)
            gs[GS.command] = gs[GS.sign] * gs[GS.magnitude]
            _record(t, z, c, reversal, gs, hist)
            pg[P.density_scale] = density_scale
            pg[P.lift_to_drag] = lift_to_drag
        return gs[GS.command]
    # the sensed specific force (truth) against the model's: its component along the
    # air-relative velocity is the drag, the rest the lift (the bank only turns the lift)
    pg[P.bank_mode] = BANK.constant
    pg[P.bank0] = bank
    d_s, l_s = drag_and_lift(t, y, pt, tab)
    d_m, l_m = drag_and_lift(t, y, pg, tab)
    a_s = math.sqrt(d_s * d_s + l_s * l_s)
    gs[GS.last_sensed] = a_s
    if a_s <= _MIN_SENSED and not math.isnan(gs[GS.command]):
        # above the sensible atmosphere (below 0.05 g, Apollo's "0.05 g" event): the lift
        # cannot move the landing yet and the drag ratio cannot be measured, so the
        # command of the first cycle holds, without predictions, until the load builds
        _record(t, gs[GS.downrange], gs[GS.crossrange], False, gs, hist)
        return gs[GS.command]
    if a_s > _MIN_SENSED and d_m > 0.0:
        gs[GS.drag_ratio] += gp[G.filter_gain] * (d_s / d_m - gs[GS.drag_ratio])
        if l_m > 1e-9 * d_m and d_s > 0.0:  # a model lift within rounding of none is none
            ratio = (l_s / d_s) / (l_m / d_m)
            gs[GS.lift_ratio] += gp[G.lift_filter_gain] * (ratio - gs[GS.lift_ratio])
    pg[P.density_scale] = density_scale * gs[GS.drag_ratio]
    pg[P.lift_to_drag] = lift_to_drag * gs[GS.lift_ratio]
    crossrange = _target_crossrange(y, target)
    if gs[GS.sign] == 0.0:
        gs[GS.sign] = 1.0 if crossrange >= 0.0 else -1.0
    z, c = _solve_magnitude(t, y, gp, gs, pg, tab, target)
    pg[P.density_scale] = density_scale
    pg[P.lift_to_drag] = lift_to_drag
    frac = min(max((speed - gp[G.speed_low]) / (gp[G.speed_high] - gp[G.speed_low]), 0.0), 1.0)
    deadband = gp[G.deadband_low] + (gp[G.deadband_high] - gp[G.deadband_low]) * frac
    magnitude = gs[GS.magnitude]
    relieving = False
    if gp[G.load_limit] > 0.0:
        # the relief the predictions assumed, for the load anticipated ahead
        _set_bank_profile(magnitude, gp, pg, gs[GS.relief_shift])
        r = math.sqrt(y[0] ** 2 + y[1] ** 2 + y[2] ** 2)
        sink = -(y[0] * y[3] + y[1] * y[4] + y[2] * y[5]) / r
        relieved = abs(relief_bank(anticipated_load(a_s, sink, d_s, speed, pg), pg))
        if relieved < magnitude:
            magnitude = relieved
            relieving = True
            _note_limit(t, z, gs)
    sign = gs[GS.sign]
    # while the load is relieved, a reversal waits until the bank can swing through lift
    # up: from larger magnitudes the shorter way passes through lift down
    through_lift_down = abs(wrap_angle(bank)) + magnitude > math.pi
    reversal = not (relieving and through_lift_down) and (
        (crossrange < -deadband and sign > 0.0) or (crossrange > deadband and sign < 0.0)
    )
    if reversal:
        gs[GS.sign] = -sign
    gs[GS.command] = gs[GS.sign] * magnitude
    _record(t, z, c, reversal, gs, hist)
    return gs[GS.command]
