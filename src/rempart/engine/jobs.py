"""The job vocabulary shared by every runner: jobs, outcomes, the runner protocol.

A job is a module-level function plus picklable arguments, so that it can run
in a thread, in the calling thread, or in a Dask worker process alike. Running
a job never raises (except ``KeyboardInterrupt``/``SystemExit``): a failure is
recorded as data in the :class:`JobOutcome`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, Self

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One unit of work.

    ``key`` is unique within a batch (e.g. the audited domain); ``fn`` must be a
    module-level function and ``args``/``kwargs`` picklable, so that the job can
    be shipped to another process.
    """

    key: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class JobOutcome:
    """What became of a job: its return value, or a one-line error.

    ``error`` is ``"<ExceptionType>: <message>"`` (just the type name when the
    message is empty); ``seconds`` is the time spent running the function.
    """

    key: str
    value: Any = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the job returned normally."""
        return self.error is None


def describe_error(exc: BaseException) -> str:
    """One line naming an exception: ``"ValueError: bad input"``."""
    message = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def execute(job: Job) -> JobOutcome:
    """Run one job in the current thread, timing it and catching its failure."""
    start = time.perf_counter()
    try:
        value = job.fn(*job.args, **dict(job.kwargs))
    except Exception as exc:
        seconds = time.perf_counter() - start
        logger.debug("job %s failed", job.key, exc_info=True)
        return JobOutcome(job.key, error=describe_error(exc), seconds=seconds)
    return JobOutcome(job.key, value=value, seconds=time.perf_counter() - start)


def run_inline(jobs: Iterable[Job]) -> Iterator[JobOutcome]:
    """Run jobs one after the other in the calling thread (tests, debugging)."""
    for job in jobs:
        yield execute(job)


class Runner(Protocol):
    """Something that runs jobs and streams their outcomes back as they complete."""

    name: str
    """A short description for display, e.g. ``"local (16 threads)"``."""

    def run(self, jobs: Iterable[Job]) -> Iterator[JobOutcome]:
        """Run ``jobs`` (consumed lazily), yielding outcomes in completion order."""
        ...

    def close(self) -> None:
        """Release threads, processes and connections; idempotent."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


class RunnerBase:
    """Context-manager plumbing shared by the concrete runners."""

    name: str = "runner"

    def close(self) -> None:
        """Release resources; subclasses override."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
