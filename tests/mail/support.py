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
from typing import Any

import pytest

from rempart.mail import archives
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


class _CountingDecoder:
    """A decompressor (zlib, bz2, lzma) that records the size of every chunk it produces."""

    def __init__(self, dec: Any, produced: list[int]) -> None:
        self._dec = dec
        self._produced = produced

    @property
    def eof(self) -> bool:
        return bool(self._dec.eof)

    @property
    def needs_input(self) -> bool:
        return bool(self._dec.needs_input)

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        chunk: bytes = self._dec.decompress(data, max_length)
        self._produced.append(len(chunk))
        return chunk


def count_inflated(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Spy on the archive reader's streaming decompression: one list per member
    decompressed, holding the sizes of the chunks actually produced (the real
    work of unpacking, whatever the caller keeps of it)."""
    streams: list[list[int]] = []
    real = archives._stream

    def spy(dec: Any, *args: Any) -> Any:
        streams.append([])
        return real(_CountingDecoder(dec, streams[-1]), *args)

    monkeypatch.setattr(archives, "_stream", spy)
    return streams
