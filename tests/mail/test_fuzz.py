"""Property-based fuzzing of the mail reader: any bytes in, a bounded ParsedMail out.

Messages are built from MIME-ish fragments (headers, boundaries right and
wrong, transfer encodings, charsets, nesting, attached messages) then damaged
(cut, spliced with random bytes). The reader must never raise and must keep
every cap. A second property round-trips messages through an mbox file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rempart.mail import parse
from rempart.mail.limits import MailLimits
from rempart.mail.model import ParsedMail
from rempart.mail.parse import parse_message
from rempart.mail.sources import iter_messages

LIMITS = MailLimits(
    max_message_bytes=20_000,
    max_headers=12,
    max_header_bytes=300,
    max_mime_depth=4,
    max_parts=25,
    max_part_bytes=400,
    max_text_chars=2_000,
    max_links=8,
    max_mbox_messages=6,
)
FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMES = ["Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Subject",
         "From", "To", "Reply-To", "Date", "Message-ID", "X-Junk", "content-type"]  # fmt: skip
TYPES = ["text/plain", "text/html", "multipart/mixed", "multipart/alternative",
         "multipart/digest", "message/rfc822", "application/pdf", "image/png", "text",
         "multipart/", "text/html charset=utf-8", "TEXT/PLAIN"]  # fmt: skip
CHARSETS = ["utf-8", "us-ascii", "iso-8859-1", "x-unknown", "utf-16", "punycode", "base64",
            "windows-1252", '"utf-8', "gb2312", ""]  # fmt: skip
ENCODINGS = ["7bit", "base64", "quoted-printable", "x-uuencode", "8bit", "BASE64", "x-bogus"]
WORDS = ["=?utf-8?q?caf=C3=A9?=", "=?utf-8?B?####?=", "=?x-bad?q?a?=", "=?iso-8859-1?b?6Q==?=",
         "=?utf-8?q?a", "Alex <alex@parti-exemple.fr>", '"a,b" <x@y>', "(((", "\\"]  # fmt: skip
TEXTS = [b"hello https://a.example/x", b"<a href='https://b.example/'>b</a>", b"<div>" * 50,
         b"caf\xe9", b"\x00\x01\xff", b"www.c.example", b"=C3=A9=\n", b"begin 644 a\n#86)C\nend",
         b"--", b"\r\n", b"From here\n"]  # fmt: skip

SOUP = [*TEXTS, b"\n", b": ", b"Content-Type: multipart/mixed; boundary=b\n", b"--b\n", b"--b--\n"]
boundaries = st.sampled_from(["b", "b1", "=_x", "b b", "", "same", "a" * 80, "b-1"])
header_values = st.one_of(
    st.sampled_from(WORDS), st.text(max_size=40), st.sampled_from(TYPES + CHARSETS)
)


@st.composite
def headers(draw: st.DrawFn, ctype: str, boundary: str) -> bytes:
    lines = []
    if draw(st.booleans()):
        params = f'; boundary="{boundary}"' if draw(st.booleans()) else f"; boundary={boundary}"
        charset = draw(st.sampled_from(CHARSETS))
        lines.append(f"Content-Type: {ctype}{params}; charset={charset}")
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(NAMES))
        value = draw(header_values)
        if name == "Content-Transfer-Encoding":
            value = draw(st.sampled_from(ENCODINGS))
        elif name == "Content-Disposition":
            value = f'{draw(st.sampled_from(["attachment", "inline"]))}; filename="{value}"'
        fold = "\n\t" if draw(st.booleans()) else " "
        lines.append(f"{name}:{fold}{value}")
    return "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"


def encode(data: bytes, how: str) -> bytes:
    if how == "base64":
        return base64.encodebytes(data)
    if how == "quoted-printable":
        return binascii.b2a_qp(data)
    return data


@st.composite
def entities(draw: st.DrawFn, depth: int = 0) -> bytes:
    ctype = draw(st.sampled_from(TYPES))
    boundary = draw(boundaries)
    head = draw(headers(ctype, boundary))
    kind = draw(st.sampled_from(["leaf", "multipart", "message"] if depth < 5 else ["leaf"]))
    if kind == "multipart":
        children = draw(st.lists(entities(depth + 1), max_size=4))
        body = b"".join(b"--" + boundary.encode() + b"\n" + c for c in children)
        if draw(st.booleans()):
            body += b"--" + boundary.encode() + b"--\n"
        head = f'Content-Type: multipart/mixed; boundary="{boundary}"\n'.encode() + head
    elif kind == "message":
        head = b"Content-Type: message/rfc822\n" + head
        body = draw(entities(depth + 1))
    else:
        how = draw(st.sampled_from(ENCODINGS))
        head += f"Content-Transfer-Encoding: {how}\n".encode()
        body = encode(b"".join(draw(st.lists(st.sampled_from(TEXTS), max_size=5))), how)
    return head + (b"\n" if draw(st.integers(0, 9)) else b"") + body + b"\n"


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    raw = draw(entities())
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["cut", "splice", "crlf", "dup"]))
        if action == "cut":
            raw = raw[:at]
        elif action == "splice":
            raw = raw[:at] + draw(st.binary(max_size=30)) + raw[at:]
        elif action == "crlf":
            raw = raw.replace(b"\n", b"\r\n")
        else:
            raw = raw[:at] + raw
    return raw


def check_bounded(mail: ParsedMail, limits: MailLimits) -> None:
    assert isinstance(mail, ParsedMail)
    assert not any("internal parser error" in d for d in mail.defects), mail.defects
    assert len(mail.headers) <= limits.max_headers
    assert all(len(value) <= limits.max_header_bytes for _, value in mail.headers)
    assert len(mail.text) <= limits.max_text_chars
    assert len(mail.html) <= limits.max_text_chars
    assert len(mail.html_text) <= limits.max_text_chars
    assert len(mail.links) <= limits.max_links
    assert len(mail.attachments) <= limits.max_parts
    assert len(mail.defects) <= parse.MAX_DEFECTS and len(mail.truncated) <= parse.MAX_DEFECTS
    for att in mail.attachments:
        assert len(att.data) <= limits.max_part_bytes
        assert att.truncated == (att.size > limits.max_part_bytes)
        assert att.sha256 == hashlib.sha256(att.data).hexdigest()
    assert all(len(line) <= 300 for line in mail.defects + mail.truncated)


@FUZZ
@given(damaged())
def test_mime_fragments_never_break_the_reader(raw: bytes) -> None:
    check_bounded(parse_message(raw, "fuzz", LIMITS), LIMITS)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_never_break_the_reader(raw: bytes) -> None:
    check_bounded(parse_message(raw, "fuzz", LIMITS), LIMITS)


@FUZZ
@given(st.lists(st.sampled_from(SOUP), max_size=40))
def test_fragment_soup_never_breaks_the_reader(pieces: list[bytes]) -> None:
    check_bounded(parse_message(b"".join(pieces), "soup", LIMITS), LIMITS)


def escape(message: bytes) -> bytes:
    """mboxrd: every line starting with ``>*From `` gets one more ``>``."""
    lines = message.split(b"\n")
    return b"\n".join(
        b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines
    )


mbox_messages = st.lists(
    st.lists(
        st.sampled_from([b"From here", b">From there", b"", b"Subject: x", b"body"]), max_size=6
    ),
    min_size=1,
    max_size=8,
)


@FUZZ
@given(mbox_messages)
def test_mbox_round_trip(messages: list[list[bytes]]) -> None:
    originals = [b"\n".join([b"Subject: m", b"", *lines]) + b"\n" for lines in messages]
    box = b"".join(
        b"From x@y.example Thu Jan  2 03:04:05 2025\n" + escape(m) + b"\n" for m in originals
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "box"
        path.write_bytes(box)
        got = list(iter_messages([str(path)], LIMITS))
    kept = originals[: LIMITS.max_mbox_messages]
    assert [m.data for m in got[: len(kept)]] == kept
    if len(originals) > LIMITS.max_mbox_messages:
        assert got[-1].data is None and "more than" in got[-1].error
    else:
        assert len(got) == len(originals)


@FUZZ
@given(st.binary(max_size=2000), st.integers(1, 500))
def test_any_file_gives_bounded_messages(data: bytes, cap: int) -> None:
    limits = MailLimits(max_message_bytes=cap, max_mbox_messages=3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input"
        path.write_bytes(b"From " + data)
        got = list(iter_messages([str(path)], limits))
    assert 1 <= len(got) <= 4
    for message in got:
        assert (message.data is None) != (message.error == "")
        assert message.data is None or len(message.data) <= cap
        assert message.data is None or message.size >= len(message.data)
