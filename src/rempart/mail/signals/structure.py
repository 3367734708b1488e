"""Signals about the shape of the message itself: broken MIME, caps hit, no text.

They read only what the parser recorded (``ParsedMail.defects``,
``ParsedMail.truncated``) and how much readable text the body has; never
header formats or dates, which tell the era of a mail, not its intent.

On the public corpora, MIME defects are found in about 7 % of spam and 1 % of
phishing but almost never in legitimate mail (mail programs write valid MIME;
spam tools and hand-made phishing kits often do not). A body with no words but
a link (the text is in a picture) or no words but a file is rare in legitimate
mail and common in phishing, which hides its text from filters.
"""

from __future__ import annotations

import itertools
import re

from rempart.mail.context import MailContext
from rempart.mail.model import Category, Hit, ParsedMail, SignalSpec

MIN_LETTERS = 10
"""A body with fewer letters than this (links left out) has no readable text."""
MAX_SCAN_CHARS = 200_000
"""Characters of body text looked at to count letters."""
MAX_EVIDENCE = 300

_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_LETTER = re.compile(r"[^\W\d_]")

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        id="structure.malformed",
        category=Category.STRUCTURE,
        title="The message's MIME structure is broken",
        why=(
            "Mail programs write well-formed messages; spam tools and hand-made phishing "
            "kits often do not, and some break the structure on purpose so that filters "
            "read the message differently from the recipient's mail program."
        ),
        advice=(
            "Treat the message with caution. A technician can look at the listed defect "
            "to see which part is hidden or garbled."
        ),
        prior_weight=1.0,
    ),
    SignalSpec(
        id="structure.truncated",
        category=Category.STRUCTURE,
        title="The message is so large or deep that only part of it was analysed",
        why=(
            "Huge headers, thousands of parts or deep nesting are used to wear out "
            "filters; what lies past the limit was not checked."
        ),
        advice=(
            "Do not rely on a clean verdict for this message. Ask a technician to "
            "look at it, or delete it if it was not expected."
        ),
        prior_weight=0.5,
    ),
    SignalSpec(
        id="structure.attachment_only",
        category=Category.STRUCTURE,
        title="The message has no text, only an attached file or picture",
        why=(
            "An empty message with a file or a picture pushes the recipient to open it; "
            "phishing uses this to keep its words, links or QR code out of reach of filters."
        ),
        advice=(
            "Do not open the attachment or scan a QR code. Check with the sender by "
            "phone or another channel that they really sent it."
        ),
        prior_weight=1.0,
    ),
    SignalSpec(
        id="structure.link_without_text",
        category=Category.STRUCTURE,
        title="The message has no text, only a link (often behind a picture)",
        why=(
            "Putting the whole message in a picture that is a link hides its words from "
            "filters; legitimate mail nearly always carries some readable text."
        ),
        advice=(
            "Do not click. If the message claims to come from a service you use, go to "
            "that service by typing its address yourself."
        ),
        prior_weight=1.5,
    ),
)


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """Structure signals of ``mail`` (pure, bounded, never raises on parsed input)."""
    hits: list[Hit] = []
    if mail.defects:
        hits.append(Hit("structure.malformed", _summary(mail.defects)))
    if mail.truncated:
        hits.append(Hit("structure.truncated", _summary(mail.truncated)))
    if not has_text(mail.body_text):
        hits.extend(_no_text(mail))
    return hits


def has_text(text: str) -> bool:
    """True when ``text`` holds at least :data:`MIN_LETTERS` letters outside URLs."""
    sample = _URL.sub(" ", text[:MAX_SCAN_CHARS])
    found = itertools.islice(_LETTER.finditer(sample), MIN_LETTERS)
    return sum(1 for _ in found) >= MIN_LETTERS


def _no_text(mail: ParsedMail) -> list[Hit]:
    files = [
        a
        for a in mail.attachments
        if not (a.inline and a.content_type.startswith("image/"))
        and a.content_type not in ("message/rfc822", "message/global")
    ]
    if files or (mail.attachments and not mail.links):
        first = (files or list(mail.attachments))[0]
        name = first.filename or f"unnamed {first.content_type}"
        return [Hit("structure.attachment_only", name[:MAX_EVIDENCE])]
    if mail.links:
        return [Hit("structure.link_without_text", mail.links[0].url[:MAX_EVIDENCE])]
    return []


def _summary(lines: tuple[str, ...]) -> str:
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    return lines[0][: MAX_EVIDENCE - len(more)] + more
