"""The configuration tree: TOML files, ``extends`` chains, overrides and provenance.

:func:`read_config` reads a scenario file and its ``extends`` chain once; a
:class:`ConfigTree` then gives any number of variants by dotted overrides
(:meth:`ConfigTree.resolve`) without reading the files again. Every value keeps the file
(or override) it came from, so that errors can name it. Relative paths (any key named
``file``) resolve against the file that names them; a relative path given by an override
resolves against the current directory. :func:`dump_config` writes a resolved
configuration back as TOML (``tomli-w``).
"""

import copy
import difflib
import os
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import tomli_w

from sim.config.errors import ScenarioError
from sim.config.files import file_problem, read_text

#: Value of an override that removes the key (``--unset KEY`` on the command line).
REMOVE = None

#: Keys whose string values are paths, resolved against the file that names them.
FILE_KEY = "file"


@dataclass(frozen=True, eq=False)
class ResolvedConfig:
    """A configuration after ``extends`` and overrides, not yet validated.

    Attributes
    ----------
    path : Path
        The scenario file.
    config : dict
        The merged configuration (paths absolute).
    origin : Provenance
        Key tuple -> the file (or override) each value came from.
    """

    path: Path
    config: dict
    origin: "Provenance"


@dataclass(frozen=True, eq=False)
class ConfigTree:
    """A scenario file read once, with its ``extends`` chain merged under it."""

    path: Path
    config: dict
    origin: dict

    def resolve(self, overrides: dict | None = None) -> ResolvedConfig:
        """A variant with dotted overrides applied (the tree itself is not changed).

        Parameters
        ----------
        overrides : dict of str -> value, optional
            Dotted keys (list items by 0-based index) and values; a value of ``None``
            (:data:`REMOVE`) removes the key.

        Raises
        ------
        ScenarioError
            For a malformed dotted key, or a key to remove that does not exist.
        """
        config = copy.deepcopy(self.config)
        origin = Provenance(self.origin)
        for key, value in (overrides or {}).items():
            origin.overrides.append((_apply_override(self.path, config, origin, key, value), key))
        return ResolvedConfig(self.path, config, origin)


class Provenance(dict):
    """Key tuple -> the file each value came from, and the overrides applied (key tuple,
    dotted key), in order, so that an error left by an override can name it; ``created``
    lists the tables an override made because they did not exist (a misspelled table
    name, most likely)."""

    def __init__(self, origin):
        super().__init__(origin)
        self.overrides = []
        self.created = []


def read_config(path: str | os.PathLike) -> ConfigTree:
    """Read a scenario file and merge its ``extends`` chain under it.

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, invalid TOML or a bad ``extends``.
    """
    path = Path(path)
    config, origin = _load_tree(path)
    return ConfigTree(path, config, origin)


def resolve_config(path: str | os.PathLike, overrides: dict | None = None) -> ResolvedConfig:
    """The configuration of a file after ``extends`` and overrides, not yet validated."""
    return read_config(path).resolve(overrides)


def parse_override(text: str) -> tuple[str, object]:
    """Split a command-line ``KEY=VALUE`` into (key, value).

    VALUE is read as a TOML value (``2950``, ``1.5e3``, ``true``, ``"text"``, ``[1, 2]``,
    ``{ law = "rolling", roll_rate_deg_s = 13 }``); anything that is not valid TOML is
    taken as a bare string (``atmosphere.model=exponential``).
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError("--set", text, "KEY=VALUE (e.g. vehicles.descent_module.mass_kg=2950)")
    raw = raw.strip()
    try:
        doc = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        return key, raw
    except RecursionError:
        raise ScenarioError(
            "--set", key, f"a value nested at most {MAX_DEPTH} levels deep"
        ) from None
    except ValueError:  # an integer beyond Python's limit of digits
        digits = sys.get_int_max_str_digits()
        raise ScenarioError("--set", key, f"an integer of at most {digits} digits") from None
    if set(doc) != {"v"}:
        # "3000\nlift_to_drag = 4" is a value and a second key: refuse, not drop it
        raise ScenarioError(
            "--set", key, "one TOML value, not a value followed by more lines of keys"
        )
    check_shape(doc["v"], "--set", (key,))
    return key, doc["v"]


#: Largest number of items (list items, keys, tables; a table header or a nested list
#: counts 4) in the TOML files of one scenario: the TOML reader takes 1 to 3 us per item
#: (10 for a table header), so this bounds reading to a few seconds, and still admits a
#: drag table of 1,000,000 points.
MAX_ITEMS = 2_500_000
#: Deepest nesting of tables and lists (a scenario needs 5: phases.1.control.
#: model_atmosphere.model).
MAX_DEPTH = 64
#: Longest list.
MAX_LIST = 2_000_000
#: Longest ``extends`` chain.
MAX_EXTENDS = 1000
#: Longest key shown whole in an error message [characters].
_MAX_KEY_SHOWN = 80


class _Budget:
    """The items left to read in the files of one scenario (see :data:`MAX_ITEMS`)."""

    def __init__(self):
        self.items = MAX_ITEMS

    def spend(self, path, text):
        """Count the items of a file's text; an error when the budget is spent."""
        items = sum(text.count(c) for c in ",\n={") + 4 * text.count("[")
        self.items -= items
        if self.items < 0:
            raise ScenarioError(
                path,
                None,
                f"TOML files of at most {MAX_ITEMS:,} items in all (list items, keys, "
                f"tables; a table header or a list counts 4), not about {items:,}",
            )


def _read_toml(path, budget=None):
    text = read_text(path, "scenario file")
    (budget or _Budget()).spend(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, f"valid TOML ({exc})") from None
    except RecursionError:
        raise ScenarioError(
            path, None, f"valid TOML nested at most {MAX_DEPTH} levels deep"
        ) from None
    except ValueError:  # an integer beyond Python's limit of digits
        digits = sys.get_int_max_str_digits()
        match = re.search(rf"\d{{{digits + 1},}}", text)
        line = f"line {text.count(chr(10), 0, match.start()) + 1}: " if match else ""
        raise ScenarioError(
            path, None, f"valid TOML ({line}an integer of at most {digits} digits)"
        ) from None
    check_shape(data, path)
    return data


def check_shape(data: object, file: object, prefix: tuple = ()) -> None:
    """Reject tables and lists nested deeper than :data:`MAX_DEPTH` and lists longer than
    :data:`MAX_LIST` (iteratively: a deep document must not exhaust the stack).

    Raises
    ------
    ScenarioError
        Naming the file and the (shortened) key.
    """
    stack = [(prefix, data)]
    while stack:
        keys, node = stack.pop()
        if len(keys) > MAX_DEPTH:
            raise ScenarioError(
                file, dotted(keys), f"tables and lists nested at most {MAX_DEPTH} levels deep"
            )
        if isinstance(node, dict):
            stack.extend((keys + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            if len(node) > MAX_LIST:
                raise ScenarioError(
                    file, dotted(keys), f"a list of at most {MAX_LIST:,} items, not {len(node):,}"
                )
            stack.extend((keys + (i,), v) for i, v in enumerate(node) if isinstance(v, dict | list))


def dotted(keys: Iterable) -> str:
    """A key path as a dotted key, shortened for an error message when very long."""
    parts = [str(k) for k in keys]
    parts = [
        p if len(p) <= _MAX_KEY_SHOWN else f"{p[:40]}...({len(p):,} characters)" for p in parts
    ]
    if len(parts) > 12:
        parts = [*parts[:8], f"...({len(parts):,} levels)"]
    return ".".join(parts)


def _origins(node, prefix, file, out):
    """Record the file of every table, list and value under ``node`` (iteratively; the
    items of a list of plain values share the list's entry)."""
    stack = [(prefix, node)]
    while stack:
        keys, value = stack.pop()
        out[keys] = file
        if isinstance(value, dict):
            stack.extend((keys + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(
                (keys + (i,), v) for i, v in enumerate(value) if isinstance(v, dict | list)
            )
    return out


def _drop_origins(origin, prefix):
    n = len(prefix)
    for key in [k for k in origin if k[:n] == prefix]:
        del origin[key]


def _load_tree(path):
    """(config, origin) of a file with its ``extends`` chain merged under it."""
    budget = _Budget()
    chain = []  # (file, its data), from the scenario down to its last base
    seen = []
    current = Path(path)
    while True:
        seen.append(Path(os.path.abspath(current)))
        data = _read_toml(current, budget)
        absolute_files(data, os.path.dirname(os.path.abspath(current)))
        base_name = data.pop("extends", None)
        chain.append((current, data))
        if base_name is None:
            break
        if not isinstance(base_name, str) or not base_name:
            raise ScenarioError(
                current,
                "extends",
                f"a file name relative to this file, not {describe(base_name)}",
            )
        base_path = Path(os.path.normpath(current.parent / base_name))
        problem = file_problem(base_path)
        if problem is not None:
            raise ScenarioError(
                current, "extends", f"an existing base file ({base_path} {problem})"
            )
        real_base = Path(os.path.abspath(base_path))
        if real_base in seen:
            cycle = " -> ".join(str(p) for p in (*seen[seen.index(real_base) :], real_base))
            raise ScenarioError(current, "extends", f"a chain without cycles, not {cycle}")
        if len(chain) >= MAX_EXTENDS:
            raise ScenarioError(
                path, "extends", f"a chain of at most {MAX_EXTENDS} files (extends of extends ...)"
            )
        current = base_path
    base_file, config = chain[-1]
    origin = _origins(config, (), str(base_file), {})
    for file, data in reversed(chain[:-1]):
        _merge(config, data, origin, _origins(data, (), str(file), {}), ())
    return config, origin


def _merge(base, child, base_origin, child_origin, prefix):
    """Merge child into base in place: tables recursively, anything else replaced whole."""
    for k, v in child.items():
        key = prefix + (k,)
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base_origin[key] = child_origin[key]
            _merge(base[k], v, base_origin, child_origin, key)
        else:
            _drop_origins(base_origin, key)
            base[k] = v
            n = len(key)
            base_origin.update({kk: f for kk, f in child_origin.items() if kk[:n] == key})


def _apply_override(path, config, origin, dotted, value):
    where = f"{path} (override)"
    if not isinstance(dotted, str) or not dotted or any(not p for p in dotted.split(".")):
        raise ScenarioError(where, dotted, "a dotted key such as vehicles.stack.mass_kg")
    parts = dotted.split(".")
    node = config
    keys = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(
                    where,
                    dotted,
                    f"an index 0..{len(node) - 1} of "
                    f"{'.'.join(map(str, keys)) or 'the list'}, not {part!r}",
                )
            part = int(part)
        elif not isinstance(node, dict):
            raise ScenarioError(
                where,
                dotted,
                f"{'.'.join(map(str, keys))} to be a table or list, not {describe(node)}",
            )
        keys.append(part)
        if last:
            _drop_origins(origin, tuple(keys))
            if value is REMOVE:
                if isinstance(node, list):
                    raise ScenarioError(where, dotted, "a table key to remove, not a list item")
                if part not in node:
                    raise ScenarioError(
                        where, dotted, "an existing key to remove" + did_you_mean(part, node)
                    )
                node.pop(part)
                return tuple(keys)
            else:
                node[part] = copy.deepcopy(value)
                if part == FILE_KEY and isinstance(node[part], str):
                    node[part] = os.path.abspath(node[part])
                absolute_files(node[part], os.getcwd())
                _origins(node[part], tuple(keys), where, origin)
            return tuple(keys)
        if isinstance(node, dict) and part not in node:
            if value is REMOVE:
                raise ScenarioError(
                    where, dotted, "an existing key to remove" + did_you_mean(part, node)
                )
            node[part] = {}
            origin[tuple(keys)] = where
            origin.created.append(tuple(keys))
        node = node[part]


def close_match(word: object, candidates: Iterable, cutoff: float = 0.6) -> str | None:
    """The candidate closest to ``word`` (ignoring case), or None when none is close.

    A word that differs from a candidate only in case matches it; otherwise
    :func:`difflib.get_close_matches` picks the closest spelling. A very long word (a
    hostile key) is compared with nothing.
    """
    word = str(word)
    if len(word) > _MAX_KEY_SHOWN:
        return None
    folded: dict = {}
    for c in candidates:
        folded.setdefault(str(c).casefold(), str(c))
    key = word.casefold()
    if key in folded:
        return folded[key] if folded[key] != word else None
    hit = difflib.get_close_matches(key, list(folded), n=1, cutoff=cutoff)
    return folded[hit[0]] if hit else None


def did_you_mean(part: object, table: Iterable) -> str:
    """``" (did you mean 'x'?)"`` for the closest key of ``table``, or ``" (no 'x' here)"``."""
    close = close_match(part, table)
    shown = dotted((part,))
    return f" (did you mean {close!r}?)" if close else f" (no {shown!r} here)"


def describe(value: object) -> str:
    """A value in words for an error message (``"the number 3"``, ``"a table"``)."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return f"{type(value).__name__} {value!r}"


def dump_config(config: dict) -> str:
    """A resolved configuration as TOML text (readable back by
    :func:`sim.config.build.load_scenario`)."""
    return tomli_w.dumps(config)


def absolute_files(node: object, base_dir: str) -> None:
    """Make every relative ``file`` path in a table (recursively) absolute, in place."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == FILE_KEY and isinstance(v, str):
                node[k] = os.path.normpath(os.path.join(base_dir, v))
            else:
                absolute_files(v, base_dir)
    elif isinstance(node, list):
        for v in node:
            absolute_files(v, base_dir)
