"""Envelope signals: who the message claims to be from and to."""

from __future__ import annotations

import pytest

from rempart.mail.signals import envelope

from .support import CTX, expected, sample, sample_names

GROUP = "envelope"
EXPECTED = expected(GROUP)


def test_every_sample_is_annotated() -> None:
    assert sample_names(GROUP) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_raises_exactly_the_expected_signals(name: str) -> None:
    hits = envelope.detect(sample(GROUP, name), CTX)
    assert {h.signal for h in hits} == EXPECTED[name]


def test_every_signal_has_a_sample() -> None:
    raised = set().union(*EXPECTED.values())
    assert {s.id for s in envelope.SPECS} == raised


def test_machine_made_local_parts() -> None:
    made = ["lqKmKvmNIFpnVjd", "chxydtwen", "xkcdqwrtzp", "SNYTVKOqu"]
    human = ["jean.dupont", "camille.exemple.2027", "newsletter", "no-reply",
             "AlexDurand", "support-clients", "hq"]  # fmt: skip
    assert [envelope.looks_machine_made(x) for x in made] == [True] * len(made)
    assert [envelope.looks_machine_made(x) for x in human] == [False] * len(human)
