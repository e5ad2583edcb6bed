"""Equations of motion of a point-mass capsule in the Earth-fixed frame.

State vector ``y`` (SI): ECEF position [m] (3), ECEF velocity [m s^-1] (3), integrated
stagnation-point heat load [J m^-2], mass [kg].

.. math::
    \\ddot{\\mathbf r} = \\mathbf g_{J2}(\\mathbf r) + \\mathbf a_{aero} + \\mathbf a_{thrust}
        - 2\\,\\boldsymbol\\omega\\times\\dot{\\mathbf r}
        - \\boldsymbol\\omega\\times(\\boldsymbol\\omega\\times\\mathbf r)

The atmosphere co-rotates, so the air-relative velocity is the ECEF velocity. Drag opposes
it; lift is perpendicular to it, in the plane of the velocity and the local (geodetic)
vertical at zero bank, and rotated about the velocity by the bank angle (positive bank
turns the lift to the right of the direction of flight). Within 5 deg of vertical flight,
where that reference plane is undefined, the lift fades linearly to zero. The sensed load is the
non-gravitational specific force of the air on the body (aerodynamic + parachute), the
quantity an accelerometer or the crew feels:
``g_load = |a_aero + a_parachute| / g0``. Thrust is not included in the g-load columns.

All physics is in compiled functions over floats and a parameter vector ``p`` (layout
below), so that ``solve_ivp``, the guidance predictor and batch integrators share one copy.
"""

import math
from dataclasses import dataclass

import numpy as np

from sim._jit import njit
from sim.atmosphere import atmosphere_properties
from sim.constants import G0, SUTTON_GRAVES_K
from sim.earth import ecef_to_geodetic, enu_basis, gravity_j2

# --- state layout -------------------------------------------------------------------------
S_X, S_Y, S_Z, S_VX, S_VY, S_VZ, S_HEAT, S_MASS = range(8)
N_STATE = 8

# --- parameter vector layout ----------------------------------------------------------------
(
    P_MU, P_J2, P_RADIUS, P_OMEGA,
    P_ATM_KIND, P_RHO0, P_SCALE_HEIGHT, P_DENSITY_SCALE,
    P_AREA, P_NOSE_RADIUS, P_CD, P_LD,
    P_CHUTE_CDS0, P_CHUTE_CDS, P_CHUTE_T0, P_CHUTE_FILL,
    P_THRUST, P_ISP, P_THRUST_PITCH, P_THRUST_YAW,
    P_BANK_MODE, P_BANK0, P_BANK_T0, P_BANK_RATE, P_BANK_CMD,
    P_ATTITUDE,
) = range(26)
N_PARAMS = 26

#: sin(5 deg): lift fades to zero within 5 deg of vertical flight (see flight_state).
_SIN_VERTICAL_FADE = math.sin(math.radians(5.0))

BANK_CONSTANT = 0  #: sigma = P_BANK0
BANK_ROLLING = 1  #: sigma = P_BANK0 + P_BANK_RATE (t - P_BANK_T0)
BANK_SLEW = 2  #: from P_BANK0 at P_BANK_T0 toward P_BANK_CMD at |rate| <= P_BANK_RATE


@njit
def wrap_angle(a):
    """Angle wrapped into [-pi, pi) [rad]."""
    return (a + math.pi) % (2.0 * math.pi) - math.pi


@njit
def bank_angle(t, p):
    """Bank angle [rad] at time t [s] of the phase segment described by p."""
    mode = int(p[P_BANK_MODE])
    if mode == BANK_ROLLING:
        return p[P_BANK0] + p[P_BANK_RATE] * (t - p[P_BANK_T0])
    if mode == BANK_SLEW:
        delta = wrap_angle(p[P_BANK_CMD] - p[P_BANK0])
        step = p[P_BANK_RATE] * max(t - p[P_BANK_T0], 0.0)
        if abs(delta) <= step:
            return p[P_BANK0] + delta
        return p[P_BANK0] + math.copysign(step, delta)
    return p[P_BANK0]


@njit
def drag_coefficient(mach, p, cd_mach, cd_values):
    """Drag coefficient [-]: constant, or interpolated in a Mach table."""
    n = cd_mach.shape[0]
    if n == 0:
        return p[P_CD]
    if mach <= cd_mach[0]:
        return cd_values[0]
    if mach >= cd_mach[n - 1]:
        return cd_values[n - 1]
    i = np.searchsorted(cd_mach, mach) - 1
    w = (mach - cd_mach[i]) / (cd_mach[i + 1] - cd_mach[i])
    return cd_values[i] + w * (cd_values[i + 1] - cd_values[i])


@njit
def parachute_drag_area(t, p):
    """Parachute drag area Cd*S [m^2] at time t: grows as the square of the fill fraction."""
    full = p[P_CHUTE_CDS]
    start = p[P_CHUTE_CDS0]
    fill = p[P_CHUTE_FILL]
    if fill <= 0.0:
        return full
    x = min(max((t - p[P_CHUTE_T0]) / fill, 0.0), 1.0)
    return start + (full - start) * x * x


@njit
def flight_state(t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp):
    """Everything the right-hand side and the outputs derive from one state.

    Returns
    -------
    tuple
        (lat [rad], lon [rad], alt [m], rho [kg m^-3], temp [K], sound [m s^-1],
        speed [m s^-1] (air-relative), mach [-], qbar [Pa], heat_flux [W m^-2],
        bank [rad], ax, ay, az [m s^-2] (aerodynamic + parachute specific force, ECEF))
    """
    x = y[S_X]
    yy = y[S_Y]
    z = y[S_Z]
    vx = y[S_VX]
    vy = y[S_VY]
    vz = y[S_VZ]
    mass = y[S_MASS]
    lat, lon, alt = ecef_to_geodetic(x, yy, z)
    rho, temp, sound = atmosphere_properties(
        int(p[P_ATM_KIND]), alt, p[P_RHO0], p[P_SCALE_HEIGHT], p[P_DENSITY_SCALE],
        atm_alt, atm_lnrho, atm_temp,
    )
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    mach = speed / sound
    qbar = 0.5 * rho * speed * speed
    heat_flux = SUTTON_GRAVES_K * math.sqrt(rho / p[P_NOSE_RADIUS]) * speed * speed * speed
    bank = bank_angle(t, p)
    ax = 0.0
    ay = 0.0
    az = 0.0
    if speed > 1.0e-9:
        ux = vx / speed
        uy = vy / speed
        uz = vz / speed
        cd = drag_coefficient(mach, p, cd_mach, cd_values)
        drag_area = cd * p[P_AREA] + parachute_drag_area(t, p)
        d = qbar * drag_area / mass
        ax = -d * ux
        ay = -d * uy
        az = -d * uz
        lift = qbar * cd * p[P_AREA] * p[P_LD] / mass
        if lift != 0.0:
            east, north, up = enu_basis(lat, lon)
            dot = up[0] * ux + up[1] * uy + up[2] * uz
            lx = up[0] - dot * ux
            ly = up[1] - dot * uy
            lz = up[2] - dot * uz
            norm = math.sqrt(lx * lx + ly * ly + lz * lz)  # = sin(angle from vertical)
            if norm < 1.0e-9:
                return (lat, lon, alt, rho, temp, sound, speed, mach, qbar, heat_flux, bank,
                        ax, ay, az)
            if norm < _SIN_VERTICAL_FADE:
                # Within 5 deg of vertical flight the bank reference (the vertical plane
                # through the velocity) is undefined: fade the lift linearly to zero there
                # so that the lift direction cannot flip as the velocity passes vertical.
                lift *= norm / _SIN_VERTICAL_FADE
            lx /= norm
            ly /= norm
            lz /= norm
            # right = u x l
            rx = uy * lz - uz * ly
            ry = uz * lx - ux * lz
            rz = ux * ly - uy * lx
            cb = math.cos(bank)
            sb = math.sin(bank)
            ax += lift * (cb * lx + sb * rx)
            ay += lift * (cb * ly + sb * ry)
            az += lift * (cb * lz + sb * rz)
    return (lat, lon, alt, rho, temp, sound, speed, mach, qbar, heat_flux, bank, ax, ay, az)


@njit
def rhs_into(t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp, dy):
    """Write dy/dt into ``dy`` (length N_STATE)."""
    (lat, lon, alt, rho, temp, sound, speed, mach, qbar, heat_flux, bank,
     ax, ay, az) = flight_state(t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp)
    x = y[S_X]
    yy = y[S_Y]
    z = y[S_Z]
    vx = y[S_VX]
    vy = y[S_VY]
    vz = y[S_VZ]
    om = p[P_OMEGA]
    gx, gy, gz = gravity_j2(x, yy, z, p[P_MU], p[P_J2], p[P_RADIUS])
    thrust = p[P_THRUST]
    mdot = 0.0
    if thrust > 0.0:
        # Inertial velocity expressed in ECEF axes: v + omega x r.
        wx = vx - om * yy
        wy = vy + om * x
        wz = vz
        w = math.sqrt(wx * wx + wy * wy + wz * wz)
        r = math.sqrt(x * x + yy * yy + z * z)
        # retrograde, radial-up (perpendicular to w in the r-w plane), orbit normal
        bx, by, bz = -wx / w, -wy / w, -wz / w
        dot = (x * wx + yy * wy + z * wz) / (r * w)
        upx = x / r - dot * wx / w
        upy = yy / r - dot * wy / w
        upz = z / r - dot * wz / w
        nu = math.sqrt(upx * upx + upy * upy + upz * upz)
        upx /= nu
        upy /= nu
        upz /= nu
        hx = yy * wz - z * wy
        hy = z * wx - x * wz
        hz = x * wy - yy * wx
        nh = math.sqrt(hx * hx + hy * hy + hz * hz)
        hx /= nh
        hy /= nh
        hz /= nh
        cp = math.cos(p[P_THRUST_PITCH])
        sp = math.sin(p[P_THRUST_PITCH])
        cyaw = math.cos(p[P_THRUST_YAW])
        syaw = math.sin(p[P_THRUST_YAW])
        f = thrust / y[S_MASS]
        ax += f * (cp * cyaw * bx + sp * upx + cp * syaw * hx)
        ay += f * (cp * cyaw * by + sp * upy + cp * syaw * hy)
        az += f * (cp * cyaw * bz + sp * upz + cp * syaw * hz)
        mdot = -thrust / (p[P_ISP] * G0)
    dy[S_X] = vx
    dy[S_Y] = vy
    dy[S_Z] = vz
    dy[S_VX] = gx + ax + 2.0 * om * vy + om * om * x
    dy[S_VY] = gy + ay - 2.0 * om * vx + om * om * yy
    dy[S_VZ] = gz + az
    dy[S_HEAT] = heat_flux
    dy[S_MASS] = mdot


@njit
def rhs(t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp):
    """dy/dt of the state (a new array)."""
    dy = np.empty(N_STATE)
    rhs_into(t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp, dy)
    return dy


# --- output columns -------------------------------------------------------------------------
OUTPUT_COLUMNS = (
    ("latitude_deg", "deg", "geodetic latitude"),
    ("longitude_deg", "deg", "longitude, east positive"),
    ("altitude", "m", "height above the WGS-84 ellipsoid"),
    ("speed", "m s^-1", "air-relative (Earth-fixed) speed"),
    ("inertial_speed", "m s^-1", "speed in the inertial frame"),
    ("flight_path_angle_deg", "deg", "air-relative flight-path angle, positive up"),
    ("heading_deg", "deg", "air-relative heading, clockwise from north"),
    ("mach", "-", "Mach number"),
    ("dynamic_pressure", "Pa", "0.5 rho V^2"),
    ("density", "kg m^-3", "air density"),
    ("g_load", "g0", "sensed load |aero + parachute specific force| / g0"),
    ("g_load_eyeballs_in", "g0", "sensed load, + eyeballs-in (heat shield first), - out"),
    ("heat_flux", "W m^-2", "Sutton-Graves stagnation-point convective heat flux"),
    ("heat_load", "J m^-2", "integrated stagnation-point heat flux"),
    ("bank_angle_deg", "deg", "bank angle of the lift vector"),
    ("mass", "kg", "vehicle mass"),
)
N_OUTPUTS = len(OUTPUT_COLUMNS)


@njit
def outputs(ts, ys, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp):
    """Output columns (``OUTPUT_COLUMNS`` order) for states ``ys`` [n, N_STATE] at ``ts``."""
    n = ts.shape[0]
    out = np.empty((n, N_OUTPUTS))
    om = p[P_OMEGA]
    for k in range(n):
        y = ys[k]
        (lat, lon, alt, rho, temp, sound, speed, mach, qbar, heat_flux, bank,
         ax, ay, az) = flight_state(ts[k], y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp)
        east, north, up = enu_basis(lat, lon)
        vx = y[S_VX]
        vy = y[S_VY]
        vz = y[S_VZ]
        ve = east[0] * vx + east[1] * vy
        vn = north[0] * vx + north[1] * vy + north[2] * vz
        vu = up[0] * vx + up[1] * vy + up[2] * vz
        wx = vx - om * y[S_Y]
        wy = vy + om * y[S_X]
        g = math.sqrt(ax * ax + ay * ay + az * az) / G0
        out[k, 0] = math.degrees(lat)
        out[k, 1] = math.degrees(lon)
        out[k, 2] = alt
        out[k, 3] = speed
        out[k, 4] = math.sqrt(wx * wx + wy * wy + vz * vz)
        out[k, 5] = math.degrees(math.atan2(vu, math.sqrt(ve * ve + vn * vn)))
        out[k, 6] = math.degrees(math.atan2(ve, vn)) % 360.0
        out[k, 7] = mach
        out[k, 8] = qbar
        out[k, 9] = rho
        out[k, 10] = g
        out[k, 11] = g * p[P_ATTITUDE]
        out[k, 12] = heat_flux
        out[k, 13] = y[S_HEAT]
        out[k, 14] = math.degrees(wrap_angle(bank))
        out[k, 15] = y[S_MASS]
    return out


# --- event quantities -----------------------------------------------------------------------
Q_ALTITUDE, Q_TIME, Q_DYNAMIC_PRESSURE, Q_MACH, Q_HEAT_LOAD, Q_SPEED = range(6)
EVENT_QUANTITIES = {
    "altitude": Q_ALTITUDE,
    "time": Q_TIME,
    "dynamic_pressure": Q_DYNAMIC_PRESSURE,
    "mach": Q_MACH,
    "heat_load": Q_HEAT_LOAD,
    "speed": Q_SPEED,
}


@njit
def event_quantity(kind, t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp):
    """The value of an event quantity (altitude [m], time [s], dynamic pressure [Pa], Mach,
    heat load [J m^-2], air-relative speed [m s^-1]) at one state."""
    if kind == Q_TIME:
        return t
    if kind == Q_HEAT_LOAD:
        return y[S_HEAT]
    if kind == Q_ALTITUDE:
        return ecef_to_geodetic(y[S_X], y[S_Y], y[S_Z])[2]
    if kind == Q_SPEED:
        return math.sqrt(y[S_VX] ** 2 + y[S_VY] ** 2 + y[S_VZ] ** 2)
    s = flight_state(t, y, p, cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp)
    if kind == Q_DYNAMIC_PRESSURE:
        return s[8]
    return s[7]


# --- packing configuration into the numeric model ------------------------------------------
ATTITUDES = {"heat_shield_first": 1.0, "hatch_first": -1.0}


@dataclass(frozen=True, eq=False)
class PhaseModel:
    """A phase's numeric model: parameter vector and tables for the compiled core."""

    params: np.ndarray
    tables: tuple  # cd_mach, cd_values, atm_alt, atm_lnrho, atm_temp

    @property
    def args(self):
        return (self.params, *self.tables)


def build_model(vehicle, atmosphere, earth, *, chute_start_area=0.0, phase_start=0.0,
                attitude="heat_shield_first", engine_on=True):
    """Pack a vehicle, an atmosphere and the Earth into a :class:`PhaseModel`."""
    p = np.zeros(N_PARAMS)
    p[P_MU] = earth.mu
    p[P_J2] = earth.j2
    p[P_RADIUS] = earth.radius
    p[P_OMEGA] = earth.rotation_rate
    kind, rho0, h, scale, tab_alt, tab_lnrho, tab_temp = atmosphere._pack()
    p[P_ATM_KIND] = kind
    p[P_RHO0] = rho0
    p[P_SCALE_HEIGHT] = h
    p[P_DENSITY_SCALE] = scale
    p[P_AREA] = vehicle.reference_area
    p[P_NOSE_RADIUS] = vehicle.nose_radius
    p[P_CD] = vehicle.drag_coefficient
    p[P_LD] = vehicle.lift_to_drag
    chute = vehicle.parachute
    p[P_CHUTE_CDS0] = chute_start_area if chute else 0.0
    p[P_CHUTE_CDS] = chute.drag_area if chute else 0.0
    p[P_CHUTE_T0] = phase_start
    p[P_CHUTE_FILL] = chute.fill_time if chute else 0.0
    if vehicle.engine is not None and engine_on:
        p[P_THRUST] = vehicle.engine.thrust
        p[P_ISP] = vehicle.engine.specific_impulse
        p[P_THRUST_PITCH] = vehicle.engine.pitch
        p[P_THRUST_YAW] = vehicle.engine.yaw
    p[P_ATTITUDE] = ATTITUDES[attitude]
    tables = (vehicle.cd_mach, vehicle.cd_values, tab_alt, tab_lnrho, tab_temp)
    return PhaseModel(p, tables)
