"""The output folders of the command line (``--out DIR``): those of ``reentry run`` and
``reentry compare`` below; the other commands commit their own files the same way.

Per scenario: ``NAME.csv`` (the trajectory), ``NAME.resolved.toml`` (the configuration as
resolved, runnable again) and, for guided flights, ``NAME.guidance.csv``; and one
``summary.json`` (the JSON document).

The folder is never left holding a mix of two runs, even when a run is killed:

1. :func:`open_folder` creates DIR, cleans up after runs killed before (below), and
   creates a private staging folder ``DIR/.reentry-staging-PID``: a folder that cannot
   be written is reported before anything is flown.
2. Every file of the run is written into the staging folder.
3. The commit (:meth:`OutputFolder.commit`) writes a journal into the staging folder
   (the files of the previous run to remove, the files to move in), then removes the
   previous run's files (those its ``summary.json`` names), moves the new files in,
   ``summary.json`` last, and removes the staging folder.

A run killed before its journal leaves a staging folder that the next run into DIR
removes; one killed during step 3 leaves its journal, and the next run completes that
commit first. A reader sees either the previous run's files or the new run's, with its
``summary.json``, or (for the milliseconds of a commit, or after a kill during one until
the next run) no ``summary.json``: the set is complete when ``summary.json`` is there.
Files of DIR that no run wrote are never touched. A set with files beyond those its
``summary.json`` names (figures and maps of ``--plots``, a study's tables) also moves in
a list of its files (``.reentry-files.json``), so that the next run removes those too.
Figures added to a folder (``reentry plot ... --out DIR``) are committed the same way,
but beside the files already there (:meth:`OutputFolder.commit` with ``replace=False``).
"""

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.config.tree import dump_config
from sim.io.tables import guidance_csv
from sim.results.files import atomic_write

#: Prefix of the staging folders inside an output folder.
STAGING_PREFIX = ".reentry-staging-"
_JOURNAL = ".commit.json"
SUMMARY = "summary.json"
#: The list of the files of the set an output folder holds (moved in by every commit).
MANIFEST = ".reentry-files.json"


class OutputError(OSError):
    """An output file or folder cannot be written (the message names it)."""


def prepare_folder(out: str | os.PathLike) -> Path:
    """Create the output folder if needed (and finish or remove what killed runs left).

    Raises
    ------
    OutputError
        When it cannot be created or is a file.
    """
    path = Path(out)
    if not str(out):
        raise OutputError("--out: a folder name, not an empty string")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: a folder for the output, not an existing file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: a folder that can be created ({exc.strerror})") from None
    recover(path)
    return path


def open_folder(out: str | os.PathLike) -> "OutputFolder":
    """Prepare ``out`` (:func:`prepare_folder`) and create this run's staging folder.

    Raises
    ------
    OutputError
        When the folder cannot be created or written.
    """
    path = prepare_folder(out)
    staging = path / f"{STAGING_PREFIX}{os.getpid()}"
    try:
        if staging.exists():  # a folder of a killed run whose process id came back
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"{path}: a folder where files can be written ({exc.strerror})") from None
    return OutputFolder(path, staging)


class OutputFolder:
    """An output folder being written through its staging folder (see the module
    docstring); use :meth:`write_comparison`, then :meth:`commit` (or :meth:`discard`)."""

    def __init__(self, path: Path, staging: Path) -> None:
        self.path = path
        self.staging = staging
        self.files: list[str] = []

    def write_text(self, name: str, text: str) -> None:
        """Stage one text file."""
        _write_text(self.staging / name, text, shown=self.path / name)
        self.files.append(name)

    def write_comparison(self, document: dict, runs: Iterable[Any]) -> None:
        """Stage the files of a comparison (see :func:`write_comparison`)."""
        for run in runs:
            s, traj = run.scenario, run.trajectory
            name = f"{s.name}.csv"
            try:
                traj.to_csv(self.staging / name)
            except OSError as exc:
                raise OutputError(f"{self.path / name}: a writable file ({exc.strerror})") from None
            self.files.append(name)
            header = (
                f"# {s.name}: the configuration of {s.path} as resolved (extends and "
                "overrides applied).\n# Run it again with: reentry run "
                f"{s.name}.resolved.toml\n\n"
            )
            self.write_text(f"{s.name}.resolved.toml", header + dump_config(s.config))
            for phase, history in traj.diagnostics.items():
                if history.get("time"):
                    self.write_text(f"{s.name}.guidance.csv", guidance_csv(phase, history))
        self.write_text(SUMMARY, json.dumps(document, indent=2, allow_nan=False) + "\n")

    def add_written(self, paths: Iterable[str | os.PathLike]) -> None:
        """Count files written into :attr:`staging` by others (figures, maps) as staged."""
        for p in paths:
            name = Path(p).relative_to(self.staging)
            if len(name.parts) != 1:
                raise ValueError(f"{p}: a file directly in the staging folder")
            self.files.append(str(name))

    def commit(self, replace: bool = True) -> None:
        """Replace the previous run's files by the staged ones (see the module docstring);
        with ``replace=False``, put the staged files beside them (those of the same name
        replaced).

        Raises
        ------
        OutputError
            When a file cannot be moved into place (a folder of its name, say).
        """
        new = sorted(set(self.files) - {MANIFEST}, key=lambda n: n == SUMMARY)
        for name in new:  # what would stop the moves, before anything is removed
            target = self.path / name
            if target.is_dir() and not target.is_symlink():
                self.discard()
                raise OutputError(f"{target}: a writable file (a folder of that name exists)")
        previous = [n for n in previous_files(self.path) if n not in new and n != MANIFEST]
        old = previous if replace else []
        kept = [] if replace else [n for n in previous if (self.path / n).exists()]
        after = {*new, *kept}
        if after - set(_summary_files(self.staging if SUMMARY in new else self.path)):
            _write_text(self.staging / MANIFEST, json.dumps(sorted(after)) + "\n", shown=self.path)
            new.insert(len(new) - (SUMMARY in new), MANIFEST)  # summary.json still last
        else:  # summary.json names every file
            old.append(MANIFEST)
        journal = {"remove": old, "files": new}
        _write_text(self.staging / _JOURNAL, json.dumps(journal), shown=self.path)
        try:
            _apply(self.path, self.staging, journal)
        except OSError as exc:
            raise OutputError(f"{self.path}: a folder where files can be written ({exc})") from None

    def discard(self) -> None:
        """Remove the staging folder (the run wrote nothing)."""
        shutil.rmtree(self.staging, ignore_errors=True)


def previous_files(path: Path) -> list[str]:
    """The files of the run whose ``summary.json`` is in ``path``, and those its list of
    files names (none if there is neither)."""
    listed: list[str] = []
    try:
        names = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(names, list):
            listed = [n for n in names if isinstance(n, str) and _own_name(n)]
    except (OSError, ValueError):
        pass
    return list(dict.fromkeys([*listed, *_summary_files(path)]))


def _summary_files(path: Path) -> list[str]:
    """``summary.json`` in ``path`` and the files of the scenarios it names (none if
    there is no readable one)."""
    try:
        document = json.loads((path / SUMMARY).read_text(encoding="utf-8"))
        names = [str(e["name"]) for e in document["scenarios"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    out = [SUMMARY]
    for n in names:
        if _own_name(n):
            out += [f"{n}.csv", f"{n}.resolved.toml", f"{n}.guidance.csv"]
    return out


def _own_name(name: str) -> bool:
    """Whether ``name`` can be a file this program wrote (directly in the folder)."""
    return bool(name) and os.sep not in name and "/" not in name and not name.startswith(".")


def recover(path: Path) -> None:
    """Finish or remove what runs killed while writing into ``path`` left: a staging
    folder with a journal is committed, one without is removed (a staging folder of a
    process still running is left alone)."""
    try:
        entries = [p for p in path.iterdir() if p.name.startswith(STAGING_PREFIX)]
    except OSError:
        return
    for staging in entries:
        pid = staging.name[len(STAGING_PREFIX) :]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        try:
            journal = json.loads((staging / _JOURNAL).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            journal = None
        if isinstance(journal, dict):
            try:
                _apply(path, staging, journal)
                continue
            except (OSError, TypeError, KeyError):
                pass
        shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, as another user's
        return True
    return True


def _apply(path: Path, staging: Path, journal: dict) -> None:
    """Carry out a commit's journal; every step can be repeated (after a kill)."""
    if (staging / SUMMARY).exists():  # the new summary is not in place yet
        (path / SUMMARY).unlink(missing_ok=True)
    for name in journal["remove"]:
        (path / name).unlink(missing_ok=True)
    for name in journal["files"]:  # summary.json last
        source = staging / name
        if source.exists():
            os.replace(source, path / name)
    shutil.rmtree(staging)


def _write_text(path: Path, text: str, shown: Path) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise OutputError(f"{shown}: a writable file ({exc.strerror})") from None


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (:class:`OutputError` naming it on failure)."""
    try:
        atomic_write(path, lambda f: f.write(text))
    except OSError as exc:
        raise OutputError(f"{path}: a writable file ({exc.strerror})") from None


def write_comparison(out_dir: str | os.PathLike, document: dict, runs: Iterable[Any]) -> None:
    """Write the files of a comparison into ``out_dir`` (created if needed), through a
    staging folder (see the module docstring).

    Parameters
    ----------
    out_dir : path-like
        The output folder.
    document : dict
        The JSON document (``summary.json``).
    runs : iterable of ScenarioRun
        Objects with ``scenario`` (name, path, config) and ``trajectory``.
    """
    folder = open_folder(out_dir)
    try:
        folder.write_comparison(document, runs)
        folder.commit()
    except BaseException:
        folder.discard()
        raise
