"""DaskRunner on one LocalCluster shared by the module, and an unreachable scheduler."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from rempart.engine import DaskRunner, Job, make_runner
from rempart.engine._selftest import nap, square
from rempart.engine.dask_runner import _check_workers
from rempart.errors import EngineError

from .cases import EXPECTED, jobs, summary


@pytest.fixture(scope="module")
def dask_runner() -> Iterator[DaskRunner]:
    """One local cluster for the whole module: starting one costs seconds."""
    with DaskRunner("local", n_workers=2, threads_per_worker=4) as runner:
        yield runner


def test_same_outcomes_as_inline(dask_runner: DaskRunner) -> None:
    assert dask_runner.name == "dask local (2 processes × 4 threads)"
    assert summary(list(dask_runner.run(iter(jobs())))) == EXPECTED


def test_job_timing_comes_back(dask_runner: DaskRunner) -> None:
    (outcome,) = dask_runner.run([Job("nap", nap, ("z", 0.1))])
    assert outcome.ok and outcome.value == "z"
    assert outcome.seconds >= 0.09


def test_feeds_lazily(dask_runner: DaskRunner) -> None:
    produced = consumed = ahead = 0

    def generate() -> Iterator[Job]:
        nonlocal produced, ahead
        for i in range(500):
            produced += 1
            ahead = max(ahead, produced - consumed)
            yield Job(str(i), square, (i,))

    values = []
    for outcome in dask_runner.run(generate()):
        values.append(outcome.value)
        consumed += 1
    assert sorted(values) == [i * i for i in range(500)]
    assert 0 < ahead <= 4 * 2 * 4  # four per worker thread


def test_interrupted_batch_leaves_runner_usable(dask_runner: DaskRunner) -> None:
    def generate() -> Iterator[Job]:
        yield from (Job(str(i), nap, (i, 0.2)) for i in range(40))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        list(dask_runner.run(generate()))
    # The next batch gets only its own outcomes (keys are unique per batch).
    assert summary(list(dask_runner.run(jobs()))) == EXPECTED


def test_connect_to_a_running_scheduler(dask_runner: DaskRunner) -> None:
    address = dask_runner.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    host_port = address.removeprefix("tcp://")
    with make_runner(host_port) as runner:
        assert isinstance(runner, DaskRunner)
        assert runner.name == f"dask {address}"
        assert summary(list(runner.run(jobs()))) == EXPECTED
    # Closing a client leaves the cluster it joined running.
    assert summary(list(dask_runner.run(jobs()))) == EXPECTED


def test_unreachable_scheduler() -> None:
    start = time.perf_counter()
    with pytest.raises(EngineError) as caught:
        DaskRunner("tcp://127.0.0.1:1")
    assert time.perf_counter() - start < 15
    message = str(caught.value)
    assert message.startswith("cannot reach Dask scheduler at tcp://127.0.0.1:1: ")
    assert "refused" in message.lower()
    assert "\n" not in message


def test_address_without_scheme() -> None:
    with pytest.raises(EngineError, match=r"at tcp://127\.0\.0\.1:1: "):
        DaskRunner("127.0.0.1:1", connect_timeout=0.5)


def test_workers_without_the_module_are_refused(dask_runner: DaskRunner) -> None:
    client = dask_runner._client
    assert client is not None
    _check_workers(client, "local")  # rempart itself is importable
    with pytest.raises(EngineError, match=r"cannot import rempart_no_such\.module \(install"):
        _check_workers(client, "local", module="rempart_no_such.module")


def _profiler_setting() -> object:
    import dask

    return dask.config.get("distributed.worker.profile.enabled")


def test_local_workers_run_without_the_profiler(dask_runner: DaskRunner) -> None:
    """Dask's worker profiler can deadlock workers on CPython 3.11 (gh-106883)."""
    assert dask_runner._client is not None
    settings = dask_runner._client.run(_profiler_setting)
    assert settings and set(settings.values()) == {False}
