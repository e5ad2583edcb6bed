"""Event quantities: what a trigger, the ground or the ceiling watches (compiled)."""

import math

import numpy as np

from sim.core.dynamics import flight_state
from sim.core.layout import N_STATE, A, P, Q, S
from sim.models._jit import njit, njit_inline
from sim.models.constants import G0
from sim.models.earth import geodetic_height


@njit_inline
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
    fs = flight_state(t, y, p, tab)
    if kind == Q.dynamic_pressure:
        return fs.qbar
    return fs.mach


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
