"""Defanging of indicators in human output."""

from __future__ import annotations

import pytest

from rempart.model.defang import defang, defang_text, defang_url


@pytest.mark.parametrize(
    ("indicator", "shown"),
    [
        ("https://evil.example/login?x=1.2", "hxxps://evil[.]example/login?x=1.2"),
        ("http://user@evil.example:8080/a.php", "hxxp://user[@]evil[.]example:8080/a.php"),
        ("HTTPS://Evil.Example/", "HXXPS://Evil[.]Example/"),
        ("tresorier@campaign-partty.org", "tresorier[@]campaign-partty[.]org"),
        ("campaign-partty.org", "campaign-partty[.]org"),
        ("203.0.113.7", "203[.]0[.]113[.]7"),
        ("a" * 64, "a" * 64),
        ("ftp://files.example/x", "ftp://files[.]example/x"),
    ],
)
def test_defang_each_kind(indicator: str, shown: str) -> None:
    assert defang(indicator) == shown


def test_defang_url_keeps_path_dots() -> None:
    assert defang_url("https://bit.ly/a.b.c") == "hxxps://bit[.]ly/a.b.c"


def test_defang_text_urls_addresses_ips_and_listed_domains() -> None:
    text = ("Reply-To: <tresorier@campaign-partty.org> imitates campaign-party.org; "
            "link https://bit.ly/1PibSU0 from 203.0.113.7; file facture.pdf")  # fmt: skip
    assert defang_text(text, ["campaign-party.org"]) == (
        "Reply-To: <tresorier[@]campaign-partty[.]org> imitates campaign-party[.]org; "
        "link hxxps://bit[.]ly/1PibSU0 from 203.0.113[.]7; file facture.pdf"
    )


def test_defang_text_is_idempotent_on_defanged_text() -> None:
    once = defang_text("see https://evil.example/ and evil.example", ["evil.example"])
    assert defang_text(once, ["evil.example"]) == once
