"""Triage many messages, in order, on several processes when asked.

Parsing and matching are CPU-bound Python, so parallelism means processes
(threads would share one core). Messages go to the workers in small chunks with
a bounded number in flight, so a multi-gigabyte mbox never sits in memory.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from itertools import islice

from rempart.mail.context import MailContext
from rempart.mail.model import Triage
from rempart.mail.scoring import Model, load_model
from rempart.mail.sources import RawMessage
from rempart.mail.triage import triage_raw

CHUNK = 16
"""Messages per task sent to a worker."""

_worker_ctx: MailContext | None = None
_worker_model: Model | None = None


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def triage_many(
    messages: Iterable[RawMessage],
    ctx: MailContext,
    workers: int = 1,
    model: Model | None = None,
) -> Iterator[Triage]:
    """Each message's verdict, in input order. ``workers > 1`` uses that many processes
    (live DNS checks, which need ``ctx.dns``, then run in one process)."""
    model = model or load_model()
    if workers <= 1 or ctx.dns is not None:
        for message in messages:
            yield triage_raw(message, ctx, model)
        return
    yield from _parallel(iter(messages), ctx, model, workers)


def _parallel(
    messages: Iterator[RawMessage], ctx: MailContext, model: Model, workers: int
) -> Iterator[Triage]:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init,
        initargs=(replace(ctx, dns=None), model),
    )
    pending: deque[Future[list[Triage]]] = deque()
    try:
        while True:
            while len(pending) < workers * 4:
                chunk = list(islice(messages, CHUNK))
                if not chunk:
                    break
                pending.append(pool.submit(_run_chunk, chunk))
            if not pending:
                return
            yield from pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _init(ctx: MailContext, model: Model) -> None:
    global _worker_ctx, _worker_model
    _worker_ctx, _worker_model = ctx, model


def _run_chunk(chunk: list[RawMessage]) -> list[Triage]:
    assert _worker_ctx is not None
    return [triage_raw(m, _worker_ctx, _worker_model) for m in chunk]
