"""The predictor-corrector entry guidance, compiled: one cycle of the flight computer.

:func:`guidance_cycle` is what the flight computer does every guidance period (the law and
its settings are documented with :class:`sim.flight.control.GuidedBank`):

1. update the drag ratio (real over modelled drag, density and drag-coefficient errors
   look alike) from the sensed specific force, with a first-order filter;
2. predict, with the compiled predictor (:func:`sim.core.predictor.propagate`) over the
   guidance's own model row scaled by that ratio, where the capsule reaches the final
   altitude at a constant bank magnitude, and null the predicted downrange error by
   secant iterations on the magnitude;
3. reverse the bank's sign when the target's crossrange leaves a deadband that narrows
   with speed; below the stop speed, freeze the command on the sign whose predicted
   crossrange is the smaller;
4. command the bank, which slews toward it at the rate limit.

Both integrators call this one function (the compiled engine inside its loop, the
``solve_ivp`` reference path at each segment seam), so the guidance is written once. Its
state lives in a small array (layout :data:`sim.core.layout.GSTATE`) and its history in
rows of :data:`sim.core.layout.GHISTORY`.
"""

import math

import numpy as np

from sim.core.dynamics import rhs_into, wrap_angle
from sim.core.layout import BANK, GH, GS, N_DERIV, N_STATE, A, G, P
from sim.core.predictor import PredictorSettings, propagate, range_errors
from sim.models._jit import njit, njit_inline
from sim.models.earth import geodetic_to_ecef

#: Radius of the sphere the guidance measures ranges on [m].
GUIDANCE_RADIUS = 6371e3
#: First guess of the slope of downrange against bank magnitude [m rad^-1].
_START_SLOPE = -50e3
#: Sensed specific force above which the drag ratio is measured [m s^-2] (0.05 g).
_MIN_SENSED = 0.5


@njit
def guidance_start(bank: float, gp: np.ndarray, gs: np.ndarray) -> None:
    """Reset the guidance state ``gs`` at the start of a guided phase flown from ``bank``
    [rad] (set ``gs[GS.phase]`` first; the cycle, reversal and prediction counters go on
    over the guided phases of a flight)."""
    # the counters run on over the guided phases of a flight; the rest starts afresh
    cycles, reversals, predictions = gs[GS.cycles], gs[GS.reversals], gs[GS.predictions]
    phase = gs[GS.phase]
    gs[:] = 0.0
    gs[GS.cycles], gs[GS.reversals], gs[GS.predictions] = cycles, reversals, predictions
    gs[GS.phase] = phase
    gs[GS.drag_ratio] = 1.0
    magnitude = abs(wrap_angle(bank)) if bank != 0.0 else math.radians(45.0)
    gs[GS.magnitude] = min(max(magnitude, gp[G.min_bank]), gp[G.max_bank])
    gs[GS.slope] = math.nan
    gs[GS.command] = math.nan
    gs[GS.downrange] = math.nan
    gs[GS.crossrange] = math.nan


@njit_inline
def _predict(t, y, magnitude, gp, gs, pg, tab, target):
    """Predicted (downrange, crossrange) [m] at the final altitude for a bank magnitude."""
    sign = gs[GS.sign]
    bank = sign * magnitude if sign != 0.0 else magnitude
    pg[P.bank_mode] = BANK.constant
    pg[P.bank0] = bank
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
    t_end, y_end, reason = propagate(t, y, pg, tab, settings)
    if reason != 0:
        return 1e7, 0.0  # skip-out or no landing: a huge overshoot
    return range_errors(y[0:3], y_end[0:3], target, GUIDANCE_RADIUS)


@njit
def _solve_magnitude(t, y, gp, gs, pg, tab, target):
    """Secant iterations on the bank magnitude that null the predicted downrange error;
    sets the magnitude and returns the prediction (downrange, crossrange) [m]."""
    lo = gp[G.min_bank]
    hi = gp[G.max_bank]
    tol = gp[G.tolerance]
    s0 = gs[GS.magnitude]
    z0, c0 = _predict(t, y, s0, gp, gs, pg, tab, target)
    best_err, best_s, best_z, best_c = abs(z0), s0, z0, c0
    if abs(z0) > tol:
        slope = gs[GS.slope] if not math.isnan(gs[GS.slope]) else _START_SLOPE
        s1 = min(max(s0 - z0 / slope, lo), hi)
        for _ in range(4):
            if s1 == s0:
                break
            z1, c1 = _predict(t, y, s1, gp, gs, pg, tab, target)
            if abs(z1) < best_err:
                best_err, best_s, best_z, best_c = abs(z1), s1, z1, c1
            if abs(z1) <= tol:
                break
            if z1 != z0:
                new_slope = (z1 - z0) / (s1 - s0)
                if new_slope < 0.0:
                    gs[GS.slope] = new_slope
                    slope = new_slope
            s0, z0 = s1, z1
            s1 = min(max(s1 - z1 / slope, lo), hi)
    gs[GS.magnitude] = best_s
    return best_z, best_c


@njit_inline
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


@njit_inline
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
        hist[k, GH.reversal] = 1.0 if reversal else 0.0
        hist[k, GH.phase] = gs[GS.phase]


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
    if not math.isnan(gs[GS.command]) and speed < gp[G.stop_speed]:
        if gs[GS.frozen] == 0.0:
            pg[P.density_scale] = density_scale * gs[GS.drag_ratio]
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
        return gs[GS.command]
    # drag ratio from the sensed specific force (truth) against the model's
    pg[P.bank_mode] = BANK.constant
    pg[P.bank0] = bank
    d = np.empty(N_DERIV)
    rhs_into(t, y, pt, tab, d)
    a_s = d[N_STATE + A.sensed]
    rhs_into(t, y, pg, tab, d)
    a_m = d[N_STATE + A.sensed]
    if a_s > _MIN_SENSED and a_m > 0.0:
        gs[GS.drag_ratio] += gp[G.filter_gain] * (a_s / a_m - gs[GS.drag_ratio])
    pg[P.density_scale] = density_scale * gs[GS.drag_ratio]
    crossrange = _target_crossrange(y, target)
    if gs[GS.sign] == 0.0:
        gs[GS.sign] = 1.0 if crossrange >= 0.0 else -1.0
    z, c = _solve_magnitude(t, y, gp, gs, pg, tab, target)
    pg[P.density_scale] = density_scale
    frac = min(max((speed - gp[G.speed_low]) / (gp[G.speed_high] - gp[G.speed_low]), 0.0), 1.0)
    deadband = gp[G.deadband_low] + (gp[G.deadband_high] - gp[G.deadband_low]) * frac
    sign = gs[GS.sign]
    reversal = (crossrange < -deadband and sign > 0.0) or (crossrange > deadband and sign < 0.0)
    if reversal:
        gs[GS.sign] = -sign
    gs[GS.command] = gs[GS.sign] * gs[GS.magnitude]
    _record(t, z, c, reversal, gs, hist)
    return gs[GS.command]
