"""Code run in spawned processes by the concurrency tests."""

from __future__ import annotations

import time
from typing import Any

from rempart.store import Store

from ._helpers import make_finding, outcome

SHARED_SCOPE = "shared.example.org"


def record_many(url: str, worker: int, count: int, barrier: Any) -> None:
    """Open the store at ``url`` and record ``count`` own scopes plus a shared one."""
    with Store.open(url) as store:
        barrier.wait(timeout=60)
        run = store.start_run("audit", {"worker": worker})
        for i in range(count):
            scope = f"w{worker}-{i}.example.org"
            found = (make_finding("dmarc", scope=scope), make_finding("spf", scope=scope))
            time.sleep(0.002)  # the checks of a scope take time: let the other one write
            store.record_scope(run, "audit", outcome(scope, *found))
            shared = make_finding("dnssec", scope=SHARED_SCOPE)
            store.record_scope(run, "audit", outcome(SHARED_SCOPE, shared))
        store.finish_run(run, "done")


def open_store(url: str, barrier: Any) -> None:
    """Open (and so migrate) the store at ``url`` as soon as every worker is ready."""
    barrier.wait(timeout=60)
    with Store.open(url) as store:
        store.start_run("audit", {})
