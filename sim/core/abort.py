"""Stopping a compiled flight from outside: Ctrl-C and a wall-clock limit.

Compiled code does not return to the interpreter until it is done, so a Python signal
handler (and with it ``KeyboardInterrupt``) waits for the whole flight. The engine
therefore polls, once per step, :func:`poll`:

- Ctrl-C: Python's own C-level signal handler marks a SIGINT as soon as it arrives;
  ``PyOS_InterruptOccurred`` reads (and clears) that mark. It needs the interpreter's
  state of the calling thread, so it is polled only when the program asks for it
  (``SETTINGS.watch_interrupt``: a single run flown from Python, never the worker
  threads of a batch). The caller then raises ``KeyboardInterrupt`` itself
  (:func:`sim.core.run.fly_program`): no exception is ever left pending inside compiled
  code.
- the wall clock: C's ``time()`` [s] against a deadline (``SETTINGS.max_wall_time``
  after the start of the run; a resolution of one second is plenty for a limit of
  minutes).

Both are called by their C names (LLVM resolves them in the running process), so the
compiled code that calls them stays cacheable. With ``NUMBA_DISABLE_JIT=1`` the plain
Python versions below are used (Ctrl-C then interrupts the Python code directly).
"""

import time

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from sim.models._jit import njit

GO_ON = 0
INTERRUPTED = 1
OUT_OF_TIME = 2


@intrinsic
def _interrupt_occurred(typingctx):
    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(32), [])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "PyOS_InterruptOccurred")
        return builder.call(fn, [])

    return types.int32(), codegen


@intrinsic
def _time_now(typingctx):
    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        fnty = ir.FunctionType(i64, [i64.as_pointer()])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "time")
        return builder.call(fn, [ir.Constant(i64.as_pointer(), None)])

    return types.int64(), codegen


if getattr(numba.config, "DISABLE_JIT", False):  # pragma: no cover - the debugging mode

    def wall_clock() -> float:
        """Seconds since the epoch."""
        return float(int(time.time()))

    def poll(watch_interrupt: bool, deadline: float) -> int:
        """:data:`GO_ON`, :data:`INTERRUPTED` or :data:`OUT_OF_TIME`."""
        if deadline > 0.0 and time.time() >= deadline:
            return OUT_OF_TIME
        return GO_ON

else:

    @njit
    def wall_clock() -> float:
        """Seconds since the epoch (C's ``time()``, whole seconds)."""
        return float(_time_now())  # type: ignore[call-arg]

    @njit
    def poll(watch_interrupt: bool, deadline: float) -> int:
        """:data:`GO_ON`, :data:`INTERRUPTED` (a SIGINT arrived; its mark is cleared) or
        :data:`OUT_OF_TIME` (the wall clock reached ``deadline`` [s], if > 0)."""
        if watch_interrupt and _interrupt_occurred() != 0:  # type: ignore[call-arg]
            return INTERRUPTED
        if deadline > 0.0 and float(_time_now()) >= deadline:  # type: ignore[call-arg]
            return OUT_OF_TIME
        return GO_ON
