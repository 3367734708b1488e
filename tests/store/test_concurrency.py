"""Two processes recording into the same store at the same time."""

from __future__ import annotations

import multiprocessing
from typing import Any

from rempart.model.findings import Status
from rempart.store import Store

from ._workers import SHARED_SCOPE, open_store, record_many

SCOPES_PER_WORKER = 50


def _run_all(target: Any, args: list[tuple[Any, ...]]) -> list[int | None]:
    """Run ``target`` in one spawned process per args tuple (plus a shared barrier)."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args))
    workers = [ctx.Process(target=target, args=(*a, barrier)) for a in args]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
    return [p.exitcode for p in workers]


def test_processes_opening_a_new_store_at_once_migrate_it_once(db_url: str) -> None:
    assert _run_all(open_store, [(db_url,)] * 4) == [0, 0, 0, 0]
    with Store.open(db_url) as store:
        assert store.start_run("audit", {}) == 5


def test_two_processes_record_concurrently(db_url: str) -> None:
    """Each records 50 scopes of its own and, each time, one scope they share."""
    args = [(db_url, w, SCOPES_PER_WORKER) for w in (1, 2)]
    assert _run_all(record_many, args) == [0, 0]
    with Store.open(db_url) as store:
        found = store.findings(analyzer="audit")
        own = {f.scope for f in found if f.scope != SHARED_SCOPE}
        assert len(own) == 2 * SCOPES_PER_WORKER
        assert len(found) == 2 * 2 * SCOPES_PER_WORKER + 1
        assert all(f.status is Status.OPEN for f in found)
        [shared] = store.findings(scope=SHARED_SCOPE)
        assert [h.reason for h in store.history(shared.id)] == ["first seen"]
