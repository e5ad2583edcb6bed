"""Building the vehicles of a scenario (``[vehicles.NAME]``), with their ``base_vehicle``
chains, drag tables, parachutes and plausibility limits. Part of the builder
(:mod:`sim.config.build`)."""

import re
from typing import Any

import numpy as np

from sim.config import limits
from sim.config.schema import Table
from sim.config.tree import close_match, describe
from sim.models.vehicle import Parachute, Vehicle

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

#: The keys of a ``[vehicles.NAME]`` table.
VEHICLE_KEYS = (
    "base_vehicle",
    "mass_kg",
    "reference_area_m2",
    "nose_radius_m",
    "drag_coefficient",
    "cd_table",
    "lift_to_drag",
    "roll_rate_deg_s",
    "parachute_drag_area_m2",
    "parachute_fill_time_s",
    "parachute_max_mach",
    "parachute_max_dynamic_pressure_pa",
)


def build_vehicles(b: Any, t: Table) -> dict:
    """The vehicles of the ``[vehicles]`` table ``t`` by name (``b`` is the builder)."""
    if not t.data:
        raise t.error(None, "at least one [vehicles.NAME] table")
    for name in t.data:
        t.used.add(name)
        if not isinstance(t.data[name], dict):
            raise t.error(name, f"a [vehicles.{name}] table, not {describe(t.data[name])}")
        if not NAME_RE.match(name):
            raise t.error(name, "a vehicle name of letters, digits, '_', '-' and '.'")
        Table(b, t.data[name], ("vehicles", name)).only(VEHICLE_KEYS)
    resolved = {name: _vehicle_keys(b, t, name, ()) for name in t.data}
    return {name: _vehicle(b, name, body, keys) for name, (body, keys) in resolved.items()}


def cd_table_key(config: dict, vehicle: str) -> tuple:
    """The key tuple where a vehicle's ``cd_table`` is written (along its base_vehicle
    chain), or the vehicle's own key when it has none."""
    vehicles = config.get("vehicles", {})
    name, seen = vehicle, set()
    while name in vehicles and name not in seen:
        seen.add(name)
        if "cd_table" in vehicles[name]:
            return ("vehicles", name, "cd_table")
        name = vehicles[name].get("base_vehicle")
    return ("vehicles", vehicle, "cd_table")


def _vehicle_keys(b, t, name, chain):
    """(body name, key -> (value, key tuple)) of a vehicle with its base_vehicle chain."""
    if name in chain:
        raise t.error(
            chain[0], "a base_vehicle chain without cycles, not " + " -> ".join((*chain, name))
        )
    data = t.data[name]
    base = data.get("base_vehicle")
    own = {k: (v, ("vehicles", name, k)) for k, v in data.items() if k != "base_vehicle"}
    if base is None:
        return name, own
    if not isinstance(base, str) or base not in t.data:
        hint = close_match(base, t.data) if isinstance(base, str) else None
        extra = f" (did you mean {hint!r}?)" if hint else ""
        raise b.error(
            ("vehicles", name, "base_vehicle"),
            f"the name of another vehicle ({', '.join(t.data)}), not {describe(base)}{extra}",
        )
    body, inherited = _vehicle_keys(b, t, base, (*chain, name))
    return body, {**inherited, **own}


def _vehicle(b, name, body, keys):
    # A table of the merged keys, reporting errors at the key's own table.
    class _VTable(Table):
        def error(tself, key, expected):
            where = keys[key][1] if key in keys else ("vehicles", name, key)
            return b.error(where, expected)

    data = {k: v for k, (v, _) in keys.items()}
    v = _VTable(b, data, ("vehicles", name))
    v.known = VEHICLE_KEYS
    mass = v.number("mass_kg", "kg", gt=0.0, plausible=limits.MASS)
    area = v.number("reference_area_m2", "m^2", gt=0.0, plausible=limits.AREA)
    nose = v.number("nose_radius_m", "m", gt=0.0)
    ld = v.number("lift_to_drag", required=False, default=0.0, ge=0.0, le=5.0)
    # its rolling (ballistic) rate, for the phases with law = "rolling" and no rate
    b.roll_rates[name] = v.number(
        "roll_rate_deg_s", "deg s^-1", required=False, ge=-360.0, le=360.0
    )
    cd_mach = cd_values = np.zeros(0)
    extrapolate = True
    if v.has("cd_table"):
        if v.has("drag_coefficient"):
            raise v.error("cd_table", "either drag_coefficient or cd_table, not both")
        ct = v.table("cd_table", what="a table { mach = [...], cd = [...] }")
        ct.error = lambda key, expected: v.error(
            "cd_table", f"{key}: {expected}" if key else expected
        )
        ct.only(("mach", "cd", "extrapolate"))
        cd_mach = ct.number_list("mach", min_length=2, ge=0.0)
        cd_values = ct.number_list("cd", min_length=2, gt=0.0, le=limits.CD)
        extrapolate = ct.boolean("extrapolate", default=False)
        ct.done()
        if cd_mach.shape != cd_values.shape:
            raise v.error(
                "cd_table",
                f"mach and cd of one length, not {cd_mach.size} and {cd_values.size}",
            )
        if np.any(np.diff(cd_mach) <= 0):
            k = int(np.nonzero(np.diff(cd_mach) <= 0)[0][0]) + 1
            raise v.error(
                "cd_table",
                f"mach strictly increasing, not {cd_mach[k]:g} after {cd_mach[k - 1]:g} (item {k})",
            )
        cd = float(cd_values[-1])  # the fastest entry: Vehicle.ballistic_coefficient only
        cd_low = float(cd_values.min())
    else:
        cd = cd_low = v.number("drag_coefficient", "-", gt=0.0, le=limits.CD)
    low, high = limits.BALLISTIC["ge"], limits.BALLISTIC["le"]
    for beta in (mass / (cd * area), mass / (cd_low * area)):
        if not low <= beta <= high:
            raise v.error(
                "mass_kg",
                f"a mass giving a ballistic coefficient mass_kg / (drag_coefficient x "
                f"reference_area_m2) from {low:g} to {high:g} kg m^-2 "
                f"({limits.BALLISTIC['why']}), not {beta:.3g}",
            )
    chute = None
    if any(v.has(k) for k in VEHICLE_KEYS if k.startswith("parachute_")):
        chute = Parachute(
            v.number("parachute_drag_area_m2", "m^2", gt=0.0, plausible=limits.CHUTE_AREA),
            v.number("parachute_fill_time_s", "s", ge=0.0),
            v.number(
                "parachute_max_mach",
                "-",
                required=False,
                default=limits.CHUTE_MAX_MACH,
                gt=0.0,
            ),
            v.number(
                "parachute_max_dynamic_pressure_pa",
                "Pa",
                required=False,
                default=limits.CHUTE_MAX_DYNAMIC_PRESSURE,
                gt=0.0,
            ),
        )
    v.done()
    return Vehicle(
        body,
        mass,
        area,
        nose,
        cd,
        ld,
        cd_mach,
        cd_values,
        parachute=chute,
        cd_extrapolate=extrapolate,
    )
