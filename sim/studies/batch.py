"""Many variants of one scenario, flown together by the compiled engine on all cores.

A variant is a set of dotted overrides of the scenario (``{"vehicles.descent_module.
mass_kg": 2950, "atmosphere.density_scale": 1.07}``). Building every variant through the
configuration builder costs about 0.2 ms in Python, as much as flying it; so
:class:`VariantPacker` builds the scenario once per combination of non-numeric values,
measures how each numeric key moves the numbers of the flight program (probing two
values, and keeping the key on the fast path only if the program is exactly linear in
it), and packs every further variant as array arithmetic. Keys that are not linear (or
that change the program's shape) fall back to a full build per variant; a joint check on
the first variant compares the fast path with a full build. Either way a variant's
program equals its full build to 1e-12 relative on every number
(``tests/studies/test_batch.py``), and flying a batch gives the same results, bit for
bit, as flying each of its programs alone.

Dispersions act on the truth: the guidance's own model (its vehicle and atmosphere) and
the deorbit burn point stay those of the undispersed scenario, as the flight computer and
the planners knew them, unless ``known`` names a key they knew (it is then applied to the
guidance's model as well, and the burn is re-planned for each variant). The flight
computer's own keys are its, not the truth's: the target it steers to (``target.*``), a
guided phase's settings and models (``phases.<i>.control.*``: the load limit, the bank
limits, ``model_atmosphere``) and the vehicles only the guidance flies
(``vehicles.<model_vehicle>.*``) always reach the guidance, with the burn point as planned.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from sim.config.build import build_scenario
from sim.config.errors import ScenarioError
from sim.config.scenario import Scenario, plan
from sim.config.tree import ConfigTree, read_config
from sim.core.layout import SM
from sim.core.program import Program
from sim.core.run import fly_batch, new_outputs
from sim.flight.plan import FlightPlan
from sim.studies.runs import scenario_program

#: Program arrays the guidance's own model lives in (left undispersed for truth keys).
_GUIDE_ARRAYS = ("guide", "guide_models")
#: Relative agreement required of a linear prediction of the program.
_LINEAR = 1e-12


def _get(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(dotted)
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(dotted)
    return node


def _numeric(value) -> bool:
    return _numeric_type(type(value))


def _numeric_type(kind: type) -> bool:
    return issubclass(kind, int | float) and not issubclass(kind, bool)


@dataclass(frozen=True, eq=False)
class _Group:
    """The variants sharing their non-numeric values: one base build, linear numbers."""

    scenario: Scenario
    plan: FlightPlan
    base: tuple  # the base program's arrays
    v0: dict  # numeric key -> its base value
    slopes: dict  # numeric key -> tuple of d(array)/d(value) (None: not linear)
    shape_key: tuple
    built: dict = field(default_factory=dict)  # numeric key -> (lo, hi) that builds


@dataclass
class VariantPacker:
    """Programs of variants of a scenario (see the module docstring).

    Parameters
    ----------
    tree : ConfigTree
        The scenario file, read once (:func:`sim.config.tree.read_config`).
    base_overrides : dict
        Applied to every variant first (e.g. a fixed burn point).
    known : collection of str
        Dotted keys the flight computer and the planners knew: applied to the guidance's
        model too, and the burn re-planned.
    """

    tree: ConfigTree
    base_overrides: dict = field(default_factory=dict)
    known: frozenset = frozenset()
    _groups: dict = field(default_factory=dict, repr=False)
    failures: dict = field(default_factory=dict, repr=False)
    base_scenario: Scenario | None = field(default=None, repr=False)
    base_plan: FlightPlan | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.known = frozenset(self.known)
        self.base_scenario = self._scenario({})
        self._base_config = self.tree.resolve(self.base_overrides).config  # as written
        self.base_plan = plan(self.base_scenario)
        self._base_program = scenario_program(self.base_scenario, self.base_plan, store=False)

    def _scenario(self, overrides: Mapping) -> Scenario:
        """The scenario with the campaign's and these overrides applied."""
        return build_scenario(self.tree.resolve({**self.base_overrides, **overrides}))

    @staticmethod
    def _program(scenario: Scenario, solution=None) -> Program:
        """A scenario's program, its burn point ``solution`` (None: solved for it)."""
        return scenario_program(scenario, plan(scenario, solution=solution), store=False)

    # -- one variant, the slow way ---------------------------------------------------------
    def build(self, overrides: Mapping) -> tuple[Scenario, Program]:
        """A variant's scenario and program by a full build (the reference)."""
        scenario = self._scenario(overrides)
        # what the flight computer and the planners knew: the known keys and its own
        own = {
            k: v for k, v in overrides.items() if k in self.known or self._flight_computer_key(k)
        }
        knows = any(k in self.known for k in overrides)
        assert self.base_plan is not None
        if knows and len(own) == len(overrides):  # they knew the whole variant
            return scenario, self._program(scenario)
        if knows:  # the burn planned (and the guidance built) with what they knew only
            knowledge = self._scenario(own)
            known_plan = plan(knowledge)
            guidance = scenario_program(knowledge, known_plan, store=False)
            solution = known_plan.solution
        else:
            guidance = self._guidance_program(own)
            solution = self.base_plan.solution
        return scenario, self._with_guidance_of(self._program(scenario, solution), guidance)

    def _flight_computer_key(self, key: str) -> bool:
        """A key of the flight computer's own (see the module docstring)."""
        parts = key.split(".")
        if parts[0] == "target":  # where the guidance steers
            return True
        if parts[0] == "phases":
            return len(parts) >= 3 and parts[2] == "control"
        return parts[0] == "vehicles" and len(parts) >= 2 and parts[1] in self._model_vehicles

    @cached_property
    def _model_vehicles(self) -> frozenset:
        """The vehicles that only a guidance flies (its ``model_vehicle``, no phase's)."""
        assert self.base_scenario is not None
        phases = self.base_scenario.config.get("phases", [])
        flown = {ph.get("vehicle") for ph in phases if isinstance(ph, dict)}
        models = {
            ph["control"].get("model_vehicle")
            for ph in phases
            if isinstance(ph, dict) and isinstance(ph.get("control"), dict)
        }
        return frozenset(m for m in models - flown if m is not None)

    def _guidance_program(self, own: Mapping) -> Program:
        """The program whose guidance a variant flies: the undispersed scenario's, with the
        variant's flight-computer keys ``own`` applied (the burn point as planned)."""
        if not own:
            return self._base_program
        assert self.base_plan is not None
        return self._program(self._scenario(own), self.base_plan.solution)

    @staticmethod
    def _with_guidance_of(program: Program, guidance: Program) -> Program:
        if any(getattr(program, n).shape != getattr(guidance, n).shape for n in _GUIDE_ARRAYS):
            return program
        from dataclasses import replace

        return replace(program, **{n: getattr(guidance, n) for n in _GUIDE_ARRAYS})

    # -- many variants ---------------------------------------------------------------------
    def pack(self, variants: Sequence[Mapping]) -> list[tuple]:
        """Stacked program arrays of the variants, one batch per program shape.

        Returns
        -------
        list of (indices, arrays)
            ``indices`` of the variants in each batch, ``arrays`` the stacked arrays.
            Variants that cannot be built are left out (see :attr:`failures`).
        """
        self.failures: dict = {}
        keys = sorted({k for v in variants for k in v})
        numeric = [
            k
            for k in keys
            if all(_numeric_type(t) for t in {type(v[k]) for v in variants if k in v})
            and k not in self.known
            and self._has_numeric_base(k)
        ]
        others = [k for k in keys if k not in numeric]
        by_group: dict = {}
        for i, v in enumerate(variants):
            structural = tuple((k, repr(v[k])) for k in others if k in v)
            by_group.setdefault(structural, []).append(i)
        batches: dict = {}
        for structural, indices in by_group.items():
            fixed = {k: variants[indices[0]][k] for k, _ in structural}
            for idx, stacked in self._pack_group(
                fixed, numeric, [variants[i] for i in indices], indices
            ):
                shape = tuple(a.shape[1:] for a in stacked)
                batches.setdefault(shape, []).append((idx, stacked))
        out = []
        for blocks in batches.values():
            if len(blocks) == 1:
                out.append(blocks[0])
                continue
            idx = np.concatenate([i for i, _ in blocks])
            stacked = tuple(
                np.concatenate([a[k] for _, a in blocks]) for k in range(len(blocks[0][1]))
            )
            out.append((idx, stacked))
        return out

    def _has_numeric_base(self, key: str) -> bool:
        try:
            return _numeric(_get(self._base_config, key))
        except KeyError:
            return False

    def _pack_group(self, fixed, numeric, variants, indices):
        """Blocks (indices, stacked program arrays) of the variants of one group: the
        variants on the fast path in one block (the base program plus each key's change
        times its slope, row by row as the variant would be built alone), each variant
        built in full in a block of its own."""
        group = self._group(fixed)
        fast = [k for k in numeric if group is not None and self._slope_of(group, fixed, k)]
        invalid = self._invalid_values(group, fixed, fast, variants) if fast else {}
        off_path = [k for k in numeric if k not in fast]
        # (index, variant) on the fast path: all of them when nothing sends one elsewhere
        everyone = group is not None and not invalid and not off_path and not self.known
        linear: list = list(zip(indices, variants, strict=True)) if everyone else []
        for i, v in () if everyone else zip(indices, variants, strict=True):
            if invalid:
                bad = next(
                    (
                        invalid[k, float(v[k])]
                        for k in fast
                        if k in v and (k, float(v[k])) in invalid
                    ),
                    None,
                )
                if bad is not None:
                    self.failures[i] = bad
                    continue
            slow = group is None or any(k in v for k in off_path)
            if slow or (self.known and any(k in self.known for k in v)):
                try:
                    _, program = self.build(v)
                except ScenarioError as exc:
                    self.failures[i] = str(exc)
                    continue
                yield np.array([i]), tuple(a[None] for a in program.arrays())
                continue
            linear.append((i, v))
        if not linear:
            return
        assert group is not None
        n = len(linear)
        stacked = tuple(np.repeat(a[None], n, axis=0) for a in group.base)
        for k in fast:
            v0 = group.v0[k]
            dv = np.fromiter((v.get(k, v0) for _, v in linear), float, n) - v0
            rows = np.flatnonzero(dv)
            if not rows.size:
                continue
            for a, slope in zip(stacked, group.slopes[k], strict=True):
                if slope is not None:
                    # only the numbers the key moves: a slope is zero nearly everywhere
                    at = np.flatnonzero(slope)
                    cells = a.reshape(n, -1)  # a view: np.repeat's arrays are contiguous
                    cells[rows[:, None], at] += dv[rows, None] * slope.ravel()[at]
        yield np.array([i for i, _ in linear]), stacked

    def _invalid_values(self, group, fixed: dict, fast: list, variants) -> dict:
        """(key, value) -> why a fast-path value cannot be built.

        The builder's checks on one number are ranges, so a key's values are valid when its
        smallest and largest are: two builds per key, none for values within the range
        that built for an earlier batch. Only when an extreme fails is every distinct value
        outside the probed range built, each for its own message.
        """
        invalid: dict = {}
        for k in fast:
            values = np.unique([float(v[k]) for v in variants if k in v])
            if values.size == 0:
                continue
            lo, hi = group.built.get(k, (group.v0[k], group.v0[k]))
            failed = False
            for x in {values[0], values[-1]}:
                if lo <= x <= hi:
                    continue
                try:
                    self.build({**fixed, k: x})
                except ScenarioError as exc:
                    invalid[k, x] = str(exc)
                    failed = True
            if not failed:
                group.built[k] = (min(lo, values[0]), max(hi, values[-1]))
                continue
            scale = abs(group.v0[k]) or 1.0
            for x in values[1:-1]:
                if abs(x - group.v0[k]) <= 0.1 * scale:
                    continue  # inside the probes, which built
                try:
                    self.build({**fixed, k: x})
                except ScenarioError as exc:
                    invalid[k, float(x)] = str(exc)
        return invalid

    def _group(self, fixed: dict) -> _Group | None:
        key = tuple(sorted((k, repr(v)) for k, v in fixed.items()))
        if key in self._groups:
            return self._groups[key]
        try:
            scenario, program = self.build(fixed)
        except ScenarioError:
            self._groups[key] = None
            return None
        assert self.base_plan is not None
        group = _Group(scenario, self.base_plan, program.arrays(), {}, {}, program.shape_key())
        self._groups[key] = group
        return group

    def _slope_of(self, group: _Group, fixed: dict, key: str) -> bool:
        """Find (once) whether a numeric key is on the fast path of a group."""
        if key not in group.slopes:
            try:
                value = _get(group.scenario.config, key)
            except KeyError:
                value = None
            if not _numeric(value):
                group.slopes[key] = None
            else:
                group.v0[key] = float(value)
                group.slopes[key] = self._slope(fixed, key, float(value), group.base)
        return group.slopes[key] is not None

    def _slope(self, fixed: dict, key: str, v0: float, base: tuple):
        """d(program)/d(value) of a numeric key from a probe at 10 percent of the value
        (small rounding in the slope), or None when the program is not exactly linear in
        it: a second probe at 0.1 percent must then be predicted to 1e-12."""
        scale0 = abs(v0) if v0 else 1.0
        for far, near in ((0.1, 1e-3), (-0.1, -1e-3), (1e-3, 1e-5), (-1e-3, -1e-5)):
            try:
                pf = self.build({**fixed, key: v0 + far * scale0})[1].arrays()
                pn = self.build({**fixed, key: v0 + near * scale0})[1].arrays()
            except ScenarioError:
                continue
            if any(
                a.shape != b.shape or a.shape != c.shape
                for a, b, c in zip(base, pf, pn, strict=True)
            ):
                return None
            slopes = []
            for a, b, c in zip(base, pf, pn, strict=True):
                both_nan = np.isnan(a) & np.isnan(b) & np.isnan(c)
                d = np.where(both_nan, 0.0, (b - a) / (far * scale0))
                predicted = a + d * (near * scale0)
                ok = both_nan | (
                    np.abs(predicted - c) <= _LINEAR * (np.abs(a) + np.abs(c)) + 1e-300
                )
                if not np.all(ok):
                    return None
                slopes.append(d if np.any(d) else None)
            return tuple(slopes)
        return None


@dataclass(frozen=True, eq=False)
class BatchResult:
    """What a batch of flights reports (one row per variant, in the order given).

    Attributes
    ----------
    summary : ndarray [n, SUMMARY.size]
        The compiled engine's summaries (:data:`sim.core.layout.SUMMARY`, SI).
    events : ndarray [n, MAX_EVENTS, EVENT.size]
    gstate : ndarray [n, GSTATE.size]
    ghist : ndarray [n, rows, GHISTORY.size]
        Guidance histories (0 rows unless asked for).
    failures : dict
        Variant index -> why it could not be built (its summary status is -1).
    """

    summary: np.ndarray
    events: np.ndarray
    gstate: np.ndarray
    ghist: np.ndarray
    failures: dict = field(default_factory=dict)  #: variant index -> why it was not built


def fly_variants(
    packer: VariantPacker, variants: Sequence[Mapping], *, history_rows: int = 0
) -> BatchResult:
    """Fly variants of a scenario in parallel (the compiled engine, all cores)."""
    n = len(variants)
    summary, events, gstate, ghist = new_outputs(n, history_rows)
    summary[:, SM.status] = -1  # not flown: a variant that could not be built
    for idx, arrays in packer.pack(variants):
        s, e, g, h = new_outputs(len(idx), history_rows)
        engine: Any = fly_batch
        engine(*arrays, s, e, g, h)
        summary[idx], events[idx], gstate[idx], ghist[idx] = s, e, g, h
    return BatchResult(summary, events, gstate, ghist, dict(packer.failures))


def fly_batch_of(
    path,
    variants: Sequence[Mapping],
    *,
    base_overrides: Mapping | None = None,
    known: Sequence[str] = (),
    history_rows: int = 0,
) -> BatchResult:
    """Fly variants of the scenario file ``path`` (see :class:`VariantPacker`)."""
    packer = VariantPacker(read_config(path), dict(base_overrides or {}), frozenset(known))
    return fly_variants(packer, variants, history_rows=history_rows)


def flown_programs_equal(a: tuple, b: tuple) -> bool:
    """True when two packed programs agree to 1e-12 relative on every number."""
    for x, y in zip(a, b, strict=True):
        if x.shape != y.shape:
            return False
        close = np.abs(x - y) <= _LINEAR * (np.abs(x) + np.abs(y)) + 1e-300
        if not np.all(close | (np.isnan(x) & np.isnan(y))):
            return False
    return True


__all__ = ["BatchResult", "VariantPacker", "fly_batch_of", "flown_programs_equal", "fly_variants"]
