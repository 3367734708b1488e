"""The leadership briefing: content, languages, escaping, self-containment, two A4 pages."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import typer
from typer.testing import CliRunner

from rempart.audit.registry import CHECKS
from rempart.cli.report_cmd import report
from rempart.errors import InputError
from rempart.model.campaign import Campaign, load_campaign
from rempart.model.findings import (
    Event,
    Finding,
    ScopeOutcome,
    Severity,
    Status,
    event_id,
    finding_id,
)
from rempart.report import build, read_inputs, render, texts, write_briefing
from rempart.store import Store
from rempart.timeline.risk import RULES

NOW = datetime(2027, 4, 20, 10, 0, tzinfo=UTC)
"""The briefing's 'now': Tuesday 20 April 2027, 12:00 in Paris."""
DAY = timedelta(days=1)

CAMPAIGN = """
[organisation]
name = "Parti Exemple"
country = "FR"

[[calendar]]
name = "Electoral silence"
kind = "silence"
start = 2027-04-24T00:00:00
end = 2027-04-25T20:00:00
zone = "Europe/Paris"

[[calendar]]
name = "First round"
kind = "round"
start = 2027-04-25T08:00:00
end = 2027-04-25T20:00:00
zone = "Europe/Paris"

[[calendar]]
name = "TV debate"
kind = "debate"
start = 2027-05-05T21:00:00+02:00
end = 2027-05-05T23:30:00+02:00

[[calendar]]
name = "Second round, beyond the 30 days"
kind = "round"
start = 2027-06-20T08:00:00
end = 2027-06-20T20:00:00
zone = "Europe/Paris"

[timeline]
zone = "Europe/Paris"
"""

EXPECTED_FIXES = [
    ("mail.spf.plus_all", "mail", ("a.example", "b.example")),
    ("site.exposed.env", "web", ("https://a.example/.env",)),
    ("dns.ns.unresolvable", "registrar", ("ns1.gone.example", "ns2.gone.example",
                                          "ns3.gone.example")),
    ("mail.dmarc.p_none", "mail", ("a.example", "b.example")),
    ("mail.lure.credentials", "staff", ("staff of parti-exemple.example",)),
]  # fmt: skip
"""Critical before high; among equals, most assets first."""

EXPECTED_ATTACKS = [
    ("mail.phishing", 3, ("10 Apr", "17 Apr")),
    ("mail.suspicious", 1, ("15 Apr",)),
    ("logs.flood", 2, ("16 Apr",)),
    ("logs.bruteforce", 1, ("14 Apr",)),
    ("logs.probe", 1, ("19 Apr",)),
    ("finding.new", 11, ("18 Apr",)),
]
"""Spam, an event 40 days old and one after 'now' are not counted."""

EXPECTED_RISKS = [
    "risk.silence_eve",
    "risk.round_eve",
    "risk.silence",
    "risk.results_night",
    "risk.debate",
]

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"


def _finding(
    check: str, scope: str, target: str, severity: Severity, *, analyzer: str = "audit",
    title: str | None = None, remediation: str | None = None,
) -> Finding:  # fmt: skip
    return Finding(
        id=finding_id(analyzer, check, scope, target),
        analyzer=analyzer,
        check=check,
        scope=scope,
        target=target,
        severity=severity,
        title=title or f"Problem {check}",
        evidence=f"seen on {target}",
        remediation=remediation or f"Fix {check} on {target}. Details follow here.",
    )


def _event(kind: str, at: datetime, summary: str, severity: Severity) -> Event:
    return Event(
        id=event_id("test", kind, at, summary),
        time=at,
        kind=kind,
        source=kind.split(".")[0],
        summary=summary,
        severity=severity,
    )


def _record(store: Store, analyzer: str, scope: str, *findings: Finding) -> None:
    run = store.start_run(analyzer, {})
    store.record_scope(run, analyzer, ScopeOutcome(scope, findings), now=NOW - 2 * DAY)
    store.finish_run(run, "done")


def _seed(store: Store) -> None:
    crit, high, med = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM
    spf = "Replace +all by -all in the SPF record. Anyone can send mail as you until then."
    _record(store, "audit", "a.example",
            _finding("mail.spf.plus_all", "a.example", "a.example", crit, remediation=spf),
            _finding("site.exposed.env", "a.example", "https://a.example/.env", crit),
            _finding("mail.dmarc.p_none", "a.example", "a.example", high),
            _finding("site.headers.csp_missing", "a.example", "a.example", med),
            _finding("site.backoffice.open", "a.example", "https://a.example/admin", crit),
            *(_finding("dns.ns.unresolvable", "a.example", f"ns{i}.gone.example", high)
              for i in (1, 2, 3)))  # fmt: skip
    _record(store, "audit", "b.example",
            _finding("mail.spf.plus_all", "b.example", "b.example", crit, remediation=spf),
            _finding("mail.dmarc.p_none", "b.example", "b.example", high))  # fmt: skip
    _record(store, "mail", "parti-exemple.example",
            _finding("mail.lure.credentials", "parti-exemple.example",
                     "staff of parti-exemple.example", high, analyzer="mail",
                     title=f"Staff clicked a lure {IMG}"))  # fmt: skip
    accepted = finding_id("audit", "site.backoffice.open", "a.example", "https://a.example/admin")
    store.set_status(accepted, Status.ACCEPTED, by="tester", reason="kept on purpose")
    store.add_events([
        _event("mail.phishing", NOW - 10 * DAY, "Fake invoice from the bank", Severity.HIGH),
        _event("mail.phishing", NOW - 10 * DAY + timedelta(hours=1), "Same lure", Severity.HIGH),
        _event("mail.phishing", NOW - 3 * DAY, "Password reset lure", Severity.HIGH),
        _event("mail.suspicious", NOW - 5 * DAY,
               f"{SCRIPT} Invoice https://evil.example/pay", Severity.HIGH),
        _event("mail.spam", NOW - 2 * DAY, "Cheap pills", Severity.LOW),
        _event("logs.flood.ip", NOW - 4 * DAY, "Flood of the home page", Severity.HIGH),
        _event("logs.flood.ip", NOW - 4 * DAY + timedelta(hours=2), "Flood again",
               Severity.HIGH),
        _event("logs.bruteforce.wordpress", NOW - 6 * DAY, "Password guessing on wp-login",
               Severity.MEDIUM),
        _event("logs.probe.sqli", NOW - DAY, "SQL injection attempts", Severity.CRITICAL),
        _event("mail.phishing", NOW - 40 * DAY, "Too old to count", Severity.HIGH),
        _event("logs.flood.ip", NOW + timedelta(hours=1), "After now", Severity.HIGH),
    ])  # fmt: skip


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    path = tmp_path / "campaign.toml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return load_campaign(path)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = str(tmp_path / "s.db")
    with Store.open(url) as store:
        _seed(store)
    return url


@pytest.fixture
def briefing_en(db: str, campaign: Campaign) -> build.Briefing:
    inputs = read_inputs(db, campaign, NOW - 30 * DAY, NOW)
    return build.briefing(inputs, NOW, "en", 30)


def _html(db: str, campaign: Campaign | None, tmp_path: Path, lang: str = "en") -> str:
    out = write_briefing(db, campaign, tmp_path / f"b-{lang}.html", lang=lang, now=NOW)
    return out.read_text(encoding="utf-8")


def pdf_pages(data: bytes) -> int:
    """Page objects in a PDF, looking inside its compressed object streams too."""
    chunks = [data]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", c)) for c in chunks)


# --------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------


def test_five_fixes_in_order_with_their_roles(briefing_en: build.Briefing) -> None:
    got = [(f.check, f.role, f.assets) for f in briefing_en.fixes]
    assert got == EXPECTED_FIXES
    first = briefing_en.fixes[0]
    assert first.action == "Replace +all by -all in the SPF record."
    assert first.role_text == "the mail administrator"
    assert first.area == "Mail: who may send in the party's name (SPF)"
    assert briefing_en.open_summary == "Open security problems: critical: 3, high: 6, medium: 1."


def test_attack_counts_and_days(briefing_en: build.Briefing) -> None:
    got = [(a.family, a.count, a.days) for a in briefing_en.attacks]
    assert got == EXPECTED_ATTACKS
    worst = briefing_en.notable[0]
    assert worst.when == "Mon 19 Apr 12:00"
    assert worst.label == "Break-in attempts on the websites"
    assert worst.summary == "SQL injection attempts"


def test_risk_windows_ahead(briefing_en: build.Briefing) -> None:
    assert [r.rule for r in briefing_en.risks] == EXPECTED_RISKS
    assert briefing_en.risks_more == 0
    eve = briefing_en.risks[0]
    assert eve.title == "Hours before the pre-election silence"
    assert eve.when == "Thu 22 Apr 00:00 → Sat 24 Apr 00:00"
    assert eve.moment == "Electoral silence"
    assert eve.on_call == "the technical lead, the campaign director and a lawyer"


def test_english_html(db: str, campaign: Campaign, tmp_path: Path) -> None:
    page = _html(db, campaign, tmp_path)
    for expected in [
        '<html lang="en">',
        "Security briefing — Parti Exemple",
        "1. The five things to fix first",
        '<span class="role">the person who manages the domain names (registrar account)</span>',
        '<span class="role">the web host / site administrator</span>',
        '<span class="role">everyone: staff training</span>',
        '<tr data-family="mail.phishing"><td>Phishing mails</td><td class="n">3</td>'
        '<td class="days">10 Apr, 17 Apr</td></tr>',
        "3. The risk windows ahead (next 30 days)",
        "Hours before the pre-election silence</strong> — Thu 22 Apr 00:00 → Sat 24 Apr 00:00",
        "4. What this briefing cannot see",
        "Written on 20 Apr 2027",
    ]:
        assert expected in page, expected
    checks = re.findall(r'data-check="([^"]+)"', page)
    assert checks == [c for c, _, _ in EXPECTED_FIXES]
    assert "site.headers.csp_missing" not in page and "https://a.example/admin" not in page


def test_french_html(db: str, campaign: Campaign, tmp_path: Path) -> None:
    page = _html(db, campaign, tmp_path, "fr")
    for expected in [
        '<html lang="fr">',
        "Note de sécurité — Parti Exemple",
        "1. Les cinq choses à corriger d&#39;abord",
        '<span class="role">l&#39;administrateur de la messagerie</span>',
        '<span class="role">tout le monde : formation de l&#39;équipe</span>',
        '<td class="days">10 avr., 17 avr.</td>',
        "Heures précédant la période de réserve électorale</strong> — "
        "jeu. 22 avr. 00:00 → sam. 24 avr. 00:00",
        "Problèmes de sécurité ouverts : critique : 3, élevée : 6, moyenne : 1.",
        "4. Ce que cette note ne voit pas",
    ]:
        assert expected in page, expected
    assert "The five things" not in page


def test_empty_store_and_no_campaign(tmp_path: Path) -> None:
    page = _html(str(tmp_path / "empty.db"), None, tmp_path)
    assert texts.TEXTS["en"]["no_fixes"] in page
    assert texts.TEXTS["en"]["no_attacks"] in page
    assert "No election calendar was given" in page
    assert "No open security problem is recorded." in page


def test_reproducible(db: str, campaign: Campaign, tmp_path: Path) -> None:
    first = write_briefing(db, campaign, tmp_path / "one.html", now=NOW).read_bytes()
    second = write_briefing(db, campaign, tmp_path / "two.html", now=NOW).read_bytes()
    assert first == second


# --------------------------------------------------------------------------
# Hostile input and self-containment
# --------------------------------------------------------------------------


def test_everything_escaped_and_defanged(db: str, campaign: Campaign, tmp_path: Path) -> None:
    page = _html(db, campaign, tmp_path)
    assert SCRIPT not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Invoice hxxps://evil[.]example/pay" in page
    assert IMG not in page
    assert "Staff clicked a lure &lt;img src=x onerror=alert(2)&gt;" in page
    assert "evil.example" not in page


def test_html_refers_to_nothing_outside(db: str, campaign: Campaign, tmp_path: Path) -> None:
    page = _html(db, campaign, tmp_path)
    tags = _Tags()
    tags.feed(page)
    links = [(tag, name, value) for tag, name, value in tags.attributes
             if name in {"src", "href", "action", "srcset", "poster", "data"}]  # fmt: skip
    assert [(tag, name) for tag, name, _ in links] == [("img", "src")]
    assert links[0][2].startswith("data:image/png;base64,")
    outside = [v for _, _, v in tags.attributes
               if v and not v.startswith("data:") and re.search(r"(?:https?:)?//", v)]  # fmt: skip
    assert outside == []
    assert "script" not in tags.names and "link" not in tags.names
    assert "url(" not in page and "@import" not in page


class _Tags(HTMLParser):
    """Every tag name and attribute of a page (text is not looked at)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]


def test_url_fetcher_refuses_everything_but_data() -> None:
    fetcher = render.data_only_fetcher()
    for url in ("https://example.org/a.png", "http://127.0.0.1/x.css", "file:///etc/passwd",
                "ftp://example.org/x"):  # fmt: skip
        with pytest.raises(ValueError, match="refused"):
            fetcher(url)
    response = fetcher("data:text/plain;base64,aGk=")
    assert response.read() == b"hi"


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def loopback_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_pdf_rendering_fetches_nothing(loopback_server: str) -> None:
    from weasyprint import HTML

    _Counter.hits.clear()
    hostile = (f'<img src="{loopback_server}/a.png"><link rel="stylesheet" '
               f'href="{loopback_server}/b.css"><p style="background:url({loopback_server}/c)">'
               "x</p>")  # fmt: skip
    data = HTML(string=hostile, url_fetcher=render.data_only_fetcher()).write_pdf()
    assert data.startswith(b"%PDF")
    assert _Counter.hits == []


# --------------------------------------------------------------------------
# PDF: two A4 pages at most
# --------------------------------------------------------------------------


def test_pdf_two_pages_at_most(db: str, campaign: Campaign, tmp_path: Path) -> None:
    out = write_briefing(db, campaign, tmp_path / "b.pdf", lang="fr", now=NOW)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert 1 <= pdf_pages(data) <= 2


def _flood(store: Store) -> None:
    """Far more than two pages' worth: 60 checks, 600 long events, every family."""
    checks = list(CHECKS)[:60]
    _record(store, "audit", "big.example", *(
        _finding(c, "big.example", f"https://big.example/{'x' * 70}/{i}",
                 Severity.CRITICAL, title="T" * 300, remediation="word " * 200)
        for i, c in enumerate(checks)))  # fmt: skip
    kinds = [
        "mail.phishing",
        "mail.suspicious",
        "mail.wave",
        "logs.flood.ip",
        "logs.bruteforce.generic",
        "logs.probe.xss",
        "logs.scan.probing",
        "logs.other",
    ]
    store.add_events(
        _event(kinds[i % len(kinds)], NOW - timedelta(hours=1 + i), f"{i} " + "long " * 100,
               Severity.CRITICAL)
        for i in range(600)
    )  # fmt: skip


def test_pdf_stays_on_two_pages_when_everything_is_full(tmp_path: Path) -> None:
    url = str(tmp_path / "big.db")
    with Store.open(url) as store:
        _flood(store)
    big = load_campaign(Path(__file__).parents[2] / "examples" / "campaign.toml")
    # English: its fixes are the findings' own (long) remediations; the French table's
    # short texts fit on two pages without the fallback
    b = build.briefing(read_inputs(url, big, NOW - 30 * DAY, NOW), NOW, "en", 30)
    assert len(b.fixes) == 5 and len(b.risk_pool) > 5
    out = write_briefing(url, big, tmp_path / "big.pdf", lang="fr", now=NOW)
    assert 1 <= pdf_pages(out.read_bytes()) <= 2
    printed = render.pdf(b)
    assert printed.pages <= 2 and pdf_pages(printed.data) == printed.pages
    assert printed.budget >= 1  # the fullest budget did not fit: the fallback was used


def test_page_counter_counts_pages() -> None:
    from weasyprint import HTML

    three = "<p>a</p><p style='break-before:page'>b</p><p style='break-before:page'>c</p>"
    assert pdf_pages(HTML(string=three).write_pdf()) == 3


def test_smaller_budgets_cut_lists(briefing_en: build.Briefing) -> None:
    small = build.fitted(briefing_en, build.Budget(notable=1, risks=2, days=1))
    assert len(small.notable) == 1
    assert [r.rule for r in small.risks] == ["risk.silence_eve", "risk.silence"]
    assert small.risks_more == 3
    phishing = small.attacks[0]
    assert phishing.shown == ("+1 more", "17 Apr")


# --------------------------------------------------------------------------
# Small pieces and the tables' completeness
# --------------------------------------------------------------------------


def test_shorten() -> None:
    assert build.shorten("Do this. Then that.") == "Do this."
    long = "Publish " + "a very long record " * 30
    short = build.shorten(long, 60)
    assert len(short) <= 60 and short.endswith("…") and short.startswith("Publish a very")
    assert build.shorten("line\x1b[31m one\n two") == "line [31m one two"


def test_every_audit_check_has_a_role_and_an_area() -> None:
    for check in CHECKS:
        assert build.role_of("audit", check) in {"registrar", "mail", "web"}, check
        assert build.area_of(check, "en"), check
    assert build.role_of("audit", "mail.nonsending.spf") == "registrar"
    assert build.role_of("audit", "site.dns.missing") == "registrar"
    assert build.role_of("logs", "flood.ip") == "web"
    assert build.role_of("other", "x.y") == "security"


def test_languages_have_the_same_keys() -> None:
    assert set(texts.TEXTS) == set(texts.LANGS)
    keys = set(texts.TEXTS["en"])
    assert all(set(texts.TEXTS[lang]) == keys for lang in texts.LANGS)
    for table in (texts.ROLES, texts.AREAS, texts.ATTACKS):
        for key, words in table.items():
            assert set(words) == set(texts.LANGS), key
    for rule_id, fields in texts.RISKS.items():
        assert set(fields) == {"title", "on_call", "statement"}, rule_id
        assert all(set(w) == set(texts.LANGS) for w in fields.values()), rule_id


def test_every_risk_rule_and_family_is_worded() -> None:
    assert {r.id for r in RULES} == set(texts.RISKS)
    assert {family for _, family in build._FAMILIES} <= set(texts.ATTACKS)
    assert build.family_of("logs.dos.random_uri") == "logs.flood"
    assert build.family_of("mail.spam") is None


def test_bad_arguments_raise_input_errors(db: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--lang 'de'"):
        write_briefing(db, None, tmp_path / "b.html", lang="de")
    with pytest.raises(InputError, match=r"not '\.docx'"):
        write_briefing(db, None, tmp_path / "b.docx")
    with pytest.raises(InputError, match="does not exist"):
        write_briefing(db, None, tmp_path / "missing" / "b.html")
    assert not (tmp_path / "b.html").exists()
    (tmp_path / "folder.html").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        write_briefing(db, None, tmp_path / "folder.html")


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

_cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
_cli.command()(report)
runner = CliRunner()


def test_cli_writes_the_briefing(db: str, tmp_path: Path) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    out = tmp_path / "brief.html"
    result = runner.invoke(_cli, ["--out", str(out), "--lang", "fr", "-c", str(path),
                                  "--db", db, "--now", "2027-04-20T12:00"])  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Rédigée le 20 avr. 2027" in page
    assert "Attaques vues du 21 mars 2027 au 20 avr. 2027 ; heures de Europe/Paris." in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "de"], "--lang 'de'"),
        (["--now", "yesterday"], "--now 'yesterday' is not an ISO 8601"),
    ],
)
def test_cli_usage_errors(db: str, tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(_cli, ["--out", str(tmp_path / "b.html"), "--db", db, *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_unwritable_path(db: str, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "b.pdf"
    result = runner.invoke(_cli, ["--out", str(out), "--db", db])
    assert result.exit_code == 2
    assert "does not exist" in result.output
