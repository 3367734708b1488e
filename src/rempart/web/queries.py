"""What each dashboard page shows, as plain JSON-ready values read from the store.

The HTML pages and the JSON API share these functions, so a page never shows
anything its API does not return. Indicators (URLs, addresses, IPs) and the
free text around them come from attackers: they are defanged here, and the
templates escape everything.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rempart.model.campaign import Campaign
from rempart.model.defang import defang, defang_text
from rempart.model.findings import Event, Finding, Severity, Status
from rempart.store import Store
from rempart.store.store import HistoryEntry

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
"""Rows per page of findings and events."""
MAX_PAGE = 100_000
"""Pages beyond this are refused (5 million rows in)."""
MAX_QUERY = 200
"""Characters of a search kept."""
MAX_TEXT = 2000
"""Characters of one free-text field shown (evidence, summaries)."""
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


def finding_view(f: Finding) -> dict[str, Any]:
    """A finding as shown: free text cleaned, addresses in the evidence defanged."""
    out = f.as_dict()
    for key in ("title", "target", "scope", "check", "why", "remediation"):
        out[key] = clean(out[key])
    out["evidence"] = defang_text(clean(f.evidence))
    out["references"] = [clean(r, 300) for r in f.references]
    return out


def history_view(h: HistoryEntry) -> dict[str, Any]:
    """One status change as shown."""
    return {
        "at": h.at.isoformat(),
        "old_status": h.old_status.value if h.old_status else None,
        "new_status": h.new_status.value,
        "run_id": h.run_id,
        "by": clean(h.by, 200),
        "reason": clean(h.reason, 1000),
    }


def findings_page(store: Store, flt: FindingFilter) -> dict[str, Any]:
    """One page of findings matching ``flt``, with the total and the page count."""
    total, rows = store.findings_page(
        severity=flt.severity,
        status=flt.status,
        analyzer=flt.analyzer,
        query=flt.q or None,
        sort=flt.sort,
        limit=PAGE_SIZE,
        offset=(flt.page - 1) * PAGE_SIZE,
    )
    return {
        "total": total,
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
        "items": [finding_view(f) for f in rows],
    }


def finding_detail(store: Store, finding_id: str) -> dict[str, Any] | None:
    """One finding and its whole history, or None when unknown."""
    found = store.finding(finding_id)
    if found is None:
        return None
    return {**finding_view(found), "history": [history_view(h) for h in store.history(found.id)]}


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
    store: Store, family: str | None, since: datetime | None, page: int
) -> dict[str, Any]:
    """One page of events (newest first) of ``family`` from ``since``, with the total."""
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
        "items": [event_view(e) for e in rows],
    }


def block_list(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Sources of recent log incidents still worth blocking (the ``logs`` TTLs apply).

    Victims of an error burst are never listed; the allow-list and crawler checks of
    ``rempart logs`` are not applied here (this is a view, not the file to deploy).
    """
    from rempart.logs.blocklist import NOT_BLOCKED, TTL

    longest = max(TTL.values())
    _, rows = store.events_page(family="logs", since=now - longest, limit=MAX_BLOCK_EVENTS)
    found: dict[str, dict[str, Any]] = {}
    for e in rows:
        ttl = TTL.get(e.severity)
        kind = e.kind.removeprefix("logs.")
        if ttl is None or kind in NOT_BLOCKED or e.time + ttl <= now:
            continue
        for source in e.indicators:
            entry = found.setdefault(source, {"expires": e.time + ttl, "reasons": set()})
            entry["expires"] = max(entry["expires"], e.time + ttl)
            entry["reasons"].add(kind)
    return [
        {
            "source": defang(clean(s, 100)),
            "expires": v["expires"].isoformat(),
            "reasons": sorted(clean(r, 100) for r in v["reasons"]),
        }
        for s, v in sorted(found.items(), key=lambda kv: kv[1]["expires"], reverse=True)
    ]


# -- overview ----------------------------------------------------------------


def next_risk(campaign: Campaign | None, now: datetime) -> dict[str, Any] | None:
    """The next (or current) risk window from the campaign's calendar, or None."""
    if campaign is None or not campaign.calendar:
        return None
    from rempart.timeline.risk import risk_calendar
    from rempart.timeline.sources import calendar_from_campaign

    moments = calendar_from_campaign(campaign).moments
    windows = risk_calendar(moments, now, days=60, zone=campaign.timeline.zone).windows
    if not windows:
        return None
    first = windows[0].as_dict()
    first["in_progress"] = windows[0].in_progress(now)
    return {k: clean(v, 1000) if isinstance(v, str) else v for k, v in first.items()}


def overview(store: Store, campaign: Campaign | None, now: datetime) -> dict[str, Any]:
    """Posture per area: open findings by severity, mail verdicts and log incidents of the
    week, and the next risk window."""
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
    return {
        "now": now.isoformat(),
        "campaign": clean(campaign.organisation.name, 200) if campaign else None,
        "open_findings": dict(sorted(areas.items())),
        "findings_by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "mail_week": {k: mail.get(k, 0) for k in MAIL_VERDICTS},
        "logs_week": dict(sorted((clean(k, 100), n) for k, n in logs.items())),
        "log_incidents_week": sum(logs.values()),
        "next_risk": next_risk(campaign, now),
    }


# -- timeline ----------------------------------------------------------------


def period_bounds(
    period: str, campaign: Campaign | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The ``[since, until)`` of a zoom level (``campaign``: the campaign's window)."""
    if period == "campaign" and campaign and campaign.timeline.start and campaign.timeline.end:
        return campaign.timeline.start.astimezone(UTC), campaign.timeline.end.astimezone(UTC)
    length = PERIODS.get(period)
    return (None, None) if length is None else (now - length, None)


def periods(campaign: Campaign | None) -> list[str]:
    """The zoom levels offered."""
    names = list(PERIODS)
    if campaign and campaign.timeline.start and campaign.timeline.end:
        names.append("campaign")
    return names


def build_timeline(
    store: Store, campaign: Campaign | None, since: datetime | None, until: datetime | None
) -> Any:
    """The campaign's calendar and the newest :data:`MAX_CHART_EVENTS` events of the period."""
    from rempart.timeline.model import Timeline, TimelineEvent
    from rempart.timeline.sources import calendar_from_campaign

    _, rows = store.events_page(since=since, until=until, limit=MAX_CHART_EVENTS)
    # the chart writes summaries as labels: defanged like everywhere else
    events = tuple(
        replace(TimelineEvent.from_store(e), summary=defang_text(clean(e.summary, 400)))
        for e in reversed(rows)
    )
    moments = calendar_from_campaign(campaign).moments if campaign else ()
    name = campaign.organisation.name if campaign else "Campaign"
    zone = campaign.timeline.zone if campaign else "UTC"
    window = (since, until) if since is not None and until is not None else None
    timeline = Timeline(name, zone, tuple(sorted(moments, key=lambda m: m.start)), events)
    return timeline if window is None else timeline.between(*window)


def timeline_data(timeline: Any) -> dict[str, Any]:
    """The timeline's moments and events as JSON-ready values."""
    return {
        "name": clean(timeline.name, 200),
        "zone": timeline.zone,
        "moments": [
            {
                "name": clean(m.name, 200),
                "kind": m.kind,
                "start": m.start.isoformat(),
                "end": m.end.isoformat() if m.end else None,
            }
            for m in timeline.moments
        ],
        "events": [
            {
                "id": e.id,
                "time": e.time.isoformat(),
                "kind": clean(e.kind, 100),
                "severity": e.severity.value,
                "summary": defang_text(clean(e.summary, 400)),
            }
            for e in sorted(timeline.events, key=lambda e: e.time, reverse=True)
        ],
    }


_CHART_LOCK = threading.Lock()


def chart_svg(timeline: Any) -> str:
    """The timeline chart as an inline SVG element ("" when it cannot be drawn).

    matplotlib's settings are global, so charts are drawn one at a time.
    """
    from rempart.errors import RempartError
    from rempart.timeline import chart

    with _CHART_LOCK, tempfile.TemporaryDirectory(prefix="rempart-chart-") as tmp:
        try:
            path = chart.render(timeline, Path(tmp) / "chart.svg")
            return chart.inline_svg(path.read_text(encoding="utf-8"))
        except (RempartError, ValueError, OverflowError) as exc:
            logger.warning("timeline chart not drawn: %s", exc)
            return ""
