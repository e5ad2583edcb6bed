"""Trajectories as Apache Parquet files (needs ``pyarrow``, imported on first use).

The columns are the trajectory's (SI, units in the schema's field metadata); the file's
metadata keeps ``status``, ``message``, ``epoch_utc``, the phase names and the event log
(JSON), so that :func:`read_trajectory` gives back an equal trajectory (without the
integrator's dense output).
"""

import json
import os
from datetime import datetime
from typing import Any

import numpy as np

from sim.results.trajectory import COLUMNS, Event, Trajectory


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Parquet files need pyarrow: pip install pyarrow") from exc
    return pa, pq


def write_trajectory(path: str | os.PathLike, traj: Trajectory) -> None:
    """Write a trajectory's columns and its status, epoch, phases and events to Parquet."""
    pa, pq = _pyarrow()
    fields = [
        pa.field(
            name,
            pa.float64(),
            metadata={"unit": COLUMNS[name][0], "description": COLUMNS[name][1]}
            if name in COLUMNS
            else None,
        )
        for name in traj.data
    ]
    meta = {
        "status": traj.status,
        "message": traj.message,
        "epoch_utc": None if traj.epoch is None else traj.epoch.isoformat(),
        "phase_names": list(traj.phase_names),
        "events": [
            {"time": e.time, "name": e.name, "phase": e.phase, "altitude": e.altitude}
            for e in traj.events
        ],
        "diagnostics": {
            phase: {k: np.asarray(v, dtype=float).tolist() for k, v in history.items()}
            for phase, history in traj.diagnostics.items()
        },
    }
    schema = pa.schema(fields, metadata={"reentry_sim": json.dumps(meta)})
    table = pa.table([np.asarray(traj.data[n], dtype=float) for n in traj.data], schema=schema)
    pq.write_table(table, os.fspath(path))


def read_trajectory(path: str | os.PathLike) -> Trajectory:
    """A trajectory read back from :func:`write_trajectory`'s file."""
    _, pq = _pyarrow()
    table = pq.read_table(os.fspath(path))
    meta = json.loads(table.schema.metadata[b"reentry_sim"])
    data = {name: table.column(name).to_numpy() for name in table.column_names}
    epoch = None if meta["epoch_utc"] is None else datetime.fromisoformat(meta["epoch_utc"])
    events = tuple(Event(**e) for e in meta["events"])
    diagnostics = {
        phase: {k: list(v) for k, v in history.items()}
        for phase, history in meta.get("diagnostics", {}).items()
    }
    return Trajectory(
        meta["status"], meta["message"], events, tuple(meta["phase_names"]), epoch, data,
        diagnostics=diagnostics,
    )  # fmt: skip
