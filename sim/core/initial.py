"""The initial state of a program (compiled): a given Earth-fixed state, or an orbit and
an optional impulsive burn.

The same formulas as :func:`sim.flight.initial.orbit_state` and
:func:`sim.flight.initial.impulsive_burn` (which build states in Python for users and
tests); here they run from the program's ``init`` array so that a batch can vary the
orbit and the burn per run, and the two are checked against each other by the tests.
"""

import math

import numpy as np

from sim.core.layout import INIT_KIND, N_STATE, I, P, S
from sim.models._jit import njit
from sim.models.constants import WGS84_A


@njit
def initial_state(init: np.ndarray, p0: np.ndarray, mass: float) -> np.ndarray:
    """The Earth-fixed state [m, m s^-1, J m^-2, kg] a program starts from.

    Parameters
    ----------
    init : ndarray
        The program's initial condition (layout :data:`sim.core.layout.INIT`).
    p0 : ndarray
        The first phase's physics row (gravitational parameter and rotation rate).
    mass : float
        Initial mass [kg].
    """
    y = np.zeros(N_STATE)
    y[S.mass] = mass
    if int(init[I.kind]) == INIT_KIND.state:
        for k in range(6):
            y[S.x + k] = init[I.x + k]
        return y
    mu = p0[P.mu]
    om = p0[P.omega]
    rp = WGS84_A + init[I.perigee_altitude]
    ra = WGS84_A + init[I.apogee_altitude]
    a = 0.5 * (rp + ra)
    e = (ra - rp) / (ra + rp)
    nu = init[I.argument_of_latitude] - init[I.argument_of_perigee]
    semi_latus = a * (1.0 - e * e)
    r = semi_latus / (1.0 + e * math.cos(nu))
    vk = math.sqrt(mu / semi_latus)
    # perifocal frame
    rpx, rpy = r * math.cos(nu), r * math.sin(nu)
    vpx, vpy = -vk * math.sin(nu), vk * (e + math.cos(nu))
    # perifocal -> ECI: R3(-raan) R1(-inc) R3(-argp)
    co, so = math.cos(init[I.raan]), math.sin(init[I.raan])
    ci, si = math.cos(init[I.inclination]), math.sin(init[I.inclination])
    cw, sw = math.cos(init[I.argument_of_perigee]), math.sin(init[I.argument_of_perigee])
    m11 = co * cw - so * sw * ci
    m12 = -co * sw - so * cw * ci
    m21 = so * cw + co * sw * ci
    m22 = -so * sw + co * cw * ci
    m31 = sw * si
    m32 = cw * si
    rx, ry, rz = m11 * rpx + m12 * rpy, m21 * rpx + m22 * rpy, m31 * rpx + m32 * rpy
    vx, vy, vz = m11 * vpx + m12 * vpy, m21 * vpx + m22 * vpy, m31 * vpx + m32 * vpy
    # ECI -> ECEF at the sidereal angle; Earth-relative velocity
    ct, st = math.cos(init[I.sidereal_angle]), math.sin(init[I.sidereal_angle])
    x, yy = ct * rx + st * ry, -st * rx + ct * ry
    wx, wy = ct * vx + st * vy, -st * vx + ct * vy  # inertial velocity in ECEF axes
    y[S.x], y[S.y], y[S.z] = x, yy, rz
    dv = init[I.burn_delta_v]
    if dv != 0.0:
        wx, wy, vz = _burn(x, yy, rz, wx, wy, vz, dv, init[I.burn_pitch], init[I.burn_yaw])
    y[S.vx] = wx + om * yy
    y[S.vy] = wy - om * x
    y[S.vz] = vz
    return y


@njit
def _burn(x, y, z, wx, wy, wz, dv, pitch, yaw):
    """Inertial velocity after an impulsive burn of ``dv`` from retrograde, turned by
    ``pitch`` toward the local vertical and ``yaw`` toward the orbit normal."""
    w = math.sqrt(wx * wx + wy * wy + wz * wz)
    bx, by, bz = -wx / w, -wy / w, -wz / w
    r = math.sqrt(x * x + y * y + z * z)
    ux, uy, uz = x / r, y / r, z / r
    d = -(ux * bx + uy * by + uz * bz)  # up . forward
    ux, uy, uz = ux + d * bx, uy + d * by, uz + d * bz
    nu = math.sqrt(ux * ux + uy * uy + uz * uz)
    ux, uy, uz = ux / nu, uy / nu, uz / nu
    hx, hy, hz = y * wz - z * wy, z * wx - x * wz, x * wy - y * wx
    nh = math.sqrt(hx * hx + hy * hy + hz * hz)
    hx, hy, hz = hx / nh, hy / nh, hz / nh
    cp, sp = math.cos(pitch), math.sin(pitch)
    cy, sy = math.cos(yaw), math.sin(yaw)
    return (
        wx + dv * (cp * cy * bx + sp * ux + cp * sy * hx),
        wy + dv * (cp * cy * by + sp * uy + cp * sy * hy),
        wz + dv * (cp * cy * bz + sp * uz + cp * sy * hz),
    )
