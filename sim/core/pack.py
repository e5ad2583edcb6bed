"""Packing models into the compiled core's parameter vectors: the only code that writes one.

A :class:`PhaseModel` is what the compiled functions of one phase receive: the parameter
vector (layout :data:`sim.core.layout.PARAMS`) and its table array (layout
:data:`sim.core.layout.TABLE_LAYOUT`, found through the offsets in the parameter vector).
Everything outside the core builds and changes them through the named functions of this
module.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.core.layout import ATTITUDES, BANK, N_PARAMS, TABLE_LAYOUT, P
from sim.models.atmosphere import AtmosphereNumeric, table_of
from sim.models.earth import EarthModel
from sim.models.vehicle import Vehicle


class Tables(NamedTuple):
    """The tables of a phase model, each on its own (empty arrays where unused)."""

    cd_mach: np.ndarray  #: Mach numbers of the drag table [-]
    cd_values: np.ndarray  #: drag coefficients at those Mach numbers [-]
    atm_alt: np.ndarray  #: atmosphere table altitudes [m]
    atm_lnrho: np.ndarray  #: atmosphere table ln(density) [ln(kg m^-3)]
    atm_temp: np.ndarray  #: atmosphere table temperatures [K]


class BankSegment(NamedTuple):
    """An analytic bank profile over one integration segment (see
    :func:`sim.core.dynamics.bank_angle`)."""

    mode: int  #: a code of :data:`sim.core.layout.BANK_MODES`
    bank0: float  #: bank at the segment start [rad]
    t0: float  #: segment start [s]
    rate: float  #: roll rate (rolling) or largest slew rate (slew) [rad s^-1]
    command: float  #: commanded bank (slew) [rad]


def constant_segment(t0: float, bank: float) -> BankSegment:
    """Hold ``bank`` [rad] from ``t0`` [s]."""
    return BankSegment(BANK.constant, bank, t0, 0.0, 0.0)


def rolling_segment(t0: float, bank0: float, rate: float) -> BankSegment:
    """Roll at ``rate`` [rad s^-1] from ``bank0`` [rad] at ``t0`` [s]."""
    return BankSegment(BANK.rolling, bank0, t0, rate, 0.0)


def slew_segment(t0: float, bank: float, command: float, rate: float) -> BankSegment:
    """Slew from ``bank`` toward ``command`` [rad] at most at ``rate`` [rad s^-1]."""
    return BankSegment(BANK.slew, bank, t0, abs(rate), command)


def tables_of(p: np.ndarray, tab: np.ndarray) -> Tables:
    """The tables a parameter vector finds in a table array, each on its own (views)."""
    parts = []
    for _, offset, count, k in TABLE_LAYOUT:
        start = int(p[getattr(P, offset)])
        n = int(p[getattr(P, count)])
        parts.append(tab[start + k * n : start + (k + 1) * n])
    return Tables(*parts)


def place_tables(
    p: np.ndarray, cd_mach: np.ndarray, cd_values: np.ndarray, atmosphere: AtmosphereNumeric
) -> np.ndarray:
    """The table array of a drag table and an atmosphere's table, one after the other;
    their offsets and sizes go into ``p``."""
    n = cd_mach.size
    p[P.cd_offset] = 0
    p[P.cd_count] = n
    p[P.atm_offset] = 2 * n
    p[P.atm_count] = atmosphere.altitude.size
    return np.concatenate((cd_mach, cd_values, table_of(atmosphere)))


@dataclass(frozen=True, eq=False)
class PhaseModel:
    """A phase's numeric model: parameter vector and table array for the compiled core."""

    params: np.ndarray
    table: np.ndarray

    @property
    def args(self) -> tuple[np.ndarray, np.ndarray]:
        """``(params, table)``: the trailing arguments of every compiled physics call."""
        return (self.params, self.table)

    @property
    def tables(self) -> Tables:
        """The phase's tables, each on its own."""
        return tables_of(self.params, self.table)

    def with_bank(self, segment: BankSegment) -> "PhaseModel":
        """A copy flying the bank profile ``segment``."""
        p = self.params.copy()
        p[P.bank_mode] = segment.mode
        p[P.bank0] = segment.bank0
        p[P.bank_t0] = segment.t0
        p[P.bank_rate] = segment.rate
        p[P.bank_command] = segment.command
        return PhaseModel(p, self.table)

    def with_density_factor(self, factor: float) -> "PhaseModel":
        """A copy whose density is multiplied by ``factor`` [-]."""
        p = self.params.copy()
        p[P.density_scale] *= factor
        return PhaseModel(p, self.table)

    def with_atmosphere(self, atmosphere: AtmosphereNumeric) -> "PhaseModel":
        """A copy flying through another atmosphere (same vehicle and Earth)."""
        p = self.params.copy()
        _set_atmosphere(p, atmosphere)
        t = self.tables
        return PhaseModel(p, place_tables(p, t.cd_mach, t.cd_values, atmosphere))

    def earth(self) -> EarthModel:
        """The Earth model this phase was packed with."""
        p = self.params
        return EarthModel(
            mu=float(p[P.mu]),
            j2=float(p[P.j2]),
            radius=float(p[P.radius]),
            rotation_rate=float(p[P.omega]),
        )

    def bank_mode(self) -> int:
        """The code of the bank profile."""
        return int(self.params[P.bank_mode])

    def has_parachute(self) -> bool:
        """True when the phase flies a canopy."""
        return bool(self.params[P.chute_area] > 0.0)


def _set_atmosphere(p: np.ndarray, atm: AtmosphereNumeric) -> None:
    p[P.atm_kind] = atm.kind
    p[P.rho0] = atm.surface_density
    p[P.scale_height] = atm.scale_height
    p[P.density_scale] = atm.density_scale


def pack_phase(
    vehicle: Vehicle,
    atmosphere: AtmosphereNumeric,
    earth: EarthModel,
    *,
    chute_start_area: float = 0.0,
    phase_start: float = 0.0,
    attitude: str = "heat_shield_first",
    engine_on: bool = True,
    need_sound: bool = True,
) -> PhaseModel:
    """Pack a vehicle, an atmosphere and the Earth into a :class:`PhaseModel`.

    Parameters
    ----------
    vehicle : Vehicle
    atmosphere : AtmosphereNumeric
        ``model.numeric()`` of an atmosphere model.
    earth : EarthModel
    chute_start_area : float
        Parachute drag area at the start of the phase [m^2] (the previous phase's).
    phase_start : float
        Start of the phase [s] (start of the parachute fill).
    attitude : str
        ``"heat_shield_first"`` or ``"hatch_first"``.
    engine_on : bool
        Fly the vehicle's engine, if it has one.
    need_sound : bool
        Evaluate the temperature and the speed of sound (Mach number). A drag table
        against Mach always needs them; a phase without Mach triggers or outputs can skip
        them.
    """
    p = np.zeros(N_PARAMS)
    p[P.mu] = earth.mu
    p[P.j2] = earth.j2
    p[P.radius] = earth.radius
    p[P.omega] = earth.rotation_rate
    _set_atmosphere(p, atmosphere)
    p[P.area] = vehicle.reference_area
    p[P.nose_radius] = vehicle.nose_radius
    p[P.cd] = vehicle.drag_coefficient
    p[P.lift_to_drag] = vehicle.lift_to_drag
    chute = vehicle.parachute
    p[P.chute_area0] = chute_start_area if chute else 0.0
    p[P.chute_area] = chute.drag_area if chute else 0.0
    p[P.chute_t0] = phase_start
    p[P.chute_fill] = chute.fill_time if chute else 0.0
    if vehicle.engine is not None and engine_on:
        p[P.thrust] = vehicle.engine.thrust
        p[P.isp] = vehicle.engine.specific_impulse
        p[P.thrust_pitch] = vehicle.engine.pitch
        p[P.thrust_yaw] = vehicle.engine.yaw
    p[P.attitude] = ATTITUDES[attitude]
    p[P.need_sound] = 1.0 if (need_sound or vehicle.cd_mach.size) else 0.0
    p[P.phase_start_mass] = vehicle.mass
    return PhaseModel(p, place_tables(p, vehicle.cd_mach, vehicle.cd_values, atmosphere))
