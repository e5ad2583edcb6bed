"""Initial states: an entry-interface state or an orbit, and impulsive burns.

A state is an Earth-fixed position [m] and velocity [m s^-1] (numpy arrays of 3) at a time
``t`` [s] after an optional UTC ``epoch``. Angles are in radians.
"""

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from sim.models.constants import WGS84_A
from sim.models.earth import (
    WGS84_EARTH,
    EarthModel,
    enu_basis,
    geodetic_to_ecef,
    greenwich_sidereal_angle,
)


@dataclass(frozen=True, eq=False)
class State:
    """Earth-fixed position [m], velocity [m s^-1] and time [s] after ``epoch`` (UTC)."""

    position: np.ndarray
    velocity: np.ndarray
    time: float = 0.0
    epoch: datetime | None = None

    def utc(self, t: float) -> datetime | None:
        """UTC datetime at simulation time t [s], or None without an epoch."""
        return None if self.epoch is None else self.epoch + timedelta(seconds=float(t))


def _omega_cross(earth, r):
    w = earth.rotation_rate
    return np.array([-w * r[1], w * r[0], 0.0])


def entry_state(
    latitude: float,
    longitude: float,
    altitude: float,
    speed: float,
    flight_path_angle: float,
    heading: float,
    *,
    frame: str,
    earth: EarthModel = WGS84_EARTH,
    epoch: datetime | None = None,
) -> State:
    """State from geodetic position and speed, flight-path angle and heading.

    Parameters
    ----------
    latitude, longitude : float
        Geodetic [rad].
    altitude : float
        Above the ellipsoid [m].
    speed : float
        [m s^-1].
    flight_path_angle : float
        Angle of the velocity above the local horizontal [rad] (negative descending).
    heading : float
        Azimuth of the horizontal velocity, clockwise from north [rad].
    frame : {"inertial", "relative"}
        Whether speed, angle and heading are of the inertial or the Earth-relative velocity.
    """
    if frame not in ("inertial", "relative"):
        raise ValueError(f"frame must be 'inertial' or 'relative', not {frame!r}")
    r = np.array(geodetic_to_ecef(latitude, longitude, altitude))
    east, north, up = (np.array(v) for v in enu_basis(latitude, longitude))
    horizontal = speed * math.cos(flight_path_angle)
    v = (
        horizontal * (math.sin(heading) * east + math.cos(heading) * north)
        + speed * math.sin(flight_path_angle) * up
    )
    if frame == "inertial":
        v = v - _omega_cross(earth, r)
    return State(r, v, 0.0, epoch)


def orbit_state(
    perigee_altitude: float,
    apogee_altitude: float,
    inclination: float,
    raan: float,
    argument_of_perigee: float,
    argument_of_latitude: float,
    *,
    earth: EarthModel = WGS84_EARTH,
    epoch: datetime | None = None,
) -> State:
    """State on a Keplerian orbit (osculating elements at the epoch).

    Parameters
    ----------
    perigee_altitude, apogee_altitude : float
        Apsis radii minus the equatorial radius (6,378,137 m) [m].
    inclination : float
        [rad].
    raan : float
        Right ascension of the ascending node [rad], from the equinox at the epoch; with no
        epoch, the longitude of the ascending node at t = 0 (Greenwich-fixed).
    argument_of_perigee : float
        [rad] (ignored in effect for a circular orbit).
    argument_of_latitude : float
        Angle from the ascending node to the state in the orbit plane [rad].
    """
    rp = WGS84_A + perigee_altitude
    ra = WGS84_A + apogee_altitude
    if ra < rp:
        raise ValueError("apogee_altitude must not be below perigee_altitude")
    a = 0.5 * (rp + ra)
    e = (ra - rp) / (ra + rp)
    nu = argument_of_latitude - argument_of_perigee
    p = a * (1.0 - e * e)
    r = p / (1.0 + e * math.cos(nu))
    sqrt_mu_p = math.sqrt(earth.mu / p)
    # perifocal -> ECI
    r_pf = np.array([r * math.cos(nu), r * math.sin(nu), 0.0])
    v_pf = np.array([-sqrt_mu_p * math.sin(nu), sqrt_mu_p * (e + math.cos(nu)), 0.0])
    rot = _rot3(-raan) @ _rot1(-inclination) @ _rot3(-argument_of_perigee)
    r_eci = rot @ r_pf
    v_eci = rot @ v_pf
    theta = 0.0 if epoch is None else greenwich_sidereal_angle(epoch)
    to_ecef = _rot3(theta)
    r_ecef = to_ecef @ r_eci
    v_ecef = to_ecef @ v_eci - _omega_cross(earth, r_ecef)
    return State(r_ecef, v_ecef, 0.0, epoch)


def _rot1(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])


def _rot3(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


def inertial_velocity(state: State, earth: EarthModel = WGS84_EARTH) -> np.ndarray:
    """Inertial velocity [m s^-1] in Earth-fixed axes: v + omega x r."""
    return state.velocity + _omega_cross(earth, state.position)


def impulsive_burn(
    state: State,
    delta_v: float,
    pitch: float = 0.0,
    yaw: float = 0.0,
    earth: EarthModel = WGS84_EARTH,
) -> State:
    """Apply an impulsive delta-v [m s^-1] against the inertial velocity.

    ``pitch`` [rad] turns the burn direction from retrograde toward the local vertical
    (up), ``yaw`` [rad] toward the orbit normal (r x v); 0, 0 is retrograde.
    """
    r = state.position
    w = inertial_velocity(state, earth)
    back = -w / np.linalg.norm(w)
    up = r / np.linalg.norm(r)
    up = up - np.dot(up, -back) * (-back)
    up /= np.linalg.norm(up)
    normal = np.cross(r, w)
    normal /= np.linalg.norm(normal)
    d = (
        math.cos(pitch) * math.cos(yaw) * back
        + math.sin(pitch) * up
        + math.cos(pitch) * math.sin(yaw) * normal
    )
    return State(r.copy(), state.velocity + delta_v * d, state.time, state.epoch)


@dataclass(frozen=True)
class OrbitSpec:
    """An orbit before the deorbit burn (angles [rad], altitudes [m]).

    ``raan`` and ``argument_of_latitude`` may be None when deorbit targeting solves them
    (:func:`sim.flight.targeting.solve_deorbit`); :meth:`state` needs both.
    """

    perigee_altitude: float
    apogee_altitude: float
    inclination: float
    raan: float | None
    argument_of_latitude: float | None
    argument_of_perigee: float = 0.0
    epoch: datetime | None = None

    def state(self, earth: EarthModel = WGS84_EARTH) -> State:
        """The state on the orbit at its epoch (needs ``raan`` and ``argument_of_latitude``)."""
        if self.raan is None or self.argument_of_latitude is None:
            raise ValueError(
                "the orbit's raan and argument_of_latitude are not set; "
                "solve them with deorbit targeting first"
            )
        return orbit_state(
            self.perigee_altitude,
            self.apogee_altitude,
            self.inclination,
            self.raan,
            self.argument_of_perigee,
            self.argument_of_latitude,
            earth=earth,
            epoch=self.epoch,
        )


@dataclass(frozen=True)
class BurnSpec:
    """A deorbit burn at the orbit state.

    Attributes
    ----------
    delta_v : float
        [m s^-1].
    kind : str
        ``"impulsive"`` (applied at the state) or ``"finite"`` (a thrust phase that starts
        at the state, flown by the first phase's vehicle with ``engine``).
    pitch, yaw : float
        Direction from retrograde [rad] (see :func:`impulsive_burn`).
    thrust, specific_impulse : float, optional
        [N], [s]; required for a finite burn.
    time_offset : float
        Start of the burn after the planned burn point [s] (negative: earlier): the
        planners' timing error. The burn point flown is the orbit's state that much later
        (:func:`advance_orbit`); deorbit targeting plans with 0.
    """

    delta_v: float
    kind: str = "impulsive"
    pitch: float = 0.0
    yaw: float = 0.0
    thrust: float | None = None
    specific_impulse: float | None = None
    time_offset: float = 0.0

    def __post_init__(self):
        if self.kind not in ("impulsive", "finite"):
            raise ValueError("burn kind must be 'impulsive' or 'finite'")
        if self.kind == "finite" and not (self.thrust and self.specific_impulse):
            raise ValueError("a finite burn needs thrust and specific_impulse")


def advance_orbit(orbit: "OrbitSpec", dt: float, earth: EarthModel = WGS84_EARTH) -> "OrbitSpec":
    """The orbit's elements ``dt`` [s] later: two-body motion along the ellipse (Kepler's
    equation) with the first-order secular drift of the node, the perigee and the mean
    anomaly by J2 (Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.,
    eqs. 9-41); the epoch is unchanged (the elements are those of time ``dt``).

    Over the seconds to minutes of a burn's timing error the periodic J2 terms this leaves
    out move the point by metres.
    """
    if orbit.raan is None or orbit.argument_of_latitude is None:
        raise ValueError("advance_orbit needs the orbit's raan and argument_of_latitude")
    if dt == 0.0:
        return orbit
    rp = WGS84_A + orbit.perigee_altitude
    ra = WGS84_A + orbit.apogee_altitude
    a = 0.5 * (rp + ra)
    e = (ra - rp) / (ra + rp)
    n = math.sqrt(earth.mu / a**3)
    p = a * (1.0 - e * e)
    k = 1.5 * earth.j2 * (WGS84_A / p) ** 2 * n
    si2 = math.sin(orbit.inclination) ** 2
    raan_rate = -k * math.cos(orbit.inclination)
    perigee_rate = k * (2.0 - 2.5 * si2)
    mean_rate = n + k * math.sqrt(1.0 - e * e) * (1.0 - 1.5 * si2)
    nu = orbit.argument_of_latitude - orbit.argument_of_perigee
    big_e = 2.0 * math.atan2(
        math.sqrt(1.0 - e) * math.sin(nu / 2), math.sqrt(1.0 + e) * math.cos(nu / 2)
    )
    mean = big_e - e * math.sin(big_e) + mean_rate * dt
    big_e = mean
    for _ in range(50):  # Newton on Kepler's equation
        step = (big_e - e * math.sin(big_e) - mean) / (1.0 - e * math.cos(big_e))
        big_e -= step
        if abs(step) < 1e-15:
            break
    nu_new = 2.0 * math.atan2(
        math.sqrt(1.0 + e) * math.sin(big_e / 2), math.sqrt(1.0 - e) * math.cos(big_e / 2)
    )
    nu_new += 2.0 * math.pi * round((nu + mean_rate * dt - nu_new) / (2.0 * math.pi))
    argp = orbit.argument_of_perigee + perigee_rate * dt
    return replace(
        orbit,
        raan=orbit.raan + raan_rate * dt,
        argument_of_perigee=argp,
        argument_of_latitude=argp + nu_new,
    )
