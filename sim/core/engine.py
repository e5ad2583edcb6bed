"""The compiled engine: a whole flight program, phase chain, guidance and summaries, in
one compiled loop.

Steps are Dormand-Prince 5(4) (:mod:`sim.core.dopri`), and Rosenbrock 4(3)
(:mod:`sim.core.rosenbrock`) in the stiff phases under a canopy unless the program's
settings ask otherwise. After each accepted step the engine locates every event (the
phase's triggers, the ground, the ceiling, the entry-interface crossing) by root finding
on the step's interpolant (a Dormand-Prince step is then flown again to end at the event,
so that the state there has the step's order), runs the guidance cycle at each guidance period
(:func:`sim.core.guidance.guidance_cycle`), and updates the flight's summary: the peak
load, heat flux and dynamic pressure refined on the interpolant, the time above a load
threshold between root-found crossings, the final state. Under a rolling lift a step
spans at most a quarter of a roll while the lift counts (:data:`ROLL_STEP`). With
``settings[store]`` it also keeps every step and its interpolant (trajectories); without,
a run keeps nothing but its summary, so that batches of many runs (:func:`fly_batch`, all
cores) stay small.
"""

import math

import numpy as np

from sim.core import abort, dopri, locate, record, rosenbrock
from sim.core.dynamics import (
    bank_at,
    next_kink,
    parachute_drag_area,
    rhs_into,
)
from sim.core.events import event_quantity_at, event_quantity_of
from sim.core.guidance import guidance_cycle, guidance_start
from sim.core.initial import initial_state
from sim.core.layout import (
    BANK,
    CONTROL,
    EK,
    GS,
    MAX_TRIGGERS,
    N_DENSE,
    N_DERIV,
    N_PARAMS,
    N_STATE,
    PH,
    PHASE_TIME,
    SM,
    ST,
    STATUS,
    TR,
    A,
    G,
    I,
    P,
    Q,
    S,
)
from sim.models._jit import borrow, keep_alive, njit
from sim.models.constants import G0
from sim.models.earth import geodetic_height

#: Largest step [s].
H_MAX = 1e4
#: Tolerance factor of the phases under a canopy. There a velocity error decays with the
#: rate 2 a / v (a the deceleration; 2.7 s^-1 under the main canopy at 7.2 m/s) instead
#: of accumulating, so the velocity tolerance that suits the entry (1 um/s at rtol 1e-8)
#: is far stricter than the landing needs; at 100 times the tolerance the TMA-11 landings
#: move by 4 cm and the flight times by 2 ms against a rtol 1e-12 reference
#: (``tests/core/test_engine.py``).
CANOPY_FACTOR = 100.0
#: Stiffness test: h lambda above the DOPRI5 stability boundary for this many accepted
#: steps in a row switches a canopy phase to the Rosenbrock method.
STIFF_HLAMBDA = 2.0
STIFF_STEPS = 5
#: Largest roll a step may span under a rolling lift [rad]. A step of a rolling phase that
#: spans a large part of a roll samples the turning lift at six instants, and the error
#: estimate, made of the same samples, cannot see what the turning does between them: in
#: the thin air above 100 km the controller took steps of 20-35 s, up to 1.3 turns of the
#: 13 deg/s roll, with local errors up to 58 times the tolerance. The cap holds only while
#: the lift could change the velocity by more than the tolerance within the step
#: (:func:`_roll_horizon`). Over 100 runs of the shipped ballistic Monte Carlo against a
#: rtol 1e-12 reference it took the largest landing error from 13.8 m to 7.6 m (16 runs
#: beyond 10 m before, none after) for 4 % more right-hand sides.
ROLL_STEP = 0.5 * math.pi
#: A discrete local maximum within this fraction of the running maximum is refined.
PEAK_BAND = 0.99
#: Rows of the engine's state-sized work vectors.
_N_VECTORS = 8


@njit
def _triggers(ph, t, y, p, tab, d, triggers, info, kind, target, direction, g):
    """Set up the phase's triggers at its start; the index of one already past, or -1."""
    skip = -1
    for j in range(int(info[ph, PH.n_triggers])):
        q = int(triggers[ph, j, TR.quantity])
        v = triggers[ph, j, TR.value]
        if q == PHASE_TIME:
            q = Q.time
            v = t + v
        kind[j] = q
        target[j] = v
        direction[j] = int(triggers[ph, j, TR.direction])
        g[j] = event_quantity_at(q, t, y, p, tab, d) - v
        if skip < 0 and ((direction[j] < 0 and g[j] <= 0.0) or (direction[j] > 0 and g[j] >= 0.0)):
            skip = j
    return skip


@njit
def _roll_horizon(t, p, d, vtol):
    """The latest end of an explicit step from t [s] under a rolling lift: ROLL_STEP of
    roll, or longer while the lift (from the sensed force of the row ``d`` at t) changes
    the velocity by less than ``vtol`` [m s^-1] within the step; inf for any other
    phase."""
    if p[P.lift_to_drag] == 0.0 or int(p[P.bank_mode]) != BANK.rolling or p[P.bank_rate] == 0.0:
        return math.inf
    ld = abs(p[P.lift_to_drag])
    lift = d[N_STATE + A.sensed] * ld / math.sqrt(1.0 + ld * ld)
    if lift <= 0.0:
        return math.inf
    return t + max(ROLL_STEP / abs(p[P.bank_rate]), vtol / lift)


@njit
def _next_step(h, err, rejected, implicit):
    """The step-size controller of the method that made the step."""
    if implicit:
        return rosenbrock.next_step(h, err, rejected)
    return dopri.next_step(h, err, rejected)


@njit
def _control(ph, t, bank, p, info):
    """Set the bank profile of an open-loop phase."""
    control = int(info[ph, PH.control])
    if control == CONTROL.constant:
        p[P.bank_mode] = BANK.constant
        p[P.bank0] = info[ph, PH.bank]
        p[P.bank_t0] = t
    elif control == CONTROL.rolling:
        p[P.bank_mode] = BANK.rolling
        p[P.bank0] = bank if math.isnan(info[ph, PH.bank]) else info[ph, PH.bank]
        p[P.bank_t0] = t
        p[P.bank_rate] = info[ph, PH.roll_rate]


@njit
def fly(
    init,
    phases,
    info,
    triggers,
    tab,
    guide,
    guide_models,
    settings,
    summary,
    events,
    gstate,
    ghist,
    rows,
    segments,
):
    """Fly one program (the arrays of :class:`sim.core.program.Program`, in order; ``tab``
    the program's table array).

    ``summary`` [SUMMARY.size], ``events`` [MAX_EVENTS, EVENT.size], ``gstate``
    [GSTATE.size] and ``ghist`` [cycles, GHISTORY.size] are filled. With
    ``settings[store]`` every step goes into ``rows`` [capacity, STORED.size] and every
    segment into ``segments`` [capacity, SEGMENT_SIZE] (the counts in the summary; when
    either is full the flight stops with the status ``storage_full``).
    """
    # Borrowed views (no reference counting in the loop) of the arguments and of the work
    # arrays; the work arrays themselves are held to the end of the call (keep_alive).
    owned = (
        np.empty((8, N_DERIV)),  # the stages (k[6] also the quantities at the step end), scratch
        np.empty((N_STATE + 7, N_STATE)),  # the Rosenbrock method's
        np.empty((2, N_DENSE, N_STATE)),  # the interpolants of this step and of the last
        np.empty((_N_VECTORS, N_STATE)),
        np.empty((2, N_PARAMS)),  # the physics row and the guidance's
        np.zeros((3, MAX_TRIGGERS)),
        np.zeros((2, MAX_TRIGGERS), np.int64),
        np.empty(N_STATE, np.int64),  # pivots
        np.zeros((7, 3)),  # maxima; load, heat flux, dynamic pressure at three times
    )
    k = borrow(owned[0])
    d = k[7]
    work = borrow(owned[1])
    coefs = borrow(owned[2])
    vectors = borrow(owned[3])
    params = borrow(owned[4])
    trig_values = borrow(owned[5])
    trig_codes = borrow(owned[6])
    piv = borrow(owned[7])
    small = borrow(owned[8])
    init = borrow(init)
    phases = borrow(phases)
    info = borrow(info)
    triggers = borrow(triggers)
    tab = borrow(tab)
    guide = borrow(guide)
    guide_models = borrow(guide_models)
    settings = borrow(settings)
    summary = borrow(summary)
    events = borrow(events)
    gstate = borrow(gstate)
    ghist = borrow(ghist)
    rows = borrow(rows)
    segments = borrow(segments)
    coef = coefs[0]
    coef_prev = coefs[1]
    y = vectors[0]
    ynew = vectors[1]
    yend = vectors[2]
    tmp = vectors[3]
    ytmp = vectors[4]
    atol = vectors[5]
    atol_canopy = vectors[6]
    p = params[0]
    pg = params[1]
    trig_target = trig_values[0]
    trig_g = trig_values[1]
    trig_new = trig_values[2]
    trig_kind = trig_codes[0]
    trig_dir = trig_codes[1]
    best = small[0:4]
    val_a = small[4]
    val_b = small[5]
    val_p = small[6]

    store = settings[ST.store] != 0.0
    stiff = settings[ST.stiff_phases] != 0.0
    rtol = settings[ST.rtol]
    for i in range(N_STATE):
        atol[i] = dopri.ATOL_PER_RTOL[i] * rtol
        atol_canopy[i] = atol[i] * CANOPY_FACTOR
    max_steps = settings[ST.max_steps]
    g_thr = settings[ST.g_threshold]
    ei = settings[ST.entry_interface]
    ground = settings[ST.ground_altitude]
    ceiling = settings[ST.ceiling_altitude]
    # stopping from outside: Ctrl-C and the wall-clock limit (sim.core.abort)
    watch = settings[ST.watch_interrupt] != 0.0
    wall = settings[ST.max_wall_time]
    deadline = abort.wall_clock() + wall if wall > 0.0 else 0.0
    for i in range(summary.shape[0]):
        summary[i] = 0.0
    for slot in (
        SM.entry_time,
        SM.entry_lat,
        SM.entry_lon,
        SM.guidance_downrange,
        SM.guidance_crossrange,
        SM.guidance_limit_time,
        SM.guidance_limit_downrange,
    ):
        summary[slot] = math.nan
    for i in range(gstate.shape[0]):
        gstate[i] = 0.0
    n_rows = 0
    n_seg = 0
    for i in range(N_PARAMS):
        p[i] = phases[0, i]
    y0 = initial_state(init, p, info[0, PH.start_mass])
    for i in range(N_STATE):
        y[i] = y0[i]
    t = init[I.t0]
    t_limit = t + settings[ST.max_time]
    status = STATUS.running
    bank = 0.0
    chute_area = 0.0
    steps = 0
    rejected = 0
    rhs_calls = 0
    above_time = 0.0
    entry_found = geodetic_height(y[S.x], y[S.y], y[S.z])[2] <= ei
    guided_any = False

    for ph in range(phases.shape[0]):
        for i in range(N_PARAMS):
            p[i] = phases[ph, i]
        if not math.isnan(info[ph, PH.start_mass]):
            y[S.mass] = info[ph, PH.start_mass]
        chuted = info[ph, PH.has_parachute] != 0.0
        p[P.chute_area0] = chute_area if chuted else 0.0
        p[P.chute_t0] = t
        p[P.phase_start_mass] = y[S.mass]
        nt = int(info[ph, PH.n_triggers])
        alt = geodetic_height(y[S.x], y[S.y], y[S.z])[2]
        skip = _triggers(
            ph, t, y, p, tab, d, triggers, info, trig_kind, trig_target, trig_dir, trig_g
        )
        if skip >= 0:
            record.log(events, summary, t, alt, EK.skipped, ph, skip)
            continue
        guided = int(info[ph, PH.control]) == CONTROL.guided
        # Under a canopy the descent turns stiff once the canopy has filled: the engine
        # switches from Dormand-Prince to the Rosenbrock method when the stiffness test
        # has held for STIFF_STEPS accepted steps in a row.
        may_switch = stiff and chuted
        # under a canopy velocity errors decay instead of accumulating (see CANOPY_FACTOR)
        rtol_p = rtol * CANOPY_FACTOR if chuted else rtol
        atol_p = atol_canopy if chuted else atol
        implicit = False
        stiff_steps = 0
        _control(ph, t, bank, p, info)
        gi = int(info[ph, PH.guide]) if guided else 0
        period = guide[gi, G.period] if guided else 0.0
        next_cycle = t if guided else t_limit
        if guided:
            guided_any = True
            gstate[GS.phase] = ph
            guidance_start(bank, guide[gi], gstate)
        g_ground = alt - ground
        g_ceiling = alt - ceiling
        qa = locate.quantities(t, y, p, tab, d)
        val_a[0], val_a[1], val_a[2] = qa[0], qa[1], qa[2]
        out = p[P.attitude] < 0.0
        record.take(best, val_a, t, qa[3], out)
        have_prev = False
        t_prev = t
        h_prev = 0.0
        h = 0.0
        h_free = 0.0
        new_segment = True
        phase_done = False
        while not phase_done and status == STATUS.running:
            stop = abort.poll(watch, deadline)
            if stop != abort.GO_ON:
                interrupted = stop == abort.INTERRUPTED
                status = STATUS.interrupted if interrupted else STATUS.wall_time
                kind = EK.interrupted if interrupted else EK.wall_time
                record.log(events, summary, t, alt, kind, ph, -1)
                break
            if guided and t >= next_cycle:
                for i in range(N_PARAMS):
                    pg[i] = guide_models[gi, i]
                b_now = bank_at(t, p)
                command = guidance_cycle(t, y, b_now, guide[gi], gstate, p, pg, tab, ghist)
                p[P.bank_mode] = BANK.slew
                p[P.bank0] = b_now
                p[P.bank_t0] = t
                p[P.bank_rate] = abs(guide[gi, G.bank_rate_limit])
                p[P.bank_command] = command
                next_cycle = min(t + period, t_limit)
                new_segment = True
            if new_segment:
                rhs_into(t, y, p, tab, k[0])
                rhs_calls += 1
                if h_free <= 0.0:  # a phase start; a guidance cycle keeps its step size
                    h_free = dopri.initial_step(t, y, k[0], p, tab, rtol, atol, H_MAX, tmp, ynew)
                    rhs_calls += 1
                h = h_free
                if store:
                    if n_seg >= segments.shape[0] or n_rows >= rows.shape[0]:
                        status = STATUS.storage_full
                        break
                    record.store_segment(segments, n_seg, p, ph)
                    record.store_row(rows, n_rows, t, n_seg, t, 0.0, y, coef)
                    n_rows += 1
                    n_seg += 1
                new_segment = False
            # a step ends at a seam: a guidance cycle, the time limit, a kink in time; and
            # spans no more of a roll than the lift allows (ROLL_STEP)
            t_stop = min(next_cycle if guided else t_limit, next_kink(t, p))
            if not implicit:
                vtol = atol_p[S.vx] + rtol_p * k[0, N_STATE + A.speed]
                t_stop = min(t_stop, _roll_horizon(t, p, k[0], vtol))
            h_free = h  # the step the controller asked for, before the clamp
            clamped = t + h >= t_stop
            if clamped:
                h = t_stop - t
            if h <= 0.0:
                status = STATUS.time_limit
                record.log(events, summary, t, alt, EK.time_limit, ph, -1)
                break
            stepped_implicitly = implicit
            if implicit:
                err, calls = rosenbrock.step(t, y, h, k[0], p, tab, atol_p, rtol_p, ynew, work, piv)
                rhs_calls += calls
            else:
                dopri.step(t, y, h, k, p, tab, ynew, tmp)
                rhs_calls += 6
                err = dopri.error_norm(y, ynew, h, k, rtol_p, atol_p)
            if not err <= 1.0:
                rejected += 1
                h = _next_step(h, err, True, implicit)
                if h < 1e-12 * max(1.0, abs(t)) or rejected > 10 * max_steps:
                    status = STATUS.failed
                    record.log(events, summary, t, alt, EK.failed, ph, -1)
                continue
            steps += 1
            if may_switch and not implicit:
                if dopri.stiffness(y, ynew, h, k, tmp, rtol, atol) > STIFF_HLAMBDA:
                    stiff_steps += 1
                    implicit = stiff_steps >= STIFF_STEPS
                else:
                    stiff_steps = 0
            t_new = t_stop if clamped else t + h
            if stepped_implicitly:
                rhs_into(t_new, ynew, p, tab, k[6])
                rhs_calls += 1
                rosenbrock.hermite_coefficients(y, ynew, h, k[0], k[6], coef)
            else:
                dopri.dense_coefficients(y, ynew, h, k, coef)
            k6 = k[6]
            alt_new = k6[N_STATE + A.altitude]
            first = 2.0
            which = -1
            gg = alt_new - ground
            if locate.crosses(g_ground, gg, -1):
                first = locate.root(
                    Q.altitude, ground, t, h, coef, 0.0, 1.0, g_ground, gg, p, tab, ytmp, d
                )
                which = 0
            gc = alt_new - ceiling
            if locate.crosses(g_ceiling, gc, 1):
                th = locate.root(
                    Q.altitude, ceiling, t, h, coef, 0.0, 1.0, g_ceiling, gc, p, tab, ytmp, d
                )
                if th < first:
                    first = th
                    which = 1
            for j in range(nt):
                trig_new[j] = event_quantity_of(trig_kind[j], t_new, ynew, p, k6) - trig_target[j]
                if locate.crosses(trig_g[j], trig_new[j], trig_dir[j]):
                    th = locate.root(
                        trig_kind[j],
                        trig_target[j],
                        t,
                        h,
                        coef,
                        0.0,
                        1.0,
                        trig_g[j],
                        trig_new[j],
                        p,
                        tab,
                        ytmp,
                        d,
                    )
                    if th < first:
                        first = th
                        which = 2 + j
            if not entry_found and alt_new <= ei:
                th = locate.root(
                    Q.altitude, ei, t, h, coef, 0.0, 1.0, alt - ei, alt_new - ei, p, tab, ytmp, d
                )
                if th <= first:
                    entry_found = True
                    dopri.dense_eval(coef, th, ytmp)
                    sin_lat, cos_lat, _ = geodetic_height(ytmp[S.x], ytmp[S.y], ytmp[S.z])
                    summary[SM.entry_time] = t + th * h
                    summary[SM.entry_lat] = math.atan2(sin_lat, cos_lat)
                    summary[SM.entry_lon] = math.atan2(ytmp[S.y], ytmp[S.x])
            # an event within an explicit step: the step is flown again to end there, so
            # that the state where a phase ends (the burn's end, a separation, a
            # parachute) has the step's fifth order instead of the interpolant's fourth
            redone = which >= 0 and not stepped_implicitly and first < 1.0
            if redone:  # shorter than the step accepted, from the same start: not tested again
                h = first * h
                dopri.step(t, y, h, k, p, tab, ynew, tmp)
                rhs_calls += 6
                dopri.dense_coefficients(y, ynew, h, k, coef)
                first = 1.0
                t_new = t + h
            theta_end = first if which >= 0 else 1.0
            if which >= 0 and not redone:  # an event inside a Rosenbrock step (or at an end)
                t_end = t + first * h
                dopri.dense_eval(coef, first, yend)
                qb = locate.quantities(t_end, yend, p, tab, d)
                val_b[0], val_b[1], val_b[2] = qb[0], qb[1], qb[2]
                alt_end = qb[3]
            else:  # the step's end: its quantities are in k[6]
                t_end = t_new
                for i in range(N_STATE):
                    yend[i] = ynew[i]
                val_b[0] = k6[N_STATE + A.sensed] / G0
                val_b[1] = k6[N_STATE + A.heat_flux]
                val_b[2] = k6[N_STATE + A.dynamic_pressure]
                alt_end = k6[N_STATE + A.altitude]
            # the time above the load threshold, between root-found crossings
            fa = val_a[0] - g_thr
            fb = val_b[0] - g_thr
            if fa > 0.0 and fb > 0.0:
                above_time += t_end - t
            elif (fa > 0.0) != (fb > 0.0):
                tc = t + h * locate.root(
                    locate.LOAD, g_thr, t, h, coef, 0.0, theta_end, fa, fb, p, tab, ytmp, d
                )
                above_time += (t_end - tc) if fb > 0.0 else (tc - t)
            # a discrete local maximum at t is refined over the two steps around it
            if have_prev:
                for i in range(3):
                    row = 3 if (i == 0 and out) else i
                    # a local maximum near the running maximum (others cannot beat it)
                    if (
                        val_a[i] >= val_p[i]
                        and val_a[i] >= val_b[i]
                        and val_a[i] > 0.0
                        and val_a[i] >= PEAK_BAND * best[row, 0]
                    ):
                        pk = locate.peak(
                            t_prev, t, t_end, coef_prev, coef, h_prev, h, i, p, tab, ytmp, d
                        )
                        if pk[0] > best[row, 0]:
                            best[row, 0] = pk[0]
                            best[row, 1] = pk[1]
                            best[row, 2] = pk[2]
            record.take(best, val_b, t_end, alt_end, out)
            if store:
                if n_rows >= rows.shape[0]:
                    status = STATUS.storage_full
                    break
                record.store_row(rows, n_rows, t_end, n_seg - 1, t, h, yend, coef)
                n_rows += 1
            coef, coef_prev = coef_prev, coef  # this step's interpolant is the last one
            t_prev = t
            h_prev = h
            for i in range(3):
                val_p[i] = val_a[i]
                val_a[i] = val_b[i]
            have_prev = True
            t = t_end
            for i in range(N_STATE):
                y[i] = yend[i]
            alt = alt_end
            g_ground = gg
            g_ceiling = gc
            for j in range(nt):
                trig_g[j] = trig_new[j]
            for i in range(N_DERIV):
                k[0, i] = k[6, i]
            h = _next_step(h, err, False, stepped_implicitly)
            if clamped:  # a step cut short by a seam says nothing against a longer one
                h = max(h, h_free)
            finite = True
            for i in range(N_STATE):
                finite = finite and math.isfinite(y[i])
            if not finite:
                status = STATUS.failed
                record.log(events, summary, t, alt, EK.failed, ph, -1)
            elif which == 0:
                status = STATUS.landed
                record.log(events, summary, t, alt, EK.ground, ph, -1)
            elif which == 1:
                status = STATUS.skipped_out
                record.log(events, summary, t, alt, EK.ceiling, ph, -1)
            elif which >= 2:
                record.log(events, summary, t, alt, EK.trigger, ph, which - 2)
                phase_done = True
            elif t >= t_limit:
                status = STATUS.time_limit
                record.log(events, summary, t, alt, EK.time_limit, ph, -1)
            elif steps >= max_steps:
                status = STATUS.step_limit
                record.log(events, summary, t, alt, EK.step_limit, ph, -1)
        bank = bank_at(t, p)
        chute_area = parachute_drag_area(t, p) if chuted else 0.0
        if status != STATUS.running:
            break
    if status == STATUS.running:
        status = STATUS.stopped
    record.finish(
        summary,
        status,
        t,
        y,
        best,
        above_time,
        steps,
        rejected,
        rhs_calls,
        guided_any,
        gstate,
    )
    summary[SM.stored_rows] = n_rows
    summary[SM.stored_segments] = n_seg
    keep_alive(owned)
