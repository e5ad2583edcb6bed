"""Triggers that end a phase, and their ``solve_ivp`` event functions.

A :class:`Trigger` is configuration (what the user says: "altitude falls through 140 km");
:class:`IvpEvent` is a small callable that satisfies the ``solve_ivp`` event protocol
(``terminal`` and ``direction`` attributes) and evaluates the compiled
:func:`sim.dynamics.event_quantity`, so that event times are found by root finding on the
integrator's dense output, exact to its tolerance.
"""

from dataclasses import dataclass

from sim.dynamics import EVENT_QUANTITIES, Q_TIME, event_quantity

#: Quantities a trigger can watch, with their units.
TRIGGER_UNITS = {
    "altitude": "m",
    "time": "s",  # since the start of the simulation
    "phase_time": "s",  # since the start of the phase
    "dynamic_pressure": "Pa",
    "mach": "-",
    "heat_load": "J m^-2",
    "speed": "m s^-1",
}


#: Quantities that never decrease during a flight.
_GROWING = ("time", "phase_time", "heat_load")


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
            raise ValueError(f"unknown trigger quantity {self.quantity!r}; "
                             f"expected one of {', '.join(TRIGGER_UNITS)}")
        growing = self.quantity in _GROWING
        if self.direction is None:
            object.__setattr__(self, "direction", 1 if growing else -1)
        if self.direction not in (-1, 0, 1):
            raise ValueError("direction must be -1, 0 or +1")
        if growing and self.direction == -1:
            raise ValueError(f"{self.quantity} only grows: it cannot fall through a value")

    def describe(self):
        unit = TRIGGER_UNITS[self.quantity]
        op = {-1: "falls to", 1: "rises to", 0: "crosses"}[self.direction]
        return f"{self.quantity} {op} {self.value:g} {unit}"

    def event(self, phase_start, model_args, label):
        """The solve_ivp event for this trigger in a phase that started at phase_start [s]."""
        if self.quantity == "phase_time":
            return IvpEvent(Q_TIME, phase_start + self.value, 1, model_args, label)
        return IvpEvent(EVENT_QUANTITIES[self.quantity], self.value, self.direction,
                        model_args, label)


class IvpEvent:
    """A terminal solve_ivp event: quantity(t, y) - target."""

    terminal = True

    def __init__(self, kind, target, direction, model_args, label):
        self.kind = kind
        self.target = float(target)
        self.direction = direction
        self.model_args = model_args
        self.label = label

    def value(self, t, y):
        return event_quantity(self.kind, t, y, *self.model_args)

    def __call__(self, t, y):
        return self.value(t, y) - self.target

    def already_past(self, t, y):
        """True when the state is already on the far side of the threshold."""
        g = self(t, y)
        return (self.direction < 0 and g <= 0.0) or (self.direction > 0 and g >= 0.0)
