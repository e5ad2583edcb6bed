"""The ``solve_ivp`` reference integrator over the compiled right-hand side.

:class:`IvpEvent` is a small callable that satisfies ``solve_ivp``'s event protocol
(``terminal`` and ``direction`` attributes) and evaluates the compiled
:func:`sim.core.events.event_quantity`, so that event times are found by root finding on
the integrator's dense output, exact to its tolerance.
"""

from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from sim.core.dynamics import rhs
from sim.core.events import event_quantity
from sim.core.layout import STATE
from sim.core.pack import PhaseModel

#: Absolute tolerance of each state component per unit of rtol: 1 mm, 1 um/s, 1 J/m^2 and
#: 10 mg at rtol 1e-8.
_ATOL_PER_RTOL = {
    "x": 1e5,
    "y": 1e5,
    "z": 1e5,
    "vx": 1e2,
    "vy": 1e2,
    "vz": 1e2,
    "heat_load": 1e8,
    "mass": 1e3,
}


def absolute_tolerances(rtol: float) -> np.ndarray:
    """Absolute tolerances of the state components [SI] for a relative tolerance."""
    return rtol * np.array([_ATOL_PER_RTOL[name] for name in STATE.names])


class IvpEvent:
    """A terminal ``solve_ivp`` event: quantity(t, y) - target.

    Parameters
    ----------
    kind : int
        A code of :data:`sim.core.layout.EVENT_QUANTITIES`.
    target : float
        Threshold [SI].
    direction : int
        -1 falling through, +1 rising through, 0 either.
    model : PhaseModel
        The model the quantity is evaluated with (set again per segment).
    label : str
    """

    terminal = True

    def __init__(
        self, kind: int, target: float, direction: int, model: PhaseModel, label: str
    ) -> None:
        self.kind = kind
        self.target = float(target)
        self.direction = direction
        self.model = model
        self.label = label

    def value(self, t: float, y: np.ndarray) -> float:
        """The watched quantity at a state [SI]."""
        return event_quantity(self.kind, t, y, *self.model.args)

    def __call__(self, t: float, y: np.ndarray) -> float:
        """The event function of ``solve_ivp``: zero at the event."""
        return self.value(t, y) - self.target

    def already_past(self, t: float, y: np.ndarray) -> bool:
        """True when the state is already on the far side of the threshold."""
        g = self(t, y)
        return (self.direction < 0 and g <= 0.0) or (self.direction > 0 and g >= 0.0)


def integrate_segment(
    model: PhaseModel,
    t0: float,
    t1: float,
    y0: np.ndarray,
    *,
    rtol: float,
    method: str,
    events: list[IvpEvent],
) -> Any:
    """Integrate one segment with ``solve_ivp`` (dense output on, terminal events).

    Returns
    -------
    scipy.integrate.OdeResult
    """
    args = model.args
    for e in events:
        e.model = model

    def fun(t, y):
        return rhs(t, y, *args)

    return solve_ivp(
        fun,
        (t0, t1),
        y0,
        method=method,
        rtol=rtol,
        atol=absolute_tolerances(rtol),
        events=events,
        dense_output=True,
    )
