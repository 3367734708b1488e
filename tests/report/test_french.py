"""The French briefing's fixes: every audit check has French words, and they are shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rempart.audit.registry import CHECKS
from rempart.model.campaign import Campaign, load_campaign
from rempart.model.findings import Severity
from rempart.report import build, read_inputs
from rempart.report.checks_fr import CHECKS_FR, UNTRANSLATED
from rempart.store import Store
from tests.report.test_briefing import (
    CAMPAIGN,
    DAY,
    EXPECTED_FIXES,
    NOW,
    _finding,
    _html,
    _record,
    _seed,
)

ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|to|your|with|is|are|for|from|this|that|its|it|on the|if|then|each|every"
    r"|ask|add|remove|set|publish|delete|enable|fix|replace|by)\b",
    re.IGNORECASE,
)
"""English words that do not occur in French prose (technical names are allowed)."""
SENTENCE_BREAK = re.compile(r"[.!?]\s+\S")
"""A sentence end followed by more text."""

MEMBERS_EXPORT = "https://b.example/export/adherents.csv"


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    path = tmp_path / "campaign.toml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return load_campaign(path)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """The briefing tests' store, plus an open member-export page on b.example."""
    url = str(tmp_path / "s.db")
    with Store.open(url) as store:
        _seed(store)
        _record(store, "audit", "b.example",
                _finding("mail.spf.plus_all", "b.example", "b.example", Severity.CRITICAL,
                         remediation="Replace +all by -all in the SPF record. Then wait."),
                _finding("mail.dmarc.p_none", "b.example", "b.example", Severity.HIGH),
                _finding("site.backoffice.open", "b.example", MEMBERS_EXPORT,
                         Severity.CRITICAL))  # fmt: skip
    return url


@pytest.fixture
def plain_db(tmp_path: Path) -> str:
    """The briefing tests' store as it is."""
    url = str(tmp_path / "plain.db")
    with Store.open(url) as store:
        _seed(store)
    return url


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def test_every_registered_check_has_french_words() -> None:
    assert set(CHECKS) - set(CHECKS_FR) == set()
    assert set(CHECKS_FR) - set(CHECKS) == set(), "French words for a check that does not exist"


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_french_words_are_short_plain_and_translated(check: str) -> None:
    title, fix = CHECKS_FR[check]
    spec = CHECKS[check]
    assert title.strip() and fix.strip()
    assert title != spec.title and fix != spec.remediation
    assert len(title) <= build.MAX_TITLE_CHARS and not title.endswith(".")
    assert len(fix) <= build.MAX_ACTION_CHARS and fix.endswith(".")
    assert SENTENCE_BREAK.search(fix) is None, "one sentence only"
    for words in (title, fix):
        assert words == words.strip() and "  " not in words
        assert ENGLISH_WORDS.search(words) is None, words
        assert "{" not in words, "no template fields: the assets are listed apart"
        assert words.count("«") == words.count("»")
        assert '"' not in words, "French quotes: « »"


def test_the_english_word_check_catches_english() -> None:
    """The checks above can fail: English text trips them."""
    for check in ("mail.dmarc.p_none", "site.backoffice.open", "dns.ns.single"):
        assert ENGLISH_WORDS.search(CHECKS[check].remediation), check
    assert SENTENCE_BREAK.search("Faire ceci. Puis cela.")
    assert SENTENCE_BREAK.search("Demander ceci. demander cela.")
    assert SENTENCE_BREAK.search(CHECKS_FR["mail.dmarc.p_none"][1]) is None


# --------------------------------------------------------------------------
# The briefing
# --------------------------------------------------------------------------


def _fixes(db: str, campaign: Campaign, lang: str) -> dict[str, build.Fix]:
    inputs = read_inputs(db, campaign, NOW - 30 * DAY, NOW)
    return {f.check: f for f in build.briefing(inputs, NOW, lang, 30).fixes}


def test_french_fixes_use_the_french_words(db: str, campaign: Campaign) -> None:
    fixes = _fixes(db, campaign, "fr")
    assert list(fixes) == [
        "mail.spf.plus_all",
        "site.backoffice.open",
        "site.exposed.env",
        "dns.ns.unresolvable",
        "mail.dmarc.p_none",
    ]
    for check, fix in fixes.items():
        assert (fix.title, fix.action) == CHECKS_FR[check], check
    dmarc = fixes["mail.dmarc.p_none"]
    assert dmarc.title == "La politique DMARC ne protège pas encore le domaine"
    assert dmarc.action.startswith("Demander à l'administrateur de la messagerie de passer")
    assert dmarc.assets == ("a.example", "b.example")
    export = fixes["site.backoffice.open"]
    assert export.title == (
        "Une page d'administration ou d'export des adhérents est accessible sans connexion"
    )
    assert export.assets == (MEMBERS_EXPORT,), "the accepted one on a.example stays out"
    assert export.role_text == "l'hébergeur / l'administrateur du site"


def test_english_fixes_keep_the_findings_words(db: str, campaign: Campaign) -> None:
    fixes = _fixes(db, campaign, "en")
    assert fixes["mail.spf.plus_all"].action == "Replace +all by -all in the SPF record."
    assert fixes["mail.dmarc.p_none"].title == "Problem mail.dmarc.p_none"
    assert fixes["mail.dmarc.p_none"].action == "Fix mail.dmarc.p_none on a.example."
    assert fixes["site.backoffice.open"].title == "Problem site.backoffice.open"
    assert all(UNTRANSLATED not in f.action for f in fixes.values())


def test_french_html_shows_french_fixes(db: str, campaign: Campaign, tmp_path: Path) -> None:
    page = _html(db, campaign, tmp_path, "fr")
    for expected in [
        '<strong class="title">La politique DMARC ne protège pas encore le domaine</strong>',
        '<span class="action">Demander à l&#39;administrateur de la messagerie de passer la '
        "politique DMARC à « quarantine » puis « reject » après deux semaines de rapports "
        "propres.</span>",
        '<strong class="title">Une page d&#39;administration ou d&#39;export des adhérents est '
        "accessible sans connexion</strong>",
        '<span class="action">Demander d&#39;urgence à l&#39;hébergeur du site de protéger '
        "cette page par un mot de passe",
    ]:
        assert expected in page, expected
    assert "Problem mail.dmarc.p_none" not in page
    assert "Fix mail.dmarc.p_none" not in page
    assert "Replace +all" not in page


def test_english_html_unchanged(db: str, campaign: Campaign, tmp_path: Path) -> None:
    page = _html(db, campaign, tmp_path, "en")
    assert '<strong class="title">Problem mail.dmarc.p_none</strong>' in page
    assert '<span class="action">Fix site.backoffice.open on ' in page
    assert '<span class="action">Replace +all by -all in the SPF record.</span>' in page
    assert "La politique DMARC" not in page and UNTRANSLATED not in page


def test_unknown_check_keeps_english_with_a_note(plain_db: str, campaign: Campaign) -> None:
    """The seeded mail-analyzer finding has no French words: English, marked as such."""
    fixes = _fixes(plain_db, campaign, "fr")
    assert list(fixes) == [c for c, _, _ in EXPECTED_FIXES]
    lure = fixes["mail.lure.credentials"]
    assert lure.title == "Staff clicked a lure <img src=x onerror=alert(2)>"
    assert lure.action == (
        f"{UNTRANSLATED} Fix mail.lure.credentials on staff of parti-exemple.example."
    )
    assert lure.role_text == "tout le monde : formation de l'équipe"
    assert fixes["mail.spf.plus_all"].title == CHECKS_FR["mail.spf.plus_all"][0]


def test_fix_words_by_language_and_analyzer() -> None:
    long = _finding("logs.other", "a.example", "a.example", Severity.HIGH,
                    remediation="word " * 200)  # fmt: skip
    dmarc = _finding("mail.dmarc.p_none", "a.example", "a.example", Severity.HIGH)
    assert (
        build.fix_words("audit", "mail.dmarc.p_none", dmarc, "fr") == CHECKS_FR["mail.dmarc.p_none"]
    )
    assert build.fix_words("audit", "mail.dmarc.p_none", dmarc, "en") == (
        "Problem mail.dmarc.p_none",
        "Fix mail.dmarc.p_none on a.example.",
    )
    # Another analyzer's check id is not looked up in the audit's table.
    title, action = build.fix_words("mail", "mail.dmarc.p_none", dmarc, "fr")
    assert title == "Problem mail.dmarc.p_none" and action.startswith(UNTRANSLATED + " Fix")
    _, cut = build.fix_words("logs", "logs.other", long, "fr")
    assert cut.startswith(UNTRANSLATED + " word") and cut.endswith("…")
    assert len(cut) <= build.MAX_ACTION_CHARS
