"""Event quantities: what a trigger, the ground or the ceiling watches (compiled)."""

import math

import numpy as np

from sim.core.dynamics import rhs_into
from sim.core.layout import N_DERIV, N_STATE, A, P, Q, S
from sim.models._jit import njit
from sim.models.constants import G0
from sim.models.earth import geodetic_height


@njit
def _delta_v(y: np.ndarray, p: np.ndarray) -> float:
    """The rocket equation: the engine's delivered speed change since the phase start."""
    if p[P.thrust] <= 0.0:
        return 0.0
    return p[P.isp] * G0 * math.log(p[P.phase_start_mass] / y[S.mass])


@njit
def event_quantity(
    kind: int,
    t: float,
    y: np.ndarray,
    p: np.ndarray,
    tab: np.ndarray,
) -> float:
    """The value of an event quantity at one state.

    ``kind`` is a code of :data:`sim.core.layout.EVENT_QUANTITIES` (``Q.altitude`` [m],
    ``Q.time`` [s], ``Q.dynamic_pressure`` [Pa], ``Q.mach`` [-], ``Q.heat_load``
    [J m^-2], ``Q.speed`` [m s^-1], air-relative; ``Q.delta_v`` [m s^-1], the speed change
    the engine delivered since the phase start, ``isp g0 ln(m0 / m)``). The Mach number
    needs the phase's ``need_sound`` flag.
    """
    return event_quantity_at(kind, t, y, p, tab, np.empty(N_DERIV))


@njit
def event_quantity_at(
    kind: int, t: float, y: np.ndarray, p: np.ndarray, tab: np.ndarray, d: np.ndarray
) -> float:
    """:func:`event_quantity` with a scratch row ``d`` [N_DERIV] for the right-hand side
    (the dynamic pressure and the Mach number evaluate the state)."""
    if kind == Q.time:
        return t
    if kind == Q.heat_load:
        return y[S.heat_load]
    if kind == Q.altitude:
        return geodetic_height(y[S.x], y[S.y], y[S.z])[2]
    if kind == Q.speed:
        return math.sqrt(y[S.vx] ** 2 + y[S.vy] ** 2 + y[S.vz] ** 2)
    if kind == Q.delta_v:
        return _delta_v(y, p)
    rhs_into(t, y, p, tab, d)
    return event_quantity_of(kind, t, y, p, d)


@njit
def event_quantity_of(kind: int, t: float, y: np.ndarray, p: np.ndarray, d: np.ndarray) -> float:
    """:func:`event_quantity` at a state whose right-hand side row ``d`` [N_DERIV] holds
    the state's quantities (:data:`sim.core.layout.AUX`): nothing evaluated again."""
    if kind == Q.time:
        return t
    if kind == Q.heat_load:
        return y[S.heat_load]
    if kind == Q.altitude:
        return d[N_STATE + A.altitude]
    if kind == Q.speed:
        return d[N_STATE + A.speed]
    if kind == Q.delta_v:
        return _delta_v(y, p)
    if kind == Q.dynamic_pressure:
        return d[N_STATE + A.dynamic_pressure]
    return d[N_STATE + A.mach]
