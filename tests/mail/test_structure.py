"""Structure signals: broken MIME, caps hit, messages without text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rempart.mail.model import Attachment, Hit, Link, ParsedMail
from rempart.mail.parse import parse_message
from rempart.mail.signals import structure

from .support import CTX, annotated_sample_tests, sample

GROUP = "structure"


(
    test_every_sample_is_annotated,
    test_sample_raises_exactly_the_expected_signals,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, structure.detect, structure.SPECS, evidence=False)


def test_specs_are_documented() -> None:
    for spec in structure.SPECS:
        assert spec.id.startswith("structure.")
        assert spec.title and spec.why and spec.advice
        assert 0 < spec.prior_weight <= 4


def test_evidence_is_verbatim() -> None:
    hits = {h.signal: h.evidence for h in structure.detect(sample(GROUP, "pdf_no_text"), CTX)}
    assert hits == {"structure.attachment_only": "Facture_2025-0142.pdf"}
    hits = {h.signal: h.evidence for h in structure.detect(sample(GROUP, "image_only_link"), CTX)}
    url = "https://mail-securite-compte.example/owa/login?u=tresorier"
    assert hits == {"structure.link_without_text": url}
    hits = {h.signal: h.evidence for h in structure.detect(sample(GROUP, "broken_boundary"), CTX)}
    assert hits == {"structure.malformed": "part 1: closing MIME boundary missing"}


def test_malformed_evidence_counts_the_other_defects() -> None:
    defects = ("part 1.2: base64 padding missing", "part 1.3: x", "part 1.4: y")
    mail = ParsedMail(source="x", raw_size=1, headers=(), text="assez de texte", defects=defects)
    hit = structure.detect(mail, CTX)[0]
    assert hit == Hit("structure.malformed", "part 1.2: base64 padding missing (and 2 more)")


def test_has_text_ignores_urls_and_counts_any_script() -> None:
    assert not structure.has_text("https://example.com/a-very-long-path-with-words")
    assert not structure.has_text("  >>>  12345 !!! www.example.com/abcdefghijkl")
    assert structure.has_text("Voir la pièce jointe")
    assert structure.has_text("請查看附件並盡快回覆謝謝")  # no spaces, still text


def test_unnamed_attachment_is_named_by_its_type() -> None:
    att = Attachment("", "application/zip", b"PK", 2, "0" * 64)
    mail = ParsedMail(source="x", raw_size=1, headers=(), attachments=(att,))
    assert structure.detect(mail, CTX) == [
        Hit("structure.attachment_only", "unnamed application/zip")
    ]


def test_inline_images_with_a_link_are_link_without_text() -> None:
    logo = Attachment("logo.png", "image/png", b"x", 1, "0" * 64, inline=True)
    link = Link("https://phish.example/login", "", "html")
    mail = ParsedMail(source="x", raw_size=1, headers=(), attachments=(logo,), links=(link,))
    assert [h.signal for h in structure.detect(mail, CTX)] == ["structure.link_without_text"]


def test_empty_message_raises_only_what_the_parser_found() -> None:
    assert structure.detect(parse_message(b"", "empty"), CTX) == [
        Hit("structure.malformed", "part 1: empty message")
    ]
    quiet = parse_message(b"From: a@b.example\r\nSubject: hi\r\n\r\n", "quiet")
    assert structure.detect(quiet, CTX) == []


def test_hostile_body_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    mail = ParsedMail(
        source="big",
        raw_size=1,
        headers=(),
        text="1 " * 2_000_000,
        html_text="http://x.example/" * 100_000,
        links=tuple(Link(f"http://x.example/{i}") for i in range(2000)),
        defects=tuple("d" * 10_000 for _ in range(100)),
        truncated=("t" * 10_000,),
    )
    scanned: list[int] = []

    class Spy:
        """structure._URL, recording the length of every text it rewrites."""

        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.pattern = pattern

        def sub(self, repl: Any, text: str, *args: Any) -> str:
            scanned.append(len(text))
            return self.pattern.sub(repl, text, *args)

    monkeypatch.setattr(structure, "_URL", Spy(structure._URL))
    hits = structure.detect(mail, CTX)
    # letters are looked for in the first MAX_SCAN_CHARS of the 5.7 million characters only
    assert scanned and max(scanned) <= structure.MAX_SCAN_CHARS
    assert {h.signal for h in hits} == {
        "structure.malformed",
        "structure.truncated",
        "structure.link_without_text",
    }
    assert all(len(h.evidence) <= 300 for h in hits)
