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
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import tomli_w

from sim.config.errors import ScenarioError

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
    dotted key), in order, so that an error left by an override can name it."""

    def __init__(self, origin):
        super().__init__(origin)
        self.overrides = []


def read_config(path: str | os.PathLike) -> ConfigTree:
    """Read a scenario file and merge its ``extends`` chain under it.

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, invalid TOML or a bad ``extends``.
    """
    path = Path(path)
    config, origin = _load_tree(path, ())
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
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def _read_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ScenarioError(path, None, "an existing scenario file (not found)") from None
    except IsADirectoryError:
        raise ScenarioError(path, None, "a scenario file, not a directory") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"a readable file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, f"valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, None, "a UTF-8 text file") from None


def _origins(node, prefix, file, out):
    out[prefix] = file
    if isinstance(node, dict):
        for k, v in node.items():
            _origins(v, prefix + (k,), file, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _origins(v, prefix + (i,), file, out)
    return out


def _drop_origins(origin, prefix):
    n = len(prefix)
    for key in [k for k in origin if k[:n] == prefix]:
        del origin[key]


def _load_tree(path, chain):
    """(config, origin) of a file with its ``extends`` chain merged under it."""
    real = Path(os.path.abspath(path))
    data = _read_toml(path)
    absolute_files(data, os.path.dirname(os.path.abspath(path)))
    base_name = data.pop("extends", None)
    origin = _origins(data, (), str(path), {})
    if base_name is None:
        return data, origin
    if not isinstance(base_name, str) or not base_name:
        raise ScenarioError(
            path, "extends", f"a file name relative to this file, not {describe(base_name)}"
        )
    base_path = Path(os.path.normpath(Path(path).parent / base_name))
    if not base_path.is_file():
        raise ScenarioError(path, "extends", f"an existing base file ({base_path} not found)")
    chain = (*chain, real)
    real_base = Path(os.path.abspath(base_path))
    if real_base in chain:
        cycle = " -> ".join(str(p) for p in (*chain[chain.index(real_base) :], real_base))
        raise ScenarioError(path, "extends", f"a chain without cycles, not {cycle}")
    base, base_origin = _load_tree(base_path, chain)
    _merge(base, data, base_origin, origin, ())
    return base, base_origin


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
        node = node[part]


def did_you_mean(part: object, table: Iterable) -> str:
    """``" (did you mean 'x'?)"`` for the closest key of ``table``, or ``" (no 'x' here)"``."""
    close = difflib.get_close_matches(str(part), [str(k) for k in table], n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (no {part!r} here)"


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
