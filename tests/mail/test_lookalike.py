"""Look-alike signals: annotated samples, IDN homographs, hostile input."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from rempart.mail.parse import parse_message
from rempart.mail.signals import lookalike
from tests.mail.support import CTX, annotated_sample_tests, sample

GROUP = "lookalike"


(
    test_every_sample_is_annotated,
    test_sample,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, lookalike.detect, lookalike.SPECS)


def test_specs_are_documented() -> None:
    for spec in lookalike.SPECS:
        assert spec.id.startswith("lookalike.") and spec.category.value == "lookalike"
        assert spec.title and spec.why and spec.advice and 0 < spec.prior_weight <= 4


def test_evidence_names_header_domain_and_technique() -> None:
    hits = lookalike.detect(sample(GROUP, "treasurer_wire_fraud"), CTX)
    assert [h.evidence for h in hits] == [
        "Reply-To: Trésorerie <tresorier@campaign-partty.org> imitates campaign-party.org "
        "(one letter doubled ('t'))"
    ]


def test_brand_lookalikes_without_campaign() -> None:
    empty = replace(CTX, own_domains=())
    assert not lookalike.detect(sample(GROUP, "tld_swap"), empty)
    signals = {h.signal for h in lookalike.detect(sample(GROUP, "brand_links"), empty)}
    assert signals == {"lookalike.link_brand", "lookalike.sender_brand"}


@pytest.mark.parametrize(
    ("host", "homograph"),
    [
        ("xn--rti-exemple-xij5q.fr", True),  # раrti-exemple: Cyrillic р, а with Latin
        ("xn--80ak6aa92e.com", True),  # аррӏе.com: all Cyrillic, reads as Latin
        ("xn--e1afmkfd.xn--p1ai", False),  # пример.рф: Russian under a Russian ending
        ("xn--mnchen-3ya.de", False),  # münchen.de: accented Latin
        ("xn--wgv71a119e.jp", False),  # 日本語.jp
        ("www.example.com", False),
        ("xn--zzzz-.com", False),  # invalid punycode
    ],
)
def test_homograph(host: str, homograph: bool) -> None:
    assert bool(lookalike.homograph(host)) is homograph


def test_one_hit_per_domain_and_at_most_three() -> None:
    links = "\n".join(
        f"https://paypa{i}l-secure-login.com/x https://paypa1.com/{i}" for i in range(20)
    )
    raw = f"From: a@b.example\r\nSubject: x\r\n\r\n{links}\r\n".encode()
    hits = lookalike.detect(parse_message(raw, "t"), CTX)
    brand = [h for h in hits if h.signal == "lookalike.link_brand"]
    assert 1 <= len(brand) <= 3
    assert sum("paypa1.com" in h.evidence for h in brand) == 1


def test_hostile_input_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    links = "\n".join(f"https://h{i}-{'x' * 40}.example/{i}" for i in range(2000))
    weird = "\n".join(
        ["https://" + "a" * 3000 + ".com/", "https://xn--" + "b" * 200 + ".com/",
         "https://[::1]/", "https://999999999999/", "https://%00.com/", "https://.../"]
    )  # fmt: skip
    raw = (
        "From: x@" + "y" * 3000 + ".com\r\nReply-To: <@>\r\nSender: <a@@b>\r\n"
        f"Return-Path: <x@{'z' * 300}.org>\r\nSubject: x\r\n\r\n{links}\n{weird}\r\n"
    ).encode()
    mail = parse_message(raw, "hostile")
    checked: list[str] = []
    real_engine = lookalike.engine_for

    class Spy:
        def __init__(self, engine: Any) -> None:
            self.engine = engine

        def check(self, host: str) -> Any:
            checked.append(host)
            return self.engine.check(host)

    monkeypatch.setattr(lookalike, "engine_for", lambda own: Spy(real_engine(own)))
    hits = lookalike.detect(mail, CTX)
    assert all(len(h.evidence) <= 300 for h in hits)
    assert hits == []
    # of 2,006 distinct link hosts only MAX_HOSTS are compared, plus the domains of
    # From, Sender and Return-Path (Reply-To <@> has none)
    assert len([h for h in checked if h.endswith(".example")]) == lookalike.MAX_HOSTS
    assert len(checked) == lookalike.MAX_HOSTS + 3
