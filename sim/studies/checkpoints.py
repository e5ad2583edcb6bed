"""Checkpoints and the final files of a campaign's output folder.

While a campaign runs, every finished batch is a shard, ``.shards/runs-FIRST-LAST.parquet``,
written atomically (a temporary file in the same folder, renamed), next to a manifest
``.shards/campaign.json`` naming the campaign (a fingerprint of its resolved configuration,
its study and the package version). ``--resume`` reads the shards of the same campaign
and flies only the runs they lack. When the campaign completes, the one table
``runs.parquet`` (and ``runs.csv``), ``study.json`` and ``study.resolved.toml`` are written
as one set through a staging folder and a journaled commit (:mod:`sim.io.outputs`: never
a mix of two campaigns' files), then the shards are removed: no temporary file is left
behind, and a killed campaign leaves only whole shards. Starting a campaign (not
resuming) into a folder removes the shards of another one first, so that two campaigns
never mix. A folder that holds another campaign's finished table, or the checkpoints of
another unfinished one, is not replaced unless asked (``overwrite``): ``study.json`` and the
manifest record the campaign's fingerprint and settings, and running the same campaign
again (not resuming) starts it afresh and remakes the same table.
"""

import hashlib
import json
import os
import shutil
from pathlib import Path

from sim.config.errors import ScenarioError
from sim.config.tree import dump_config
from sim.io.outputs import OutputError, open_folder, prepare_folder
from sim.io.tables import read_parquet, write_csv, write_parquet
from sim.results.files import atomic_write

SHARDS = ".shards"
MANIFEST = "campaign.json"


def _settings(campaign) -> dict:
    """The study's settings and the package version, each as text (a manifest keeps them
    to say what a refused ``--resume`` changed)."""
    import dataclasses

    import sim

    spec = {f.name: repr(getattr(campaign.spec, f.name)) for f in dataclasses.fields(campaign.spec)}
    return {**spec, "version": sim.__version__}


def fingerprint(campaign) -> str:
    """What makes two campaigns the same: configuration, study and package version."""
    identity = {"config": dump_config(campaign.scenario.config), **_settings(campaign)}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:20]


def _changed(then: dict, now: dict) -> str:
    """The settings that differ between two manifests' records, for the error message."""
    names = [k for k in sorted(set(then) | set(now)) if then.get(k) != now.get(k)]
    if not names:
        return "the scenario's configuration (extends and overrides applied)"
    return "; ".join(
        f"{k}: {_short(then.get(k, '-'))} in the folder, {_short(now.get(k, '-'))} now"
        for k in names
    )


def _read_json(path: Path) -> dict | None:
    """A JSON object from a file, or None when it cannot be read as one."""
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _same_file(a, b) -> bool:
    """Whether two paths name the same file (as given, relative or not)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return str(a) == str(b)


def _short(text, limit: int = 60) -> str:
    """A setting's text for a message: long ones cut (a study's dispersions)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Store:
    """The output folder of one campaign (see the module docstring)."""

    def __init__(self, out, campaign, resume: bool, overwrite: bool = False) -> None:
        self.folder = Path(out)
        if self.folder.exists() and not self.folder.is_dir():
            raise ScenarioError(self.folder, None, "a folder for the output, not an existing file")
        prepare_folder(out)  # before flying: it can be made (and what killed runs left)
        self.shards = self.folder / SHARDS
        self.fingerprint = fingerprint(campaign)
        self.campaign = campaign
        if not resume and not overwrite:
            self._refuse_other_results()
        manifest = self.shards / MANIFEST
        if resume:
            if not manifest.exists():
                if (self.folder / "runs.parquet").exists():
                    raise ScenarioError(
                        self.folder,
                        None,
                        "a campaign to resume: this one is already complete (runs.parquet)",
                    )
                self.shards.mkdir(parents=True, exist_ok=True)
            else:
                recorded = _read_json(manifest)
                if recorded is None or recorded.get("fingerprint") != self.fingerprint:
                    raise ScenarioError(
                        self.folder,
                        None,
                        "--resume of the same campaign: the folder's checkpoints are of "
                        f"another one ({self._difference(recorded)})",
                    )
        else:
            shutil.rmtree(self.shards, ignore_errors=True)
        self.shards.mkdir(parents=True, exist_ok=True)
        for stale in self.shards.glob(".tmp-*"):
            stale.unlink()
        atomic_write(
            manifest,
            lambda f: f.write(
                json.dumps(
                    {
                        "fingerprint": self.fingerprint,
                        "file": str(campaign.path),
                        "settings": _settings(campaign),
                    }
                )
                + "\n"
            ),
        )

    def _refuse_other_results(self) -> None:
        """Stop before flying when the folder holds another campaign's finished table or
        its unfinished checkpoints (results that starting this one would remove)."""
        manifest = self.shards / MANIFEST
        shards = sorted(self.shards.glob("runs-*.parquet")) if manifest.exists() else []
        if shards:  # another campaign stopped on its way: what it flew
            recorded = _read_json(manifest)
            if recorded is not None and recorded.get("fingerprint") == self.fingerprint:
                return  # this campaign's own checkpoints: started again from the first run
            what = (
                "the checkpoints of an unfinished campaign "
                f"({len(shards)} batch{'es' if len(shards) != 1 else ''} done; "
                f"{self._difference(recorded)}); --resume it with "
                "its own settings,"
            )
        elif (self.folder / "runs.parquet").exists():
            recorded = _read_json(self.folder / "study.json")
            if recorded is not None and recorded.get("fingerprint") == self.fingerprint:
                return  # the same campaign: flying it again remakes the same table
            name = "?" if recorded is None else recorded.get("name", "?")
            runs = "?" if recorded is None else recorded.get("runs", "?")
            what = f"the finished campaign {name!r} ({runs} runs; {self._difference(recorded)});"
        else:
            return
        raise ScenarioError(
            self.folder,
            None,
            f"a folder without another campaign's results: it holds {what} give another "
            "--out, or --overwrite to replace it",
        )

    def _difference(self, recorded: dict | None) -> str:
        """How a recorded campaign (a manifest or a study.json) differs from this one,
        for a refusal's message."""
        if recorded is None:
            return "its record cannot be read"
        if "fingerprint" not in recorded or not isinstance(recorded.get("settings"), dict):
            return "recorded by an earlier version, without the settings to compare"
        file = recorded.get("file")
        if file is not None and not _same_file(file, self.campaign.path):
            return f"another file, {file}"
        return _changed(recorded["settings"], _settings(self.campaign))

    def done_chunks(self) -> list[dict]:
        """The shards already written (a resumed campaign's finished runs)."""
        return [read_parquet(p) for p in sorted(self.shards.glob("runs-*.parquet"))]

    def add(self, chunk: dict) -> None:
        """Checkpoint one finished batch."""
        run = chunk["run"]
        write_parquet(
            self.shards / f"runs-{int(run.min()):09d}-{int(run.max()):09d}.parquet", chunk
        )

    def finish(self, result) -> None:
        """Write the final table and study record, then remove the checkpoints."""
        from sim.studies.report import study_record

        folder = open_folder(self.folder)
        try:
            try:
                write_parquet(folder.staging / "runs.parquet", result.table)
                write_csv(folder.staging / "runs.csv", result.table)
            except OSError as exc:
                raise OutputError(f"{self.folder}: a writable folder ({exc.strerror})") from None
            folder.add_written([folder.staging / "runs.parquet", folder.staging / "runs.csv"])
            record = study_record(
                self.campaign, result, table_path=str(self.folder / "runs.parquet")
            )
            # what a later campaign into this folder is compared with
            record["fingerprint"] = self.fingerprint
            record["settings"] = _settings(self.campaign)
            folder.write_text("study.json", json.dumps(record, indent=2, allow_nan=False) + "\n")
            header = (
                f"# The configuration of {self.campaign.path} as resolved for this "
                "campaign (extends and overrides applied).\n\n"
            )
            folder.write_text(
                "study.resolved.toml", header + dump_config(self.campaign.scenario.config)
            )
            folder.commit()
        finally:
            folder.discard()
        shutil.rmtree(self.shards, ignore_errors=True)
