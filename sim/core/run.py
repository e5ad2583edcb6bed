"""Running flight programs with the compiled engine: one run (:func:`fly_program`,
with its trajectory) or a batch of runs on all cores (:func:`fly_batch`)."""

from typing import Any

import numpy as np
from numba import prange as _prange

from sim.core import dopri
from sim.core.engine import fly
from sim.core.layout import EVENT, GHISTORY, GSTATE, MAX_EVENTS, PH, SM, SUMMARY
from sim.models._jit import parallel_njit


@parallel_njit
def fly_batch(
    init,
    phases,
    info,
    triggers,
    cd_mach,
    cd_values,
    atm_alt,
    atm_lnrho,
    atm_temp,
    guide,
    guide_models,
    gatm_alt,
    gatm_lnrho,
    gatm_temp,
    settings,
    summary,
    events,
    gstate,
    ghist,
):
    """:func:`fly` for a stack of programs of one shape (a leading run axis on every
    array), in parallel on all cores; each run keeps its summary, event log, guidance
    state and history rows, nothing else."""
    for r in _prange(init.shape[0]):
        fly(
            init[r],
            phases[r],
            info[r],
            triggers[r],
            cd_mach[r],
            cd_values[r],
            atm_alt[r],
            atm_lnrho[r],
            atm_temp[r],
            guide[r],
            guide_models[r],
            gatm_alt[r],
            gatm_lnrho[r],
            gatm_temp[r],
            settings[r],
            summary[r],
            events[r],
            gstate[r],
            ghist[r],
        )


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


def fly_program(program: Any, history_rows: int = 0) -> Any:
    """Fly one :class:`~sim.core.program.Program` with the compiled engine.

    Returns
    -------
    sim.core.program.FlownProgram
        With its segments when ``program.settings[store]`` is set.
    """
    from sim.core.program import FlownProgram, FlownSegment

    summary, events, gstate, ghist = new_outputs(None, history_rows)
    engine: Any = fly
    out = engine(*program.arrays(), summary, events, gstate, ghist)
    n_rows, row_t, row_y, row_seg, step_t0, step_h, coefs, n_seg, seg_params, seg_phase = out
    segments = []
    if n_rows:
        bounds = np.searchsorted(row_seg[:n_rows], np.arange(n_seg + 1))
        for s in range(n_seg):
            a, b = bounds[s], bounds[s + 1]
            ph = int(seg_phase[s])
            off = int(program.info[ph, PH.cd_offset])
            end = off + int(program.info[ph, PH.cd_count])
            dense = (
                dopri.StepInterpolant(step_t0[a + 1 : b], step_h[a + 1 : b], coefs[a + 1 : b])
                if b - a > 1
                else None
            )
            segments.append(
                FlownSegment(
                    ph,
                    row_t[a:b].copy(),
                    row_y[a:b].copy(),
                    seg_params[s].copy(),
                    program.cd_mach[off:end],
                    program.cd_values[off:end],
                    dense,
                )
            )
    n_events = int(summary[SM.n_events])
    return FlownProgram(
        program,
        int(summary[SM.status]),
        events[:n_events].copy(),
        tuple(segments),
        gstate,
        ghist,
        summary,
    )
