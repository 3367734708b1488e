"""Recording scopes: new, seen again, fixed, reopened, accepted; history; filters."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest

from rempart.errors import StoreError
from rempart.model.findings import Severity, Status
from rempart.store import Store

from ._helpers import HOUR, T0, make_finding, outcome

DMARC = make_finding("mail.dmarc.missing")
SPF = make_finding("mail.spf.softfail", severity=Severity.MEDIUM)
LOW = make_finding("web.hsts.short", "www.example.org", severity=Severity.LOW)


def _by_id(store: Store, **filters: object) -> dict[str, Status]:
    return {f.id: f.status for f in store.findings(**filters)}  # type: ignore[arg-type]


def test_new_findings_get_first_and_last_seen(store: Store) -> None:
    run = store.start_run("audit", {})
    change = store.record_scope(run, "audit", outcome("example.org", DMARC, SPF), now=T0)
    assert [f.id for f in change.new] == [DMARC.id, SPF.id]
    assert change.reopened == change.still_open == change.fixed == ()
    stored = store.findings()
    assert [f.id for f in stored] == [DMARC.id, SPF.id]  # high before medium
    for f in stored:
        assert (f.first_seen, f.last_seen, f.status) == (T0, T0, Status.OPEN)
        assert f.references == ("RFC 7489",)
    assert [(h.old_status, h.new_status, h.reason) for h in store.history(DMARC.id)] == [
        (None, Status.OPEN, "first seen")
    ]


def test_rerun_updates_last_seen_and_content_keeps_first_seen(store: Store) -> None:
    store.record_scope(store.start_run("audit", {}), "audit", outcome("example.org", DMARC), T0)
    worse = make_finding("mail.dmarc.missing", severity=Severity.CRITICAL, title="No DMARC")
    change = store.record_scope(
        store.start_run("audit", {}), "audit", outcome("example.org", worse), T0 + HOUR
    )
    assert [f.id for f in change.still_open] == [DMARC.id]
    assert change.still_open[0].first_seen == T0
    [f] = store.findings()
    assert (f.first_seen, f.last_seen) == (T0, T0 + HOUR)
    assert (f.severity, f.title) == (Severity.CRITICAL, "No DMARC")
    assert len(store.history(DMARC.id)) == 1  # no status change, no new entry


def test_disappeared_finding_becomes_fixed_with_history(store: Store) -> None:
    first = store.start_run("audit", {})
    store.record_scope(first, "audit", outcome("example.org", DMARC, SPF), T0)
    second = store.start_run("audit", {})
    change = store.record_scope(second, "audit", outcome("example.org", SPF), T0 + HOUR)
    assert [f.id for f in change.fixed] == [DMARC.id]
    assert change.fixed[0].status is Status.FIXED
    assert _by_id(store) == {DMARC.id: Status.FIXED, SPF.id: Status.OPEN}
    last = store.history(DMARC.id)[-1]
    assert (last.old_status, last.new_status, last.run_id, last.by, last.at) == (
        Status.OPEN,
        Status.FIXED,
        second,
        "audit",
        T0 + HOUR,
    )
    [fixed] = store.findings(status=Status.FIXED)
    assert fixed.last_seen == T0  # last seen stays the last time it was there


def test_empty_complete_outcome_fixes_everything_of_that_scope_only(store: Store) -> None:
    other = make_finding("mail.dmarc.missing", scope="other.org")
    mail = make_finding("mail.dmarc.missing", analyzer="mail")
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", DMARC), T0)
    store.record_scope(run, "audit", outcome("other.org", other), T0)
    store.record_scope(store.start_run("mail", {}), "mail", outcome("example.org", mail), T0)
    change = store.record_scope(run, "audit", outcome("example.org"), T0 + HOUR)
    assert [f.id for f in change.fixed] == [DMARC.id]
    assert _by_id(store) == {DMARC.id: Status.FIXED, other.id: Status.OPEN, mail.id: Status.OPEN}


@pytest.mark.parametrize(
    "incomplete",
    [{"errors": ("dnssec: DNS timeout",)}, {"invalid": True}],
    ids=["errors", "invalid"],
)
def test_incomplete_outcome_fixes_nothing(store: Store, incomplete: dict[str, object]) -> None:
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", DMARC, SPF), T0)
    partial = outcome("example.org", SPF, **incomplete)  # type: ignore[arg-type]
    change = store.record_scope(run, "audit", partial, T0 + HOUR)
    assert change.fixed == ()
    assert _by_id(store) == {DMARC.id: Status.OPEN, SPF.id: Status.OPEN}
    assert len(store.history(DMARC.id)) == 1


def test_fixed_then_seen_again_is_reopened(store: Store) -> None:
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", DMARC), T0)
    store.record_scope(run, "audit", outcome("example.org"), T0 + HOUR)
    change = store.record_scope(run, "audit", outcome("example.org", DMARC), T0 + 2 * HOUR)
    assert [f.id for f in change.reopened] == [DMARC.id]
    assert change.new == ()
    [f] = store.findings()
    assert (f.status, f.first_seen, f.last_seen) == (Status.OPEN, T0, T0 + 2 * HOUR)
    steps = [(h.old_status, h.new_status) for h in store.history(DMARC.id)]
    assert steps == [
        (None, Status.OPEN),
        (Status.OPEN, Status.FIXED),
        (Status.FIXED, Status.OPEN),
    ]


def test_accepted_stays_accepted_across_runs(store: Store) -> None:
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", DMARC), T0)
    store.set_status(DMARC.id, Status.ACCEPTED, by="alice", reason="legacy domain", now=T0)
    change = store.record_scope(run, "audit", outcome("example.org", DMARC), T0 + HOUR)
    assert change == type(change)()  # accepted: in none of the four groups
    [f] = store.findings()
    assert (f.status, f.last_seen) == (Status.ACCEPTED, T0 + HOUR)
    store.record_scope(run, "audit", outcome("example.org"), T0 + 2 * HOUR)  # gone, complete
    assert _by_id(store) == {DMARC.id: Status.ACCEPTED}


def test_set_status_records_who_and_why(store: Store) -> None:
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", DMARC), T0)
    accepted = store.set_status(
        DMARC.id, Status.ACCEPTED, by="alice", reason="risk accepted", now=T0 + HOUR
    )
    assert accepted.status is Status.ACCEPTED
    assert accepted.first_seen == T0
    store.set_status(DMARC.id, Status.OPEN, by="bob", reason="policy changed", now=T0 + 2 * HOUR)
    entries = store.history(DMARC.id)
    assert [(e.by, e.reason, e.run_id) for e in entries[1:]] == [
        ("alice", "risk accepted", None),
        ("bob", "policy changed", None),
    ]
    assert [e.at for e in entries] == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert entries[1].old_status is Status.OPEN
    assert entries[2].new_status is Status.OPEN


def test_set_status_unknown_id_is_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no finding with id 'nope'"):
        store.set_status("nope", Status.ACCEPTED, by="alice", reason="?")
    assert store.history("nope") == []


def test_findings_filters_and_order(store: Store) -> None:
    other = make_finding("mail.dmarc.missing", scope="Other.org", severity=Severity.CRITICAL)
    mail = make_finding("mail.x", analyzer="mail", severity=Severity.INFO)
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", DMARC, SPF, LOW), T0)
    store.record_scope(run, "audit", outcome("Other.org", other), T0)
    store.record_scope(run, "mail", outcome("example.org", mail), T0)
    assert [f.id for f in store.findings()] == [other.id, DMARC.id, SPF.id, LOW.id, mail.id]
    assert [f.id for f in store.findings(min_severity=Severity.MEDIUM)] == [
        other.id,
        DMARC.id,
        SPF.id,
    ]
    assert [f.id for f in store.findings(analyzer="mail")] == [mail.id]
    assert [f.id for f in store.findings(scope="OTHER.ORG")] == [other.id]
    assert store.findings(scopes=["other.org", "example.org"], analyzer="audit")[-1].id == LOW.id
    assert store.findings(scopes=[]) == []
    store.set_status(LOW.id, Status.ACCEPTED, by="a", reason="r")
    assert [f.id for f in store.findings(status=Status.ACCEPTED)] == [LOW.id]
    assert store.findings(scope="other.org")[0].scope == "Other.org"


def test_datetimes_round_trip_timezone_aware_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    local = T0.astimezone(paris)
    store.record_scope(store.start_run("audit", {}), "audit", outcome("example.org", DMARC), local)
    [f] = store.findings()
    assert f.first_seen is not None
    assert f.first_seen.tzinfo is UTC
    assert f.first_seen == T0
    assert f.first_seen.hour == T0.hour
    [entry] = store.history(DMARC.id)
    assert entry.at.tzinfo is UTC


def test_naive_datetime_is_refused(store: Store) -> None:
    run = store.start_run("audit", {})
    with pytest.raises(ValueError, match="naive"):
        store.record_scope(run, "audit", outcome("example.org", DMARC), T0.replace(tzinfo=None))


def test_finding_of_another_scope_is_refused(store: Store) -> None:
    run = store.start_run("audit", {})
    with pytest.raises(ValueError, match="does not belong"):
        store.record_scope(run, "audit", outcome("other.org", DMARC), T0)
    with pytest.raises(ValueError, match="does not belong"):
        store.record_scope(run, "mail", outcome("example.org", DMARC), T0)


def test_scope_matches_case_insensitively(store: Store) -> None:
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", DMARC), T0)
    upper = make_finding("mail.dmarc.missing", scope="EXAMPLE.org")
    assert upper.id == DMARC.id
    change = store.record_scope(run, "audit", outcome("EXAMPLE.org", upper), T0 + HOUR)
    assert [f.id for f in change.still_open] == [DMARC.id]
    assert store.fresh_scopes("audit", ["Example.ORG"], timedelta(days=1), T0 + HOUR) == {
        "Example.ORG"
    }


def test_fresh_scopes(store: Store) -> None:
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("a.org"), T0)
    store.record_scope(run, "audit", outcome("b.org"), T0 + 2 * HOUR)
    store.record_scope(run, "audit", outcome("c.org", errors=("spf: timeout",)), T0 + 2 * HOUR)
    store.finish_run(run, "interrupted")
    scopes = ["a.org", "b.org", "c.org", "d.org"]
    now = T0 + 3 * HOUR
    assert store.fresh_scopes("audit", scopes, timedelta(hours=4), now) == {"a.org", "b.org"}
    assert store.fresh_scopes("audit", scopes, timedelta(hours=2), now) == {"b.org"}
    assert store.fresh_scopes("mail", scopes, timedelta(hours=4), now) == set()
    assert store.fresh_scopes("audit", [], timedelta(hours=4), now) == set()
    # a later incomplete record makes a scope stale again
    store.record_scope(run, "audit", outcome("b.org", invalid=True), now)
    assert store.fresh_scopes("audit", scopes, timedelta(hours=4), now) == {"a.org"}


def test_runs(store: Store) -> None:
    run = store.start_run("audit", {"campaign": "c.toml", "max_age": timedelta(hours=1)})
    store.finish_run(run, "done")
    with pytest.raises(StoreError, match="no run with id 424242"):
        store.finish_run(424242, "done")
    with pytest.raises(ValueError, match="run status"):
        store.finish_run(run, "exploded")
