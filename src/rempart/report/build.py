"""From findings, events and the calendar to the briefing's content (no I/O here).

The briefing has four parts: the five things to fix first and who should do it,
what was attacked and when, the risk windows ahead with the posture to hold,
and one line on what the tool cannot see. Every value is bounded and plain
text; escaping is the template's job (autoescape), so attacker-written titles
and summaries pass through here untouched except for control characters,
length, and defanging of the indicators they contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rempart.model.defang import defang_text
from rempart.model.findings import Event, Finding, Severity
from rempart.report import texts
from rempart.report.checks_fr import CHECKS_FR, UNTRANSLATED
from rempart.report.texts import text
from rempart.timeline.model import Moment
from rempart.timeline.risk import RiskWindow, risk_calendar

MAX_FIXES = 5
"""Things to fix shown: the leadership acts on a short list."""
MAX_ASSETS_SHOWN = 3
"""Domains or sites named per fix; the rest are counted."""
MAX_ACTION_CHARS = 220
"""A fix's "what to do", shortened from the finding's remediation."""
MAX_TITLE_CHARS = 140
MAX_ASSET_CHARS = 80
MAX_SUMMARY_CHARS = 160
"""An incident's summary (attacker-influenced) is cut to this."""
MAX_NAME_CHARS = 120

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(`])")

_ROLE_PREFIXES = (
    ("mail.nonsending", "registrar"),
    ("site.dns", "registrar"),
    ("dns", "registrar"),
    ("mail", "mail"),
    ("site", "web"),
)
"""Audit check id prefix → role (the first matching prefix wins: most precise first)."""

_FAMILIES = (
    ("mail.phishing", "mail.phishing"),
    ("mail.suspicious", "mail.suspicious"),
    ("mail.wave", "mail.wave"),
    ("logs.flood", "logs.flood"),
    ("logs.dos", "logs.flood"),
    ("logs.burst", "logs.flood"),
    ("logs.bruteforce", "logs.bruteforce"),
    ("logs.probe", "logs.probe"),
    ("logs.scan", "logs.scan"),
    ("logs.crawl", "logs.scan"),
    ("logs", "logs.other"),
    ("finding.new", "finding.new"),
    ("finding.reopened", "finding.new"),
    ("finding.fixed", "finding.fixed"),
)
"""Event kind prefix → attack family (a key of :data:`texts.ATTACKS`); others are left out
(``mail.spam`` is not an attack on the campaign)."""


# --------------------------------------------------------------------------
# The content
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """One thing to fix: a check failing on one or more assets."""

    check: str
    """The check id (``mail.spf.plus_all``)."""
    severity: Severity
    """The worst severity among its findings."""
    severity_label: str
    title: str
    """The finding's title (one line, plain words), in the briefing's language."""
    area: str
    """The plain-words area (``Mail: refusing forged mail (DMARC)``)."""
    role: str
    """Role id, a key of :data:`texts.ROLES`."""
    role_text: str
    """Who should do it, in the briefing's language."""
    action: str
    """What to do: the remediation's first sentence, shortened (in French, the check's
    French fix)."""
    assets: tuple[str, ...]
    """The first few domains or sites concerned."""
    more_assets: int
    """How many more are concerned."""


@dataclass(frozen=True)
class AttackRow:
    """How many attacks of one family, and on which days."""

    family: str
    label: str
    count: int
    days: tuple[str, ...]
    """Distinct local days, oldest first."""
    shown: tuple[str, ...] = ()
    """The days shown (the latest ones, after ``+N more`` when some are left out)."""


@dataclass(frozen=True)
class Incident:
    """One of the most serious incidents of the period."""

    when: str
    label: str
    severity: Severity
    severity_label: str
    summary: str
    """Control characters removed, indicators defanged, shortened."""


@dataclass(frozen=True)
class RiskItem:
    """One risk window ahead and the posture to hold."""

    rule: str
    level: Severity
    level_label: str
    title: str
    when: str
    """Local start → end."""
    moment: str
    """The calendar moment it derives from."""
    on_call: str
    statement: str
    in_progress: bool


@dataclass(frozen=True)
class Briefing:
    """Everything the briefing shows, in one language, as plain text."""

    lang: str
    organisation: str
    generated: str
    period: str
    open_summary: str
    fixes: tuple[Fix, ...]
    attacks: tuple[AttackRow, ...]
    notable: tuple[Incident, ...]
    """The incidents shown (the first of ``notable_pool``)."""
    risks: tuple[RiskItem, ...]
    """Shown chronologically; the most serious are chosen when there are too many."""
    risks_more: int
    """Windows in the look-ahead not shown."""
    risk_note: str
    """Why there is no window (no calendar, none ahead), else empty."""
    days: int
    chart: str = ""
    """The timeline chart as a ``data:image/png;base64,…`` URI, or empty."""
    chart_note: str = ""
    """Why there is no chart, else empty."""
    notable_pool: tuple[Incident, ...] = ()
    """The most serious incidents, before the budget cut."""
    risk_pool: tuple[RiskItem, ...] = ()
    """Every window ahead, chronologically, before the budget cut."""


@dataclass(frozen=True)
class Inputs:
    """What the briefing is made from (read from the store and the campaign)."""

    organisation: str
    zone: str
    """The campaign's IANA zone: every time is shown in it."""
    findings: Sequence[Finding]
    """Open findings."""
    events: Sequence[Event]
    """Events of the period, oldest first."""
    moments: Sequence[Moment]
    """The election calendar."""
    has_calendar: bool


@dataclass(frozen=True)
class Budget:
    """How much of each list fits (smaller budgets keep the PDF to two pages)."""

    notable: int
    risks: int
    days: int


BUDGETS = (Budget(5, 5, 8), Budget(3, 4, 5), Budget(2, 3, 4), Budget(0, 2, 3), Budget(0, 1, 2))
"""From the fullest briefing to the most compact."""


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def clean(value: object, limit: int) -> str:
    """Outside text on one line, without control or bidi characters, at most ``limit``."""
    out = _SPACES.sub(" ", _CONTROL.sub(" ", str(value))).strip()
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "…"


def shorten(remediation: str, limit: int = MAX_ACTION_CHARS) -> str:
    """The first sentence of a remediation, cut at a word when longer than ``limit``."""
    flat = clean(remediation, 4 * limit)
    first = _SENTENCE_END.split(flat, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def _matches(kind: str, prefix: str) -> bool:
    return kind == prefix or kind.startswith(prefix + ".")


def role_of(analyzer: str, check: str) -> str:
    """Who should fix a finding, as a role id of :data:`texts.ROLES`.

    Mail findings are about people being fooled (staff training); log findings
    about the web server (its host); audit checks by their area: domain names and
    look-alike domains → the registrar account holder, mail → the mail
    administrator, websites → the web host. Anything else → the security contact.
    """
    if analyzer == "mail":
        return "staff"
    if analyzer == "logs":
        return "web"
    for prefix, role in _ROLE_PREFIXES:
        if _matches(check, prefix):
            return role
    return "security"


def area_of(check: str, lang: str) -> str:
    """The plain-words area of a check: the longest prefix known to :data:`texts.AREAS`."""
    parts = check.split(".")
    for n in range(len(parts), 0, -1):
        found = texts.AREAS.get(".".join(parts[:n]))
        if found:
            return found[lang]
    return ""


def family_of(kind: str) -> str | None:
    """The attack family of an event kind, or None when it is not shown."""
    return next((family for prefix, family in _FAMILIES if _matches(kind, prefix)), None)


def _severity(severity: Severity, lang: str) -> str:
    return text(lang, f"severity_{Severity(severity).value}")


# --------------------------------------------------------------------------
# The five fixes
# --------------------------------------------------------------------------


def _asset_key(f: Finding) -> str:
    return (f.target or f.scope).lower()


def top_fixes(findings: Iterable[Finding], lang: str, limit: int = MAX_FIXES) -> tuple[Fix, ...]:
    """The ``limit`` things to fix first: one per check, most severe first, then the one
    touching most assets, then by check id (stable)."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.analyzer, f.check), []).append(f)
    ranked = sorted(
        groups.items(),
        key=lambda kv: (
            -max(Severity(f.severity).rank for f in kv[1]),
            -len({_asset_key(f) for f in kv[1]}),
            kv[0][1],
            kv[0][0],
        ),
    )
    return tuple(_fix(analyzer, check, group, lang) for (analyzer, check), group in ranked[:limit])


def _fix(analyzer: str, check: str, group: list[Finding], lang: str) -> Fix:
    worst = max(group, key=lambda f: Severity(f.severity).rank)
    assets = list({_asset_key(f): clean(f.target or f.scope, MAX_ASSET_CHARS) for f in group})
    role = role_of(analyzer, check)
    title, action = fix_words(analyzer, check, worst, lang)
    return Fix(
        check=clean(check, MAX_NAME_CHARS),
        severity=Severity(worst.severity),
        severity_label=_severity(worst.severity, lang),
        title=title,
        area=area_of(check, lang),
        role=role,
        role_text=texts.ROLES[role][lang],
        action=action,
        assets=tuple(assets[:MAX_ASSETS_SHOWN]),
        more_assets=max(len(assets) - MAX_ASSETS_SHOWN, 0),
    )


def fix_words(analyzer: str, check: str, worst: Finding, lang: str) -> tuple[str, str]:
    """A fix's title and what to do, in the briefing's language.

    English: the finding's own title and the first sentence of its remediation.
    French: the audit check's words from :data:`~rempart.report.checks_fr.CHECKS_FR`
    (the registries are English only); a check without French words (another
    analyzer's, or one added to a registry but not yet translated) keeps its English
    text, marked as such so the reader knows why.
    """
    title = clean(worst.title, MAX_TITLE_CHARS)
    if lang != "fr":
        return title, shorten(worst.remediation)
    words = CHECKS_FR.get(check) if analyzer == "audit" else None
    if words is None:
        note = UNTRANSLATED + " "
        return title, note + shorten(worst.remediation, MAX_ACTION_CHARS - len(note))
    return clean(words[0], MAX_TITLE_CHARS), clean(words[1], MAX_ACTION_CHARS)


def open_summary(findings: Sequence[Finding], lang: str) -> str:
    """``Open security problems: critical: 2, high: 3.`` (worst first), or "none"."""
    counts: dict[Severity, int] = {}
    for f in findings:
        counts[Severity(f.severity)] = counts.get(Severity(f.severity), 0) + 1
    if not counts:
        return text(lang, "open_none")
    items = [
        text(lang, "count_item", label=_severity(s, lang), n=counts[s])
        for s in sorted(counts, key=lambda s: -s.rank)
    ]
    return text(lang, "open_summary", counts=", ".join(items))


# --------------------------------------------------------------------------
# What was attacked, and when
# --------------------------------------------------------------------------


def attack_rows(events: Iterable[Event], zone: ZoneInfo, lang: str) -> tuple[AttackRow, ...]:
    """Per attack family (in :data:`texts.ATTACKS` order): how many events, on which days."""
    counts: dict[str, int] = {}
    days: dict[str, dict[tuple[int, int, int], datetime]] = {}
    for e in events:
        family = family_of(e.kind)
        if family is None:
            continue
        counts[family] = counts.get(family, 0) + 1
        local = e.time.astimezone(zone)
        days.setdefault(family, {}).setdefault((local.year, local.month, local.day), e.time)
    return tuple(
        AttackRow(
            family=family,
            label=labels[lang],
            count=counts[family],
            days=tuple(texts.day(t, zone, lang) for _, t in sorted(days[family].items())),
        )
        for family, labels in texts.ATTACKS.items()
        if family in counts
    )


def notable(
    events: Iterable[Event], zone: ZoneInfo, lang: str, limit: int = 5
) -> tuple[Incident, ...]:
    """The ``limit`` most serious mail and web incidents (worst, then latest, first)."""
    attacks = [e for e in events if (family_of(e.kind) or "").startswith(("mail.", "logs."))]
    attacks.sort(key=lambda e: (-Severity(e.severity).rank, -e.time.timestamp(), e.id))
    return tuple(
        Incident(
            when=texts.moment(e.time, zone, lang),
            label=texts.ATTACKS[family_of(e.kind) or "logs.other"][lang],
            severity=Severity(e.severity),
            severity_label=_severity(e.severity, lang),
            summary=clean(defang_text(clean(e.summary, 4 * MAX_SUMMARY_CHARS)), MAX_SUMMARY_CHARS),
        )
        for e in attacks[:limit]
    )


# --------------------------------------------------------------------------
# The risk windows ahead
# --------------------------------------------------------------------------


def _risk_words(w: RiskWindow, field: str, lang: str, fallback: str) -> str:
    words = texts.RISKS.get(w.rule, {}).get(field)
    return words[lang] if words else shorten(fallback, 140)


def risk_items(
    moments: Sequence[Moment], now: datetime, days: int, zone: str, lang: str
) -> tuple[RiskItem, ...]:
    """Every window of the next ``days`` days, chronologically (:func:`pick_risks` chooses
    the ones shown)."""
    calendar = risk_calendar(moments, now, days=days, zone=zone)
    tz = ZoneInfo(zone)
    return tuple(
        RiskItem(
            rule=w.rule,
            level=w.level,
            level_label=_severity(w.level, lang),
            title=_risk_words(w, "title", lang, w.title),
            when=f"{texts.moment(w.start, tz, lang)} → {texts.moment(w.end, tz, lang)}",
            moment=clean(w.moment, MAX_NAME_CHARS),
            on_call=_risk_words(w, "on_call", lang, w.posture.on_call),
            statement=_risk_words(w, "statement", lang, w.posture.statement),
            in_progress=w.in_progress(now),
        )
        for w in calendar.windows
    )


def pick_risks(items: Sequence[RiskItem], limit: int) -> tuple[RiskItem, ...]:
    """The ``limit`` most serious windows (earliest first among equals), shown in time
    order."""
    order = {id(item): i for i, item in enumerate(items)}
    chosen = sorted(items, key=lambda r: (-r.level.rank, order[id(r)]))[: max(limit, 0)]
    return tuple(sorted(chosen, key=lambda r: order[id(r)]))


# --------------------------------------------------------------------------
# The whole briefing
# --------------------------------------------------------------------------


def briefing(inputs: Inputs, now: datetime, lang: str, days: int) -> Briefing:
    """The briefing's content for the period of ``days`` days up to ``now``, and the
    ``days`` days after it (risk windows), at the fullest budget."""
    zone = ZoneInfo(inputs.zone)
    risks = risk_items(inputs.moments, now, days, inputs.zone, lang)
    note = ""
    if not inputs.has_calendar:
        note = text(lang, "no_calendar")
    elif not risks:
        note = text(lang, "no_risks", days=days)
    full = Briefing(
        lang=lang,
        organisation=clean(inputs.organisation, MAX_NAME_CHARS),
        generated=text(lang, "generated", date=texts.day(now, zone, lang, year=True)),
        period=text(
            lang,
            "period",
            start=texts.day(now - timedelta(days=days), zone, lang, year=True),
            end=texts.day(now, zone, lang, year=True),
            zone=inputs.zone,
        ),
        open_summary=open_summary(inputs.findings, lang),
        fixes=top_fixes(inputs.findings, lang),
        attacks=attack_rows(inputs.events, zone, lang),
        notable=(),
        risks=(),
        risks_more=0,
        risk_note=note,
        days=days,
        notable_pool=notable(inputs.events, zone, lang, max(b.notable for b in BUDGETS)),
        risk_pool=risks,
    )
    return fitted(full, BUDGETS[0])


def fitted(b: Briefing, budget: Budget) -> Briefing:
    """``b`` cut to ``budget``: fewer incidents, risk windows and listed days."""
    risks = pick_risks(b.risk_pool, budget.risks)
    return replace(
        b,
        notable=b.notable_pool[: budget.notable],
        risks=risks,
        risks_more=len(b.risk_pool) - len(risks),
        attacks=tuple(replace(r, shown=_days_cut(r.days, budget.days, b.lang)) for r in b.attacks),
    )


def _days_cut(days: tuple[str, ...], limit: int, lang: str) -> tuple[str, ...]:
    """The last ``limit`` days, preceded by ``+N more`` when some were left out."""
    if len(days) <= limit:
        return days
    return (text(lang, "more_days", n=len(days) - limit), *days[-limit:])
