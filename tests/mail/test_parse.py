"""The MIME reader: what it extracts, the defects it names, the caps it keeps."""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from rempart.mail import parse
from rempart.mail.limits import MailLimits
from rempart.mail.model import Address, ParsedMail
from rempart.mail.parse import (
    decode_words,
    html_to_text_and_links,
    parse_addresses,
    parse_message,
    safe_html,
    text_links,
)

HEAD = b"From: Alex Durand <alex.durand@campaign-party.org>\nTo: tresorier@parti-exemple.fr\n"


def mail(body: bytes, head: bytes = HEAD, limits: MailLimits | None = None) -> ParsedMail:
    raw = head + body
    return parse_message(raw, "test", limits) if limits else parse_message(raw, "test")


def multipart(*parts: bytes, boundary: bytes = b"b1", kind: bytes = b"mixed") -> bytes:
    head = b"Content-Type: multipart/" + kind + b'; boundary="' + boundary + b'"\n\n'
    body = b"".join(b"--" + boundary + b"\n" + part + b"\n" for part in parts)
    return head + body + b"--" + boundary + b"--\n"


# ---------------------------------------------------------------- headers


def test_headers_are_unfolded_decoded_and_kept_in_order() -> None:
    m = mail(
        b"Subject: =?utf-8?q?R=C3=A9union?=\n =?utf-8?b?IGRlIGJ1cmVhdQ==?=\n"
        b"X-Long: one\n\ttwo\nDate: Tue, 14 Jan 2025 08:12:44 +0100\n"
        b"Return-Path: <Bounce@Example.COM>\nMessage-ID: <abc@parti-exemple.fr>\n\nbody\n"
    )
    assert m.subject == "Réunion de bureau"
    assert m.header("x-long") == "one two"
    assert [k for k, _ in m.headers][:3] == ["From", "To", "Subject"]
    assert m.date == datetime(2025, 1, 14, 7, 12, 44, tzinfo=UTC)
    assert m.return_path == "bounce@example.com"
    assert m.message_id == "<abc@parti-exemple.fr>"
    assert m.defects == ()


def test_raw_eight_bit_headers_are_read_as_utf8_else_windows_1252() -> None:
    m = mail(b"Subject: Caf\xc3\xa9 \xe2\x82\xac\n\n", head=b"From: x@y.example\n")
    assert m.subject == "Café €"
    m = mail(b"Subject: Caf\xe9\n\n", head=b"From: x@y.example\n")
    assert m.subject == "Café"


def test_encoded_words_join_split_characters_and_report_bad_ones() -> None:
    # "é" split across two encoded words; whitespace between words disappears
    assert decode_words("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?= ok") == "café ok"
    assert decode_words("=?iso-8859-1?q?a_b?=") == "a b"
    assert decode_words(None) == ""
    m = mail(b"Subject: =?utf-8?B?####?= =?x-nope?q?abc?= fine\n\n")
    assert "fine" in m.subject
    assert m.defects == ("part 1: Subject header has an invalid encoded word",)


def test_duplicate_from_is_a_defect() -> None:
    m = mail(b"From: other@evil.example\n\nx", head=b"From: a@parti-exemple.fr\n")
    assert m.defects == ("part 1: 2 from header fields",)
    assert [a.address for a in m.from_] == ["a@parti-exemple.fr", "other@evil.example"]


def test_missing_blank_line_starts_the_body() -> None:
    m = mail(b"Subject: x\nthis is not a header\nhttp://link.example/a\n")
    assert m.subject == "x"
    assert "this is not a header" in m.text
    assert m.defects == ("part 1: no blank line between header and body",)


def test_mbox_envelope_line_is_skipped() -> None:
    m = parse_message(b"From someone@x Thu Aug 22 12:36:23 2002\nSubject: s\n\nhi\n", "m")
    assert m.subject == "s" and m.defects == ()


# ---------------------------------------------------------------- addresses


def test_addresses_display_names_groups_comments_idn() -> None:
    got = parse_addresses(
        [
            '"Martin, Dominique" <Tresorier@Parti-Exemple.FR>, bare@x.example (Bare Name)',
            "undisclosed-recipients:;",
            "=?utf-8?q?Camille_Exemple?= <camille@b\u00fccher.example>",
        ]
    )
    assert got == (
        Address("Martin, Dominique", "Tresorier@parti-exemple.fr"),
        Address("Bare Name", "bare@x.example"),
        Address("Camille Exemple", "camille@xn--bcher-kva.example"),
    )


def test_an_encoded_display_name_cannot_smuggle_an_address() -> None:
    m = mail(
        b"Subject: s\n\nx",
        head=b"From: =?utf-8?q?tresorier@parti-exemple.fr_=3Cx@a.example=3E?="
        b" <real@evil.example>\n",
    )
    assert m.from_ == (Address("tresorier@parti-exemple.fr <x@a.example>", "real@evil.example"),)


def _lexbor_inputs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Spy on the HTML handed to lexbor by the parser."""
    seen: list[str] = []
    real = parse.HTMLParser

    def spy(html: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(html)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(parse, "HTMLParser", spy)
    return seen


@pytest.mark.timeout(30)  # hang guard against regex backtracking, not a speed measurement
@pytest.mark.parametrize(
    ("value", "addresses"),
    [
        ("(" * 60_000, ()),  # one unclosed comment
        ('"\\' * 30_000, (Address('"' * 500, ""),)),  # one quoted string of escaped quotes
        ("a@b," * 15_000, (Address("", "a@b"),) * parse.MAX_ADDRESSES),
        ("<" * 50_000, ()),
        ('"' + "x" * 60_000, (Address("x" * 500, ""),)),  # unclosed quote, display name cut
    ],
)
def test_hostile_address_headers_are_fast(value: str, addresses: tuple[Address, ...]) -> None:
    assert parse_addresses([value]) == addresses


# ---------------------------------------------------------------- bodies


def test_alternative_text_and_html_with_links_and_forms() -> None:
    body = multipart(
        b"Content-Type: text/plain; charset=utf-8\n\nVoir https://a.example/x, merci.",
        b"Content-Type: text/html\n\n<html><head><title>T</title><style>p{}</style></head><body>"
        b'<p>Bonjour</p><a href="https://b.example/&amp;y">ici <b>vite</b></a>'
        b'<form action="https://c.example/post"></form></body></html>',
        kind=b"alternative",
    )
    m = mail(body)
    assert m.text == "Voir https://a.example/x, merci."
    assert m.html_text == "Bonjour ici vite"
    assert [(link.url, link.text, link.where) for link in m.links] == [
        ("https://b.example/&y", "ici vite", "html"),
        ("https://c.example/post", "<form>", "html"),
        ("https://a.example/x", "", "text"),
    ]
    assert m.attachments == () and m.defects == ()


def test_text_and_html_parts_that_are_files_are_attachments() -> None:
    body = multipart(
        b"Content-Type: text/plain\n\nle message",
        b"Content-Type: text/plain\nContent-Disposition: attachment\n\nnotes",
        b'Content-Type: text/html; name="facture.html"\n\n<a href="https://x.example">p</a>',
        b"Content-Type: text/plain\n"
        b"Content-Disposition: inline; filename*=utf-8''r%C3%A9sum%C3%A9.txt\n\nr",
    )
    m = mail(body)
    assert m.text == "le message" and m.html == "" and m.links == ()
    assert [(a.filename, a.content_type, a.data) for a in m.attachments] == [
        ("", "text/plain", b"notes"),
        ("facture.html", "text/html", b'<a href="https://x.example">p</a>'),
        ("résumé.txt", "text/plain", b"r"),
    ]
    assert m.attachments[2].inline


def test_attachment_is_decoded_and_hashed() -> None:
    data = bytes(range(256)) * 10
    b64 = base64.encodebytes(data)
    part = (
        b"Content-Type: application/pdf\n"
        b'Content-Disposition: attachment; filename="=?utf-8?q?f=C3=A9.pdf?="'
    )
    m = mail(
        multipart(
            b"Content-Type: text/plain\n\nhi",
            part + b"\nContent-Transfer-Encoding: base64\n\n" + b64,
        )
    )
    att = m.attachments[0]
    assert (att.filename, att.size, att.data, att.truncated) == ("fé.pdf", len(data), data, False)
    assert att.sha256 == hashlib.sha256(data).hexdigest()


def test_attached_messages_are_walked() -> None:
    inner2 = b"Subject: deepest\nContent-Type: text/html\n\n<a href='https://deep.example/'>x</a>"
    inner1 = b"Subject: inner\n" + multipart(
        b"Content-Type: text/plain\n\ninner text",
        b"Content-Type: message/rfc822\n\n" + inner2,
        b"Content-Type: application/zip\nContent-Disposition: attachment; filename=a.zip\n\nPK",
        boundary=b"inner",
    )
    outer = multipart(
        b"Content-Type: text/plain\n\nouter text",
        b'Content-Type: message/rfc822\nContent-Disposition: attachment; filename="fwd.eml"\n\n'
        + inner1,
    )
    m = mail(outer)
    assert m.text == "outer text\ninner text"
    assert [link.url for link in m.links] == ["https://deep.example/"]
    assert [(a.filename, a.content_type) for a in m.attachments] == [
        ("fwd.eml", "message/rfc822"),
        ("a.zip", "application/zip"),
    ]
    assert m.subject == "" and m.defects == ()


def test_base64_encoded_attached_message_is_a_defect_but_read() -> None:
    inner = base64.encodebytes(b"Subject: hidden\n\nhttps://hidden.example/login\n")
    m = mail(
        multipart(b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + inner)
    )
    assert m.defects == ("part 1.1: attached message encoded in base64",)
    assert [link.url for link in m.links] == ["https://hidden.example/login"]


def test_digest_parts_default_to_messages() -> None:
    m = mail(multipart(b"\nSubject: one\n\nfirst", b"\nSubject: two\n\nsecond", kind=b"digest"))
    assert m.text == "first\nsecond"


def test_uuencoded_attachment() -> None:
    m = mail(b"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 a.txt\n#86)C\n`\nend\n")
    assert m.attachments == () and m.text == "abc"


# ---------------------------------------------------------------- charsets


@pytest.mark.parametrize(
    ("charset", "data", "text", "defects"),
    [
        (
            b"utf-8",
            b"Caf\xe9 cr\xe8me",
            "Café crème",
            ("text is not valid utf-8, read as windows-1252",),
        ),
        (b"x-unknown", b"caf\xc3\xa9", "café", ("unknown charset 'x-unknown'",)),
        (
            b"x-unknown",
            b"caf\xe9",
            "café",
            ("unknown charset 'x-unknown'", "text is not valid utf-8, read as windows-1252"),
        ),
        (b"punycode", b"abc-", "abc-", ("unknown charset 'punycode'",)),
        (b"base64", b"YWJj", "YWJj", ("unknown charset 'base64'",)),
        (b'"us-ascii"', b"d\xc3\xa9j\xc3\xa0", "déjà", ()),
        (b"iso-8859-15", b"\xa4", "€", ()),
        (b"utf-16", "été".encode("utf-16"), "été", ()),
        (b"windows-1252", b"\x81", "\ufffd", ("text is not valid windows-1252",)),
    ],
)
def test_charset_fallbacks(
    charset: bytes, data: bytes, text: str, defects: tuple[str, ...]
) -> None:
    m = mail(b"Content-Type: text/plain; charset=" + charset + b"\n\n" + data)
    assert m.text == text
    assert m.defects == tuple(f"part 1: {d}" for d in defects)


def test_invalid_content_type_keeps_its_leading_type() -> None:
    m = mail(
        b"Content-Type: text/html charset=utf-8\n\n<p>hi <a href='https://x.example'>x</a></p>"
    )
    assert m.html_text == "hi x"
    assert m.defects == (
        "part 1: invalid Content-Type 'text/html charset=utf-8', read as text/html",
    )
    m = mail(b"Content-Type: text\n\nplain")
    assert m.text == "plain"


def test_nul_bytes_in_text_are_a_defect() -> None:
    assert mail(b"\nab\x00cd").defects == ("part 1: NUL bytes in text",)


# ---------------------------------------------------------------- MIME defects


@pytest.mark.parametrize(
    ("b64", "data", "defects"),
    [
        (b"YWJj\nZGVm\n", b"abcdef", ()),
        (b"YWJjZA", b"abcd", ("base64 padding missing",)),
        (b"YWJjZ", b"abc", ("base64 padding missing", "base64 ends with a stray character")),
        (b"YW*Jj", b"abc", ("base64 has 1 invalid characters",)),
        (b"YQ==YQ==", b"aa", ("base64 data goes on after its padding",)),
    ],
)
def test_base64_damage_is_named_with_the_part(
    b64: bytes, data: bytes, defects: tuple[str, ...]
) -> None:
    part = b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + b64
    m = mail(multipart(b"Content-Type: text/plain\n\nhello", part))
    assert m.attachments[0].data == data
    assert m.defects == tuple(f"part 1.2: {d}" for d in defects)


def test_boundary_problems() -> None:
    m = mail(b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n\nfirst https://a.example/\n')
    assert (m.text, m.defects) == (
        "first https://a.example/\n",
        ("part 1: closing MIME boundary missing",),
    )
    m = mail(b'Content-Type: multipart/mixed; boundary="zz"\n\n--b\n\nhttps://hidden.example/\n')
    assert m.defects == ("part 1: MIME boundary not found, read as text",)
    assert [link.url for link in m.links] == ["https://hidden.example/"]
    m = mail(b"Content-Type: multipart/mixed\n\nno boundary")
    assert (m.text, m.defects) == (
        "no boundary",
        ("part 1: multipart without boundary, read as text",),
    )
    m = mail(b'Content-Type: multipart/mixed; boundary="b"\n\npreamble\n--b--\n')
    assert (m.text, m.defects) == ("", ("part 1: multipart has no parts",))


def test_reused_boundary_and_prefix_boundaries() -> None:
    inner = b'Content-Type: multipart/alternative; boundary="same"'
    m = mail(multipart(inner, b"Content-Type: text/plain\n\nshown", boundary=b"same"))
    assert m.text == "shown"
    assert m.defects == ("part 1.1: MIME boundary same as an enclosing part's, read as text",)
    # the outer boundary is a prefix of the inner one: "--b-1" is not a delimiter of "b"
    inner = multipart(
        b"Content-Type: text/plain\n\none", b"Content-Type: text/plain\n\ntwo", boundary=b"b-1"
    )
    m = mail(multipart(inner, b"Content-Type: text/plain\n\nthree", boundary=b"b"))
    assert (m.text, m.defects) == ("one\ntwo\nthree", ())


def test_transport_padding_and_crlf() -> None:
    raw = HEAD + multipart(b"Content-Type: text/plain\n\nx", boundary=b"q").replace(
        b"--q\n", b"--q  \n"
    )
    assert mail(raw[len(HEAD) :]).text == "x"
    crlf = parse_message((HEAD + b"Subject: s\n\nhello\n").replace(b"\n", b"\r\n"), "crlf")
    old_mac = parse_message((HEAD + b"Subject: s\n\nhello\n").replace(b"\n", b"\r"), "cr")
    assert crlf.subject == old_mac.subject == "s"
    assert crlf.text == old_mac.text == "hello\n"


def test_unknown_transfer_encoding() -> None:
    m = mail(b"Content-Transfer-Encoding: 8bit+\n\nplain")
    assert (m.text, m.defects) == ("plain", ("part 1: unknown transfer encoding '8bit+'",))


def test_duplicate_parameter_is_a_defect_and_first_wins() -> None:
    m = mail(
        multipart(
            b"Content-Type: application/pdf\n"
            b'Content-Disposition: attachment; filename="a.pdf"; filename="b.exe"\n\nx'
        )
    )
    assert m.attachments[0].filename == "a.pdf"
    assert m.defects == ("part 1.1: parameter filename given twice",)


# ---------------------------------------------------------------- caps


def test_caps_are_recorded() -> None:
    small = MailLimits(
        max_message_bytes=5000,
        max_headers=5,
        max_header_bytes=50,
        max_parts=4,
        max_part_bytes=10,
        max_text_chars=60,
        max_links=2,
    )
    head = b"".join(b"X-%d: v\n" % i for i in range(8)) + b"Subject: " + b"s" * 100 + b"\n"
    body = multipart(
        b"Content-Type: text/plain\n\n" + b"http://a.b/ " * 10,
        b"Content-Type: application/zip\nContent-Disposition: attachment\n\n" + b"z" * 20,
        *[b"Content-Type: text/plain\n\nmore"] * 5,
    )
    ctype, _, rest = body.partition(b"\n")
    raw = ctype + b"\n" + head + rest + b"x" * 6000
    m = parse_message(raw, "caps", small)
    assert m.truncated == (
        f"message cut at 5000 bytes of {len(raw)}",
        "part 1: 10 header fields, only the first 5 read",
        "part 1.1: text cut at 60 characters",
        "part 1.2 cut at 10 bytes of 20",
        "part 1.3: not read, 60 characters already read",
        "more than 4 MIME parts, the rest not read",
        "more than 2 links, the rest not read",
    )
    assert len(m.headers) == 5 and len(m.text) <= 60 and len(m.links) == 2
    att = m.attachments[0]
    assert (att.size, att.data, att.truncated) == (20, b"z" * 10, True)
    assert att.sha256 == hashlib.sha256(b"z" * 10).hexdigest()


def test_long_header_is_cut() -> None:
    m = mail(b"Subject: " + b"a" * 1_000_000 + b"\n\nx", limits=MailLimits(max_header_bytes=1000))
    assert m.subject == "a" * 999  # the space after the colon counts
    assert m.truncated == ("part 1: header Subject cut at 1000 bytes",)


def test_a_cut_message_does_not_blame_its_missing_end() -> None:
    b64 = b"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n" + b"YWJj" * 100
    raw = HEAD + multipart(b"Content-Type: text/plain\n\nhello", b64)
    whole = parse_message(raw, "whole")
    assert whole.defects == () and whole.attachments[0].data == b"abc" * 100
    cut = parse_message(raw, "cut", MailLimits(max_message_bytes=len(raw) - 30))
    assert cut.defects == ()
    assert cut.truncated == (f"message cut at {len(raw) - 30} bytes of {len(raw)}",)


def test_raw_size_given_by_a_source_that_cut_the_message() -> None:
    m = parse_message(b"Subject: s\n\nbody", "cut", MailLimits(max_message_bytes=100), raw_size=500)
    assert m.raw_size == 500
    assert m.truncated == ("message cut at 100 bytes of 500",)


def nested(depth: int, rfc822_every: int = 0) -> bytes:
    head, tail = b"", b""
    for i in range(depth):
        if rfc822_every and i % rfc822_every == 1:
            head += b"Content-Type: message/rfc822\n\n"
            continue
        head += b'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n' % (i, i)
        tail = b"\n--n%d--\n" % i + tail
    return head + b"Content-Type: text/plain\n\nhttp://deep.example/\n" + tail


def test_deep_nesting_is_cut_at_the_depth_cap() -> None:
    m = mail(nested(200))
    assert m.truncated == ("part 1" + ".1" * 20 + ": MIME nesting deeper than 20, not read",)
    assert m.text == "" and m.defects == ()
    shallow = mail(nested(10, rfc822_every=2))
    assert [link.url for link in shallow.links] == ["http://deep.example/"]
    assert shallow.truncated == ()


# ---------------------------------------------------------------- HTML and links


def test_safe_html_flattens_only_pathological_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    normal = "<div><p>x</p></div>" * 100
    assert safe_html(normal) == (normal, 0)
    deep = "<div>" * 30_000 + "<a href='https://x.example'>x</a>"
    flat, renamed = safe_html(deep)
    assert renamed == 30_000 - 1024 and flat.endswith("<a href='https://x.example'>x</a>")
    parsed = _lexbor_inputs(monkeypatch)
    _, links = html_to_text_and_links(deep, "html", 10)
    assert [link.url for link in links] == ["https://x.example"]
    assert [html.count("<div>") for html in parsed] == [parse.HTML_MAX_DEPTH]  # not 30,000


def test_text_links_trim_punctuation_and_stop_at_the_cap() -> None:
    links = text_links("see (https://a.example/x). and www.b.example, http://c.example", "text", 2)
    assert [link.url for link in links] == ["https://a.example/x", "www.b.example"]
    assert text_links("http://a.example", "text", 0) == []


# ---------------------------------------------------------------- hostile input


@functools.cache
def _hostile() -> dict[str, bytes]:
    return {
        "empty": b"",
        "nul": b"\x00" * 100_000,
        "binary": bytes(range(256)) * 4000,
        "10k headers": b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + b"\r\nbody",
        "1 MB header line": b"Subject: " + b"a" * 1_000_000 + b"\r\n\r\nbody",
        "1 MB of encoded-word starts": b"Subject: " + b"=?a?q?" * 170_000 + b"\n\nx",
        "6M continuation lines": b"Subject: x" + b"\n " * 6_000_000 + b"\n\nbody",
        "200 deep": nested(200),
        "200 deep with rfc822": nested(200, rfc822_every=2),
        "rfc822 in rfc822": b"Content-Type: message/rfc822\n\n" * 50 + b"\nhi",
        "100k parts": multipart(*[b"Content-Type: text/plain\n\nx"] * 100_000),
        "boundary-like lines": b"Content-Type: multipart/mixed; boundary=b\n\n"
        + b"--bx\n" * 1_000_000,
        "truncated base64": b"Content-Transfer-Encoding: base64\nContent-Type: image/png\n\n"
        + b"iVBORw0KG",
        "base64 garbage": b"Content-Transfer-Encoding: base64\nContent-Type: image/png\n\n"
        + b"!@#$" * 1_000_000,
        "param soup": b"Content-Type: text/plain" + b';"\\' * 50_000 + b"\n\nx",
        "2231 soup": b"Content-Type: text/plain"
        + b"".join(b"; n*%d*=%%41" % i for i in range(5000))
        + b"\n\nx",
        "long line": b"Content-Type: text/plain\n\n" + b"http://a" * 2_000_000,
        "100k unclosed divs": b"Content-Type: text/html\n\n" + b"<div>" * 100_000,
        "100k spans then divs": b"Content-Type: text/html\n\n"
        + b"<span>" * 50_000
        + b"<section>" * 50_000,
        "anchor soup": b"Content-Type: text/html\n\n" + b'<a href="http://x/"><div>' * 20_000,
        "bad words": b"Subject: " + b"=?utf-8?B?####?= =?x?q?a?= " * 2000 + b"\n\nx",
    }


@pytest.mark.timeout(30)  # hang guard, not a speed measurement
@pytest.mark.parametrize("name", sorted(_hostile()))
def test_hostile_input_never_raises_and_stays_bounded(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _hostile()[name]
    limits = MailLimits()
    parsed = _lexbor_inputs(monkeypatch)
    m = parse_message(raw, name, limits)
    assert isinstance(m, ParsedMail)
    # HTML reaches lexbor with its block nesting already flattened
    assert all(safe_html(html) == (html, 0) for html in parsed)
    assert not any("internal parser error" in d for d in m.defects)
    assert len(m.headers) <= limits.max_headers
    assert all(len(v) <= limits.max_header_bytes for _, v in m.headers)
    assert len(m.text) <= limits.max_text_chars and len(m.html) <= limits.max_text_chars
    assert len(m.links) <= limits.max_links
    assert len(m.defects) <= parse.MAX_DEFECTS and len(m.truncated) <= parse.MAX_DEFECTS


def test_empty_and_binary_input_are_defects() -> None:
    assert parse_message(b"", "e").defects == ("part 1: empty message",)
    assert "part 1: no header fields" in parse_message(b"\x89PNG\r\n\x1a\n\x00\x00", "b").defects


def test_an_internal_error_becomes_a_defect(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> ParsedMail:
        raise RuntimeError("bug")

    monkeypatch.setattr(parse, "_parse", boom)
    m = parse_message(b"Subject: x\n\n", "src")
    assert (m.source, m.defects) == ("src", ("part 1: internal parser error: RuntimeError",))
