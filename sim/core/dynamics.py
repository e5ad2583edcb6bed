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

All physics is in compiled functions over floats, a parameter vector ``p`` and the table
array ``tab`` beside it (layouts in :mod:`sim.core.layout`: ``TABLE_LAYOUT``), so that
``solve_ivp``, the guidance predictor and batch integrators share one copy.
"""

import math

import numpy as np

from sim.core.layout import BANK, N_DERIV, N_SPLIT, N_STATE, SPLIT, A, FlightState, P, S
from sim.models._jit import inline_njit, njit
from sim.models.atmosphere import atmosphere_density, atmosphere_properties, interval
from sim.models.constants import G0, SUTTON_GRAVES_K
from sim.models.earth import geodetic_height, gravity_j2, up_vector

#: sin(5 deg): lift fades to zero within 5 deg of vertical flight (see _flight_state).
_SIN_VERTICAL_FADE = math.sin(math.radians(5.0))


@njit
def wrap_angle(a: float) -> float:
    """Angle wrapped into [-pi, pi) [rad]."""
    return (a + math.pi) % (2.0 * math.pi) - math.pi


@njit
def bank_angle(t: float, p: np.ndarray) -> float:
    """Bank angle [rad] at time t [s] of the phase segment described by p."""
    mode = int(p[P.bank_mode])
    if mode == BANK.rolling:
        return p[P.bank0] + p[P.bank_rate] * (t - p[P.bank_t0])
    if mode == BANK.slew:
        delta = wrap_angle(p[P.bank_command] - p[P.bank0])
        step = p[P.bank_rate] * max(t - p[P.bank_t0], 0.0)
        if abs(delta) <= step:
            return p[P.bank0] + delta
        return p[P.bank0] + math.copysign(step, delta)
    return p[P.bank0]


#: Scale height of the density for the load relief's anticipation [m] (the lower
#: atmosphere's, where the load peaks).
RELIEF_SCALE_HEIGHT = 7200.0


@njit
def anticipated_load(
    sensed: float, sink_rate: float, drag: float, speed: float, p: np.ndarray
) -> float:
    """The sensed specific force [m s^-2] anticipated ``p[P.relief_lead]`` seconds ahead.

    The load is the drag's, ``rho V^2``: its logarithm grows at ``-dh/dt / H`` with the
    density (``exp(-h / H)``) and falls at ``2 D / V`` with the speed that the drag ``D``
    [m s^-2] takes away, so that the load ``lead`` seconds ahead is, to first order,
    ``sensed (1 + lead (sink / H - 2 D / V))`` (never negative): growing on the way down
    to the peak, falling after it however fast the capsule sinks.
    """
    rate = sink_rate / RELIEF_SCALE_HEIGHT - 2.0 * drag / speed
    return sensed * max(1.0 + p[P.relief_lead] * rate, 0.0)


@njit
def relief_bank(sensed: float, p: np.ndarray) -> float:
    """The bank of the load-relief mode at a sensed specific force [m s^-2]: ``bank0``
    until the force reaches ``relief_start``, then eased linearly toward the magnitude
    ``bank_command`` (never past it), reached at ``relief_full``; the sign of ``bank0``."""
    magnitude = abs(p[P.bank0])
    relief = p[P.bank_command]
    if sensed <= p[P.relief_start] or magnitude <= relief:
        return p[P.bank0]
    w = min((sensed - p[P.relief_start]) / (p[P.relief_full] - p[P.relief_start]), 1.0)
    return math.copysign(magnitude + w * (relief - magnitude), p[P.bank0])


@njit
def bank_at(t: float, p: np.ndarray) -> float:
    """:func:`bank_angle`, compiled once for the callers off the hot path."""
    return bank_angle(t, p)


@njit
def drag_coefficient(mach: float, p: np.ndarray, tab: np.ndarray) -> float:
    """Drag coefficient [-]: constant, or interpolated in the phase's Mach table."""
    n = int(p[P.cd_count])
    if n == 0:
        return p[P.cd]
    m = int(p[P.cd_offset])  # Mach numbers, then the drag coefficients
    c = m + n
    if mach <= tab[m]:
        return tab[c]
    if mach >= tab[m + n - 1]:
        return tab[c + n - 1]
    i = interval(tab, m, n, mach)
    w = (mach - tab[m + i]) / (tab[m + i + 1] - tab[m + i])
    return tab[c + i] + w * (tab[c + i + 1] - tab[c + i])


@njit
def parachute_drag_area(t: float, p: np.ndarray) -> float:
    """Parachute drag area Cd*S [m^2] at time t: grows as the square of the fill fraction."""
    full = p[P.chute_area]
    start = p[P.chute_area0]
    fill = p[P.chute_fill]
    if fill <= 0.0:
        return full
    x = min(max((t - p[P.chute_t0]) / fill, 0.0), 1.0)
    return start + (full - start) * x * x


@njit
def autonomous(t: float, p: np.ndarray) -> bool:
    """True when the right-hand side no longer depends on time from t on: no lift (the
    bank is the only other function of time) and the parachute, if any, filled."""
    if p[P.lift_to_drag] != 0.0:
        return False
    fill = p[P.chute_fill]
    return fill <= 0.0 or (t - p[P.chute_t0]) / fill >= 1.0


@njit
def next_kink(t: float, p: np.ndarray) -> float:
    """The first time after t [s] where the right-hand side bends in time: the parachute
    filled, or the bank slew at its command (inf: none). An integrator step that ends
    there instead of crossing it keeps its error estimate smooth."""
    kink = math.inf
    fill = p[P.chute_fill]
    if fill > 0.0:
        end = p[P.chute_t0] + fill
        if end > t:
            kink = end
    if p[P.lift_to_drag] != 0.0 and int(p[P.bank_mode]) == BANK.slew and p[P.bank_rate] > 0.0:
        end = p[P.bank_t0] + abs(wrap_angle(p[P.bank_command] - p[P.bank0])) / p[P.bank_rate]
        if t < end < kink:
            kink = end
    return kink


@inline_njit
def density_at(alt: float, p: np.ndarray, tab: np.ndarray) -> float:
    """The phase's air density [kg m^-3] at height ``alt`` [m] (its atmosphere model)."""
    return atmosphere_density(
        int(p[P.atm_kind]),
        alt,
        p[P.rho0],
        p[P.scale_height],
        p[P.density_scale],
        tab,
        int(p[P.atm_offset]),
        int(p[P.atm_count]),
    )


@inline_njit
def _flight_state(
    t: float,
    y: np.ndarray,
    p: np.ndarray,
    tab: np.ndarray,
) -> FlightState:
    """Everything the right-hand side and the outputs derive from one state (called by
    the right-hand side alone, the one compiled evaluation of a state: others read the
    quantities it leaves in a long output row, :data:`sim.core.layout.AUX`).

    Returns
    -------
    FlightState
        Geodetic position, atmosphere, speed, Mach, dynamic pressure, heat flux, bank and
        the aerodynamic + parachute specific force (ECEF) [SI].
    """
    x = y[S.x]
    yy = y[S.y]
    z = y[S.z]
    vx = y[S.vx]
    vy = y[S.vy]
    vz = y[S.vz]
    mass = y[S.mass]
    sin_lat, cos_lat, alt = geodetic_height(x, yy, z)
    kind = int(p[P.atm_kind])
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    if p[P.need_sound] != 0.0:
        rho, temp, sound = atmosphere_properties(
            kind,
            alt,
            p[P.rho0],
            p[P.scale_height],
            p[P.density_scale],
            tab,
            int(p[P.atm_offset]),
            int(p[P.atm_count]),
        )
        mach = speed / sound
    else:
        # Nothing of this phase depends on the Mach number: skip the temperature.
        rho = density_at(alt, p, tab)
        temp = sound = mach = math.nan
    qbar = 0.5 * rho * speed * speed
    # K sqrt(rho / R_n) V^3, the nose's factor apart: it waits for no state (the density
    # ends the right-hand side's longest chain of dependent operations)
    heat_flux = (
        math.sqrt(rho) * (SUTTON_GRAVES_K / math.sqrt(p[P.nose_radius])) * (speed * speed * speed)
    )
    lift_to_drag = p[P.lift_to_drag]
    bank = bank_angle(t, p) if lift_to_drag != 0.0 else 0.0
    ax = 0.0
    ay = 0.0
    az = 0.0
    if speed > 1.0e-9:
        inv_speed = 1.0 / speed
        ux = vx * inv_speed
        uy = vy * inv_speed
        uz = vz * inv_speed
        cd = drag_coefficient(mach, p, tab)
        drag_area = cd * p[P.area] + parachute_drag_area(t, p)
        q_m = qbar / mass
        d = q_m * drag_area
        ax = -d * ux
        ay = -d * uy
        az = -d * uz
        lift = q_m * cd * p[P.area] * lift_to_drag
        if lift != 0.0 and int(p[P.bank_mode]) == BANK.relief:
            sink = -(x * vx + yy * vy + z * vz) / math.sqrt(x * x + yy * yy + z * z)
            bank = relief_bank(
                anticipated_load(math.sqrt(d * d + lift * lift), sink, d, speed, p), p
            )
        if lift != 0.0:
            upx, upy, upz = up_vector(sin_lat, cos_lat, x, yy)
            dot = upx * ux + upy * uy + upz * uz
            lx = upx - dot * ux
            ly = upy - dot * uy
            lz = upz - dot * uz
            norm = math.sqrt(lx * lx + ly * ly + lz * lz)  # = sin(angle from vertical)
            if norm < 1.0e-9:
                return FlightState(
                    sin_lat,
                    cos_lat,
                    alt,
                    rho,
                    temp,
                    sound,
                    speed,
                    mach,
                    qbar,
                    heat_flux,
                    bank,
                    ax,
                    ay,
                    az,
                )
            if norm < _SIN_VERTICAL_FADE:
                # Within 5 deg of vertical flight the bank reference (the vertical plane
                # through the velocity) is undefined: fade the lift linearly to zero there
                # so that the lift direction cannot flip as the velocity passes vertical.
                lift *= norm / _SIN_VERTICAL_FADE
            # right = u x l; l and r stay unnormalised (|l| = |r| = norm): the division
            # goes into the lift's magnitude, beside the bank's sine and cosine
            rx = uy * lz - uz * ly
            ry = uz * lx - ux * lz
            rz = ux * ly - uy * lx
            cb = math.cos(bank)
            sb = math.sin(bank)
            lift /= norm
            ax += lift * (cb * lx + sb * rx)
            ay += lift * (cb * ly + sb * ry)
            az += lift * (cb * lz + sb * rz)
    return FlightState(
        sin_lat, cos_lat, alt, rho, temp, sound, speed, mach, qbar, heat_flux, bank, ax, ay, az
    )


@njit
def drag_and_lift(t: float, y: np.ndarray, p: np.ndarray, tab: np.ndarray) -> tuple[float, float]:
    """The sensed specific force [m s^-2] split into its component along the
    Earth-relative velocity (the drag, opposite to it) and its magnitude across it (the
    lift): what an accelerometer and the navigation state tell the guidance (from
    :func:`rhs_into`'s longest row, :data:`sim.core.layout.FORCE_SPLIT`)."""
    row = np.empty(N_SPLIT)
    rhs_into(t, y, p, tab, row)
    return row[N_DERIV + SPLIT.drag], row[N_DERIV + SPLIT.lift]


@njit
def rhs_into(
    t: float,
    y: np.ndarray,
    p: np.ndarray,
    tab: np.ndarray,
    dy: np.ndarray,
) -> None:
    """Write dy/dt into ``dy[:N_STATE]``; a longer ``dy`` (N_DERIV) receives the
    quantities of the state too (:data:`sim.core.layout.AUX`), and a longer one still
    (N_SPLIT) the sensed force's split into drag and lift
    (:data:`sim.core.layout.FORCE_SPLIT`)."""
    fs = _flight_state(t, y, p, tab)
    ax = fs.ax
    ay = fs.ay
    az = fs.az
    x = y[S.x]
    yy = y[S.y]
    z = y[S.z]
    vx = y[S.vx]
    vy = y[S.vy]
    vz = y[S.vz]
    om = p[P.omega]
    gx, gy, gz = gravity_j2(x, yy, z, p[P.mu], p[P.j2], p[P.radius])
    thrust = p[P.thrust]
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
        cp = math.cos(p[P.thrust_pitch])
        sp = math.sin(p[P.thrust_pitch])
        cyaw = math.cos(p[P.thrust_yaw])
        syaw = math.sin(p[P.thrust_yaw])
        f = thrust / y[S.mass]
        ax += f * (cp * cyaw * bx + sp * upx + cp * syaw * hx)
        ay += f * (cp * cyaw * by + sp * upy + cp * syaw * hy)
        az += f * (cp * cyaw * bz + sp * upz + cp * syaw * hz)
        mdot = -thrust / (p[P.isp] * G0)
    dy[S.x] = vx
    dy[S.y] = vy
    dy[S.z] = vz
    dy[S.vx] = gx + ax + 2.0 * om * vy + om * om * x
    dy[S.vy] = gy + ay - 2.0 * om * vx + om * om * yy
    dy[S.vz] = gz + az
    dy[S.heat_load] = fs.heat_flux
    dy[S.mass] = mdot
    if dy.shape[0] > N_STATE:  # a row of N_DERIV: the quantities of the state (AUX)
        dy[N_STATE + A.altitude] = fs.alt
        dy[N_STATE + A.dynamic_pressure] = fs.qbar
        dy[N_STATE + A.mach] = fs.mach
        dy[N_STATE + A.speed] = fs.speed
        dy[N_STATE + A.heat_flux] = fs.heat_flux
        dy[N_STATE + A.sensed] = math.sqrt(fs.ax * fs.ax + fs.ay * fs.ay + fs.az * fs.az)
        dy[N_STATE + A.density] = fs.rho
        dy[N_STATE + A.sin_lat] = fs.sin_lat
        dy[N_STATE + A.cos_lat] = fs.cos_lat
        if dy.shape[0] > N_DERIV:
            drag = 0.0
            lift = 0.0
            if fs.speed > 0.0:
                ux, uy, uz = vx / fs.speed, vy / fs.speed, vz / fs.speed
                drag = -(fs.ax * ux + fs.ay * uy + fs.az * uz)
                lx, ly, lz = fs.ax + drag * ux, fs.ay + drag * uy, fs.az + drag * uz
                lift = math.sqrt(lx * lx + ly * ly + lz * lz)
            dy[N_DERIV + SPLIT.drag] = drag
            dy[N_DERIV + SPLIT.lift] = lift


@njit
def rhs(
    t: float,
    y: np.ndarray,
    p: np.ndarray,
    tab: np.ndarray,
) -> np.ndarray:
    """dy/dt of the state (a new array)."""
    dy = np.empty(N_STATE)
    rhs_into(t, y, p, tab, dy)
    return dy


#: Half-step of the central difference of the density in height [m]: its truncation error
#: is (delta / H)^2 / 6, 3e-7 of the derivative at a 7 km scale height, against
#: rounding of 1e-16 / (delta / H) = 1e-13.
_DENSITY_STEP = 10.0


@njit
def drag_jacobian(t: float, y: np.ndarray, p: np.ndarray, tab: np.ndarray, jac: np.ndarray) -> bool:
    """Minus the Jacobian of :func:`rhs_into`, ``jac[i, j] = -d f_i / d y_j``, in closed
    form for a phase that only drags: no thrust, no lift, a drag coefficient that does not
    depend on the Mach number (a capsule under its canopy, the one such phase the
    Rosenbrock steps fly). Returns False, leaving ``jac``
    unspecified, for any other phase.

    With ``c = rho (Cd S + Cd S_chute) / (2 m)`` the drag is ``a = -c |v| v``, so
    ``da/dv = -c (|v| I + v v^T / |v|)`` and, through the density, ``da/dr = -(a / rho)
    drho/dh n^T`` with ``n`` the geodetic vertical (the gradient of the geodetic height);
    the heat flux ``q = K sqrt(rho / R_n) |v|^3`` gives ``dq/dv = 3 q v / |v|^2`` and
    ``dq/dr = q / (2 rho) drho/dh n^T``; the frame's Coriolis and centrifugal terms are
    linear. The gravity gradient (3e-6 s^-2, three orders of magnitude below the density
    slope's term) is differenced (three calls of :func:`~sim.models.earth.gravity_j2`,
    steps of 1.5e-8 of the radius) and the density's
    slope is a central difference (``_DENSITY_STEP``). The columns of the heat load and
    the mass are zero, as in the finite-difference Jacobian (nothing depends on the heat
    load; without thrust the mass is constant).
    """
    if p[P.thrust] > 0.0 or p[P.lift_to_drag] != 0.0 or int(p[P.cd_count]) != 0:
        return False
    x = y[S.x]
    yy = y[S.y]
    z = y[S.z]
    vx = y[S.vx]
    vy = y[S.vy]
    vz = y[S.vz]
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    if speed <= 1.0e-9:
        return False
    sin_lat, cos_lat, alt = geodetic_height(x, yy, z)
    rho = density_at(alt, p, tab)
    up, down = density_at(alt + _DENSITY_STEP, p, tab), density_at(alt - _DENSITY_STEP, p, tab)
    drho = (up - down) / (2.0 * _DENSITY_STEP)
    nx, ny, nz = up_vector(sin_lat, cos_lat, x, yy)
    n = (nx, ny, nz)
    v = (vx, vy, vz)
    drag_area = p[P.cd] * p[P.area] + parachute_drag_area(t, p)
    c = 0.5 * rho * drag_area / y[S.mass]
    dc = 0.5 * drho * drag_area / y[S.mass]  # dc/dh
    q = SUTTON_GRAVES_K * math.sqrt(rho / p[P.nose_radius]) * speed * speed * speed
    dq = 0.5 * q / rho * drho if rho > 0.0 else 0.0  # dq/dh
    for i in range(N_STATE):
        for j in range(N_STATE):
            jac[i, j] = 0.0
    for i in range(3):
        jac[S.x + i, S.vx + i] = -1.0
        for j in range(3):
            dv = c * (v[i] * v[j] / speed)
            if i == j:
                dv += c * speed
            jac[S.vx + i, S.vx + j] = dv
            jac[S.vx + i, S.x + j] = dc * speed * v[i] * n[j]
        jac[S.heat_load, S.vx + i] = -3.0 * q * v[i] / (speed * speed)
        jac[S.heat_load, S.x + i] = -dq * n[i]
    om = p[P.omega]
    jac[S.vx, S.vy] -= 2.0 * om
    jac[S.vy, S.vx] += 2.0 * om
    jac[S.vx, S.x] -= om * om
    jac[S.vy, S.y] -= om * om
    mu = p[P.mu]
    j2 = p[P.j2]
    radius = p[P.radius]
    g0x, g0y, g0z = gravity_j2(x, yy, z, mu, j2, radius)
    delta = 1.4901161193847656e-08 * math.sqrt(x * x + yy * yy + z * z)  # sqrt(eps) r
    for j in range(3):
        px = x + delta if j == 0 else x
        py = yy + delta if j == 1 else yy
        pz = z + delta if j == 2 else z
        gx, gy, gz = gravity_j2(px, py, pz, mu, j2, radius)
        jac[S.vx, S.x + j] -= (gx - g0x) / delta
        jac[S.vy, S.x + j] -= (gy - g0y) / delta
        jac[S.vz, S.x + j] -= (gz - g0z) / delta
    return True
