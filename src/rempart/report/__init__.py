"""``rempart report``: a two-page security briefing for the party's leadership.

Generated from the campaign's own findings and events, in plain words, in
English or French: the five things to fix first and who should do it, what
was attacked and when (with the timeline chart), the risk windows ahead with
the posture to hold, and what the tool cannot see. Written as a self-contained
HTML page or as an A4 PDF (WeasyPrint), never fetching anything.
"""

from __future__ import annotations

import base64
import logging
import os
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rempart.errors import InputError, RempartError
from rempart.model.campaign import Campaign
from rempart.model.findings import Status
from rempart.report import build, render
from rempart.report.build import Briefing, Inputs
from rempart.report.texts import LANGS, text

__all__ = ["FORMATS", "LANGS", "PERIOD_DAYS", "read_inputs", "write_briefing"]

log = logging.getLogger(__name__)

PERIOD_DAYS = 30
"""The briefing looks this many days back (attacks) and ahead (risk windows)."""
MAX_DAYS = 366
MAX_FINDINGS = 200_000
"""Open findings read at most (a store holds ~100,000 in the benchmarks)."""
MAX_EVENTS = 200_000
"""Events of the period read at most; the chart aggregates them."""
MAX_CHART_BYTES = 8 * 1024 * 1024
"""A chart image larger than this is left out (it would bloat the page)."""
FORMATS = (".html", ".pdf")
"""What ``out`` may end with."""


def write_briefing(
    db: str | None,
    campaign: Campaign | None,
    out: Path,
    *,
    lang: str = "en",
    now: datetime | None = None,
    days: int = PERIOD_DAYS,
) -> Path:
    """Write the briefing to ``out`` (``.html`` or ``.pdf``) and return its path.

    ``db`` is a ``--db`` value (None: the default store). ``now`` (default: the
    current time; a naive one is read as UTC) makes the briefing reproducible:
    attacks are counted over the ``days`` days up to it, risk windows over the
    ``days`` days after it. Raises :class:`InputError` for an unknown language, a
    bad suffix or an unwritable path (checked before any work), and
    :class:`~rempart.errors.StoreError` when the store cannot be read.
    """
    out = Path(out)
    suffix = _checked(out, lang, days)
    at = _aware(now)
    inputs = read_inputs(db, campaign, at - timedelta(days=days), at)
    b = with_chart(build.briefing(inputs, at, lang, days), inputs, at, days)
    if suffix == ".pdf":
        printed = render.pdf(b)
        log.info("briefing: %d page(s), budget %d", printed.pages, printed.budget)
        data = printed.data
    else:
        data = render.html(b).encode("utf-8")
    _write(out, data)
    return out


def _checked(out: Path, lang: str, days: int) -> str:
    """The output's suffix, after checking the language, the period and the path."""
    if lang not in LANGS:
        raise InputError(f"--lang {lang!r}: the briefing is written in {' or '.join(LANGS)}")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InputError(f"period of {days!r} days: give 1 to {MAX_DAYS}")
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{out}: the briefing is written as .html or .pdf, not {suffix!r}")
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise InputError(f"{out}: is a folder; give a file name ending in {suffix}")
    if not parent.is_dir():
        raise InputError(f"{out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise InputError(f"{out}: cannot be written (permission denied)")
    return suffix


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def read_inputs(
    db: str | None, campaign: Campaign | None, since: datetime, until: datetime
) -> Inputs:
    """The open findings, the events of ``[since, until)`` and the campaign's calendar."""
    from rempart.store import Store  # here: its import is slow
    from rempart.timeline.sources import calendar_from_campaign

    with Store.open(db) as store:
        findings = store.findings(status=Status.OPEN)[:MAX_FINDINGS]
        events = store.events(since=since, until=until)
    if len(events) > MAX_EVENTS:
        log.warning("briefing: %d events in the period, only the latest %d read",
                    len(events), MAX_EVENTS)  # fmt: skip
        events = events[-MAX_EVENTS:]
    moments = calendar_from_campaign(campaign).moments if campaign is not None else ()
    return Inputs(
        organisation=campaign.organisation.name if campaign is not None else "",
        zone=campaign.timeline.zone if campaign is not None else "UTC",
        findings=findings,
        events=events,
        moments=moments,
        has_calendar=bool(moments),
    )


def with_chart(b: Briefing, inputs: Inputs, now: datetime, days: int) -> Briefing:
    """``b`` with the timeline chart (PNG, as a data URI): the attacks of the period and
    the calendar up to the end of the look-ahead. A chart that cannot be drawn is a note,
    never an error."""
    from rempart.timeline import chart
    from rempart.timeline.model import Timeline, TimelineEvent

    events = tuple(
        TimelineEvent.from_store(e) for e in inputs.events if build.family_of(e.kind) is not None
    )
    timeline = Timeline(
        name=inputs.organisation or "Campaign",
        zone=inputs.zone,
        moments=tuple(sorted(inputs.moments, key=lambda m: (m.start, m.name))),
        events=events,
        window=(now - timedelta(days=days), now + timedelta(days=days)),
    )
    try:
        with tempfile.TemporaryDirectory(prefix="rempart-report-") as tmp:
            path = chart.render(
                timeline, Path(tmp) / "timeline.png", title=b.organisation, lang=b.lang
            )
            image = path.read_bytes()
    except (RempartError, OSError, ValueError, OverflowError) as exc:
        log.warning("briefing: no chart: %s", exc)
        return replace(b, chart_note=text(b.lang, "chart_failed", reason=str(exc)[:200]))
    if len(image) > MAX_CHART_BYTES:
        reason = f"{len(image)} bytes"
        return replace(b, chart_note=text(b.lang, "chart_failed", reason=reason))
    return replace(b, chart="data:image/png;base64," + base64.b64encode(image).decode("ascii"))


def _write(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` whole or not at all (a temporary file, then a rename)."""
    parent = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".briefing-", dir=parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"{out}: cannot be written ({exc.strerror or exc})") from exc
