"""The look-alike engine (rempart.mail.similar): techniques, false-positive traps, speed."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest
from rapidfuzz import process

from rempart.mail import similar
from rempart.mail.similar import (
    TECHNIQUES,
    catalog,
    describe_edit,
    engine_for,
    max_edits,
    related,
    skeleton,
    words,
)
from rempart.mail.urls import idna_ascii, registrable
from tests.mail.support import CTX

ENGINE = engine_for(CTX.own_domains)

# (candidate host, protected domain it imitates, first technique)
IMITATIONS = [
    ("campaign-partty.org", "campaign-party.org", "edit"),
    ("campaign-party.net", "campaign-party.org", "tld_swap"),
    ("parti-exemple.com", "parti-exemple.fr", "tld_swap"),
    ("partiexemple.fr", "parti-exemple.fr", "hyphen"),
    ("exemple-2027.fr", "exemple2027.fr", "hyphen"),
    ("xn--rti-exemple-xij5q.fr", "parti-exemple.fr", "homoglyph"),
    ("exemple2O27.fr", "exemple2027.fr", "ascii_lookalike"),
    ("campaign-party-secure.org", "campaign-party.org", "added_words"),
    ("secure-campaignparty.org", "campaign-party.org", "added_words"),
    ("mail-party-secure.org", "campaign-party.org", "shared_word"),
    ("campaign-party.org.evil.com", "campaign-party.org", "embedded_domain"),
    ("login.parti-exemple.evil.com", "parti-exemple.fr", "subdomain"),
    ("google.com-login.xyz", "google.com", "embedded_domain"),
    ("myaccount.google.com-securitysettingpage.tk", "google.com", "embedded_domain"),
    ("g00gle.com", "google.com", "ascii_lookalike"),
    ("rnicrosoft.com", "microsoft.com", "ascii_lookalike"),
    ("linkedln.com", "linkedin.com", "ascii_lookalike"),
    ("paypa1.com", "paypal.com", "ascii_lookalike"),
    ("gooogle.com", "google.com", "edit"),
    ("gmial.com", "gmail.com", "edit"),
    ("amazonn.fr", "amazon.fr", "edit"),
    ("pay-pal.info", "paypal.com", "hyphen"),
    ("paypal-secure-login.com", "paypal.com", "added_words"),
    ("ameli-remboursement.com", "ameli.fr", "added_words"),
    ("impots-gouv.fr", "impots.gouv.fr", "added_words"),
    ("dhl-tracking.com", "dhl.com", "added_words"),
    ("paypal.login-check.com", "paypal.com", "subdomain"),
    ("xn--80ak6aa92e.com", "apple.com", "homoglyph"),
    ("0range.fr", "orange.fr", "ascii_lookalike"),
    ("paypal.tk", "paypal.com", "tld_swap"),  # once-free endings are not the brand's
    ("google.xyz", "google.com", "tld_swap"),  # nor are generic ones
]

# Legitimate or unrelated hosts that must never be reported.
TRAPS = [
    "campaign-party.org",  # exact
    "www.parti-exemple.fr",  # a legitimate subdomain
    "news.exemple2027.fr",
    "google.de",  # brands have several domains
    "google.fr",
    "google.pl",  # country endings of big brands (listed as any_tld)
    "microsoft.de",
    "paypal.co.uk",
    "amazon.com.mx",
    "accounts.google.com",
    "googlemail.com",
    "gmail.com",
    "mail.com",  # gmail.com minus one letter, but a real provider
    "ing.com",
    "ups.com",
    "sfr.fr",
    "ups.example.com",  # short names: only a whole word next to a lure word
    "banking.com",  # contains "ing"
    "dhl-express.fr",  # "express" is no lure word
    "amelie.fr",  # ameli + e: five-letter names only tolerate a swap or a doubled letter
    "amelie-photo.fr",
    "ac-paris.fr",  # ca-paris.fr is Crédit Agricole's but not compared
    "apple-pie-recipes.com",  # brand word without lure word
    "free-money.com",  # ordinary words: free, orange, meta
    "orange.ch",
    "meta-analysis.org",
    "microsoft-partner.fr",
    "parti-socialiste-dons.fr",  # another party: "parti" + a donation word is no look-alike
    "partysecure.org",
    "lemonde.fr",
    "campaign.party.org",
    "xn--e1afmkfd.xn--p1ai",  # пример.рф
    "192.0.2.1",
    "[2001:db8::1]",
    "localhost",
    "",
]


@pytest.mark.parametrize(("host", "protected", "technique"), IMITATIONS)
def test_imitations_are_found(host: str, protected: str, technique: str) -> None:
    look = ENGINE.check(host)
    assert look is not None, host
    assert (look.protected, look.techniques[0]) == (protected, technique)
    assert look.detail
    assert look.registrable == registrable(idna_ascii(host))


@pytest.mark.parametrize("host", TRAPS)
def test_false_positive_traps(host: str) -> None:
    assert ENGINE.check(host) is None


def test_campaign_imitations_are_marked_own() -> None:
    own = ENGINE.check("campaign-partty.org")
    brand = ENGINE.check("paypa1.com")
    assert own is not None and own.own and own.owner == "campaign"
    assert brand is not None and not brand.own and brand.owner == "PayPal"


def test_campaign_match_wins_over_brand() -> None:
    look = ENGINE.check("campaign-party.org.paypal-secure.com")
    assert look is not None and look.own


def test_edit_descriptions() -> None:
    assert describe_edit("campaignparty", "campaignpartty") == "one letter doubled ('t')"
    assert describe_edit("google", "gogle") == "a double letter made single"
    assert describe_edit("paypal", "paypl") == "one letter missing ('a')"
    assert describe_edit("paypal", "paypall") == "one letter doubled ('l')"
    assert describe_edit("amazon", "amazone") == "one letter added ('e')"
    assert describe_edit("google", "goggle") == "one letter changed ('o' → 'g')"
    assert describe_edit("gmail", "gmial") == "two letters swapped"
    assert describe_edit("abcdef", "abxyef") == "2 letters changed"


def test_edit_threshold_grows_with_length() -> None:
    assert [max_edits(n) for n in (3, 4, 5, 6, 8, 9, 15)] == [0, 0, 1, 1, 1, 2, 2]


def test_skeleton_folds_lookalike_letters() -> None:
    same = {"paypal", "paypa1", "paypaI", "раураl", "PAYPAL"}
    assert {skeleton(s) for s in same} == {skeleton("paypal")}
    assert skeleton("rnicrosoft") == skeleton("microsoft")
    assert skeleton("vvetransfer") == skeleton("wetransfer")
    assert skeleton("éxemple") == skeleton("exemple")
    assert skeleton("пример") != skeleton("npumep")  # п is not a Latin look-alike


def test_words_fold_accents_case_and_punctuation() -> None:
    assert words("Société Générale") == words("SOCIETE generale")
    assert words("Caisse d'Épargne") == words("caisse d epargne")
    assert words("x" * 10_000) == (skeleton("x" * 300),)


def test_related_domains() -> None:
    assert related("news.lemonde.fr", "lemonde.fr")
    assert related("lemonde.fr", "lemonde.com")
    assert related("lemonde.fr", "lemonde-info.fr")
    assert related("parti-exemple.fr", "campaign-party.org", CTX.own_domains)
    assert related("facebookmail.com", "facebook.com")  # one brand
    assert not related("gmail.com", "campaign-partty.org")
    assert not related("imprimerie-dupont.fr", "bulk-sender-42.xyz")
    assert not related("", "x.fr")


def test_catalog_is_clean() -> None:
    cat = catalog()
    assert catalog() is cat  # loaded once
    assert len(cat.brands) > 40
    for brand in cat.brands:
        assert brand.keywords or brand.exact, brand.name
        for d in brand.domains:
            assert d == d.lower() == registrable(d), (brand.name, d)
    for d in cat.freemail | cat.esp_domains | cat.known_domains:
        assert d == d.lower() and "." in d
    assert cat.is_freemail("yahoo.co.jp") and cat.is_freemail("gmail.com")
    assert not cat.is_freemail("campaign-party.org")
    assert cat.is_esp("mail123.atl11.mcsv.net") and cat.is_esp("gaia.bounces.google.com")


def test_every_technique_is_tested() -> None:
    seen = {t for _, _, t in IMITATIONS}
    assert seen == set(TECHNIQUES)


def test_hostile_hosts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = [
        "a" * 5000 + ".com",
        "-".join(["paypal"] * 200) + ".com",
        ".".join(["google"] * 200) + ".xyz",
        "xn--" + "a" * 300 + ".com",
        "xn--zzzzzzzz-.com",
        "\x00\x01.com",
        "..",
        "é" * 400 + ".fr",
        "-" * 300,
    ]
    engine = engine_for.__wrapped__(CTX.own_domains)  # a fresh engine: nothing cached yet
    compared: list[str] = []
    real = similar.registrable

    def spy(host: str) -> str:
        compared.append(host)
        return real(host)

    monkeypatch.setattr(similar, "registrable", spy)
    found = [engine.check(host) for host in hostile]  # never raises
    # only the 200 google labels, cut to a DNS name's length, read as google.com elsewhere
    protected = [look.protected if look else None for look in found]
    assert protected == [None, None, "google.com"] + [None] * 6
    # hosts are compared cut to the longest DNS name (MAX_HOST), whatever their length
    assert compared and max(map(len, compared)) <= similar.MAX_HOST


def test_speed_per_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    alphabet = string.ascii_lowercase + "-"
    hosts = [
        "".join(rng.choices(alphabet, k=rng.randint(5, 20))).strip("-")
        + rng.choice([".com", ".fr", ".org", ".net", ".co.uk"])
        for _ in range(3000)
    ]
    passes: list[tuple[str, list[str]]] = []
    real = process.extract

    def spy(query: str, choices: Any, **kwargs: Any) -> Any:
        passes.append((query, list(choices)))
        return real(query, choices, **kwargs)

    monkeypatch.setattr(process, "extract", spy)
    for h in hosts:
        passes.clear()
        ENGINE._check(h)  # uncached path
        # one rapidfuzz pass per name length within two of the candidate's (at most five),
        # over the protected names of that length only, never over the whole list
        assert len(passes) <= 5
        assert all(abs(len(name) - len(query)) <= 2 for query, names in passes for name in names)
        assert sum(len(names) for _, names in passes) < len(ENGINE.entries)
    assert all(ENGINE.check(h) is None for h in hosts[:200])  # random names imitate nothing
