"""Reading back an output folder of ``reentry run`` or ``reentry compare --out DIR``.

The folder holds ``summary.json`` (the comparison's JSON document), ``NAME.csv`` per
scenario (the trajectory: header ``name [unit]``), ``NAME.resolved.toml`` (the epoch and
the target) and, for guided flights, ``NAME.guidance.csv``. :func:`read_result_folder`
rebuilds the trajectories (columns, status, events, phases, epoch, guidance history; not
the integrator's dense output), so that figures and exports can be made again without
flying.
"""

import csv
import json
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from sim.io.outputs import OutputError
from sim.models.earth import GeoPoint
from sim.results.trajectory import Event, Trajectory


@dataclass(frozen=True)
class ResultFolder:
    """An output folder read back.

    Attributes
    ----------
    path : Path or None
        None for results not read from a folder.
    document : dict
        ``summary.json``.
    trajectories : dict of str -> Trajectory
        In the document's order.
    targets : dict of str -> GeoPoint or None
        Each scenario's target (from its resolved configuration).
    documented : dict of str -> (flight, case) or None
        The documented flight each scenario stands for.
    """

    path: Path | None
    document: dict
    trajectories: dict
    targets: dict
    documented: dict


def is_result_folder(path: str | os.PathLike) -> bool:
    """True when ``path`` is a folder with a ``summary.json``."""
    return (Path(path) / "summary.json").is_file()


def read_result_folder(path: str | os.PathLike) -> ResultFolder:
    """Read an output folder back (see the module docstring).

    Raises
    ------
    OutputError
        When ``summary.json`` or a trajectory file is missing or unreadable (the message
        names the file).
    """
    folder = Path(path)
    summary = folder / "summary.json"
    try:
        document = json.loads(summary.read_text(encoding="utf-8"))
        entries = document["scenarios"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(f"{summary}: a summary.json written by reentry ({exc})") from None
    trajectories, targets, documented = {}, {}, {}
    for entry in entries:
        name = entry["name"]
        config = _resolved(folder / f"{name}.resolved.toml")
        epoch = _epoch(config, entry)
        data = _read_csv(folder / f"{name}.csv")
        events = tuple(
            Event(e["time_s"], e["name"], e["phase"], 1e3 * e["altitude_km"])
            for e in entry.get("events", ())
        )
        trajectories[name] = Trajectory(
            entry["status"],
            entry.get("message", ""),
            events,
            _phase_names(events, data),
            epoch,
            data,
            diagnostics=_guidance(folder / f"{name}.guidance.csv"),
            peaks=_peaks(entry),
        )
        t = config.get("target")
        targets[name] = (
            GeoPoint.from_deg(t["latitude_deg"], t["longitude_deg"])
            if isinstance(t, dict) and "latitude_deg" in t and "longitude_deg" in t
            else None
        )
        doc = entry.get("documented")
        documented[name] = None if not doc else (doc["flight"], doc["case"])
    return ResultFolder(folder, document, trajectories, targets, documented)


def _peaks(entry):
    """The summary's peak load and its time, under the engine's names (for figures)."""
    if entry.get("peak_g") is None or entry.get("peak_g_time_s") is None:
        return None
    return {"peak_g": entry["peak_g"], "peak_g_time": entry["peak_g_time_s"]}


def _resolved(path):
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _epoch(config, entry):
    text = config.get("epoch_utc")
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=UTC)
    if isinstance(text, str):
        dt = datetime.fromisoformat(text)
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    landing, flight = entry.get("landing_time_utc"), entry.get("flight_time_s")
    if landing and flight is not None:
        return datetime.fromisoformat(landing) - timedelta(seconds=flight)
    return None


def _read_csv(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
            matrix = np.loadtxt(f, delimiter=",", ndmin=2)
    except (OSError, StopIteration, ValueError) as exc:
        raise OutputError(f"{path}: a trajectory file written by reentry ({exc})") from None
    names = [h.split(" [")[0].strip() for h in header]
    return {n: matrix[:, k].copy() for k, n in enumerate(names)}


def _phase_names(events: tuple, data: dict) -> tuple:
    names: list = []
    for e in events:
        if e.phase not in names:
            names.append(e.phase)
    count = int(data["phase"].max()) + 1 if "phase" in data and len(data["phase"]) else 0
    names += [f"phase {k}" for k in range(len(names), count)]
    return tuple(names)


def _guidance(path):
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    # "# guidance of phase 'NAME'; bank reversals at t = 1.0, 2.0 s" (sim.io.tables)
    head = re.match(r"# guidance of phase '(.*)'; bank reversals at t = (.*) s$", lines[0])
    if head is None:
        return {}
    phase = head.group(1)
    reversals = [float(v) for v in head.group(2).split(",") if v.strip()]
    names = [h.split(" [")[0] for h in lines[1].split(",")]
    rows = np.array([[float(v) for v in ln.split(",")] for ln in lines[2:] if ln.strip()])
    history = {n: rows[:, k].tolist() if len(rows) else [] for k, n in enumerate(names)}
    history["reversals"] = reversals
    return {phase: history}
