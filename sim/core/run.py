"""Running flight programs with the compiled engine: one run (:func:`fly_program`,
with its trajectory) or a batch of runs on all cores (:func:`fly_batch`)."""

import itertools
import threading
import time
from typing import Any

import numba
import numpy as np

from sim.core import dopri
from sim.core.engine import fly
from sim.core.layout import (
    EVENT,
    GHISTORY,
    GSTATE,
    MAX_EVENTS,
    N_DENSE,
    N_PARAMS,
    N_STATE,
    SEGMENT_SIZE,
    SM,
    ST,
    STATUS,
    STORED,
    SUMMARY,
    R,
)
from sim.models._jit import nogil_njit

_STORED_SIZE = STORED.size


@nogil_njit
def fly_range(
    lo,
    hi,
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
):
    """:func:`~sim.core.engine.fly` for the runs ``lo`` to ``hi`` (excluded) of a stack of
    programs of one shape (a leading run axis on every array), one after the other, the
    GIL released: each run keeps its summary, event log, guidance state and history
    rows, nothing else."""
    no_rows = np.zeros((0, _STORED_SIZE))
    no_segments = np.zeros((0, SEGMENT_SIZE))
    for r in range(lo, hi):
        fly(
            init[r],
            phases[r],
            info[r],
            triggers[r],
            tab[r],
            guide[r],
            guide_models[r],
            settings[r],
            summary[r],
            events[r],
            gstate[r],
            ghist[r],
            no_rows,
            no_segments,
        )


#: Threads a batch flies on (None: numba's NUMBA_NUM_THREADS, all cores by default).
_THREADS: int | None = None
#: The most runs a thread takes at a time from a batch (a guided run takes about 10 ms).
_BLOCK = 32


def set_batch_threads(threads: int | None) -> None:
    """Fly the batches of this process on ``threads`` threads (None: all cores)."""
    global _THREADS
    if threads is not None and threads < 1:
        raise ValueError(f"a batch needs at least one thread, not {threads}")
    _THREADS = threads


def batch_threads() -> int:
    """The threads a batch of this process flies on."""
    if _THREADS is not None:
        return _THREADS
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


def fly_batch(*arrays: np.ndarray) -> None:
    """Fly a stack of programs of one shape (the arguments of :func:`fly_range` after
    ``lo`` and ``hi``) on :func:`batch_threads` threads, in parallel.

    The threads take blocks of runs in turn as they finish their last (so that slow runs
    do not hold one thread while the others wait); every run is flown by the same
    compiled code whatever the thread, so the results do not depend on their number.
    One compiled function, called from Python on each block: numba's parallel loops
    would compile the whole engine into three more libraries besides it (the loop's
    function and two wrappers), which took about 6 s of a first batch.
    """
    engine: Any = fly_range
    settings = arrays[7]
    n = int(arrays[0].shape[0])
    if np.any(settings[:, ST.watch_interrupt] != 0.0):
        # a thread without the interpreter never polls for Ctrl-C (sim.core.abort)
        settings = settings.copy()
        settings[:, ST.watch_interrupt] = 0.0
        arrays = (*arrays[:7], settings, *arrays[8:])
    workers = max(1, min(batch_threads(), n))
    if workers == 1:
        engine(0, n, *arrays)
        return
    block = max(1, min(_BLOCK, n // (16 * workers)))
    blocks = itertools.count()  # next() of a count is atomic under the GIL
    stop = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not stop.is_set():
                lo = next(blocks) * block
                if lo >= n:
                    return
                engine(lo, min(lo + block, n), *arrays)
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)
            stop.set()

    engine(0, 0, *arrays)  # compiled, or loaded from the cache, before the threads start
    helpers = [threading.Thread(target=work, daemon=True) for _ in range(workers - 1)]
    for thread in helpers:
        thread.start()
    try:
        work()
    finally:  # done, or Ctrl-C while waiting: the others end their block and stop
        stop.set()
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]


def new_outputs(n_runs: int | None, history_rows: int) -> tuple:
    """Empty (summary, events, gstate, ghist) arrays for one run (``n_runs`` None) or a
    batch."""
    lead = () if n_runs is None else (n_runs,)
    return (
        np.zeros((*lead, SUMMARY.size)),
        np.zeros((*lead, MAX_EVENTS, EVENT.size)),
        np.zeros((*lead, GSTATE.size)),
        np.zeros((*lead, history_rows, GHISTORY.size)),
    )


def fly_program(program: Any, history_rows: int = 0, capacity: int = 4096) -> Any:
    """Fly one :class:`~sim.core.program.Program` with the compiled engine.

    Returns
    -------
    sim.core.program.FlownProgram
        With its segments when ``program.settings[store]`` is set.
    """
    from sim.core.program import FlownProgram, FlownSegment

    engine: Any = fly
    store = program.settings[ST.store] != 0.0
    # a run flown from Python stops on Ctrl-C (sim.core.abort): the engine polls for it
    # in the main thread, where the interpreter handles signals
    settings = program.settings.copy()
    main = threading.current_thread() is threading.main_thread()
    settings[ST.watch_interrupt] = 1.0 if main else 0.0
    arrays = [settings if a is program.settings else a for a in program.arrays()]
    wall = program.settings[ST.max_wall_time]
    start = time.monotonic()
    while True:
        summary, events, gstate, ghist = new_outputs(None, history_rows)
        rows = np.zeros((capacity if store else 0, STORED.size))
        segments = np.zeros((max(capacity // 8, 64) if store else 0, SEGMENT_SIZE))
        engine(*arrays, summary, events, gstate, ghist, rows, segments)
        if int(summary[SM.status]) == STATUS.interrupted:
            raise KeyboardInterrupt
        if int(summary[SM.status]) != STATUS.storage_full:
            break
        capacity *= 4
        if wall > 0.0:  # flying again with more room: the wall-clock limit is for the run
            settings[ST.max_wall_time] = max(wall - (time.monotonic() - start), 1.0)
    n_rows = int(summary[SM.stored_rows])
    n_seg = int(summary[SM.stored_segments])
    rows = rows[:n_rows]
    out = []
    if n_rows:
        seg_of = rows[:, R.segment].astype(np.int64)
        bounds = np.searchsorted(seg_of, np.arange(n_seg + 1))
        coefs = rows[:, R.coef_0_x : R.coef_0_x + N_DENSE * N_STATE].reshape(-1, N_DENSE, N_STATE)
        for s in range(n_seg):
            a, b = bounds[s], bounds[s + 1]
            ph = int(segments[s, N_PARAMS])
            dense = (
                dopri.StepInterpolant(
                    rows[a + 1 : b, R.step_t0], rows[a + 1 : b, R.step_h], coefs[a + 1 : b]
                )
                if b - a > 1
                else None
            )
            out.append(
                FlownSegment(
                    ph,
                    rows[a:b, R.t].copy(),
                    rows[a:b, R.y_x : R.y_x + N_STATE].copy(),
                    segments[s, :N_PARAMS].copy(),
                    program.table,
                    dense,
                )
            )
    n_events = int(summary[SM.n_events])
    return FlownProgram(
        program,
        int(summary[SM.status]),
        events[:n_events].copy(),
        tuple(out),
        gstate,
        ghist,
        summary,
    )


def fly_alone(arrays: tuple, history_rows: int = 0) -> tuple:
    """Fly one program's arrays alone, keeping what a batch keeps: (summary, events,
    gstate, ghist)."""
    engine: Any = fly
    outs = new_outputs(None, history_rows)
    engine(*arrays, *outs, np.zeros((0, STORED.size)), np.zeros((0, SEGMENT_SIZE)))
    return outs
