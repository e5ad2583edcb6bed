"""Bank-angle control laws.

A control law is a frozen dataclass (what the user configures). At the start of a phase
the simulator calls ``law.start(t, y, bank, phase_model)`` and receives a controller (the
law's per-flight state). Before each integration segment it asks the controller for a
:class:`BankSegment`, an analytic bank profile that holds until the next call; the
controller's ``period`` is the length of a segment [s] (``None``: one segment to the end
of the phase). Open-loop laws return one segment; closed-loop guidance re-plans every
period, and the bank slews toward its new command at a limited rate.
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

from sim.dynamics import BANK_CONSTANT, BANK_ROLLING, BANK_SLEW


class BankSegment(NamedTuple):
    """An analytic bank profile: see :func:`sim.dynamics.bank_angle`."""

    mode: int
    bank0: float  #: [rad]
    t0: float  #: [s]
    rate: float  #: [rad s^-1]
    command: float  #: [rad]


@dataclass(frozen=True)
class ConstantBank:
    """Hold one bank angle [rad] for the whole phase (0: full lift up)."""

    bank: float = 0.0

    def start(self, t, y, bank, model):
        return _OpenLoop(BankSegment(BANK_CONSTANT, self.bank, t, 0.0, 0.0))


@dataclass(frozen=True)
class RollingBank:
    """Roll at a constant rate [rad s^-1] so that the lift averages to zero.

    This is the Soyuz ballistic backup mode: the capsule spins about its velocity vector.
    ``initial_bank`` [rad] is the bank at the start of the phase; ``None`` continues the
    bank the previous phase ended with.
    """

    roll_rate: float
    initial_bank: float | None = None

    def start(self, t, y, bank, model):
        b0 = bank if self.initial_bank is None else self.initial_bank
        return _OpenLoop(BankSegment(BANK_ROLLING, b0, t, self.roll_rate, 0.0))


class _OpenLoop:
    period = None

    def __init__(self, segment):
        self._segment = segment
        self.diagnostics = {}

    def segment(self, t, y, bank):
        return self._segment


def slew_segment(t, bank, command, rate):
    """A segment that slews from ``bank`` toward ``command`` at ``rate`` [rad s^-1]."""
    return BankSegment(BANK_SLEW, bank, t, abs(rate), command)


