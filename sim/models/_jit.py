"""The one place that decides how the physics is compiled, and where the machine code is
cached.

Every physics function of the package (right-hand side, atmosphere, aerodynamics,
guidance, event functions, the integrators) is written once, over floats and float
arrays, and decorated with :func:`njit`. Set ``NUMBA_DISABLE_JIT=1`` to run everything as
plain Python (slow, for debugging and coverage).

The cache. numba checks a cached function against its own source file only, so a caller
cached before a callee in another module changed would keep running the old callee. The
cache therefore lives in a folder named after a hash of all the package's sources (and of
the numba and Python versions): any change of the code starts a fresh cache. The folder is
the first writable one of ``$REENTRY_SIM_CACHE_DIR``, ``$XDG_CACHE_HOME/reentry-sim`` (or
``~/.cache/reentry-sim``) and the system's temporary folder; when none is writable the
physics is compiled in every process, with one warning.
"""

import hashlib
import os
import pathlib
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
from numba.core import cgutils, types
from numba.core.caching import FunctionCache
from numba.core.registry import CPUDispatcher
from numba.core.runtime import rtsys
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable)

_PACKAGE = pathlib.Path(__file__).resolve().parents[1]
#: Cache folders kept besides the current one (older source versions are removed).
_KEEP = 3


def _source_hash() -> str:
    h = hashlib.sha256()
    h.update(f"{numba.__version__} {sys.version}".encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _candidates() -> list[pathlib.Path]:
    bases = []
    if os.environ.get("REENTRY_SIM_CACHE_DIR"):
        bases.append(pathlib.Path(os.environ["REENTRY_SIM_CACHE_DIR"]))
    xdg = os.environ.get("XDG_CACHE_HOME")
    home = pathlib.Path(xdg) if xdg else pathlib.Path.home() / ".cache"
    bases.append(home / "reentry-sim")
    bases.append(pathlib.Path(tempfile.gettempdir()) / f"reentry-sim-{os.getuid()}")
    return bases


def _writable_cache() -> pathlib.Path | None:
    tag = _source_hash()
    for base in _candidates():
        folder = base / "numba" / tag
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError:
            continue
        _prune(folder.parent, keep=folder)
        return folder
    return None


def _prune(parent: pathlib.Path, keep: pathlib.Path) -> None:
    """Remove the cache folders of old source versions (all but the newest few)."""
    try:
        others = sorted(
            (p for p in parent.iterdir() if p.is_dir() and p != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in others[_KEEP:]:
            shutil.rmtree(old, ignore_errors=True)
        os.utime(keep)
    except OSError:
        pass


CACHE_DIR = _writable_cache()
if CACHE_DIR is not None:
    setattr(numba.config, "CACHE_DIR", str(CACHE_DIR))  # noqa: B010 (not in the stubs)
else:
    warnings.warn(
        "reentry-sim: no writable folder for the compiled-code cache; the physics "
        "is compiled again in every process (set REENTRY_SIM_CACHE_DIR to a "
        "writable folder)",
        RuntimeWarning,
        stacklevel=2,
    )


class _Cache(FunctionCache):
    """numba's cache of a function's machine code, but loading it does not first load
    numba's compiler (its typing and lowering registries, which import scipy.linalg among
    others): machine code loaded from the cache needs only numba's runtime (its memory
    allocation), and a compilation loads the registries itself. They were 0.3-0.45 s of
    every command with a warm cache. Should the lean load fail, numba's own is taken."""

    def load_overload(self, sig, target_context):
        """The cached machine code of ``sig``, or None."""
        try:
            rtsys.initialize(target_context)  # the runtime (allocation) the code calls
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)
        except Exception:  # noqa: BLE001 (numba's own path below raises what is wrong)
            return super().load_overload(sig, target_context)


class _Dispatcher(CPUDispatcher):
    """numba's dispatcher, but a call from compiled code with a constant argument (or a
    variable typed from a constant while its type is still being inferred) compiles the
    function for the constant's plain type, not once more for its value: numba would
    otherwise compile ``log(..., -1)`` apart from ``log(..., j)`` (and ``finish`` twice
    for a counter that starts at 0)."""

    def get_call_template(self, args, kws):
        """The call template for the plain types of the arguments."""
        args = tuple(types.unliteral(a) for a in args)
        kws = {k: types.unliteral(v) for k, v in kws.items()}
        return super().get_call_template(args, kws)


def _compile(function: F, **options: Any) -> F:
    if getattr(numba.config, "DISABLE_JIT", False):
        return function
    targetoptions = {"nopython": True, "boundscheck": None, **options}
    dispatcher = _Dispatcher(py_func=function, locals={}, targetoptions=targetoptions)
    if CACHE_DIR is not None:
        setattr(dispatcher, "_cache", _Cache(function))  # noqa: B010 (numba sets it so)
    return cast(F, dispatcher)


def njit(function: F) -> F:
    """Compile a physics function in nopython mode, cached on disk (see the module
    docstring) so that a later process loads the machine code instead of compiling it.

    Nothing is inlined by numba (``inline="always"``): that types and lowers the callee
    again at every call site, and LLVM inlines the small functions into their callers
    anyway, since every caller is optimised with its callees' code linked in. Without it
    the first compilation took 10-20 % less time, and the flights as long as before
    (ballistic and guided, measured side by side)."""
    return _compile(function)


def _borrow_python(array: Any) -> Any:
    return array


@intrinsic
def _borrow_compiled(typingctx, array):
    def codegen(context, builder, signature, args):
        source = context.make_array(signature.args[0])(context, builder, value=args[0])
        view = context.make_array(signature.return_type)(context, builder)
        for name in ("nitems", "itemsize", "data", "shape", "strides"):
            setattr(view, name, getattr(source, name))
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        view.parent = cgutils.get_null_value(view.parent.type)
        return view._getvalue()

    return array(array), codegen


#: ``borrow(array)`` in compiled code: a view of the array (same type, same memory) that
#: the runtime does not count references to. Every compiled call that receives an array,
#: and every row view of one, updates the array's reference count with atomic
#: instructions, and in the engine's loop those were half the time of a flight (more in
#: a batch, where the runs' views share one count across the cores); a borrowed view
#: costs nothing of the kind. The view must not outlive the array it borrows from: the
#: engine borrows its arguments and its work arrays for the length of one compiled call
#: and never returns a borrowed view. As Python (``NUMBA_DISABLE_JIT=1``) it returns the
#: array itself.
borrow = cast(
    Callable[[Any], Any],
    _borrow_python if getattr(numba.config, "DISABLE_JIT", False) else _borrow_compiled,
)


@njit
def keep_alive(arrays: Any) -> None:
    """Hold ``arrays`` (a tuple) to here: compiled code releases an array after its last
    use, so the arrays that borrowed views were taken from (:data:`borrow`) are named
    once more after the last use of the views."""


def parallel_njit(function: F) -> F:
    """:func:`njit` for a function with a ``numba.prange`` loop (all cores)."""
    return _compile(function, parallel=True)
