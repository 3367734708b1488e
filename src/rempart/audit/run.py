"""An audit run: plan one job per domain, stream outcomes into the store.

Domains audited completely within ``max_age`` are not redone (an interrupted
run resumes where it stopped) unless ``fresh`` is set. Whatever happens, the
store ends with the run marked done or interrupted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rempart.audit.config import AuditConfig, SiteTarget
from rempart.audit.job import audit_domain
from rempart.audit.registry import ANALYZER
from rempart.audit.targets import Target
from rempart.engine import Job, JobOutcome, Runner
from rempart.model import Finding, ScopeOutcome
from rempart.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int, ScopeOutcome], None]
"""Called after each domain: (done, total, its outcome)."""
Clock = Callable[[], datetime]
"""What time it is (timezone-aware): when outcomes are recorded, and what "recent" means."""


@dataclass(frozen=True)
class AuditReport:
    """What a run did and what stands now."""

    run_id: int
    """The store's id of this run."""
    outcomes: tuple[ScopeOutcome, ...]
    """Domains audited in this run, in completion order."""
    reused: tuple[str, ...]
    """Domains skipped because a complete recent result was in the store."""
    findings: tuple[Finding, ...]
    """Open and accepted findings of every requested domain, from the store."""

    @property
    def errors(self) -> tuple[str, ...]:
        """One line per check that could not run: ``domain: check: reason``."""
        return tuple(f"{o.scope}: {e}" for o in self.outcomes for e in o.errors)


def plan(targets: Sequence[Target], config: AuditConfig) -> list[Job]:
    """One job per domain or website."""
    return [Job(t.scope, _job_for(t), (t, config)) for t in targets]


def _job_for(target: Target) -> Callable[..., ScopeOutcome]:
    if isinstance(target, SiteTarget):
        from rempart.audit.site.job import audit_site

        return audit_site
    return audit_domain


def run_audit(
    targets: Sequence[Target],
    config: AuditConfig,
    store: Store,
    runner: Runner,
    *,
    fresh: bool = False,
    max_age: timedelta = timedelta(hours=12),
    progress: Progress | None = None,
    clock: Clock | None = None,
) -> AuditReport:
    """Audit ``targets``, recording each outcome in ``store`` as it arrives.

    ``clock`` (default: the real time) dates the findings and their events: the demo
    tells its campaign's story at the campaign's dates with it.
    """

    def now() -> datetime | None:
        return clock() if clock is not None else None

    domains = [t.scope for t in targets]
    reused = set() if fresh else store.fresh_scopes(ANALYZER, domains, max_age, now=now())
    todo = [t for t in targets if t.scope not in reused]
    run_id = store.start_run(ANALYZER, {"targets": len(domains), "redo": len(todo)})
    outcomes: list[ScopeOutcome] = []
    try:
        for outcome in _stream(runner, plan(todo, config)):
            store.record_scope(run_id, ANALYZER, outcome, now=now())
            outcomes.append(outcome)
            if progress is not None:
                progress(len(outcomes), len(todo), outcome)
    except BaseException:
        store.finish_run(run_id, "interrupted")
        raise
    store.finish_run(run_id, "done")
    current = store.findings(analyzer=ANALYZER, scopes=domains)
    kept = tuple(f for f in current if f.status.value != "fixed")
    ordered = tuple(d for d in domains if d in reused)
    return AuditReport(run_id, tuple(outcomes), ordered, kept)


def _stream(runner: Runner, jobs: list[Job]) -> Iterator[ScopeOutcome]:
    for job_outcome in runner.run(jobs):
        yield _to_outcome(job_outcome)


def _to_outcome(result: JobOutcome) -> ScopeOutcome:
    if result.ok and isinstance(result.value, ScopeOutcome):
        return result.value
    reason = result.error or f"unexpected result {type(result.value).__name__}"
    return ScopeOutcome(result.key, errors=(f"job failed: {reason}",))
