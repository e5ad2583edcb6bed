"""Event quantities: what a trigger, the ground or the ceiling watches (compiled)."""

import math

import numpy as np

from sim.core.dynamics import flight_state
from sim.core.layout import Q, S
from sim.models._jit import njit
from sim.models.earth import ecef_to_geodetic


@njit
def event_quantity(
    kind: int,
    t: float,
    y: np.ndarray,
    p: np.ndarray,
    cd_mach: np.ndarray,
    cd_values: np.ndarray,
    atm_alt: np.ndarray,
    atm_lnrho: np.ndarray,
    atm_temp: np.ndarray,
) -> float:
    """The value of an event quantity at one state.

    ``kind`` is a code of :data:`sim.core.layout.EVENT_QUANTITIES` (``Q.altitude`` [m],
    ``Q.time`` [s], ``Q.dynamic_pressure`` [Pa], ``Q.mach`` [-], ``Q.heat_load``
    [J m^-2], ``Q.speed`` [m s^-1], air-relative).
    """
    if kind == Q.time:
        return t
    if kind == Q.heat_load:
        return y[S.heat_load]
    if kind == Q.altitude:
        return ecef_to_geodetic(y[S.x], y[S.y], y[S.z])[2]
    if kind == Q.speed:
        return math.sqrt(y[S.vx] ** 2 + y[S.vy] ** 2 + y[S.vz] ** 2)
    fs = flight_state(t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp)
    if kind == Q.dynamic_pressure:
        return fs.qbar
    return fs.mach
