"""A flight program: a whole flight as arrays, what both integrators fly.

:func:`pack_program` turns core-level descriptions of the phases (:class:`PhaseSpec`,
built by :mod:`sim.flight` from its phases, triggers and control laws) into a
:class:`Program`: the initial condition, one physics row and one phase row per phase,
their triggers, the guidance parameters and the guidance's own model, one table array
(every drag and atmosphere table, each row finding its own through its offsets) and the
integrator settings, every array laid out as declared in :mod:`sim.core.layout`. The
compiled engine (:mod:`sim.core.engine`) and the ``solve_ivp`` reference path
(:mod:`sim.core.ivp`) read the same program, and a batch of variants is a stack of
programs of one shape (:func:`stack_programs`).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

import numpy as np

from sim.core.layout import (
    CONTROL,
    GUIDE,
    INIT,
    INIT_KIND,
    MAX_TRIGGERS,
    N_PARAMS,
    PH,
    PHASE,
    SETTINGS,
    ST,
    TR,
    TRIGGER,
    G,
    I,
    P,
)
from sim.core.pack import pack_phase
from sim.models.atmosphere import AtmosphereNumeric
from sim.models.earth import EarthModel
from sim.models.vehicle import Vehicle


class TriggerSpec(NamedTuple):
    """A trigger as the core sees it."""

    quantity: int  #: a code of EVENT_QUANTITIES, or PHASE_TIME
    value: float  #: threshold [SI]
    direction: int  #: -1 falling, +1 rising, 0 either


class GuidanceSpec(NamedTuple):
    """The guided law's settings (SI, radians) and the model it predicts with."""

    values: dict  #: GUIDE slot name -> value (all slots but the table offsets)
    model_vehicle: Vehicle | None  #: None: the phase's own vehicle
    model_atmosphere: AtmosphereNumeric | None  #: None: the flight's atmosphere


class ControlSpec(NamedTuple):
    """A bank-angle law as the core sees it."""

    kind: int  #: a code of CONTROLS
    bank: float = math.nan  #: constant bank, or a rolling law's initial bank (NaN: continue)
    roll_rate: float = 0.0  #: [rad s^-1]
    guidance: GuidanceSpec | None = None


class PhaseSpec(NamedTuple):
    """One phase as the core sees it."""

    vehicle: Vehicle
    attitude: str
    control: ControlSpec
    triggers: tuple  #: of TriggerSpec
    carry_mass: bool  #: continue the previous phase's mass (same body)
    need_sound: bool  #: something in the phase needs the Mach number


def constant_control(bank: float) -> ControlSpec:
    """Hold ``bank`` [rad]."""
    return ControlSpec(CONTROL.constant, bank)


def rolling_control(roll_rate: float, initial_bank: float | None) -> ControlSpec:
    """Roll at ``roll_rate`` [rad s^-1] from ``initial_bank`` [rad] (None: continue)."""
    return ControlSpec(
        CONTROL.rolling, math.nan if initial_bank is None else initial_bank, roll_rate
    )


def guided_control(guidance: GuidanceSpec) -> ControlSpec:
    """Fly the compiled predictor-corrector guidance."""
    return ControlSpec(CONTROL.guided, math.nan, 0.0, guidance)


@dataclass(frozen=True, eq=False)
class Program:
    """A flight as arrays (layouts in :mod:`sim.core.layout`).

    Attributes
    ----------
    init : ndarray [INIT.size]
    phases : ndarray [n_phases, N_PARAMS]
        The physics row of each phase (bank, parachute start and phase-start mass are set
        while flying).
    info : ndarray [n_phases, PHASE.size]
    triggers : ndarray [n_phases, MAX_TRIGGERS, TRIGGER.size]
    table : ndarray
        Every table of the flight (layout :data:`sim.core.layout.TABLE_LAYOUT`): the drag
        tables of the vehicles, the flight's atmosphere table and the guidance's, one after
        the other; each physics row holds the offsets of its own.
    guide : ndarray [n_guided, GUIDE.size]
    guide_models : ndarray [n_guided, N_PARAMS]
        What the guidance believes: its own physics row.
    settings : ndarray [SETTINGS.size]
    phase_names : tuple of str
    """

    init: np.ndarray
    phases: np.ndarray
    info: np.ndarray
    triggers: np.ndarray
    table: np.ndarray
    guide: np.ndarray
    guide_models: np.ndarray
    settings: np.ndarray
    phase_names: tuple = ()

    def arrays(self) -> tuple:
        """The arrays in the order the compiled engine takes them."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "phase_names")

    def shape_key(self) -> tuple:
        """Programs with equal keys can be stacked into one batch."""
        return tuple(a.shape for a in self.arrays())

    def with_settings(self, **values: float) -> "Program":
        """A copy with some settings changed (by SETTINGS slot name)."""
        settings = self.settings.copy()
        for name, value in values.items():
            settings[getattr(ST, name)] = value
        return replace(self, settings=settings)


def settings_row(
    *,
    rtol: float,
    max_time: float,
    ground_altitude: float,
    ceiling_altitude: float,
    max_steps: int = 1_000_000,
    entry_interface: float = 100e3,
    g_threshold: float = 4.0,
    store: bool = True,
    stiff_phases: bool = True,
    max_wall_time: float = 0.0,
) -> np.ndarray:
    """The settings array of a program (see :data:`sim.core.layout.SETTINGS`;
    ``max_wall_time`` 0: no wall-clock limit)."""
    s = np.zeros(SETTINGS.size)
    s[ST.rtol] = rtol
    s[ST.max_time] = max_time
    s[ST.ground_altitude] = ground_altitude
    s[ST.ceiling_altitude] = ceiling_altitude
    s[ST.max_steps] = max_steps
    s[ST.entry_interface] = entry_interface
    s[ST.g_threshold] = g_threshold
    s[ST.store] = 1.0 if store else 0.0
    s[ST.stiff_phases] = 1.0 if stiff_phases else 0.0
    s[ST.max_wall_time] = max_wall_time
    return s


def state_init(position: np.ndarray, velocity: np.ndarray, t0: float) -> np.ndarray:
    """An initial condition given as an Earth-fixed state [m, m s^-1] at ``t0`` [s]."""
    init = np.zeros(INIT.size)
    init[I.kind] = INIT_KIND.state
    init[I.t0] = t0
    init[I.x : I.z + 1] = position
    init[I.vx : I.vz + 1] = velocity
    return init


def orbit_init(
    *,
    perigee_altitude: float,
    apogee_altitude: float,
    inclination: float,
    raan: float,
    argument_of_perigee: float,
    argument_of_latitude: float,
    sidereal_angle: float,
    burn_delta_v: float = 0.0,
    burn_pitch: float = 0.0,
    burn_yaw: float = 0.0,
) -> np.ndarray:
    """An initial condition given as an orbit (SI, radians) and an optional impulsive burn
    (see :func:`sim.core.initial.initial_state`)."""
    init = np.zeros(INIT.size)
    init[I.kind] = INIT_KIND.orbit
    init[I.perigee_altitude] = perigee_altitude
    init[I.apogee_altitude] = apogee_altitude
    init[I.inclination] = inclination
    init[I.raan] = raan
    init[I.argument_of_perigee] = argument_of_perigee
    init[I.argument_of_latitude] = argument_of_latitude
    init[I.sidereal_angle] = sidereal_angle
    init[I.burn_delta_v] = burn_delta_v
    init[I.burn_pitch] = burn_pitch
    init[I.burn_yaw] = burn_yaw
    return init


def pack_program(
    init: np.ndarray,
    phases: Sequence[PhaseSpec],
    *,
    atmosphere: AtmosphereNumeric,
    earth: EarthModel,
    settings: np.ndarray,
    names: Sequence[str] = (),
) -> Program:
    """Pack a flight into a :class:`Program`.

    Parameters
    ----------
    init : ndarray
        From :func:`state_init` or :func:`orbit_init`.
    phases : sequence of PhaseSpec
    atmosphere : AtmosphereNumeric
        The flight's (true) atmosphere.
    earth : EarthModel
    settings : ndarray
        From :func:`settings_row`.
    names : sequence of str
        Phase names (for reports).
    """
    if not phases:
        raise ValueError("a program needs at least one phase")
    n = len(phases)
    rows = np.zeros((n, N_PARAMS))
    info = np.zeros((n, PHASE.size))
    triggers = np.zeros((n, MAX_TRIGGERS, TRIGGER.size))
    table: list[float] = []
    guides: list[np.ndarray] = []
    guide_models: list[np.ndarray] = []
    placed: dict = {}  # id of a table's first array -> (its offset, its arrays)

    def place(row, vehicle, atm):
        """Put the drag table and the atmosphere table of a row into the program's table
        (each table once) and their offsets into the row."""
        for arrays, offset, count in (
            ((vehicle.cd_mach, vehicle.cd_values), P.cd_offset, P.cd_count),
            ((atm.altitude, atm.lnrho, atm.temperature), P.atm_offset, P.atm_count),
        ):
            key = id(arrays[0])
            if key not in placed or placed[key][1][0] is not arrays[0]:
                placed[key] = (len(table), arrays)
                for a in arrays:
                    table.extend(np.asarray(a, dtype=float).tolist())
            row[offset] = placed[key][0]
            row[count] = arrays[0].size

    for k, spec in enumerate(phases):
        if len(spec.triggers) > MAX_TRIGGERS:
            raise ValueError(f"at most {MAX_TRIGGERS} triggers per phase")
        rows[k] = pack_phase(
            spec.vehicle, atmosphere, earth, attitude=spec.attitude, need_sound=spec.need_sound
        ).params
        place(rows[k], spec.vehicle, atmosphere)
        info[k, PH.start_mass] = math.nan if spec.carry_mass else spec.vehicle.mass
        info[k, PH.control] = spec.control.kind
        info[k, PH.bank] = spec.control.bank
        info[k, PH.roll_rate] = spec.control.roll_rate
        info[k, PH.guide] = -1
        info[k, PH.n_triggers] = len(spec.triggers)
        info[k, PH.has_parachute] = 1.0 if spec.vehicle.parachute is not None else 0.0
        for j, trig in enumerate(spec.triggers):
            triggers[k, j, TR.quantity] = trig.quantity
            triggers[k, j, TR.value] = trig.value
            triggers[k, j, TR.direction] = trig.direction
        guidance = spec.control.guidance
        if spec.control.kind == CONTROL.guided:
            if guidance is None:
                raise ValueError("a guided control needs its GuidanceSpec")
            row = np.zeros(GUIDE.size)
            for name, value in guidance.values.items():
                row[getattr(G, name)] = value
            vehicle = guidance.model_vehicle or spec.vehicle
            model_atm = guidance.model_atmosphere or atmosphere
            info[k, PH.guide] = len(guides)
            guides.append(row)
            model = pack_phase(
                vehicle,
                model_atm,
                earth,
                attitude=spec.attitude,
                need_sound=bool(vehicle.cd_mach.size),
            ).params
            place(model, vehicle, model_atm)
            guide_models.append(model)
    guide = np.array(guides) if guides else np.zeros((0, GUIDE.size))
    models = np.array(guide_models) if guide_models else np.zeros((0, N_PARAMS))
    return Program(
        init=np.asarray(init, dtype=float),
        phases=rows,
        info=info,
        triggers=triggers,
        table=np.array(table, dtype=float),
        guide=guide,
        guide_models=models,
        settings=np.asarray(settings, dtype=float),
        phase_names=tuple(names),
    )


def stack_programs(programs: Sequence[Program]) -> tuple:
    """The arrays of programs of one shape, stacked along a leading run axis.

    Raises
    ------
    ValueError
        When the programs do not share one shape (:meth:`Program.shape_key`).
    """
    keys = {p.shape_key() for p in programs}
    if len(keys) != 1:
        raise ValueError("programs of different shapes cannot be stacked")
    return tuple(
        np.ascontiguousarray(np.stack(arrays))
        for arrays in zip(*(p.arrays() for p in programs), strict=True)
    )


def apply_phase_values(program: Program, phase: int, **values: float) -> Program:
    """A copy with physics slots of one phase changed (by PARAMS slot name)."""
    rows = program.phases.copy()
    for name, value in values.items():
        rows[phase, getattr(P, name)] = value
    return replace(program, phases=rows)


@dataclass(frozen=True, eq=False)
class FlownSegment:
    """A piece of a flown program integrated with one physics row (one phase, one bank
    profile).

    Attributes
    ----------
    phase : int
    t : ndarray [n]
        Times of the stored points [s] (the segment start, then the ends of the steps).
    y : ndarray [n, N_STATE]
    params : ndarray [N_PARAMS]
    table : ndarray
        The program's table array (``params`` holds the offsets of the phase's tables).
    dense : callable or None
        t -> state (the integrator's interpolant), like ``scipy``'s ``OdeSolution``.
    """

    phase: int
    t: np.ndarray
    y: np.ndarray
    params: np.ndarray
    table: np.ndarray
    dense: object


@dataclass(frozen=True, eq=False)
class FlownProgram:
    """What flying a program gives, whichever integrator flew it.

    Attributes
    ----------
    program : Program
    status : int
        A code of :data:`sim.core.layout.STATUSES`.
    events : ndarray [n, EVENT.size]
        The event log.
    segments : tuple of FlownSegment
        Empty when nothing was stored.
    gstate : ndarray [GSTATE.size]
        The guidance state at the end.
    ghist : ndarray [cycles, GHISTORY.size]
        The guidance history (``gstate[cycles]`` rows used).
    summary : ndarray [SUMMARY.size] or None
        The in-flight summary of the compiled engine (None from the reference path).
    """

    program: Program
    status: int
    events: np.ndarray
    segments: tuple
    gstate: np.ndarray
    ghist: np.ndarray
    summary: np.ndarray | None = None
