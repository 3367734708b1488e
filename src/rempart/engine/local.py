"""Run jobs on a thread pool in this process (the default engine).

Audit jobs are I/O-bound (DNS, SMTP), so threads are enough; the pool is fed
lazily from the job iterable so that 100,000 jobs never become 100,000 futures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from rempart.engine.jobs import Job, JobOutcome, RunnerBase, describe_error, execute
from rempart.errors import EngineError

logger = logging.getLogger(__name__)


class LocalRunner(RunnerBase):
    """A ``ThreadPoolExecutor`` with at most ``4 * workers`` jobs in flight."""

    def __init__(self, workers: int = 16) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.max_in_flight = 4 * workers
        self.name = f"local ({workers} threads)"
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="rempart-job"
        )

    def run(self, jobs: Iterable[Job]) -> Iterator[JobOutcome]:
        """Yield outcomes as jobs complete.

        On ``KeyboardInterrupt`` (or when the caller stops iterating) the jobs
        not yet started are cancelled; jobs already running finish in the
        background and ``close()`` waits for them.
        """
        executor = self._executor
        if executor is None:
            raise EngineError(f"{self.name}: runner is closed")
        source = iter(jobs)
        pending: dict[Future[JobOutcome], str] = {}

        def submit_next() -> None:
            job = next(source, None)
            if job is not None:
                pending[executor.submit(execute, job)] = job.key

        try:
            for _ in range(self.max_in_flight):
                submit_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    key = pending.pop(future)
                    yield _outcome(key, future)
                    submit_next()
        except KeyboardInterrupt:
            logger.info("interrupted: cancelling %d pending jobs", len(pending))
            raise
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Cancel queued jobs and wait for running ones to finish."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _outcome(key: str, future: Future[JobOutcome]) -> JobOutcome:
    """The outcome of a finished future (``execute`` lets only BaseExceptions through)."""
    try:
        return future.result()
    except (Exception, SystemExit) as exc:  # e.g. a job calling sys.exit()
        return JobOutcome(key, error=describe_error(exc))
