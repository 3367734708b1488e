"""One batch of jobs, and the outcomes every runner must produce for it."""

from __future__ import annotations

from typing import Any

from rempart.engine import Job, JobOutcome
from rempart.engine._selftest import nap, square, square_unless

BAD = 7


def jobs() -> list[Job]:
    """Thirty squares (one of which fails), a nap, and a job with kwargs."""
    batch = [Job(f"n{i}", square_unless, (i, BAD)) for i in range(30)]
    batch.append(Job("nap", nap, ("awake",), (("seconds", 0.05),)))
    batch.append(Job("kw", square, kwargs=(("x", 12),)))
    return batch


EXPECTED: dict[str, tuple[Any, str | None]] = {
    **{f"n{i}": (i * i, None) for i in range(30) if i != BAD},
    f"n{BAD}": (None, f"ValueError: refusing {BAD}"),
    "nap": ("awake", None),
    "kw": (144, None),
}


def summary(outcomes: list[JobOutcome]) -> dict[str, tuple[Any, str | None]]:
    """key → (value, error), checking that no key came back twice."""
    result = {o.key: (o.value, o.error) for o in outcomes}
    assert len(result) == len(outcomes), "a job came back twice"
    return result
