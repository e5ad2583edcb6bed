"""What the command line says while the physics compiles.

numba reports every compilation as a ``numba:compile`` event and none when it loads
machine code from the cache, so the notice appears exactly when a command is about to
wait for the compiler: the first run after an install or a change of the code, or every
run when no cache folder is writable. It is written to a terminal only, so that piped
output and one-line error messages stay as they are.
"""

import contextlib
import sys
import time


class _Notice:
    def __init__(self) -> None:
        self.start: float | None = None

    def on_start(self, event) -> None:
        if self.start is None:
            from sim.models._jit import CACHE_DIR

            self.start = time.perf_counter()
            where = (
                "no cache folder is writable: in every process"
                if CACHE_DIR is None
                else "the machine code is kept for later runs"
            )
            print(
                f"reentry: compiling the physics, once ({where}); about half a minute...",
                file=sys.stderr,
                flush=True,
            )


@contextlib.contextmanager
def compiling_notice():
    """Within the block, say on a terminal's stderr when numba starts compiling."""
    if not sys.stderr.isatty():
        yield
        return
    from numba.core import event

    notice = _Notice()

    class Listener(event.Listener):
        def on_start(self, ev) -> None:
            notice.on_start(ev)

        def on_end(self, ev) -> None:
            pass

    listener = Listener()
    event.register("numba:compile", listener)
    try:
        yield
    finally:
        event.unregister("numba:compile", listener)
        if notice.start is not None:
            print(
                f"reentry: compiled in {time.perf_counter() - notice.start:.0f} s",
                file=sys.stderr,
                flush=True,
            )
