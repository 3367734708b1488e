"""A whole audit run: streaming into the store, history, resume, local vs Dask."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.audit.config import AuditTarget, Role
from rempart.audit.job import clear_caches
from rempart.audit.run import run_audit
from rempart.engine import DaskRunner, LocalRunner
from rempart.model import Status
from rempart.store import Store
from rempart.testing.https_server import Route
from rempart.testing.world import AuditWorld
from tests.audit import world_zones as wz

SOME = ["clean.test", "nodmarc.test", "spfsoft.test", "partial.test", "servfail.test",
        "timeout.test", "dangling.test", "webbad.test"]  # fmt: skip


def _targets(names: list[str]) -> list[AuditTarget]:
    by_name = {t.domain: t for t in wz.targets()}
    return [by_name[n] for n in names]


def _seen(findings: object) -> set[tuple[str, str, str]]:
    return {(f.scope, f.check, f.target) for f in findings}  # type: ignore[attr-defined]


def _expected(names: list[str]) -> set[tuple[str, str, str]]:
    return {(d, c, t) for d in names for c, t in wz.EXPECTED[d]}


def test_run_streams_into_store_and_resumes(world: AuditWorld, db_url: str) -> None:
    config = world.config()
    with Store.open(db_url) as store, LocalRunner(8) as runner:
        done: list[str] = []
        report = run_audit(_targets(SOME), config, store, runner,
                           progress=lambda n, total, o: done.append(o.scope))  # fmt: skip
        assert sorted(done) == sorted(SOME)
        assert _seen(report.findings) == _expected(SOME)
        assert {e.split(":")[0] for e in report.errors} == {
            "partial.test",
            "servfail.test",
            "timeout.test",
        }
        # A second run reuses complete fresh results and redoes only incomplete ones.
        again = run_audit(_targets(SOME), config, store, runner)
        assert set(again.reused) == {"clean.test", "nodmarc.test", "spfsoft.test",
                                     "dangling.test", "webbad.test"}  # fmt: skip
        assert {o.scope for o in again.outcomes} == {"partial.test", "servfail.test",
                                                     "timeout.test"}  # fmt: skip
        assert _seen(again.findings) == _expected(SOME)
        forced = run_audit(_targets(SOME), config, store, runner, fresh=True)
        assert forced.reused == () and len(forced.outcomes) == len(SOME)


def _one_domain_world(dmarc: str | None) -> AuditWorld:
    parts = wz.mail_parts("fixme.test")
    parts["dmarc"] = dmarc
    head = "fixme.test. SOA ns1.fixme.test. h.fixme.test. 1 7200 3600 1209600 3600"
    zone = "$TTL 300\n" + "\n".join([head, *(p for p in parts.values() if p)]) + "\n"
    zones = {"fixme.test.": zone, "mailhost.test.": wz.SUPPORT["mailhost.test"],
             "test.": "test. SOA ns.test. h.test. 1 7200 3600 1209600 3600\n"
                      "fixme.test. NS ns1.fixme.test.\n"}  # fmt: skip
    routes = {
        ("mta-sts.fixme.test", "/.well-known/mta-sts.txt"): Route(body=wz.STS_POLICY.encode())
    }
    return AuditWorld(zones, wz.MAIL_HOSTS[:1], routes)


def test_fixed_when_gone_and_reopened_when_back(db_url: str) -> None:
    target = [AuditTarget("fixme.test", Role.MAIL)]
    checks = lambda report: {f.check for f in report.findings}  # noqa: E731
    with Store.open(db_url) as store, LocalRunner(4) as runner:
        for dmarc, expect_open in ((None, True), ('_dmarc.fixme.test. TXT "v=DMARC1; p=reject; '
                                   'rua=mailto:d@fixme.test"', False), (None, True)):  # fmt: skip
            clear_caches()
            with _one_domain_world(dmarc) as w:
                report = run_audit(target, w.config(), store, runner, fresh=True)
            assert ("mail.dmarc.missing" in checks(report)) is expect_open
        [finding] = [f for f in store.findings(scope="fixme.test")
                     if f.check == "mail.dmarc.missing"]  # fmt: skip
        assert finding.status == Status.OPEN
        statuses = [h.new_status for h in store.history(finding.id)]
        assert statuses == [Status.OPEN, Status.FIXED, Status.OPEN]
        kinds = [e.kind for e in store.events() if e.summary.startswith("No DMARC policy")]
        assert kinds == ["finding.new", "finding.fixed", "finding.reopened"]


@pytest.fixture(scope="module")
def dask_runner() -> Iterator[DaskRunner]:
    with DaskRunner("local", n_workers=2, threads_per_worker=4) as runner:
        yield runner


def test_local_and_dask_give_the_same_results(
    world: AuditWorld, dask_runner: DaskRunner, tmp_path: object
) -> None:
    names = sorted(wz.EXPECTED)
    results = []
    for i, runner in enumerate((LocalRunner(8), dask_runner)):
        with Store.open(f"{tmp_path}/s{i}.db") as store:
            report = run_audit(_targets(names), world.config(), store, runner)
            results.append((_seen(report.findings), sorted(report.errors)))
    assert results[0] == results[1]
    assert results[0][0] == _expected(names)


def test_interrupted_run_resumes_where_it_stopped(world: AuditWorld, tmp_path: object) -> None:
    names = ["clean.test", "nodmarc.test", "spfsoft.test", "dangling.test", "webbad.test",
             "pnone.test", "nocaa.test", "wild.test"]  # fmt: skip
    seen: list[str] = []

    def stop_after_three(done: int, total: int, outcome: object) -> None:
        seen.append(outcome.scope)  # type: ignore[attr-defined]
        if done == 3:
            raise KeyboardInterrupt

    with Store.open(f"{tmp_path}/s.db") as store, LocalRunner(2) as runner:
        with pytest.raises(KeyboardInterrupt):
            run_audit(_targets(names), world.config(), store, runner, progress=stop_after_three)
        resumed = run_audit(_targets(names), world.config(), store, runner)
    assert set(resumed.reused) == set(seen[:3])
    assert {o.scope for o in resumed.outcomes} == set(names) - set(seen[:3])
    assert _seen(resumed.findings) == _expected(names)
