"""Who the message claims to be from and to: the envelope habits of mass lures.

Legitimate senders, even bulk ones, write a real address in ``From:``, address
the recipient (or a list) in ``To:``, and take replies at the sending mailbox
or the organisation's own. Mass phishing and advance-fee fraud often do not:
an empty or broken ``From:`` address, the victim's address as display name or
as sender, no visible recipient at all (everyone in Bcc), a machine-made
sender name, replies diverted to another free-mail box.
"""

from __future__ import annotations

import re

from rempart.mail.context import MailContext
from rempart.mail.model import Address, Category, Hit, ParsedMail, SignalSpec
from rempart.mail.similar import catalog

_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}"
                     r"[a-z0-9])?)+$")  # fmt: skip
_VOWELS = set("aeiou")

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        "identity.no_sender_address",
        Category.IDENTITY,
        "The From: line has no usable e-mail address",
        "Every real mail system writes a sender address; lures sometimes show only a name "
        "('Microsoft account team') so that nothing can be checked.",
        "Do not answer or click: there is nobody accountable behind it.",
        prior_weight=2.0,
    ),
    SignalSpec(
        "identity.recipient_as_sender",
        Category.IDENTITY,
        "The message pretends to come from you (your address as sender or display name)",
        "Mass mailers fill in the victim's address as the sender's name, or send 'from' the "
        "victim (sextortion: 'I have access to your account').",
        "You did not send it: delete it, and never pay or click.",
        prior_weight=2.0,
    ),
    SignalSpec(
        "identity.no_recipient",
        Category.IDENTITY,
        "Nobody is named as recipient (everyone is in hidden copy)",
        "Bulk lures hide their recipient list in Bcc; real correspondence names you or a "
        "list you joined.",
        "Be wary of any request in a message not addressed to you by name.",
        prior_weight=0.8,
    ),
    SignalSpec(
        "identity.machine_sender",
        Category.IDENTITY,
        "The sender's address looks machine-made (random letters)",
        "Throw-away senders are generated in bulk ('lqKmKvmNIFpnVjd@…'); people and "
        "services use names.",
        "Treat it as bulk mail from an unknown source.",
        prior_weight=1.0,
    ),
    SignalSpec(
        "identity.sender_on_hosting",
        Category.IDENTITY,
        "The sender's domain belongs to a free hosting or app platform, not to an organisation",
        "Throw-away projects on app platforms (firebaseapp.com, web.app), default cloud "
        "tenant names (onmicrosoft.com) and resold pseudo-domains (sa.com, za.com) let "
        "anyone send mail under a respectable-looking name. Small apps also send their "
        "password mails this way, so it is worth a look, not a verdict. Not learnt from the "
        "corpora: their legitimate mail (2002) predates these platforms.",
        "Check who really runs the service before acting on the message.",
        prior_weight=1.5,
        learn=False,
    ),
    SignalSpec(
        "identity.reply_to_other_mailbox",
        Category.IDENTITY,
        "Replies go to another free-mail box than the sender's",
        "Advance-fee and wire fraud send from one free-mail account and collect answers in "
        "another, so the sending account can be burnt.",
        "Never answer: check the person through a contact you already know.",
        prior_weight=1.5,
    ),
)


def _hit(signal: str, evidence: str) -> Hit:
    return Hit(signal, evidence[:300])


def _recipients(mail: ParsedMail) -> list[str]:
    return [a.address.lower() for a in (*mail.to, *mail.cc) if a.address]


def _no_address(mail: ParsedMail) -> list[Hit]:
    raw = mail.header("From")
    sender = mail.sender
    if not raw.strip():
        return [_hit("identity.no_sender_address", "no From: header")]
    if sender is None or not sender.address:
        return [_hit("identity.no_sender_address", f"From: {raw[:200]}")]
    domain = sender.domain
    if not domain or not _DOMAIN.match(domain):
        return [_hit("identity.no_sender_address", f"From: {raw[:200]} (no valid domain)")]
    return []


def _recipient_as_sender(mail: ParsedMail, sender: Address) -> list[Hit]:
    rcpts = _recipients(mail)
    if not rcpts:
        return []
    display = sender.display.lower()
    if sender.address and sender.address.lower() in rcpts and len(rcpts) == 1:
        return [_hit("identity.recipient_as_sender", f"From: {sender.address} is the recipient")]
    for rcpt in rcpts[:20]:
        if rcpt in display:
            return [_hit("identity.recipient_as_sender",
                         f'From: "{sender.display[:120]}" names the recipient {rcpt}')]  # fmt: skip
    return []


def _no_recipient(mail: ParsedMail) -> list[Hit]:
    if _recipients(mail):
        return []
    to = mail.header("To").strip()
    if mail.header("List-Id") or mail.header("List-Unsubscribe") or mail.header("List-Post"):
        return []
    return [_hit("identity.no_recipient", f"To: {to[:120]}" if to else "no To: or Cc: header")]


def looks_machine_made(local: str) -> bool:
    """A local part such as ``lqKmKvmNIFpnVjd`` or ``chxydtwen``: no vowels in a long run of
    letters, or random capitals inside a long word."""
    letters = re.sub(r"[^A-Za-z]", "", local)
    if len(letters) < 8:
        return False
    inner_caps = sum(1 for ch in letters[1:] if ch.isupper())
    if inner_caps >= 3 and not local.isupper() and not re.search(r"[._-]", local):
        return True
    low = letters.lower()
    vowels = sum(ch in _VOWELS for ch in low)
    if vowels / len(low) < 0.2:
        return True
    return bool(re.search(r"[bcdfghjklmnpqrstvwxz]{6}", low))


def _machine_sender(mail: ParsedMail, sender: Address, ctx: MailContext) -> list[Hit]:
    if not sender.address or ctx.is_own(sender.domain):
        return []
    local = sender.address.rpartition("@")[0]
    if looks_machine_made(local):
        return [_hit("identity.machine_sender", f"From: {sender.address}")]
    return []


def _reply_to_other(mail: ParsedMail, sender: Address) -> list[Hit]:
    if not sender.address:
        return []
    for rt in mail.reply_to[:5]:
        addr = rt.address.lower()
        if not addr or addr == sender.address.lower():
            continue
        cat = catalog()
        if sender.domain and cat.is_freemail(rt.domain) and cat.is_freemail(sender.domain):
            return [_hit("identity.reply_to_other_mailbox",
                         f"From: {sender.address}, Reply-To: {rt.address}")]  # fmt: skip
    return []


# Sending domains anyone can take a name under (suffix match on the sender's domain).
_PLATFORMS = (
    "firebaseapp.com", "web.app", "appspot.com", "onmicrosoft.com", "herokuapp.com",
    "netlify.app", "vercel.app", "pages.dev", "workers.dev", "glitch.me", "repl.co",
    "sa.com", "za.com", "uk.com", "us.com", "de.com", "eu.com", "br.com", "cn.com",
    "it.com", "ru.com", "jpn.com", "gb.net", "us.org",
)  # fmt: skip


def _on_hosting(mail: ParsedMail, sender: Address) -> list[Hit]:
    for who, address in (("From", sender.address), ("Return-Path", mail.return_path)):
        domain = address.rpartition("@")[2].lower() if "@" in address else ""
        for platform in _PLATFORMS:
            if domain.endswith("." + platform):
                return [_hit("identity.sender_on_hosting",
                             f"{who}: {address} (a name on {platform})")]  # fmt: skip
    return []


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """Envelope signals of ``mail`` (see the module docstring)."""
    hits = _no_address(mail) + _no_recipient(mail)
    sender = mail.sender
    if sender is not None:
        hits += _recipient_as_sender(mail, sender)
        hits += _machine_sender(mail, sender, ctx)
        hits += _reply_to_other(mail, sender)
        hits += _on_hosting(mail, sender)
    return hits
