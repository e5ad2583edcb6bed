"""The helper that compiles the engine beside a process's first compilation.

``python -m sim.core.alongside`` compiles :func:`sim.core.engine.fly` (the engine, the
guidance under it and the physics under both) for the argument types every caller gives
it (C-contiguous float arrays: :class:`sim.core.program.Program`'s arrays, then the
outputs), into the cache folder, and exits. A process starts it at its first compilation
when the cache lacks the engine (:func:`sim.models._jit.compile_alongside`): numba
compiles on one core, and while this helper compiles the engine on the other, the
process compiles what it needs first (the deorbit targeting's predictor); the cache
folder's locks keep the two from compiling one function twice, and each loads what the
other finished.
"""

from numba import types

from sim.core.engine import fly

#: Dimensions of :func:`~sim.core.engine.fly`'s arguments, in order: init, phases, info,
#: triggers, tab, guide, guide_models, settings, summary, events, gstate, ghist, rows,
#: segments.
DIMENSIONS = (1, 2, 2, 3, 1, 2, 2, 1, 1, 2, 1, 2, 2, 2)


def signature() -> tuple:
    """The argument types of the engine's calls (C-contiguous float64 arrays)."""
    return tuple(types.Array(types.float64, n, "C") for n in DIMENSIONS)


def main() -> None:
    """Compile the engine into the cache."""
    compiler = getattr(fly, "compile", None)
    if compiler is not None:  # None with NUMBA_DISABLE_JIT: nothing to compile
        compiler(signature())


if __name__ == "__main__":
    main()
