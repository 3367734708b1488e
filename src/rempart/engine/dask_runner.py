"""Run jobs on a Dask cluster: a throw-away local one, or an existing scheduler.

``distributed`` is imported only when a :class:`DaskRunner` is created, so the
default (thread pool) engine does not pay for it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import socket
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import dask

from rempart.engine.jobs import Job, JobOutcome, RunnerBase, describe_error, execute
from rempart.errors import EngineError

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

logger = logging.getLogger(__name__)

#: Loggers that report normal cluster shutdown as warnings ("Stream is closed"...).
_NOISY_LOGGERS = ("distributed", "tornado")


def _call(job: Job) -> JobOutcome:
    """What runs on a Dask worker: the job, timed, with failures caught as data."""
    return execute(job)


class DaskRunner(RunnerBase):
    """Run jobs on Dask.

    ``address`` is ``"local"`` (start a ``LocalCluster`` of ``n_workers``
    processes bound to 127.0.0.1) or a scheduler address, ``"tcp://HOST:8786"``
    or ``"HOST:PORT"``. Raises :class:`EngineError` when the cluster cannot be
    started or the scheduler cannot be reached within ``connect_timeout``
    seconds.
    """

    def __init__(
        self,
        address: str,
        *,
        n_workers: int = 2,
        threads_per_worker: int = 8,
        connect_timeout: float = 10.0,
    ) -> None:
        import distributed

        _tame_dask_logging()
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        if address == "local":
            self.address = "local"
            self.name = f"dask local ({n_workers} processes × {threads_per_worker} threads)"
            try:
                # Dask's worker profiler can deadlock a worker on CPython 3.11 while jobs
                # start threads (CPython gh-106883, dask/distributed#8616): seen in 2 of
                # ~12 benchmark runs. The nanny hands this setting to its worker process.
                with dask.config.set({"distributed.worker.profile.enabled": False}):
                    self._cluster = self._local_cluster(n_workers, threads_per_worker)
                self._client = distributed.Client(self._cluster, set_as_default=False)
            except Exception as exc:
                self.close()
                raise EngineError(
                    f"cannot start a local Dask cluster: {describe_error(exc)}"
                ) from exc
        else:
            self.address = address if "://" in address else f"tcp://{address}"
            self.name = f"dask {self.address}"
            _check_reachable(self.address, connect_timeout)
            try:
                self._client = distributed.Client(
                    self.address, timeout=connect_timeout, set_as_default=False
                )
            except Exception as exc:
                raise EngineError(
                    f"cannot reach Dask scheduler at {self.address}: {_reason(exc)}"
                ) from exc
            try:
                _check_workers(self._client, self.address)
            except EngineError:
                self.close()
                raise
        logger.info("connected to %s", self.name)

    @staticmethod
    def _local_cluster(n_workers: int, threads_per_worker: int) -> LocalCluster:
        import distributed

        return distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # Also the log level of the worker processes: spares the
            # user their INFO chatter and shutdown warnings.
            silence_logs=logging.ERROR,
            # Without a dashboard the scheduler still serves /health on
            # 8787 (warning when taken): use any free loopback port.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )

    @property
    def scheduler_address(self) -> str:
        """Where the scheduler listens (for ``"local"``, a free port on 127.0.0.1)."""
        if self._client is None:
            raise EngineError(f"{self.name}: runner is closed")
        return str(self._client.scheduler.address)

    def _max_in_flight(self, client: Client) -> int:
        """Four tasks per worker thread, so workers never idle while we stream results."""
        threads = sum(client.nthreads().values())
        if threads == 0:
            logger.warning("%s has no workers yet: jobs will wait for one", self.name)
            return 64
        return 4 * threads

    def run(self, jobs: Iterable[Job]) -> Iterator[JobOutcome]:
        """Yield outcomes as jobs complete on the cluster.

        Futures are released as soon as their outcome is read; on
        ``KeyboardInterrupt`` (or when the caller stops iterating) the jobs
        still pending are cancelled on the cluster.
        """
        import distributed

        client = self._client
        if client is None:
            raise EngineError(f"{self.name}: runner is closed")
        batch = uuid.uuid4().hex
        source = enumerate(jobs)
        pending: dict[Future[JobOutcome], str] = {}
        completed = distributed.as_completed(
            loop=client.loop, with_results=True, raise_errors=False
        )

        def submit_next() -> None:
            item = next(source, None)
            if item is not None:
                i, job = item
                future = client.submit(_call, job, key=f"rempart-{batch}-{i}", pure=False)
                pending[future] = job.key
                completed.add(future)

        try:
            for _ in range(self._max_in_flight(client)):
                submit_next()
            while pending:
                future, result = next(completed)
                key = pending.pop(future)
                outcome = self._outcome(key, future, result)
                future.release()
                del future, result
                yield outcome
                submit_next()
        except KeyboardInterrupt:
            logger.info("interrupted: cancelling %d pending jobs", len(pending))
            raise
        finally:
            if pending and self._client is not None:
                with contextlib.suppress(Exception):
                    client.cancel(list(pending))
            pending.clear()

    def _outcome(self, key: str, future: Future[JobOutcome], result: Any) -> JobOutcome:
        """Turn what ``as_completed`` gave us into an outcome (or give up on a lost cluster)."""
        if future.status == "finished" and isinstance(result, JobOutcome):
            return result
        if future.status == "error":  # e.g. the job could not be unpickled on the worker
            _, exc, _ = result
            return JobOutcome(key, error=describe_error(exc))
        if self._client is None or self._client.status not in ("running", "connecting"):
            raise EngineError(f"lost connection to Dask at {self.address}")
        if isinstance(result, BaseException):  # e.g. the task was cancelled on the cluster
            return JobOutcome(key, error=describe_error(result))
        return JobOutcome(key, error=f"Dask task ended as {future.status!r}")

    def close(self) -> None:
        """Close the client and, for ``"local"``, shut the cluster down quietly."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        with _quiet_shutdown():
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()


def _check_workers(client: Client, address: str, module: str = __name__) -> None:
    """Fail early when some worker cannot import ``module`` (Rempart by default).

    A worker that cannot unpickle a task dies, and the batch then waits forever;
    a remote cluster must run the same Rempart as the client.
    """
    try:
        found = client.run(importlib.util.find_spec, module, on_error="return")
    except Exception as exc:
        raise EngineError(f"cannot check the Dask workers at {address}: {_reason(exc)}") from exc
    missing = sorted(w for w, spec in found.items() if spec is None or isinstance(spec, Exception))
    if missing:
        raise EngineError(
            f"Dask workers at {address} cannot import {module} (install Rempart on them): "
            + ", ".join(missing)
        )


def _check_reachable(address: str, timeout: float) -> None:
    """Fail at once, with the system's reason, when nothing listens at a TCP scheduler
    address (Dask itself retries for ``timeout`` and then names a variable cause)."""
    parts = urlsplit(address)
    if parts.scheme != "tcp" or not parts.hostname or parts.port is None:
        return  # other transports: let Dask judge
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EngineError(f"cannot reach Dask scheduler at {address}: {reason}") from exc


def _reason(exc: BaseException) -> str:
    """One line saying why a connection failed, with the root cause when Dask wraps it.

    Dask retries until its timeout, then says only "Timed out trying to
    connect"; the original error (e.g. connection refused) is further down the
    exception chain.
    """
    root = exc
    seen = {id(exc)}
    while (nxt := root.__cause__ or root.__context__) is not None and id(nxt) not in seen:
        seen.add(id(nxt))
        root = nxt
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if root is exc else f"{text} ({describe_error(root)})"


def _tame_dask_logging() -> None:
    """Keep Dask's INFO chatter (every worker, every connection) out of Rempart's logs.

    ``import distributed`` sets its logger to INFO; when the application has
    already configured the root logger, those records reach its handlers. Only
    the default INFO level is raised to WARNING: a DEBUG set on purpose stays.
    """
    dask_logger = logging.getLogger("distributed")
    if dask_logger.level == logging.INFO:
        dask_logger.setLevel(logging.WARNING)


@contextlib.contextmanager
def _quiet_shutdown() -> Iterator[None]:
    """Silence the warnings Dask logs while tearing down a healthy cluster."""
    saved = [(name, logging.getLogger(name).level) for name in _NOISY_LOGGERS]
    for name, _ in saved:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, level in saved:
            logging.getLogger(name).setLevel(level)
