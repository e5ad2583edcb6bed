"""Where a campaign's batches fly: this process, local worker processes, a Dask cluster.

Every executor receives batches of run ids and yields their table rows (in the order
they finish); a batch is a few hundred to a few thousand runs, never one tiny task per
run (a Dask task costs about 1.5 ms of overhead). Workers rebuild the campaign from its
recipe (the file, its overrides, the samples and the seed) once per process, so a run's
inputs and results do not depend on where it flew: the tables are the same, bit for bit.
"""

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sim.config.errors import ScenarioError
from sim.studies.campaign import Campaign, SerialExecutor

#: Campaigns built in this process, by recipe (worker processes keep theirs).
_CAMPAIGNS: dict = {}


def recipe(campaign) -> tuple:
    """What a worker needs to rebuild a campaign: (path, overrides, samples, seed)."""
    return (
        os.fspath(campaign.path),
        tuple(sorted((k, repr(v)) for k, v in campaign.overrides.items())),
        campaign.samples,
        campaign.seed,
        dict(campaign.overrides),
    )


def _campaign_of(rec: tuple):
    key = rec[:4]
    if key not in _CAMPAIGNS:
        _CAMPAIGNS[key] = Campaign(rec[0], rec[4], samples=rec[2], seed=rec[3])
    return _CAMPAIGNS[key]


def run_chunk(rec: tuple, run_ids) -> dict:
    """Fly some runs of the campaign of a recipe (the task of every executor)."""
    return _campaign_of(rec).run_chunk(run_ids)


def _single_threaded() -> None:
    from sim.core.run import set_batch_threads

    set_batch_threads(1)


def _worker_start() -> None:
    """A local worker process: one thread, and Ctrl-C (which the terminal sends to every
    process of its group) left to the parent, which stops the workers itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _single_threaded()


@dataclass
class ProcessExecutor:
    """Local worker processes (spawned; each flies its batches on one core)."""

    workers: int | None = None
    name: str = "processes"

    def map(self, campaign, batches: Iterable) -> Iterator[dict]:
        """Table rows of each batch, as they finish."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        batches = list(batches)
        if not batches:
            return
        rec = recipe(campaign)
        workers = self.workers or os.cpu_count() or 1
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_start,
        )
        try:
            futures = [pool.submit(run_chunk, rec, ids) for ids in batches]
            for f in as_completed(futures):
                yield f.result()
        except BaseException:  # Ctrl-C, an error, or the caller gave up: stop the workers
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def stop_pool(pool) -> None:
    """Stop a ``ProcessPoolExecutor`` now: its workers terminated, its pending tasks
    cancelled, its threads and queues joined (so that their semaphores are released now:
    an interrupted program exits without the interpreter's clean-up).

    A worker terminated while it was sending a result (a batch's table: more than a
    pipe's buffer, so several writes) leaves part of a message in the pipe, and the
    pool's reader thread would wait for the rest forever, and the shutdown with it: a
    Ctrl-C hung about one time in fifteen on a 200,000-run study. The parent's own copy
    of the pipe's writing end is therefore closed once the workers are gone: the reader
    then meets the end of the pipe and gives the pool up as broken.
    """
    # the pool keeps its processes by id (a finished pool holds none)
    running = list((getattr(pool, "_processes", None) or {}).values())
    for process in running:
        process.terminate()
    for process in running:
        process.join(timeout=5.0)
        if process.is_alive():  # the pool's shutdown joins its workers without a limit
            process.kill()
            process.join(timeout=5.0)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None and running:
        writer.close()
    pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class DaskExecutor:
    """A Dask distributed cluster: the scheduler at ``scheduler``, or a local cluster of
    ``workers`` single-threaded worker processes started for the campaign (needs the
    ``dask`` extra)."""

    scheduler: str | None = None
    workers: int | None = None
    name: str = "dask"

    def map(self, campaign, batches: Iterable) -> Iterator[dict]:
        """Table rows of each batch, as they finish."""
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError as exc:
            raise ImportError(
                "--executor dask needs dask and distributed: the 'dask' extra, "
                "pip install -e '.[dask]'"
            ) from exc
        batches = list(batches)
        if not batches:
            return
        rec = recipe(campaign)
        if self.scheduler:
            try:
                client = Client(self.scheduler)
            except (OSError, ValueError) as exc:  # nobody answers, or not an address
                raise ScenarioError(
                    None, "--scheduler", f"a Dask scheduler answering at {self.scheduler} ({exc})"
                ) from None
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=self.workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
        try:
            client.run(_single_threaded)
            futures = [client.submit(run_chunk, rec, ids, pure=False) for ids in batches]
            for f in as_completed(futures):
                yield f.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def executor_named(name: str, *, workers: int | None = None, scheduler: str | None = None):
    """An executor by its command-line name."""
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(scheduler, workers)
    raise ValueError(f"executor must be serial, processes or dask, not {name!r}")
