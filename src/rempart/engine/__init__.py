"""The job engine: analyzers plan jobs, a runner executes them.

Jobs run on a local thread pool by default (:class:`LocalRunner`) or on a Dask
cluster (:class:`DaskRunner`); outcomes stream back as jobs complete, and a
failing job is recorded as data in its :class:`JobOutcome`, never stopping the
batch::

    with make_runner(dask=None) as runner:
        for outcome in runner.run(Job(d, audit_domain, (d,)) for d in domains):
            ...
"""

from __future__ import annotations

from rempart.engine.dask_runner import DaskRunner
from rempart.engine.jobs import Job, JobOutcome, Runner, run_inline
from rempart.engine.local import LocalRunner

__all__ = [
    "DaskRunner",
    "Job",
    "JobOutcome",
    "LocalRunner",
    "Runner",
    "make_runner",
    "run_inline",
]


def make_runner(dask: str | None, workers: int = 16) -> Runner:
    """A :class:`LocalRunner` of ``workers`` threads, or a :class:`DaskRunner` on ``dask``."""
    if dask is None:
        return LocalRunner(workers)
    return DaskRunner(dask)
