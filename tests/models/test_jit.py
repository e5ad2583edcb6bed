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


# --- compiling beside a helper process (sim.models._jit.compile_alongside) -------------

_HOLD = """
import fcntl, pathlib, sys, time
lock = open(sys.argv[1], "a")
fcntl.flock(lock, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(0.5)
pathlib.Path(sys.argv[2]).write_text("done")  # written before the lock is let go
lock.close()
"""


def test_a_compilation_waits_for_the_process_that_holds_its_lock(tmp_path, monkeypatch):
    """The lock of a function is held by another process (a helper compiling it): this
    process enters only after the other has finished, and then finds its machine code."""
    from numba import types

    from sim.models import _jit
    from sim.models.earth import enu_basis

    monkeypatch.setattr(_jit, "CACHE_DIR", tmp_path)
    args = (types.float64, types.float64)
    path = _jit.lock_path(tmp_path, enu_basis, args)
    path.parent.mkdir()
    done = tmp_path / "done"
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), str(done)], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with _jit._compile_lock(enu_basis, args):
            assert done.exists()
    # another function's lock is another file: it does not wait
    assert _jit.lock_path(tmp_path, enu_basis, (types.float64,)) != path


_PROBE_HELPER = """
import json, os, sim
with open(os.environ["PROBE_OUT"], "w") as f:
    json.dump({"helper": os.environ.get("REENTRY_SIM_COMPILE_HELPER"),
               "cache": os.environ.get("REENTRY_SIM_CACHE_DIR"), "sim": sim.__file__}, f)
"""


def _probe(index: Path):
    from types import SimpleNamespace

    return SimpleNamespace(_cache=SimpleNamespace(_cache_file=SimpleNamespace(_index_path=index)))


def test_the_helper_starts_once_for_an_uncached_probe_and_starts_none_itself(tmp_path, monkeypatch):
    import time

    import sim
    from sim.models import _jit

    (tmp_path / "probe_helper.py").write_text(_PROBE_HELPER)
    out = tmp_path / "out.json"
    cached = tmp_path / "cached.nbi"
    cached.write_text("")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("PROBE_OUT", str(out))
    monkeypatch.delenv("REENTRY_SIM_COMPILE_HELPER", raising=False)
    monkeypatch.setattr(_jit, "CACHE_DIR", tmp_path / "base" / "numba" / "tag")
    monkeypatch.setattr(_jit, "_started", False)
    monkeypatch.setattr(_jit, "_HELPER_PIDS", [])
    monkeypatch.setattr(
        _jit,
        "_ALONGSIDE",
        [("probe_helper", _probe(tmp_path / "missing.nbi")), ("no_such_module", _probe(cached))],
    )
    _jit._start_helpers()
    _jit._start_helpers()  # once per process
    assert len(_jit._HELPER_PIDS) == 1  # the cached probe's helper is not started
    pid = _jit._HELPER_PIDS[0]
    assert os.waitpid(pid, 0)[1] == 0
    seen = json.loads(out.read_text())
    assert seen == {
        "helper": "1",  # so that the helper starts no helper of its own
        "cache": str(tmp_path / "base"),  # the same cache folder as this process
        "sim": sim.__file__,  # the same package, whatever the helper's path
    }
    _jit._reap_helpers()  # an already collected helper is dropped, not waited for
    assert _jit._HELPER_PIDS == []
    # in a helper (its environment), none is started
    monkeypatch.setenv("REENTRY_SIM_COMPILE_HELPER", "1")
    monkeypatch.setattr(_jit, "_started", False)
    out.unlink()
    _jit._start_helpers()
    time.sleep(0.1)
    assert _jit._HELPER_PIDS == [] and not out.exists()


def test_the_helper_compiles_the_engine_for_the_types_it_is_flown_with():
    """The helper compiles one signature of the engine: the one a single run and a batch
    call it with (another would be compiled beside it, and the helper's work wasted)."""
    from sim.config.build import load_scenario
    from sim.core.alongside import signature
    from sim.core.engine import fly
    from sim.studies.batch import fly_batch_of
    from sim.studies.runs import run_scenario

    path = ROOT / "configs" / "soyuz_tma11" / "ballistic.toml"
    run_scenario(load_scenario(path))
    fly_batch_of(path, [{}, {"atmosphere.density_scale": 1.1}])
    assert set(fly.overloads) == {signature()}
