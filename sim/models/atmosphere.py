"""Atmosphere models: exponential, U.S. Standard Atmosphere 1976, tabulated profile.

Each model is a small frozen dataclass (what the user configures) that describes itself to
the compiled core as an :class:`AtmosphereNumeric` (floats and arrays, see
:meth:`numeric`); :func:`atmosphere_properties` is the one compiled function that
evaluates any of them. Every model takes a ``density_scale`` factor that
multiplies the density (for dispersions); temperature and speed of sound are not scaled.

The atmosphere co-rotates with the Earth (no wind): the air-relative velocity is the
Earth-fixed velocity.
"""

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sim.models._jit import inline_njit, njit
from sim.models.constants import GAMMA_AIR, R_AIR, RHO0_STD
from sim.models.ussa76 import ussa76, ussa76_density

ATM_EXPONENTIAL = 0
ATM_USSA76 = 1
ATM_TABLE = 2

#: Largest exponent used in density extrapolations: keeps rejected trial steps far below
#: the ground (or far above the table) finite instead of overflowing.
_MAX_EXPONENT = 60.0

_EMPTY = np.zeros(0)


@njit
def atmosphere_properties(
    kind: int,
    alt: float,
    rho0: float,
    scale_height: float,
    density_scale: float,
    table: np.ndarray,
    offset: int,
    count: int,
) -> tuple[float, float, float]:
    """Density [kg m^-3], temperature [K] and speed of sound [m s^-1] at altitude alt [m].

    Parameters
    ----------
    kind : int
        ``ATM_EXPONENTIAL``, ``ATM_USSA76`` or ``ATM_TABLE``.
    alt : float
        Geometric height above the WGS-84 ellipsoid [m].
    rho0, scale_height : float
        Exponential model: surface density [kg m^-3] and scale height [m].
    density_scale : float
        Factor on the density [-].
    table : ndarray
        Holds the tabulated model's ``count`` rows from ``offset`` on: ``count`` altitudes
        [m] (increasing), then as many values of ln(density [kg m^-3]), then as many
        temperatures [K] (see :func:`table_of`).
    offset, count : int
        Where the model's rows start in ``table`` and how many there are.

    Notes
    -----
    The exponential model has no temperature of its own: its temperature and speed of
    sound (used for the Mach number) are those of the 1976 standard atmosphere.
    The tabulated model interpolates ln(density) and temperature linearly; outside the
    table it extrapolates ln(density) along the end interval's slope (clamped) and holds
    the end temperature.
    """
    if kind == ATM_USSA76:
        rho, temp, sound = ussa76(alt)
        return rho * density_scale, temp, sound
    if kind == ATM_EXPONENTIAL:
        rho_std, temp, sound = ussa76(alt)
        return exponential_density(alt, rho0, scale_height) * density_scale, temp, sound
    n = count
    a = offset  # altitudes
    r = offset + n  # ln(density)
    m = offset + 2 * n  # temperatures
    if alt <= table[a]:
        i = 0
    elif alt >= table[a + n - 1]:
        i = n - 2
    else:
        i = interval(table, a, n, alt)
    h0 = table[a + i]
    h1 = table[a + i + 1]
    w = (alt - h0) / (h1 - h0)
    lnrho = table[r + i] + w * (table[r + i + 1] - table[r + i])
    lnrho = min(lnrho, table[r] + _MAX_EXPONENT)
    wt = min(max(w, 0.0), 1.0)
    temp = table[m + i] + wt * (table[m + i + 1] - table[m + i])
    return math.exp(lnrho) * density_scale, temp, math.sqrt(GAMMA_AIR * R_AIR * temp)


@njit
def interval(table: np.ndarray, offset: int, n: int, x: float) -> int:
    """The interval i of the increasing values ``table[offset:offset + n]`` with
    ``v[i] < x <= v[i + 1]`` (``numpy.searchsorted(v, x) - 1``), by bisection, for
    ``v[0] < x <= v[n - 1]``."""
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if table[offset + mid] < x:
            lo = mid
        else:
            hi = mid
    return lo


@njit
def exponential_density(alt: float, rho0: float, scale_height: float) -> float:
    """rho0 exp(-alt / scale_height) [kg m^-3], the exponent clamped far below the ground."""
    return rho0 * math.exp(min(-alt / scale_height, _MAX_EXPONENT))


@inline_njit
def atmosphere_density(
    kind: int,
    alt: float,
    rho0: float,
    scale_height: float,
    density_scale: float,
    table: np.ndarray,
    offset: int,
    count: int,
) -> float:
    """Density [kg m^-3] alone (see :func:`atmosphere_properties`): the exponential model
    then needs no temperature."""
    if kind == ATM_EXPONENTIAL:
        return exponential_density(alt, rho0, scale_height) * density_scale
    if kind == ATM_USSA76:
        return ussa76_density(alt) * density_scale
    return atmosphere_properties(
        kind, alt, rho0, scale_height, density_scale, table, offset, count
    )[0]


class AtmosphereNumeric(NamedTuple):
    """What the compiled core needs of an atmosphere model (see
    :func:`atmosphere_properties` for the meaning of each field)."""

    kind: int
    surface_density: float  #: [kg m^-3] (exponential model)
    scale_height: float  #: [m] (exponential model)
    density_scale: float  #: [-]
    altitude: np.ndarray  #: table altitudes [m]
    lnrho: np.ndarray  #: table ln(density) [ln(kg m^-3)]
    temperature: np.ndarray  #: table temperatures [K]


def table_of(numeric: AtmosphereNumeric) -> np.ndarray:
    """A model's table as :func:`atmosphere_properties` reads it: altitudes, ln(density)
    and temperatures one after the other (empty for the closed-form models)."""
    return np.concatenate((numeric.altitude, numeric.lnrho, numeric.temperature))


class _AtmosphereBase:
    def numeric(self) -> AtmosphereNumeric:
        """The model as floats and arrays for the compiled core."""
        raise NotImplementedError

    def properties(self, altitude):
        """Density [kg m^-3], temperature [K] and speed of sound [m s^-1] at altitudes [m]."""
        alt = np.atleast_1d(np.asarray(altitude, dtype=float))
        n = self.numeric()
        table = table_of(n)
        rows = n.altitude.size
        out = np.array(
            [
                atmosphere_properties(
                    n.kind,
                    float(h),
                    n.surface_density,
                    n.scale_height,
                    n.density_scale,
                    table,
                    0,
                    rows,
                )
                for h in alt
            ]
        )
        return out[:, 0], out[:, 1], out[:, 2]

    def density_at(self, altitude):
        """Density [kg m^-3] at altitudes [m]."""
        return self.properties(altitude)[0]


@dataclass(frozen=True)
class ExponentialAtmosphere(_AtmosphereBase):
    """rho = surface_density * exp(-h / scale_height) * density_scale.

    Attributes
    ----------
    surface_density : float
        [kg m^-3]; default the 1976 standard's 1.225.
    scale_height : float
        [m]; default 7,200 m (within 0.73-1.34x of the 1976 standard from 10 to 90 km).
    density_scale : float
        Factor on the density [-].
    """

    surface_density: float = RHO0_STD
    scale_height: float = 7200.0
    density_scale: float = 1.0

    def numeric(self) -> AtmosphereNumeric:
        """The model for the compiled core."""
        return AtmosphereNumeric(
            ATM_EXPONENTIAL,
            self.surface_density,
            self.scale_height,
            self.density_scale,
            _EMPTY,
            _EMPTY,
            _EMPTY,
        )


@dataclass(frozen=True)
class StandardAtmosphere1976(_AtmosphereBase):
    """U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562) from -5 to 1,000 km."""

    density_scale: float = 1.0

    def numeric(self) -> AtmosphereNumeric:
        """The model for the compiled core."""
        return AtmosphereNumeric(ATM_USSA76, 0.0, 1.0, self.density_scale, _EMPTY, _EMPTY, _EMPTY)


@dataclass(frozen=True, eq=False)
class TabulatedAtmosphere(_AtmosphereBase):
    """A profile given as a table (e.g. a measured or NRLMSIS profile).

    Attributes
    ----------
    altitude : ndarray
        Strictly increasing geometric altitudes [m].
    density : ndarray
        Positive densities [kg m^-3].
    temperature : ndarray
        Positive temperatures [K].
    density_scale : float
        Factor on the density [-].
    extrapolate : bool
        Whether a flight may leave the table's altitudes (ln(density) extrapolated along
        the end interval's slope, the end temperature held); False: a flight that could
        is an error (:func:`sim.flight.ranges.check_altitude_range`).
    """

    altitude: np.ndarray
    density: np.ndarray
    temperature: np.ndarray
    density_scale: float = 1.0
    extrapolate: bool = True
    _lnrho: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        alt = np.ascontiguousarray(self.altitude, dtype=float)
        rho = np.ascontiguousarray(self.density, dtype=float)
        temp = np.ascontiguousarray(self.temperature, dtype=float)
        if alt.ndim != 1 or alt.shape != rho.shape or alt.shape != temp.shape or alt.size < 2:
            raise ValueError("altitude, density and temperature must be 1-D of one length >= 2")
        if np.any(np.diff(alt) <= 0):
            raise ValueError("altitude must be strictly increasing")
        if np.any(rho <= 0) or np.any(temp <= 0):
            raise ValueError("density and temperature must be positive")
        object.__setattr__(self, "altitude", alt)
        object.__setattr__(self, "density", rho)
        object.__setattr__(self, "temperature", temp)
        object.__setattr__(self, "_lnrho", np.log(rho))

    def numeric(self) -> AtmosphereNumeric:
        """The model for the compiled core."""
        return AtmosphereNumeric(
            ATM_TABLE, 0.0, 1.0, self.density_scale, self.altitude, self._lnrho, self.temperature
        )


#: Any atmosphere model of this module.
Atmosphere = ExponentialAtmosphere | StandardAtmosphere1976 | TabulatedAtmosphere
