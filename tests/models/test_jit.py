"""The compiled-code cache: with no writable folder for it, one warning and a working run."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
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
