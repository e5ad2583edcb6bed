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
        ("bank_command", "rad", "commanded bank (slew)"),
        ("attitude", "-", "+1 heat shield first (eyeballs-in), -1 hatch first"),
    ],
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
    ],
)

#: Bank-angle profiles of a segment (see :func:`sim.core.dynamics.bank_angle`).
BANK_MODES = Layout(
    "bank modes",
    [
        ("constant", "-", "sigma = bank0"),
        ("rolling", "-", "sigma = bank0 + bank_rate (t - bank_t0)"),
        ("slew", "-", "from bank0 at bank_t0 toward bank_command at |rate| <= bank_rate"),
    ],
)

S = STATE.index
P = PARAMS.index
O = OUTPUTS.index  # noqa: E741 (the output-column index, like S and P)
Q = EVENT_QUANTITIES.index
BANK = BANK_MODES.index
N_STATE = STATE.size
N_PARAMS = PARAMS.size
N_OUTPUTS = OUTPUTS.size

#: Attitude names -> the sign of the eyeballs-in load.
ATTITUDES = {"heat_shield_first": 1.0, "hatch_first": -1.0}


class FlightState(NamedTuple):
    """Everything the right-hand side and the outputs derive from one state (SI)."""

    lat: float  #: geodetic latitude [rad]
    lon: float  #: longitude [rad]
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
