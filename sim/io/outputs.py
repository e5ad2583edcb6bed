"""The output folder of ``reentry run`` and ``reentry compare`` (``--out DIR``).

Per scenario: ``NAME.csv`` (the trajectory), ``NAME.resolved.toml`` (the configuration as
resolved, runnable again) and, for guided flights, ``NAME.guidance.csv``; and one
``summary.json`` (the JSON document). Every file is written atomically.
"""

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.config.tree import dump_config
from sim.io.tables import guidance_csv
from sim.results.files import atomic_write


class OutputError(OSError):
    """An output file or folder cannot be written (the message names it)."""


def prepare_folder(out: str | os.PathLike) -> Path:
    """Create the output folder if needed.

    Raises
    ------
    OutputError
        When it cannot be created or is a file.
    """
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: a folder for the output, not an existing file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: a folder that can be created ({exc.strerror})") from None
    return path


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (:class:`OutputError` naming it on failure)."""
    try:
        atomic_write(path, lambda f: f.write(text))
    except OSError as exc:
        raise OutputError(f"{path}: a writable file ({exc.strerror})") from None


def write_comparison(out_dir: Path, document: dict, runs: Iterable[Any]) -> None:
    """Write the files of a comparison into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        An existing folder (:func:`prepare_folder`).
    document : dict
        The JSON document (``summary.json``).
    runs : iterable of ScenarioRun
        Objects with ``scenario`` (name, path, config) and ``trajectory``.
    """
    for run in runs:
        s, traj = run.scenario, run.trajectory
        try:
            traj.to_csv(out_dir / f"{s.name}.csv")
        except OSError as exc:
            raise OutputError(
                f"{out_dir / (s.name + '.csv')}: a writable file ({exc.strerror})"
            ) from None
        header = (
            f"# {s.name}: the configuration of {s.path} as resolved (extends and "
            "overrides applied).\n# Run it again with: reentry run "
            f"{s.name}.resolved.toml\n\n"
        )
        write_text(out_dir / f"{s.name}.resolved.toml", header + dump_config(s.config))
        for phase, history in traj.diagnostics.items():
            if history.get("time"):
                write_text(out_dir / f"{s.name}.guidance.csv", guidance_csv(phase, history))
    write_text(out_dir / "summary.json", json.dumps(document, indent=2, allow_nan=False) + "\n")
