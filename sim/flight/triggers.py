"""Triggers that end a phase.

A :class:`Trigger` is configuration (what the user says: "altitude falls through 140 km");
:meth:`Trigger.event` turns it into the integrator's terminal event
(:class:`sim.core.ivp.IvpEvent`), located by root finding on the dense output.
"""

from dataclasses import dataclass

from sim.core.ivp import IvpEvent
from sim.core.layout import PHASE_TIME, Q
from sim.core.pack import PhaseModel
from sim.core.program import TriggerSpec

#: Quantities a trigger can watch, with their units.
TRIGGER_UNITS = {
    "altitude": "m",
    "time": "s",  # since the start of the simulation
    "phase_time": "s",  # since the start of the phase
    "dynamic_pressure": "Pa",
    "mach": "-",
    "heat_load": "J m^-2",
    "speed": "m s^-1",
    "delta_v": "m s^-1",  # delivered by the engine since the start of the phase
}


#: Quantities that never decrease during a flight.
_GROWING = ("time", "phase_time", "heat_load", "delta_v")


@dataclass(frozen=True)
class Trigger:
    """The condition that ends a phase.

    Attributes
    ----------
    quantity : str
        One of :data:`TRIGGER_UNITS`.
    value : float
        Threshold in SI units (see :data:`TRIGGER_UNITS`).
    direction : int, optional
        -1: fires when the quantity falls through the value; +1: when it rises through it;
        0: either. Default: +1 for the quantities that only grow (time, phase_time,
        heat_load), -1 for the others.
    """

    quantity: str
    value: float
    direction: int | None = None

    def __post_init__(self):
        if self.quantity not in TRIGGER_UNITS:
            raise ValueError(
                f"unknown trigger quantity {self.quantity!r}; "
                f"expected one of {', '.join(TRIGGER_UNITS)}"
            )
        growing = self.quantity in _GROWING
        if self.direction is None:
            object.__setattr__(self, "direction", 1 if growing else -1)
        if self.direction not in (-1, 0, 1):
            raise ValueError("direction must be -1, 0 or +1")
        if growing and self.direction == -1:
            raise ValueError(f"{self.quantity} only grows: it cannot fall through a value")

    def describe(self) -> str:
        """The trigger in words, e.g. ``"altitude falls to 140000 m"``."""
        unit = TRIGGER_UNITS[self.quantity]
        op = {-1: "falls to", 1: "rises to", 0: "crosses"}[self.direction or 0]
        return f"{self.quantity} {op} {self.value:g} {unit}"

    def event(self, phase_start: float, model: PhaseModel, label: str) -> IvpEvent:
        """The integrator's event for this trigger in a phase that started at
        ``phase_start`` [s]."""
        if self.quantity == "phase_time":
            return IvpEvent(Q.time, phase_start + self.value, 1, model, label)
        return IvpEvent(
            getattr(Q, self.quantity), self.value, int(self.direction or 0), model, label
        )

    def spec(self) -> TriggerSpec:
        """The trigger as the compiled core sees it."""
        if self.quantity == "phase_time":
            return TriggerSpec(PHASE_TIME, float(self.value), 1)
        return TriggerSpec(getattr(Q, self.quantity), float(self.value), int(self.direction or 0))
