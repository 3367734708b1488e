"""What mail analysis reads and produces: parsed messages, signal hits, verdicts.

Parsing turns raw bytes into a :class:`ParsedMail` (never raising on bad
input: problems go to ``ParsedMail.defects``). Each signal module reads a
``ParsedMail`` and a :class:`~rempart.mail.context.MailContext` and returns
:class:`Hit` values; it knows nothing of scoring, stores or output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class Address:
    """One mailbox from a header: display name and address (lowercased domain)."""

    display: str
    """Display name, decoded (RFC 2047), may be empty."""
    address: str
    """``local@domain`` with the domain lowercased and in A-label (``xn--``) form;
    empty when the header held no usable address."""

    @property
    def domain(self) -> str:
        """The domain part, or ``""``."""
        return self.address.rpartition("@")[2] if "@" in self.address else ""


@dataclass(frozen=True)
class Link:
    """A URL found in the message."""

    url: str
    """The URL as written (after HTML entity decoding), never visited."""
    text: str = ""
    """The visible anchor text in HTML (``""`` for plain-text URLs)."""
    where: str = ""
    """Where it was found: ``html``, ``text``, ``html-attachment:NAME``, ``qr:NAME``."""


@dataclass(frozen=True)
class Attachment:
    """One leaf part that is not body text, or a body part that is a file."""

    filename: str
    """Declared file name, decoded; ``""`` when none was given."""
    content_type: str
    """Declared MIME type, lowercased (``application/octet-stream``)."""
    data: bytes
    """Decoded content, cut at ``MailLimits.max_part_bytes``."""
    size: int
    """Decoded size before any cut."""
    sha256: str
    """SHA-256 of ``data`` (hex)."""
    truncated: bool = False
    """True when ``data`` was cut."""
    inline: bool = False
    """True for ``Content-Disposition: inline`` parts (images in HTML mail)."""


@dataclass(frozen=True)
class ParsedMail:
    """A message as the analyzers see it. Built by :func:`rempart.mail.parse.parse_message`."""

    source: str
    """Where it came from: a file path, ``PATH#N`` in an mbox, an ``imaps://…;UID=N`` URL, ``-``."""
    raw_size: int
    """Bytes of the raw message (before any cut)."""
    headers: tuple[tuple[str, str], ...]
    """Top-level header fields, in order, names as written, values unfolded and
    decoded (RFC 2047), each cut at ``max_header_bytes``."""
    subject: str = ""
    from_: tuple[Address, ...] = ()
    """``From:`` mailboxes (normally one)."""
    reply_to: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    return_path: str = ""
    """Envelope sender from ``Return-Path:`` (address only, ``""`` for ``<>``)."""
    date: datetime | None = None
    """``Date:`` parsed, timezone-aware, or None."""
    message_id: str = ""
    text: str = ""
    """All ``text/plain`` body parts joined (decoded to str), bounded."""
    html: str = ""
    """All ``text/html`` body parts joined, bounded."""
    html_text: str = ""
    """Visible text of ``html`` (tags removed), bounded."""
    links: tuple[Link, ...] = ()
    """URLs from the text and the HTML (anchors, forms, images' links)."""
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()
    """Parsing problems, one line each (``missing MIME boundary in part 1.2``)."""
    truncated: tuple[str, ...] = ()
    """Caps that were hit, one line each (``message cut at 25 MiB``)."""
    raw: bytes = field(default=b"", repr=False, compare=False)
    """The bytes parsed (cut at ``max_message_bytes``): for checks that need the message
    exactly as sent, such as verifying a DKIM signature."""

    def header(self, name: str) -> str:
        """The first header field called ``name`` (case-insensitive), or ``""``."""
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return ""

    def header_all(self, name: str) -> list[str]:
        """Every header field called ``name`` (case-insensitive), in order."""
        low = name.lower()
        return [value for key, value in self.headers if key.lower() == low]

    @property
    def sender(self) -> Address | None:
        """The first ``From:`` mailbox, or None."""
        return self.from_[0] if self.from_ else None

    @property
    def body_text(self) -> str:
        """Plain text and the visible text of the HTML, for language signals."""
        if self.text and self.html_text:
            return self.text + "\n" + self.html_text
        return self.text or self.html_text


@dataclass(frozen=True)
class Hit:
    """One signal seen in one message, with the evidence that shows it."""

    signal: str
    """Signal id, a key of :data:`rempart.mail.registry.SIGNALS` (``link.shortener``)."""
    evidence: str
    """What shows it, verbatim and short: the header line, the URL, the file name."""
    indicators: tuple[str, ...] = ()
    """Extra indicators this hit discovered (a URL decoded from a QR code…)."""


class Category(StrEnum):
    """Families of signals, as the issue and the documentation group them."""

    IDENTITY = "identity"
    LOOKALIKE = "lookalike"
    AUTH = "authentication"
    LINKS = "links"
    HTML = "html"
    ATTACHMENTS = "attachments"
    LANGUAGE = "language"
    STRUCTURE = "structure"


@dataclass(frozen=True)
class SignalSpec:
    """A documented signal: what it means, why it matters, what to do."""

    id: str
    """``category.name`` (``identity.display_name_person``)."""
    category: Category
    title: str
    """One line, plain words: what was seen."""
    why: str
    """Why attackers do this, one or two plain sentences."""
    advice: str
    """What the recipient or the technician should do."""
    prior_weight: float = 1.0
    """Weight used when the corpora cannot teach one (campaign-specific signals);
    positive pushes toward phishing. On a scale where 4 alone makes a message
    phishing and 2 makes it worth a look with one other signal (training rescales
    it to the learned model). Learned weights in ``data/weights.json``
    take precedence."""
    learn: bool = True
    """False for signals the corpora cannot teach honestly: those whose absence from
    the legitimate corpus is due to its era (2002) rather than to legitimate mail
    (crypto lures, Unicode look-alike letters). They keep ``prior_weight``."""


class Verdict(StrEnum):
    """The outcome for one message."""

    PHISHING = "phishing"
    SPAM = "spam"
    SUSPICIOUS = "suspicious"
    CLEAN = "clean"
    ERROR = "error"


@dataclass(frozen=True)
class Reason:
    """One reason behind a verdict: a signal, its weight, its evidence."""

    signal: str
    weight: float
    """Contribution to the score's log-odds (positive = toward phishing/spam)."""
    evidence: str
    title: str = ""
    advice: str = ""
    """What to do about it (the signal's documented advice)."""


@dataclass(frozen=True)
class Indicators:
    """Indicators of one message, never defanged here (output defangs them)."""

    urls: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()
    sha256: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "urls": list(self.urls),
            "domains": list(self.domains),
            "ips": list(self.ips),
            "senders": list(self.senders),
            "sha256": list(self.sha256),
        }


@dataclass(frozen=True)
class Triage:
    """The verdict on one message, with everything that explains it."""

    source: str
    verdict: Verdict
    score: int
    """0 (certainly legitimate) to 100 (certainly malicious)."""
    reasons: tuple[Reason, ...] = ()
    indicators: Indicators = field(default_factory=Indicators)
    subject: str = ""
    sender: str = ""
    date: datetime | None = None
    """``Date:`` as the sender wrote it (attacker-controlled)."""
    received: datetime | None = None
    """When the receiving server stamped it (topmost ``Received:``), the time used on
    the timeline when known."""
    message_id: str = ""
    recipients: tuple[str, ...] = ()
    """``To:`` and ``Cc:`` addresses."""
    errors: tuple[str, ...] = ()
    """Why the message could not be (fully) read, one line each."""

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "verdict": self.verdict.value,
            "score": self.score,
            "subject": self.subject,
            "sender": self.sender,
            "date": self.date.isoformat() if self.date else None,
            "received": self.received.isoformat() if self.received else None,
            "message_id": self.message_id,
            "recipients": list(self.recipients),
            "reasons": [
                {
                    "signal": r.signal,
                    "weight": round(r.weight, 3),
                    "evidence": r.evidence,
                    "title": r.title,
                    "advice": r.advice,
                }
                for r in self.reasons
            ],
            "indicators": self.indicators.as_dict(),
            "errors": list(self.errors),
        }
