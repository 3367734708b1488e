"""Small builders shared by the store tests (also imported by spawned workers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from rempart.model.findings import Finding, ScopeOutcome, Severity, finding_id

if TYPE_CHECKING:  # spawned workers import this module: no store import at run time
    from rempart.store import Store

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
"""A fixed 'now' for the first run."""
HOUR = timedelta(hours=1)


def make_finding(
    check: str,
    target: str | None = None,
    *,
    scope: str = "example.org",
    analyzer: str = "audit",
    severity: Severity = Severity.HIGH,
    title: str | None = None,
) -> Finding:
    """A finding as an analyzer would produce it (no dates, status open)."""
    target = target or scope
    return Finding(
        id=finding_id(analyzer, check, scope, target),
        analyzer=analyzer,
        check=check,
        scope=scope,
        target=target,
        severity=severity,
        title=title or f"{check} problem",
        evidence=f"saw {check} on {target}",
        remediation=f"fix {check}",
        why="it matters",
        references=("RFC 7489",),
    )


def outcome(
    scope: str, *findings: Finding, errors: tuple[str, ...] = (), invalid: bool = False
) -> ScopeOutcome:
    """A scope outcome holding ``findings``."""
    return ScopeOutcome(scope=scope, findings=findings, errors=errors, invalid=invalid)


def migrate(store: Store, revision: str, *, down: bool = False) -> None:
    """Take ``store``'s schema up (or ``down``) to ``revision``, as Alembic does."""
    from alembic import command

    from rempart.store.migrate import alembic_config

    with store._engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
