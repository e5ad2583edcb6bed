"""Ctrl-C on the command line: one ``KeyboardInterrupt``, never lost on the way.

Compiled code calls back into Python now and then (numba rebuilds some constants with a
Python helper while a compiled function runs; llvmlite notifies its object cache through
a C callback), the import system drops a module's lock in a weak-reference callback, and
some imports catch everything. A ``KeyboardInterrupt`` raised by the
default SIGINT handler there is lost: numba reports ``SystemError: CPUDispatcher(...)
returned a result with an exception set``, a C callback prints "Exception ignored" and
goes on, an import carries on. The handler of :class:`Interrupts` therefore:

- does not raise in a frame of numba or llvmlite or in that callback: it asks for the
  signal again a moment later (a timer thread raises it anew), so that it is raised in the
  first frame outside them, or taken by the compiled engine, which polls for it
  (:mod:`sim.core.abort`); after 2 s of such waiting (a long compilation) it raises anyway;
- after every raise asks for the signal again, in case that one was lost too, until the
  command line has caught the ``KeyboardInterrupt``;
- when the guarded block ends without it while a Ctrl-C came, raises it then.
"""

import importlib.util
import os
import signal
import threading
import time


def _folder(package: str) -> str:
    spec = importlib.util.find_spec(package)  # without importing it (it is heavy)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return os.path.abspath(locations[0]) + os.sep if locations else "\0"


_CALLBACKS = tuple(_folder(p) for p in ("numba", "llvmlite"))
#: How long a Ctrl-C may wait for a frame outside numba and llvmlite [s].
MAX_WAIT = 2.0
#: Delay of a request to raise the signal again [s].
AGAIN = 0.2


#: Callbacks of the import system that print an exception raised in them and go on (the
#: weak-reference callback that drops a module's lock).
_IMPORT_CALLBACKS = (("<frozen importlib._bootstrap>", "cb"),)


def _in_callback(frame) -> bool:
    if frame is None:
        return False
    code = frame.f_code
    if (code.co_filename, code.co_name) in _IMPORT_CALLBACKS:
        return True
    return os.path.abspath(code.co_filename).startswith(_CALLBACKS)


class Interrupts:
    """A context that handles SIGINT as the module docstring says (in the main thread,
    when Python's default handler is in place; otherwise it leaves the handler alone).
    Leave it through ``except KeyboardInterrupt`` around it."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.timer: threading.Timer | None = None
        self.done = False
        self.installed = False

    def __enter__(self) -> "Interrupts":
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, self.handler)
                self.installed = True
        except ValueError:  # not the main thread
            pass
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.done = True
        if self.timer is not None:
            self.timer.cancel()
        if self.installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if self.first is not None and exc_type is None:
            raise KeyboardInterrupt  # a Ctrl-C came and was lost on the way: here it is

    def handler(self, signum, frame) -> None:
        """Raise ``KeyboardInterrupt``, or ask for the signal again (see above)."""
        if self.done:
            return
        now = time.monotonic()
        if self.first is None:
            self.first = now
        self._again()
        if _in_callback(frame) and now - self.first < MAX_WAIT:
            return
        raise KeyboardInterrupt

    def _again(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = threading.Timer(AGAIN, self._raise)
        self.timer.daemon = True
        self.timer.start()

    def _raise(self) -> None:
        if not self.done:  # from the timer thread: the handler runs in the main thread
            signal.raise_signal(signal.SIGINT)
