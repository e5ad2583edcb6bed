"""The one declaration of the compiled physics' layout: state, parameters, outputs, events.

Every array that crosses the boundary of the compiled core has its layout declared here
once, as a list of named slots with units. The index constants that the compiled code uses
(``S.mass``, ``P.lift_to_drag``, ``O.g_load``) are generated from these lists, and so are
the trajectory's output columns: nothing outside this module numbers a slot by hand, and
nothing outside :mod:`sim.core` writes a parameter vector (see :mod:`sim.core.pack`).
"""

from collections import namedtuple
from typing import Any, NamedTuple


class Slot(NamedTuple):
    """One named slot of a layout."""

    name: str
    unit: str
    description: str


class Layout:
    """An ordered list of named slots and the index of each.

    Attributes
    ----------
    title : str
    slots : tuple of Slot
    index : namedtuple
        Slot name -> its position, e.g. ``STATE.index.mass == 7`` (numba reads these as
        compile-time constants).
    size : int
    """

    def __init__(self, title: str, slots: list[tuple[str, str, str]]) -> None:
        self.title = title
        self.slots = tuple(Slot(*s) for s in slots)
        names = [s.name for s in self.slots]
        if len(set(names)) != len(names):
            raise ValueError(f"{title}: duplicate slot names")
        self.index: Any = namedtuple(title.title().replace(" ", ""), names)(*range(len(names)))
        self.size = len(self.slots)

    @property
    def names(self) -> tuple[str, ...]:
        """Slot names in order."""
        return tuple(s.name for s in self.slots)

    def unit(self, name: str) -> str:
        """Unit of a slot."""
        return self.slots[self.names.index(name)].unit


#: State vector integrated by every integrator (Earth-fixed frame).
STATE = Layout(
    "state",
    [
        ("x", "m", "Earth-fixed position x"),
        ("y", "m", "Earth-fixed position y"),
        ("z", "m", "Earth-fixed position z"),
        ("vx", "m s^-1", "Earth-fixed velocity x"),
        ("vy", "m s^-1", "Earth-fixed velocity y"),
        ("vz", "m s^-1", "Earth-fixed velocity z"),
        ("heat_load", "J m^-2", "integrated stagnation-point heat flux"),
        ("mass", "kg", "vehicle mass"),
    ],
)

#: Parameter vector of one phase segment (what :mod:`sim.core.pack` writes).
PARAMS = Layout(
    "params",
    [
        ("mu", "m^3 s^-2", "gravitational parameter"),
        ("j2", "-", "second zonal harmonic (0: off)"),
        ("radius", "m", "reference radius of the J2 term"),
        ("omega", "rad s^-1", "Earth rotation rate (0: non-rotating)"),
        ("atm_kind", "-", "atmosphere model code (sim.models.atmosphere ATM_*)"),
        ("rho0", "kg m^-3", "surface density of the exponential model"),
        ("scale_height", "m", "scale height of the exponential model"),
        ("density_scale", "-", "factor on the density"),
        ("area", "m^2", "aerodynamic reference area"),
        ("nose_radius", "m", "effective nose radius for stagnation heating"),
        ("cd", "-", "constant drag coefficient (when no Mach table)"),
        ("lift_to_drag", "-", "trim lift-to-drag ratio"),
        ("chute_area0", "m^2", "parachute drag area at the start of the phase"),
        ("chute_area", "m^2", "parachute drag area when fully open"),
        ("chute_t0", "s", "start of the parachute fill"),
        ("chute_fill", "s", "parachute fill time (0: instantaneous)"),
        ("thrust", "N", "engine thrust (0: off)"),
        ("isp", "s", "engine specific impulse"),
        ("thrust_pitch", "rad", "thrust direction from retrograde toward up"),
        ("thrust_yaw", "rad", "thrust direction from retrograde toward the orbit normal"),
        ("bank_mode", "-", "bank profile code (BANK.*)"),
        ("bank0", "rad", "bank at the segment start"),
        ("bank_t0", "s", "segment start time"),
        ("bank_rate", "rad s^-1", "roll rate (rolling) or largest slew rate (slew)"),
        ("bank_command", "rad", "commanded bank (slew), the relief bank magnitude (relief)"),
        ("relief_start", "m s^-2", "sensed specific force where the load relief begins"),
        ("relief_full", "m s^-2", "sensed specific force of the full relief bank"),
        ("relief_lead", "s", "the relief acts on the load anticipated this long ahead"),
        ("attitude", "-", "+1 heat shield first (eyeballs-in), -1 hatch first"),
        ("need_sound", "-", "1: evaluate temperature and speed of sound (Mach), 0: skip them"),
        ("phase_start_mass", "kg", "mass at the start of the phase (delta-v trigger)"),
        ("cd_offset", "-", "start of the drag table in the table array (TABLE_LAYOUT)"),
        ("cd_count", "-", "rows of the drag table (0: constant cd)"),
        ("atm_offset", "-", "start of the atmosphere table in the table array"),
        ("atm_count", "-", "rows of the atmosphere table (0: none)"),
    ],
)

#: The one table array that travels beside a parameter vector (``tab``): every table of
#: a flight one after the other, each found through the offsets in the parameter vector.
#: A drag table of n rows at ``P.cd_offset``: n Mach numbers [-], then n drag
#: coefficients [-]. An atmosphere table of m rows at ``P.atm_offset``: m altitudes [m],
#: m values of ln(density [kg m^-3]), m temperatures [K]. One array instead of five keeps
#: the calls of the compiled physics cheap (each array argument costs its passing).
TABLE_LAYOUT = (
    ("cd_mach", "cd_offset", "cd_count", 0),
    ("cd_values", "cd_offset", "cd_count", 1),
    ("atm_alt", "atm_offset", "atm_count", 0),
    ("atm_lnrho", "atm_offset", "atm_count", 1),
    ("atm_temp", "atm_offset", "atm_count", 2),
)

#: Output columns of a trajectory, computed from the state by :func:`sim.core.outputs`.
OUTPUTS = Layout(
    "outputs",
    [
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
    ],
)

#: Quantities an event (a trigger, the ground, the ceiling) can watch.
EVENT_QUANTITIES = Layout(
    "event quantities",
    [
        ("altitude", "m", "height above the ellipsoid"),
        ("time", "s", "simulation time"),
        ("dynamic_pressure", "Pa", "0.5 rho V^2"),
        ("mach", "-", "Mach number"),
        ("heat_load", "J m^-2", "integrated stagnation-point heat flux"),
        ("speed", "m s^-1", "air-relative speed"),
        ("delta_v", "m s^-1", "speed change delivered by the engine since the phase start"),
    ],
)

#: Quantities the right-hand side leaves behind the derivatives: when its output row is
#: longer than the state, :func:`sim.core.dynamics.rhs_into` writes these after them, so
#: that the engine reads the quantities its events and summaries watch at the end of a
#: step from the step's last stage instead of evaluating the state once more, and so that
#: the physics of a state is compiled once (events, outputs and guidance read it here).
AUX = Layout(
    "step quantities",
    [
        ("altitude", "m", "height above the ellipsoid"),
        ("dynamic_pressure", "Pa", "0.5 rho V^2"),
        ("mach", "-", "Mach number (NaN when the phase skips the speed of sound)"),
        ("speed", "m s^-1", "air-relative speed"),
        ("heat_flux", "W m^-2", "Sutton-Graves stagnation-point convective heat flux"),
        ("sensed", "m s^-2", "|aero + parachute specific force| (the sensed load times g0)"),
        ("density", "kg m^-3", "air density"),
        ("sin_lat", "-", "sine of the geodetic latitude"),
        ("cos_lat", "-", "cosine of the geodetic latitude"),
    ],
)

#: The sensed specific force split along and across the air-relative velocity, which a
#: derivative row longer still than N_DERIV receives after the AUX quantities: what the
#: guidance measures (:func:`sim.core.dynamics.drag_and_lift`), written by the one
#: compiled evaluation of a state instead of a second copy of it.
FORCE_SPLIT = Layout(
    "sensed force split",
    [
        ("drag", "m s^-2", "component of the sensed force opposite the velocity"),
        ("lift", "m s^-2", "magnitude of the sensed force across the velocity"),
    ],
)

#: Bank-angle profiles of a segment (see :func:`sim.core.dynamics.bank_angle`).
BANK_MODES = Layout(
    "bank modes",
    [
        ("constant", "-", "sigma = bank0"),
        ("rolling", "-", "sigma = bank0 + bank_rate (t - bank_t0)"),
        ("slew", "-", "from bank0 at bank_t0 toward bank_command at |rate| <= bank_rate"),
        (
            "relief",
            "-",
            "|sigma| = |bank0|, eased toward bank_command as the sensed load rises from "
            "relief_start to relief_full (load relief; the sign of bank0)",
        ),
    ],
)

S = STATE.index
P = PARAMS.index
O = OUTPUTS.index  # noqa: E741 (the output-column index, like S and P)
Q = EVENT_QUANTITIES.index
BANK = BANK_MODES.index
A = AUX.index
N_STATE = STATE.size
#: Length of a derivative row that receives the AUX quantities too.
N_DERIV = N_STATE + AUX.size
SPLIT = FORCE_SPLIT.index
#: Length of a derivative row that receives the sensed force's split too.
N_SPLIT = N_DERIV + FORCE_SPLIT.size
N_PARAMS = PARAMS.size
N_OUTPUTS = OUTPUTS.size

#: Attitude names -> the sign of the eyeballs-in load.
ATTITUDES = {"heat_shield_first": 1.0, "hatch_first": -1.0}


class FlightState(NamedTuple):
    """Everything the right-hand side and the outputs derive from one state (SI)."""

    sin_lat: float  #: sine of the geodetic latitude [-]
    cos_lat: float  #: cosine of the geodetic latitude [-]
    alt: float  #: height above the ellipsoid [m]
    rho: float  #: density [kg m^-3]
    temperature: float  #: [K]
    sound: float  #: speed of sound [m s^-1]
    speed: float  #: air-relative speed [m s^-1]
    mach: float  #: [-]
    qbar: float  #: dynamic pressure [Pa]
    heat_flux: float  #: stagnation-point heat flux [W m^-2]
    bank: float  #: bank angle [rad]
    ax: float  #: aerodynamic + parachute specific force, ECEF x [m s^-2]
    ay: float  #: ... y [m s^-2]
    az: float  #: ... z [m s^-2]


# ---------------------------------------------------------------------------------------
# The flight program: what the compiled engine and the reference path fly
# ---------------------------------------------------------------------------------------
#: How the initial state is given.
INIT_KINDS = Layout(
    "init kinds",
    [
        ("state", "-", "Earth-fixed position and velocity given directly"),
        ("orbit", "-", "Keplerian elements, then an optional impulsive burn"),
    ],
)

#: The initial condition of a program.
INIT = Layout(
    "init",
    [
        ("kind", "-", "a code of INIT_KINDS"),
        ("t0", "s", "simulation time at the start"),
        ("x", "m", "Earth-fixed position x (kind state)"),
        ("y", "m", "Earth-fixed position y (kind state)"),
        ("z", "m", "Earth-fixed position z (kind state)"),
        ("vx", "m s^-1", "Earth-fixed velocity x (kind state)"),
        ("vy", "m s^-1", "Earth-fixed velocity y (kind state)"),
        ("vz", "m s^-1", "Earth-fixed velocity z (kind state)"),
        ("perigee_altitude", "m", "perigee radius minus the equatorial radius (kind orbit)"),
        ("apogee_altitude", "m", "apogee radius minus the equatorial radius (kind orbit)"),
        ("inclination", "rad", "(kind orbit)"),
        ("raan", "rad", "right ascension of the ascending node (kind orbit)"),
        ("argument_of_perigee", "rad", "(kind orbit)"),
        ("argument_of_latitude", "rad", "burn point, from the node (kind orbit)"),
        ("sidereal_angle", "rad", "Greenwich sidereal angle at t0 (kind orbit)"),
        ("burn_delta_v", "m s^-1", "impulsive burn at the start (0: none)"),
        ("burn_pitch", "rad", "impulsive burn direction from retrograde toward up"),
        ("burn_yaw", "rad", "impulsive burn direction from retrograde toward the orbit normal"),
    ],
)

#: Bank-angle laws of a phase.
CONTROLS = Layout(
    "controls",
    [
        ("constant", "-", "hold a bank angle"),
        ("rolling", "-", "roll at a constant rate (ballistic mode)"),
        ("guided", "-", "predictor-corrector guidance"),
    ],
)

#: What a phase does besides its physics parameters.
PHASE = Layout(
    "phase",
    [
        ("start_mass", "kg", "mass at the phase start; NaN: carried over from the previous phase"),
        ("control", "-", "a code of CONTROLS"),
        ("bank", "rad", "constant bank, or the rolling law's initial bank (NaN: continue)"),
        ("roll_rate", "rad s^-1", "rolling law"),
        ("guide", "-", "row of the guidance arrays (guided law), else -1"),
        ("n_triggers", "-", "triggers in use"),
        ("has_parachute", "-", "1: the drag area of its canopy carries into the next phase"),
    ],
)

#: Trigger rows of a phase: (quantity code, value [SI], direction); phase-relative
#: quantities use these extra codes.
TRIGGER = Layout(
    "trigger",
    [
        ("quantity", "-", "a code of EVENT_QUANTITIES, or PHASE_TIME"),
        ("value", "SI", "threshold"),
        ("direction", "-", "-1 falling through, +1 rising through, 0 either"),
    ],
)
PHASE_TIME = 100  #: trigger code: time since the phase start [s]
MAX_TRIGGERS = 4

#: Parameters of a guided law (compiled guidance, :mod:`sim.core.guidance`).
GUIDE = Layout(
    "guide",
    [
        ("target_lat", "rad", "geodetic target latitude"),
        ("target_lon", "rad", "target longitude"),
        ("period", "s", "guidance cycle"),
        ("bank_rate_limit", "rad s^-1", "largest roll rate of the bank"),
        ("final_altitude", "m", "where predictions stop"),
        ("min_bank", "rad", "smallest bank magnitude"),
        ("max_bank", "rad", "largest bank magnitude"),
        ("deadband_high", "m", "crossrange deadband at speed_high"),
        ("deadband_low", "m", "crossrange deadband at speed_low"),
        ("speed_high", "m s^-1", ""),
        ("speed_low", "m s^-1", ""),
        ("stop_speed", "m s^-1", "below it the command is frozen"),
        ("tolerance", "m", "downrange tolerance of the corrector"),
        ("filter_gain", "-", "drag-ratio filter gain per cycle"),
        ("predictor_step", "s", "fixed RK4 predictor step in the atmosphere; 0: adaptive"),
        ("predictor_rtol", "-", "relative tolerance of the adaptive predictor"),
        ("lift_filter_gain", "-", "lift-ratio filter gain per cycle (0: no estimate)"),
        ("load_limit", "g0", "largest predicted sensed load the bank may lead to (0: none)"),
        ("heat_limit", "W m^-2", "largest predicted heat flux the bank may lead to (0: none)"),
    ],
)

#: The state of a guided law during a flight.
GSTATE = Layout(
    "guidance state",
    [
        ("drag_ratio", "-", "estimated real / modelled drag"),
        ("lift_ratio", "-", "estimated real / modelled lift-to-drag ratio"),
        ("magnitude", "rad", "current bank magnitude"),
        ("sign", "-", "current bank sign (0: not chosen yet)"),
        ("slope", "m rad^-1", "last secant slope of downrange against bank (NaN: none)"),
        ("command", "rad", "current bank command (NaN: none yet)"),
        ("frozen", "-", "1 after the command froze"),
        ("cycles", "-", "guidance cycles run"),
        ("reversals", "-", "bank reversals commanded"),
        ("downrange", "m", "last predicted downrange error (+ overshoot)"),
        ("crossrange", "m", "last predicted crossrange error (+ left)"),
        ("predictions", "-", "predictions flown"),
        ("phase", "-", "index of the guided phase flying"),
        ("peak_g", "g0", "predicted peak load of the commanded magnitude"),
        ("peak_heat_flux", "W m^-2", "predicted peak heat flux of the commanded magnitude"),
        ("limited", "-", "1 when the last cycle's magnitude was held back by a limit"),
        ("limit_time", "s", "first time a limit held the magnitude back (NaN: never)"),
        ("limit_cycles", "-", "cycles in which a limit held the magnitude back"),
        ("limit_downrange", "m", "predicted downrange error when a limit last held it back"),
        ("last_sensed", "m s^-2", "sensed specific force at the last cycle (NaN: none)"),
        ("relief_shift", "-", "how far the load relief's band is raised (0: lowest, 1: top)"),
    ],
)

#: Columns of the guidance history (one row per cycle).
GHISTORY = Layout(
    "guidance history",
    [
        ("time", "s", "cycle time"),
        ("bank_command_deg", "deg", "commanded bank"),
        ("predicted_downrange_km", "km", "predicted downrange error at the final altitude"),
        ("predicted_crossrange_km", "km", "predicted crossrange error"),
        ("drag_ratio", "-", "estimated drag ratio"),
        ("lift_ratio", "-", "estimated lift-to-drag ratio, real / modelled"),
        ("reversal", "-", "1 if the cycle reversed the bank"),
        ("phase", "-", "index of the phase"),
        ("predicted_peak_g", "g0", "predicted peak sensed load of the commanded magnitude"),
        ("limited", "-", "1 if a load or heat-rate limit held the magnitude back"),
    ],
)

#: Integrator and termination settings of a program.
SETTINGS = Layout(
    "settings",
    [
        ("rtol", "-", "relative tolerance"),
        ("max_time", "s", "time limit after t0"),
        ("ground_altitude", "m", "the flight lands when falling through it"),
        ("ceiling_altitude", "m", "skip-out when rising through it"),
        ("max_steps", "-", "accepted-step limit"),
        ("entry_interface", "m", "altitude whose crossing is recorded (approach azimuth)"),
        ("g_threshold", "g0", "load threshold of the time-above summary"),
        ("store", "-", "1: keep every step and its interpolant"),
        ("stiff_phases", "-", "1: fly canopy phases with the Rosenbrock method, 0: Dormand-Prince"),
        ("max_wall_time", "s", "wall-clock limit of the run (0: none; see sim.core.abort)"),
        ("watch_interrupt", "-", "1: stop on Ctrl-C (a run in the main thread only)"),
    ],
)

#: Statuses of a flight.
STATUSES = Layout(
    "statuses",
    [
        ("running", "-", "not finished"),
        ("landed", "-", "reached the ground"),
        ("skipped_out", "-", "rose through the ceiling"),
        ("time_limit", "-", "reached the time limit"),
        ("failed", "-", "the integrator failed (step size underflow, non-finite state)"),
        ("stopped", "-", "the last phase ended on one of its own triggers"),
        ("step_limit", "-", "reached the accepted-step limit"),
        ("storage_full", "-", "the arrays for the stored steps were full (fly again with more)"),
        ("wall_time", "-", "reached the wall-clock limit (SETTINGS.max_wall_time)"),
        ("interrupted", "-", "stopped by Ctrl-C (SETTINGS.watch_interrupt)"),
    ],
)

#: Kinds of an event-log entry.
EVENT_KINDS = Layout(
    "event kinds",
    [
        ("trigger", "-", "a phase trigger fired"),
        ("ground", "-", "reached the ground"),
        ("ceiling", "-", "rose through the ceiling"),
        ("time_limit", "-", "time limit"),
        ("skipped", "-", "a phase was skipped: its trigger was already past at its start"),
        ("failed", "-", "integration failed"),
        ("step_limit", "-", "step limit"),
        ("wall_time", "-", "wall-clock limit"),
        ("interrupted", "-", "stopped by Ctrl-C"),
    ],
)

#: Columns of the event log.
EVENT = Layout(
    "event",
    [
        ("time", "s", ""),
        ("altitude", "m", ""),
        ("kind", "-", "a code of EVENT_KINDS"),
        ("phase", "-", "phase index"),
        ("trigger", "-", "trigger index within the phase (-1: none)"),
    ],
)
MAX_EVENTS = 32

#: What a flight reports without keeping its trajectory.
SUMMARY = Layout(
    "summary",
    [
        ("status", "-", "a code of STATUSES"),
        ("n_events", "-", "rows of the event log in use"),
        ("t_end", "s", "final time"),
        ("peak_g", "g0", "peak sensed load"),
        ("peak_g_time", "s", ""),
        ("peak_g_altitude", "m", ""),
        ("peak_g_eyeballs_out", "g0", "peak eyeballs-out load (0: none)"),
        ("time_above_g", "s", "time above SETTINGS.g_threshold"),
        ("peak_heat_flux", "W m^-2", ""),
        ("peak_dynamic_pressure", "Pa", ""),
        ("heat_load", "J m^-2", "at the end"),
        ("final_speed", "m s^-1", "air-relative, at the end (touchdown speed when landed)"),
        ("final_lat", "rad", "geodetic"),
        ("final_lon", "rad", ""),
        ("final_altitude", "m", ""),
        ("entry_time", "s", "when the flight first fell through SETTINGS.entry_interface"),
        ("entry_lat", "rad", "NaN if it started below"),
        ("entry_lon", "rad", ""),
        ("steps", "-", "accepted integrator steps"),
        ("rejected", "-", "rejected integrator steps"),
        ("rhs_calls", "-", "right-hand-side evaluations"),
        ("guidance_cycles", "-", ""),
        ("guidance_reversals", "-", ""),
        ("guidance_downrange", "m", "last predicted downrange error (NaN: no guidance)"),
        ("guidance_crossrange", "m", "last predicted crossrange error"),
        ("guidance_predictions", "-", "predictions flown by the guidance"),
        ("guidance_limit_time", "s", "first time a guidance limit held the bank back (NaN)"),
        ("guidance_limit_cycles", "-", "guidance cycles in which a limit held the bank back"),
        ("guidance_limit_downrange", "m", "predicted downrange error when a limit last acted"),
        ("final_mass", "kg", ""),
        ("stored_rows", "-", "rows of the stored steps in use"),
        ("stored_segments", "-", "stored segments in use"),
    ],
)

I = INIT.index  # noqa: E741 (the init index, like S and P)
PH = PHASE.index
TR = TRIGGER.index
G = GUIDE.index
GS = GSTATE.index
GH = GHISTORY.index
ST = SETTINGS.index
SM = SUMMARY.index
EV = EVENT.index
STATUS = STATUSES.index
EK = EVENT_KINDS.index
CONTROL = CONTROLS.index
INIT_KIND = INIT_KINDS.index


#: A stored step of a trajectory: its time, its segment, the step it ends (start and
#: size: the interpolant's domain) and the state there, then the step's dense-output
#: coefficients (N_DENSE rows of the state).
N_DENSE = 5
STORED = Layout(
    "stored",
    [
        ("t", "s", "time of the row"),
        ("segment", "-", "index of the stored segment"),
        ("step_t0", "s", "start of the step that ends here (the row starting a segment: itself)"),
        ("step_h", "s", "size of that step (0: the row starting a segment)"),
        *[(f"y_{name}", unit, f"state: {text}") for name, unit, text in STATE.slots],
        *[
            (f"coef_{k}_{name}", unit, "dense-output coefficient")
            for k in range(N_DENSE)
            for name, unit, _ in STATE.slots
        ],
    ],
)
R = STORED.index
#: Columns of a stored segment: its physics row, then its phase.
SEGMENT_SIZE = N_PARAMS + 1
