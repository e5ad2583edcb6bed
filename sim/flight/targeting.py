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
of the compiled predictor (:mod:`sim.core.predictor`) through burn, coast and entry.

A :class:`DeorbitProblem` holds everything the solution depends on; a study that flies many
variants of a scenario solves it once and reuses the solution for every variant whose
problem is the same (:meth:`DeorbitProblem.key`).
"""

import dataclasses
import math

import numpy as np

from sim.core.layout import N_STATE, S
from sim.core.pack import constant_segment, pack_phase
from sim.core.predictor import STOP_ALTITUDE, PredictorSettings, propagate
from sim.flight.initial import BurnSpec, OrbitSpec, impulsive_burn
from sim.models.atmosphere import Atmosphere
from sim.models.earth import (
    WGS84_EARTH,
    EarthModel,
    GeoPoint,
    ecef_to_geodetic,
    enu_basis,
    geodetic_to_ecef,
    greenwich_sidereal_angle,
)
from sim.models.vehicle import Engine, Vehicle


class TargetingError(ValueError):
    """The target cannot be reached from this orbit (or the iteration did not converge)."""


@dataclasses.dataclass(frozen=True, eq=False)
class DeorbitProblem:
    """Everything deorbit targeting needs (SI, angles in radians).

    Attributes
    ----------
    orbit : OrbitSpec
        ``argument_of_latitude`` is ignored (solved); ``raan`` is kept if given, solved if
        None.
    burn : BurnSpec
    coast_vehicle, entry_vehicle : Vehicle
        The stack from the burn to separation, and the descent module.
    target : GeoPoint
    separation_altitude, final_altitude : float
        [m].
    reference_bank : float
        Reference bank magnitude of the guidance [rad].
    atmosphere
        The atmosphere the planners predict with (the nominal one: density scale 1).
    earth : EarthModel
    ascending : bool
        Reach the target on the ascending (northbound) or descending pass.
    tolerance : float
        Stop when the reference lands within this distance of the target [m]. With a
        fixed node only the burn point is solved: the residual then keeps the crossrange
        the orbit plane imposes (reported, not an error).
    max_iterations : int
    """

    orbit: OrbitSpec
    burn: BurnSpec
    coast_vehicle: Vehicle
    entry_vehicle: Vehicle
    target: GeoPoint
    separation_altitude: float
    final_altitude: float
    reference_bank: float
    atmosphere: Atmosphere
    earth: EarthModel = WGS84_EARTH
    ascending: bool = True
    tolerance: float = 50.0
    max_iterations: int = 15

    def key(self) -> tuple:
        """A comparable value: two problems with equal keys have the same solution."""
        return _freeze(self)


def _freeze(value):
    """Dataclasses, arrays and sequences as nested tuples of plain values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(_freeze(getattr(value, f.name)) for f in dataclasses.fields(value)),
        )
    if isinstance(value, np.ndarray):
        return tuple(value.ravel().tolist())
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


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

    orbit: OrbitSpec
    landing_latitude: float
    landing_longitude: float
    residual: float
    iterations: int
    flight_time: float


def predict_reference(
    problem: DeorbitProblem, orbit: OrbitSpec, step: float = 1.0
) -> tuple[float, np.ndarray]:
    """Fly the reference descent of a problem from an orbit (with its burn point set).

    Returns
    -------
    t_end : float
        Time from the burn to the final altitude [s].
    y_end : ndarray
        Earth-fixed state there.
    """
    earth = problem.earth
    burn = problem.burn
    atmosphere = problem.atmosphere.numeric()
    coast_vehicle = problem.coast_vehicle
    state = orbit.state(earth)
    y = np.zeros(N_STATE)
    y[S.x : S.z + 1] = state.position
    y[S.vx : S.vz + 1] = state.velocity
    y[S.mass] = coast_vehicle.mass
    t = 0.0
    if burn.kind == "impulsive":
        y[S.vx : S.vz + 1] = impulsive_burn(
            state, burn.delta_v, burn.pitch, burn.yaw, earth
        ).velocity
    else:
        assert burn.thrust is not None and burn.specific_impulse is not None
        engine = Engine(burn.thrust, burn.specific_impulse, burn.pitch, burn.yaw)
        model = pack_phase(dataclasses.replace(coast_vehicle, engine=engine), atmosphere, earth)
        duration = engine.burn_time(coast_vehicle.mass, burn.delta_v)
        t, y, _ = propagate(
            t,
            y,
            *model.args,
            PredictorSettings(
                stop_altitude=-1e12,
                t_max=duration,
                step=step,
                coast_step=1.0,
                coast_altitude=120e3,
                ceiling=1e9,
            ),
        )
    coast = pack_phase(coast_vehicle, atmosphere, earth)
    t, y, reason = propagate(
        t,
        y,
        *coast.args,
        PredictorSettings(
            stop_altitude=problem.separation_altitude,
            t_max=t + 20000.0,
            step=step,
            coast_step=10.0,
            coast_altitude=120e3,
            ceiling=1e9,
        ),
    )
    if reason != STOP_ALTITUDE:
        raise TargetingError(
            "the deorbit burn does not bring the orbit down to the "
            f"separation altitude of {problem.separation_altitude / 1e3:g} km"
        )
    entry_vehicle = problem.entry_vehicle
    y[S.mass] = entry_vehicle.mass
    flat = dataclasses.replace(
        entry_vehicle, lift_to_drag=entry_vehicle.lift_to_drag * math.cos(problem.reference_bank)
    )
    entry = pack_phase(flat, atmosphere, earth).with_bank(constant_segment(t, 0.0))
    t, y, reason = propagate(
        t,
        y,
        *entry.args,
        PredictorSettings(
            stop_altitude=problem.final_altitude,
            t_max=t + 5000.0,
            step=step,
            coast_step=10.0,
            coast_altitude=120e3,
            ceiling=problem.separation_altitude + 100e3,
        ),
    )
    if reason != STOP_ALTITUDE:
        raise TargetingError("the reference descent skips out or does not come down")
    return t, y


def solve_deorbit(problem: DeorbitProblem) -> "DeorbitSolution":
    """Solve the burn's argument of latitude (and the node if ``problem.orbit.raan`` is
    None).

    Returns
    -------
    DeorbitSolution

    Raises
    ------
    TargetingError
        The target cannot be reached from the orbit, or the iteration did not converge.
    """
    orbit = problem.orbit
    tolerance = problem.tolerance
    solve_node = orbit.raan is None
    target_latitude = problem.target.latitude
    target_longitude = problem.target.longitude
    target = np.array(geodetic_to_ecef(target_latitude, target_longitude, 0.0))
    east, north, _ = (np.array(v) for v in enu_basis(target_latitude, target_longitude))
    theta0 = 0.0 if orbit.epoch is None else greenwich_sidereal_angle(orbit.epoch)
    inc = orbit.inclination
    earth = problem.earth
    ascending = problem.ascending

    def run(u, raan):
        o = dataclasses.replace(orbit, argument_of_latitude=u, raan=raan)
        t, y = predict_reference(problem, o)
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
        raise TargetingError(
            f"the target's latitude {math.degrees(target_latitude):.2f} deg "
            f"is beyond the inclination {math.degrees(inc):.2f} deg"
        )
    u_t = math.asin(math.sin(lat_c) / math.sin(inc))
    if not ascending:
        u_t = math.pi - u_t
    if solve_node:
        alpha = math.atan2(tgt_eci[1], tgt_eci[0])
        raan = alpha - math.atan2(math.cos(inc) * math.sin(u_t), math.cos(u_t))
    else:
        assert orbit.raan is not None
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
    for _ in range(problem.max_iterations):
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
    solved = dataclasses.replace(
        orbit, argument_of_latitude=u, raan=(x[1] % (2 * math.pi)) if solve_node else raan
    )
    lat, lon, _ = ecef_to_geodetic(*y[0:3])
    return DeorbitSolution(solved, lat, lon, float(err), iterations, t_land)


def _rot_z(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


def _argument_of_latitude(r, raan, inc):
    node = np.array([math.cos(raan), math.sin(raan), 0.0])
    normal = np.array(
        [math.sin(raan) * math.sin(inc), -math.cos(raan) * math.sin(inc), math.cos(inc)]
    )
    return math.atan2(np.dot(np.cross(node, r), normal), np.dot(node, r))
