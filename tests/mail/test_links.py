"""Link signals: shorteners, redirectors, IP hosts, text/link mismatch, credential words…"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.mail.model import Address, Attachment, Link, ParsedMail
from rempart.mail.signals import links

from .support import CTX, annotated_sample_tests, era_headers_test, sample

GROUP = "links"


def _mail(
    *found: Link, sender: str = "x@sender.example", text: str = "", **kw: object
) -> ParsedMail:
    return ParsedMail(
        source="test",
        raw_size=0,
        headers=(),
        from_=(Address("", sender),),
        links=found,
        html_text=text,
        **kw,  # type: ignore[arg-type]
    )


def _signals(mail: ParsedMail) -> set[str]:
    return {h.signal for h in links.detect(mail, CTX)}


# --- annotated samples -------------------------------------------------------


(
    test_every_sample_is_annotated,
    test_sample_raises_exactly_the_expected_signals,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, links.detect, links.SPECS)


test_verdict_does_not_depend_on_the_era_headers = era_headers_test(GROUP, links.detect)


def test_podesta_evidence_shows_the_text_and_the_real_link() -> None:
    hits = {h.signal: h for h in links.detect(sample(GROUP, "podesta_lure"), CTX)}
    assert hits["links.shortener"].evidence == "https://bit.ly/1PibSU0"
    mismatch = hits["links.text_mismatch"].evidence
    assert "myaccount.google.com/security" in mismatch and "bit.ly" in mismatch


def test_redirector_reports_the_unwrapped_destination() -> None:
    hits = links.detect(sample(GROUP, "redirector_google"), CTX)
    red = next(h for h in hits if h.signal == "links.redirector")
    assert red.indicators == ("https://compte-rendu-reunion.pages.dev/cr.html",)
    hosting = next(h for h in hits if h.signal == "links.free_hosting")
    assert hosting.evidence == "https://compte-rendu-reunion.pages.dev/cr.html"


def test_spec_fields_are_filled() -> None:
    for spec in links.SPECS:
        assert spec.id.startswith("links.") and spec.title and spec.why and spec.advice
        assert 0 < spec.prior_weight <= 4


# --- lists ---------------------------------------------------------------------


def test_service_lists_load_and_have_provenance() -> None:
    path = Path(links.__file__).parent.parent / "data" / "links.json"
    data = json.loads(path.read_text("utf-8"))
    assert data["_provenance"]
    known = links.lists()
    assert len(known.shorteners) > 50 and len(known.hosting) > 50
    for w in (*known.redirectors, *known.gateways):
        assert w.kind in {"param", "path", "query", "translate-host", "bing", "base64",
                          "proofpoint-v2", "proofpoint-v3", "cisco", "opaque"}  # fmt: skip
        assert w.kind != "param" or w.params


@pytest.mark.parametrize(
    ("pattern", "host", "ok"),
    [
        ("bit.ly", "bit.ly", True),
        ("bit.ly", "www.bit.ly", True),
        ("bit.ly", "notbit.ly", False),
        ("*.web.app", "evil.web.app", True),
        ("*.web.app", "web.app", False),
        ("google.*", "www.google.co.uk", True),
        ("google.*", "google.fr", True),
        ("google.*", "google.evil.example", False),
        ("translate.google.*", "translate.google.de", True),
        ("translate.google.*", "www.google.de", False),
        ("*.s3.*.amazonaws.com", "bucket.s3.eu-west-3.amazonaws.com", True),
        ("*.s3.*.amazonaws.com", "ec2.eu-west-3.amazonaws.com", False),
    ],
)
def test_host_patterns(pattern: str, host: str, ok: bool) -> None:
    assert links.host_matches(pattern, host) is ok


# --- URL reading -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "ip"),
    [
        ("3232235777", "192.168.1.1"),
        ("0xc0a80101", "192.168.1.1"),
        ("0300.0250.1.1", "192.168.1.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("1.2.3.4.", "1.2.3.4"),
        ("256.1.1.1", None),
        ("4294967296", None),
        ("1.2.3.4.5", None),
        ("example.com", None),
        ("1.2.3.com", None),
        ("0x", "0.0.0.0"),
        ("٣.٣.٣.٣", None),
    ],
)
def test_ipv4_spellings(host: str, ip: str | None) -> None:
    assert links.ipv4_literal(host) == ip


def test_parse_web_reads_urls_like_a_browser() -> None:
    web = links.parse_web("HTTPS://Google.com@EVIL.example:8080/a?b=c")
    assert web is not None
    assert (web.scheme, web.host, web.port, web.userinfo) == (
        "https",
        "evil.example",
        8080,
        "Google.com",
    )
    back = links.parse_web("http://evil.example\\@google.com/")
    assert back is not None and back.host == "evil.example" and not back.userinfo
    assert links.parse_web("//evil.example/x") is not None
    assert links.parse_web("www.evil.example/x") is not None
    assert links.parse_web("http:evil.example") is not None
    six = links.parse_web("http://[2001:db8::1]/")
    assert six is not None and six.ip and six.host == "2001:db8::1"
    idn = links.parse_web("https://пример.example/")
    assert idn is not None and idn.host.startswith("xn--")
    wide = links.parse_web("https://evil\uff0eexample/")
    assert wide is not None and wide.host == "evil.example"
    for not_web in ("mailto:a@b.example", "tel:+33100000000", "#top", "/relative", "", "http://"):
        assert links.parse_web(not_web) is None
    odd = links.parse_web("http://evil.example:99999/")
    assert odd is not None and odd.bad_port


@pytest.mark.parametrize(
    ("url", "destination"),
    [
        ("https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fa.example%2Fp&data=1",
         "https://a.example/p"),
        ("https://urldefense.proofpoint.com/v2/url?u=https-3A__a.example_p&d=DwM",
         "https://a.example/p"),
        ("https://urldefense.com/v3/__https://a.example/p__;!!x$", "https://a.example/p"),
        ("https://www.google.com/url?sa=t&url=https://a.example/p", "https://a.example/p"),
        ("https://www.google.fr/amp/s/a.example/p", "https://a.example/p"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fa.example%2Fp&h=AT0", "https://a.example/p"),
        ("https://a-example.translate.goog/p?_x_tr_sl=en", "https://a.example/p"),
        ("https://www.bing.com/ck/a?!&&p=1&u=a1aHR0cHM6Ly9hLmV4YW1wbGUvcA&ntb=1",
         "https://a.example/p"),
        ("https://evil.page.link/?link=https://a.example/p&apn=x", "https://a.example/p"),
    ],
)  # fmt: skip
def test_unwrap_known_wrappers(url: str, destination: str) -> None:
    web = links.parse_web(url)
    assert web is not None
    assert links.unwrap(web).final.url == destination


def test_security_gateways_are_not_signals_but_their_destination_is_judged() -> None:
    benign = (
        "https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.parti-exemple.fr"
    )
    assert links.url_findings(benign) == []
    wrapped = "https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fbit.ly%2Fx"
    found = links.url_findings(wrapped)
    assert [(f.signal, f.evidence, f.indicators) for f in found] == [
        ("links.shortener", "https://bit.ly/x", ("https://bit.ly/x",))
    ]


def test_nested_wrappers_stop_after_the_limit() -> None:
    url = "https://a.example/end"
    for _ in range(50):
        url = "https://www.google.com/url?q=" + url.replace("%", "%25").replace("&", "%26")
    web = links.parse_web(url)
    assert web is not None
    assert len(links.unwrap(web).steps) == links.MAX_UNWRAP + 1


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("https://myaccount.google.com/security", ["myaccount.google.com"]),
        ("myaccount.google.com", ["myaccount.google.com"]),
        ("www.paypal.com", ["www.paypal.com"]),
        ("Visit https://www.paypal.com/signin now", ["www.paypal.com"]),
        ("Click here", []),
        ("Dilbert.com", []),
        ("README.md", []),
        ("invoice.zip", []),
        ("someone@example.com", []),
        ("3.5", []),
        ("Lire la suite", []),
    ],
)
def test_text_hosts(text: str, hosts: list[str]) -> None:
    assert links.text_hosts(text) == hosts


def test_tracking_link_carrying_the_shown_domain_is_no_mismatch() -> None:
    same = Link(
        "https://click.esp.example/c?url=https%3A%2F%2Fwww.shop.example%2F",
        "www.shop.example",
        "html",
    )
    in_path = Link(
        "https://t.esp.example/L0/https:%2F%2Fwww.shop.example%2F/1/x", "www.shop.example", "html"
    )
    other = Link(
        "https://click.esp.example/c?url=https%3A%2F%2Fevil.example%2F", "www.shop.example", "html"
    )
    assert "links.text_mismatch" not in _signals(_mail(same))
    assert "links.text_mismatch" not in _signals(_mail(in_path))
    assert "links.text_mismatch" in _signals(_mail(other))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Someone has your password", "password"),
        ("Votre compte sera suspendu demain", "compte sera suspendu"),
        ("Vérifiez votre identité", "Vérifiez"),
        ("Please sign-in to continue", "sign-in"),
        ("Gérer mon compte | Se désinscrire", ""),
        ("Manage your account preferences", ""),
        ("The candidate suspended the campaign", ""),
        ("Your email has been verified", ""),
    ],
)
def test_credential_words(text: str, word: str) -> None:
    assert links.credential_word(text) == word


def test_credential_words_ignore_links_to_the_senders_or_own_site() -> None:
    text = "Changez votre mot de passe ici : lien"
    own = Link("https://www.parti-exemple.fr/compte", "lien", "html")
    sender = Link("https://accounts.sender.example/pw", "lien", "html")
    away = Link("https://evil.example/pw", "lien", "html")
    assert _signals(_mail(own, text=text)) == set()
    assert _signals(_mail(sender, text=text)) == set()
    assert _signals(_mail(away, text=text)) == {"links.credential_words"}


def test_words_inside_urls_do_not_count() -> None:
    body = "See http://www.comics.example/login.html for today's strip"
    link = Link("http://www.comics.example/login.html", "", "text")
    mail = ParsedMail(source="t", raw_size=0, headers=(), text=body, links=(link,))
    assert _signals(mail) == set()


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("javascript:alert(1)", True),
        (" JaVa\tScRiPt:alert(1)", True),
        ("data:text/html;base64,PGgxPg==", True),
        ("data:image/png;base64,iVBORw0", False),
        ("file://attacker.example/share/doc.lnk", True),
        ("\\\\attacker.example\\share", True),
        ("search-ms:query=facture&crumb=location:\\\\attacker.example", True),
        ("https://example.org/javascript:", False),
        ("mailto:a@b.example", False),
    ],
)
def test_dangerous_schemes(url: str, bad: bool) -> None:
    assert links.dangerous_scheme(url) is bad


def test_html_attachment_links_are_judged_and_named() -> None:
    page = b'<html><a href="https://bit.ly/abc">Ouvrir</a></html>'
    att = Attachment("page.html", "text/html", page, len(page), "0" * 64)
    hits = links.detect(_mail(attachments=(att,)), CTX)
    assert [(h.signal, h.evidence, h.indicators) for h in hits] == [
        ("links.shortener", "https://bit.ly/abc (in attachment page.html)", ("https://bit.ly/abc",))
    ]


def test_url_hits_for_qr_codes_name_the_picture() -> None:
    hits = links.url_hits("http://198.51.100.9/x", "qr:scan.png")
    assert [(h.signal, h.evidence, h.indicators) for h in hits] == [
        ("links.ip_host", "http://198.51.100.9/x (QR code in scan.png)", ("http://198.51.100.9/x",))
    ]


def test_many_domains_ignores_own_and_sender_sites() -> None:
    own = [Link(f"https://s{i}.parti-exemple.fr/", "x", "html") for i in range(30)]
    assert _signals(_mail(*own)) == set()
    many = [Link(f"https://site{i}.example/", "x", "html") for i in range(links.MANY_DOMAINS)]
    assert _signals(_mail(*many)) == {"links.many_domains"}


def test_at_most_three_hits_per_signal() -> None:
    found = [Link(f"https://bit.ly/{i}", "", "html") for i in range(10)]
    hits = links.detect(_mail(*found), CTX)
    assert [h.signal for h in hits] == ["links.shortener"] * 3


# --- hostile input ----------------------------------------------------------------


def test_hostile_links_are_bounded_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    long_url = "https://" + "a" * 5000 + ".example/" + "b" * 100_000
    params = "https://www.google.com/url?" + "&".join(f"q{i}=x" for i in range(20_000))
    odd = ["http://[::1", "http://%zz/", "https://\x00\x01/", "http://" + "1." * 5000,
           "https://xn--/", "https://xn--zz-----.example/", "http://0x" + "f" * 5000 + "/",
           "http://" + "9" * 5000 + "/", "javascript:" + "x" * 100_000]  # fmt: skip
    found = [Link(u, "t" * 10_000, "html") for u in [long_url, params, *odd]]
    found += [Link(f"https://host{i}.example/{'x' * 100}", f"www.host{i}.example", "html")
              for i in range(5000)]  # fmt: skip
    body = ("password " * 100_000)[:2_000_000]
    examined: list[str] = []
    searched: list[int] = []
    real_findings, real_context = links.url_findings, links._context

    def findings(url: str, *args: Any) -> Any:
        examined.append(url)
        return real_findings(url, *args)

    def context(text: str, needle: str) -> str:
        searched.append(len(text))
        return real_context(text, needle)

    monkeypatch.setattr(links, "url_findings", findings)
    monkeypatch.setattr(links, "_context", context)
    hits = links.detect(_mail(*found, text=body), CTX)
    assert all(len(h.evidence) <= 300 for h in hits)
    assert {h.signal for h in hits} == {
        "links.redirector",
        "links.dangerous_scheme",
        "links.punycode",
        "links.many_domains",
    }
    # of 5,011 links only MAX_LINKS are examined, and the 2 MB body is searched for
    # their context within its first MAX_CONTEXT_SEARCH characters
    assert len(examined) == links.MAX_LINKS
    assert searched and max(searched) <= links.MAX_CONTEXT_SEARCH


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_url_findings_never_raise(url: str) -> None:
    for f in links.url_findings(url):
        assert f.signal in {s.id for s in links.SPECS} and len(f.evidence) <= 300
    links.text_hosts(url)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"https?://[a-z0-9.@:\[\]%\\-]{0,40}(/[ -~]{0,40})?", fullmatch=True))
def test_url_like_strings_never_raise(url: str) -> None:
    links.url_findings(url)
