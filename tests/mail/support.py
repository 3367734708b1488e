"""Shared by the mail tests: the test campaign's context and annotated samples.

Samples live in ``tests/mail/samples/<group>/NAME.eml``; each group has an
``EXPECTED.toml`` mapping every sample to the exact signals of that group it
must raise, with a comment saying why::

    [podesta_lure]
    # display name "Google" sent from a non-Google domain
    signals = ["identity.display_name_brand"]

A sample listed with ``signals = []`` must raise none of the group's signals.
:func:`annotated_sample_tests` gives a signal module's test file the checks of its group.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rempart.mail import archives
from rempart.mail.context import MailContext, Person
from rempart.mail.model import Hit, ParsedMail, SignalSpec
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


Detect = Callable[[ParsedMail, MailContext], list[Hit]]


def annotated_sample_tests(
    group: str,
    detect: Detect,
    specs: Iterable[SignalSpec],
    *,
    evidence: bool = True,
    borrowed: Iterable[SignalSpec] = (),
    unsampled: Iterable[str] = (),
) -> tuple[Callable[[], None], Callable[[str], None], Callable[[], None]]:
    """The three checks of an annotated group, as test functions for its test file to bind::

        (
            test_every_sample_is_annotated,
            test_sample_raises_exactly_the_expected_signals,
            test_every_signal_has_a_sample,
        ) = annotated_sample_tests(GROUP, html.detect, html.SPECS)

    1. every ``.eml`` of the group is in EXPECTED.toml and every entry has its ``.eml``;
    2. each sample raises exactly its expected signals with ``detect``, all of them signals of
       ``specs`` or ``borrowed`` (signals of another module that ``detect`` also raises), each
       with an evidence of 1 to 300 characters (unless ``evidence`` is False);
    3. every signal of ``specs`` is raised by some sample, except the ``unsampled`` ones (raised
       only by live checks), and the samples raise nothing else but ``borrowed`` signals.
    """
    table = expected(group)
    own = {s.id for s in specs}
    known = own | {s.id for s in borrowed}
    sampled = own - set(unsampled)

    def test_every_sample_is_annotated() -> None:
        assert sample_names(group) == sorted(table)

    @pytest.mark.parametrize("name", sorted(set(table) | set(sample_names(group))))
    def test_sample_raises_exactly_the_expected_signals(name: str) -> None:
        hits = detect(sample(group, name), CTX)
        assert {h.signal for h in hits} == table[name]
        assert all(h.signal in known for h in hits)
        if evidence:
            assert all(0 < len(h.evidence) <= 300 for h in hits)

    def test_every_signal_has_a_sample() -> None:
        raised = set().union(*table.values())
        assert sampled <= raised
        assert raised - sampled <= known - own

    return (
        test_every_sample_is_annotated,
        test_sample_raises_exactly_the_expected_signals,
        test_every_signal_has_a_sample,
    )


def era_headers_test(group: str, detect: Detect) -> Callable[[str], None]:
    """A test that each sample of ``group`` raises the same signals with its Date, Message-ID
    and X-Mailer lines removed (the verdict does not depend on when or by what it was sent)."""

    table = expected(group)

    @pytest.mark.parametrize("name", sorted(table))
    def test_verdict_does_not_depend_on_the_era_headers(name: str) -> None:
        raw = (SAMPLES / group / f"{name}.eml").read_bytes()
        kept = [
            line
            for line in raw.split(b"\n")
            if not line.lower().startswith((b"date:", b"message-id:", b"x-mailer:"))
        ]
        mail = parse_message(b"\n".join(kept), name)
        assert {h.signal for h in detect(mail, CTX)} == table[name]

    return test_verdict_does_not_depend_on_the_era_headers


def attachment_builders() -> ModuleType:
    """``samples/attachments/builders.py`` (a script directory, not a package), loaded once."""
    if "attachment_builders" in sys.modules:
        return sys.modules["attachment_builders"]
    path = SAMPLES / "attachments" / "builders.py"
    spec = importlib.util.spec_from_file_location("attachment_builders", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["attachment_builders"] = module
    spec.loader.exec_module(module)
    return module


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
