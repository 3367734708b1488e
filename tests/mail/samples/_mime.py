"""What the sample scripts (``*/make_samples.py``, ``cases/make_cases.py``) share to write
their ``.eml`` files. The sample folders are script directories, not packages: a script
puts this folder on ``sys.path`` and imports ``_mime``.

The headers are those our own server (``RELAY``) would have stamped; dates are fixed so
that the messages do not depend on when the script runs.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

RELAY = "mx.parti-exemple.fr"
WHEN = datetime(2026, 9, 14, 9, 30, tzinfo=UTC)
CAMILLE = "Camille Exemple <camille.exemple@parti-exemple.fr>"


def message(subject: str, from_: str, to: str = CAMILLE, *, auth: str = "spf=pass") -> EmailMessage:
    """A message received by ``RELAY`` at ``WHEN`` from the sender's domain, with the
    ``auth`` results our server wrote and a Message-ID derived from the subject."""
    m = EmailMessage()
    domain = from_.rpartition("@")[2].rstrip(">")
    m["Received"] = (
        f"from mail.{domain} (mail.{domain} [192.0.2.10]) by {RELAY} (Postfix) "
        f"with ESMTPS id 4Xk2Q1; {format_datetime(WHEN)}"
    )
    m["Authentication-Results"] = f"{RELAY}; {auth} smtp.mailfrom={domain}"
    m["From"] = from_
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = format_datetime(WHEN)
    m["Message-ID"] = f"<{zlib.crc32(subject.encode()):08x}@{domain}>"
    return m


def both(m: EmailMessage, text: str, html: str) -> EmailMessage:
    """``m`` with a text body and its HTML alternative (8-bit, as written)."""
    m.set_content(text, cte="8bit")
    m.add_alternative(html, subtype="html", cte="8bit")
    return m


def write_samples(
    here: Path, builders: Mapping[str, Callable[[], EmailMessage]], *, say: bool = False
) -> None:
    """Write ``here/NAME.eml`` for every builder (announcing each one if ``say``)."""
    for name, build in builders.items():
        (here / f"{name}.eml").write_bytes(build().as_bytes())
        if say:
            print("wrote", name)
