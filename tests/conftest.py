"""Shared fixtures: small, sourced vehicles and flights used across the test modules."""

import math

import pytest

from sim.flight.control import ConstantBank
from sim.flight.initial import entry_state
from sim.flight.simulate import Phase
from sim.flight.triggers import Trigger
from sim.models.vehicle import Parachute, Vehicle


def soyuz_like(lift_to_drag=0.3, name="SA"):
    """The performance reference capsule (2,900 kg, 3.8 m^2, Cd 1.3, beta 587 kg/m^2)."""
    return Vehicle(name, 2900.0, 3.8, 2.2, 1.3, lift_to_drag)


def descent_phases(bank_deg=60.0, lift_to_drag=0.3):
    sa = soyuz_like(lift_to_drag)
    drogue = Vehicle("SA", 2900.0, 3.8, 2.2, 1.3, 0.0, parachute=Parachute(0.8 * 24.0, 8.0))
    main = Vehicle("SA", 2900.0, 3.8, 2.2, 1.3, 0.0, parachute=Parachute(0.8 * 1000.0, 10.0))
    return [
        Phase("entry", sa, ConstantBank(math.radians(bank_deg)), (Trigger("altitude", 10.7e3),)),
        Phase("drogue", drogue, until=(Trigger("altitude", 7.0e3),)),
        Phase("main", main),
    ]


def entry_100km(fpa_deg=-1.35):
    return entry_state(
        math.radians(45.0),
        math.radians(30.0),
        100e3,
        7600.0,
        math.radians(fpa_deg),
        math.radians(60.0),
        frame="relative",
    )


@pytest.fixture
def lifting_flight():
    return entry_100km(), descent_phases()
