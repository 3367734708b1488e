"""Identity signals: annotated samples, name matching, hostile input."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rempart.mail import similar
from rempart.mail.context import Person
from rempart.mail.model import Address, ParsedMail
from rempart.mail.parse import parse_message
from rempart.mail.signals import identity
from rempart.mail.similar import catalog, words
from tests.mail.support import CTX, annotated_sample_tests, sample

GROUP = "identity"


(
    test_every_sample_is_annotated,
    test_sample,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, identity.detect, identity.SPECS)


def test_specs_are_documented() -> None:
    for spec in identity.SPECS:
        assert spec.id.startswith("identity.") and spec.category.value == "identity"
        assert spec.title and spec.why and spec.advice and 0 < spec.prior_weight <= 4


def _mail(raw: str) -> ParsedMail:
    return parse_message(raw.encode("utf-8"), "test")


def _from(display: str, address: str, extra: str = "") -> ParsedMail:
    return _mail(
        f'From: "{display}" <{address}>\r\nTo: alex.durand@campaign-party.org\r\n{extra}'
        "Subject: x\r\n\r\nbody\r\n"
    )


def _signals(mail: ParsedMail) -> set[str]:
    return {h.signal for h in identity.detect(mail, CTX)}


@pytest.mark.parametrize(
    "display",
    ["Camille Exemple", "EXEMPLE Camille", "Mme Camille Exemple", "Camille EXEMPLE - candidate",
     "Cámille Éxemple", "camille.exemple"],
)  # fmt: skip
def test_person_names_tolerate_order_case_accents_titles(display: str) -> None:
    assert "identity.display_name_person" in _signals(_from(display, "x@gmail.com"))


def test_person_name_on_their_real_or_own_address_is_fine() -> None:
    assert not _signals(_from("Camille Exemple", "camille.exemple@parti-exemple.fr"))
    assert "identity.display_name_person" not in _signals(_from("Camille", "camille@gmail.com"))


def test_person_name_in_local_part() -> None:
    mail = _from("Trésorerie", "dominique.martin.tresor@gmail.com")
    assert "identity.display_name_person" in _signals(mail)


@pytest.mark.parametrize(
    ("display", "brand"),
    [("Google", "Google"), ("PayPaI Service", "PayPal"), ("Société Générale", "Société Générale"),
     ("Orange", "Orange"), ("L'équipe Orange", "Orange"), ("Chase", "Chase"),
     ("Microsoft account team", "Microsoft"), ("Gооgle", "Google"), ("impots.gouv", None),
     ("Chase Miller", None), ("Orange County Choir", None), ("Weekly Outlook", None),
     ("Zoom sur l'actualité", None), ("Big Apple Pizza", None), ("Free Shipping Deals", None),
     ("Julie Reporter (Le Monde)", None)],
)  # fmt: skip
def test_brand_names(display: str, brand: str | None) -> None:
    found = identity.brand_named(words(display), catalog())
    if display == "impots.gouv":
        assert found is not None and found.name.startswith("Impots")
        return
    assert (found.name if found else None) == brand


def test_brand_from_its_own_domains_is_fine() -> None:
    for addr in ("no-reply@accounts.google.com", "x@google.de", "a@email.apple.com",
                 "s@facebookmail.com", "p@mail.paypal.fr"):  # fmt: skip
        display = {"google": "Google", "apple": "Apple", "facebookmail": "Facebook"}.get(
            addr.split("@")[1].split(".")[-2], "PayPal"
        )
        assert "identity.display_name_brand" not in _signals(_from(display, addr)), addr


@pytest.mark.parametrize(
    ("display", "address"),
    [("Équipe Lyon", "equipe.lyon.pe@gmail.com"), ("Jean (Team Lyon)", "jean@gmail.com"),
     ("Secrétariat Asso Quartier", "asso.quartier@laposte.net"),
     ("Pascal - Rédaction Le Monde", "pascal@gmail.com")],
)  # fmt: skip
def test_volunteers_and_press_on_free_mail_are_fine(display: str, address: str) -> None:
    assert not _signals(_from(display, address))


def test_voicemail_notification_is_no_helpdesk() -> None:
    assert not _signals(_from("Messagerie vocale", "vocal@operateur-telecom.example"))


def test_addresses_the_campaign_lists_are_vouched_for() -> None:
    section = replace(
        CTX, people=(*CTX.people, Person("Section Lyon", "local section", ("pe.lyon@gmail.com",)))
    )
    mail = _from("Parti Exemple Lyon", "pe.lyon@gmail.com")
    assert _signals(mail) == {"identity.display_name_campaign", "identity.freemail_claims_org"}
    assert not identity.detect(mail, section)


def test_reply_to_to_the_list_or_a_recipient_is_fine() -> None:
    mail = _mail(
        "From: Jean <jean@free.fr>\r\nTo: liste@framalistes.org\r\n"
        "Reply-To: liste@framalistes.org\r\nSubject: x\r\n\r\nb\r\n"
    )
    assert not _signals(mail)


def test_newsletter_reply_to_at_esp_is_fine() -> None:
    mail = _from("Le Monde", "news@lemonde.fr", "Reply-To: r@mailchimpapp.net\r\n")
    assert not _signals(mail)


def test_return_path_srs_and_lists_are_fine() -> None:
    srs = _from("Paul", "paul@asso.fr", "Return-Path: <SRS0=ab=CD=asso.fr=paul@fwd.example>\r\n")
    listed = _from("Paul", "paul@asso.fr", "Return-Path: <b@x.example>\r\nList-Id: <l.x>\r\n")
    assert not _signals(srs) and not _signals(listed)


def test_unrelayed_needs_configured_relays() -> None:
    mail = sample(GROUP, "own_domain_spoof")
    assert "identity.own_domain_unrelayed" in _signals(mail)
    assert not identity.detect(mail, replace(CTX, relays=()))


def test_no_campaign_context() -> None:
    empty = replace(CTX, own_domains=(), people=(), relays=(), organisation="")
    hits = identity.detect(sample(GROUP, "treasurer_wire_fraud"), empty)
    assert {h.signal for h in hits} == {"identity.reply_to_mismatch"}


def test_hostile_input_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    huge = "Camille " * 20_000 + "Exemple"
    many = ", ".join(f'"support@paypal{i}.com" <a{i}@evil{i}.ru>' for i in range(500))
    address_signals = {"identity.display_name_address", "identity.reply_to_mismatch"}
    cases = [
        (_from(huge, "x@gmail.com"), set()),
        (_mail(f"From: {many}\r\nReply-To: {many}\r\nSubject: x\r\n\r\nb\r\n"), address_signals),
        (_from("@" * 5000 + "a@b" * 3000, "x@evil.ru"), set()),
        (_from("\x00\u202e\ufeff", "x@xn--zzzz-.com"), set()),
        (_mail("From: <>\r\nReply-To: <@>\r\nReturn-Path: <@@>\r\n\r\n"), set()),
        (_mail("\r\n\r\n"), set()),
        (ParsedMail(source="x", raw_size=0, headers=(), from_=(Address("", ""),)), set()),
        (_mail("From: a@b.c\r\n" + "Received: from a by b\r\n" * 1000 + "\r\nx"), set()),
        # the end of a 1.6 MB text is still read for the signature
        (
            _mail("From: x@gmail.com\r\n\r\n" + ("L'équipe PayPal " * 100_000)),
            {"identity.freemail_claims_org"},
        ),
    ]
    normalised: list[int] = []
    real = similar._words

    def spy(text: str) -> tuple[str, ...]:
        normalised.append(len(text))
        return real(text)

    monkeypatch.setattr(similar, "_words", spy)
    for mail, signals in cases:
        hits = identity.detect(mail, CTX)
        assert all(len(h.evidence) <= 300 for h in hits)
        assert {h.signal for h in hits} == signals
    # names and lines are normalised from their first MAX_DISPLAY characters only
    assert normalised and max(normalised) <= identity.MAX_DISPLAY
