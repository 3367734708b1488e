"""One message in, one verdict out: parse, run every signal module, score.

Failures are data: a module that raises on a message is named in the
verdict's ``errors`` and the others still count; a message that cannot be read
at all gets the ``error`` verdict with the reason. A time budget per message
(``MailLimits.max_seconds``) skips the modules still to run once spent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from rempart.mail.context import Deadline, MailContext
from rempart.mail.model import Hit, Indicators, ParsedMail, Triage, Verdict
from rempart.mail.parse import parse_message
from rempart.mail.registry import DETECTORS, SIGNALS
from rempart.mail.scoring import Model, load_model, score
from rempart.mail.sources import RawMessage
from rempart.mail.urls import host_of, is_ip, registrable

log = logging.getLogger(__name__)

_TITLES = {sid: spec.title for sid, spec in SIGNALS.items()}
_ADVICE = {sid: spec.advice for sid, spec in SIGNALS.items()}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_IPV4 = re.compile(r"\[(\d{1,3}(?:\.\d{1,3}){3})\]")
MAX_INDICATORS = 200


def collect_hits(mail: ParsedMail, ctx: MailContext) -> tuple[list[Hit], list[str]]:
    """Every module's hits on ``mail``, and one line per module that failed or was skipped."""
    hits: list[Hit] = []
    errors: list[str] = []
    deadline = Deadline(ctx.limits.max_seconds)
    for i, detector in enumerate(DETECTORS):
        if deadline.expired():
            skipped = ", ".join(d.name for d in DETECTORS[i:])
            errors.append(f"time budget of {deadline.seconds:g} s spent; not checked: {skipped}")
            break
        try:
            found = detector.detect(mail, ctx)
        except Exception as exc:  # one module's bug must not lose the message
            log.debug("signal module %s failed on %s", detector.name, mail.source, exc_info=True)
            errors.append(f"{detector.name} signals failed: {type(exc).__name__}: {exc}"[:300])
            continue
        hits.extend(h for h in found if h.signal in SIGNALS)
    return hits, errors


def triage_parsed(mail: ParsedMail, ctx: MailContext, model: Model | None = None) -> Triage:
    """The verdict on an already parsed message."""
    hits, errors = collect_hits(mail, ctx)
    scored = score(hits, model or load_model(), _TITLES, _ADVICE)
    sender = mail.sender
    return Triage(
        source=mail.source,
        verdict=scored.verdict,
        score=scored.score,
        reasons=scored.reasons,
        indicators=indicators_of(mail, hits, ctx.relays),
        subject=mail.subject[:300],
        sender=(sender.address or sender.display) if sender else "",
        date=mail.date,
        received=received_time(mail),
        message_id=mail.message_id[:300],
        recipients=tuple(a.address for a in (*mail.to, *mail.cc) if a.address)[:50],
        errors=tuple(errors),
    )


def triage_bytes(
    raw: bytes,
    source: str,
    ctx: MailContext,
    model: Model | None = None,
    *,
    raw_size: int | None = None,
) -> Triage:
    """Parse ``raw`` and triage it (``raw_size``: the true size when ``raw`` was cut)."""
    try:
        mail = parse_message(raw, source, ctx.limits, raw_size=raw_size)
    except Exception as exc:  # the parser records problems; this is a last resort
        log.debug("parser failed on %s", source, exc_info=True)
        return error_triage(source, f"cannot parse: {type(exc).__name__}: {exc}"[:300])
    return triage_parsed(mail, ctx, model)


def triage_raw(message: RawMessage, ctx: MailContext, model: Model | None = None) -> Triage:
    """Triage a message from a source; an unreadable one gets the ``error`` verdict."""
    if message.data is None:
        return error_triage(message.source, message.error or "unreadable")
    result = triage_bytes(message.data, message.source, ctx, model, raw_size=message.size or None)
    if message.error:
        return replace(result, errors=(message.error, *result.errors))
    return result


def error_triage(source: str, reason: str) -> Triage:
    """The verdict for a message that could not be read."""
    return Triage(source=source, verdict=Verdict.ERROR, score=0, errors=(reason,))


def indicators_of(
    mail: ParsedMail, hits: Iterable[Hit], relays: tuple[str, ...] = ()
) -> Indicators:
    """URLs, domains, IPs, sender addresses and SHA-256 of ``mail``, deduplicated, bounded."""
    urls: dict[str, None] = {}
    domains: dict[str, None] = {}
    ips: dict[str, None] = {}
    senders: dict[str, None] = {}
    hashes: dict[str, None] = {a.sha256: None for a in mail.attachments}
    extra = [i for h in hits for i in h.indicators]
    for url in [link.url for link in mail.links] + extra:
        if _SHA256.match(url):
            hashes[url] = None
            continue
        low = url.lower()
        if not low.startswith(("http://", "https://", "ftp://", "www.")):
            continue
        urls[url] = None
        host = host_of(url)
        if host and is_ip(host):
            ips[host] = None
        elif host:
            domains[registrable(host)] = None
    for addr in (*mail.from_, *mail.reply_to):
        if addr.address:
            senders[addr.address] = None
    if mail.return_path:
        senders[mail.return_path] = None
    for address in senders:
        domain = address.rpartition("@")[2]
        if domain:
            domains[registrable(domain)] = None
    origin = _origin_ip(mail, relays)
    if origin:
        ips[origin] = None
    cap = MAX_INDICATORS
    return Indicators(
        urls=tuple(list(urls)[:cap]),
        domains=tuple(list(domains)[:cap]),
        ips=tuple(list(ips)[:cap]),
        senders=tuple(list(senders)[:cap]),
        sha256=tuple(list(hashes)[:cap]),
    )


def received_time(mail: ParsedMail) -> datetime | None:
    """The date the topmost ``Received:`` line gives (after its last ``;``), or None."""
    received = mail.header_all("Received")
    if not received:
        return None
    stamp = received[0][-200:].rpartition(";")[2].strip()
    try:
        when = parsedate_to_datetime(stamp)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _origin_ip(mail: ParsedMail, relays: tuple[str, ...] = ()) -> str:
    """The address that handed the message to the receiving server: from the
    ``Received`` line written by one of the party's relays when known, else from the
    topmost one (lower lines can be forged by the sender)."""
    received = mail.header_all("Received")[:50]
    line = received[0] if received else ""
    for value in received:
        by = value.lower().partition(" by ")[2][:300]
        if relays and any(by.startswith(r) for r in relays):
            line = value
            break
    m = _IPV4.search(line[:2000])
    if m is None:
        return ""
    ip = m.group(1)
    if ip.startswith(("10.", "127.", "192.168.")) or re.match(r"172\.(1[6-9]|2\d|3[01])\.", ip):
        return ""
    return ip
