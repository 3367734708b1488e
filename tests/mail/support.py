"""Shared by the mail tests: the test campaign's context and annotated samples.

Samples live in ``tests/mail/samples/<group>/NAME.eml``; each group has an
``EXPECTED.toml`` mapping every sample to the exact signals of that group it
must raise, with a comment saying why::

    [podesta_lure]
    # display name "Google" sent from a non-Google domain
    signals = ["identity.display_name_brand"]

A sample listed with ``signals = []`` must raise none of the group's signals.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from rempart.mail.context import MailContext, Person
from rempart.mail.model import ParsedMail
from rempart.mail.parse import parse_message

SAMPLES = Path(__file__).parent / "samples"

# The campaign every mail test uses: "Parti Exemple".
CTX = MailContext(
    own_domains=("parti-exemple.fr", "campaign-party.org", "exemple2027.fr"),
    mail_domains=("parti-exemple.fr", "campaign-party.org"),
    people=(
        Person("Camille Exemple", "candidate", ("camille.exemple@parti-exemple.fr",)),
        Person("Dominique Martin", "treasurer", ("tresorier@parti-exemple.fr",)),
        Person("Alex Durand", "campaign director", ("alex.durand@campaign-party.org",)),
    ),
    authserv_ids=("mx.parti-exemple.fr",),
    relays=("mx.parti-exemple.fr",),
    organisation="Parti Exemple",
)


def sample(group: str, name: str) -> ParsedMail:
    """The parsed sample ``samples/<group>/<name>.eml``."""
    path = SAMPLES / group / f"{name}.eml"
    return parse_message(path.read_bytes(), str(path))


def expected(group: str) -> dict[str, set[str]]:
    """``EXPECTED.toml`` of ``group``: sample name → the exact signals it must raise."""
    data = tomllib.loads((SAMPLES / group / "EXPECTED.toml").read_text("utf-8"))
    return {name: set(entry["signals"]) for name, entry in data.items()}


def sample_names(group: str) -> list[str]:
    """Every ``.eml`` in the group (each must be listed in EXPECTED.toml)."""
    return sorted(p.stem for p in (SAMPLES / group).glob("*.eml"))
