"""A compiled fixed-step predictor over the same right-hand side as the simulator.

Guidance and deorbit targeting need hundreds of fast trajectory predictions. They call
:func:`propagate`, a classical Runge-Kutta 4 loop compiled together with
:func:`sim.core.dynamics.rhs_into`: one copy of the physics, no Python per step. Its
:class:`PredictorSettings` say where to stop and which steps to take: ``coast_step``
above ``coast_altitude`` (coast, thin air) and ``step`` below it. The stop on an altitude
is located inside the last step by a secant iteration on the step fraction.

Accuracy (measured in ``tests/test_guidance.py``): with 1 s steps in the atmosphere the
point where a Soyuz-like entry reaches 10.7 km agrees with the adaptive DOP853 reference
(rtol 1e-10) to better than 100 m.
"""

import math
from typing import NamedTuple

import numpy as np

from sim.core import dopri, locate
from sim.core.dynamics import rhs_into
from sim.core.layout import N_DENSE, N_DERIV, N_STATE, A, Q, S
from sim.models._jit import borrow, keep_alive, njit
from sim.models.constants import G0
from sim.models.earth import geodetic_height

STOP_ALTITUDE = 0  #: reached the stop altitude
STOP_CEILING = 1  #: rose above the ceiling (skip-out)
STOP_TIME = 2  #: reached the time limit


class PredictorSettings(NamedTuple):
    """Where a prediction stops and the steps it takes (SI).

    With ``step`` > 0 the prediction is a fixed-step RK4 (``step`` below
    ``coast_altitude``, ``coast_step`` above); with ``step`` = 0 it is the adaptive
    Dormand-Prince 5(4) of the engine at relative tolerance ``rtol``.
    """

    stop_altitude: float  #: stop when the altitude falls to this [m]
    t_max: float  #: stop at this time [s]
    step: float  #: RK4 step below ``coast_altitude`` [s]; 0: adaptive
    coast_step: float  #: RK4 step above ``coast_altitude`` [s]
    coast_altitude: float  #: [m]
    ceiling: float  #: stop (skip-out) when the altitude rises above this [m]
    rtol: float = 1e-7  #: relative tolerance of the adaptive predictor [-]


@njit
def _rk4(t, y, h, p, tab, k1, k2, k3, k4, tmp, out):
    rhs_into(t, y, p, tab, k1)
    for i in range(N_STATE):
        tmp[i] = y[i] + 0.5 * h * k1[i]
    rhs_into(t + 0.5 * h, tmp, p, tab, k2)
    for i in range(N_STATE):
        tmp[i] = y[i] + 0.5 * h * k2[i]
    rhs_into(t + 0.5 * h, tmp, p, tab, k3)
    for i in range(N_STATE):
        tmp[i] = y[i] + h * k3[i]
    rhs_into(t + h, tmp, p, tab, k4)
    for i in range(N_STATE):
        out[i] = y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@njit
def _altitude(y):
    return geodetic_height(y[S.x], y[S.y], y[S.z])[2]


def propagate(
    t: float,
    y0: np.ndarray,
    p: np.ndarray,
    tab: np.ndarray,
    settings: PredictorSettings,
) -> tuple[float, np.ndarray, int]:
    """Integrate from (t, y0) until the altitude falls to ``settings.stop_altitude`` [m],
    rises above ``settings.ceiling`` [m] or the time reaches ``settings.t_max`` [s].

    Returns
    -------
    t_end : float
    y_end : ndarray
    reason : int
        STOP_ALTITUDE, STOP_CEILING or STOP_TIME.

    Python, calling the compiled :func:`propagate_peaks`: compiled, this wrapper was a
    second copy of the whole predictor's machine code, compiled and cached again.
    """
    peaks = np.zeros(PEAKS_SIZE)
    return propagate_peaks(t, y0, p, tab, settings, peaks)


#: Peaks a prediction tracks (:func:`propagate_peaks`): slots of its ``peaks`` array.
PEAK_G = 0  #: the largest sensed load [g0]
PEAK_HEAT_FLUX = 1  #: the largest stagnation-point heat flux [W m^-2]
N_PEAKS = 2
#: Length of a ``peaks`` array: the peaks, then the last two samples of each.
PEAKS_SIZE = N_PEAKS + 8


@njit
def propagate_peaks(
    t: float,
    y0: np.ndarray,
    p: np.ndarray,
    tab: np.ndarray,
    settings: PredictorSettings,
    peaks: np.ndarray,
) -> tuple[float, np.ndarray, int]:
    """:func:`propagate`, keeping in ``peaks`` (set to the largest values met) the sensed
    load and the heat flux at the start and at every step end of the prediction.

    Step ends sample a peak: the adaptive predictor's steps near a load peak last a few
    seconds against the peak's minute-long rise and fall, so the sampled peak is below the
    true one by a fraction of a percent (``tests/flight/test_guidance.py``).
    """
    y = y0.copy()
    # the integrators work on borrowed views; the arrays are held to the end (keep_alive)
    owned = (np.empty((8, N_DERIV)), np.empty((3, N_STATE)), np.empty((N_DENSE, N_STATE)))
    k = borrow(owned[0])
    peaks[:] = math.nan
    peaks[PEAK_G] = 0.0
    peaks[PEAK_HEAT_FLUX] = 0.0
    if settings.step <= 0.0:
        t_end, reason = _adaptive(
            t,
            borrow(y),
            borrow(p),
            borrow(tab),
            settings,
            k,
            borrow(owned[1]),
            borrow(owned[2]),
            peaks,
        )
    else:
        t_end, reason = _fixed(t, borrow(y), borrow(p), borrow(tab), settings, k, peaks)
    keep_alive(owned)
    return t_end, y, reason


@njit
def _keep_peaks(t, k_row, peaks):
    """Keep the largest sensed load and heat flux of the samples so far, each refined by
    the vertex of the parabola through the three samples around a sampled maximum (the
    step ends are a few seconds apart against a peak's minute-long rise and fall: the
    vertex is third-order accurate in the step, the sample itself second-order, and it does
    not jump as the step sequence shifts)."""
    for j in range(2):
        v = k_row[N_STATE + A.sensed] / G0 if j == 0 else k_row[N_STATE + A.heat_flux]
        base = N_PEAKS + 4 * j  # (t, v) of the sample before the last, then of the last
        if v > peaks[j]:
            peaks[j] = v
        ta, va, tb, vb = peaks[base], peaks[base + 1], peaks[base + 2], peaks[base + 3]
        if not math.isnan(ta) and vb >= va and vb >= v and t > tb > ta:
            d1 = (vb - va) / (tb - ta)
            d2 = (v - vb) / (t - tb)
            a = (d2 - d1) / (t - ta)
            if a < 0.0:
                tv = 0.5 * (ta + tb) - d1 / (2.0 * a)
                top = va + d1 * (tv - ta) + a * (tv - ta) * (tv - tb)
                if top > peaks[j]:
                    peaks[j] = top
        if not math.isnan(tb) and t <= tb:
            continue  # a repeated sample (the stop located inside the last step)
        peaks[base], peaks[base + 1] = tb, vb
        peaks[base + 2], peaks[base + 3] = t, v


@njit
def _fixed(t, y, p, tab, settings, k, peaks):
    """:func:`propagate` with fixed RK4 steps (``y`` advanced in place; ``k`` work rows);
    the stop altitude located by a secant iteration on the last step's fraction."""
    stop_altitude = settings.stop_altitude
    t_max = settings.t_max
    ceiling = settings.ceiling
    k1 = k[0]
    k2 = k[1]
    k3 = k[2]
    k4 = k[3]
    tmp = k[4]
    yn = k[5]
    h_prev = _altitude(y)
    if h_prev <= stop_altitude:
        return t, STOP_ALTITUDE
    while t < t_max:
        step = settings.coast_step if h_prev > settings.coast_altitude else settings.step
        step = min(step, t_max - t)
        _rk4(t, y, step, p, tab, k1, k2, k3, k4, tmp, yn)
        _keep_peaks(t, k1, peaks)  # the step's start (k1 holds its step quantities)
        h = _altitude(yn)
        if h <= stop_altitude:
            # secant on the step fraction: a few RK4 sub-steps from the step's start
            lo = 0.0
            hi = 1.0
            g_lo = h_prev - stop_altitude
            g_hi = h - stop_altitude
            frac = 1.0
            for _ in range(30):
                frac = lo + (hi - lo) * g_lo / (g_lo - g_hi)
                _rk4(t, y, frac * step, p, tab, k1, k2, k3, k4, tmp, yn)
                g = _altitude(yn) - stop_altitude
                if abs(g) < 1e-3:
                    break
                if g > 0.0:
                    lo = frac
                    g_lo = g
                else:
                    hi = frac
                    g_hi = g
            _copy(yn, y)
            return t + frac * step, STOP_ALTITUDE
        if h > ceiling:
            _copy(yn, y)
            return t + step, STOP_CEILING
        _copy(yn, y)
        t += step
        h_prev = h
    return t, STOP_TIME


@njit
def _copy(source, target):
    for i in range(N_STATE):
        target[i] = source[i]


@njit
def _adaptive(t, y, p, tab, settings, k, vectors, coef, peaks):
    """:func:`propagate` with Dormand-Prince 5(4) steps (``y`` advanced in place; ``k``,
    ``vectors`` and ``coef`` work arrays); the stop altitude located on the last step's
    interpolant."""
    rtol = settings.rtol
    atol = vectors[0]
    ynew = vectors[1]
    tmp = vectors[2]
    for i in range(N_STATE):
        atol[i] = dopri.ATOL_PER_RTOL[i] * rtol
    alt = _altitude(y)
    if alt <= settings.stop_altitude:
        return t, STOP_ALTITUDE
    rhs_into(t, y, p, tab, k[0])
    _keep_peaks(t, k[0], peaks)
    h = dopri.initial_step(t, y, k[0], p, tab, rtol, atol, 1e4, tmp, ynew)
    while t < settings.t_max:
        h = min(h, settings.t_max - t)
        dopri.step(t, y, h, k, p, tab, ynew, tmp)
        err = dopri.error_norm(y, ynew, h, k, rtol, atol)
        if not err <= 1.0:
            h = dopri.next_step(h, err, True)
            if h < 1e-9:
                break
            continue
        alt_new = k[6, N_STATE + A.altitude]
        _keep_peaks(t + h, k[6], peaks)
        if alt_new <= settings.stop_altitude:
            dopri.dense_coefficients(y, ynew, h, k, coef)
            theta = locate.root(
                Q.altitude,
                settings.stop_altitude,
                t,
                h,
                coef,
                0.0,
                1.0,
                alt - settings.stop_altitude,
                alt_new - settings.stop_altitude,
                p,
                tab,
                tmp,
                k[7],
            )
            dopri.dense_eval(coef, theta, y)
            return t + theta * h, STOP_ALTITUDE
        if alt_new > settings.ceiling:
            _copy(ynew, y)
            return t + h, STOP_CEILING
        t += h
        _copy(ynew, y)
        for i in range(N_DERIV):
            k[0, i] = k[6, i]
        alt = alt_new
        h = dopri.next_step(h, err, False)
    return t, STOP_TIME


@njit
def range_errors(
    current: np.ndarray, point: np.ndarray, target: np.ndarray, radius: float
) -> tuple[float, float]:
    """Downrange and crossrange [m] of ``point`` relative to ``target`` on a sphere.

    Downrange is measured along the great circle from ``current`` to ``target`` (positive:
    ``point`` lies beyond the target, an overshoot); crossrange is positive to the left of
    that great circle. All three arguments are Earth-fixed position vectors.
    """
    rc = math.sqrt(current[0] ** 2 + current[1] ** 2 + current[2] ** 2)
    rt = math.sqrt(target[0] ** 2 + target[1] ** 2 + target[2] ** 2)
    rq = math.sqrt(point[0] ** 2 + point[1] ** 2 + point[2] ** 2)
    c0, c1, c2 = current[0] / rc, current[1] / rc, current[2] / rc
    t0, t1, t2 = target[0] / rt, target[1] / rt, target[2] / rt
    q0, q1, q2 = point[0] / rq, point[1] / rq, point[2] / rq
    n0, n1, n2 = _cross(c0, c1, c2, t0, t1, t2)
    sn = math.sqrt(n0**2 + n1**2 + n2**2)
    if sn < 1e-12:  # at (or opposite) the target: no great circle, no errors to steer by
        return 0.0, 0.0
    n0, n1, n2 = n0 / sn, n1 / sn, n2 / sn
    qn = q0 * n0 + q1 * n1 + q2 * n2
    cross = math.asin(min(max(qn, -1.0), 1.0))
    p0, p1, p2 = q0 - qn * n0, q1 - qn * n1, q2 - qn * n2
    rp = math.sqrt(p0**2 + p1**2 + p2**2)
    p0, p1, p2 = p0 / rp, p1 / rp, p2 / rp
    x0, x1, x2 = _cross(c0, c1, c2, p0, p1, p2)
    ang_q = math.atan2(x0 * n0 + x1 * n1 + x2 * n2, c0 * p0 + c1 * p1 + c2 * p2)
    ang_t = math.atan2(sn, c0 * t0 + c1 * t1 + c2 * t2)
    return (ang_q - ang_t) * radius, cross * radius


@njit
def _cross(a0, a1, a2, b0, b1, b2):
    """The cross product a x b of two 3-vectors given by their components."""
    return a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0
