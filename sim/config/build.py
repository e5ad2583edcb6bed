"""Building a scenario: a resolved configuration -> validated, built objects.

This is the one place that turns configuration into objects; everything else receives
built objects. :func:`load_scenario` reads a file (following ``extends`` chains), applies
overrides, validates every key and builds a frozen :class:`~sim.config.scenario.Scenario`.
Nothing is flown and nothing is solved: deorbit targeting is checked here and solved by
:func:`sim.config.scenario.plan`. ``configs/README.md`` is the reference of every key.

Errors are :class:`~sim.config.errors.ScenarioError` naming the file, the dotted key and
what was expected; there is no silent default for a required value.
"""

import dataclasses
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sim.config import limits
from sim.config.checks import check_flight, mach_tables
from sim.config.errors import ScenarioError
from sim.config.files import file_problem
from sim.config.phases import build_phase, planning_atmosphere
from sim.config.scenario import Scenario, SimulationSettings
from sim.config.schema import Table
from sim.config.study import read_study
from sim.config.tables import read_atmosphere_table
from sim.config.tree import ResolvedConfig, close_match, describe, dotted, resolve_config
from sim.config.vehicles import NAME_RE, build_vehicles
from sim.flight.control import GuidedBank
from sim.flight.initial import BurnSpec, OrbitSpec, entry_state
from sim.flight.simulate import ENGINES
from sim.flight.targeting import DeorbitProblem
from sim.models.atmosphere import ExponentialAtmosphere, StandardAtmosphere1976
from sim.models.earth import EarthModel, GeoPoint
from sim.results.documented import DOCUMENTED, DocumentedError, load_flight

#: The keys of the top level of a scenario file.
TOP_KEYS = (
    "name",
    "description",
    "reference",
    "epoch_utc",
    "simulation",
    "earth",
    "atmosphere",
    "target",
    "documented",
    "vehicles",
    "phases",
    "initial",
    "deorbit",
    "targeting",
    "uncertainty",
    "study",
    "dispersions",
    "sweep",
)
SIMULATION_KEYS = (
    "rtol",
    "max_time_s",
    "ground_altitude_m",
    "ceiling_altitude_km",
    "method",
    "engine",
    "max_landing_speed_m_s",
    "max_steps",
    "max_wall_time_s",
)
ATMOSPHERE_KEYS = (
    "model",
    "density_scale",
    "surface_density_kg_m3",
    "scale_height_km",
    "file",
    "extrapolate",
)
INITIAL_KEYS = (
    "type",
    "latitude_deg",
    "longitude_deg",
    "altitude_km",
    "speed_m_s",
    "flight_path_angle_deg",
    "heading_deg",
    "frame",
    "perigee_altitude_km",
    "apogee_altitude_km",
    "inclination_deg",
    "raan_deg",
    "argument_of_latitude_deg",
    "argument_of_perigee_deg",
)
DEORBIT_KEYS = (
    "kind",
    "delta_v_m_s",
    "pitch_deg",
    "yaw_deg",
    "time_offset_s",
    "thrust_n",
    "specific_impulse_s",
)
TARGETING_KEYS = ("pass", "reference_bank_deg", "entry_vehicle", "tolerance_m")


@dataclass(frozen=True)
class _TargetingSpec:
    """The ``[targeting]`` table as read (SI)."""

    ascending: bool
    reference_bank: float  #: [rad]
    entry_vehicle: str
    tolerance: float  #: [m]


def load_scenario(path: str | os.PathLike, overrides: dict | None = None) -> Scenario:
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
    return build_scenario(resolve_config(path, overrides))


def build_scenario(resolved: ResolvedConfig) -> Scenario:
    """Validate and build a resolved configuration (:meth:`ConfigTree.resolve`): the step
    a study repeats for each variant without reading the files again.

    Raises
    ------
    ScenarioError
    """
    return _Builder(resolved.path, resolved.config, resolved.origin).build()


#: Trigger keys: config key -> (Trigger quantity, factor to SI, unit, lower bound)
class _Builder:
    def __init__(self, path, config, origin):
        self.path = Path(path)
        self.config = config
        self.origin = origin
        self.roll_rates: dict = {}  # vehicle -> its rolling (ballistic) rate [deg s^-1]
        self.tables: list = []  # (TabulatedAtmosphere, key tuple of its table)

    def error(self, keys, expected):
        keys = tuple(keys)
        file = str(self.path)
        # the file that set the key or a table above; a key no file set is the loaded file's
        for n in range(len(keys), 0 if keys else -1, -1):
            if keys[:n] in self.origin:
                file = self.origin[keys[:n]]
                break
        key = dotted(keys) or None
        if not file.endswith("(override)"):
            # a value missing or left inconsistent by an override: name the override too
            applied = getattr(self.origin, "overrides", ())
            own = [d for k, d in applied if keys[: len(k)] == k]  # this key or a table above
            near = [d for k, d in applied if k[:-1] == keys[:-1]]  # a key beside it
            if own or near:
                file = f"{file} (after the override {(own or near)[-1]})"
        for made in getattr(self.origin, "created", ()):
            # a table the override made (vehicles.capsul): most likely a misspelling
            if keys[: len(made)] == made and len(made) < len(keys):
                siblings = self._table_at(made[:-1])
                hint = close_match(made[-1], [k for k in siblings if k != made[-1]])
                if hint:
                    expected += (
                        f" ({dotted(made)} is a new table, made by the override: did you "
                        f"mean {hint!r}?)"
                    )
                break
        return ScenarioError(file, key, expected)

    def file_of(self, keys):
        """The file the value at ``keys`` (or the nearest table above it) came from."""
        for n in range(len(keys), -1, -1):
            if tuple(keys[:n]) in self.origin:
                return self.origin[tuple(keys[:n])]
        return str(self.path)

    def table_at(self, keys):
        """The table of the configuration at ``keys`` ({} if there is none)."""
        return self._table_at(keys)

    def _table_at(self, keys):
        node = self.config
        for k in keys:
            node = node.get(k, {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}

    # -- the whole file ---------------------------------------------------------------------
    def build(self):
        top = Table(self, self.config, ())
        top.only(TOP_KEYS)
        name = top.string("name", required=False, default=self.path.stem)
        if not NAME_RE.match(name):
            raise top.error(
                "name",
                "a name of letters, digits, '_', '-' and '.' (it names "
                f"output files), not {dotted((name,))!r}",
            )
        if len(name) > limits.NAME_LENGTH:
            raise top.error(
                "name",
                f"a name of at most {limits.NAME_LENGTH} characters (it names output files, "
                f"of at most 255 bytes), not {len(name)} characters long",
            )
        description = top.string("description", required=False, default="")
        reference = top.boolean("reference", default=False)
        epoch = self._epoch(top)
        simulation = self._simulation(top.table("simulation", required=False))
        earth = self._earth(top.table("earth", required=False))
        atmosphere = self._atmosphere(top.table("atmosphere", what="an [atmosphere] table"))
        target = self._target(top.table("target", required=False))
        documented = self._documented(top.table("documented", required=False))
        vehicles = build_vehicles(self, top.table("vehicles", what="a [vehicles] table"))
        phase_items = top.list("phases", what="a list of [[phases]] tables")
        if not phase_items:
            raise top.error("phases", "at least one [[phases]] table")
        phases = tuple(
            build_phase(self, i, item, vehicles, target, atmosphere)
            for i, item in enumerate(phase_items)
        )
        names = [p.name for p in phases]
        for i, n in enumerate(names):
            if names.index(n) != i:
                raise self.error(
                    ("phases", i, "name"),
                    f"a name unique among the phases ({n!r} is also phase {names.index(n)})",
                )

        initial_t = top.table("initial", what="an [initial] table")
        initial_t.only(INITIAL_KEYS)
        kind = initial_t.string("type", choices=("entry", "orbit"))
        initial = orbit = burn = targeting = deorbit = None
        deorbit_t = top.table("deorbit", required=False)
        targeting_t = top.table("targeting", required=False)
        if kind == "entry":
            for key, t in (("deorbit", deorbit_t), ("targeting", targeting_t)):
                if t is not None:
                    raise top.error(
                        key,
                        "no such table for initial.type = 'entry' (only "
                        "an orbit start has a deorbit burn)",
                    )
            initial = self._entry(initial_t, earth, epoch)
        else:
            if deorbit_t is None:
                raise top.error(
                    "deorbit", "a [deorbit] table (required for initial.type = 'orbit')"
                )
            burn = self._burn(deorbit_t)
            if targeting_t is not None:
                targeting = self._targeting_spec(targeting_t, vehicles)
            orbit = self._orbit(initial_t, epoch, targeting)
            if targeting is not None:
                if target is None:
                    raise top.error(
                        "target", "a [target] table (deorbit targeting steers the burn to it)"
                    )
                deorbit = self._deorbit_problem(
                    phase_items, phases, vehicles, orbit, burn, targeting, target, atmosphere, earth
                )
        study = read_study(top)
        uncertainty = self._uncertainty(top.table("uncertainty", required=False))
        top.done()
        check_flight(self, initial_t, orbit, burn, phases, simulation, epoch)
        return Scenario(
            name=name,
            path=self.path,
            description=description,
            reference=reference,
            config=self.config,
            origin=self.origin,
            epoch=epoch,
            initial=initial,
            orbit=orbit,
            burn=burn,
            phases=phases,
            vehicles=vehicles,
            atmosphere=atmosphere,
            earth=earth,
            target=target,
            simulation=simulation,
            deorbit=deorbit,
            documented=documented,
            study=study,
            uncertainty_file=uncertainty,
            mach_tables=mach_tables(self, phases, burn),
        )

    # -- sections ---------------------------------------------------------------------------
    def _epoch(self, top):
        top.used.add("epoch_utc")
        if not top.has("epoch_utc"):
            return None
        v = top.data["epoch_utc"]
        expected = 'a UTC date and time such as "2008-04-19T07:41:00Z"'
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v)
            except ValueError:
                raise top.error("epoch_utc", f"{expected}, not {v!r}") from None
        if not isinstance(v, datetime):
            raise top.error("epoch_utc", f"{expected}, not {describe(v)}")
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        v = v.astimezone(UTC)
        self.config["epoch_utc"] = v.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
        return v

    def _simulation(self, t):
        if t is None:
            return SimulationSettings()
        t.only(SIMULATION_KEYS)
        d = SimulationSettings()
        ceiling = t.number("ceiling_altitude_km", "km", required=False, gt=0.0)
        s = SimulationSettings(
            rtol=t.number(
                "rtol", required=False, default=d.rtol, gt=0.0, lt=1.0, plausible=limits.RTOL
            ),
            max_time=t.number("max_time_s", "s", required=False, default=d.max_time, gt=0.0),
            ground_altitude=t.number(
                "ground_altitude_m", "m", required=False, default=d.ground_altitude, gt=-1e4, lt=1e4
            ),
            ceiling_altitude=None if ceiling is None else ceiling * 1e3,
            method=t.string(
                "method",
                required=False,
                default=d.method,
                choices=("DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA"),
            ),
            engine=t.string(
                "engine",
                required=False,
                # a scenario that names a solve_ivp method keeps flying with solve_ivp
                default="solve_ivp" if t.has("method") else d.engine,
                choices=ENGINES,
            ),
            max_landing_speed=t.number(
                "max_landing_speed_m_s",
                "m s^-1",
                required=False,
                default=d.max_landing_speed,
                gt=0.0,
            ),
            max_steps=t.integer(
                "max_steps",
                default=d.max_steps,
                ge=1,
                le=limits.MAX_STEPS,
                why="every step is kept: this bounds the memory of a run to about 1 GB",
            ),
            max_wall_time=t.number(
                "max_wall_time_s",
                "s",
                required=False,
                default=d.max_wall_time,
                gt=0.0,
                le=limits.MAX_WALL_TIME_LIMIT,
            ),
        )
        t.done()
        return s

    def _earth(self, t):
        if t is None:
            return EarthModel()
        t.only(("j2", "rotation"))
        j2 = t.boolean("j2", default=True)
        rotation = t.boolean("rotation", default=True)
        t.done()
        d = EarthModel()
        return EarthModel(
            j2=d.j2 if j2 else 0.0, rotation_rate=d.rotation_rate if rotation else 0.0
        )

    def _atmosphere(self, t):
        t.only(ATMOSPHERE_KEYS)
        model = t.string("model", choices=("ussa76", "exponential", "table"))
        scale = t.number("density_scale", required=False, default=1.0, ge=0.0)
        if model == "ussa76":
            atm = StandardAtmosphere1976(scale)
        elif model == "exponential":
            atm = ExponentialAtmosphere(
                t.number("surface_density_kg_m3", "kg m^-3", required=False, default=1.225, gt=0.0),
                t.number("scale_height_km", "km", gt=0.0) * 1e3,
                scale,
            )
        else:
            file = t.string("file", what="a CSV file name, relative to the file that names it")
            problem = file_problem(file)
            if problem is not None:
                raise t.error("file", f"an existing CSV file ({file} {problem})")
            extrapolate = t.boolean("extrapolate", default=False)
            atm = read_atmosphere_table(file, scale, extrapolate=extrapolate)
            self.tables.append((atm, t.path))
        t.done()
        return atm

    def _target(self, t):
        if t is None:
            return None
        t.only(("latitude_deg", "longitude_deg"))
        lat = t.number("latitude_deg", "deg", ge=-90.0, le=90.0)
        lon = t.number("longitude_deg", "deg", ge=-360.0, le=360.0)
        t.done()
        return GeoPoint.from_deg(lat, lon)

    def _uncertainty(self, t):
        if t is None:
            return None
        t.only(("file",))
        file = t.string(
            "file", what="an uncertainty file (TOML), relative to the file that names it"
        )
        problem = file_problem(file)
        if problem is not None:
            raise t.error("file", f"an existing uncertainty file ({file} {problem})")
        t.done()
        return Path(file)

    def _documented(self, t):
        if t is None:
            return None
        t.only(("file", "flight", "case"))
        file = t.string(
            "file",
            required=False,
            what="a documented-flight file (TOML), relative to the file that names it",
        )
        if file is not None:
            problem = file_problem(file)
            if problem is not None:
                raise t.error("file", f"an existing documented-flight file ({file} {problem})")
            try:
                load_flight(file)
            except DocumentedError as exc:
                raise ScenarioError(exc.file, exc.key, exc.expected) from None
        flight = t.string("flight", choices=tuple(DOCUMENTED))
        case = t.string("case", choices=tuple(DOCUMENTED[flight]))
        t.done()
        return (flight, case)

    # -- phases -----------------------------------------------------------------------------
    def _entry(self, t, earth, epoch):
        state = entry_state(
            math.radians(t.number("latitude_deg", "deg", ge=-90.0, le=90.0)),
            math.radians(t.number("longitude_deg", "deg", ge=-360.0, le=360.0)),
            t.number("altitude_km", "km", gt=0.0, lt=1e5) * 1e3,
            t.number("speed_m_s", "m s^-1", gt=0.0, lt=2e4),
            math.radians(t.number("flight_path_angle_deg", "deg", ge=-90.0, le=90.0)),
            math.radians(t.number("heading_deg", "deg", ge=-360.0, le=360.0)),
            frame=t.string("frame", choices=("inertial", "relative")),
            earth=earth,
            epoch=epoch,
        )
        t.done()
        return state

    def _orbit(self, t, epoch, targeting):
        perigee = t.number("perigee_altitude_km", "km", gt=0.0)
        apogee = t.number("apogee_altitude_km", "km", gt=0.0)
        if apogee < perigee:
            raise t.error(
                "apogee_altitude_km",
                f"a number >= perigee_altitude_km ({perigee:g}) [km], not {apogee:g}",
            )
        inc = t.number("inclination_deg", "deg", ge=0.0, le=180.0)
        raan = t.number("raan_deg", "deg", required=False, ge=-360.0, le=360.0)
        if targeting is not None and t.has("argument_of_latitude_deg"):
            t.used.add("argument_of_latitude_deg")
            raise t.error(
                "argument_of_latitude_deg",
                "nothing while [targeting] solves it (remove one of the two)",
            )
        if targeting is None and not t.has("argument_of_latitude_deg"):
            t.used.add("argument_of_latitude_deg")
            raise t.error(
                "argument_of_latitude_deg",
                "a number [deg] of the burn point "
                "(required without [targeting], which would solve it; the "
                "solved value is in --json under targeting)",
            )
        u = t.number("argument_of_latitude_deg", "deg", required=False, ge=-360.0, le=360.0)
        if targeting is None and raan is None:
            raise t.error(
                "raan_deg",
                "a number [deg] (required without [targeting], which "
                "would solve it; the solved value is in --json under targeting)",
            )
        perigee_arg = t.number(
            "argument_of_perigee_deg", "deg", required=False, default=0.0, ge=-360.0, le=360.0
        )
        t.done()
        return OrbitSpec(
            perigee * 1e3,
            apogee * 1e3,
            math.radians(inc),
            None if raan is None else math.radians(raan),
            None if u is None else math.radians(u),
            math.radians(perigee_arg),
            epoch,
        )

    def _burn(self, t):
        t.only(DEORBIT_KEYS)
        kind = t.string("kind", choices=("impulsive", "finite"))
        dv = t.number("delta_v_m_s", "m s^-1", gt=0.0, lt=1e4)
        pitch = math.radians(
            t.number("pitch_deg", "deg", required=False, default=0.0, ge=-90.0, le=90.0)
        )
        yaw = math.radians(
            t.number("yaw_deg", "deg", required=False, default=0.0, ge=-180.0, le=180.0)
        )
        offset = t.number("time_offset_s", "s", required=False, default=0.0, ge=-3600.0, le=3600.0)
        thrust = isp = None
        if kind == "finite":
            thrust = t.number("thrust_n", "N", gt=0.0)
            isp = t.number("specific_impulse_s", "s", gt=0.0)
        t.done()
        return BurnSpec(dv, kind, pitch, yaw, thrust, isp, offset)

    def _targeting_spec(self, t, vehicles):
        t.only(TARGETING_KEYS)
        spec = _TargetingSpec(
            ascending=t.string("pass", choices=("ascending", "descending")) == "ascending",
            reference_bank=math.radians(t.number("reference_bank_deg", "deg", ge=0.0, le=180.0)),
            entry_vehicle=t.string("entry_vehicle", choices=tuple(vehicles)),
            tolerance=t.number("tolerance_m", "m", required=False, default=50.0, gt=0.0),
        )
        t.done()
        return spec

    def _deorbit_problem(
        self, phase_items, phases, vehicles, orbit, burn, spec, target, atmosphere, earth
    ):
        """The targeting problem, checked now (solved by :func:`sim.config.scenario.plan`)."""
        first = phases[0]
        sep = [trig.value for trig in first.until if trig.quantity == "altitude"]
        if len(sep) != 1:
            raise self.error(
                ("phases", 0, "until"),
                "exactly one altitude trigger in the "
                "first phase for [targeting] (the separation altitude)",
            )
        entry = next(
            (k for k, item in enumerate(phase_items) if item.get("vehicle") == spec.entry_vehicle),
            None,
        )
        if entry is None:
            raise self.error(
                ("targeting", "entry_vehicle"),
                f"a vehicle that flies one of the phases, not {spec.entry_vehicle!r}",
            )
        control = phases[entry].control
        if isinstance(control, GuidedBank):
            # the altitude the guidance aims at (its phase may end earlier, on a failure)
            final = [control.final_altitude]
        else:
            final = [trig.value for trig in phases[entry].until if trig.quantity == "altitude"]
        if len(final) != 1:
            raise self.error(
                ("phases", entry, "until"),
                "exactly one altitude trigger in "
                "the first phase of targeting.entry_vehicle (the final altitude "
                "of the reference descent)",
            )
        return DeorbitProblem(
            orbit=orbit,
            burn=dataclasses.replace(burn, time_offset=0.0),  # the planned time
            coast_vehicle=first.vehicle,
            entry_vehicle=vehicles[spec.entry_vehicle],
            target=target,
            separation_altitude=sep[0],
            final_altitude=final[0],
            reference_bank=spec.reference_bank,
            atmosphere=planning_atmosphere(atmosphere),
            earth=earth,
            ascending=spec.ascending,
            tolerance=spec.tolerance,
        )
