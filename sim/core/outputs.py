"""Output columns of a trajectory, derived from its states (compiled).

The columns and their units are declared once, in :data:`sim.core.layout.OUTPUTS`; this
function fills them by name (``O.g_load``), never by position.
"""

import math

import numpy as np

from sim.core.dynamics import bank_angle, rhs_into, wrap_angle
from sim.core.layout import N_DERIV, N_OUTPUTS, N_STATE, A, O, P, S
from sim.models._jit import njit
from sim.models.constants import G0
from sim.models.earth import enu_basis


@njit
def outputs(
    ts: np.ndarray,
    ys: np.ndarray,
    p: np.ndarray,
    tab: np.ndarray,
) -> np.ndarray:
    """Output columns (:data:`~sim.core.layout.OUTPUTS` order) of states ``ys`` [n, 8] at
    times ``ts`` [s] of one segment (parameter vector ``p`` and its table array)."""
    n = ts.shape[0]
    out = np.empty((n, N_OUTPUTS))
    p = p.copy()
    p[P.need_sound] = 1.0  # the outputs include the Mach number
    om = p[P.omega]
    d = np.empty(N_DERIV)
    for k in range(n):
        y = ys[k]
        rhs_into(ts[k], y, p, tab, d)
        q = d[N_STATE:]
        lat = math.atan2(q[A.sin_lat], q[A.cos_lat])
        lon = math.atan2(y[S.y], y[S.x])
        east, north, up = enu_basis(lat, lon)
        vx = y[S.vx]
        vy = y[S.vy]
        vz = y[S.vz]
        ve = east[0] * vx + east[1] * vy
        vn = north[0] * vx + north[1] * vy + north[2] * vz
        vu = up[0] * vx + up[1] * vy + up[2] * vz
        wx = vx - om * y[S.y]
        wy = vy + om * y[S.x]
        g = q[A.sensed] / G0
        bank = bank_angle(ts[k], p) if p[P.lift_to_drag] != 0.0 else 0.0
        out[k, O.latitude_deg] = math.degrees(lat)
        out[k, O.longitude_deg] = math.degrees(lon)
        out[k, O.altitude] = q[A.altitude]
        out[k, O.speed] = q[A.speed]
        out[k, O.inertial_speed] = math.sqrt(wx * wx + wy * wy + vz * vz)
        out[k, O.flight_path_angle_deg] = math.degrees(math.atan2(vu, math.sqrt(ve * ve + vn * vn)))
        out[k, O.heading_deg] = math.degrees(math.atan2(ve, vn)) % 360.0
        out[k, O.mach] = q[A.mach]
        out[k, O.dynamic_pressure] = q[A.dynamic_pressure]
        out[k, O.density] = q[A.density]
        out[k, O.g_load] = g
        out[k, O.g_load_eyeballs_in] = g * p[P.attitude]
        out[k, O.heat_flux] = q[A.heat_flux]
        out[k, O.heat_load] = y[S.heat_load]
        out[k, O.bank_angle_deg] = math.degrees(wrap_angle(bank))
        out[k, O.mass] = y[S.mass]
    return out
