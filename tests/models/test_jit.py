"""The compiled-code cache: where it goes, and what happens when nothing is writable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Every candidate folder of the cache under a regular file, so that creating it fails
# (root ignores permission bits; a file as a parent folder stops everyone).
_UNWRITABLE = """
import sys, tempfile, warnings
blocker = sys.argv[1]
tempfile.tempdir = blocker + "/tmp"
warnings.simplefilter("always")
from sim.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def _run_unwritable(tmp_path, *args):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = dict(os.environ)
    env["REENTRY_SIM_CACHE_DIR"] = str(blocker / "cache")
    env["XDG_CACHE_HOME"] = str(blocker / "xdg")
    env["HOME"] = str(blocker / "home")
    return subprocess.run(
        [sys.executable, "-c", _UNWRITABLE, str(blocker), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )


def _cache_warnings(stderr: str) -> list:
    return [line for line in stderr.splitlines() if "no writable folder" in line]


def test_help_works_without_a_writable_cache_with_one_warning(tmp_path):
    done = _run_unwritable(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "usage: reentry" in done.stdout
    assert len(_cache_warnings(done.stderr)) == 1  # one warning, not one per function
    assert "Traceback" not in done.stderr


@pytest.mark.slow  # compiles the engine from scratch (no cache): about half a minute
def test_a_run_works_without_a_writable_cache_and_says_it_compiles(tmp_path):
    """stderr on a terminal (a pseudo-terminal here), where the notice is shown."""
    import pty

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = dict(os.environ)
    env["REENTRY_SIM_CACHE_DIR"] = str(blocker / "cache")
    env["XDG_CACHE_HOME"] = str(blocker / "xdg")
    env["HOME"] = str(blocker / "home")
    main_fd, terminal = pty.openpty()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _UNWRITABLE,
            str(blocker),
            "run",
            "configs/soyuz_tma11/ballistic.toml",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        cwd=ROOT,
        timeout=900,
        text=True,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(main_fd)
    stderr = b"".join(chunks).decode()
    assert done.returncode == 0, stderr
    assert '"status": "landed"' in done.stdout
    assert len(_cache_warnings(stderr)) == 1
    assert "compiling the physics, once (no cache folder is writable" in stderr


def _cache_dir(package_parent: Path, cache: Path) -> Path:
    code = "from sim.models import _jit; print(_jit.CACHE_DIR)"
    env = dict(os.environ, REENTRY_SIM_CACHE_DIR=str(cache), PYTHONPATH=str(package_parent))
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=package_parent,
    )
    return Path(out.stdout.strip())


def test_a_change_of_any_source_file_starts_a_fresh_cache(tmp_path):
    """numba checks a cached function against its own file only: a caller cached before a
    callee in another module changed would keep the old callee. The folder is named after
    all the sources, so that a change of one leaves the old machine code unused."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "sim", copy / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    before = _cache_dir(copy, tmp_path / "cache")
    assert before.parent == tmp_path / "cache" / "numba"
    with open(copy / "sim" / "models" / "atmosphere.py", "a") as f:
        f.write("\n# a change\n")
    after = _cache_dir(copy, tmp_path / "cache")
    assert after.parent == before.parent and after != before


SMALL = ROOT / "tests" / "data" / "entry_small.toml"

_CHILD = """
import sys, tempfile
tempfile.tempdir = "/proc/no-such-folder"  # the last candidate folder, unwritable too
sys.argv = ["reentry", "run", {scenario!r}, "--json"]
from sim.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_an_unwritable_cache_gives_one_warning_and_a_working_run():
    """stderr not a terminal: the warning is its only line (no compile notice)."""
    env = dict(os.environ)
    # every candidate folder of sim.models._jit is under /proc, where nothing can be made
    env["REENTRY_SIM_CACHE_DIR"] = "/proc/no-such-folder"
    env["XDG_CACHE_HOME"] = "/proc/no-such-folder"
    env.pop("PYTHONWARNINGS", None)
    r = subprocess.run(
        [sys.executable, "-c", _CHILD.format(scenario=str(SMALL))],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # everything is compiled in the process: about a minute
    )
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("reentry: warning: no writable folder for the compiled-code cache")
    assert json.loads(r.stdout)["scenarios"][0]["status"] == "landed"


_WARM = """
import json, sys
from sim.cli.main import main
code = main(["run", {scenario!r}, "--json"])
loaded = "numba.np.arraymath" in sys.modules
print(json.dumps({{"code": code, "compiler": loaded}}), file=sys.stderr)
"""


def test_machine_code_from_the_cache_is_run_without_loading_numbas_compiler():
    """numba loads its typing and lowering registries (and scipy.linalg with them, 0.3-0.45
    s) before it loads a cached function; the package's cache loads the machine code
    without them, and a run from the cache gives what the compiling run gave."""
    runs = []
    for _ in range(2):  # the first fills the cache if this session has not
        r = subprocess.run(
            [sys.executable, "-c", _WARM.format(scenario=str(SMALL))],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )
        status = json.loads(r.stderr.strip().splitlines()[-1])
        assert status["code"] == 0, r.stderr
        runs.append((json.loads(r.stdout), status["compiler"]))
    (first, _), (second, compiler) = runs
    assert not compiler  # numba.np.arraymath is one of the registries' modules
    assert second == first


def _run_with_modules(folder: Path, script: str, **env: str) -> dict:
    """The JSON a script prints, run in a fresh process that imports the modules written
    to ``folder`` and caches compiled code in a fresh folder of it (``env``: more
    environment variables)."""
    r = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, REENTRY_SIM_CACHE_DIR=str(folder / "cache"), **env),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


_FUNCTIONS = """
from sim.models._jit import njit


@njit
def inner(x):
    return 2.0 * x + 1.0


@njit
def outer(x):
    return 3.0 * inner(x)


@njit
def other(x):
    return inner(x) - 1.0
"""

_FIRST = """
import json, sys
sys.path.insert(0, sys.argv[1])
import functions as f
out = {"outer": f.outer(1.0)}
callee = f.inner._callee
out["inner_entry_compiled"] = len(f.inner.signatures)
out["inner_machine_code"] = not all(c.library._deferred for c in callee.overloads.values())
out["inner"] = f.inner(1.0)  # from Python after compiled code: its own entry
out["outer_again"] = f.outer(2.0)
print(json.dumps(out))
"""

_SECOND = """
import json, sys
sys.path.insert(0, sys.argv[1])
import functions as f
out = {"other": f.other(1.0)}
callee = f.inner._callee
out["hits"] = sum(callee._cache_hits.values())
out["misses"] = sum(callee._cache_misses.values())
print(json.dumps(out))
"""


def test_a_function_is_compiled_once_for_its_compiled_callers_and_cached_for_later_ones(
    tmp_path,
):
    """A function called from compiled code is typed and lowered once, without numba's
    wrappers and without machine code of its own (its callers link its optimised code
    in); called from Python it is a separate entry; a later process compiling a new
    caller takes it from the cache instead of compiling it again."""
    (tmp_path / "functions.py").write_text(_FUNCTIONS)

    def run(script):
        return _run_with_modules(tmp_path, script)

    first = run(_FIRST)
    assert first == {
        "outer": 9.0,  # 3 (2 + 1)
        "inner_entry_compiled": 0,  # outer's compiled code called the callee, not it
        "inner_machine_code": False,
        "inner": 3.0,
        "outer_again": 15.0,
    }
    assert run(_SECOND) == {"other": 2.0, "hits": 1, "misses": 0}


_TYPING = """
import json, sys
sys.path.insert(0, sys.argv[1])
import numba
import sim.models._jit as jit

typed = []
numbas = jit._numba_call_type


def counting(function, context, args, kws):
    typed.append(str(function))
    return numbas(function, context, args, kws)


jit._numba_call_type = counting
import typing_functions as f

plain = numba.njit(f._polynomial)
out = {"ours": f.polynomial(2.0, 3.0), "ours_typed": len(typed)}
del typed[:]
out["plain"] = plain(2.0, 3.0)
out["plain_typed"] = len(typed)
print(json.dumps(out))
"""

_TYPING_FUNCTIONS = """
from sim.models._jit import njit


def _polynomial(a, b):
    x = a * b + a
    y = a * b + b
    return x * y + a * b


polynomial = njit(_polynomial)
"""


def test_calls_to_numbas_functions_are_typed_once_for_each_argument_types(tmp_path):
    """numba types a call to one of its functions (here float * float and float + float)
    at each call site and again when lowering it, trying the function's templates in
    turn; the package's compilations resolve each function and argument types once (in
    the first compare, 1,900 resolutions instead of 11,000), and a plain numba function
    compiled apart in the same process is typed by numba alone, to the same result."""
    (tmp_path / "typing_functions.py").write_text(_TYPING_FUNCTIONS)
    out = _run_with_modules(tmp_path, _TYPING)
    assert out["ours"] == out["plain"] == 78.0  # x = 8, y = 9: 72 + 6
    assert out["ours_typed"] == 2  # multiply and add, each for (float64, float64)
    assert out["plain_typed"] >= 7  # the four products and three sums, each site


_FLAGGED_FUNCTIONS = """
import numba
from numba.extending import overload

from sim.models._jit import njit


def is_nan(x):
    return x != x


@overload(is_nan)
def _is_nan(x):
    return lambda x: x != x  # compiled with the caller's flags: fastmath folds it to False


def inverse(x):
    return 1.0 / x


@overload(inverse)
def _inverse(x):
    return lambda x: 1.0 / x  # error_model: 'python' raises at 0, 'numpy' gives inf


def _nan(x):
    return is_nan(x)


def _inverse_of(x):
    return inverse(x)


fast_nan = numba.njit(fastmath=True)(_nan)
fast_nan_inside = numba.njit(fastmath=True)(_nan)  # a dispatcher of its own
numpy_inverse = numba.njit(error_model="numpy")(_inverse_of)


def ours_nan_1(x):
    return is_nan(x)


def ours_nan_2(x):
    return is_nan(x)


def ours_inverse_1(x):
    return inverse(x)


def ours_inverse_2(x):
    return inverse(x)


def ours_calling_fast(x):
    return fast_nan_inside(x)


ours_nan_1, ours_nan_2 = njit(ours_nan_1), njit(ours_nan_2)
ours_inverse_1, ours_inverse_2 = njit(ours_inverse_1), njit(ours_inverse_2)
ours_calling_fast = njit(ours_calling_fast)
"""

_FLAGGED = """
import json, sys
sys.path.insert(0, sys.argv[1])
import flagged as f

out = []
for name, x in [
    ("ours_nan_1", float("nan")),
    ("fast_nan", float("nan")),
    ("ours_nan_2", float("nan")),
    ("ours_inverse_1", 0.0),
    ("numpy_inverse", 0.0),
    ("ours_inverse_2", 0.0),
    ("ours_calling_fast", float("nan")),
    ("fast_nan_inside", float("nan")),
]:
    try:
        out.append(repr(getattr(f, name)(x)))
    except ZeroDivisionError:
        out.append("ZeroDivisionError")
print(json.dumps(out))
"""


def test_a_call_typed_once_keeps_the_implementation_of_its_own_flags(tmp_path):
    """numba compiles an ``@overload``'s implementation with the caller's flags
    (``fastmath``, ``error_model``) but keeps the choice per function and arguments
    only: a function compiled with other flags between two of the package's (or inside
    one of them) must leave each its own implementation, as plain numba does (without
    the flags in the key and the implementation restored, the second package function
    ran the fastmath and the numpy-error-model code)."""
    (tmp_path / "flagged.py").write_text(_FLAGGED_FUNCTIONS)
    assert _run_with_modules(tmp_path, _FLAGGED) == [
        "True",
        "False",  # fastmath: no NaN
        "True",
        "ZeroDivisionError",
        "inf",  # error_model = "numpy"
        "ZeroDivisionError",
        "False",  # the package's function calls the fastmath one
        "False",
    ]


def _large_function(decorator: str, name: str) -> str:
    """A function too large for LLVM's cost model to inline (40 dependent lines)."""
    lines = [f"\n@{decorator}\ndef {name}(x):", "    s = x"]
    lines += [
        f"    s = s * {1.0 + k / 97:.4f} + math.sqrt(abs(s - {k})) / (1.0 + {k + 1} * x)"
        for k in range(40)
    ]
    return "\n".join([*lines, "    return s\n"])


_INLINE_FUNCTIONS = (
    "import math\n\nfrom sim.models._jit import inline_njit, njit\n"
    + _large_function("njit", "plain")
    + _large_function("inline_njit", "inlined")
    + """

@njit
def calls_plain(x):
    return plain(x) + plain(2.0 * x)


@njit
def calls_inlined(x):
    return inlined(x) + inlined(2.0 * x)


@njit
def calls_inlined_later(x):
    return inlined(x) - inlined(3.0 * x)


@inline_njit
def checked(x):
    if x < 0.0:
        raise ValueError("negative", x)  # numba's helper for the runtime values: noinline
    return math.sqrt(x)


@njit
def calls_checked(x):
    return checked(x) + 1.0


@njit
def checked_plain(x):
    if x < 0.0:
        raise ValueError("negative", x)
    return math.sqrt(x)


@njit
def calls_checked_plain(x):
    return checked_plain(x) + 1.0
"""
)

_INLINE_DEBUG = """
import json, sys
sys.path.insert(0, sys.argv[1])
import functions as f

out = {"inlined": f.calls_inlined(0.3) == f.calls_plain(0.3), "checked": f.calls_checked(4.0)}
for name in ("calls_checked", "calls_checked_plain"):
    try:
        getattr(f, name)(-1.0)
    except Exception as e:  # as the njit function raises it (its arguments or not)
        out[name] = [type(e).__name__, *map(str, e.args)]
print(json.dumps(out))
"""


def test_inline_njit_functions_compile_where_numba_asks_not_to_inline(tmp_path):
    """numba marks a function noinline with debug information, and the helper of an
    exception raised with runtime values always: LLVM refuses both attributes on one
    function, so inline_njit leaves those alone (both failed to compile before)."""
    (tmp_path / "functions.py").write_text(_INLINE_FUNCTIONS)
    for folder, env in ((tmp_path / "plain", {}), (tmp_path / "debug", {"NUMBA_DEBUGINFO": "1"})):
        folder.mkdir()
        (folder / "functions.py").write_text(_INLINE_FUNCTIONS)
        out = _run_with_modules(folder, _INLINE_DEBUG, **env)
        assert out["inlined"] is True
        assert out["checked"] == 3.0
        assert out["calls_checked"] == out["calls_checked_plain"]


_INLINE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import functions as f


def calls(caller, callee):
    # references to the callee's code (a call, its definition), not to its environment
    asm = caller.inspect_asm(caller.signatures[0])
    lines = asm.splitlines()
    return sum(f"{len(callee)}{callee}B" in line and "NumbaEnv" not in line for line in lines)


if sys.argv[2] == "first":
    out = {"same": f.calls_plain(0.3) == f.calls_inlined(0.3)}
    out["plain"] = calls(f.calls_plain, "plain")
    out["inlined"] = calls(f.calls_inlined, "inlined")
else:  # a new caller, the callee's optimised code from the cache
    f.calls_inlined_later(0.3)
    out = {"hits": f.inlined._callee.stats.cache_hits.total()}
    out["inlined"] = calls(f.calls_inlined_later, "inlined")
print(json.dumps(out))
"""


def test_inline_njit_functions_are_inlined_into_their_callers_also_from_the_cache(tmp_path):
    """LLVM leaves a large function as a call (the test's control), an inline_njit one
    inlined into every caller, and a caller compiled in a later process, its callee's
    optimised code taken from the cache, still inlines it (the attribute is kept in the
    cached code)."""
    (tmp_path / "functions.py").write_text(_INLINE_FUNCTIONS)
    first = _run_with_modules(tmp_path, _INLINE.replace("sys.argv[2]", "'first'"))
    assert first["same"]
    assert first["plain"] >= 2  # the call and the definition
    assert first["inlined"] == 0
    later = _run_with_modules(tmp_path, _INLINE.replace("sys.argv[2]", "'later'"))
    assert later == {"hits": 1, "inlined": 0}
