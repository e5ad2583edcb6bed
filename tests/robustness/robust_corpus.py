"""The robustness corpus (``corpus.toml``): its cases read, and each materialised in a
folder of its own (a copy of a base scenario with text edits, written files, generated
hostile files). Used by ``test_corpus.py``."""

import os
import random
import re
import shutil
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "entry_small.toml"
TABLE_CSV = ROOT / "tests" / "data" / "atmosphere_table.csv"
TMA11 = ROOT / "configs" / "soyuz_tma11"
EXAMPLES = ROOT / "configs" / "examples"

CORPUS = tomllib.loads((Path(__file__).with_name("corpus.toml")).read_text(encoding="utf-8"))
DEFAULTS = CORPUS.get("defaults", {})
CASES = CORPUS["case"]

_EXP_ATM = '[atmosphere]\nmodel = "exponential"\nscale_height_km = 7.2\n'
_TAB_ATM = '[atmosphere]\nmodel = "table"\nfile = "atmosphere.csv"\n'


# ---------------------------------------------------------------------------------------
# Materialising a case
# ---------------------------------------------------------------------------------------
class CorpusError(Exception):
    """The corpus itself is stale or wrong (not a finding about sim/)."""


def _base(case, tmp):
    """Write the base scenario(s); returns (scenario path or None, its text or None)."""
    base = case.get("base", DEFAULTS.get("base", "small"))
    if base == "none":
        return None, None
    if base in ("small", "small_table"):
        text = SMALL.read_text()
        if base == "small_table":
            if _EXP_ATM not in text:
                raise CorpusError("entry_small.toml no longer has the expected [atmosphere]")
            text = text.replace(_EXP_ATM, _TAB_ATM)
            shutil.copy(TABLE_CSV, tmp / "atmosphere.csv")
        return tmp / case.get("scenario_file", "entry_small.toml"), text
    if base in ("tma11", "example"):
        shutil.copytree(TMA11, tmp / "soyuz_tma11")
        if base == "example":
            shutil.copytree(EXAMPLES, tmp / "examples")
            default = "examples/tma11_guided_then_ballistic_60km.toml"
        else:
            default = "soyuz_tma11/nominal.toml"
        path = tmp / case.get("scenario_file", default)
        return path, path.read_text()
    raise CorpusError(f"unknown base {base!r}")


def materialise(case, tmp):
    """Write everything the case needs into tmp; returns the placeholder values."""
    path, text = _base(case, tmp)
    if "content" in case:
        path = tmp / case.get("scenario_file", "scenario.toml")
        text = case["content"]
    if text is not None:
        for old, new in case.get("replace", []):
            if old not in text:
                raise CorpusError(f"{case['id']}: replace: {old!r} not in the base text")
            text = text.replace(old, new, 1)
        text += case.get("append", "")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    values = {
        "tmp": str(tmp),
        "scenario": str(path) if path else "",
        "file": path.name if path else "",
        "main": str(ROOT),
    }
    for spec in case.get("generate", []):
        GENERATORS[spec["kind"]](tmp, spec, text)
    for name, body in case.get("files", {}).items():
        p = tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(fill(body, values))
    return values


def fill(text, values):
    text = re.sub(r"\{zeros:(\d+)\}", lambda m: "0" * int(m.group(1)), text)
    return re.sub(r"\{(tmp|scenario|file|main)\}", lambda m: values[m.group(1)], text)


def command(case, values):
    if "argv" in case:
        argv = [fill(a, values) for a in case["argv"]]
    else:
        argv = ["run", values["scenario"], "--json"]
    for s in case.get("set", []):
        argv += ["--set", fill(s, values)]
    for u in case.get("unset", []):
        argv += ["--unset", fill(u, values)]
    return argv


# ---------------------------------------------------------------------------------------
# Generators of hostile files (``generate = [{ kind = ..., ... }]``)
# ---------------------------------------------------------------------------------------
def _target(tmp, spec, default="scenario.toml"):
    p = tmp / spec.get("path", default)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def _small_text():
    return SMALL.read_text()


def gen_bytes(tmp, spec, text):
    """Raw bytes: hex, optional prefix/suffix around a base text in an encoding."""
    body = b""
    if spec.get("with_base", False):
        src = text if text is not None else _small_text()
        for old, new in spec.get("text_replace", []):
            if old not in src:
                raise CorpusError(f"text_replace: {old!r} not in the base text")
            src = src.replace(old, new, 1)
        if spec.get("newline") == "crlf":
            src = src.replace("\n", "\r\n")
        body = src.encode(spec.get("encoding", "utf-8"))
    elif "text" in spec:
        body = spec["text"].encode(spec.get("encoding", "utf-8"))
    data = (
        bytes.fromhex(spec.get("prefix_hex", "")) + body + bytes.fromhex(spec.get("suffix_hex", ""))
    )
    if "insert_hex" in spec:  # after the first line
        cut = data.index(b"\n") + 1
        data = data[:cut] + bytes.fromhex(spec["insert_hex"]) + data[cut:]
    _target(tmp, spec).write_bytes(data)


def gen_random_bytes(tmp, spec, text):
    rng = random.Random(spec.get("seed", 1))
    _target(tmp, spec).write_bytes(rng.randbytes(int(spec.get("size", 4096))))


def gen_deep(tmp, spec, text):
    """Deeply nested inline tables / arrays, or a long dotted table header."""
    depth = int(spec["depth"])
    shape = spec["shape"]
    if shape == "inline_tables":
        snippet = "deep = " + "{ a = " * depth + "1" + " }" * depth + "\n"
    elif shape == "arrays":
        snippet = "deep = " + "[" * depth + "1" + "]" * depth + "\n"
    elif shape == "header":
        prefix = spec.get("prefix", "")
        snippet = "\n[" + prefix + ".".join(["a"] * depth) + "]\nx = 1\n"
    elif shape == "dotted_key":
        snippet = ".".join(["a"] * depth) + " = 1\n"
    else:
        raise CorpusError(f"unknown shape {shape!r}")
    src = text if text is not None else _small_text()
    p = _target(tmp, spec)
    # top-level keys must come before the first table: put the snippet first unless it
    # is a table header
    p.write_text(src + snippet if shape == "header" else snippet + src)


def gen_huge(tmp, spec, text):
    """A valid scenario made huge: comment padding, a huge string, a huge number."""
    src = text if text is not None else _small_text()
    what = spec["what"]
    mb = float(spec.get("mb", 1))
    p = _target(tmp, spec)
    if what == "comments":
        line = "# " + "padding " * 12 + "\n"
        n = int(mb * 2**20 / len(line))
        p.write_text(line * n + src)
    elif what == "string":
        p.write_text(src.replace('description = "', 'description = "' + "x" * int(mb * 2**20), 1))
    elif what == "one_line":
        p.write_text("# " + "y" * int(mb * 2**20) + "\n" + src)
    elif what == "int_digits":
        digits = int(spec["digits"])
        p.write_text(src.replace("mass_kg = 2900", "mass_kg = 1" + "0" * (digits - 1), 1))
    elif what == "long_key":
        key = "k" * int(mb * 2**20)
        p.write_text(f"{key} = 1\n" + src)
    elif what == "many_vehicles":
        n = int(spec["n"])
        extra = "".join(f'\n[vehicles.v{i}]\nbase_vehicle = "capsule"\n' for i in range(n))
        p.write_text(src + extra)
    else:
        raise CorpusError(f"unknown huge {what!r}")


def gen_many_phases(tmp, spec, text):
    src = text if text is not None else _small_text()
    n = int(spec["n"])
    head = src.split("[[phases]]")[0]
    phases = "".join(
        f'\n[[phases]]\nname = "p{i}"\nvehicle = "capsule"\n'
        f"until = [{{ phase_time_s = {spec.get('dt', 0.1)} }}]\n"
        for i in range(n)
    )
    phases += '\n[[phases]]\nname = "last"\nvehicle = "capsule"\n'
    _target(tmp, spec).write_text(head + phases)


def gen_extends_chain(tmp, spec, text):
    """scenario.toml extends c1.toml extends ... extends cN.toml = the small scenario."""
    n = int(spec["n"])
    src = text if text is not None else _small_text()
    (tmp / f"c{n}.toml").write_text(src)
    for i in range(1, n):
        (tmp / f"c{i}.toml").write_text(f'extends = "c{i + 1}.toml"\n')
    _target(tmp, spec).write_text('extends = "c1.toml"\n')


def gen_csv(tmp, spec, text):
    """A big or odd atmosphere CSV."""
    p = _target(tmp, spec, "atmosphere.csv")
    what = spec["what"]
    if what == "rows":
        n = int(spec["rows"])
        lines = ["altitude_km,density_kg_m3,temperature_k"]
        for i in range(n):
            h = 150.0 * i / (n - 1)
            lines.append(f"{h!r},{1.225 * 2.718281828 ** (-h / 7.2)!r},250.0")
        p.write_text("\n".join(lines) + "\n")
    elif what == "latin1":
        body = "# Profil gemessen \xfcber Baikonur, \xb0C umgerechnet\n" + TABLE_CSV.read_text()
        p.write_bytes(body.encode("latin-1"))
    elif what == "bom":
        p.write_bytes(b"\xef\xbb\xbf" + TABLE_CSV.read_bytes())
    elif what == "utf16":
        p.write_bytes(TABLE_CSV.read_text().encode("utf-16"))
    elif what == "binary":
        rng = random.Random(spec.get("seed", 7))
        p.write_bytes(rng.randbytes(int(spec.get("size", 4096))))
    elif what == "nul":
        p.write_bytes(TABLE_CSV.read_bytes().replace(b"\n50,", b"\n5\x000,", 1))
    else:
        raise CorpusError(f"unknown csv {what!r}")


def gen_special(tmp, spec, text):
    """Things that are not regular files."""
    what = spec["what"]
    p = tmp / spec["path"]
    p.parent.mkdir(parents=True, exist_ok=True)
    if what == "fifo":
        os.mkfifo(p)
    elif what == "symlink_loop":
        os.symlink(p.name + ".b", p)
        os.symlink(p.name, p.parent / (p.name + ".b"))
    elif what == "symlink":
        os.symlink(spec["to"], p)
    elif what == "dir":
        p.mkdir()
        for name, body in spec.get("files", {}).items():
            (p / name).parent.mkdir(parents=True, exist_ok=True)
            (p / name).write_text(body)
    elif what == "file":
        p.write_text(spec.get("text", "not a folder\n"))
    else:
        raise CorpusError(f"unknown special {what!r}")


def gen_cd_table(tmp, spec, text):
    """The scenario with a drag table of many points in place of its drag coefficient."""
    n = int(spec["points"])
    src = text if text is not None else _small_text()
    step = 40.0 / (n - 1)
    mach = ", ".join(repr(round(i * step, 9)) for i in range(n))
    cd = ", ".join(repr(round(1.2 + 0.1 * (i % 7) / 7, 9)) for i in range(n))
    table = f"cd_table = {{ mach = [{mach}], cd = [{cd}] }}"
    if "drag_coefficient = 1.3" not in src:
        raise CorpusError("the base has no 'drag_coefficient = 1.3' to replace")
    _target(tmp, spec).write_text(src.replace("drag_coefficient = 1.3", table, 1))


def gen_items(tmp, spec, text):
    """A scenario with one list of many items (the reader's work grows with them)."""
    n = int(spec["items"])
    src = text if text is not None else _small_text()
    _target(tmp, spec).write_text("padding = [" + "1," * n + "1]\n" + src)


GENERATORS = {
    "cd_table": gen_cd_table,
    "items": gen_items,
    "bytes": gen_bytes,
    "random_bytes": gen_random_bytes,
    "deep": gen_deep,
    "huge": gen_huge,
    "many_phases": gen_many_phases,
    "extends_chain": gen_extends_chain,
    "csv": gen_csv,
    "special": gen_special,
}
