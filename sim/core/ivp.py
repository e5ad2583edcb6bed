"""The ``solve_ivp`` reference path: a flight program flown segment by segment with
``scipy.integrate.solve_ivp`` over the compiled right-hand side.

:class:`IvpEvent` is a small callable that satisfies ``solve_ivp``'s event protocol
(``terminal`` and ``direction`` attributes) and evaluates the compiled
:func:`sim.core.events.event_quantity`, so that event times are found by root finding on
the integrator's dense output, exact to its tolerance. The guidance cycle is the compiled
:func:`sim.core.guidance.guidance_cycle`, called at each segment seam: both integrators fly
one copy of the physics and of the guidance.
"""

import math
from typing import Any

import numpy as np

from sim.core import dopri
from sim.core.dynamics import bank_angle, parachute_drag_area, rhs
from sim.core.events import event_quantity
from sim.core.guidance import guidance_cycle, guidance_start
from sim.core.initial import initial_state
from sim.core.layout import (
    BANK,
    CONTROL,
    EK,
    EVENT,
    GHISTORY,
    GS,
    GSTATE,
    PH,
    PHASE_TIME,
    ST,
    STATUS,
    TR,
    G,
    I,
    P,
    Q,
    S,
)
from sim.core.pack import PhaseModel
from sim.core.program import FlownProgram, FlownSegment, Program


def absolute_tolerances(rtol: float) -> np.ndarray:
    """Absolute tolerances of the state components [SI] for a relative tolerance (the
    engine's, :data:`sim.core.dopri.ATOL_PER_RTOL`)."""
    return dopri.ATOL_PER_RTOL * rtol


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
    from scipy.integrate import solve_ivp  # the reference path only (0.3 s to import)

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


def fly_reference(
    program: Program, *, method: str = "DOP853", history_rows: int = 0
) -> FlownProgram:
    """Fly a program with ``solve_ivp`` (``method``), storing every segment.

    Follows the same rules as the compiled engine (:func:`sim.core.engine.fly`): phase
    start mass, parachute fill from the previous drag area, bank continuation, triggers
    converted at the phase start, skipped phases, ground, ceiling, time limit.
    """
    pr = program
    rtol = float(pr.settings[ST.rtol])
    gstate = np.zeros(GSTATE.size)
    ghist = np.zeros((history_rows, GHISTORY.size))
    events: list[list[float]] = []
    segments = []
    p = pr.phases[0].copy()
    y = initial_state(pr.init, p, float(pr.info[0, PH.start_mass]))
    t = float(pr.init[I.t0])
    t_limit = t + float(pr.settings[ST.max_time])
    bank = 0.0
    chute_area = 0.0
    status = STATUS.running
    for ph in range(pr.phases.shape[0]):
        info = pr.info[ph]
        p = pr.phases[ph].copy()
        if not math.isnan(info[PH.start_mass]):
            y[S.mass] = info[PH.start_mass]
        p[P.chute_area0] = chute_area if info[PH.has_parachute] else 0.0
        p[P.chute_t0] = t
        p[P.phase_start_mass] = y[S.mass]
        model = PhaseModel(p, pr.table)
        ground = IvpEvent(Q.altitude, pr.settings[ST.ground_altitude], -1, model, "ground")
        ceiling = IvpEvent(Q.altitude, pr.settings[ST.ceiling_altitude], 1, model, "ceiling")
        triggers = []
        for j in range(int(info[PH.n_triggers])):
            q, v, d = pr.triggers[ph, j, [TR.quantity, TR.value, TR.direction]]
            q = int(q)
            if q == PHASE_TIME:
                q, v = Q.time, t + v
            triggers.append(IvpEvent(q, v, int(d), model, str(j)))
        alt = ground.value(t, y)
        passed = [j for j, e in enumerate(triggers) if e.already_past(t, y)]
        if passed:
            events.append([t, alt, EK.skipped, ph, passed[0]])
            continue
        control = int(info[PH.control])
        guided = control == CONTROL.guided
        if control == CONTROL.constant:
            p[[P.bank_mode, P.bank0, P.bank_t0]] = BANK.constant, info[PH.bank], t
        elif control == CONTROL.rolling:
            b0 = bank if math.isnan(info[PH.bank]) else info[PH.bank]
            p[[P.bank_mode, P.bank0, P.bank_t0, P.bank_rate]] = (
                BANK.rolling,
                b0,
                t,
                info[PH.roll_rate],
            )
        else:
            gi = int(info[PH.guide])
            gp = pr.guide[gi]
            gstate[GS.phase] = ph
            guidance_start(bank, gp, gstate)
        phase_done = False
        while not phase_done:
            if guided:
                pg = pr.guide_models[gi].copy()
                b_now = float(bank_angle(t, p))
                command = guidance_cycle(t, y, b_now, gp, gstate, p, pg, pr.table, ghist)
                p = p.copy()
                p[[P.bank_mode, P.bank0, P.bank_t0, P.bank_rate, P.bank_command]] = (
                    BANK.slew,
                    b_now,
                    t,
                    abs(gp[G.bank_rate_limit]),
                    command,
                )
                t_end = min(t + float(gp[G.period]), t_limit)
            else:
                t_end = t_limit
            seg_model = PhaseModel(p, pr.table)
            evs = [ground, ceiling, *triggers]
            sol = integrate_segment(seg_model, t, t_end, y, rtol=rtol, method=method, events=evs)
            segments.append(FlownSegment(ph, sol.t, sol.y.T.copy(), p, pr.table, sol.sol))
            if sol.status == -1:
                status = STATUS.failed
                events.append([float(sol.t[-1]), alt, EK.failed, ph, -1])
                break
            t = float(sol.t[-1])
            y = sol.y[:, -1].copy()
            alt = ground.value(t, y)
            if sol.status == 1:
                first = next(e for e, te in zip(evs, sol.t_events, strict=True) if len(te))
                if first is ground:
                    status = STATUS.landed
                    events.append([t, alt, EK.ground, ph, -1])
                elif first is ceiling:
                    status = STATUS.skipped_out
                    events.append([t, alt, EK.ceiling, ph, -1])
                else:
                    events.append([t, alt, EK.trigger, ph, int(first.label)])
                    phase_done = True
            elif t >= t_limit:
                status = STATUS.time_limit
                events.append([t, alt, EK.time_limit, ph, -1])
            if status != STATUS.running:
                break
        bank = float(bank_angle(t, p))
        chute_area = float(parachute_drag_area(t, p)) if info[PH.has_parachute] else 0.0
        if status != STATUS.running:
            break
    if status == STATUS.running:
        status = STATUS.stopped
    log = np.array(events, dtype=float).reshape(-1, EVENT.size)
    return FlownProgram(pr, status, log, tuple(segments), gstate, ghist, None)
