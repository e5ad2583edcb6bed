"""Vehicle configurations: mass, aerodynamics, parachutes, engines (SI units)."""

import math
from dataclasses import dataclass, field

import numpy as np

_EMPTY = np.zeros(0)


#: Default deployment limits of a canopy (stated defaults): supersonic parachutes
#: (disk-gap-band, ringsail) have been flown to about Mach 2.5, and capsule drogues open
#: at 5 to 10 kPa (a Soyuz-like capsule at its terminal speed has its weight per drag
#: area, 5.8 kPa, as dynamic pressure).
MAX_DEPLOY_MACH = 3.0
MAX_DEPLOY_DYNAMIC_PRESSURE = 30e3  #: [Pa]


@dataclass(frozen=True)
class Parachute:
    """A canopy as a drag area that inflates over a fill time.

    Attributes
    ----------
    drag_area : float
        Drag coefficient times canopy area when fully open, Cd*S [m^2].
    fill_time : float
        Time from the start of the phase to full inflation [s]. The drag area grows from
        the previous phase's drag area to ``drag_area`` as the square of the elapsed
        fraction (canopy area grows with the square of its radius), so there is no
        infinite opening shock.
    max_mach : float
        Largest Mach number at which the canopy can open [-]: opened faster, it is torn
        (the flight is flagged, see :mod:`sim.flight.landing`).
    max_dynamic_pressure : float
        Largest dynamic pressure at which it can open [Pa].
    """

    drag_area: float
    fill_time: float = 0.0
    max_mach: float = MAX_DEPLOY_MACH
    max_dynamic_pressure: float = MAX_DEPLOY_DYNAMIC_PRESSURE


@dataclass(frozen=True)
class Engine:
    """A thruster that fires along a direction fixed to the inertial velocity.

    Attributes
    ----------
    thrust : float
        [N].
    specific_impulse : float
        [s].
    pitch, yaw : float
        Thrust direction relative to the inertial retrograde direction [rad]: pitch
        rotates toward the local vertical (up), yaw toward the orbit normal.
    """

    thrust: float
    specific_impulse: float
    pitch: float = 0.0
    yaw: float = 0.0

    def burn_time(self, mass: float, delta_v: float) -> float:
        """Burn duration [s] for a delta-v [m/s] from an initial mass [kg] (rocket eq.)."""
        ve = self.specific_impulse * 9.80665
        return mass * ve / self.thrust * (1.0 - math.exp(-delta_v / ve))


@dataclass(frozen=True, eq=False)
class Vehicle:
    """A vehicle configuration (one phase's flying body).

    Attributes
    ----------
    name : str
    mass : float
        [kg].
    reference_area : float
        Aerodynamic reference area [m^2].
    nose_radius : float
        Effective nose radius for stagnation heating [m].
    drag_coefficient : float
        Constant drag coefficient [-], used when no Mach table is given.
    lift_to_drag : float
        Trim lift-to-drag ratio [-]; the lift vector is rotated by the bank angle.
    cd_mach, cd_values : ndarray, optional
        Drag coefficient against Mach number, linearly interpolated, held constant
        beyond the ends.
    parachute : Parachute, optional
    engine : Engine, optional
    cd_extrapolate : bool
        Whether a flight may use the drag table beyond its Mach range (held constant);
        False: a flight that does is an error (:func:`sim.flight.ranges.check_mach_ranges`).
    """

    name: str
    mass: float
    reference_area: float
    nose_radius: float
    drag_coefficient: float
    lift_to_drag: float = 0.0
    cd_mach: np.ndarray = field(default_factory=lambda: _EMPTY)
    cd_values: np.ndarray = field(default_factory=lambda: _EMPTY)
    parachute: Parachute | None = None
    engine: Engine | None = None
    cd_extrapolate: bool = True

    def __post_init__(self):
        m = np.ascontiguousarray(self.cd_mach, dtype=float)
        c = np.ascontiguousarray(self.cd_values, dtype=float)
        if m.shape != c.shape or m.ndim != 1:
            raise ValueError("cd_mach and cd_values must be 1-D of one length")
        if m.size and np.any(np.diff(m) <= 0):
            raise ValueError("cd_mach must be strictly increasing")
        for name in ("mass", "reference_area", "nose_radius"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        object.__setattr__(self, "cd_mach", m)
        object.__setattr__(self, "cd_values", c)

    @property
    def ballistic_coefficient(self) -> float:
        """M / (Cd A) with the constant drag coefficient [kg m^-2]."""
        return self.mass / (self.drag_coefficient * self.reference_area)
