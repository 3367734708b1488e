"""Identity signals: who the message pretends to come from.

Spam filters know brands; Rempart also knows the campaign (``MailContext``):
its people, their real addresses, its domains and mail servers. These checks
compare the name the recipient sees with the address that actually sent:

* a campaign person's name on an address that is not theirs (treasurer fraud:
  ``"Camille Exemple" <camille.exemple.candidate@gmail.com>``);
* a brand's name on a domain that is not the brand's (the 2016 Podesta lure:
  display name "Google" from a non-Google domain);
* the campaign's own name, a help-desk name, or an e-mail address written in
  the display name;
* Reply-To and Return-Path pointing elsewhere (weak: newsletters and lists do
  it legitimately, so related domains, bulk-mail services and list mail are
  skipped);
* a free-mail sender speaking for an organisation. A journalist writing from
  gmail.com and signing with a newspaper's name is common and legitimate:
  newspapers are deliberately *not* claims here; only brands, the campaign,
  help desks and "service/support/billing"-type names are;
* mail "from" a party domain that never passed the party's mail servers.

All name comparison ignores accents, case, word order and punctuation and
folds look-alike letters (``PayPaI`` reads as ``paypal``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rempart.mail.context import MailContext, Person
from rempart.mail.model import Address, Category, Hit, ParsedMail, SignalSpec
from rempart.mail.signals.auth import relayed_by_us
from rempart.mail.similar import (
    Brand,
    Catalog,
    Phrases,
    catalog,
    contains_phrase,
    related,
    words,
)
from rempart.mail.urls import registrable

log = logging.getLogger(__name__)

EVIDENCE = 300
MAX_DISPLAY = 300
"""Characters of a display name examined."""
SIGNATURE_CHARS = 2_000
"""Characters at the end of the plain text searched for a signature."""

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@([A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,6})")
_VIA = frozenset(words("via par on behalf"))
_TEAM = Phrases(words(p) for p in ("équipe", "team", "service client", "support"))

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        "identity.display_name_person",
        Category.IDENTITY,
        "The sender's name is one of the campaign's people, but the address is not theirs",
        "Fraudsters borrow the candidate's or the treasurer's name on a free-mail or "
        "look-alike address to ask for wire transfers, documents or passwords.",
        "Do not reply or pay. Call the person on a known number to check; report the "
        "message to the campaign's technical contact.",
        3.5,
    ),
    SignalSpec(
        "identity.display_name_campaign",
        Category.IDENTITY,
        "The sender's name claims to be the campaign, but the address is not one of its domains",
        "Mail signed with the party's name from an outside address targets members and "
        "donors who trust the party.",
        "Check the address: the party only writes from its own domains.",
        2.0,
    ),
    SignalSpec(
        "identity.display_name_brand",
        Category.IDENTITY,
        "The sender's name is a well-known brand, but the address is not one of the "
        "brand's domains",
        "Phishing shows a trusted name (Google, a bank, a delivery service) while sending "
        "from any domain; the 2016 'Someone has your password' mail used 'Google'.",
        "Do not click. Open the brand's site or app yourself to check any alert.",
        2.5,
    ),
    SignalSpec(
        "identity.display_name_helpdesk",
        Category.IDENTITY,
        "The sender calls itself the IT help desk or mail administrator, from an outside domain",
        "'Your mailbox is full' and 'password expires' lures pose as the recipient's own IT "
        "department to steal webmail passwords.",
        "Your IT team writes from your own domain. Never enter your password from such a "
        "mail; ask the technical contact.",
        2.0,
    ),
    SignalSpec(
        "identity.display_name_address",
        Category.IDENTITY,
        "The sender's name is an e-mail address different from the real sender",
        "Writing 'support@paypal.com' as the display name hides the real address in mail "
        "programs that only show names.",
        "Look at the real address; treat the message as forged.",
        2.5,
    ),
    SignalSpec(
        "identity.reply_to_mismatch",
        Category.IDENTITY,
        "Replies go to a different, unrelated domain than the sender's",
        "A Reply-To elsewhere lets a forged or borrowed sender collect the answers; mailing "
        "lists and newsletters also do it, so this is weak on its own.",
        "Before replying, check the address your reply will go to.",
        0.7,
    ),
    SignalSpec(
        "identity.reply_to_freemail",
        Category.IDENTITY,
        "Replies go to a free-mail address while the sender is an organisation's domain",
        "Fraudsters sending in an organisation's name collect the answers on a free "
        "mailbox they control.",
        "Do not reply to it; contact the organisation through its known address.",
        1.5,
    ),
    SignalSpec(
        "identity.return_path_mismatch",
        Category.IDENTITY,
        "The envelope sender (Return-Path) is on an unrelated domain",
        "Forged senders keep their real domain in the envelope; legitimate bulk mail also "
        "does it, so only unrelated domains outside mailing services count.",
        "A weak sign alone; look at the other reasons.",
        0.4,
    ),
    SignalSpec(
        "identity.freemail_claims_org",
        Category.IDENTITY,
        "A free-mail address speaks in the name of an organisation",
        "Banks, public services, brands and the campaign do not write from gmail.com or "
        "similar mailboxes; impostors do.",
        "Check with the organisation through its known address or phone number.",
        1.2,
    ),
    SignalSpec(
        "identity.own_domain_unrelayed",
        Category.IDENTITY,
        "Mail from the party's own domain that did not pass the party's mail servers",
        "Genuine mail from the party's domains always goes through its servers; a message "
        "that skipped them was sent by someone else in the party's name.",
        "Treat it as forged and report it to the technical contact.",
        2.5,
    ),
)


# --- helpers ---------------------------------------------------------------------------


def _hit(signal: str, evidence: str) -> Hit:
    return Hit(signal, evidence[:EVIDENCE])


def _shown(name: str, mail: ParsedMail, addr: Address) -> str:
    """The header line as written (cut), or a reconstruction."""
    raw = mail.header(name)
    return f"{name}: {raw[:160] if raw else f'{addr.display} <{addr.address}>'}"


@cache
def _phrase_index(cat: Catalog) -> dict[str, list[tuple[Brand, tuple[str, ...]]]]:
    """First word → (brand, keyword phrase), for brand names anywhere in a name."""
    index: dict[str, list[tuple[Brand, tuple[str, ...]]]] = {}
    for brand in cat.brands:
        for phrase in brand.keywords:
            index.setdefault(phrase[0], []).append((brand, phrase))
    return index


def brand_named(tokens: Sequence[str], cat: Catalog) -> Brand | None:
    """The brand a display name claims (its words, normalised), or None."""
    index = _phrase_index(cat)
    for i, tok in enumerate(tokens[:40]):
        for brand, phrase in index.get(tok, ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                return brand
    core = tuple(t for t in tokens if t not in cat.filler)
    for brand in cat.brands:
        if core and core in brand.exact:
            return brand
    return None


def person_named(tokens: Sequence[str], people: Sequence[Person]) -> Person | None:
    """The campaign person whose every name word appears (any order), or None."""
    have = set(tokens)
    for person in people:
        need = set(words(person.name))
        if len(need) >= 2 and need <= have:
            return person
    return None


def _local_words(address: str) -> tuple[str, ...]:
    local = address.rpartition("@")[0][:MAX_DISPLAY]
    return words(re.sub(r"[0-9]+", " ", local))


def _is_list_mail(mail: ParsedMail) -> bool:
    return any(mail.header(h) for h in ("List-Id", "List-Unsubscribe", "List-Post")) or (
        mail.header("Precedence").strip().lower() in ("bulk", "list")
    )


def _recipients(mail: ParsedMail) -> set[str]:
    return {a.address.lower() for a in (*mail.to, *mail.cc) if a.address}


def _campaign_named(tokens: Sequence[str], display: str, ctx: MailContext) -> str:
    """What in the display name claims the campaign (its name or a domain), or ``""``."""
    org = words(ctx.organisation)
    if org and contains_phrase(tokens, org):
        return ctx.organisation
    low = display.lower()
    return next((d for d in ctx.own_domains if d and d in low), "")


# --- checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sender:
    """The From mailbox, with what every display-name check needs to know."""

    addr: Address
    shown: str
    """The From line as written (cut), for evidence."""
    domain: str
    reg: str
    own: bool
    """On one of the campaign's domains."""
    free: bool
    """On a free-mail provider."""
    vouched: bool
    """A service notification (``X via LinkedIn``), or an address the campaign lists."""
    tokens: tuple[str, ...]
    """Normalised words of the display name."""
    person: Person | None
    """The campaign person the name (or the local part) names."""


def _sender_view(mail: ParsedMail, ctx: MailContext, sender: Address) -> _Sender:
    cat = catalog()
    domain = sender.domain
    free = cat.is_freemail(domain)
    tokens = words(sender.display[:MAX_DISPLAY])
    service = cat.brand_of(domain) is not None and not free
    via = bool(_VIA & set(tokens)) and not free
    listed = sender.address.lower() in {a.lower() for p in ctx.people for a in p.addresses}
    person = person_named(tokens, ctx.people) or person_named(
        _local_words(sender.address), ctx.people
    )
    return _Sender(
        addr=sender,
        shown=_shown("From", mail, sender),
        domain=domain,
        reg=registrable(domain),
        own=ctx.is_own(domain),
        free=free,
        vouched=service or via or listed,
        tokens=tokens,
        person=person,
    )


def _person(s: _Sender) -> list[Hit]:
    p = s.person
    if p is None or s.own or s.vouched:
        return []
    real = p.addresses[0] if p.addresses else "the campaign's domains"
    return [
        _hit("identity.display_name_person", f"{s.shown} — {p.name} ({p.role}) writes from {real}")
    ]


def _campaign(s: _Sender, ctx: MailContext) -> list[Hit]:
    claimed = _campaign_named(s.tokens, s.addr.display, ctx)
    if not claimed or s.own or s.vouched:
        return []
    return [_hit("identity.display_name_campaign", f"{s.shown} — claims {claimed} from {s.reg}")]


def _brand(s: _Sender, brand: Brand | None) -> list[Hit]:
    if brand is None or s.own or brand.owns(s.domain):
        return []
    evidence = f"{s.shown} — says {brand.name} but {s.reg} is not a {brand.name} domain"
    return [_hit("identity.display_name_brand", evidence)]


def _helpdesk(s: _Sender, mail: ParsedMail, named: bool) -> list[Hit]:
    recipients = {registrable(r.rpartition("@")[2]) for r in _recipients(mail)}
    if not named or s.own or s.reg in recipients:
        return []
    evidence = f"{s.shown} — a help-desk name from the outside domain {s.reg}"
    return [_hit("identity.display_name_helpdesk", evidence)]


def _display_checks(mail: ParsedMail, ctx: MailContext, sender: Address) -> list[Hit]:
    if not sender.domain:
        return []
    cat = catalog()
    s = _sender_view(mail, ctx, sender)
    brand = brand_named(words(_without_freemail_addresses(sender.display[:MAX_DISPLAY], cat)), cat)
    helpdesk = cat.helpdesk.find(s.tokens) is not None
    hits = [*_person(s), *_campaign(s, ctx), *_brand(s, brand), *_helpdesk(s, mail, helpdesk)]
    hits.extend(_address_in_display(mail, sender, s.shown))
    if s.free and not s.vouched:
        what = _org_claim(mail, ctx, s, brand, helpdesk)
        if what:
            evidence = f"{s.shown} — a free-mail address speaking for {what}"
            hits.append(_hit("identity.freemail_claims_org", evidence))
    return hits


def _without_freemail_addresses(display: str, cat: Catalog) -> str:
    """``display`` without free-mail addresses: list servers write "'a@gmail.com' via
    List", which names no brand; "support@paypal.com" still names PayPal."""
    if "@" not in display:
        return display
    return _EMAIL.sub(lambda m: " " if cat.is_freemail(m.group(1)) else m.group(0), display)


def _address_in_display(mail: ParsedMail, sender: Address, shown: str) -> list[Hit]:
    display = sender.display[:MAX_DISPLAY]
    if "@" not in display or not sender.domain:
        return []
    if _is_list_mail(mail) and " via " in display.lower():
        return []  # Google Groups and Sympa rewrite "'a@b' via List"
    for m in _EMAIL.finditer(display):
        other = m.group(1).lower().rstrip(".")
        if not related(other, sender.domain):
            evidence = f"{shown} — the name shows an address at {other}"
            return [_hit("identity.display_name_address", evidence)]
    return []


def _org_claim(
    mail: ParsedMail, ctx: MailContext, s: _Sender, brand: Brand | None, helpdesk: bool
) -> str:
    """What organisation a free-mail sender claims to speak for, or ``""``."""
    cat = catalog()
    if brand is not None:
        return brand.name
    if s.person is not None or _campaign_named(s.tokens, s.addr.display, ctx):
        return ctx.organisation or "the campaign"
    if helpdesk:
        return "an IT help desk"
    claim = cat.claims.find(s.tokens)
    if claim:
        return f"a '{' '.join(claim)}'"
    return _signature_claim(mail.text, cat)


def _signature_claim(text: str, cat: Catalog) -> str:
    """A brand's team signing the end of the text ("L'équipe PayPal")."""
    tail = text[-SIGNATURE_CHARS:].splitlines()
    lines = [ln for ln in tail if ln.strip()][-12:]
    for line in lines:
        tokens = words(line, limit=200)
        if _TEAM.find(tokens):
            brand = brand_named(tokens, cat)
            if brand is not None:
                return f"{brand.name} (signature: {line.strip()[:80]})"
    return ""


def _reply_to(mail: ParsedMail, ctx: MailContext, sender: Address) -> list[Hit]:
    cat = catalog()
    if not sender.domain:
        return []
    if cat.is_esp(sender.domain) and _is_list_mail(mail):
        return []  # a list server (Google Groups…) sends with the author as Reply-To
    recipients = _recipients(mail)
    list_post = mail.header("List-Post").lower()
    for rt in mail.reply_to[:5]:
        d = rt.domain
        if not d or rt.address.lower() in recipients or rt.address.lower() in list_post:
            continue
        if related(d, sender.domain, ctx.own_domains) or cat.is_esp(d):
            continue
        shown = _shown("Reply-To", mail, rt)
        if cat.is_freemail(d) and not cat.is_freemail(sender.domain):
            evidence = f"{shown} — replies go to free mail, sender is {sender.address}"
            return [_hit("identity.reply_to_freemail", evidence)]
        evidence = f"{shown} — replies go to {registrable(d)}, sender is {sender.address}"
        return [_hit("identity.reply_to_mismatch", evidence)]
    return []


def _return_path(mail: ParsedMail, ctx: MailContext, sender: Address) -> list[Hit]:
    cat = catalog()
    rp = mail.return_path
    if not rp or not sender.domain or _is_list_mail(mail):
        return []
    local, _, d = rp.rpartition("@")
    if local.lower().startswith(("srs0=", "srs1=")) or not d:
        return []  # Sender Rewriting Scheme: forwarded mail
    if related(d, sender.domain, ctx.own_domains) or cat.is_esp(d) or ctx.is_own(d):
        return []
    evidence = f"Return-Path: <{rp[:120]}> — From: {sender.address[:120]}"
    return [_hit("identity.return_path_mismatch", evidence)]


def _unrelayed(mail: ParsedMail, ctx: MailContext, sender: Address) -> list[Hit]:
    if not ctx.relays or not sender.domain or not ctx.is_own(sender.domain):
        return []
    if not mail.header("Received"):
        return []  # no path at all (a saved draft, a sent copy): nothing to judge
    if relayed_by_us(mail, ctx):
        return []
    relays = ", ".join(ctx.relays[:3])
    evidence = f"From: {sender.address[:120]} — no Received by {relays}"
    return [_hit("identity.own_domain_unrelayed", evidence)]


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """Identity signals of ``mail`` (see the module docstring)."""
    sender = mail.sender
    if sender is None:
        return []
    hits = _display_checks(mail, ctx, sender)
    hits += _reply_to(mail, ctx, sender)
    hits += _return_path(mail, ctx, sender)
    hits += _unrelayed(mail, ctx, sender)
    return hits
