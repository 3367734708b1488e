"""Writes the demo's bundled mailbox (``src/rempart/demo/data/mailbox/``) from the mail
tests' own annotated samples, moved to the demo campaign. Run it to regenerate the files:

    .venv/bin/python -m tests.demo.make_mailbox

The samples are written for the mail tests' campaign ("Parti Exemple", parti-exemple.fr,
campaign-party.org). The demo's campaign is "Mouvement Exemple" (mouvement-exemple.example,
its newsletter domain mouvement-exemple.test): every name, address and server is swapped
so that the campaign-context signals (the treasurer impersonated, a look-alike of the
party's domain, its own domain forged, its own server's stamps) fire as they do in the
tests, and every message is moved to the days before the first round (April 2027), so
that the verdicts land on the campaign timeline. Only the top-level headers and the text
parts change; attachments that are not text (PDF, PNG, the macro document) are kept
byte for byte. ``tests/demo/test_demo.py`` checks that the bundled files are this
script's output.
"""

from __future__ import annotations

import base64
import email
import quopri
import re
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32
from email.utils import format_datetime, parsedate_to_datetime
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "mail" / "samples"
MAILBOX = ROOT / "src" / "rempart" / "demo" / "data" / "mailbox"

LOOKALIKE = "mouvement-exemp1e.example"
"""The fraudster's look-alike of the party's domain ("1" for "l"), never registered."""

# file in the demo mailbox → (sample it comes from, when our server received it, UTC)
SOURCES: dict[str, tuple[str, datetime]] = {
    # lures modelled on public cases
    "podesta_lure": ("cases/podesta_lure", datetime(2027, 4, 19, 6, 34, 30, tzinfo=UTC)),
    "treasurer_wire_fr": ("cases/treasurer_wire_fr", datetime(2027, 4, 20, 6, 12, tzinfo=UTC)),
    "credential_html_attachment": ("cases/credential_html_attachment",
                                   datetime(2027, 4, 17, 5, 40, tzinfo=UTC)),
    "qr_invoice": ("cases/qr_invoice", datetime(2027, 4, 15, 8, 10, tzinfo=UTC)),
    "journalist_docm_autoopen": ("attachments/journalist_docm_autoopen",
                                 datetime(2027, 4, 18, 14, 5, tzinfo=UTC)),
    "spoofed_own_domain": ("auth/spoofed_own_domain", datetime(2027, 4, 16, 13, 0, tzinfo=UTC)),
    # legitimate campaign mail that looks like them
    "newsletter": ("cases/newsletter", datetime(2027, 4, 13, 16, 0, tzinfo=UTC)),
    "donation_receipt": ("cases/donation_receipt", datetime(2027, 4, 16, 11, 0, tzinfo=UTC)),
    "press_request_gmail": ("cases/press_request_gmail",
                            datetime(2027, 4, 14, 9, 20, tzinfo=UTC)),
    "calendar_invitation": ("cases/calendar_invitation",
                            datetime(2027, 4, 12, 7, 30, tzinfo=UTC)),
    "google_security_alert": ("auth/google_security_alert",
                              datetime(2027, 4, 19, 7, 0, tzinfo=UTC)),
}  # fmt: skip

# Swapped in this order (addresses before the domains they contain).
SWAPS: tuple[tuple[str, str], ...] = (
    ("tresorier@parti-exemple.fr", "tresorerie@mouvement-exemple.example"),
    ("alex.durand@campaign-party.org", "alex.durand@mouvement-exemple.example"),
    ("alex.durand=campaign-party.org", "alex.durand=mouvement-exemple.example"),
    ("campaign-partty.org", LOOKALIKE),
    ("parti-exemple.fr", "mouvement-exemple.example"),
    ("exemple2027.fr", "exemple2027.example"),
    ("Parti Exemple", "Mouvement Exemple"),
)
NEWSLETTER_DOMAIN = ("campaign-party.org", "mouvement-exemple.test")
"""The newsletter goes out from the campaign's newsletter domain; other mail of
campaign-party.org comes from the main domain."""
MAIN_DOMAIN = ("campaign-party.org", "mouvement-exemple.example")
MOVED: dict[str, tuple[tuple[str, str], ...]] = {
    "calendar_invitation": (("lun. 8 mars 2027", "lun. 19 avr. 2027"),
                            ("20270303T090000Z", "20270412T073000Z"),
                            ("20270308T090000Z", "20270419T080000Z"),
                            ("20270308T100000Z", "20270419T090000Z")),
    "newsletter": (("mars 2027", "avril 2027"), ("La lettre de mars", "La lettre d'avril")),
}  # fmt: skip
"""What the text says of its own dates, moved with the message."""

_DATE = re.compile(
    r"(?:[A-Z][a-z]{2},\s+)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+\d\d:\d\d(?::\d\d)?\s+[+-]\d{4}"
)


def swap(text: bytes, name: str) -> bytes:
    """``text`` with the test campaign's names replaced by the demo campaign's."""
    last = NEWSLETTER_DOMAIN if name == "newsletter" else MAIN_DOMAIN
    for old, new in (*SWAPS, last, *MOVED.get(name, ())):
        text = text.replace(old.encode(), new.encode())
    return text


def redate(headers: bytes, when: datetime) -> bytes:
    """The header block with every date moved by the same amount, the Date header's to
    ``when`` (so the Received stamps keep their order)."""
    text = headers.decode("utf-8", "surrogateescape")
    found = re.search(r"^Date:\s*(.+)$", text, re.M)
    if found is None:
        raise ValueError("no Date header")
    delta = when - parsedate_to_datetime(found.group(1).strip())

    def move(m: re.Match[str]) -> str:
        return format_datetime(parsedate_to_datetime(" ".join(m.group(0).split())) + delta)

    return _DATE.sub(move, text).encode("utf-8", "surrogateescape")


def _encode(data: bytes, cte: str) -> str:
    if cte == "base64":
        return base64.encodebytes(data).decode("ascii")
    if cte == "quoted-printable":
        return quopri.encodestring(data).decode("ascii")
    return data.decode("ascii", "surrogateescape")  # 8bit: written back byte for byte


def _swap_text_parts(message: Message, name: str) -> None:
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        cte = str(part.get("Content-Transfer-Encoding", "7bit")).lower()
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        new = swap(data, name)
        if new != data:
            part.set_payload(_encode(new, cte))


def adapt(raw: bytes, name: str, when: datetime) -> bytes:
    """One sample moved to the demo campaign and received at ``when``."""
    head, sep, body = raw.partition(b"\n\n")
    message = email.message_from_bytes(redate(swap(head, name), when) + sep + body, policy=compat32)
    _swap_text_parts(message, name)
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, maxheaderlen=0).flatten(message)
    return out.getvalue()


def build_mailbox() -> dict[str, bytes]:
    """File name → the bytes of each message of the demo mailbox."""
    return {
        f"{name}.eml": adapt((SAMPLES / f"{source}.eml").read_bytes(), name, when)
        for name, (source, when) in SOURCES.items()
    }


def main() -> None:
    MAILBOX.mkdir(parents=True, exist_ok=True)
    for name, data in build_mailbox().items():
        (MAILBOX / name).write_bytes(data)
        print("wrote", MAILBOX / name)


if __name__ == "__main__":
    main()
