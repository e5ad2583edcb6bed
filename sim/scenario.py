"""Scenario files: TOML -> validated configuration -> built models (the one place).

A scenario file describes one flight: the initial state (an entry state, or an orbit and a
deorbit burn), the vehicles, the phases with their control laws and triggers, the Earth
and atmosphere models, the target and the simulation settings. ``configs/README.md`` is
the reference of every key. This module is the only one that turns configuration into
objects; everything else receives built objects.

- :func:`load_scenario` reads a file (following ``extends`` chains), applies overrides,
  validates every key and builds a frozen :class:`Scenario`.
- :func:`run_scenario` flies it and returns the :class:`~sim.results.Trajectory`.

Errors in a file are :class:`ScenarioError` naming the file, the dotted key and what was
expected; there is no silent default for a required value.
"""

import copy
import csv
import dataclasses
import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np

from sim.atmosphere import ExponentialAtmosphere, StandardAtmosphere1976, TabulatedAtmosphere
from sim.earth import EarthModel
from sim.events import Trigger
from sim.guidance import ConstantBank, GuidedBank, RollingBank
from sim.initial import BurnSpec, OrbitSpec, State, entry_state, impulsive_burn
from sim.reference_data import DOCUMENTED
from sim.simulate import Phase, simulate
from sim.targeting import TargetingError, solve_deorbit
from sim.vehicle import Engine, Parachute, Vehicle

__all__ = [
    "Scenario",
    "ScenarioError",
    "SimulationSettings",
    "TargetingSpec",
    "dump_config",
    "load_scenario",
    "parse_override",
    "read_atmosphere_table",
    "resolve_config",
    "run_scenario",
]

#: Value of an override that removes the key (``--unset KEY`` on the command line).
REMOVE = None

_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


class ScenarioError(ValueError):
    """A problem in a scenario file, or in an override of it.

    Attributes
    ----------
    file : str or None
        The file the offending value came from.
    key : str or None
        Dotted key (list items by 0-based index: ``phases.1.until.0.altitude_km``).
    expected : str
        What was expected there (and what was found).
    """

    def __init__(self, file, key, expected):
        self.file = None if file is None else str(file)
        self.key = key
        self.expected = expected
        super().__init__(str(self))

    def __str__(self):
        return ": ".join(str(p) for p in (self.file, self.key, self.expected) if p)

    def __reduce__(self):
        return (type(self), (self.file, self.key, self.expected))


# ---------------------------------------------------------------------------------------
# Built value types
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulationSettings:
    """Integrator settings of :func:`sim.simulate.simulate` (SI).

    Attributes
    ----------
    rtol : float
    max_time : float
        [s].
    ground_altitude : float
        [m] above the ellipsoid.
    ceiling_altitude : float or None
        [m]; None: the simulator's default.
    method : str
    """

    rtol: float = 1e-8
    max_time: float = 20000.0
    ground_altitude: float = 0.0
    ceiling_altitude: float | None = None
    method: str = "DOP853"


@dataclass(frozen=True)
class TargetingSpec:
    """Deorbit targeting request (see :func:`sim.targeting.solve_deorbit`).

    Attributes
    ----------
    ascending : bool
        Reach the target on the ascending (northbound) pass.
    reference_bank : float
        Reference bank magnitude of the reference descent [rad].
    entry_vehicle : str
        Name of the vehicle that flies the reference descent after separation.
    tolerance : float
        Landing tolerance of the solver [m].
    """

    ascending: bool
    reference_bank: float
    entry_vehicle: str
    tolerance: float = 50.0


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated, built scenario (what :func:`load_scenario` returns).

    Attributes
    ----------
    name : str
    path : pathlib.Path
        The scenario file.
    description : str
    reference : bool
        The baseline of a comparison.
    config : dict
        The configuration as resolved after ``extends`` and overrides (paths made
        absolute), what ``--out`` writes back.
    epoch : datetime or None
        UTC of t = 0.
    initial : State
        The state the simulation starts from (after an impulsive burn, or at the start of
        a finite one).
    orbit : OrbitSpec or None
        The orbit of an orbit start (raan and argument of latitude solved by targeting).
    burn : BurnSpec or None
    phases : tuple of Phase
        As flown: a finite burn is a ``"deorbit burn"`` phase before the file's phases.
    vehicles : dict of str -> Vehicle
    atmosphere, earth
        Built models.
    target : tuple of float or None
        Planned landing point (geodetic latitude, longitude) [rad].
    simulation : SimulationSettings
    targeting : TargetingSpec or None
    targeting_solution : object or None
        What :func:`sim.targeting.solve_deorbit` returned.
    documented : tuple of (str, str) or None
        (flight, case) of :data:`sim.reference_data.DOCUMENTED` this scenario stands for.
    """

    name: str
    path: Path
    description: str
    reference: bool
    config: dict
    epoch: datetime | None
    initial: State
    orbit: OrbitSpec | None
    burn: BurnSpec | None
    phases: tuple
    vehicles: dict
    atmosphere: object
    earth: EarthModel
    target: tuple | None
    simulation: SimulationSettings
    targeting: TargetingSpec | None = None
    targeting_solution: object = None
    documented: tuple | None = None

    def fixed_burn_overrides(self):
        """Overrides that pin this scenario's solved burn point (no targeting).

        Sweeps and Monte Carlo runs apply these to every sample, so that a dispersion
        moves the landing instead of being re-targeted away. Empty without an orbit.
        """
        if self.orbit is None or self.targeting is None:
            return {}
        return {
            "targeting": REMOVE,
            "initial.raan_deg": math.degrees(self.orbit.raan),
            "initial.argument_of_latitude_deg": math.degrees(self.orbit.argument_of_latitude),
        }


# ---------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------
def load_scenario(path, overrides=None) -> Scenario:
    """Read, validate and build a scenario file.

    Parameters
    ----------
    path : str or path-like
        A TOML scenario file.
    overrides : dict of str -> value, optional
        Dotted keys (list items by 0-based index) and values applied after ``extends``
        and validated like values from the file, e.g.
        ``{"vehicles.descent_module.mass_kg": 2950, "phases.1.until.0.altitude_km": 90}``.
        A value of ``None`` (:data:`REMOVE`) removes the key.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, invalid TOML, an unknown key, a wrong type, a
        missing required key or a non-physical value.
    """
    path = Path(path)
    config, origin = resolve_config(path, overrides)
    return _Builder(path, config, origin).build()


def resolve_config(path, overrides=None):
    """The configuration of a file after ``extends`` and overrides, not yet validated.

    Returns
    -------
    config : dict
    origin : dict
        Key tuple -> the file (or override) each value came from, for error messages;
        its ``overrides`` attribute lists the overrides applied.
    """
    path = Path(path)
    config, origin = _load_tree(path, ())
    origin = _Provenance(origin)
    for key, value in (overrides or {}).items():
        origin.overrides.append((_apply_override(path, config, origin, key, value), key))
    return config, origin


class _Provenance(dict):
    """Key tuple -> the file each value came from, and the overrides applied (key tuple,
    dotted key), in order, so that an error left by an override can name it."""

    def __init__(self, origin):
        super().__init__(origin)
        self.overrides = []


def run_scenario(scenario: Scenario):
    """Fly a scenario: :func:`sim.simulate.simulate` with its built objects.

    Returns
    -------
    Trajectory
    """
    s = scenario.simulation
    return simulate(scenario.initial, scenario.phases, atmosphere=scenario.atmosphere,
                    earth=scenario.earth, ground_altitude=s.ground_altitude,
                    ceiling_altitude=s.ceiling_altitude, max_time=s.max_time, rtol=s.rtol,
                    method=s.method)


def parse_override(text):
    """Split a command-line ``KEY=VALUE`` into (key, value).

    VALUE is read as a TOML value (``2950``, ``1.5e3``, ``true``, ``"text"``, ``[1, 2]``,
    ``{ law = "rolling", roll_rate_deg_s = 13 }``); anything that is not valid TOML is
    taken as a bare string (``atmosphere.model=exponential``).
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError("--set", text, "KEY=VALUE (e.g. vehicles.descent_module.mass_kg"
                            "=2950)")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def read_atmosphere_table(path, density_scale=1.0):
    """Read a tabulated atmosphere from a CSV file.

    The file has a header row naming the columns ``altitude_km``, ``density_kg_m3`` and
    ``temperature_k`` (any order; other columns are ignored); blank lines and lines
    starting with ``#`` are skipped. Altitudes must increase strictly, densities and
    temperatures be positive.

    Returns
    -------
    TabulatedAtmosphere

    Raises
    ------
    ScenarioError
        Naming the file and the line of the problem.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError(path, None, f"a readable CSV file ({exc.strerror})") from None
    need = ("altitude_km", "density_kg_m3", "temperature_k")
    header = None
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([stripped]))]
        if header is None:
            missing = [n for n in need if n not in cells]
            if missing:
                raise ScenarioError(path, f"line {lineno}",
                                    f"a header with the columns {', '.join(need)} "
                                    f"(missing {', '.join(missing)})")
            header = {n: cells.index(n) for n in need}
            continue
        values = []
        for n in need:
            k = header[n]
            try:
                v = float(cells[k])
            except (IndexError, ValueError):
                got = cells[k] if k < len(cells) else "nothing"
                raise ScenarioError(path, f"line {lineno}",
                                    f"a number in column {n}, not {got!r}") from None
            if not math.isfinite(v):
                raise ScenarioError(path, f"line {lineno}", f"a finite {n}, not {v}")
            if n != "altitude_km" and v <= 0:
                raise ScenarioError(path, f"line {lineno}", f"a positive {n}, not {v:g}")
            values.append(v)
        if rows and values[0] <= rows[-1][1][0]:
            raise ScenarioError(path, f"line {lineno}",
                                "altitude_km strictly increasing, "
                                f"not {values[0]:g} after {rows[-1][1][0]:g}")
        rows.append((lineno, values))
    if header is None or len(rows) < 2:
        raise ScenarioError(path, None, "a header and at least two rows of "
                            "altitude_km, density_kg_m3, temperature_k")
    data = np.array([v for _, v in rows])
    return TabulatedAtmosphere(data[:, 0] * 1e3, data[:, 1], data[:, 2],
                               density_scale=density_scale)


def dump_config(config):
    """A resolved configuration as TOML text (readable back by :func:`load_scenario`)."""
    lines = []
    _dump_table(config, (), lines)
    return "\n".join(lines).strip() + "\n"


# ---------------------------------------------------------------------------------------
# Reading files: extends, merging, overrides, provenance
# ---------------------------------------------------------------------------------------
def _read_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ScenarioError(path, None, "an existing scenario file (not found)") from None
    except IsADirectoryError:
        raise ScenarioError(path, None, "a scenario file, not a directory") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"a readable file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, f"valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, None, "a UTF-8 text file") from None


def _origins(node, prefix, file, out):
    out[prefix] = file
    if isinstance(node, dict):
        for k, v in node.items():
            _origins(v, prefix + (k,), file, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _origins(v, prefix + (i,), file, out)
    return out


def _drop_origins(origin, prefix):
    n = len(prefix)
    for key in [k for k in origin if k[:n] == prefix]:
        del origin[key]


def _load_tree(path, chain):
    """(config, origin) of a file with its ``extends`` chain merged under it."""
    real = Path(os.path.abspath(path))
    data = _read_toml(path)
    atm = data.get("atmosphere")
    if isinstance(atm, dict) and isinstance(atm.get("file"), str):
        atm["file"] = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)),
                                                    atm["file"]))
    base_name = data.pop("extends", None)
    origin = _origins(data, (), str(path), {})
    if base_name is None:
        return data, origin
    if not isinstance(base_name, str) or not base_name:
        raise ScenarioError(path, "extends",
                            f"a file name relative to this file, not {_describe(base_name)}")
    base_path = Path(os.path.normpath(Path(path).parent / base_name))
    if not base_path.is_file():
        raise ScenarioError(path, "extends", f"an existing base file ({base_path} not found)")
    chain = (*chain, real)
    real_base = Path(os.path.abspath(base_path))
    if real_base in chain:
        cycle = " -> ".join(str(p) for p in (*chain[chain.index(real_base):], real_base))
        raise ScenarioError(path, "extends", f"a chain without cycles, not {cycle}")
    base, base_origin = _load_tree(base_path, chain)
    _merge(base, data, base_origin, origin, ())
    return base, base_origin


def _merge(base, child, base_origin, child_origin, prefix):
    """Merge child into base in place: tables recursively, anything else replaced whole."""
    for k, v in child.items():
        key = prefix + (k,)
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base_origin[key] = child_origin[key]
            _merge(base[k], v, base_origin, child_origin, key)
        else:
            _drop_origins(base_origin, key)
            base[k] = v
            n = len(key)
            base_origin.update({kk: f for kk, f in child_origin.items() if kk[:n] == key})


def _apply_override(path, config, origin, dotted, value):
    where = f"{path} (override)"
    if not isinstance(dotted, str) or not dotted or any(not p for p in dotted.split(".")):
        raise ScenarioError(where, dotted, "a dotted key such as vehicles.stack.mass_kg")
    parts = dotted.split(".")
    node = config
    keys = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(where, dotted, f"an index 0..{len(node) - 1} of "
                                    f"{'.'.join(map(str, keys)) or 'the list'}, not {part!r}")
            part = int(part)
        elif not isinstance(node, dict):
            raise ScenarioError(where, dotted, f"{'.'.join(map(str, keys))} to be a table "
                                f"or list, not {_describe(node)}")
        keys.append(part)
        if last:
            _drop_origins(origin, tuple(keys))
            if value is REMOVE:
                if isinstance(node, list):
                    raise ScenarioError(where, dotted, "a table key to remove, not a list "
                                        "item")
                if part not in node:
                    raise ScenarioError(where, dotted, "an existing key to remove"
                                        + _did_you_mean(part, node))
                node.pop(part)
                return tuple(keys)
            else:
                node[part] = copy.deepcopy(value)
                _origins(node[part], tuple(keys), where, origin)
            return tuple(keys)
        if isinstance(node, dict) and part not in node:
            if value is REMOVE:
                raise ScenarioError(where, dotted, "an existing key to remove"
                                    + _did_you_mean(part, node))
            node[part] = {}
            origin[tuple(keys)] = where
        node = node[part]


def _did_you_mean(part, table):
    close = difflib.get_close_matches(str(part), [str(k) for k in table], n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (no {part!r} here)"


def _describe(value):
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return f"{type(value).__name__} {value!r}"


# ---------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------
class _Table:
    """A table of the configuration being read: typed getters that record which keys were
    used, and :meth:`done` that rejects the rest."""

    def __init__(self, builder, data, path):
        self.b = builder
        self.data = data
        self.path = tuple(path)
        self.used = set()

    def error(self, key, expected):
        keys = self.path + ((key,) if key is not None else ())
        return self.b.error(keys, expected)

    def has(self, key):
        return key in self.data

    def number(self, key, unit="", *, required=True, default=None, gt=None, ge=None,
               le=None, lt=None):
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.error(key, f"{_number_text(unit, gt, ge, le, lt)} (required)")
            return default
        v = self.data[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.error(key, f"{_number_text(unit, gt, ge, le, lt)}, not {_describe(v)}")
        v = float(v)
        bad = (not math.isfinite(v) or (gt is not None and not v > gt)
               or (ge is not None and not v >= ge) or (le is not None and not v <= le)
               or (lt is not None and not v < lt))
        if bad:
            raise self.error(key, f"{_number_text(unit, gt, ge, le, lt)}, not {v:g}")
        return v

    def string(self, key, *, choices=None, required=True, default=None, what="a string"):
        self.used.add(key)
        if key not in self.data:
            if required:
                exp = _choices_text(choices) if choices else what
                raise self.error(key, f"{exp} (required)")
            return default
        v = self.data[key]
        if not isinstance(v, str):
            exp = _choices_text(choices) if choices else what
            raise self.error(key, f"{exp}, not {_describe(v)}")
        if choices and v not in choices:
            hint = difflib.get_close_matches(v, choices, n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise self.error(key, f"{_choices_text(choices)}, not {v!r}{extra}")
        return v

    def boolean(self, key, *, default):
        self.used.add(key)
        if key not in self.data:
            return default
        v = self.data[key]
        if not isinstance(v, bool):
            raise self.error(key, f"true or false, not {_describe(v)}")
        return v

    def _typed(self, key, kind, required, what):
        """The value of ``key`` if it is a ``kind`` (None if absent and not required)."""
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.error(key, f"{what} (required)")
            return None
        v = self.data[key]
        if not isinstance(v, kind):
            raise self.error(key, f"{what}, not {_describe(v)}")
        return v

    def table(self, key, *, required=True, what="a table"):
        v = self._typed(key, dict, required, what)
        return None if v is None else _Table(self.b, v, self.path + (key,))

    def list(self, key, *, required=True, what="a list"):
        return self._typed(key, list, required, what)

    def number_list(self, key, unit="", *, min_length=1, ge=None, gt=None):
        values = self.list(key, what=f"a list of numbers [{unit}]" if unit else
                           "a list of numbers")
        if len(values) < min_length:
            raise self.error(key, f"a list of at least {min_length} numbers, "
                             f"not {len(values)}")
        out = []
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise self.b.error(self.path + (key, i), f"a finite number, not {_describe(v)}")
            if (ge is not None and v < ge) or (gt is not None and v <= gt):
                raise self.b.error(self.path + (key, i), f"{_number_text(unit, gt, ge)}, "
                                   f"not {v:g}")
            out.append(float(v))
        return np.array(out)

    def done(self):
        unknown = sorted(set(self.data) - self.used, key=str)
        if unknown:
            key = unknown[0]
            known = sorted(self.used)
            hint = difflib.get_close_matches(str(key), known, n=1)
            extra = f"did you mean {hint[0]!r}? " if hint else ""
            raise self.error(key, f"no such key ({extra}known keys here: "
                             f"{', '.join(known) or 'none'})")


def _number_text(unit, gt=None, ge=None, le=None, lt=None):
    text = "a number"
    conds = []
    if gt is not None:
        conds.append(f"> {gt:g}")
    if ge is not None:
        conds.append(f">= {ge:g}")
    if lt is not None:
        conds.append(f"< {lt:g}")
    if le is not None:
        conds.append(f"<= {le:g}")
    if conds:
        text += " " + " and ".join(conds)
    if unit:
        text += f" [{unit}]"
    return text


def _choices_text(choices):
    return "one of " + ", ".join(repr(c) for c in choices)


# ---------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------
#: Trigger keys: config key -> (Trigger quantity, factor to SI, unit, lower bound)
_TRIGGERS = {
    "altitude_km": ("altitude", 1e3, "km", None),
    "dynamic_pressure_pa": ("dynamic_pressure", 1.0, "Pa", 0.0),
    "heat_load_mj_m2": ("heat_load", 1e6, "MJ m^-2", 0.0),
    "mach": ("mach", 1.0, "-", 0.0),
    "time_s": ("time", 1.0, "s", 0.0),
    "phase_time_s": ("phase_time", 1.0, "s", 0.0),
    "speed_m_s": ("speed", 1.0, "m s^-1", 0.0),
}
_DIRECTIONS = {"falling": -1, "rising": 1, "either": 0}

#: Guided-law keys: config key -> (GuidedBank field, factor to SI, unit, bounds)
_GUIDED_KEYS = {
    "period_s": ("period", 1.0, "s", {"gt": 0.0}),
    "bank_rate_limit_deg_s": ("bank_rate_limit", math.pi / 180.0, "deg s^-1", {"gt": 0.0}),
    "min_bank_deg": ("min_bank", math.pi / 180.0, "deg", {"ge": 0.0, "le": 180.0}),
    "max_bank_deg": ("max_bank", math.pi / 180.0, "deg", {"ge": 0.0, "le": 180.0}),
    "deadband_high_km": ("deadband_high", 1e3, "km", {"ge": 0.0}),
    "deadband_low_km": ("deadband_low", 1e3, "km", {"ge": 0.0}),
    "speed_high_m_s": ("speed_high", 1.0, "m s^-1", {"gt": 0.0}),
    "speed_low_m_s": ("speed_low", 1.0, "m s^-1", {"ge": 0.0}),
    "stop_speed_m_s": ("stop_speed", 1.0, "m s^-1", {"ge": 0.0}),
    "tolerance_m": ("tolerance", 1.0, "m", {"gt": 0.0}),
    "density_filter_gain": ("density_filter_gain", 1.0, "-", {"ge": 0.0, "le": 1.0}),
    "predictor_step_s": ("predictor_step", 1.0, "s", {"gt": 0.0}),
}


class _Builder:
    def __init__(self, path, config, origin):
        self.path = Path(path)
        self.config = config
        self.origin = origin

    def error(self, keys, expected):
        keys = tuple(keys)
        file = str(self.path)
        for n in range(len(keys), -1, -1):
            if keys[:n] in self.origin:
                file = self.origin[keys[:n]]
                break
        dotted = ".".join(str(k) for k in keys) or None
        if not file.endswith("(override)"):
            # a value missing or left inconsistent by an override: name the override too
            applied = getattr(self.origin, "overrides", ())
            own = [d for k, d in applied if keys[:len(k)] == k]  # this key or a table above
            near = [d for k, d in applied if k[:-1] == keys[:-1]]  # a key beside it
            if own or near:
                file = f"{file} (after the override {(own or near)[-1]})"
        return ScenarioError(file, dotted, expected)

    # -- the whole file ---------------------------------------------------------------------
    def build(self):
        top = _Table(self, self.config, ())
        name = top.string("name", required=False, default=self.path.stem)
        if not _NAME_RE.match(name):
            raise top.error("name", "a name of letters, digits, '_', '-' and '.' (it names "
                            f"output files), not {name!r}")
        description = top.string("description", required=False, default="")
        reference = top.boolean("reference", default=False)
        epoch = self._epoch(top)
        simulation = self._simulation(top.table("simulation", required=False))
        earth = self._earth(top.table("earth", required=False))
        atmosphere = self._atmosphere(top.table("atmosphere", what="an [atmosphere] table"))
        target = self._target(top.table("target", required=False))
        documented = self._documented(top.table("documented", required=False))
        vehicles = self._vehicles(top.table("vehicles", what="a [vehicles] table"))
        phase_items = top.list("phases", what="a list of [[phases]] tables")
        if not phase_items:
            raise top.error("phases", "at least one [[phases]] table")
        phases = tuple(self._phase(i, item, vehicles, target, atmosphere)
                       for i, item in enumerate(phase_items))
        names = [p.name for p in phases]
        for i, n in enumerate(names):
            if names.index(n) != i:
                raise self.error(("phases", i, "name"), f"a name unique among the phases "
                                 f"({n!r} is also phase {names.index(n)})")

        initial_t = top.table("initial", what="an [initial] table")
        kind = initial_t.string("type", choices=("entry", "orbit"))
        orbit = burn = targeting = solution = None
        deorbit_t = top.table("deorbit", required=False)
        targeting_t = top.table("targeting", required=False)
        if kind == "entry":
            for key, t in (("deorbit", deorbit_t), ("targeting", targeting_t)):
                if t is not None:
                    raise top.error(key, "no such table for initial.type = 'entry' (only "
                                    "an orbit start has a deorbit burn)")
            initial = self._entry(initial_t, earth, epoch)
            flown = phases
        else:
            if deorbit_t is None:
                raise top.error("deorbit", "a [deorbit] table (required for initial.type "
                                "= 'orbit')")
            burn = self._burn(deorbit_t)
            if targeting_t is not None:
                targeting = self._targeting_spec(targeting_t, vehicles)
            orbit = self._orbit(initial_t, epoch, targeting)
            if targeting is not None:
                if target is None:
                    raise top.error("target", "a [target] table (deorbit targeting steers "
                                    "the burn to it)")
                solution = self._targeting(phase_items, phases, vehicles, orbit, burn,
                                           targeting, target, atmosphere, earth)
                orbit = solution.orbit
            initial, flown = _flight_from_orbit(orbit, burn, phases, earth)
        top.done()
        return Scenario(name=name, path=self.path, description=description,
                        reference=reference, config=self.config, epoch=epoch,
                        initial=initial, orbit=orbit, burn=burn, phases=tuple(flown),
                        vehicles=vehicles, atmosphere=atmosphere, earth=earth, target=target,
                        simulation=simulation, targeting=targeting,
                        targeting_solution=solution, documented=documented)

    # -- sections ---------------------------------------------------------------------------
    def _epoch(self, top):
        top.used.add("epoch_utc")
        if not top.has("epoch_utc"):
            return None
        v = top.data["epoch_utc"]
        expected = "a UTC date and time such as \"2008-04-19T07:41:00Z\""
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v)
            except ValueError:
                raise top.error("epoch_utc", f"{expected}, not {v!r}") from None
        if not isinstance(v, datetime):
            raise top.error("epoch_utc", f"{expected}, not {_describe(v)}")
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        v = v.astimezone(UTC)
        self.config["epoch_utc"] = v.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z",
                                                                              "Z")
        return v

    def _simulation(self, t):
        if t is None:
            return SimulationSettings()
        d = SimulationSettings()
        ceiling = t.number("ceiling_altitude_km", "km", required=False, gt=0.0)
        s = SimulationSettings(
            rtol=t.number("rtol", required=False, default=d.rtol, gt=0.0, lt=1.0),
            max_time=t.number("max_time_s", "s", required=False, default=d.max_time, gt=0.0),
            ground_altitude=t.number("ground_altitude_m", "m", required=False,
                                     default=d.ground_altitude, gt=-1e4, lt=1e4),
            ceiling_altitude=None if ceiling is None else ceiling * 1e3,
            method=t.string("method", required=False, default=d.method,
                            choices=("DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA")),
        )
        t.done()
        return s

    def _earth(self, t):
        if t is None:
            return EarthModel()
        j2 = t.boolean("j2", default=True)
        rotation = t.boolean("rotation", default=True)
        t.done()
        d = EarthModel()
        return EarthModel(j2=d.j2 if j2 else 0.0,
                          rotation_rate=d.rotation_rate if rotation else 0.0)

    def _atmosphere(self, t):
        model = t.string("model", choices=("ussa76", "exponential", "table"))
        scale = t.number("density_scale", required=False, default=1.0, ge=0.0)
        if model == "ussa76":
            atm = StandardAtmosphere1976(scale)
        elif model == "exponential":
            atm = ExponentialAtmosphere(
                t.number("surface_density_kg_m3", "kg m^-3", required=False, default=1.225,
                         gt=0.0),
                t.number("scale_height_km", "km", gt=0.0) * 1e3, scale)
        else:
            file = t.string("file", what="a CSV file name, relative to the scenario file")
            if not os.path.isfile(file):
                raise t.error("file", f"an existing CSV file ({file} not found)")
            atm = read_atmosphere_table(file, scale)
        t.done()
        return atm

    def _target(self, t):
        if t is None:
            return None
        lat = t.number("latitude_deg", "deg", ge=-90.0, le=90.0)
        lon = t.number("longitude_deg", "deg", ge=-360.0, le=360.0)
        t.done()
        return (math.radians(lat), math.radians(lon))

    def _documented(self, t):
        if t is None:
            return None
        flight = t.string("flight", choices=tuple(DOCUMENTED))
        case = t.string("case", choices=tuple(DOCUMENTED[flight]))
        t.done()
        return (flight, case)

    # -- vehicles ---------------------------------------------------------------------------
    def _vehicles(self, t):
        if not t.data:
            raise t.error(None, "at least one [vehicles.NAME] table")
        for name in t.data:
            t.used.add(name)
            if not isinstance(t.data[name], dict):
                raise t.error(name, f"a [vehicles.{name}] table, not {_describe(t.data[name])}")
            if not _NAME_RE.match(name):
                raise t.error(name, "a vehicle name of letters, digits, '_', '-' and '.'")
        resolved = {}
        for name in t.data:
            resolved[name] = self._vehicle_keys(t, name, ())
        vehicles = {}
        for name, (body, keys) in resolved.items():
            vehicles[name] = self._vehicle(name, body, keys)
        return vehicles

    def _vehicle_keys(self, t, name, chain):
        """(body name, key -> (value, dotted path)) of a vehicle with its base_vehicle chain."""
        if name in chain:
            raise t.error(chain[0], "a base_vehicle chain without cycles, not "
                          + " -> ".join((*chain, name)))
        data = t.data[name]
        base = data.get("base_vehicle")
        own = {k: (v, ("vehicles", name, k)) for k, v in data.items() if k != "base_vehicle"}
        if base is None:
            return name, own
        if not isinstance(base, str) or base not in t.data:
            raise self.error(("vehicles", name, "base_vehicle"),
                             f"the name of another vehicle ({', '.join(t.data)}), "
                             f"not {_describe(base)}")
        body, inherited = self._vehicle_keys(t, base, (*chain, name))
        return body, {**inherited, **own}

    def _vehicle(self, name, body, keys):
        # A table of the merged keys, reporting errors at the key's own table.
        class _VTable(_Table):
            def error(tself, key, expected):
                where = keys[key][1] if key in keys else ("vehicles", name, key)
                return self.error(where, expected)

        data = {k: v for k, (v, _) in keys.items()}
        v = _VTable(self, data, ("vehicles", name))
        mass = v.number("mass_kg", "kg", gt=0.0)
        area = v.number("reference_area_m2", "m^2", gt=0.0)
        nose = v.number("nose_radius_m", "m", gt=0.0)
        ld = v.number("lift_to_drag", required=False, default=0.0, ge=0.0, le=5.0)
        cd_mach = cd_values = np.zeros(0)
        if v.has("cd_table"):
            if v.has("drag_coefficient"):
                raise v.error("cd_table", "either drag_coefficient or cd_table, not both")
            ct = v.table("cd_table", what="a table { mach = [...], cd = [...] }")
            ct.error = lambda key, expected: v.error(
                "cd_table", f"{key}: {expected}" if key else expected)
            cd_mach = ct.number_list("mach", min_length=2, ge=0.0)
            cd_values = ct.number_list("cd", min_length=2, gt=0.0)
            ct.done()
            if cd_mach.shape != cd_values.shape:
                raise v.error("cd_table", f"mach and cd of one length, not {cd_mach.size} "
                              f"and {cd_values.size}")
            if np.any(np.diff(cd_mach) <= 0):
                raise v.error("cd_table", "mach strictly increasing")
            cd = float(cd_values[-1])  # the fastest entry: Vehicle.ballistic_coefficient only
        else:
            cd = v.number("drag_coefficient", "-", gt=0.0, le=10.0)
        chute = None
        if v.has("parachute_drag_area_m2") or v.has("parachute_fill_time_s"):
            chute = Parachute(v.number("parachute_drag_area_m2", "m^2", gt=0.0),
                              v.number("parachute_fill_time_s", "s", ge=0.0))
        v.done()
        return Vehicle(body, mass, area, nose, cd, ld, cd_mach, cd_values, parachute=chute)

    # -- phases -----------------------------------------------------------------------------
    def _phase(self, index, item, vehicles, target, atmosphere):
        path = ("phases", index)
        if not isinstance(item, dict):
            raise self.error(path, f"a [[phases]] table, not {_describe(item)}")
        t = _Table(self, item, path)
        name = t.string("name")
        vname = t.string("vehicle", choices=tuple(vehicles))
        attitude = t.string("attitude", required=False, default="heat_shield_first",
                            choices=("heat_shield_first", "hatch_first"))
        until = self._triggers(t, index)
        last = index == len(self.config["phases"]) - 1
        if not until and not last:
            raise t.error("until", "at least one trigger (only the last phase may fly to "
                          "the ground; the phases after it would never run)")
        ct = t.table("control", required=False, what="an inline table { law = ... }")
        if ct is None:
            control = ConstantBank(0.0)
        else:
            control = self._control(ct, until, target, vehicles, atmosphere)
        t.done()
        return Phase(name, vehicles[vname], control, tuple(until), attitude)

    def _triggers(self, t, index):
        items = t.list("until", required=False, what="a list of triggers such as "
                       "[{ altitude_km = 140 }]")
        triggers = []
        for k, item in enumerate(items or ()):
            path = ("phases", index, "until", k)
            if not isinstance(item, dict):
                raise self.error(path, f"a trigger table such as {{ altitude_km = 140 }}, "
                                 f"not {_describe(item)}")
            tt = _Table(self, item, path)
            quantities = [key for key in item if key in _TRIGGERS]
            if len(quantities) != 1:
                found = ", ".join(quantities) if quantities else "none"
                raise self.error(path, "exactly one quantity key of "
                                 f"{', '.join(_TRIGGERS)} (found {found})")
            key = quantities[0]
            quantity, factor, unit, lower = _TRIGGERS[key]
            value = tt.number(key, unit, ge=lower)
            if quantity == "phase_time" and value <= 0:
                raise tt.error(key, f"a number > 0 [s], not {value:g}")
            growing = quantity in ("time", "phase_time", "heat_load")
            direction = tt.string("direction", required=False, default="rising" if growing
                                  else "falling", choices=tuple(_DIRECTIONS))
            if growing and direction != "rising":
                raise tt.error("direction", f"'rising' or nothing ({quantity} only "
                               f"increases), not {direction!r}")
            tt.done()
            triggers.append(Trigger(quantity, value * factor, _DIRECTIONS[direction]))
        return triggers

    def _control(self, t, until, target, vehicles, atmosphere):
        law = t.string("law", choices=("constant", "rolling", "guided"))
        if law == "constant":
            control = ConstantBank(math.radians(t.number("bank_deg", "deg", required=False,
                                                         default=0.0, ge=-360.0, le=360.0)))
        elif law == "rolling":
            rate = t.number("roll_rate_deg_s", "deg s^-1", ge=-360.0, le=360.0)
            b0 = t.number("initial_bank_deg", "deg", required=False, ge=-360.0, le=360.0)
            control = RollingBank(math.radians(rate), None if b0 is None else math.radians(b0))
        else:
            if target is None:
                raise t.error("law", "a [target] table in the scenario for law = 'guided' "
                              "(the guidance steers to it)")
            aim = t.number("aim_altitude_km", "km", required=False, gt=0.0)
            altitudes = [trig.value for trig in until if trig.quantity == "altitude"]
            if aim is None and len(altitudes) != 1:
                raise self.error(t.path[:-1] + ("until",),
                                 "exactly one altitude trigger in a guided phase (the "
                                 "guidance predicts to that altitude), or the control's "
                                 "aim_altitude_km")
            final = altitudes[0] if aim is None else aim * 1e3
            options = {k: v for k, v in t.data.items() if k not in ("law", "aim_altitude_km")}
            t.used.update(options)
            control = _build_guided(self, t.path, options, target, final, vehicles,
                                    atmosphere)
        t.done()
        return control

    # -- initial state ----------------------------------------------------------------------
    def _entry(self, t, earth, epoch):
        state = entry_state(
            math.radians(t.number("latitude_deg", "deg", ge=-90.0, le=90.0)),
            math.radians(t.number("longitude_deg", "deg", ge=-360.0, le=360.0)),
            t.number("altitude_km", "km", gt=0.0, lt=1e5) * 1e3,
            t.number("speed_m_s", "m s^-1", gt=0.0, lt=2e4),
            math.radians(t.number("flight_path_angle_deg", "deg", ge=-90.0, le=90.0)),
            math.radians(t.number("heading_deg", "deg", ge=-360.0, le=360.0)),
            frame=t.string("frame", choices=("inertial", "relative")),
            earth=earth, epoch=epoch)
        t.done()
        return state

    def _orbit(self, t, epoch, targeting):
        perigee = t.number("perigee_altitude_km", "km", gt=0.0)
        apogee = t.number("apogee_altitude_km", "km", gt=0.0)
        if apogee < perigee:
            raise t.error("apogee_altitude_km", f"a number >= perigee_altitude_km "
                          f"({perigee:g}) [km], not {apogee:g}")
        inc = t.number("inclination_deg", "deg", ge=0.0, le=180.0)
        raan = t.number("raan_deg", "deg", required=False, ge=-360.0, le=360.0)
        if targeting is not None and t.has("argument_of_latitude_deg"):
            t.used.add("argument_of_latitude_deg")
            raise t.error("argument_of_latitude_deg", "nothing while [targeting] solves it "
                          "(remove one of the two)")
        if targeting is None and not t.has("argument_of_latitude_deg"):
            t.used.add("argument_of_latitude_deg")
            raise t.error("argument_of_latitude_deg", "a number [deg] of the burn point "
                          "(required without [targeting], which would solve it; the "
                          "solved value is in --json under targeting)")
        u = t.number("argument_of_latitude_deg", "deg", required=False, ge=-360.0, le=360.0)
        if targeting is None and raan is None:
            raise t.error("raan_deg", "a number [deg] (required without [targeting], which "
                          "would solve it; the solved value is in --json under targeting)")
        perigee_arg = t.number("argument_of_perigee_deg", "deg", required=False, default=0.0,
                               ge=-360.0, le=360.0)
        t.done()
        return OrbitSpec(perigee * 1e3, apogee * 1e3, math.radians(inc),
                         None if raan is None else math.radians(raan),
                         None if u is None else math.radians(u), math.radians(perigee_arg),
                         epoch)

    def _burn(self, t):
        kind = t.string("kind", choices=("impulsive", "finite"))
        dv = t.number("delta_v_m_s", "m s^-1", gt=0.0, lt=1e4)
        pitch = math.radians(t.number("pitch_deg", "deg", required=False, default=0.0,
                                      ge=-90.0, le=90.0))
        yaw = math.radians(t.number("yaw_deg", "deg", required=False, default=0.0,
                                    ge=-180.0, le=180.0))
        thrust = isp = None
        if kind == "finite":
            thrust = t.number("thrust_n", "N", gt=0.0)
            isp = t.number("specific_impulse_s", "s", gt=0.0)
        t.done()
        return BurnSpec(dv, kind, pitch, yaw, thrust, isp)

    def _targeting_spec(self, t, vehicles):
        spec = TargetingSpec(
            ascending=t.string("pass", choices=("ascending", "descending")) == "ascending",
            reference_bank=math.radians(t.number("reference_bank_deg", "deg", ge=0.0,
                                                 le=180.0)),
            entry_vehicle=t.string("entry_vehicle", choices=tuple(vehicles)),
            tolerance=t.number("tolerance_m", "m", required=False, default=50.0, gt=0.0),
        )
        t.done()
        return spec

    def _targeting(self, phase_items, phases, vehicles, orbit, burn, spec, target,
                   atmosphere, earth):
        first = phases[0]
        sep = [trig.value for trig in first.until if trig.quantity == "altitude"]
        if len(sep) != 1:
            raise self.error(("phases", 0, "until"), "exactly one altitude trigger in the "
                             "first phase for [targeting] (the separation altitude)")
        entry = next((k for k, item in enumerate(phase_items)
                      if item.get("vehicle") == spec.entry_vehicle), None)
        if entry is None:
            raise self.error(("targeting", "entry_vehicle"), "a vehicle that flies one of "
                             f"the phases, not {spec.entry_vehicle!r}")
        control = phases[entry].control
        if isinstance(control, GuidedBank):
            # the altitude the guidance aims at (its phase may end earlier, on a failure)
            final = [control.final_altitude]
        else:
            final = [trig.value for trig in phases[entry].until
                     if trig.quantity == "altitude"]
        if len(final) != 1:
            raise self.error(("phases", entry, "until"), "exactly one altitude trigger in "
                             "the first phase of targeting.entry_vehicle (the final altitude "
                             "of the reference descent)")
        return _solve_targeting(self, orbit=orbit, burn=burn, coast_vehicle=first.vehicle,
                                entry_vehicle=vehicles[spec.entry_vehicle], spec=spec,
                                target=target, separation_altitude=sep[0],
                                final_altitude=final[0],
                                atmosphere=planning_atmosphere(atmosphere), earth=earth)


def _flight_from_orbit(orbit, burn, phases, earth):
    """The initial state and the phases as flown from an orbit and a deorbit burn."""
    state = orbit.state(earth)
    if burn.kind == "impulsive":
        return impulsive_burn(state, burn.delta_v, burn.pitch, burn.yaw, earth), phases
    first = phases[0]
    engine = Engine(burn.thrust, burn.specific_impulse, burn.pitch, burn.yaw)
    duration = engine.burn_time(first.vehicle.mass, burn.delta_v)
    burning = Phase("deorbit burn", dataclasses.replace(first.vehicle, engine=engine),
                    ConstantBank(0.0), (Trigger("phase_time", duration),), first.attitude)
    return state, (burning, *phases)


# ---------------------------------------------------------------------------------------
# The two hooks into guidance and targeting
# ---------------------------------------------------------------------------------------
def planning_atmosphere(atmosphere):
    """The atmosphere that guidance and deorbit targeting plan with: the scenario's model
    at density scale 1 (the day's density deviation is not known in advance)."""
    return dataclasses.replace(atmosphere, density_scale=1.0)


def _build_guided(builder, path, options, target, final_altitude, vehicles, atmosphere):
    """Build the guided bank law of a phase (``control = { law = "guided", ... }``).

    Parameters
    ----------
    builder : _Builder
        ``builder.error(key_tuple, expected)`` makes a ScenarioError naming the right file.
    path : tuple
        Key path of the control table (``("phases", 1, "control")``).
    options : dict
        The control table's keys other than ``law`` (config units, see ``_GUIDED_KEYS``;
        ``model_vehicle`` is a vehicle name, ``model_atmosphere`` an inline atmosphere
        table).
    target : (float, float)
        Target geodetic latitude, longitude [rad] from ``[target]``.
    final_altitude : float
        The phase's altitude trigger [m]: the guidance predicts to where the phase ends.
    vehicles : dict of str -> Vehicle
    atmosphere
        The scenario's atmosphere: the guidance plans with it at density scale 1 unless
        ``model_atmosphere`` is given.
    """

    t = _Table(builder, options, path)
    kwargs = {}
    for key, (name, factor, unit, bounds) in _GUIDED_KEYS.items():
        value = t.number(key, unit, required=False, **bounds)
        if value is not None:
            kwargs[name] = value * factor
    model_vehicle = t.string("model_vehicle", required=False, choices=tuple(vehicles))
    mt = t.table("model_atmosphere", required=False,
                 what="an inline atmosphere table { model = ... }")
    if model_vehicle is not None and mt is None:
        raise t.error("model_atmosphere", "model_atmosphere together with model_vehicle "
                      "(the guidance's own model)")
    if model_vehicle is not None:
        kwargs["model_vehicle"] = vehicles[model_vehicle]
    # What the flight computer believes: the given model, or the scenario's atmosphere
    # without its (unknowable) density scale factor.
    kwargs["model_atmosphere"] = (builder._atmosphere(mt) if mt is not None
                                  else planning_atmosphere(atmosphere))
    lo = kwargs.get("min_bank", 0.0)
    hi = kwargs.get("max_bank", GuidedBank.max_bank)
    if lo > hi:
        raise t.error("min_bank_deg", "a number <= max_bank_deg")
    t.done()
    return GuidedBank(target_latitude=target[0], target_longitude=target[1],
                      final_altitude=final_altitude, **kwargs)


def _solve_targeting(builder, *, orbit, burn, coast_vehicle, entry_vehicle, spec, target,
                     separation_altitude, final_altitude, atmosphere, earth):
    """Solve the deorbit burn point (and the node when ``orbit.raan`` is None).

    Parameters
    ----------
    builder : _Builder
        For errors: ``builder.error(("targeting",), expected)``.
    orbit : OrbitSpec
        ``argument_of_latitude`` is None (solved); ``raan`` None or given (kept).
    burn : BurnSpec
    coast_vehicle : Vehicle
        The first phase's vehicle (the stack from the burn to separation).
    entry_vehicle : Vehicle
        ``[targeting] entry_vehicle``: flies the reference descent after separation.
    spec : TargetingSpec
    target : (float, float)
        [rad].
    separation_altitude : float
        The first phase's altitude trigger [m].
    final_altitude : float
        The altitude trigger of the first phase flown by the entry vehicle [m].
    atmosphere, earth
        The scenario's models.

    Returns
    -------
    sim.targeting.DeorbitSolution
        ``.orbit`` has raan and argument_of_latitude set.
    """

    try:
        return solve_deorbit(orbit, burn, coast_vehicle, entry_vehicle,
                             target_latitude=target[0], target_longitude=target[1],
                             separation_altitude=separation_altitude,
                             final_altitude=final_altitude,
                             reference_bank=spec.reference_bank, atmosphere=atmosphere,
                             earth=earth, ascending=spec.ascending, tolerance=spec.tolerance)
    except TargetingError as exc:
        raise builder.error(("targeting",), f"a reachable target ({exc})") from None


# ---------------------------------------------------------------------------------------
# TOML output
# ---------------------------------------------------------------------------------------
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k):
    k = str(k)
    return k if _BARE_KEY.match(k) else _string(k)


def _string(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }" \
            if v else "{}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _is_table_array(v):
    return isinstance(v, list) and v and all(isinstance(x, dict) for x in v)


def _dump_table(table, prefix, lines):
    simple = {k: v for k, v in table.items()
              if not isinstance(v, dict) and not _is_table_array(v)}
    for k, v in simple.items():
        lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in table.items():
        name = ".".join(_key(p) for p in (*prefix, k))
        if isinstance(v, dict):
            has_values = not v or any(not isinstance(x, dict) and not _is_table_array(x)
                                      for x in v.values())
            if has_values:  # a table of only sub-tables needs no header of its own
                lines.append("")
                lines.append(f"[{name}]")
            _dump_table(v, (*prefix, k), lines)
        elif _is_table_array(v):
            for item in v:
                lines.append("")
                lines.append(f"[[{name}]]")
                for kk, vv in item.items():
                    lines.append(f"{_key(kk)} = {_value(vv)}")
