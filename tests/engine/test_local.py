"""The job vocabulary, run_inline, LocalRunner and make_runner."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

from rempart.engine import Job, JobOutcome, LocalRunner, make_runner, run_inline
from rempart.engine._selftest import nap, square
from rempart.engine.jobs import describe_error, execute
from rempart.errors import EngineError

from .cases import EXPECTED, jobs, summary


def test_outcome_ok_and_one_line_error() -> None:
    assert JobOutcome("a", value=1).ok
    assert not JobOutcome("a", error="ValueError: x").ok
    assert describe_error(ValueError("two\nlines  here")) == "ValueError: two lines here"
    assert describe_error(KeyError()) == "KeyError"


def test_execute_times_the_job_and_catches_its_failure() -> None:
    outcome = execute(Job("nap", nap, (1,), (("seconds", 0.05),)))
    assert outcome == JobOutcome("nap", value=1, seconds=outcome.seconds)
    assert outcome.seconds >= 0.04
    failed = execute(Job("bad", square, ("x",)))
    assert failed.key == "bad" and failed.value is None
    assert failed.error is not None and failed.error.startswith("TypeError: ")


def test_run_inline() -> None:
    assert summary(list(run_inline(jobs()))) == EXPECTED


def test_local_runner_same_outcomes_from_a_generator() -> None:
    with LocalRunner(workers=4) as runner:
        assert summary(list(runner.run(iter(jobs())))) == EXPECTED
        # A runner can serve several batches.
        assert summary(list(runner.run(jobs()))) == EXPECTED


def test_local_runner_runs_jobs_concurrently() -> None:
    with LocalRunner(workers=8) as runner:
        start = time.perf_counter()
        outcomes = list(runner.run(Job(str(i), nap, (i, 0.2)) for i in range(8)))
        assert time.perf_counter() - start < 1.0
    assert sorted(o.value for o in outcomes) == list(range(8))


def test_local_runner_feeds_lazily() -> None:
    workers = 4
    produced = consumed = ahead = 0

    def generate() -> Iterator[Job]:
        nonlocal produced, ahead
        for i in range(10_000):
            produced += 1
            ahead = max(ahead, produced - consumed)
            yield Job(str(i), square, (i,))

    with LocalRunner(workers=workers) as runner:
        for outcome in runner.run(generate()):
            assert outcome.ok
            consumed += 1
    assert consumed == 10_000
    assert 0 < ahead <= 4 * workers


def _interrupt_main() -> None:
    """Deliver a real SIGINT to the main thread, as Ctrl-C would."""
    main = threading.main_thread().ident
    assert main is not None
    signal.pthread_kill(main, signal.SIGINT)


@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="needs Python's default SIGINT handler",
)
def test_local_runner_keyboard_interrupt_cancels_pending_jobs() -> None:
    runner = LocalRunner(workers=2)
    batch = [Job("ctrl-c", _interrupt_main)] + [Job(str(i), nap, (i, 0.3)) for i in range(200)]
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        list(runner.run(batch))
    runner.close()  # waits for the (at most 2) running naps, not the 200 queued ones
    assert time.perf_counter() - start < 3.0


def test_local_runner_stopping_early_cancels_pending_jobs() -> None:
    with LocalRunner(workers=2) as runner:
        start = time.perf_counter()
        for _outcome in runner.run(Job(str(i), nap, (i, 0.2)) for i in range(100)):
            break
        # The runner is usable again at once: the abandoned batch was cancelled.
        assert [o.value for o in runner.run([Job("x", square, (3,))])] == [9]
        assert time.perf_counter() - start < 2.0


def test_closed_runner_refuses_to_run() -> None:
    runner = LocalRunner(workers=1)
    runner.close()
    runner.close()  # idempotent
    with pytest.raises(EngineError, match="closed"):
        list(runner.run(jobs()))


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError):
        LocalRunner(workers=0)


def test_make_runner_local() -> None:
    with make_runner(None, workers=3) as runner:
        assert isinstance(runner, LocalRunner)
        assert runner.name == "local (3 threads)"
        assert summary(list(runner.run(jobs()))) == EXPECTED
