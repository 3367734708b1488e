"""``rempart demo`` keeps working, on the bundled campaign, offline.

The demo runs once end to end (without serving the dashboard) and every step's output
is checked: the audit's findings, which bundled mail got which verdict, which
generated attackers the log step flagged and blocked, the charts, the briefing, and
the events of each family in the store.
"""

from __future__ import annotations

import email
import io
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime
from email.policy import default
from importlib.util import find_spec
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from rempart.demo import campaign_path, run_demo
from rempart.demo.steps import mailbox_dir
from rempart.model.findings import Event
from rempart.store import Store

from .make_mailbox import SOURCES, build_mailbox

ROOT = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")

LURES = {"podesta_lure.eml", "treasurer_wire_fr.eml", "credential_html_attachment.eml",
         "qr_invoice.eml", "journalist_docm_autoopen.eml", "spoofed_own_domain.eml"}  # fmt: skip
LEGITIMATE = {"newsletter.eml", "donation_receipt.eml", "press_request_gmail.eml",
              "calendar_invitation.eml", "google_security_alert.eml"}  # fmt: skip
BENIGN_LABELS = ("search_crawlers", "monitoring", "campaign_office", "mobile_carrier_nat",
                 "newsletter_surge")  # fmt: skip


@dataclass(frozen=True)
class Run:
    code: int
    text: str
    """Standard output, on one line."""
    progress: str
    folder: Path
    events: list[Event]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("demo")
    buffer, bar = io.StringIO(), io.StringIO()
    code = run_demo(keep=folder, console=Console(file=buffer, width=200),
                    progress=Console(file=bar, width=120))  # fmt: skip
    with Store.open(str(folder / "demo.db")) as store:
        events = store.events()
    return Run(code, " ".join(buffer.getvalue().split()), bar.getvalue(), folder, events)


def test_bundled_campaign_is_the_documented_example() -> None:
    assert campaign_path().read_text() == (ROOT / "examples" / "campaign.toml").read_text()


def test_bundled_mailbox_is_the_samples_moved_to_the_demo_campaign() -> None:
    bundled = {p.name: p.read_bytes() for p in mailbox_dir().glob("*.eml")}
    assert bundled == build_mailbox()
    assert set(bundled) == LURES | LEGITIMATE == {f"{name}.eml" for name in SOURCES}
    for data in bundled.values():  # nothing of the tests' campaign is left
        assert b"parti-exemple.fr" not in data and b"campaign-party.org" not in data


def test_demo_audits_fixes_and_keeps_history(demo: Run) -> None:
    assert demo.code == 0, demo.text
    assert "dons.mouvement-exemple.example → mouvement-exemple-dons.cloudapp.example" in demo.text
    assert "fixed: DMARC policy is p=none: forged mail is delivered" in demo.text
    with Store.open(str(demo.folder / "demo.db")) as store:
        scopes = {f.scope for f in store.findings()}
        by_check = {(f.scope, f.check) for f in store.findings()}
    assert "mouvement-exemple.test" not in scopes  # the clean, signed newsletter domain
    assert ("mouvement-exemple.example", "mail.starttls.missing") in by_check
    assert ("mouvernent-exemple.example", "mail.nonsending.receives") in by_check
    assert ("exemple2027.example", "mail.nonsending.spf") in by_check
    # the websites: the 2016 case (a members export readable without login), the dangling
    # donation site, the candidate site answering plain HTTP
    main = "https://mouvement-exemple.example/"
    assert (main, "site.backoffice.open") in by_check and (main, "site.pii.exposed") in by_check
    assert ("https://dons.mouvement-exemple.example/", "site.dns.missing") in by_check
    assert ("https://exemple2027.example/", "site.https.no_redirect") in by_check


def _subject(name: str) -> str:
    message = email.message_from_bytes((mailbox_dir() / name).read_bytes(), policy=default)
    return " ".join(str(message["Subject"]).split())


def test_demo_mail_verdicts_per_file(demo: Run) -> None:
    # every lure is a stored phishing event; legitimate mail makes no event at all
    mail = [e for e in demo.events if e.source == "mail"]
    assert {e.kind for e in mail} == {"mail.phishing"}
    quoted = {name: f"\u201c{_subject(name)[:120]}\u201d" for name in LURES | LEGITIMATE}
    flagged = {name for name, q in quoted.items() if any(q in e.summary for e in mail)}
    assert flagged == LURES
    assert len(mail) == len(LURES)
    # they land in the days before the first round
    assert all("2027-04-12" <= f"{e.time:%Y-%m-%d}" <= "2027-04-20" for e in mail)
    for name in LURES:
        assert f"{name} phishing" in demo.text.replace(" │", "")
    for name in LEGITIMATE:
        assert f"{name} clean" in demo.text.replace(" │", "")


def _networks(lines: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(line.split()[1].rstrip(";")) for line in lines
            if line.startswith("deny ")]  # fmt: skip


def _inside(ip: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    address = ipaddress.ip_address(ip)
    return any(address in net for net in networks)


def test_demo_log_step_flags_and_blocks_the_generated_attackers(demo: Run) -> None:
    labels = {lb["name"]: lb for lb in
              json.loads((demo.folder / "access-labels.json").read_text())["labels"]}  # fmt: skip
    blocked = _networks((demo.folder / "blocklist.conf").read_text().splitlines())
    logs = [e for e in demo.events if e.source == "logs"]
    # the WordPress brute force: flagged by its detector, blocked as one address
    (wp_ip,) = labels["wordpress_bruteforce"]["ips"]
    assert any(e.kind == "logs.bruteforce.wordpress" and wp_ip in e.indicators for e in logs)
    assert ipaddress.ip_network(f"{wp_ip}/32") in blocked
    # the distributed flood: found, and every one of its 400 addresses blocked
    flood = labels["distributed_flood"]["ips"]
    assert any(e.kind == "logs.flood.distributed" for e in logs)
    assert len(flood) == 400 and all(_inside(ip, blocked) for ip in flood)
    # every injected attack is named by one of the detectors expected to flag it
    for name, label in labels.items():
        if label["kind"] in ("benign", "noise"):
            continue
        kinds = {f"logs.{d}" for d in label["expected"]}
        named = [e for e in logs if e.kind in kinds and any(
            _inside(ip, [ipaddress.ip_network(s, strict=False) for s in e.indicators])
            for ip in label["ips"])]  # fmt: skip
        assert named, name
    # the party's office, its monitoring, crawlers and a newsletter's readers stay allowed
    for name in BENIGN_LABELS:
        assert not any(_inside(ip, blocked) for ip in labels[name]["ips"]), name
    assert "60,000 lines read" in demo.text


def test_demo_events_of_each_family_and_charts(demo: Run) -> None:
    families = {e.kind.partition(".")[0] for e in demo.events}
    assert {"finding", "mail", "logs"} <= families
    assert any(e.kind == "finding.fixed" for e in demo.events)
    html = (demo.folder / "timeline.html").read_text(encoding="utf-8")
    assert "Mouvement Exemple" in html and "First round" in html
    assert "Facture impay" in html  # a lure on the chart's event list
    assert (demo.folder / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "2017" in (demo.folder / "fr-2017.html").read_text(encoding="utf-8")
    # the risk windows of the 14 days from the demo's now, in the story
    assert "Pre-election silence: no public answer possible — from 'Electoral silence " \
           "before the first round'" in demo.text  # fmt: skip
    assert "Second round" not in demo.text.partition("Risk windows")[2].partition("Summary")[0]
    assert "done" in demo.progress


def test_demo_story_is_dated_in_the_campaign(demo: Run) -> None:
    """The audit's events are dated by the story (a week before the demo's now, then the
    fix), so every stored event is on the campaign's chart."""
    from rempart.demo import AUDIT_GAP, AUDIT_LAST
    from rempart.demo.steps import DEMO_NOW

    found = {e.kind: e.time for e in demo.events if e.source == "audit"}
    assert found["finding.new"] == DEMO_NOW - AUDIT_GAP
    assert found["finding.fixed"] == DEMO_NOW - AUDIT_LAST
    start, end = datetime(2027, 1, 1, tzinfo=PARIS), datetime(2027, 5, 10, tzinfo=PARIS)
    assert all(start <= e.time < end for e in demo.events)
    assert "stored outside its period" not in demo.text
    assert f"{len(demo.events)} events on the campaign's chart." in demo.text


def test_demo_dashboard_tells_the_story_at_the_demo_now(demo: Run) -> None:
    """The served dashboard's clock is the demo's now: the week's mail and incidents and
    the next risk window are the story's, not those of the day the demo runs."""
    from fastapi.testclient import TestClient

    from rempart.demo.steps import DEMO_NOW, load_dashboard
    from rempart.model.campaign import load_campaign

    dashboard = load_dashboard(str(demo.folder / "demo.db"), load_campaign(campaign_path()))
    assert dashboard.app is not None, dashboard.missing or dashboard.problem
    client = TestClient(dashboard.app, base_url="http://127.0.0.1:8765")
    data = client.get("/api/overview").json()
    assert data["now"] == DEMO_NOW.isoformat()
    assert data["mail_week"]["mail.phishing"] == len(LURES)
    risk = data["next_risk"]
    assert (risk["moment"], risk["start_local"]) == (
        "Electoral silence before the first round",
        "2027-04-22 00:00 CEST",
    )
    assert "as of 2027-04-20 12:00 CEST" in client.get("/").text


def test_demo_briefing(demo: Run) -> None:
    if find_spec("rempart.report") is None:
        assert "the briefing is not available in this version" in demo.text
        pytest.skip("rempart.report is not in this tree: the demo said it skipped it")
    html = (demo.folder / "briefing.html").read_text(encoding="utf-8")
    assert (demo.folder / "briefing.pdf").read_bytes()[:5] == b"%PDF-"
    # the members export readable without login and the dangling donation site come first
    assert "https://mouvement-exemple.example/export/adherents" in html
    assert "dons.mouvement-exemple.example" in html
    assert "Mouvement Exemple" in html


def test_demo_summary_lists_every_step_and_file(demo: Run) -> None:
    summary = demo.text.partition("Summary")[2]
    for step in ("Audit", "Mail", "Web log", "Timeline", "Briefing", "Dashboard"):
        assert f"│ {step} " in summary, step
    assert "11 messages: 5 clean, 6 phishing" in summary
    assert "not served (--no-serve)" in summary
    for name in ("access.log", "blocklist.conf", "timeline.html", "timeline.png", "fr-2017.html"):
        assert str(demo.folder / name) in summary


def test_demo_run_again_in_its_folder_tells_the_same_story(demo: Run) -> None:
    """A second run in the same folder starts from a fresh store: the same events (the
    first audit does not reopen what the second fixed), and it says so."""
    buffer = io.StringIO()
    code = run_demo(keep=demo.folder, console=Console(file=buffer, width=200),
                    progress=Console(file=io.StringIO(), width=120))  # fmt: skip
    text = " ".join(buffer.getvalue().split())
    assert code == 0, text
    assert "Earlier demo store removed:" in text
    with Store.open(str(demo.folder / "demo.db")) as store:
        again = store.events()
    assert sorted(e.id for e in again) == sorted(e.id for e in demo.events)
    assert not any(e.kind == "finding.reopened" for e in again)
