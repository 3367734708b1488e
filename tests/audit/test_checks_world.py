"""Each fixture domain yields exactly its annotated findings, against real servers."""

from __future__ import annotations

import pytest

from rempart.audit.checks import GROUPS
from rempart.audit.job import audit_domain
from rempart.audit.registry import CHECKS
from rempart.model import ScopeOutcome
from rempart.testing.world import AuditWorld
from tests.audit import world_zones

TARGETS = {t.domain: t for t in world_zones.targets()}


@pytest.fixture(scope="module")
def outcomes(world: AuditWorld) -> dict[str, ScopeOutcome]:
    config = world.config()
    return {d: audit_domain(t, config) for d, t in TARGETS.items()}


@pytest.mark.parametrize("domain", sorted(world_zones.EXPECTED))
def test_domain_yields_exactly_its_findings(domain: str, outcomes: dict[str, ScopeOutcome]) -> None:
    outcome = outcomes[domain]
    seen = {(f.check, f.target) for f in outcome.findings}
    assert seen == world_zones.EXPECTED[domain], outcome.errors
    expected_error = world_zones.ERRORS.get(domain)
    if expected_error is None:
        assert outcome.errors == ()
        assert outcome.complete
    else:
        assert any(e.startswith(expected_error) for e in outcome.errors), outcome.errors
        assert not outcome.complete


def test_every_registry_check_has_an_annotated_sample() -> None:
    from rempart.audit.site import exposure, headers, pii
    from tests.audit.test_sites import EXPECTED as SITES
    from tests.audit.test_sites import GONE

    worlds = [*world_zones.EXPECTED.values(), *SITES.values(), {GONE}]
    sampled = {check for found in worlds for check, _ in found}
    # these modules' own test files assert that each of their ids has annotated samples
    # (tests/site/test_exposure.py, test_headers.py, test_pii.py, test_tls_checks.py)
    own = {s.id for module in (exposure, headers, pii) for s in module.SPECS}
    own |= {"site.https.unavailable", "site.tls.cert_invalid", "site.tls.cert_expiring",
            "site.tls.weak_key", "site.tls.weak_signature"}  # fmt: skip
    assert set(CHECKS) - sampled - own == set()


def test_groups_emit_only_registry_ids() -> None:
    emitted = {check for group in GROUPS for check in group.emits}
    assert emitted <= set(CHECKS)
    domain_checks = {c for c in CHECKS if not c.startswith("site.")}
    assert domain_checks - emitted == {"dns.resolve.failed"}  # emitted by the preflight


def test_findings_carry_fix_and_reason(outcomes: dict[str, ScopeOutcome]) -> None:
    for outcome in outcomes.values():
        for finding in outcome.findings:
            assert finding.remediation and "?>" not in finding.remediation
            assert finding.why and finding.evidence
            assert "{" not in finding.remediation


def test_dmarc_fix_is_the_record_to_publish(outcomes: dict[str, ScopeOutcome]) -> None:
    [finding] = outcomes["pnone.test"].findings
    assert '_dmarc.pnone.test. TXT "v=DMARC1; p=reject; rua=mailto:d@pnone.test"' in (
        finding.remediation
    )


def test_spf_fix_keeps_mechanisms(outcomes: dict[str, ScopeOutcome]) -> None:
    [finding] = outcomes["spfsoft.test"].findings
    assert 'spfsoft.test. TXT "v=spf1 mx -all"' in finding.remediation


def test_no_ds_fix_gives_the_ds_record(outcomes: dict[str, ScopeOutcome]) -> None:
    [finding] = outcomes["nods.test"].findings
    assert "nods.test. DS " in finding.remediation and " 13 2 " in finding.remediation
