"""Website targets from URLs: origins, ports, IDN, bad URLs named."""

from __future__ import annotations

import pytest

from rempart.audit.config import SiteTarget
from rempart.audit.targets import parse_entry, parse_site
from rempart.errors import InputError


@pytest.mark.parametrize(
    ("text", "url", "host", "port"),
    [
        ("https://Party.Example/blog/?x=1", "https://party.example/", "party.example", None),
        ("http://party.example", "https://party.example/", "party.example", None),
        ("https://party.example:8443/", "https://party.example:8443/", "party.example", 8443),
        ("https://élection.example/", "https://xn--lection-9xa.example/", "xn--lection-9xa.example",
         None),
        ("https://192.0.2.7/", "https://192.0.2.7/", "192.0.2.7", None),
    ],
)  # fmt: skip
def test_site_origin(text: str, url: str, host: str, port: int | None) -> None:
    assert parse_site(text, "arg") == SiteTarget(url, host, port)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ftp://party.example/", "http(s)://"),
        ("https://", "http(s)://"),
        ("https://party.example:99999/", "not a valid URL"),
        ("https://exa mple.example/", "arg:"),
    ],
)
def test_bad_urls_are_named(text: str, message: str) -> None:
    with pytest.raises(InputError, match=r"^arg:") as info:
        parse_site(text, "arg")
    assert message in str(info.value)


def test_entry_dispatches_urls_to_sites() -> None:
    assert isinstance(parse_entry("https://party.example/", "x"), SiteTarget)
