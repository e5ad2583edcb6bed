"""A campaign: the runs of a study file, flown in batches, gathered in one table.

:class:`Campaign` reads a study file once (its scenario, ``[study]`` and
``[dispersions]`` or ``[sweep]``), draws every run's inputs (:mod:`sim.studies.sampling`,
reproducible per run), packs them (:class:`sim.studies.batch.VariantPacker`) and flies them
with the compiled engine, a batch at a time, never one tiny task per run. The batches go
to an executor (in this process, to local worker processes, or to a Dask cluster,
:mod:`sim.studies.executors`); with an output folder every finished batch is a checkpoint
shard, so that an interrupted campaign resumes without losing or repeating a run, and the
final table (``runs.parquet``, ``runs.csv``) is written once, atomically, when the campaign
completes.
"""

import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sim.config.build import build_scenario
from sim.config.errors import ScenarioError
from sim.config.scenario import Scenario
from sim.config.study import StudySpec
from sim.config.tree import REMOVE, ConfigTree, read_config
from sim.core.run import fly_alone
from sim.studies.batch import VariantPacker, fly_variants
from sim.studies.sampling import Sampler
from sim.studies.table import Reference, reference_of, result_columns


def _number(value) -> float:
    """A number of a run's value, NaN when it is none (that run reports why)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


#: The tables of a study (replaced as a whole by a study declared in Python).
STUDY_TABLES = ("study", "dispersions", "sweep")


def _get(config: dict, dotted: str):
    node: Any = config
    for part in dotted.split("."):
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


@dataclass
class Campaign:
    """The runs of a study file (see the module docstring).

    Parameters
    ----------
    path : str or path-like
        A study file: a scenario with ``[study]`` and ``[dispersions]`` or ``[sweep]``.
    overrides : mapping, optional
        Dotted overrides of the file (as ``--set``).
    samples, seed : int, optional
        Override the study's number of runs and seed.
    study : mapping, optional
        A study declared in Python (:mod:`sim.studies.design`: ``monte_carlo``, ``grid``,
        ...): it replaces the file's ``[study]``, ``[dispersions]`` and ``[sweep]``, so
        that ``path`` may be a plain scenario file.
    """

    path: str | os.PathLike
    overrides: Mapping = field(default_factory=dict)
    samples: int | None = None
    seed: int | None = None
    study: Mapping | None = None
    tree: ConfigTree = field(init=False)
    scenario: Scenario = field(init=False)
    spec: StudySpec = field(init=False)
    sampler: Sampler = field(init=False)
    packer: VariantPacker = field(init=False)
    reference: Reference | None = field(init=False)

    def __post_init__(self) -> None:
        self.tree = read_config(self.path)
        if self.study is not None:
            present = self.tree.resolve(dict(self.overrides)).config
            tables = {t: REMOVE for t in STUDY_TABLES if t in present and t not in self.study}
            self.overrides = {**dict(self.overrides), **tables, **dict(self.study)}
        resolved = self.tree.resolve(dict(self.overrides))
        self.scenario = build_scenario(resolved)
        spec = self.scenario.study
        if spec is None:
            raise ScenarioError(
                self.tree.path,
                "study",
                "a [study] table (kind = "
                "'montecarlo', 'grid', 'lhs' or 'sobol') with its "
                "[dispersions] or [sweep]",
            )
        if self.samples is not None:
            if spec.kind == "grid":
                raise ScenarioError(
                    self.tree.path,
                    "samples",
                    f"no sample count for a grid: its {Sampler(spec, {}).size()} runs are its "
                    "[sweep]'s values",
                )
            spec = replace(spec, samples=int(self.samples))
        if self.seed is not None:
            spec = replace(spec, seed=int(self.seed))
        self.spec = spec
        keys = [d.key for d in spec.dispersions] + [k for k, _ in spec.sweep]
        nominal = {k: _get(resolved.config, k) for k in keys}
        for key in [k for k, v in nominal.items() if v is None]:
            self._check_key(key)
        try:
            self.sampler = Sampler(spec, nominal)
        except ValueError as exc:
            raise ScenarioError(self.tree.path, "dispersions", str(exc)) from None
        known = {d.key for d in spec.dispersions if d.known}
        if not spec.fixed_burn:
            known |= set(keys)  # every run planned (and guided) with its own values
        self.packer = VariantPacker(self.tree, dict(self.overrides), frozenset(known))
        self._check_effects(keys)
        base = fly_alone(self.packer._base_program.arrays())
        self.reference = reference_of(base[0])

    def _check_key(self, key: str) -> None:
        """A dispersed or swept key the scenario does not set must be one it accepts (an
        optional key with a default): a misspelt key is an error naming the file."""
        try:
            build_scenario(self.tree.resolve({**dict(self.overrides), key: 1.0}))
        except ScenarioError as exc:
            if exc.key == key or (exc.key or "").startswith(key):
                section = "sweep" if key in dict(self.spec.sweep) else "dispersions"
                raise ScenarioError(self.tree.path, f"{section}: {key}", exc.expected) from None

    def _run_targets(self, values: dict, n: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Each run's own target [deg] when the study moves it (``target.latitude_deg``,
        ``target.longitude_deg`` or a whole ``target`` table), else None: a run's
        distance to the target is measured from the target its guidance steered to."""
        keys = [k for k in values if k == "target" or k.startswith("target.")]
        if not keys or self.scenario.target is None:
            return None
        lat = np.full(n, self.scenario.target.latitude_deg)
        lon = np.full(n, self.scenario.target.longitude_deg)
        for key in keys:
            column = values[key]
            for i in range(n):
                v = column[i]
                table = v if key == "target" else {key.split(".", 1)[1]: v}
                if isinstance(table, Mapping):
                    lat[i] = _number(table.get("latitude_deg", lat[i]))
                    lon[i] = _number(table.get("longitude_deg", lon[i]))
        return lat, lon

    def _check_effects(self, keys: list[str]) -> None:
        """A dispersed or swept key whose values change no number of the flight would give
        a table of runs that all fly the undispersed scenario: an error naming the file
        and the key. (With ``fixed_burn``, a key only the planning reads, such as the
        targeting's reference bank, never reaches the flight.) A key none of whose values
        can be built is the builder's error. The values tried: a grid axis's or a choice's
        own (every distinct one), a distribution's draws in the first runs (a few)."""
        sweep = dict(self.spec.sweep)
        choices = {d.key: d.values for d in self.spec.dispersions if d.distribution == "choice"}
        drawn = None
        base = self.packer._base_program.arrays()
        for key in keys:
            if key in sweep or key in choices:
                candidates, most = list(sweep.get(key, choices.get(key, ()))), 64
            else:
                if drawn is None:
                    drawn = self.sampler.values(np.arange(min(self.size(), 64)))
                column = drawn[key]
                candidates = (
                    [float(v) for v in column] if isinstance(column, np.ndarray) else list(column)
                )
                most = 3
            tried: list = []
            failed: list = []
            changed = False
            for v in candidates:
                if any(repr(v) == repr(t) for t in tried) or len(tried) == most:
                    continue
                tried.append(v)
                packs = self.packer.pack([{key: v}])
                if not packs:  # this value cannot be built
                    failed.append(v)
                    continue
                arrays = tuple(a[0] for a in packs[0][1])
                if any(
                    a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)
                    for a, b in zip(arrays, base, strict=True)
                ):
                    changed = True
                    break
            if changed or not tried:
                continue
            section = "sweep" if key in sweep else "dispersions"
            if failed and (most == 64 or len(failed) < len(tried)):
                # the values that can be flown change nothing, and the others cannot be
                # built: the builder says why (a few draws, all invalid, are left to
                # their runs' rows)
                try:
                    self.packer.build({key: failed[0]})
                except ScenarioError as exc:
                    raise ScenarioError(
                        self.tree.path, f"{section}: {key}", f"{failed[0]!r}: {exc.expected}"
                    ) from None
            if failed:
                continue
            hint = (
                " (with fixed_burn = true the flight keeps the burn point planned for "
                "the undispersed scenario: a key only the planning reads needs "
                "fixed_burn = false, or known = true)"
                if self.spec.fixed_burn and not self.packer._flight_computer_key(key)
                else ""
            )
            raise ScenarioError(
                self.tree.path,
                f"{section}: {key}",
                f"a key whose values change the flight; {tried!r} fly exactly as the "
                f"undispersed scenario{hint}",
            )

    @property
    def t0(self) -> float:
        """Simulation time at the start of every run [s]."""
        return float(self.packer._base_program.init[1])

    def size(self) -> int:
        """Runs of the design (a stop rule may stop earlier, or go on to its maximum)."""
        return self.sampler.size()

    def variants(self, run_ids) -> list[dict]:
        """The runs' variants (dotted key -> sampled value) as the campaign flies them."""
        ids = np.asarray(run_ids, dtype=np.int64)
        return _variants(self.sampler.values(ids), ids.size)

    def run_chunk(self, run_ids) -> dict:
        """The table rows of some runs (column -> array), flown as one batch."""
        ids = np.asarray(run_ids, dtype=np.int64)
        start = time.perf_counter()
        values = self.sampler.values(ids)
        result = fly_variants(self.packer, _variants(values, ids.size))
        columns = {"run": ids}
        for key, v in values.items():
            columns[key] = (
                v
                if isinstance(v, np.ndarray)
                else np.array([repr(x) if not isinstance(x, str) else x for x in v], dtype=object)
            )
        columns.update(
            result_columns(
                result.summary,
                self.t0,
                self.scenario.target,
                self.reference,
                result.failures,
                run_targets=self._run_targets(values, ids.size),
            )
        )
        columns["wall_batch_s"] = np.full(ids.size, time.perf_counter() - start)
        return columns


def _variants(values: Mapping, n: int) -> list[dict]:
    """One dict per run of the sampler's columns, the numbers as Python floats (``tolist``
    gives ``float(v[i])`` for each i)."""
    if not values:
        return [{} for _ in range(n)]
    keys = list(values)
    cells = [
        v.astype(float).tolist() if isinstance(v, np.ndarray) else list(v) for v in values.values()
    ]
    return [dict(zip(keys, row, strict=True)) for row in zip(*cells, strict=True)]


def merge(chunks: list[dict]) -> dict:
    """Chunks of table rows -> one table sorted by run (column -> array)."""
    if not chunks:
        return {}
    names = list(chunks[0])
    merged = {n: np.concatenate([c[n] for c in chunks]) for n in names}
    order = np.argsort(merged["run"], kind="stable")
    return {n: v[order] for n, v in merged.items()}


@dataclass
class CampaignResult:
    """A finished (or stopped) campaign.

    Attributes
    ----------
    table : dict of str -> ndarray
        One row per run, sorted by run.
    spec : StudySpec
    resumed_runs : int
        Runs found done in the checkpoints.
    seconds : float
        Wall time of this call.
    stop : dict or None
        The stop rule's outcome (the statistic's interval when it stopped).
    records : dict
        The study records made of it (:func:`sim.studies.report.study_record`), kept so
        that ``study.json`` and ``reentry sweep --json`` compute its statistics once.
    """

    table: dict
    spec: StudySpec
    resumed_runs: int = 0
    seconds: float = 0.0
    stop: dict | None = None
    executor: str = "serial"
    records: dict = field(default_factory=dict, repr=False, compare=False)

    def dataframe(self):
        """The table as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "CampaignResult.dataframe() needs pandas: the 'studies' extra, "
                "pip install -e '.[studies]'"
            ) from exc
        return pd.DataFrame(self.table)


class SerialExecutor:
    """Fly in the calling process (the compiled engine uses all cores within a batch)."""

    name = "serial"

    def map(self, campaign, batches: Iterable) -> Iterator[dict]:
        """Table rows of each batch, in order."""
        for ids in batches:
            yield campaign.run_chunk(ids)


def run_campaign(
    campaign: Campaign,
    *,
    executor=None,
    out=None,
    resume: bool = False,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> CampaignResult:
    """Fly a campaign's runs.

    Parameters
    ----------
    executor : sim.studies.executors.Executor, optional
        Default: this process (:class:`SerialExecutor`).
    out : path-like, optional
        Output folder: checkpoint shards while running, the final table at the end
        (:mod:`sim.studies.checkpoints`).
    resume : bool
        Continue the campaign checkpointed in ``out``.
    overwrite : bool
        Replace another campaign's finished table in ``out`` (otherwise an error).
    progress : callable, optional
        Called with the number of runs finished by each batch.
    """
    from sim.studies import checkpoints

    executor = executor or SerialExecutor()
    start = time.perf_counter()
    store = checkpoints.Store(out, campaign, resume, overwrite) if out is not None else None
    chunks = store.done_chunks() if store is not None else []
    done = set(int(r) for c in chunks for r in c["run"])
    resumed = len(done)
    spec = campaign.spec
    stop_info = None
    total = campaign.size() if spec.stop is None else spec.stop.max_samples
    batch = spec.batch_size
    next_id = 0
    while next_id < total:
        # a round: the design, or for a stop rule batches until the rule is checked again
        round_end = (
            total
            if spec.stop is None
            else min(total, max(next_id + batch, 2 * next_id, spec.samples))
        )
        pending = [
            np.arange(a, min(a + batch, round_end)) for a in range(next_id, round_end, batch)
        ]
        pending = [ids[~np.isin(ids, list(done))] for ids in pending]
        pending = [ids for ids in pending if ids.size]
        for chunk in executor.map(campaign, pending):
            chunks.append(chunk)
            if store is not None:
                store.add(chunk)
            if progress is not None:
                progress(len(chunk["run"]))
        next_id = round_end
        if spec.stop is not None:
            stop_info = _check_stop(spec, merge(chunks))
            if stop_info["met"]:
                break
    table = merge(chunks)
    result = CampaignResult(
        table, spec, resumed, time.perf_counter() - start, stop_info, executor.name
    )
    if store is not None:
        store.finish(result)
    return result


def _check_stop(spec: StudySpec, table: dict) -> dict:
    from sim.studies.statistics import quantile_ci

    rule = spec.stop
    assert rule is not None
    values = np.asarray(table.get(rule.column, []), dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 20:
        return {"met": False, "runs": int(values.size)}
    estimate, low, high = quantile_ci(values, rule.quantile, level=0.95)
    width = float(high - low)
    return {
        "met": bool(width <= rule.width) and math.isfinite(width),
        "runs": int(values.size),
        "column": rule.column,
        "quantile": rule.quantile,
        "estimate": float(estimate),
        "ci_low": float(low),
        "ci_high": float(high),
        "ci_width": width,
        "tolerance": rule.width,
    }
