"""Mail verdicts and phishing waves as timeline events.

Every message judged phishing, suspicious or spam becomes one event (clean
mail does not clutter the timeline). A *wave* is several such messages sharing
an indicator — the same attachment, the same link host, the same sending
domain — within a few days: one event that grows as messages arrive (it keeps
its id and is rewritten).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rempart.mail.context import MailContext
from rempart.mail.model import Triage, Verdict
from rempart.mail.similar import catalog
from rempart.mail.urls import host_of
from rempart.model.findings import Event, Severity, bounded_details, event_id, utcnow

SOURCE = "mail"
VERDICT_KINDS = {
    Verdict.PHISHING: ("mail.phishing", Severity.HIGH),
    Verdict.SUSPICIOUS: ("mail.suspicious", Severity.MEDIUM),
    Verdict.SPAM: ("mail.spam", Severity.LOW),
}
WAVE_KIND = "mail.wave"
WAVE_SOURCES = ("mail.phishing", "mail.suspicious")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SKEW = timedelta(days=2)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WaveSettings:
    """How messages are grouped into waves."""

    window: timedelta = timedelta(hours=72)
    """Largest gap between two messages of one wave."""
    min_messages: int = 3
    """Messages sharing an indicator that make a wave."""


def event_time(t: Triage, now: datetime | None = None) -> datetime:
    """When the message arrived: the receiving server's stamp, else its Date if not in the
    future (senders lie), else now."""
    now = now or utcnow()
    for when in (t.received, t.date):
        if when is not None and when <= now + _SKEW:
            return when
    return now


def verdict_event(t: Triage, ctx: MailContext, now: datetime | None = None) -> Event | None:
    """The timeline event for one verdict (None for clean mail and unreadable messages)."""
    kind_sev = VERDICT_KINDS.get(t.verdict)
    if kind_sev is None:
        return None
    kind, severity = kind_sev
    when = event_time(t, now)
    identity = t.message_id or f"{t.source}|{t.subject}|{t.sender}"
    targets = tuple(r for r in t.recipients if ctx.is_own(r.rpartition("@")[2]))[:20]
    ind = t.indicators
    indicators = (*ind.senders, *ind.domains, *ind.ips, *ind.sha256, *ind.urls[:20])
    label = t.verdict.value.capitalize()
    subject = " ".join(t.subject.split())[:120]
    return Event(
        # the id does not depend on the time: a message whose arrival time is unknown
        # (stamped "now") must still be the same event when triaged again
        id=event_id(SOURCE, kind, _EPOCH, identity),
        time=when,
        kind=kind,
        source=SOURCE,
        summary=f"{label} mail (score {t.score}): \u201c{subject}\u201d from {t.sender or '?'}",
        severity=severity,
        targets=targets,
        indicators=tuple(dict.fromkeys(indicators))[:60],
        details=bounded_details(
            (r.title or r.signal, r.evidence) for r in t.reasons if r.weight > 0
        ),
    )


def waves(
    events: Iterable[Event], ctx: MailContext, settings: WaveSettings = WaveSettings()
) -> list[Event]:
    """Waves among verdict events: the largest groups sharing one indicator, each a
    ``mail.wave`` event whose id stays the same as the wave grows."""
    by_key: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.kind not in WAVE_SOURCES:
            continue
        for key in _keys(event, ctx):
            by_key[key].append(event)
    found: dict[frozenset[str], tuple[int, str, list[Event]]] = {}
    for key, members in by_key.items():
        for cluster in _clusters(sorted(members, key=lambda e: e.time), settings.window):
            if len({e.id for e in cluster}) < settings.min_messages:
                continue
            ids = frozenset(e.id for e in cluster)
            rank = _RANK[key.partition(":")[0]]
            if ids not in found or rank < found[ids][0]:
                found[ids] = (rank, key, cluster)
    return [_wave_event(key, cluster) for _, key, cluster in sorted(found.values(),
            key=lambda v: (v[2][0].time, v[1]))]  # fmt: skip


_RANK = {"sha256": 0, "host": 1, "sender": 2}
_KEY_WORDS = {"sha256": "the same attachment", "host": "links to", "sender": "sent from"}


def _keys(event: Event, ctx: MailContext) -> list[str]:
    keys = []
    for ind in event.indicators:
        if _SHA256.match(ind):
            keys.append(f"sha256:{ind}")
        elif ind.startswith(("http://", "https://")):
            host = host_of(ind)
            if host and not ctx.is_own(host):
                keys.append(f"host:{host}")
        elif "@" in ind:
            domain = ind.rpartition("@")[2].lower()
            # a free-mail provider is shared by unrelated senders: never a wave's key
            if domain and not catalog().is_freemail(domain) and not ctx.is_own(domain):
                keys.append(f"sender:{domain}")
    return list(dict.fromkeys(keys))


def _clusters(members: Sequence[Event], window: timedelta) -> list[list[Event]]:
    clusters: list[list[Event]] = []
    for event in members:
        if clusters and event.time - clusters[-1][-1].time <= window:
            clusters[-1].append(event)
        else:
            clusters.append([event])
    return clusters


def _wave_event(key: str, cluster: list[Event]) -> Event:
    kind, _, value = key.partition(":")
    first, last = cluster[0].time, cluster[-1].time
    n = len({e.id for e in cluster})
    phishing = sum(e.kind == "mail.phishing" for e in cluster)
    targets = tuple(dict.fromkeys(t for e in cluster for t in e.targets))[:50]
    severity = Severity.CRITICAL if n >= 10 or (targets and phishing) else Severity.HIGH
    what = _KEY_WORDS[kind]
    shown = value[:16] + "…" if kind == "sha256" else value
    return Event(
        id=event_id(SOURCE, WAVE_KIND, first, key),
        time=first,
        kind=WAVE_KIND,
        source=SOURCE,
        summary=(
            f"Phishing wave: {n} messages ({phishing} phishing) {what} {shown}, "
            f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
        ),
        severity=severity,
        targets=targets,
        indicators=(value,),
    )
