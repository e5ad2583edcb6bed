"""Finding things inside an integrator step, on its interpolant (compiled): event roots,
threshold crossings, and the maxima of the sensed load, heat flux and dynamic pressure.

``p`` and ``tab`` are a phase's parameter vector and table array; ``coef`` the
dense-output coefficients of a step (:mod:`sim.core.dopri`).
"""

import math

from sim.core import dopri
from sim.core.dynamics import rhs_into
from sim.core.events import event_quantity_at
from sim.core.layout import N_STATE, A
from sim.models._jit import njit
from sim.models.constants import G0

#: Pseudo event quantity: the sensed load [g0] (threshold crossings).
LOAD = -1
#: Golden-section iterations of a peak refinement (the bracket shrinks 0.618 per step:
#: 24 iterations leave 1e-5 of it: 0.04 ms of a 4 s bracket, where a peak changes by
#: well under 1e-6 of its value).
_PEAK_ITERATIONS = 24
_GOLD = 0.5 * (math.sqrt(5.0) - 1.0)


@njit
def quantities(t, y, p, tab, d):
    """(sensed load [g0], heat flux [W m^-2], dynamic pressure [Pa], altitude [m]); ``d``
    [N_DERIV] a scratch row for the right-hand side."""
    rhs_into(t, y, p, tab, d)
    return (
        d[N_STATE + A.sensed] / G0,
        d[N_STATE + A.heat_flux],
        d[N_STATE + A.dynamic_pressure],
        d[N_STATE + A.altitude],
    )


@njit
def crosses(g0, g1, direction):
    """True when g goes through zero from g0 to g1 in the given direction (-1 falling, +1
    rising, 0 either)."""
    if direction < 0:
        return g0 > 0.0 and g1 <= 0.0
    if direction > 0:
        return g0 < 0.0 and g1 >= 0.0
    return (g0 > 0.0 and g1 <= 0.0) or (g0 < 0.0 and g1 >= 0.0)


@njit
def _value(kind, target, t, y, p, tab, d):
    if kind == LOAD:
        return quantities(t, y, p, tab, d)[0] - target
    return event_quantity_at(kind, t, y, p, tab, d) - target


@njit
def root(kind, target, t0, h, coef, a, b, fa, fb, p, tab, ytmp, d):
    """Fraction of the step in [a, b] where quantity - target changes sign, with fa, fb
    its values at a and b (Illinois method, to 1e-13 of the step).

    ``kind`` is an event quantity code, or :data:`LOAD`; ``ytmp`` [N_STATE] and ``d``
    [N_DERIV] scratch.
    """
    side = 0
    for _ in range(100):
        if b - a <= 1e-13:
            break
        c = (a * fb - b * fa) / (fb - fa) if fb != fa else 0.5 * (a + b)
        if not a < c < b:
            c = 0.5 * (a + b)
        dopri.dense_eval(coef, c, ytmp)
        fc = _value(kind, target, t0 + c * h, ytmp, p, tab, d)
        if fc == 0.0:
            return c
        if (fc > 0.0) == (fb > 0.0):
            b, fb = c, fc
            if side == -1:
                fa *= 0.5
            side = -1
        else:
            a, fa = c, fc
            if side == 1:
                fb *= 0.5
            side = 1
    return b


@njit
def _at(x, ta, tb, coef_ab, coef_bc, h_ab, h_bc, which, p, tab, ytmp, d):
    if x <= tb:
        dopri.dense_eval(coef_ab, (x - ta) / h_ab, ytmp)
    else:
        dopri.dense_eval(coef_bc, (x - tb) / h_bc, ytmp)
    return quantities(x, ytmp, p, tab, d)[which]


@njit
def peak(ta, tb, tc, coef_ab, coef_bc, h_ab, h_bc, which, p, tab, ytmp, d):
    """Golden-section maximum of quantity ``which`` (0 load, 1 heat flux, 2 dynamic
    pressure) over [ta, tc], on the interpolants of the steps from ta (size h_ab) and from
    tb (size h_bc): (value, time [s], altitude [m])."""
    lo, hi = ta, tc
    x1 = hi - _GOLD * (hi - lo)
    x2 = lo + _GOLD * (hi - lo)
    f1 = _at(x1, ta, tb, coef_ab, coef_bc, h_ab, h_bc, which, p, tab, ytmp, d)
    f2 = _at(x2, ta, tb, coef_ab, coef_bc, h_ab, h_bc, which, p, tab, ytmp, d)
    for _ in range(_PEAK_ITERATIONS):
        if f1 < f2:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + _GOLD * (hi - lo)
            f2 = _at(x2, ta, tb, coef_ab, coef_bc, h_ab, h_bc, which, p, tab, ytmp, d)
        else:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - _GOLD * (hi - lo)
            f1 = _at(x1, ta, tb, coef_ab, coef_bc, h_ab, h_bc, which, p, tab, ytmp, d)
    x = 0.5 * (lo + hi)
    v = _at(x, ta, tb, coef_ab, coef_bc, h_ab, h_bc, which, p, tab, ytmp, d)
    return v, x, d[N_STATE + A.altitude]
