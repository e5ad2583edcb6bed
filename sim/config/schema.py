"""Validation helpers: typed getters over one table of a configuration.

A :class:`Table` records which keys were read; :meth:`Table.done` rejects the rest with a
did-you-mean. Every error names the file the value came from, the dotted key and what
was expected (through the builder's ``error``).
"""

import difflib
import math
from typing import Any

import numpy as np

from sim.config.errors import ScenarioError
from sim.config.tree import describe


class Table:
    """A table of the configuration being read: typed getters that record which keys were
    used, and :meth:`done` that rejects the rest."""

    def __init__(self, builder, data, path):
        self.b = builder
        self.data = data
        self.path = tuple(path)
        self.used = set()

    def error(self, key: str | int | None, expected: str) -> ScenarioError:
        """A ScenarioError for ``key`` of this table (None: the table itself)."""
        keys = self.path + ((key,) if key is not None else ())
        return self.b.error(keys, expected)

    def has(self, key: str) -> bool:
        """True when the table has ``key``."""
        return key in self.data

    def number(
        self,
        key: str,
        unit: str = "",
        *,
        required: bool = True,
        default: float | None = None,
        gt: float | None = None,
        ge: float | None = None,
        le: float | None = None,
        lt: float | None = None,
    ) -> Any:
        """A finite number within the given bounds (``default`` if absent and not
        required)."""
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.error(key, f"{number_text(unit, gt, ge, le, lt)} (required)")
            return default
        v = self.data[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.error(key, f"{number_text(unit, gt, ge, le, lt)}, not {describe(v)}")
        v = float(v)
        bad = (
            not math.isfinite(v)
            or (gt is not None and not v > gt)
            or (ge is not None and not v >= ge)
            or (le is not None and not v <= le)
            or (lt is not None and not v < lt)
        )
        if bad:
            raise self.error(key, f"{number_text(unit, gt, ge, le, lt)}, not {v:g}")
        return v

    def string(
        self,
        key: str,
        *,
        choices: tuple | None = None,
        required: bool = True,
        default: str | None = None,
        what: str = "a string",
    ) -> Any:
        """A string value (one of ``choices`` if given)."""
        self.used.add(key)
        if key not in self.data:
            if required:
                exp = choices_text(choices) if choices else what
                raise self.error(key, f"{exp} (required)")
            return default
        v = self.data[key]
        if not isinstance(v, str):
            exp = choices_text(choices) if choices else what
            raise self.error(key, f"{exp}, not {describe(v)}")
        if choices and v not in choices:
            hint = difflib.get_close_matches(v, choices, n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise self.error(key, f"{choices_text(choices)}, not {v!r}{extra}")
        return v

    def boolean(self, key: str, *, default: bool) -> bool:
        """A boolean value."""
        self.used.add(key)
        if key not in self.data:
            return default
        v = self.data[key]
        if not isinstance(v, bool):
            raise self.error(key, f"true or false, not {describe(v)}")
        return v

    def _typed(self, key, kind, required, what):
        """The value of ``key`` if it is a ``kind`` (None if absent and not required)."""
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.error(key, f"{what} (required)")
            return None
        v = self.data[key]
        if not isinstance(v, kind):
            raise self.error(key, f"{what}, not {describe(v)}")
        return v

    def table(self, key: str, *, required: bool = True, what: str = "a table") -> Any:
        """A sub-table as a :class:`Table` (None if absent and not required)."""
        v = self._typed(key, dict, required, what)
        return None if v is None else Table(self.b, v, self.path + (key,))

    def list(self, key: str, *, required: bool = True, what: str = "a list") -> Any:
        """A list value (None if absent and not required)."""
        return self._typed(key, list, required, what)

    def number_list(
        self,
        key: str,
        unit: str = "",
        *,
        min_length: int = 1,
        ge: float | None = None,
        gt: float | None = None,
    ) -> np.ndarray:
        """A list of finite numbers as an array, each within the bounds."""
        values = self.list(key, what=f"a list of numbers [{unit}]" if unit else "a list of numbers")
        if len(values) < min_length:
            raise self.error(key, f"a list of at least {min_length} numbers, not {len(values)}")
        out = []
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise self.b.error(self.path + (key, i), f"a finite number, not {describe(v)}")
            if (ge is not None and v < ge) or (gt is not None and v <= gt):
                raise self.b.error(self.path + (key, i), f"{number_text(unit, gt, ge)}, not {v:g}")
            out.append(float(v))
        return np.array(out)

    def done(self) -> None:
        """Reject the keys that were not read (with a did-you-mean)."""
        unknown = sorted(set(self.data) - self.used, key=str)
        if unknown:
            key = unknown[0]
            known = sorted(self.used)
            hint = difflib.get_close_matches(str(key), known, n=1)
            extra = f"did you mean {hint[0]!r}? " if hint else ""
            raise self.error(
                key, f"no such key ({extra}known keys here: {', '.join(known) or 'none'})"
            )


def number_text(
    unit: str,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> str:
    """``"a number > 0 [kg]"``: what a number key expects, in words."""
    text = "a number"
    conds = []
    if gt is not None:
        conds.append(f"> {gt:g}")
    if ge is not None:
        conds.append(f">= {ge:g}")
    if lt is not None:
        conds.append(f"< {lt:g}")
    if le is not None:
        conds.append(f"<= {le:g}")
    if conds:
        text += " " + " and ".join(conds)
    if unit:
        text += f" [{unit}]"
    return text


def choices_text(choices: tuple) -> str:
    """``"one of 'a', 'b'"``."""
    return "one of " + ", ".join(repr(c) for c in choices)
