"""Deorbit targeting: where to burn so that the reference descent lands on a target.

Given an orbit (altitudes, inclination, and optionally the node), a deorbit burn and a
target, :func:`solve_deorbit` finds the argument of latitude of the burn (and the right
ascension of the ascending node when it is left free) such that the *reference descent*
reaches the parachute-command altitude over the target. The reference descent flies the
entry at the guidance's reference bank magnitude with its lift kept in the vertical plane
(lift-to-drag ratio L/D cos(reference bank), no lateral component), which puts the target
in the middle of the guided descent's footprint: the guidance keeps equal authority to
stretch and to shorten, to the left and to the right.

Method: a geometric first guess (the flight's central angle from one prediction, the
target's position in the orbit plane at the landing time), then Gauss-Newton on the
target's east/north offset with finite-difference Jacobians. Every prediction is one call
of the compiled predictor (:mod:`sim.predictor`) through burn, coast and entry.
"""

import dataclasses
import math

import numpy as np

from sim.dynamics import BANK_CONSTANT, P_BANK0, P_BANK_MODE, S_MASS, build_model
from sim.earth import (
    WGS84_EARTH,
    ecef_to_geodetic,
    enu_basis,
    geodetic_to_ecef,
    greenwich_sidereal_angle,
)
from sim.initial import impulsive_burn
from sim.predictor import STOP_ALTITUDE, propagate
from sim.vehicle import Engine


class TargetingError(ValueError):
    """The target cannot be reached from this orbit (or the iteration did not converge)."""


@dataclasses.dataclass(frozen=True)
class DeorbitSolution:
    """The solved orbit and what the reference descent does from it.

    Attributes
    ----------
    orbit : OrbitSpec
        With ``raan`` and ``argument_of_latitude`` [rad] set.
    landing_latitude, landing_longitude : float
        Where the reference descent reaches the final altitude [rad].
    residual : float
        Distance of that point from the target [m].
    iterations : int
        Gauss-Newton steps taken after the geometric first guess.
    flight_time : float
        From the burn to the final altitude [s].
    """

    orbit: object
    landing_latitude: float
    landing_longitude: float
    residual: float
    iterations: int
    flight_time: float


def predict_reference(orbit, burn, coast_vehicle, entry_vehicle, *, separation_altitude,
                      final_altitude, reference_bank, atmosphere, earth=WGS84_EARTH,
                      step=1.0):
    """Fly the reference descent from the orbit; return (t_end [s], Earth-fixed state)."""
    state = orbit.state(earth)
    y = np.zeros(8)
    y[0:3] = state.position
    y[3:6] = state.velocity
    y[S_MASS] = coast_vehicle.mass
    t = 0.0
    if burn.kind == "impulsive":
        s = impulsive_burn(state, burn.delta_v, burn.pitch, burn.yaw, earth)
        y[3:6] = s.velocity
    else:
        engine = Engine(burn.thrust, burn.specific_impulse, burn.pitch, burn.yaw)
        model = build_model(dataclasses.replace(coast_vehicle, engine=engine), atmosphere,
                            earth)
        duration = engine.burn_time(coast_vehicle.mass, burn.delta_v)
        t, y, _ = propagate(t, y, model.params, *model.tables, -1e12, duration, step, 1.0,
                            120e3, 1e9)
    coast = build_model(coast_vehicle, atmosphere, earth)
    t, y, reason = propagate(t, y, coast.params, *coast.tables, separation_altitude,
                             t + 20000.0, step, 10.0, 120e3, 1e9)
    if reason != STOP_ALTITUDE:
        raise TargetingError("the deorbit burn does not bring the orbit down to the "
                             f"separation altitude of {separation_altitude / 1e3:g} km")
    y[S_MASS] = entry_vehicle.mass
    flat = dataclasses.replace(entry_vehicle, lift_to_drag=entry_vehicle.lift_to_drag
                               * math.cos(reference_bank))
    entry = build_model(flat, atmosphere, earth)
    p = entry.params.copy()
    p[P_BANK_MODE] = BANK_CONSTANT
    p[P_BANK0] = 0.0
    t, y, reason = propagate(t, y, p, *entry.tables, final_altitude, t + 5000.0, step, 10.0,
                             120e3, separation_altitude + 100e3)
    if reason != STOP_ALTITUDE:
        raise TargetingError("the reference descent skips out or does not come down")
    return t, y


def solve_deorbit(orbit, burn, coast_vehicle, entry_vehicle, *, target_latitude,
                  target_longitude, separation_altitude, final_altitude, reference_bank,
                  atmosphere, earth=WGS84_EARTH, ascending=True, tolerance=50.0,
                  max_iterations=15):
    """Solve the burn's argument of latitude (and the node if ``orbit.raan`` is None).

    Parameters
    ----------
    orbit : OrbitSpec
        ``argument_of_latitude`` is ignored (solved); ``raan`` is kept if given.
    burn : BurnSpec
    coast_vehicle, entry_vehicle : Vehicle
        The stack from the burn to separation, and the descent module.
    target_latitude, target_longitude : float
        Geodetic [rad].
    separation_altitude, final_altitude : float
        [m].
    reference_bank : float
        Reference bank magnitude of the guidance [rad].
    atmosphere, earth
        Models used for the prediction (the nominal ones).
    ascending : bool
        Reach the target on the ascending (northbound) or descending pass.
    tolerance : float
        Stop when the reference lands within this distance of the target [m]. With a
        fixed node only the burn point is solved: the residual then keeps the crossrange
        the orbit plane imposes (reported, not an error).

    Returns
    -------
    DeorbitSolution
    """
    solve_node = orbit.raan is None
    kw = dict(separation_altitude=separation_altitude, final_altitude=final_altitude,
              reference_bank=reference_bank, atmosphere=atmosphere, earth=earth)
    target = np.array(geodetic_to_ecef(target_latitude, target_longitude, 0.0))
    east, north, _ = (np.array(v) for v in enu_basis(target_latitude, target_longitude))
    theta0 = 0.0 if orbit.epoch is None else greenwich_sidereal_angle(orbit.epoch)
    inc = orbit.inclination

    def run(u, raan):
        o = dataclasses.replace(orbit, argument_of_latitude=u, raan=raan)
        t, y = predict_reference(orbit=o, burn=burn, coast_vehicle=coast_vehicle,
                                 entry_vehicle=entry_vehicle, **kw)
        d = y[0:3] - target
        return np.array([d @ east, d @ north]), t, y

    # --- geometric first guess ---------------------------------------------------------------
    raan0 = 0.0 if solve_node else orbit.raan
    _, t_land, y = run(0.0, raan0)
    r_eci = _rot_z(-(theta0 + earth.rotation_rate * t_land)) @ y[0:3]
    arc = _argument_of_latitude(r_eci, raan0, inc)  # flight arc from u = 0
    tgt_eci = _rot_z(-(theta0 + earth.rotation_rate * t_land)) @ target
    lat_c = math.asin(tgt_eci[2] / np.linalg.norm(tgt_eci))
    if abs(math.sin(lat_c)) > math.sin(inc):
        raise TargetingError(f"the target's latitude {math.degrees(target_latitude):.2f} deg "
                             f"is beyond the inclination {math.degrees(inc):.2f} deg")
    u_t = math.asin(math.sin(lat_c) / math.sin(inc))
    if not ascending:
        u_t = math.pi - u_t
    if solve_node:
        alpha = math.atan2(tgt_eci[1], tgt_eci[0])
        raan = alpha - math.atan2(math.cos(inc) * math.sin(u_t), math.cos(u_t))
    else:
        raan = orbit.raan
        # along-track only: the orbit's own argument of latitude nearest the target
        u_t = _argument_of_latitude(tgt_eci, raan, inc)
    x = np.array([u_t - arc, raan]) if solve_node else np.array([u_t - arc])

    # --- Gauss-Newton ------------------------------------------------------------------------
    def residual(v):
        return run(v[0], v[1] if solve_node else raan)

    res, t_land, y = residual(x)
    best = (np.linalg.norm(res), x.copy(), t_land, y)
    iterations = 0  # Gauss-Newton steps taken
    for _ in range(max_iterations):
        if np.linalg.norm(res) < tolerance:
            break
        iterations += 1
        h = 1e-4
        jac = np.empty((2, x.size))
        for k in range(x.size):
            dx = x.copy()
            dx[k] += h
            jac[:, k] = (residual(dx)[0] - res) / h
        step = np.linalg.lstsq(jac, -res, rcond=None)[0]
        step = np.clip(step, -0.1, 0.1)  # at most 6 deg a step: stay in the linear region
        x = x + step
        res, t_land, y = residual(x)
        if np.linalg.norm(res) < best[0]:
            best = (np.linalg.norm(res), x.copy(), t_land, y)
    err, x, t_land, y = best
    if solve_node and err > max(tolerance, 1e3):
        raise TargetingError(f"deorbit targeting did not converge: {err / 1e3:.1f} km off")
    u = x[0] % (2 * math.pi)
    solved = dataclasses.replace(orbit, argument_of_latitude=u,
                                 raan=(x[1] % (2 * math.pi)) if solve_node else raan)
    lat, lon, _ = ecef_to_geodetic(*y[0:3])
    return DeorbitSolution(solved, lat, lon, err, iterations, t_land)


def _rot_z(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


def _argument_of_latitude(r, raan, inc):
    node = np.array([math.cos(raan), math.sin(raan), 0.0])
    normal = np.array([math.sin(raan) * math.sin(inc), -math.cos(raan) * math.sin(inc),
                       math.cos(inc)])
    return math.atan2(np.dot(np.cross(node, r), normal), np.dot(node, r))
