"""Envelope signals: who the message claims to be from and to."""

from __future__ import annotations

from rempart.mail.signals import envelope

from .support import annotated_sample_tests

GROUP = "envelope"


(
    test_every_sample_is_annotated,
    test_sample_raises_exactly_the_expected_signals,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, envelope.detect, envelope.SPECS, evidence=False)


def test_machine_made_local_parts() -> None:
    made = ["lqKmKvmNIFpnVjd", "chxydtwen", "xkcdqwrtzp", "SNYTVKOqu"]
    human = ["jean.dupont", "camille.exemple.2027", "newsletter", "no-reply",
             "AlexDurand", "support-clients", "hq"]  # fmt: skip
    assert [envelope.looks_machine_made(x) for x in made] == [True] * len(made)
    assert [envelope.looks_machine_made(x) for x in human] == [False] * len(human)
