"""Language lures (French, English and the other languages lures arrive in)."""

from __future__ import annotations

import pytest

from rempart.mail.model import Address, ParsedMail
from rempart.mail.signals import language

from .support import CTX, annotated_sample_tests, sample

GROUP = "language"


(
    test_every_sample_is_annotated,
    test_sample_raises_exactly_the_expected_signals,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, language.detect, language.SPECS, evidence=False)


def test_evidence_quotes_where_it_was_seen() -> None:
    hits = {h.signal: h.evidence for h in language.detect(sample(GROUP, "urgency_en"), CTX)}
    assert hits["language.urgency"] == 'Subject: "final notice: your account will be suspended"'
    credential = language.detect(sample(GROUP, "credential_fr"), CTX)[0]
    assert credential.evidence.startswith("text: ")
    assert "connexion inhabituelle" in credential.evidence


def test_fold_removes_accents_and_case() -> None:
    assert language.fold("VÉRIFIEZ Votre Compte à Noël") == "verifiez votre compte a noel"


def test_hostile_text_is_bounded_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    body = ("urgen" + "t" * 5 + " ") * 200_000 + "a" * 3_000_000
    mail = ParsedMail(source="big", raw_size=len(body), headers=(), subject="x" * 100_000,
                      text=body, to=(Address("", "a@b.example"),))  # fmt: skip
    folded: list[int] = []
    real = language.fold

    def spy(text: str) -> str:
        folded.append(len(text))
        return real(text)

    monkeypatch.setattr(language, "fold", spy)
    assert language.detect(mail, CTX) == []  # "urgenttttt" is not "urgent"
    # the 100,000-character subject and 4 MB text are read from their beginning only
    assert folded and max(folded) <= max(1000, language._WINDOW)
