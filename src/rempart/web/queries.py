"""What each dashboard page shows, as plain JSON-ready values read from the store.

The HTML pages and the JSON API share these functions, so a page never shows
anything its API does not return. Indicators (URLs, addresses, IPs) and the
free text around them come from attackers: they are defanged here, and the
templates escape everything.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rempart.model.campaign import Campaign
from rempart.model.defang import defang, defang_text
from rempart.model.findings import Event, Finding, Severity, Status
from rempart.store import Store
from rempart.store.store import HistoryEntry

if TYPE_CHECKING:
    from rempart.logs.blocklist import Entry

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
"""Rows per page of findings and events."""
MAX_PAGE = 100_000
"""Pages beyond this are refused (5 million rows in)."""
MAX_QUERY = 200
"""Characters of a search kept."""
MAX_COUNTED = 10_000
"""A search stops counting its matches beyond this (shown as "10,000+")."""
MAX_TEXT = 2000
"""Characters of one free-text field shown (evidence, summaries)."""
TIMELINE_ROWS = 500
"""Events the timeline page lists per page under the chart (the chart draws them all)."""
MAX_CHART_EVENTS = 5000
"""Events drawn on the timeline chart at most (the newest of the period)."""
MAX_BLOCK_EVENTS = 2000
"""Log incidents read at most to build the block list."""
WEEK = timedelta(days=7)
PERIODS: dict[str, timedelta | None] = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "365d": timedelta(days=365),
    "all": None,
}
"""Zoom levels of the timeline (``campaign`` is added when the campaign has a window)."""
MAIL_VERDICTS = ("mail.phishing", "mail.suspicious", "mail.spam", "mail.wave")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: object, limit: int = MAX_TEXT) -> str:
    """Outside text made safe to show: no control or bidi-override characters, bounded."""
    value = _CONTROL.sub("?", str(text))
    return value if len(value) <= limit else value[:limit] + "…"


# -- findings ----------------------------------------------------------------


@dataclass(frozen=True)
class FindingFilter:
    """The findings page's filters, read leniently from the query string."""

    severity: Severity | None = None
    status: Status | None = None
    analyzer: str | None = None
    q: str = ""
    sort: str = "severity"
    page: int = 1
    notes: tuple[str, ...] = field(default=())
    """What was ignored in the query string, one line each."""

    def query_string(self, **changes: object) -> str:
        """This filter as a query string (for links), with ``changes`` applied."""
        from urllib.parse import urlencode

        values: dict[str, object] = {
            "severity": self.severity.value if self.severity else "",
            "status": self.status.value if self.status else "",
            "analyzer": self.analyzer or "",
            "q": self.q,
            "sort": self.sort,
            "page": self.page,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _enum(kind: Any, raw: str, name: str, notes: list[str]) -> Any:
    if not raw:
        return None
    try:
        return kind(raw.strip().lower())
    except ValueError:
        notes.append(f"{name} {clean(raw, 40)!r} is not one of {', '.join(m.value for m in kind)}")
        return None


def _page(raw: str, notes: list[str]) -> int:
    if not raw:
        return 1
    try:
        page = int(raw)
    except ValueError:
        notes.append(f"page {clean(raw, 20)!r} is not a number")
        return 1
    if not 1 <= page <= MAX_PAGE:
        notes.append(f"page {page} is out of 1…{MAX_PAGE}")
        return 1
    return page


def parse_filter(params: Mapping[str, str]) -> FindingFilter:
    """The filter in ``params`` (a query string); bad values are dropped with a note."""
    notes: list[str] = []
    sort = params.get("sort", "") or "severity"
    if sort not in Store.FINDING_SORTS:
        notes.append(f"sort {clean(sort, 20)!r} is not one of {', '.join(Store.FINDING_SORTS)}")
        sort = "severity"
    analyzer = clean(params.get("analyzer", ""), 40).strip() or None
    return FindingFilter(
        severity=_enum(Severity, params.get("severity", ""), "severity", notes),
        status=_enum(Status, params.get("status", ""), "status", notes),
        analyzer=analyzer,
        q=clean(params.get("q", ""), MAX_QUERY).strip(),
        sort=sort,
        page=_page(params.get("page", ""), notes),
        notes=tuple(notes),
    )


def finding_view(f: Finding, zone: str = "UTC") -> dict[str, Any]:
    """A finding as shown: free text cleaned, addresses in the evidence defanged; its
    times also as read in ``zone`` (``first_seen_local``, ``last_seen_local``)."""
    out = f.as_dict()
    for key in ("first_seen", "last_seen"):
        when = getattr(f, key)
        out[f"{key}_local"] = local_time(when, zone) if when is not None else ""
    for key in ("title", "target", "scope", "check", "why", "remediation"):
        out[key] = clean(out[key])
    out["evidence"] = defang_text(clean(f.evidence))
    out["references"] = [clean(r, 300) for r in f.references]
    return out


def history_view(h: HistoryEntry, zone: str = "UTC") -> dict[str, Any]:
    """One status change as shown (``at_local``: its time as read in ``zone``)."""
    return {
        "at": h.at.isoformat(),
        "at_local": local_time(h.at, zone),
        "old_status": h.old_status.value if h.old_status else None,
        "new_status": h.new_status.value,
        "run_id": h.run_id,
        "by": clean(h.by, 200),
        "reason": clean(h.reason, 1000),
    }


def findings_page(store: Store, flt: FindingFilter, zone: str = "UTC") -> dict[str, Any]:
    """One page of findings matching ``flt``, with the total and the page count.

    A search counts up to :data:`MAX_COUNTED` matches: past it ``total_exact`` is
    False, ``total`` is that bound and ``total_shown`` reads "10,000+".
    """
    found = store.findings_window(
        severity=flt.severity,
        status=flt.status,
        analyzer=flt.analyzer,
        query=flt.q or None,
        sort=flt.sort,
        limit=PAGE_SIZE,
        offset=(flt.page - 1) * PAGE_SIZE,
        count_limit=MAX_COUNTED,
    )
    total = found.total
    return {
        "total": total,
        "total_exact": found.exact,
        "total_shown": f"{total:,}" if found.exact else f"{total:,}+",
        "page": flt.page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "page_size": PAGE_SIZE,
        "filter": {
            "severity": flt.severity.value if flt.severity else None,
            "status": flt.status.value if flt.status else None,
            "analyzer": flt.analyzer,
            "q": flt.q,
            "sort": flt.sort,
        },
        "notes": list(flt.notes),
        "items": [finding_view(f, zone) for f in found.items],
    }


def finding_detail(store: Store, finding_id: str, zone: str = "UTC") -> dict[str, Any] | None:
    """One finding and its whole history (times also in ``zone``), or None when unknown."""
    found = store.finding(finding_id)
    if found is None:
        return None
    history = [history_view(h, zone) for h in store.history(found.id)]
    return {**finding_view(found, zone), "history": history}


# -- events ------------------------------------------------------------------


def event_view(e: Event) -> dict[str, Any]:
    """An event as shown: summary and targets cleaned, indicators defanged."""
    return {
        "id": e.id,
        "time": e.time.isoformat(),
        "kind": clean(e.kind, 100),
        "source": clean(e.source, 100),
        "summary": defang_text(clean(e.summary)),
        "severity": e.severity.value,
        "targets": [clean(t, 300) for t in e.targets],
        "indicators": [defang(clean(i, 500)) for i in e.indicators],
        "details": [
            {"label": clean(label, 100), "text": defang_text(clean(text, 500))}
            for label, text in e.details
        ],
    }


def parse_since(raw: str, now: datetime) -> tuple[datetime | None, str | None]:
    """``since`` from a query string: ISO date or time, or ``7d``-like; (value, problem)."""
    text = raw.strip()
    if not text:
        return None, None
    m = re.fullmatch(r"(\d{1,4})([dh])", text)
    if m:
        amount = int(m.group(1))
        step = timedelta(days=1) if m.group(2) == "d" else timedelta(hours=1)
        return now - amount * step, None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None, f"since {clean(text, 40)!r} is not a date (2025-03-01, or 7d, 12h)"
    return (value if value.tzinfo else value.replace(tzinfo=UTC)), None


def events_page(
    store: Store, family: str | None, since: datetime | None, page: int, zone: str = "UTC"
) -> dict[str, Any]:
    """One page of events (newest first) of ``family`` from ``since``, with the total;
    ``local``: each event's time as read in ``zone`` (the campaign's)."""
    total, rows = store.events_page(
        family=family or None, since=since, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return {
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "page_size": PAGE_SIZE,
        "kind": family,
        "since": since.isoformat() if since else None,
        "counts": dict(sorted(store.event_counts(family=family or None, since=since).items())),
        "items": [event_view(e) | {"local": local_time(e.time, zone)} for e in rows],
    }


BLOCK_FILES = {"nginx": "rempart-blocklist.conf", "ipset": "rempart-blocklist.ipset",
               "plain": "rempart-blocklist.txt"}  # fmt: skip
"""The block list's download formats (those of ``rempart logs blocklist --as``) and
the file name each is offered under."""
_DETECTOR_ID = re.compile(r"[a-z0-9_]{1,40}(?:\.[a-z0-9_]{1,40}){0,3}")
"""What a ``logs.*`` event's kind must be, once ``logs.`` is removed, to be written
in the file as a reason (an nginx comment): a detector id, ``flood.ip``."""


@dataclass(frozen=True)
class BlockList:
    """The sources of recent log incidents still worth blocking, as the dashboard has
    them: the ``logs`` TTLs and the campaign's ``[logs] allow`` applied, no crawler
    verification (it needs DNS: ``rempart logs blocklist --verify-crawlers`` does it)."""

    entries: tuple[Entry, ...]
    """Valid addresses and networks only, sorted by address (as in the file)."""
    allowed: int
    """Addresses or networks left out because the allow-list covers them."""
    not_addresses: int
    """Sources left out because they are not an IP address or network."""


def block_entries(store: Store, now: datetime, allow: Sequence[str] = ()) -> BlockList:
    """The block list in force at ``now`` from the recent ``logs.*`` events, leaving out
    what ``allow`` (the campaign's ``[logs] allow``) covers."""
    from rempart.logs.blocklist import (
        NOT_BLOCKED,
        TTL,
        allowed,
        build,
        network,
        parse_networks,
    )
    from rempart.logs.model import Incident

    networks, problems = parse_networks(allow)
    for problem in problems:
        logger.warning("dashboard block list: allow-list item ignored: %s", problem)
    _, rows = store.events_page(
        family="logs", since=now - max(TTL.values()), limit=MAX_BLOCK_EVENTS
    )
    incidents: list[Incident] = []
    invalid: set[str] = set()
    for e in rows:
        kind = e.kind.removeprefix("logs.")
        ttl = TTL.get(e.severity)
        if ttl is None or kind in NOT_BLOCKED or e.time + ttl <= now:
            continue
        sources = tuple(s for s in e.indicators if network(s) is not None)
        invalid.update(s for s in e.indicators if s not in sources)
        kind = kind if _DETECTOR_ID.fullmatch(kind) else "other"
        incidents.append(Incident(kind, e.severity, e.time, e.time, sources, count=0))
    every = build(incidents, now=now)
    kept = [e for e in every if not allowed(ipaddress.ip_network(e.network), networks)]
    return BlockList(tuple(kept), len(every) - len(kept), len(invalid))


def block_list(
    store: Store, now: datetime, allow: Sequence[str] = (), zone: str = "UTC"
) -> dict[str, Any]:
    """The block list as shown: each source (defanged), until when (``expires_local``: in
    ``zone``), why; and how many sources were left out, and why (see
    :func:`block_entries`)."""
    found = block_entries(store, now, allow)
    return {
        "entries": [
            {
                "source": defang(_shown_network(e.network)),
                "expires": e.expires.isoformat(),
                "expires_local": local_time(e.expires, zone),
                "reasons": list(e.reasons),
            }
            for e in found.entries
        ],
        "left_out": {"allowed": found.allowed, "not_addresses": found.not_addresses},
        "formats": list(BLOCK_FILES),
    }


def block_file(store: Store, now: datetime, fmt: str, allow: Sequence[str] = ()) -> str:
    """The block list as the file ``rempart logs blocklist --as fmt`` writes (only valid
    addresses and networks; ``ValueError`` for an unknown ``fmt``)."""
    from rempart.logs.blocklist import render

    if fmt not in BLOCK_FILES:
        raise ValueError(f"unknown format {clean(fmt, 40)!r}: use {', '.join(BLOCK_FILES)}")
    return render(block_entries(store, now, allow).entries, fmt, now=now)


def _shown_network(network: str) -> str:
    """``203.0.113.7`` for a single address (``/32``, ``/128``), the network otherwise."""
    net = ipaddress.ip_network(network)
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


# -- overview ----------------------------------------------------------------

GRADE_CHECK = "site.grade"
"""The audit check whose evidence is a site's security-headers grade (``B (75/100)``)."""
MAX_GRADES = 100
"""Sites whose headers grade the overview lists at most."""
POSTURE_RULE = (
    "Rempart's posture score for an area, from its open findings (not the Observatory "
    "grade): F with any critical open, D when the worst open is high, C medium, B low, A "
    "only information or nothing; five or more open at the worst level lower it one letter."
)
"""How :func:`posture` scores an area, shown on the overview."""
_POSTURE_LETTERS = {
    Severity.CRITICAL: "F",
    Severity.HIGH: "D",
    Severity.MEDIUM: "C",
    Severity.LOW: "B",
    Severity.INFO: "A",
}
_LOWER = {"A": "A", "B": "C", "C": "D", "D": "F", "F": "F"}
MANY_AT_WORST = 5
"""Open findings at the worst severity from which the posture drops one letter."""
_GRADE = re.compile(r"\s*(A\+|[A-F][+-]?)\s*\((\d{1,3})/100\)")


def posture(open_counts: Mapping[str, int]) -> dict[str, Any]:
    """Rempart's posture score of an area from its open findings per severity (see
    :data:`POSTURE_RULE`): the letter, the worst open severity and a one-line reason."""
    worst = next(
        (s for s in sorted(Severity, key=lambda s: -s.rank) if open_counts.get(s.value, 0) > 0),
        None,
    )
    if worst is None or worst is Severity.INFO:
        return {"letter": "A", "worst": worst.value if worst else None,
                "reason": "no open finding above information"}  # fmt: skip
    n = open_counts[worst.value]
    letter = _POSTURE_LETTERS[worst]
    reason = f"worst open: {n} {worst.value}"
    if n >= MANY_AT_WORST and _LOWER[letter] != letter:
        letter = _LOWER[letter]
        reason += f" ({MANY_AT_WORST} or more: one letter lower)"
    return {"letter": letter, "worst": worst.value, "reason": reason}


def parse_grade(evidence: str) -> tuple[str, int] | None:
    """The letter and score of a ``site.grade`` finding's evidence, or None when garbled."""
    m = _GRADE.match(evidence)
    return None if m is None else (m.group(1), int(m.group(2)))


def site_grades(store: Store) -> list[dict[str, Any]]:
    """The security-headers grade the audit gives each site now: its open or accepted
    ``site.grade`` findings, by site.

    The audit records a grade only when it costs points: a site scoring 100 or more
    has none (and its earlier grade finding was marked fixed, so it is not listed).
    The store has no filter on the check: the open and accepted information findings of
    the audit are searched for its name (an index on the status serves it).
    """
    rows: list[Finding] = []
    for status in (Status.OPEN, Status.ACCEPTED):
        _, page = store.findings_page(
            severity=Severity.INFO, status=status, analyzer="audit", query=GRADE_CHECK,
            sort="target", limit=MAX_GRADES * 4,
        )  # fmt: skip
        rows += [f for f in page if f.check == GRADE_CHECK]
    rows.sort(key=lambda f: (f.target, f.id))
    return [
        {
            "id": f.id,
            "site": clean(urlsplit(f.target).hostname or f.target, 300),
            "letter": grade[0] if grade else "?",
            "score": grade[1] if grade else None,
            "evidence": clean(f.evidence, 200),
            "status": f.status.value,
        }
        for f, grade in ((f, parse_grade(f.evidence)) for f in rows[:MAX_GRADES])
    ]


def local_time(when: datetime, zone: str, precision: str = "minute") -> str:
    """``when`` as read in the IANA ``zone`` (``2025-03-12 13:00 CET``; UTC when the zone is
    unknown), never more precise than ``precision`` (minute, hour, day or month)."""
    from rempart.timeline.chart import format_time, zone_of
    from rempart.timeline.model import Precision

    return format_time(when, zone_of(zone) or UTC, Precision(precision), given_in=zone)


def next_risk(campaign: Campaign | None, now: datetime) -> dict[str, Any] | None:
    """The next (or current) risk window from the campaign's calendar, or None.

    ``start_local`` and ``end_local`` are its bounds in the campaign's ``[timeline]`` zone.
    """
    if campaign is None or not campaign.calendar:
        return None
    from rempart.timeline.risk import risk_calendar
    from rempart.timeline.sources import calendar_from_campaign

    zone = campaign.timeline.zone
    moments = calendar_from_campaign(campaign).moments
    windows = risk_calendar(moments, now, days=60, zone=zone).windows
    if not windows:
        return None
    first = windows[0].as_dict()
    first["in_progress"] = windows[0].in_progress(now)
    first["start_local"] = local_time(windows[0].start, zone, windows[0].precision.value)
    first["end_local"] = local_time(windows[0].end, zone, windows[0].precision.value)
    first["display_zone"] = zone
    return {k: clean(v, 1000) if isinstance(v, str) else v for k, v in first.items()}


def overview(store: Store, campaign: Campaign | None, now: datetime) -> dict[str, Any]:
    """Posture per area: open findings by severity with Rempart's posture score, the
    sites' headers grades, mail verdicts and log incidents of the week, the next risk
    window."""
    counts = store.finding_counts()
    areas: dict[str, dict[str, int]] = {}
    by_status: Counter[str] = Counter()
    for (analyzer, status, severity), n in counts.items():
        by_status[status.value] += n
        if status is Status.OPEN:
            area = areas.setdefault(clean(analyzer, 40), {s.value: 0 for s in Severity})
            area[severity.value] += n
    since = now - WEEK
    mail = store.event_counts(family="mail", since=since)
    logs = store.event_counts(family="logs", since=since)
    zone = campaign.timeline.zone if campaign else "UTC"
    return {
        "now": now.isoformat(),
        "now_local": local_time(now, zone),
        "zone": zone,
        "campaign": clean(campaign.organisation.name, 200) if campaign else None,
        "severities": [s.value for s in sorted(Severity, key=lambda s: -s.rank)],
        "open_findings": dict(sorted(areas.items())),
        "posture": {area: posture(c) for area, c in sorted(areas.items())},
        "posture_rule": POSTURE_RULE,
        "site_grades": site_grades(store),
        "findings_by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "mail_week": {k: mail.get(k, 0) for k in MAIL_VERDICTS},
        "logs_week": dict(sorted((clean(k, 100), n) for k, n in logs.items())),
        "log_incidents_week": sum(logs.values()),
        "next_risk": next_risk(campaign, now),
    }


# -- timeline ----------------------------------------------------------------


def campaign_window(campaign: Campaign | None) -> tuple[datetime, datetime] | None:
    """The campaign's period: ``[timeline] start``–``end`` when both are set, else its
    calendar from the first moment to the day after the last one ends, else None."""
    if campaign is None:
        return None
    if campaign.timeline.start and campaign.timeline.end:
        return campaign.timeline.start.astimezone(UTC), campaign.timeline.end.astimezone(UTC)
    if not campaign.calendar:
        return None
    from rempart.timeline.sources import calendar_from_campaign

    moments = calendar_from_campaign(campaign).moments
    first = min(m.start for m in moments).astimezone(UTC)
    last = max(m.until for m in moments).astimezone(UTC)
    return first, last + timedelta(days=1)


def period_bounds(
    period: str, campaign: Campaign | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The ``[since, until)`` of a zoom level (``campaign``: see :func:`campaign_window`)."""
    if period == "campaign":
        window = campaign_window(campaign)
        if window is not None:
            return window
    length = PERIODS.get(period)
    return (None, None) if length is None else (now - length, None)


def periods(campaign: Campaign | None) -> list[str]:
    """The zoom levels offered (``campaign`` when the campaign has a period or a calendar)."""
    names = list(PERIODS)
    if campaign_window(campaign) is not None:
        names.append("campaign")
    return names


def build_timeline(
    store: Store, campaign: Campaign | None, since: datetime | None, until: datetime | None
) -> Any:
    """The campaign's calendar and the newest :data:`MAX_CHART_EVENTS` events of the period."""
    from rempart.timeline.model import Timeline, TimelineEvent
    from rempart.timeline.sources import calendar_from_campaign

    rows = store.event_heads(since=since, until=until, limit=MAX_CHART_EVENTS)
    # the chart writes summaries as labels: cleaned and defanged here, once, like
    # everywhere else (timeline_data shows them as they are now)
    events = tuple(
        TimelineEvent.from_store(e, defang_text(clean(e.summary, 400))) for e in reversed(rows)
    )
    moments = calendar_from_campaign(campaign).moments if campaign else ()
    name = campaign.organisation.name if campaign else "Campaign"
    zone = campaign.timeline.zone if campaign else "UTC"
    window = (since, until) if since is not None and until is not None else None
    timeline = Timeline(name, zone, tuple(sorted(moments, key=lambda m: m.start)), events)
    return timeline if window is None else timeline.between(*window)


def timeline_data(timeline: Any, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
    """The timeline's moments and events (newest first, ``limit`` of them from ``offset``;
    ``total``: how many there are) as JSON-ready values (``local``: the time in the
    timeline's zone, as shown). ``timeline`` comes from :func:`build_timeline`, whose
    summaries are already cleaned and defanged."""
    zone = timeline.zone
    newest = sorted(timeline.events, key=lambda e: e.time, reverse=True)
    shown = newest[offset:] if limit is None else newest[offset : offset + limit]
    return {
        "name": clean(timeline.name, 200),
        "zone": zone,
        "moments": [
            {
                "name": clean(m.name, 200),
                "kind": m.kind,
                "start": m.start.isoformat(),
                "end": m.end.isoformat() if m.end else None,
                "local": local_time(m.start, zone, m.precision.value),
            }
            for m in timeline.moments
        ],
        "events": [
            {
                "id": e.id,
                "time": e.time.isoformat(),
                "local": local_time(e.time, zone, e.precision.value),
                "kind": clean(e.kind, 100),
                "severity": e.severity.value,
                "summary": e.summary,
            }
            for e in shown
        ],
        "total": len(newest),
    }


_CHART_LOCK = threading.Lock()
CHART_CACHE_SIZE = 16
"""Charts kept in memory (the least recently served goes first)."""


def timeline_digest(timeline: Any, lang: str = "en") -> str:
    """A digest of everything the chart draws from ``timeline`` (name, zone, span, notes,
    each moment and each event as drawn) and of ``lang``: equal digests, equal charts."""
    import hashlib

    digest = hashlib.blake2b(digest_size=20)
    head = (timeline.name, timeline.zone, lang, timeline.span(), timeline.notes)
    digest.update(repr(head).encode("utf-8", "replace"))
    for m in timeline.moments:
        moment = (m.name, m.kind, m.start, m.end, m.zone, m.precision, m.certainty)
        digest.update(repr((moment, m.zone_assumed)).encode("utf-8", "replace"))
    for e in timeline.events:
        drawn = (e.id, e.time, e.end, e.kind, e.severity, e.summary, e.precision)
        where = (e.certainty, e.zone, e.zone_assumed)
        digest.update(repr((drawn, where)).encode("utf-8", "replace"))
    return digest.hexdigest()


class ChartCache:
    """The last ``size`` charts drawn, by :func:`timeline_digest`; safe across threads."""

    def __init__(self, size: int = CHART_CACHE_SIZE) -> None:
        self.size = max(size, 1)
        self._charts: dict[str, str] = {}  # oldest served first
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._charts.pop(key, None)
            if found is not None:
                self._charts[key] = found
            return found

    def put(self, key: str, svg: str) -> None:
        with self._lock:
            self._charts.pop(key, None)
            self._charts[key] = svg
            while len(self._charts) > self.size:
                del self._charts[next(iter(self._charts))]

    def __len__(self) -> int:
        with self._lock:
            return len(self._charts)

    def clear(self) -> None:
        with self._lock:
            self._charts.clear()


CHART_CACHE = ChartCache()
"""The dashboard's charts: a request for an unchanged timeline is not drawn again."""


def chart_svg(timeline: Any, lang: str = "en") -> str:
    """The timeline chart as an inline SVG element whose event markers can be clicked
    (see :func:`clickable_chart`); "" when it cannot be drawn.

    Served from :data:`CHART_CACHE` when the same timeline was drawn recently.
    matplotlib's settings are global, so charts are drawn one at a time.
    """
    key = timeline_digest(timeline, lang)
    found = CHART_CACHE.get(key)
    if found is not None:
        return found
    with _CHART_LOCK:
        found = CHART_CACHE.get(key)  # drawn by another request while this one waited
        if found is None:
            found = _draw_chart(timeline, lang)
            CHART_CACHE.put(key, found)
    return found


def _draw_chart(timeline: Any, lang: str) -> str:
    from rempart.errors import RempartError
    from rempart.timeline import chart

    with tempfile.TemporaryDirectory(prefix="rempart-chart-") as tmp:
        try:
            path = chart.render(timeline, Path(tmp) / "chart.svg", lang=lang)
            svg = chart.inline_svg(path.read_text(encoding="utf-8"))
        except (RempartError, ValueError, OverflowError) as exc:
            logger.warning("timeline chart not drawn: %s", exc)
            return ""
    return clickable_chart(svg, timeline)


# -- chart markers -------------------------------------------------------------
# matplotlib draws the events as scatter groups, one ``<g id="events-certain-38">``
# (or ``aggregated-…``) per (hollow, marker size), each holding one ``<use>`` per mark
# in the order of the chart's plan. The plan (rempart.timeline.chart.plan) says which
# events each mark stands for; the sizes grow with the severity (one event per mark)
# or the count (aggregated), which is enough to split the marks between the groups.
# Anything that does not add up leaves the chart as drawn, markers not clickable.

_MARKER_GROUP = re.compile(r"(events|aggregated)-(certain|uncertain)-([0-9.]+)")
_SVG_TOKEN = re.compile(r'<g id="([^"]*)"|<use\b')


@dataclass(frozen=True)
class ChartMarker:
    """What one marker of the chart opens."""

    event_id: str
    """The event shown when it is clicked (for a bin: its worst, then newest, event)."""
    count: int
    """Events the marker stands for (more than one when the chart aggregates)."""
    kind: str
    severity: str
    event_ids: tuple[str, ...] = ()
    """Every event it stands for, worst then newest first."""


@dataclass(frozen=True)
class _SvgGroup:
    mode: str
    hollow: bool
    size: float
    uses: list[int]
    """Offsets of its ``<use`` tags in the SVG text."""


def _svg_groups(svg: str) -> list[_SvgGroup]:
    """The marker groups of the chart's SVG in document order, with their ``<use>`` tags."""
    groups: list[_SvgGroup] = []
    current: _SvgGroup | None = None
    for m in _SVG_TOKEN.finditer(svg):
        if m.group(1) is not None:
            found = _MARKER_GROUP.fullmatch(m.group(1))
            current = None
            if found:
                mode, hollow, size = found.groups()
                current = _SvgGroup(mode, hollow == "uncertain", float(size), [])
                groups.append(current)
        elif current is not None:
            current.uses.append(m.start())
    return groups


def _marks_and_events(timeline: Any) -> tuple[Any, list[list[Any]]] | None:
    """The chart's plan and, for each of its marks, the events it stands for (or None
    when they cannot be matched)."""
    from rempart.timeline import chart

    drawn = chart.drawable(timeline)
    p = chart.plan(drawn)
    by_id = {e.id: e for e in drawn.events}
    members: list[list[Any]] = []
    for mark in p.marks:
        group = [by_id[i] for i in mark.ids if i in by_id]
        if not group or len(group) != mark.count or chart.lane_of(group[0].kind) != mark.lane:
            return None
        members.append(group)
    return p, members


def _split(keys: list[tuple[int, int]], lengths: list[int]) -> list[list[int]] | None:
    """Mark indexes per group: ``keys`` are (size key, index), groups sorted by size.

    None when the groups' lengths do not add up or would split equal size keys.
    """
    if sum(lengths) != len(keys):
        return None
    ordered = sorted(keys)
    chunks, at = [], 0
    for n in lengths:
        chunk = ordered[at : at + n]
        if not chunk or (at + n < len(ordered) and ordered[at + n][0] == chunk[-1][0]):
            return None
        chunks.append(sorted(i for _, i in chunk))
        at += n
    return chunks


def chart_markers(svg: str, timeline: Any) -> list[tuple[int, ChartMarker]] | None:
    """Each event marker of the chart's ``svg``: the offset of its ``<use`` tag and what
    it opens; None when the SVG and the timeline's plan do not match."""
    matched = _marks_and_events(timeline)
    if matched is None:
        return None
    p, members = matched
    groups = _svg_groups(svg)
    mode = "aggregated" if p.aggregated else "events"
    if any(g.mode != mode for g in groups):
        return None
    out: list[tuple[int, ChartMarker]] = []
    for hollow in (False, True):
        mine = [g for g in groups if g.hollow is hollow]
        if any(a.size >= b.size for a, b in pairwise(mine)):
            return None
        keys = [
            (m.count if p.aggregated else m.severity.rank, i)
            for i, m in enumerate(p.marks)
            if m.uncertain is hollow
        ]
        chunks = _split(keys, [len(g.uses) for g in mine])
        if chunks is None:
            return None
        for group, chunk in zip(mine, chunks, strict=True):
            for offset, index in zip(group.uses, chunk, strict=True):
                events = sorted(
                    members[index], key=lambda e: (e.severity.rank, e.time), reverse=True
                )
                shown = events[0]
                ids = tuple(e.id for e in events)
                marker = ChartMarker(shown.id, len(events), shown.kind, shown.severity.value, ids)
                out.append((offset, marker))
    return sorted(out, key=lambda pair: pair[0])


MAX_MARKER_EVENTS = 50
"""A marker standing for several events lists at most this many of them (worst first)."""


def clickable_chart(svg: str, timeline: Any) -> str:
    """The chart's SVG with each event marker carrying the id of the event it opens
    (``data-event-id``, ``data-count``; for several events, the ids of the first
    :data:`MAX_MARKER_EVENTS` of them, worst first, in ``data-event-ids``), focusable
    and labelled; unchanged (with a warning) when the markers cannot be matched to the
    events."""
    markers = chart_markers(svg, timeline)
    if markers is None:
        logger.warning("timeline chart: markers not matched to events, not clickable")
        return svg
    parts, at = [], 0
    for offset, m in markers:
        label = f"{clean(m.kind, 100)} ({m.severity})" + (
            f", {m.count} events" if m.count > 1 else ""
        )
        listed = ""
        if m.count > 1:
            ids = " ".join(m.event_ids[:MAX_MARKER_EVENTS])
            listed = f'data-event-ids="{html.escape(ids, quote=True)}" '
        parts += [
            svg[at:offset],
            f'<use class="marker" tabindex="0" role="button" '
            f'data-event-id="{html.escape(m.event_id, quote=True)}" data-count="{m.count}" '
            f'{listed}aria-label="{html.escape(label, quote=True)}"',
        ]
        at = offset + len("<use")
    parts.append(svg[at:])
    return "".join(parts)
