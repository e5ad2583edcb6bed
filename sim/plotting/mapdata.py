"""The shipped base-map data (``sim/data/maps``), loaded on first use.

- ``basemap.npz``: Natural Earth 4.1.0 (public domain) at 1:50m and 1:110m: coastlines,
  land, lakes, rivers and country borders as float32 [lon, lat] polylines [deg]. Each layer
  ``NAME_RES`` has ``NAME_RES_xy`` (N, 2) points and ``NAME_RES_ring`` (M + 1) offsets of
  its M lines or rings; ``meta`` is a JSON string with the provenance.
- ``towns.csv``: 1,320 towns from GeoNames ``cities15000`` (CC BY 4.0: maps that show them
  say so).

Provenance and licences: ``sim/data/maps/NOTICE.md``. The files are written by
``tools/build_mapdata.py``, which the package never runs.
"""

import csv
import functools
import json
from pathlib import Path

import numpy as np

#: The folder of the map data.
DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "maps"

#: The attribution every map carries (GeoNames' CC BY 4.0 licence requires it for towns).
ATTRIBUTION_NATURAL_EARTH = "Made with Natural Earth."
ATTRIBUTION_GEONAMES = "Towns: GeoNames (CC BY 4.0)."

#: Layers of ``basemap.npz``.
LAYERS = ("coast", "land", "lakes", "rivers", "borders")
#: Resolutions of ``basemap.npz``.
RESOLUTIONS = ("50m", "110m")


@functools.cache
def _npz() -> dict:
    with np.load(DATA_DIR / "basemap.npz") as z:
        return {k: z[k] for k in z.files}


def data_info() -> dict:
    """The provenance record stored with the geometry (source, Natural Earth version,
    licence, quantization, point counts)."""
    return json.loads(str(_npz()["meta"]))


def layer(name: str, resolution: str) -> tuple[np.ndarray, np.ndarray]:
    """``(xy, offsets)`` of a layer: float64 (N, 2) [lon, lat] [deg] and the (M + 1) offsets
    of its lines (or polygon rings).

    Raises
    ------
    ValueError
        For an unknown layer or resolution.
    """
    if name not in LAYERS or resolution not in RESOLUTIONS:
        raise ValueError(f"map layer {name!r} at {resolution!r}: one of {LAYERS} at {RESOLUTIONS}")
    d = _npz()
    return d[f"{name}_{resolution}_xy"].astype(np.float64), d[f"{name}_{resolution}_ring"]


@functools.cache
def load_towns() -> dict:
    """The towns as a dict of numpy arrays: ``name``, ``country`` (ISO 3166 alpha-2),
    ``lat``, ``lon`` [deg], ``population``, ``pclass`` (1: at least 1 M people, 2: 300 k,
    3: 100 k, 4: 30 k, 5: fewer) and ``capital`` (bool)."""
    with open(DATA_DIR / "towns.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return {
        "name": np.array([r["name"] for r in rows], dtype=object),
        "country": np.array([r["country"] for r in rows], dtype=object),
        "lat": np.array([float(r["lat"]) for r in rows]),
        "lon": np.array([float(r["lon"]) for r in rows]),
        "population": np.array([int(r["population"]) for r in rows]),
        "pclass": np.array([int(r["pclass"]) for r in rows]),
        "capital": np.array([r["capital"] == "1" for r in rows]),
    }
