"""Tables read from files: tabulated atmospheres (CSV)."""

import csv
import os
from pathlib import Path

import numpy as np

from sim.config.errors import ScenarioError
from sim.config.files import read_text
from sim.models.atmosphere import TabulatedAtmosphere

#: Most rows of an atmosphere table (1,000,000 rows read in a few seconds).
MAX_ROWS = 2_000_000

_NEED = ("altitude_km", "density_kg_m3", "temperature_k")


def read_atmosphere_table(
    path: str | os.PathLike, density_scale: float = 1.0, *, extrapolate: bool = True
) -> TabulatedAtmosphere:
    """Read a tabulated atmosphere from a CSV file.

    The file (UTF-8, a byte-order mark allowed) has a header row naming the columns
    ``altitude_km``, ``density_kg_m3`` and ``temperature_k`` (any order; other columns
    are ignored); blank lines and lines starting with ``#`` are skipped. Altitudes must
    increase strictly, densities and temperatures be positive and finite, and the density
    must not rise with altitude (the air's weight holds it up: a density that rises is a
    table in the wrong order or in the wrong units).

    Parameters
    ----------
    path : path-like
    density_scale : float
        Factor on the density [-].
    extrapolate : bool
        Whether flights may leave the table's altitudes
        (:attr:`TabulatedAtmosphere.extrapolate`).

    Returns
    -------
    TabulatedAtmosphere

    Raises
    ------
    ScenarioError
        Naming the file and the line of the problem.
    """
    path = Path(path)
    text = read_text(path, "CSV file")
    lines = [
        (n, stripped)
        for n, stripped in enumerate((ln.strip() for ln in text.splitlines()), start=1)
        if stripped and not stripped.startswith("#")
    ]
    if lines:
        lineno, first = lines[0]
        cells = _cells(first)
        missing = [n for n in _NEED if n not in cells]
        if missing:
            raise ScenarioError(
                path,
                f"line {lineno}",
                f"a header with the columns {', '.join(_NEED)} (missing {', '.join(missing)})",
            )
        header = [cells.index(n) for n in _NEED]
        if len(lines) - 1 > MAX_ROWS:
            raise ScenarioError(
                path, f"line {lines[MAX_ROWS + 1][0]}", f"at most {MAX_ROWS:,} rows"
            )
        fast = _fast_rows(lines[1:], len(cells), header)
        # when something is wrong, find its line row by row
        data = _rows(path, lines[1:], header) if fast is None else fast
        _check(path, data, [n for n, _ in lines[1:]])
    if len(lines) < 3:
        raise ScenarioError(
            path,
            None,
            "a header and at least two rows of altitude_km, density_kg_m3, temperature_k",
        )
    return TabulatedAtmosphere(
        data[:, 0] * 1e3,
        data[:, 1],
        data[:, 2],
        density_scale=density_scale,
        extrapolate=extrapolate,
    )


def _cells(line: str) -> list[str]:
    if '"' in line:
        return [c.strip() for c in next(csv.reader([line]))]
    return [c.strip() for c in line.split(",")]


def _fast_rows(lines: list, ncol: int, header: list) -> np.ndarray | None:
    """The needed columns of plain rows as floats, in one pass of numpy (None when a row
    is quoted, ragged or holds something that is not a number)."""
    body = [ln for _, ln in lines]
    if not body or any('"' in ln or ln.count(",") != ncol - 1 for ln in body):
        return None
    cells = ",".join(body).split(",")
    try:
        return np.column_stack([np.array(cells[k::ncol], dtype=float) for k in header])
    except ValueError:
        return None


def _rows(path: Path, lines: list, header: list) -> np.ndarray:
    """The needed columns row by row, the first bad cell an error naming its line."""
    out = []
    for lineno, line in lines:
        cells = _cells(line)
        values = []
        for n, k in zip(_NEED, header, strict=True):
            try:
                values.append(float(cells[k]))
            except (IndexError, ValueError):
                got = cells[k] if k < len(cells) else "nothing"
                raise ScenarioError(
                    path, f"line {lineno}", f"a number in column {n}, not {got[:40]!r}"
                ) from None
        out.append(values)
    return np.array(out).reshape(-1, len(_NEED))


def _check(path: Path, data: np.ndarray, linenos: list) -> None:
    """Finite values, positive densities and temperatures, altitudes increasing, density
    not rising: the first row that is not, an error naming its line."""
    alt, rho, temp = data[:, 0], data[:, 1], data[:, 2]
    problems = [
        ~np.isfinite(data).all(axis=1),
        rho <= 0,
        temp <= 0,
        np.r_[False, np.diff(alt) <= 0],
        np.r_[False, np.diff(rho) > 0],
    ]
    found = [(int(np.argmax(bad)), order) for order, bad in enumerate(problems) if bad.any()]
    if not found:
        return
    i, order = min(found)  # the first row with a problem, its first problem
    line = f"line {linenos[i]}"
    if order == 0:
        j = int(np.argmax(~np.isfinite(data[i])))
        raise ScenarioError(path, line, f"a finite {_NEED[j]}, not {data[i, j]}")
    if order in (1, 2):
        n = _NEED[order]
        raise ScenarioError(path, line, f"a positive {n}, not {data[i, order]:g}")
    if order == 3:
        raise ScenarioError(
            path,
            line,
            f"altitude_km strictly increasing, not {alt[i]:g} after {alt[i - 1]:g}",
        )
    raise ScenarioError(
        path,
        line,
        f"a density_kg_m3 that does not rise with altitude, not {rho[i]:g} at {alt[i]:g} km "
        f"above {rho[i - 1]:g} at {alt[i - 1]:g} km (line {linenos[i - 1]})",
    )
