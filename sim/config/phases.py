"""Building the phases of a scenario: vehicles flown, attitudes, triggers and control laws
(constant, rolling, guided). Part of the builder (:mod:`sim.config.build`)."""

import dataclasses
import math
from typing import Any

from sim.config import limits
from sim.config.schema import Table
from sim.config.tree import describe
from sim.flight.control import ConstantBank, GuidedBank, RollingBank
from sim.flight.simulate import Phase
from sim.flight.triggers import Trigger
from sim.models.atmosphere import Atmosphere
from sim.models.earth import GeoPoint

_TRIGGERS = {
    "altitude_km": ("altitude", 1e3, "km", None),
    "dynamic_pressure_pa": ("dynamic_pressure", 1.0, "Pa", 0.0),
    "heat_load_mj_m2": ("heat_load", 1e6, "MJ m^-2", 0.0),
    "mach": ("mach", 1.0, "-", 0.0),
    "time_s": ("time", 1.0, "s", 0.0),
    "phase_time_s": ("phase_time", 1.0, "s", 0.0),
    "speed_m_s": ("speed", 1.0, "m s^-1", 0.0),
    "delta_v_m_s": ("delta_v", 1.0, "m s^-1", 0.0),
}
_DIRECTIONS = {"falling": -1, "rising": 1, "either": 0}

#: Guided-law keys: config key -> (GuidedBank field, factor to SI, unit, bounds)
_GUIDED_KEYS = {
    "period_s": ("period", 1.0, "s", {"gt": 0.0, "plausible": limits.GUIDANCE_PERIOD}),
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
    "lift_filter_gain": ("lift_filter_gain", 1.0, "-", {"ge": 0.0, "le": 1.0}),
    "predictor_step_s": (
        "predictor_step",
        1.0,
        "s",
        {"gt": 0.0, "plausible": limits.PREDICTOR_STEP},
    ),
    "predictor_rtol": (
        "predictor_rtol",
        1.0,
        "-",
        {"gt": 0.0, "lt": 1e-2, "plausible": limits.PREDICTOR_RTOL},
    ),
    "load_limit_g": ("load_limit", 1.0, "g0", {"ge": 0.0}),
    "heat_rate_limit_kw_m2": ("heat_rate_limit", 1e3, "kW m^-2", {"ge": 0.0}),
}

#: The keys of a ``[[phases]]`` table.
PHASE_KEYS = ("name", "vehicle", "attitude", "until", "control")
#: The keys of a control table, of any law.
CONTROL_KEYS = (
    "law",
    "bank_deg",
    "roll_rate_deg_s",
    "initial_bank_deg",
    "aim_altitude_km",
    "model_vehicle",
    "model_atmosphere",
    *_GUIDED_KEYS,
)


def build_phase(
    b: Any,
    index: int,
    item: object,
    vehicles: dict,
    target: GeoPoint | None,
    atmosphere: Atmosphere,
) -> Phase:
    """Build ``phases.INDEX`` of a scenario (``b`` is the builder, for errors and nested
    atmospheres)."""
    path = ("phases", index)
    if not isinstance(item, dict):
        raise b.error(path, f"a [[phases]] table, not {describe(item)}")
    t = Table(b, item, path)
    t.only(PHASE_KEYS)
    name = t.string("name")
    vname = t.string("vehicle", choices=tuple(vehicles))
    attitude = t.string(
        "attitude",
        required=False,
        default="heat_shield_first",
        choices=("heat_shield_first", "hatch_first"),
    )
    until = _triggers(b, t, index)
    last = index == len(b.config["phases"]) - 1
    if not until and not last:
        raise t.error(
            "until",
            "at least one trigger (only the last phase may fly to "
            "the ground; the phases after it would never run)",
        )
    ct = t.table("control", required=False, what="an inline table { law = ... }")
    if ct is None:
        control = ConstantBank(0.0)
    else:
        control = _control(b, ct, until, target, vehicles, atmosphere, vname)
    t.done()
    return Phase(name, vehicles[vname], control, tuple(until), attitude)


def _triggers(b, t, index):
    items = t.list(
        "until", required=False, what="a list of triggers such as [{ altitude_km = 140 }]"
    )
    triggers = []
    for k, item in enumerate(items or ()):
        path = ("phases", index, "until", k)
        if not isinstance(item, dict):
            raise b.error(
                path, f"a trigger table such as {{ altitude_km = 140 }}, not {describe(item)}"
            )
        tt = Table(b, item, path)
        tt.only((*_TRIGGERS, "direction"))
        quantities = [key for key in item if key in _TRIGGERS]
        if len(quantities) != 1:
            found = ", ".join(quantities) if quantities else "none"
            raise b.error(
                path, f"exactly one quantity key of {', '.join(_TRIGGERS)} (found {found})"
            )
        key = quantities[0]
        quantity, factor, unit, lower = _TRIGGERS[key]
        value = tt.number(key, unit, ge=lower)
        if quantity == "phase_time" and value <= 0:
            raise tt.error(key, f"a number > 0 [s], not {value:g}")
        growing = quantity in ("time", "phase_time", "heat_load", "delta_v")
        direction = tt.string(
            "direction",
            required=False,
            default="rising" if growing else "falling",
            choices=tuple(_DIRECTIONS),
        )
        if growing and direction != "rising":
            raise tt.error(
                "direction",
                f"'rising' or nothing ({quantity} only increases), not {direction!r}",
            )
        tt.done()
        triggers.append(Trigger(quantity, value * factor, _DIRECTIONS[direction]))
    return triggers


def _control(b, t, until, target, vehicles, atmosphere, vname=None):
    t.only(CONTROL_KEYS)
    law = t.string("law", choices=("constant", "rolling", "guided"))
    if law == "constant":
        control = ConstantBank(
            math.radians(
                t.number("bank_deg", "deg", required=False, default=0.0, ge=-360.0, le=360.0)
            )
        )
    elif law == "rolling":
        # the phase's own rate, else the vehicle's (a key shared by every scenario)
        own = getattr(b, "roll_rates", {}).get(vname)
        rate = t.number("roll_rate_deg_s", "deg s^-1", required=own is None, ge=-360.0, le=360.0)
        rate = own if rate is None else rate
        b0 = t.number("initial_bank_deg", "deg", required=False, ge=-360.0, le=360.0)
        control = RollingBank(math.radians(rate), None if b0 is None else math.radians(b0))
    else:
        if target is None:
            raise t.error(
                "law",
                "a [target] table in the scenario for law = 'guided' (the guidance steers to it)",
            )
        aim = t.number("aim_altitude_km", "km", required=False, gt=0.0)
        altitudes = [trig.value for trig in until if trig.quantity == "altitude"]
        if aim is None and len(altitudes) != 1:
            raise b.error(
                t.path[:-1] + ("until",),
                "exactly one altitude trigger in a guided phase (the "
                "guidance predicts to that altitude), or the control's "
                "aim_altitude_km",
            )
        final = altitudes[0] if aim is None else aim * 1e3
        options = {k: v for k, v in t.data.items() if k not in ("law", "aim_altitude_km")}
        t.used.update(options)
        control = _build_guided(b, t.path, options, target, final, vehicles, atmosphere)
    t.done()
    return control


# -- initial state ----------------------------------------------------------------------


def planning_atmosphere(atmosphere: Atmosphere) -> Atmosphere:
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
    target : GeoPoint
        From ``[target]``.
    final_altitude : float
        The phase's altitude trigger [m]: the guidance predicts to where the phase ends.
    vehicles : dict of str -> Vehicle
    atmosphere
        The scenario's atmosphere: the guidance plans with it at density scale 1 unless
        ``model_atmosphere`` is given.
    """
    t = Table(builder, options, path)
    kwargs = {}
    for key, (name, factor, unit, bounds) in _GUIDED_KEYS.items():
        value = t.number(key, unit, required=False, **bounds)
        if value is not None:
            kwargs[name] = value * factor
    model_vehicle = t.string("model_vehicle", required=False, choices=tuple(vehicles))
    mt = t.table(
        "model_atmosphere", required=False, what="an inline atmosphere table { model = ... }"
    )
    if model_vehicle is not None and mt is None:
        raise t.error(
            "model_atmosphere",
            "model_atmosphere together with model_vehicle (the guidance's own model)",
        )
    if model_vehicle is not None:
        kwargs["model_vehicle"] = vehicles[model_vehicle]
    # What the flight computer believes: the given model, or the scenario's atmosphere
    # without its (unknowable) density scale factor.
    kwargs["model_atmosphere"] = (
        builder._atmosphere(mt) if mt is not None else planning_atmosphere(atmosphere)
    )
    if 0.0 < kwargs.get("load_limit", GuidedBank.load_limit) < 1.0:
        raise t.error("load_limit_g", "0 (no limit) or a load of at least 1 g")
    step = kwargs.get("predictor_step", 0.0)
    period = kwargs.get("period", GuidedBank.period)
    if step > 0.0 and period * step < limits.GUIDANCE_WORK:
        raise t.error(
            "predictor_step_s",
            f"a step with period_s x predictor_step_s >= {limits.GUIDANCE_WORK:g} s^2 (the "
            f"guidance's work grows as their inverse), not {period:g} x {step:g} s",
        )
    lo = kwargs.get("min_bank", 0.0)
    hi = kwargs.get("max_bank", GuidedBank.max_bank)
    if lo > hi:
        raise t.error("min_bank_deg", "a number <= max_bank_deg")
    t.done()
    return GuidedBank(
        target_latitude=target.latitude,
        target_longitude=target.longitude,
        final_altitude=final_altitude,
        **kwargs,
    )
