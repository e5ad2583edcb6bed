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

import functools
import hashlib
import inspect
import os
import pathlib
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

import llvmlite.binding as llvm
import numba
from numba.core import cgutils, types
from numba.core.caching import CompileResultCacheImpl, FunctionCache, IndexDataCacheFile
from numba.core.codegen import JITCodeLibrary
from numba.core.compiler import Compiler, CompileResult
from numba.core.dispatcher import _FunctionCompiler  # type: ignore[attr-defined]
from numba.core.registry import CPUDispatcher
from numba.core.runtime import rtsys
from numba.core.target_extension import get_local_target
from numba.core.targetconfig import ConfigStack
from numba.core.types import functions as numba_functions
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable)
#: The functions of :func:`inline_njit`.
_ALWAYS_INLINE: set[Callable] = set()

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


class _Compiling(threading.local):
    depth = 0  # the package's own compilations in progress in this thread


_COMPILING = _Compiling()
#: (function type, typing context, target, argument types, the compilation's flags) ->
#: (the call's signature, the key of the implementation numba chose for it)
_CALL_TYPES: dict[tuple, tuple] = {}
_numba_call_type = numba_functions.BaseFunction.get_call_type


def _plain(t: types.Type) -> bool:
    """Whether a call's typing can depend on nothing but the type ``t`` of an argument:
    a number, a boolean, an array, None, or a tuple of them, never a constant's value."""
    if isinstance(t, types.Literal):
        return False
    if isinstance(t, (types.Number, types.Boolean, types.Array, types.NoneType)):
        return True
    if isinstance(t, types.BaseTuple):
        return all(_plain(e) for e in cast(Any, t))
    return False


def _call_type(self, context, args, kws):
    """The typing of a call to one of numba's own functions (an operator, a NumPy or
    math function, an ``@overload``), resolved once for each function, plain argument
    types and compilation flags while the package compiles, instead of at every call
    site and again when lowering it. numba tries every template of the function in turn
    at each of them (``float + float`` first against the NumPy-array operator
    templates); in the first ``compare`` that was 11,000 resolutions, 5.5 s of the
    compilation, for fewer than a hundred distinct ones.

    What numba's own resolution leaves for the lowering is restored on a hit: the key
    of the implementation chosen for the signature's arguments, which numba keeps per
    function and arguments only, though an ``@overload``'s implementation is compiled
    with the caller's flags (``fastmath``, ``error_model``): a function compiled with
    other flags in between must not leave its implementation to the next one.
    Compilations outside the package's are typed by numba alone; one inside them (a
    user's function that a function of the package calls) is typed under its own flags,
    as numba would type it."""
    if _COMPILING.depth == 0 or kws or not all(_plain(a) for a in args):
        return _numba_call_type(self, context, args, kws)
    flags = ConfigStack.top_or_none()
    call = (self, context, get_local_target(context), tuple(args))
    known = _CALL_TYPES.get((*call, flags))
    if known is not None:
        signature, implementation = known
        self._impl_keys[signature.args] = implementation
        return signature
    signature = _numba_call_type(self, context, args, kws)
    frozen = None if flags is None else type(flags)(flags)  # a copy: flags can change
    _CALL_TYPES[(*call, frozen)] = (signature, self._impl_keys[signature.args])
    return signature


numba_functions.BaseFunction.get_call_type = _call_type  # type: ignore[method-assign]


class _Dispatcher(CPUDispatcher):
    """numba's dispatcher, but a call from compiled code with a constant argument (or a
    variable typed from a constant while its type is still being inferred) compiles the
    function for the constant's plain type, not once more for its value: numba would
    otherwise compile ``log(..., -1)`` apart from ``log(..., j)`` (and ``finish`` twice
    for a counter that starts at 0). Its calls to numba's own functions are typed once
    for each distinct argument types and flags (:func:`_call_type`)."""

    def compile(self, sig):
        _COMPILING.depth += 1
        try:
            return super().compile(sig)
        finally:
            _COMPILING.depth -= 1

    def get_call_template(self, args, kws):
        """The call template for the plain types of the arguments."""
        args = tuple(types.unliteral(a) for a in args)
        kws = {k: types.unliteral(v) for k, v in kws.items()}
        return super().get_call_template(args, kws)


class _LazyLibrary(JITCodeLibrary):
    """The code library of a function called only from compiled code: finalised
    (linked with its callees and optimised, as numba does, so that callers link it in),
    but its machine code is generated only if something asks for it. The callers each
    generate machine code for it again anyway, with their own."""

    _deferred = False
    #: Give the functions LLVM's ``alwaysinline`` attribute (:func:`inline_njit`).
    always_inline = False

    def add_ir_module(self, ir_module):
        if self.always_inline:
            for fn in ir_module.functions:
                # not where numba asks for the contrary: with debug information
                # (NUMBA_DEBUGINFO, NUMBA_ENABLE_PROFILING) the function itself, and the
                # helper that unpacks the arguments of an exception raised with runtime
                # values (LLVM refuses both attributes on one function)
                if not fn.is_declaration and not {"noinline", "optnone"} & set(fn.attributes):
                    fn.attributes.add("alwaysinline")
        super().add_ir_module(ir_module)

    def _finalize_final_module(self):
        self._finalize_dynamic_globals()
        self._deferred = True
        self._finalized = True

    def _generate(self):
        if self._deferred:
            self._deferred = False
            super()._finalize_final_module()

    def get_pointer_to_function(self, name):
        self._generate()
        return super().get_pointer_to_function(name)

    def get_asm_str(self):
        self._generate()
        return super().get_asm_str()

    def serialize_using_object_code(self):
        """The optimised module (numba's "bitcode" form): what a caller links."""
        return self.serialize_using_bitcode()


class _EntryLibrary(JITCodeLibrary):
    """The code library of an :class:`_Entry`: a one-line function and the optimised
    module of the callee it calls, linked and given machine code without optimising the
    callee's code once more."""

    def _optimize_final_module(self):
        pass


class _LazyPipeline(Compiler):
    library_class: type = _LazyLibrary

    def compile_extra(self, func):
        codegen = self.state.targetctx.codegen()
        self.state.library = self.library_class(codegen, func.__qualname__)
        self.state.library.always_inline = func in _ALWAYS_INLINE
        self.state.library.enable_object_caching()
        return super().compile_extra(func)


class _EntryPipeline(_LazyPipeline):
    library_class = _EntryLibrary


class _CalleeCompiler(_FunctionCompiler):
    def _customize_flags(self, flags):
        flags.no_compile = True  # no machine code, no entry from Python
        flags.no_cpython_wrapper = True
        flags.no_cfunc_wrapper = True
        return flags


class _Callee(_Dispatcher):
    """The dispatcher of a function as compiled code calls it: typed and lowered once,
    without numba's wrappers for Python and C callers, and without machine code of its
    own (:class:`_LazyLibrary`)."""

    def __init__(self, py_func, locals, targetoptions):
        super().__init__(py_func, locals, targetoptions, pipeline_class=_LazyPipeline)
        self._compiler = _CalleeCompiler(
            py_func, self.targetdescr, targetoptions, locals, _LazyPipeline
        )

    def add_overload(self, cres):
        """Register a compilation (numba's ``no_compile`` leaves it without an entry
        point, which is also the key callers find its lowering under)."""
        if cres.entry_point is None:
            # A key of its own, of the type numba's dispatcher requires (a builtin);
            # called from Python (never: callees are reached from compiled code only)
            # it raises ValueError, the list being empty.
            cres = cres._replace(entry_point=[].index)
            self.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        super().add_overload(cres)


class _CalleeCacheImpl(CompileResultCacheImpl):
    def rebuild(self, target_context, payload):
        """A cached callee, its library's optimised module without machine code (numba
        would generate it, for a caller that generates it again with its own)."""
        libdata, fndesc, env, signature, objectmode, lifted, typeann, reload_init, envs = payload
        for function in reload_init or ():
            function()
        name, kind, bitcode = libdata
        if kind != "bitcode":
            raise ValueError(f"a callee's cache holds bitcode, not {kind!r}")
        library = _LazyLibrary(target_context.codegen(), name)
        library._final_module = llvm.parse_bitcode(bitcode)
        library._finalize_final_module()
        return CompileResult(
            target_context=target_context,
            typing_context=target_context.typing_context,
            library=library,
            environment=env,
            entry_point=[].index,  # as in _Callee.add_overload
            fndesc=fndesc,
            type_annotation=typeann,
            signature=signature,
            objectmode=objectmode,
            lifted=lifted,
            typing_error=None,
            call_helper=None,
            metadata=None,
            reload_init=reload_init,
            referenced_envs=envs,
        )


class _CalleeCache(FunctionCache):
    """The cache of a :class:`_Callee`: its optimised module, in files of their own
    (the Python entry's cache holds machine code under the function's own name)."""

    _impl_class = _CalleeCacheImpl

    def __init__(self, py_func):
        super().__init__(py_func)
        self._cache_file = IndexDataCacheFile(
            cache_path=self._cache_path,
            filename_base="callee-" + self._impl.filename_base,
            source_stamp=self._impl.locator.get_source_stamp(),
        )


class _Entry(_Dispatcher):
    """The dispatcher Python calls: a one-line function that calls the :class:`_Callee`,
    compiled with numba's wrappers and machine code (the callee's code linked in). Compiled
    code calling the function calls the callee: its numba type is the callee's. The callee
    (and its cache) is made when first needed, not at import: most functions of a process
    are never compiled or loaded in it."""

    def __init__(self, function: Callable, callee_options: dict, targetoptions: dict):
        self._function = function
        self._options = callee_options
        self._namespace: dict[str, Any] = {}
        py_func = _entry_function(function, self._namespace)
        super().__init__(
            py_func=py_func, locals={}, targetoptions=targetoptions, pipeline_class=_EntryPipeline
        )

    @functools.cached_property
    def _callee(self) -> _Callee:
        callee = _Callee(py_func=self._function, locals={}, targetoptions=self._options)
        if CACHE_DIR is not None:
            setattr(callee, "_cache", _CalleeCache(self._function))  # noqa: B010
        self._namespace["_callee"] = callee
        return callee

    def compile(self, sig):
        self._callee  # noqa: B018 (made before the one-line function refers to it)
        return super().compile(sig)

    @property
    def _numba_type_(self):
        return types.Dispatcher(self._callee)


def _entry_function(function: Callable, namespace: dict[str, Any]) -> Callable:
    """The one-line function calling ``namespace["_callee"]`` with the parameters of
    ``function``."""
    params = list(inspect.signature(function).parameters.values())
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise TypeError(f"{function.__qualname__}: njit takes positional parameters only")
    names = [p.name for p in params]
    declared = [p.name if p.default is p.empty else f"{p.name}=_d_{p.name}" for p in params]
    namespace.update({f"_d_{p.name}": p.default for p in params if p.default is not p.empty})
    source = f"def {function.__name__}({', '.join(declared)}):\n"
    source += f"    return _callee({', '.join(names)})\n"
    exec(source, namespace)  # noqa: S102 (a fixed template of the function's own names)
    entry = namespace[function.__name__]
    for name in ("__qualname__", "__module__", "__doc__"):
        setattr(entry, name, getattr(function, name))
    return entry


def _compile_split(function: F, **entry_options: Any) -> F:
    if getattr(numba.config, "DISABLE_JIT", False):
        return function
    targetoptions = {"nopython": True, "boundscheck": None}
    entry = _Entry(function, targetoptions, {**targetoptions, **entry_options})
    if CACHE_DIR is not None:
        setattr(entry, "_cache", _Cache(function))  # noqa: B010
    return cast(F, entry)


def njit(function: F) -> F:
    """Compile a physics function in nopython mode, cached on disk (see the module
    docstring) so that a later process loads the machine code instead of compiling it.

    Nothing is inlined by numba (``inline="always"``): that types and lowers the callee
    again at every call site, and LLVM inlines the small functions into their callers
    anyway, since every caller is optimised with its callees' code linked in (the larger
    pieces of the right-hand side are made to inline there: :func:`inline_njit`). Without
    it the first compilation took 10-20 % less time, and the flights as long as before
    (ballistic and guided, measured side by side).

    The function is compiled in two parts. Compiled callers call its :class:`_Callee`,
    typed and lowered once and optimised, without numba's wrappers for Python and C
    callers and without machine code of its own: numba gave every function both, and
    machine code for everything it calls, though only the functions Python calls run
    it. Python calls its :class:`_Entry`, a one-line function calling the callee,
    compiled on the first call from Python with its wrappers and all the machine code.
    The first ``compare`` compiled in 0.79 of the time (4 alternating pairs), its flights
    as long and its output bit for bit the same."""
    return _compile_split(function)


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


def inline_njit(function: F) -> F:
    """:func:`njit`, and LLVM inlines the function into every compiled caller (its
    ``alwaysinline`` attribute), for the pieces of the right-hand side that LLVM's cost
    model leaves as calls (the flight state, the density). Every integrator stage waits
    for the right-hand side, a chain of dependent operations, and a call lengthens it:
    its arrays go as seven values each, its result through memory, and the caller tests
    a status. A dispersed ballistic descent took 0.27 against 0.32 ms (CPU, 3 alternating
    pairs), the first ``compare`` as long (18.9 against 20.0 s, 3 alternating pairs), its
    output the same bytes."""
    _ALWAYS_INLINE.add(function)
    return _compile_split(function)


def nogil_njit(function: F) -> F:
    """:func:`njit` for a function Python calls from several threads at once: it runs
    without the GIL (so it must not touch Python objects)."""
    return _compile_split(function, nogil=True)
