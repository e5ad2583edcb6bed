"""Dormand-Prince 5(4) with dense output, compiled: the step, the interpolant, the error
control and the root finder the engine's events use.

The method is DOPRI5 as in Hairer, Norsett and Wanner, *Solving Ordinary Differential
Equations I* (2nd ed., 1993), section II.5 and its code ``dopri5``: seven stages with the
first-same-as-last property, the embedded fourth-order error estimate, a step-size
controller with safety factor 0.9 and step ratios within [0.2, 10], and the continuous
extension of order 4 (``contd5``). Every function here is generic over the state; the
right-hand side is :func:`sim.core.dynamics.rhs_into`, the same function the ``solve_ivp``
reference path calls.
"""

import math

import numpy as np

from sim.core.dynamics import rhs_into
from sim.core.layout import N_STATE
from sim.models._jit import njit

# Butcher tableau (Dormand and Prince 1980)
C2, C3, C4, C5 = 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0
A21 = 1.0 / 5.0
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0
A64, A65 = 49.0 / 176.0, -5103.0 / 18656.0
A71, A73, A74 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0
A75, A76 = -2187.0 / 6784.0, 11.0 / 84.0
# error coefficients: fifth- minus fourth-order weights
E1, E3, E4 = 71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0
E5, E6, E7 = -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0
# dense output (Hairer's contd5)
D1, D3 = -12715105075.0 / 11282082432.0, 87487479700.0 / 32700410799.0
D4, D5 = -10690763975.0 / 1880347072.0, 701980252875.0 / 199316789632.0
D6, D7 = -1453857185.0 / 822651844.0, 69997945.0 / 29380423.0

#: Absolute tolerance of each state component per unit of the relative tolerance: 1 mm,
#: 1 um/s, 1 J m^-2 and 10 mg at rtol 1e-8 (every integrator of the package).
ATOL_PER_RTOL = np.array([1e5, 1e5, 1e5, 1e2, 1e2, 1e2, 1e8, 1e3])

SAFETY = 0.9
MIN_FACTOR = 0.2
MAX_FACTOR = 10.0


@njit
def absolute_tolerances(rtol: float) -> np.ndarray:
    """Absolute tolerances of the state components [SI] for a relative tolerance."""
    return ATOL_PER_RTOL * rtol


@njit
def step(t, y, h, k, p, tab, ynew, tmp):
    """One trial step from (t, y) of size h.

    ``k[0]`` must hold f(t, y) on entry (first same as last); on return ``k[1..6]`` hold
    the stages, ``k[6]`` is f(t + h, ynew), ``ynew`` the fifth-order solution. The inner
    stages receive the derivatives only; ``k[6]`` (a row of N_DERIV) also the quantities
    of the state at the step's end (:data:`sim.core.layout.AUX`).
    """
    n = N_STATE
    for i in range(n):
        tmp[i] = y[i] + h * A21 * k[0, i]
    rhs_into(t + C2 * h, tmp, p, tab, k[1, :N_STATE])
    for i in range(n):
        tmp[i] = y[i] + h * (A31 * k[0, i] + A32 * k[1, i])
    rhs_into(t + C3 * h, tmp, p, tab, k[2, :N_STATE])
    for i in range(n):
        tmp[i] = y[i] + h * (A41 * k[0, i] + A42 * k[1, i] + A43 * k[2, i])
    rhs_into(t + C4 * h, tmp, p, tab, k[3, :N_STATE])
    for i in range(n):
        tmp[i] = y[i] + h * (A51 * k[0, i] + A52 * k[1, i] + A53 * k[2, i] + A54 * k[3, i])
    rhs_into(t + C5 * h, tmp, p, tab, k[4, :N_STATE])
    for i in range(n):
        tmp[i] = y[i] + h * (
            A61 * k[0, i] + A62 * k[1, i] + A63 * k[2, i] + A64 * k[3, i] + A65 * k[4, i]
        )
    rhs_into(t + h, tmp, p, tab, k[5, :N_STATE])
    for i in range(n):
        ynew[i] = y[i] + h * (
            A71 * k[0, i] + A73 * k[2, i] + A74 * k[3, i] + A75 * k[4, i] + A76 * k[5, i]
        )
    rhs_into(t + h, ynew, p, tab, k[6])


@njit
def error_norm(y, ynew, h, k, rtol, atol):
    """The RMS of the local error estimate scaled by atol + rtol max(|y|, |ynew|)."""
    s = 0.0
    for i in range(N_STATE):
        e = h * (
            E1 * k[0, i] + E3 * k[2, i] + E4 * k[3, i] + E5 * k[4, i] + E6 * k[5, i] + E7 * k[6, i]
        )
        sc = atol[i] + rtol * max(abs(y[i]), abs(ynew[i]))
        s += (e / sc) ** 2
    return math.sqrt(s / N_STATE)


@njit
def stiffness(y, ynew, h, k, ysti, rtol, atol):
    """H times the estimated dominant eigenvalue of the Jacobian along the last step
    (Hairer and Wanner's stiffness test of DOPRI5): values above 3.25, outside the method's
    stability region, mean the step is limited by stability, not by accuracy. ``ysti`` is
    the argument of the sixth stage (left in ``tmp`` by :func:`step`)."""
    num = 0.0
    den = 0.0
    for i in range(N_STATE):
        sc = atol[i] + rtol * max(abs(y[i]), abs(ynew[i]))
        num += ((k[6, i] - k[5, i]) / sc) ** 2
        den += ((ynew[i] - ysti[i]) / sc) ** 2
    if den <= 0.0:
        return 0.0
    return h * math.sqrt(num / den)


@njit
def next_step(h, err, rejected):
    """The next step size after a step with error ``err`` (<= 1 accepted)."""
    if err == 0.0:
        factor = MAX_FACTOR
    elif not math.isfinite(err):
        factor = MIN_FACTOR
    else:
        factor = min(MAX_FACTOR, max(MIN_FACTOR, SAFETY * err**-0.2))
    if rejected:
        factor = min(factor, 1.0)
    return h * factor


@njit
def dense_coefficients(y, ynew, h, k, out):
    """The coefficients ``out[5, n]`` of the step's continuous extension."""
    for i in range(N_STATE):
        dy = ynew[i] - y[i]
        bspl = h * k[0, i] - dy
        out[0, i] = y[i]
        out[1, i] = dy
        out[2, i] = bspl
        out[3, i] = dy - h * k[6, i] - bspl
        out[4, i] = h * (
            D1 * k[0, i] + D3 * k[2, i] + D4 * k[3, i] + D5 * k[4, i] + D6 * k[5, i] + D7 * k[6, i]
        )


@njit
def dense_eval(coef, theta, out):
    """The state at the fraction ``theta`` of a step from its dense coefficients."""
    th1 = 1.0 - theta
    for i in range(N_STATE):
        out[i] = coef[0, i] + theta * (
            coef[1, i] + th1 * (coef[2, i] + theta * (coef[3, i] + th1 * coef[4, i]))
        )


def dense_eval_many(coefs: np.ndarray, thetas: np.ndarray) -> np.ndarray:
    """Vectorised :func:`dense_eval` (NumPy): states [m, n] at fractions ``thetas`` [m] of
    the steps whose coefficients are ``coefs`` [m, 5, n]."""
    th = thetas[:, None]
    th1 = 1.0 - th
    c = coefs
    return c[:, 0] + th * (c[:, 1] + th1 * (c[:, 2] + th * (c[:, 3] + th1 * c[:, 4])))


@njit
def initial_step(t, y, f0, p, tab, rtol, atol, h_max, tmp, f1):
    """Hairer's starting step-size heuristic (``hinit`` of ``dopri5``)."""
    d0 = 0.0
    d1 = 0.0
    for i in range(N_STATE):
        sc = atol[i] + rtol * abs(y[i])
        d0 += (y[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    d0 = math.sqrt(d0 / N_STATE)
    d1 = math.sqrt(d1 / N_STATE)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, h_max)
    for i in range(N_STATE):
        tmp[i] = y[i] + h0 * f0[i]
    rhs_into(t + h0, tmp, p, tab, f1)
    d2 = 0.0
    for i in range(N_STATE):
        sc = atol[i] + rtol * abs(y[i])
        d2 += ((f1[i] - f0[i]) / sc) ** 2
    d2 = math.sqrt(d2 / N_STATE) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** 0.2
    return min(100.0 * h0, h1, h_max)


class StepInterpolant:
    """The interpolant of a run of Dormand-Prince steps, callable like ``scipy``'s
    ``OdeSolution``: ``f(t)`` is the state [n] at a time, ``f(times)`` [n, m].

    Parameters
    ----------
    t0 : ndarray [m]
        Start of each step [s] (increasing).
    h : ndarray [m]
        Size of each step [s].
    coefs : ndarray [m, N_DENSE, n]
        Dense-output coefficients of each step (:func:`dense_coefficients`).
    """

    def __init__(self, t0: np.ndarray, h: np.ndarray, coefs: np.ndarray) -> None:
        self.t0 = np.ascontiguousarray(t0, dtype=float)
        self.h = np.ascontiguousarray(h, dtype=float)
        self.coefs = np.ascontiguousarray(coefs, dtype=float)

    def __call__(self, t):
        """The state at time(s) ``t`` [s] within the steps."""
        times = np.atleast_1d(np.asarray(t, dtype=float))
        if self.t0.size == 0:
            raise ValueError("no steps to interpolate")
        k = np.clip(np.searchsorted(self.t0, times, side="right") - 1, 0, self.t0.size - 1)
        theta = (times - self.t0[k]) / self.h[k]
        states = dense_eval_many(self.coefs[k], theta).T
        return states[:, 0] if np.ndim(t) == 0 else states
