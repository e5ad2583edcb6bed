"""Validation helpers: typed getters over one table of a configuration.

A :class:`Table` records which keys were read; :meth:`Table.done` rejects the rest with a
did-you-mean. Every error names the file the value came from, the dotted key and what
was expected (through the builder's ``error``).
"""

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from sim.config.errors import ScenarioError
from sim.config.tree import close_match, describe, dotted


class Table:
    """A table of the configuration being read: typed getters that record which keys were
    used, and :meth:`done` that rejects the rest."""

    def __init__(self, builder, data, path):
        self.b = builder
        self.data = data
        self.path = tuple(path)
        self.used = set()
        self.known: tuple | None = None

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
        plausible: dict | None = None,
    ) -> Any:
        """A finite number within the given bounds (``default`` if absent and not
        required).

        ``plausible`` holds narrower bounds (``gt``, ``ge``, ``le``, ``lt``) with their
        reason (``why``): a value beyond them is possible in principle, but not for a
        capsule, or would make the integrator crawl (:mod:`sim.config.limits`).
        """
        self.used.add(key)
        expected = number_text(unit, gt, ge, le, lt)
        if key not in self.data:
            if required:
                raise self.missing(key, expected)
            return default
        v = self.data[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.error(key, f"{expected}, not {describe(v)}")
        v = as_float(v)
        if v is None:
            raise self.error(key, f"{expected}, not an integer beyond any float")
        if not math.isfinite(v) or not _within(v, gt, ge, le, lt):
            raise self.error(key, f"{expected}, not {v:g}")
        if plausible is not None:
            bounds = {k: b for k, b in plausible.items() if k != "why"}
            if not _within(v, **bounds):
                text = number_text(unit, **bounds)
                raise self.error(key, f"{text} ({plausible['why']}), not {v:g}")
        return v

    def integer(self, key: str, *, default: int, ge: int, le: int, why: str = "") -> int:
        """An optional integer within [ge, le]."""
        self.used.add(key)
        if key not in self.data:
            return default
        v = self.data[key]
        expected = f"an integer >= {ge:,} and <= {le:,}" + (f" ({why})" if why else "")
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(key, f"{expected}, not {describe(v)}")
        if not ge <= v <= le:
            raise self.error(key, f"{expected}, not {v:,}" if abs(v) < 10**30 else expected)
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
                raise self.missing(key, choices_text(choices) if choices else what)
            return default
        v = self.data[key]
        if not isinstance(v, str):
            exp = choices_text(choices) if choices else what
            raise self.error(key, f"{exp}, not {describe(v)}")
        if choices and v not in choices:
            hint = close_match(v, choices)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise self.error(key, f"{choices_text(choices)}, not {dotted((v,))!r}{extra}")
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
                raise self.missing(key, what)
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
        le: float | None = None,
    ) -> np.ndarray:
        """A list of finite numbers as an array, each within the bounds."""
        values = self.list(key, what=f"a list of numbers [{unit}]" if unit else "a list of numbers")
        if len(values) < min_length:
            raise self.error(key, f"a list of at least {min_length} numbers, not {len(values)}")
        out = []
        for i, v in enumerate(values):
            f = None if isinstance(v, bool) or not isinstance(v, int | float) else as_float(v)
            if f is None or not math.isfinite(f):
                shown = describe(v) if f is None or isinstance(v, float) else "a huge integer"
                raise self.b.error(self.path + (key, i), f"a finite number, not {shown}")
            if (
                (ge is not None and f < ge)
                or (gt is not None and f <= gt)
                or (le is not None and f > le)
            ):
                raise self.b.error(
                    self.path + (key, i), f"{number_text(unit, gt, ge, le)}, not {f:g}"
                )
            out.append(f)
        return np.array(out)

    def missing(self, key: str, expected: str) -> ScenarioError:
        """The error for a required key that is absent.

        A key of the table that is not one of its known keys (:meth:`only`) and is spelled
        like the missing one (``mass_kgg`` or ``mass`` for ``mass_kg``) is the likelier
        mistake: it is named instead. Without known keys, only a close spelling counts.
        """
        known = self.known or ()
        cutoff = 0.6 if self.known else 0.8
        for other in self.data:
            if other in self.used or other in known:
                continue
            if close_match(other, (key,), cutoff=cutoff) == key:
                return self.error(other, f"no such key (did you mean {key!r}?)")
        return self.error(key, f"{expected} (required)")

    def only(self, known: Iterable[str]) -> None:
        """Reject the keys not in ``known`` at once, before any key is read: a misspelled
        key is reported, not the required key it was meant to be. (Keys known to the
        table but not read, such as a key of another model, are rejected by
        :meth:`done`.)"""
        self.known = tuple(known)
        for key in self.data:
            if key not in self.known:
                self.unknown(key, self.known)

    def done(self) -> None:
        """Reject the keys that were not read (with a did-you-mean)."""
        unknown = [k for k in self.data if k not in self.used]
        if unknown:
            self.unknown(sorted(unknown, key=str)[0], self.used)

    def unknown(self, key: str, known: Iterable) -> None:
        """Raise the error of an unknown key (with a did-you-mean among ``known``)."""
        names = sorted(str(k) for k in known)
        hint = close_match(key, names)
        extra = f"did you mean {hint!r}? " if hint else ""
        raise self.error(key, f"no such key ({extra}known keys here: {', '.join(names) or 'none'})")


def _within(v, gt=None, ge=None, le=None, lt=None):
    return (
        (gt is None or v > gt)
        and (ge is None or v >= ge)
        and (le is None or v <= le)
        and (lt is None or v < lt)
    )


def as_float(value: int | float) -> float | None:
    """A TOML number as a float (None for an integer too large for one)."""
    try:
        return float(value)
    except OverflowError:
        return None


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
