"""The output folder: written through a staging folder and a journaled commit, never a
mix of two runs, finished or cleaned after a kill -9 (real subprocesses)."""

import json
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from sim.io.outputs import (
    MANIFEST,
    STAGING_PREFIX,
    SUMMARY,
    OutputError,
    open_folder,
    prepare_folder,
    previous_files,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "entry_small.toml"
TMA11 = ROOT / "configs" / "soyuz_tma11"


def _stage_run(out, names, tag):
    """Stage the files of a run of scenarios ``names`` (what write_comparison writes)."""
    folder = open_folder(out)
    for n in names:
        folder.write_text(f"{n}.csv", f"{tag}\n")
        folder.write_text(f"{n}.resolved.toml", f"# {tag}\n")
    document = {"scenarios": [{"name": n} for n in names], "tag": tag}
    folder.write_text(SUMMARY, json.dumps(document))
    return folder


def _state(out):
    """The run a folder holds: (tag, names), checking it is exactly that run's files."""
    entries = sorted(p.name for p in out.iterdir())
    assert not [e for e in entries if e.startswith(STAGING_PREFIX) or ".tmp-" in e], entries
    doc = json.loads((out / SUMMARY).read_text())
    names = [e["name"] for e in doc["scenarios"]]
    own = sorted([SUMMARY, *(f"{n}{s}" for n in names for s in (".csv", ".resolved.toml"))])
    foreign = [e for e in entries if e not in previous_files(out)]
    assert sorted(set(entries) - set(foreign)) == own, entries
    for n in names:  # every file of the same run
        assert (out / f"{n}.csv").read_text() == f"{doc['tag']}\n"
    return doc["tag"], names


def test_a_commit_replaces_the_previous_run_whole(tmp_path):
    out = tmp_path / "out"
    _stage_run(out, ["a", "b"], "run 1").commit()
    assert _state(out) == ("run 1", ["a", "b"])
    (out / "notes.txt").write_text("mine\n")  # a file no run wrote
    _stage_run(out, ["c"], "run 2").commit()
    assert _state(out) == ("run 2", ["c"])  # a.* and b.* are gone
    assert (out / "notes.txt").read_text() == "mine\n"


def test_a_discarded_run_leaves_the_previous_one(tmp_path):
    out = tmp_path / "out"
    _stage_run(out, ["a"], "run 1").commit()
    _stage_run(out, ["b"], "run 2").discard()
    assert _state(out) == ("run 1", ["a"])


def test_a_folder_in_the_way_stops_the_commit_before_anything_is_removed(tmp_path):
    out = tmp_path / "out"
    _stage_run(out, ["a"], "run 1").commit()
    (out / "b.csv").mkdir()
    with pytest.raises(OutputError, match="b.csv"):
        _stage_run(out, ["b"], "run 2").commit()
    (out / "b.csv").rmdir()
    assert _state(out) == ("run 1", ["a"])


def test_recovery_removes_an_uncommitted_staging_folder(tmp_path):
    out = tmp_path / "out"
    _stage_run(out, ["a"], "run 1").commit()
    stale = out / f"{STAGING_PREFIX}2147483000"  # no such process
    stale.mkdir()
    (stale / "b.csv").write_text("half\n")
    prepare_folder(out)
    assert not stale.exists() and _state(out) == ("run 1", ["a"])


def _stage_figures(folder, names):
    for n in names:
        (folder.staging / n).write_text("figure\n")
    folder.add_written(folder.staging / n for n in names)
    return folder


def test_files_beyond_the_summary_go_with_their_run(tmp_path):
    """Figures committed with a run (compare --plots) are listed, and the next run into the
    folder removes them with the rest of the first run's files."""
    out = tmp_path / "out"
    _stage_figures(_stage_run(out, ["a"], "run 1"), ["load.png", "tracks.kml"]).commit()
    assert (out / "load.png").exists() and (out / MANIFEST).exists()
    assert set(previous_files(out)) >= {"load.png", "tracks.kml", "a.csv", SUMMARY}
    _stage_run(out, ["b"], "run 2").commit()
    assert _state(out) == ("run 2", ["b"])
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["b.csv", "b.resolved.toml", SUMMARY]
    )  # the figures and the list of files went with run 1


def test_figures_added_beside_a_run_keep_it_and_go_with_it(tmp_path):
    """plot --out into a comparison's folder: the comparison stays; a later run removes
    both."""
    out = tmp_path / "out"
    _stage_run(out, ["a"], "run 1").commit()
    _stage_figures(open_folder(out), ["load.svg"]).commit(replace=False)
    assert (out / "a.csv").read_text() == "run 1\n" and (out / SUMMARY).exists()
    assert (out / "load.svg").exists()
    _stage_figures(open_folder(out), ["load.png"]).commit(replace=False)
    assert (out / "load.svg").exists() and (out / "load.png").exists()
    _stage_run(out, ["b"], "run 2").commit()
    assert not (out / "load.svg").exists() and not (out / "load.png").exists()
    assert _state(out) == ("run 2", ["b"])


def test_a_list_of_files_never_names_files_elsewhere(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "precious.txt").write_text("mine\n")
    (out / MANIFEST).write_text(json.dumps(["../precious.txt", "/etc/passwd", ".hidden", 3]))
    assert previous_files(out) == []
    _stage_run(out, ["a"], "run 1").commit()
    assert (tmp_path / "precious.txt").exists()


def test_an_empty_or_unwritable_out_is_refused():
    with pytest.raises(OutputError, match="--out"):
        prepare_folder("")
    with pytest.raises(OutputError, match="/proc/self"):
        open_folder("/proc/self")


# ---------------------------------------------------------------------------------------
# kill -9
# ---------------------------------------------------------------------------------------
_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from test_outputs import _stage_run
    import sim.io.outputs as outputs

    point = {point!r}
    moves = []
    replace = os.replace

    def killing_replace(a, b):
        replace(a, b)
        moves.append(b)
        if point == "moving" and len(moves) == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    outputs.os.replace = killing_replace
    folder = _stage_run({out!r}, ["c", "d"], "run 2")
    if point == "staged":
        os.kill(os.getpid(), signal.SIGKILL)
    if point == "journal":
        outputs._apply = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
    folder.commit()
    """
)


@pytest.mark.parametrize(
    "point, after",
    [
        ("staged", "run 1"),  # killed before the journal: the first run stays
        ("journal", "run 2"),  # killed after it: the next run finishes the commit
        ("moving", "run 2"),  # killed among the moves: the same
    ],
)
def test_kill_9_during_a_commit_leaves_one_run_after_the_next_start(tmp_path, point, after):
    out = tmp_path / "out"
    _stage_run(out, ["a", "b"], "run 1").commit()
    code = _CHILD.format(tests=str(pathlib.Path(__file__).parent), point=point, out=str(out))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir())  # left behind
    prepare_folder(out)  # what the next run into the folder does first
    assert _state(out)[0] == after


@pytest.mark.slow
def test_kill_9_of_a_real_run_never_leaves_a_mix(tmp_path):
    """``reentry run --out`` of TMA-11 killed at moments spread over its run, into a
    folder that holds a complete run of another scenario: after the next start, the
    folder holds exactly one of the two runs' files, and no staging folder or temporary
    file."""
    out = tmp_path / "out"
    runs = {
        "entry_small": {SUMMARY, "entry_small.csv", "entry_small.resolved.toml"},
        "nominal": {SUMMARY, "nominal.csv", "nominal.resolved.toml", "nominal.guidance.csv"},
    }
    small = [sys.executable, "-m", "sim", "run", str(SMALL), "--out", str(out), "--json"]
    cmd = [sys.executable, "-m", "sim", "run", str(TMA11 / "nominal.toml"), "--out", str(out)]
    t0 = time.monotonic()
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    duration = time.monotonic() - t0
    seen = set()
    for fraction in (0.3, 0.6, 0.8, 0.9, 0.95, 0.98, 1.0, 1.5):
        assert subprocess.run(small, capture_output=True).returncode == 0
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(fraction * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        prepare_folder(out)  # what the next run into the folder does first
        names = {p.name for p in out.iterdir()}
        tag = json.loads((out / SUMMARY).read_text())["scenarios"][0]["name"]
        assert names == runs[tag], names
        seen.add(tag)
    assert seen == set(runs)  # some kills came before the commit, some after
