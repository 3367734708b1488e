"""Look-alike domains in the sender addresses and in the links of a message.

Every domain of ``From``, ``Reply-To``, ``Sender`` and ``Return-Path``, and every
link host, goes through :mod:`rempart.mail.similar`, which compares it with the
campaign's own domains and with the domains of brands attackers imitate.
Imitating the campaign (``campaign-partty.org`` for ``campaign-party.org``) is a
much stronger sign than imitating a brand, and a sender address is stronger
than a link, hence four signals. IDN homographs (``xn--`` names written with
Cyrillic or Greek letters that read as Latin ones) get their own signal, even
when the name imitates nothing we know.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from rempart.mail.context import MailContext
from rempart.mail.model import Category, Hit, ParsedMail, SignalSpec
from rempart.mail.similar import Lookalike, Similarity, engine_for, skeleton
from rempart.mail.urls import host_of, idna_unicode, registrable

log = logging.getLogger(__name__)

EVIDENCE = 300
MAX_HOSTS = 300
"""Distinct link hosts compared per message."""
MAX_HITS = 3
"""Hits kept per signal (distinct domains)."""
SENDER_HEADERS = ("From", "Reply-To", "Sender")

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        "lookalike.sender_own",
        Category.LOOKALIKE,
        "A sender address uses a domain made to look like one of the campaign's own",
        "Registering 'campaign-partty.org' or 'parti-exemple.com' lets a fraudster pass as "
        "a colleague; such domains exist only to deceive the campaign.",
        "Do not reply, pay or open attachments. Report the domain to the technical contact, "
        "who can have it taken down.",
        4.0,
    ),
    SignalSpec(
        "lookalike.sender_brand",
        Category.LOOKALIKE,
        "A sender address uses a domain made to look like a well-known brand's",
        "Domains like 'paypa1.com' or 'google.com-login.xyz' imitate a brand the recipient trusts.",
        "Do not click. Go to the brand's site or app yourself.",
        2.5,
    ),
    SignalSpec(
        "lookalike.link_own",
        Category.LOOKALIKE,
        "A link points to a domain made to look like one of the campaign's own",
        "A fake campaign login or donation page collects staff passwords or donors' card numbers.",
        "Do not open the link; report it to the technical contact.",
        3.0,
    ),
    SignalSpec(
        "lookalike.link_brand",
        Category.LOOKALIKE,
        "A link points to a domain made to look like a well-known brand's",
        "Phishing pages live on names close to the real one so the address bar looks right "
        "at a glance.",
        "Do not open the link; type the brand's address yourself.",
        1.8,
    ),
    SignalSpec(
        "lookalike.punycode_confusable",
        Category.LOOKALIKE,
        "A domain is written with foreign letters that look like Latin ones (IDN homograph)",
        "Cyrillic 'р' and 'а' look exactly like Latin 'p' and 'a': 'раrti-exemple.fr' is "
        "a different domain that displays like the real one.",
        "Do not trust the address; report it to the technical contact.",
        3.0,
    ),
)


def _sender_domains(mail: ParsedMail) -> Iterator[tuple[str, str, str]]:
    """``(header, shown value, domain)`` of every sender-side address."""
    for name in SENDER_HEADERS:
        raw = mail.header(name)
        addrs = {"From": mail.from_, "Reply-To": mail.reply_to}.get(name, ())
        for a in addrs[:5]:
            if a.domain:
                yield name, raw or f"<{a.address}>", a.domain
        if name == "Sender" and "@" in raw:
            domain = raw.rpartition("@")[2].strip(" <>").lower()
            yield name, raw, domain
    if mail.return_path:
        yield "Return-Path", f"<{mail.return_path}>", mail.return_path.rpartition("@")[2]


def _link_hosts(mail: ParsedMail) -> Iterator[tuple[str, str]]:
    """``(url, host)`` for each distinct link host, at most :data:`MAX_HOSTS`."""
    seen: set[str] = set()
    for link in mail.links:
        host = host_of(link.url)
        if host and host not in seen:
            seen.add(host)
            yield link.url, host
            if len(seen) >= MAX_HOSTS:
                return


def _describe(look: Lookalike) -> str:
    return f"imitates {look.protected} ({look.detail})"


def _add(
    hits: dict[str, list[Hit]], seen: set[tuple[str, str]], signal: str, reg: str, evidence: str
) -> None:
    if (signal, reg) in seen or len(hits.setdefault(signal, [])) >= MAX_HITS:
        return
    seen.add((signal, reg))
    hits[signal].append(Hit(signal, evidence[:EVIDENCE]))


def homograph(host: str) -> str:
    """Why ``host`` is an IDN homograph (``""`` when it is not): a label mixing Latin
    with look-alike foreign letters, or made only of foreign letters that all read
    as Latin ones under an ASCII ending."""
    if "xn--" not in host:
        return ""
    from confusable_homoglyphs.categories import alias

    labels = idna_unicode(host).split(".")
    ascii_tld = labels[-1].isascii()
    for label in labels:
        if label.isascii():
            continue
        scripts = {alias(c) for c in label if c.isalpha()} - {"COMMON", "INHERITED"}
        foreign = [c for c in label if c.isalpha() and alias(c) != "LATIN"]
        lookalike = [c for c in foreign if skeleton(c).isascii() and skeleton(c).isalnum()]
        if "LATIN" in scripts and len(scripts) > 1 and lookalike:
            return f"mixes Latin with {', '.join(sorted(scripts - {'LATIN'})).title()} letters"
        if ascii_tld and foreign and len(lookalike) == len(foreign) and "LATIN" not in scripts:
            return f"only {', '.join(sorted(scripts)).title()} letters that read as Latin"
    return ""


def _punycode(
    hits: dict[str, list[Hit]],
    seen: set[tuple[str, str]],
    where: str,
    host: str,
    look: Lookalike | None,
) -> None:
    why = homograph(host)
    if look is not None and "homoglyph" in look.techniques:
        why = why or "foreign letters"
    if why:
        shown = idna_unicode(host)
        extra = f", imitates {look.protected}" if look is not None else ""
        evidence = f"{where} — {host} reads as {shown} ({why}{extra})"
        _add(hits, seen, "lookalike.punycode_confusable", registrable(host), evidence)


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """Look-alike domains among the senders and the links of ``mail``."""
    engine: Similarity = engine_for(ctx.own_domains)
    hits: dict[str, list[Hit]] = {}
    seen: set[tuple[str, str]] = set()
    for header, shown, domain in _sender_domains(mail):
        look = engine.check(domain)
        where = f"{header}: {shown[:120]}"
        if look is not None:
            signal = "lookalike.sender_own" if look.own else "lookalike.sender_brand"
            _add(hits, seen, signal, look.registrable, f"{where} {_describe(look)}")
        _punycode(hits, seen, where, domain, look)
    for url, host in _link_hosts(mail):
        look = engine.check(host)
        if look is not None:
            signal = "lookalike.link_own" if look.own else "lookalike.link_brand"
            _add(hits, seen, signal, look.registrable, f"{url[:160]} {_describe(look)}")
        _punycode(hits, seen, url[:160], host, look)
    return [h for signal in sorted(hits) for h in hits[signal]]
