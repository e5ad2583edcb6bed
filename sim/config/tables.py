"""Tables read from files: tabulated atmospheres (CSV)."""

import csv
import math
import os
from pathlib import Path

import numpy as np

from sim.config.errors import ScenarioError
from sim.models.atmosphere import TabulatedAtmosphere


def read_atmosphere_table(
    path: str | os.PathLike, density_scale: float = 1.0
) -> TabulatedAtmosphere:
    """Read a tabulated atmosphere from a CSV file.

    The file has a header row naming the columns ``altitude_km``, ``density_kg_m3`` and
    ``temperature_k`` (any order; other columns are ignored); blank lines and lines
    starting with ``#`` are skipped. Altitudes must increase strictly, densities and
    temperatures be positive.

    Returns
    -------
    TabulatedAtmosphere

    Raises
    ------
    ScenarioError
        Naming the file and the line of the problem.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError(path, None, f"a readable CSV file ({exc.strerror})") from None
    need = ("altitude_km", "density_kg_m3", "temperature_k")
    header = None
    rows: list[tuple[int, list[float]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([stripped]))]
        if header is None:
            missing = [n for n in need if n not in cells]
            if missing:
                raise ScenarioError(
                    path,
                    f"line {lineno}",
                    f"a header with the columns {', '.join(need)} (missing {', '.join(missing)})",
                )
            header = {n: cells.index(n) for n in need}
            continue
        values = []
        for n in need:
            k = header[n]
            try:
                v = float(cells[k])
            except (IndexError, ValueError):
                got = cells[k] if k < len(cells) else "nothing"
                raise ScenarioError(
                    path, f"line {lineno}", f"a number in column {n}, not {got!r}"
                ) from None
            if not math.isfinite(v):
                raise ScenarioError(path, f"line {lineno}", f"a finite {n}, not {v}")
            if n != "altitude_km" and v <= 0:
                raise ScenarioError(path, f"line {lineno}", f"a positive {n}, not {v:g}")
            values.append(v)
        if rows and values[0] <= rows[-1][1][0]:
            raise ScenarioError(
                path,
                f"line {lineno}",
                f"altitude_km strictly increasing, not {values[0]:g} after {rows[-1][1][0]:g}",
            )
        rows.append((lineno, values))
    if header is None or len(rows) < 2:
        raise ScenarioError(
            path,
            None,
            "a header and at least two rows of altitude_km, density_kg_m3, temperature_k",
        )
    data = np.array([v for _, v in rows])
    return TabulatedAtmosphere(
        data[:, 0] * 1e3, data[:, 1], data[:, 2], density_scale=density_scale
    )
