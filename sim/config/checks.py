"""Checks of a whole scenario, after its parts are built: the ceiling above the start,
the atmosphere tables over every altitude the flight can meet, no mass gained at a
separation, the landing time within the calendar; and where the drag tables that may not
be extrapolated are written. Part of the builder (:mod:`sim.config.build`)."""

import math
from datetime import timedelta
from typing import Any

from sim.config.tree import dotted
from sim.config.vehicles import cd_table_key
from sim.flight.ranges import altitude_range_problem
from sim.models.constants import G0, WGS84_A, WGS84_B


def check_flight(b: Any, initial_t: Any, orbit, burn, phases, simulation, epoch) -> None:
    """Raise the builder's ScenarioError for what needs the whole scenario (see the
    module docstring)."""
    if orbit is None:
        start = initial_t.data["altitude_km"] * 1e3
        what = "the start altitude, initial.altitude_km"
    else:  # the highest point of the orbit above the ellipsoid (at most, over a pole)
        start = WGS84_A + orbit.apogee_altitude - WGS84_B
        what = "the highest altitude of the orbit above the ellipsoid"
    if simulation.ceiling_altitude is not None and not simulation.ceiling_altitude > start:
        raise b.error(
            ("simulation", "ceiling_altitude_km"),
            f"a number > {start / 1e3:g} ({what}: the ceiling ends a flight that rises "
            f"through it) [km], not {simulation.ceiling_altitude / 1e3:g}",
        )
    ceiling = (
        simulation.ceiling_altitude
        if simulation.ceiling_altitude is not None
        else max(start, 100e3) + 50e3  # the simulator's default
    )
    for atm, path in b.tables:
        problem = altitude_range_problem(atm, simulation.ground_altitude, ceiling)
        if problem is not None:
            raise b.error(
                (*path, "file"),
                f"{b.table_at(path).get('file', 'the table')}: {problem}; extrapolate = "
                "true beside file extrapolates it (or lower simulation.ceiling_altitude_km)",
            )
    mass = None
    for k, phase in enumerate(phases):
        if k == 0 and burn is not None and burn.kind == "finite":
            # the burn flies first with this vehicle and leaves it lighter
            ve = burn.specific_impulse * G0
            mass = phase.vehicle.mass * math.exp(-burn.delta_v / ve)
            continue
        if k > 0 and phase.vehicle.name == phases[k - 1].vehicle.name:
            continue  # the same body: its mass carries over
        if mass is not None and phase.vehicle.mass > mass * (1.0 + 1e-12):
            raise b.error(
                ("phases", k, "vehicle"),
                f"a vehicle no heavier than the {mass:g} kg flying before it (a "
                f"separation only drops mass), not one of {phase.vehicle.mass:g} kg",
            )
        mass = phase.vehicle.mass
    if epoch is not None:
        try:
            epoch + timedelta(seconds=simulation.max_time + 1.0)
        except OverflowError:
            raise b.error(
                ("epoch_utc",),
                f"a date and time at least simulation.max_time_s ({simulation.max_time:g} "
                "s) before the end of the year 9999 (the last UTC time a report writes)",
            ) from None


def mach_tables(b: Any, phases, burn) -> dict:
    """Phase name -> (file, dotted key) of its vehicle's drag table, for the tables that
    may not be extrapolated (:attr:`sim.config.scenario.Scenario.mach_tables`)."""
    out = {}
    items = b.config.get("phases", [])
    for k, phase in enumerate(phases):
        v = phase.vehicle
        if not v.cd_mach.size or v.cd_extrapolate:
            continue
        keys = cd_table_key(b.config, items[k].get("vehicle"))
        out[phase.name] = (b.file_of(keys), dotted(keys))
        if k == 0 and burn is not None and burn.kind == "finite":
            out["deorbit burn"] = out[phase.name]
    return out
