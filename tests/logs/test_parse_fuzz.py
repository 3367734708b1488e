"""Property tests: the line parser never raises and accounts for every line."""

from __future__ import annotations

import gzip
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rempart.errors import InputError
from rempart.logs import parse
from rempart.logs.model import SCHEMA
from rempart.logs.parse import FORMATS, combine_bad, parse_lines, read_log

SEEDS = [
    b'203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /a?x=1 HTTP/1.1" 200 2326 "-" "UA"',
    b'198.51.100.2 - u [10/Oct/2000:13:55:36 -0700] "POST /wp-login.php HTTP/1.0" 200 -',
    b'h:80 192.0.2.9 - - [01/Jan/2024:00:00:01 +0000] "-" 408 0 "-" "-" 0.001',
    b'{"time": "2024-03-01T09:00:00Z", "remote_addr": "192.0.2.1", "status": 200, '
    b'"request": "GET / HTTP/1.1", "request_uri": "/x?y"}',
    b'{"ts": 1709283600.5, "request": {"client_ip": "10.0.0.1", "headers": {"User-Agent": ["a"]}}'
    b', "status": 404}',
]
NOISE = st.sampled_from(
    [b"\x00", b"\xff", b"\xc3", b'"', b"\\", b"[", b"]", b"{", b"}", b" ", b"\r", b"\t", b"-",
     b"\xef\xb7\x90", b"\xef\xb7\x91", "é".encode(), b"\n", b"?", b":", b"/"]
)  # fmt: skip
KEYS = st.sampled_from(
    ["time", "ts", "@timestamp", "remote_addr", "ip", "status", "request", "request_uri",
     "method", "bytes", "user_agent", "host", "args", "x"]
)  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    line = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(line)))
        if draw(st.booleans()) and line:
            del line[at : at + draw(st.integers(1, 8))]
        else:
            line[at:at] = draw(NOISE)
    return bytes(line)


LINES = st.lists(
    st.one_of(
        st.sampled_from(SEEDS),
        mutated(),
        st.binary(max_size=80),
        st.text(max_size=60).map(str.encode),
        st.dictionaries(KEYS, JSON_VALUES, max_size=6).map(lambda d: json.dumps(d).encode()),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(lines=LINES, fmt=st.sampled_from(FORMATS), first=st.integers(1, 10**9))
def test_parse_lines_accounts_for_every_line(lines: list[bytes], fmt: str, first: int) -> None:
    frame, bad = parse_lines(lines, fmt, "f.log", first, max_line_bytes=120)
    assert frame.schema == pl.Schema(SCHEMA)
    assert frame.height + bad.count == len(lines)
    numbers = frame["line"].to_list()
    assert numbers == sorted(set(numbers))
    assert all(first <= n < first + len(lines) for n in numbers)
    assert len(bad.examples) == min(bad.count, parse.MAX_EXAMPLES)
    assert all(e.startswith("f.log:") and "\n" not in e for e in bad.examples)
    assert frame.select("ts", "ip", "status").null_count().row(0) == (0, 0, 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(
        st.one_of(st.sampled_from(SEEDS), mutated(), st.binary(max_size=300)), max_size=20
    ).map(b"\n".join),
    fmt=st.sampled_from(FORMATS),
    packed=st.booleans(),
    cut=st.integers(0, 50),
)
def test_read_log_accounts_for_every_line(data: bytes, fmt: str, packed: bool, cut: int) -> None:
    """Small blocks and a small line limit exercise lines spanning blocks."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.log"
        path.write_bytes(gzip.compress(data)[: -cut or None] if packed else data)
        try:
            with mock.patch.object(parse, "_BLOCK", 64):
                chunks = list(read_log(str(path), fmt, chunk_lines=7, max_line_bytes=150))
        except InputError as e:  # xz, zstd or bzip2 magic: refused by design, clearly
            assert not packed and "compressed with" in str(e)
            return
    text = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark opening the file is dropped
    lines = text.count(b"\n") + (0 if text.endswith(b"\n") or not text else 1)
    rows = sum(f.height for f, _ in chunks)
    bad = combine_bad(*(b for _, b in chunks))
    if (packed and cut) or data.startswith(b"\x1f\x8b\x08"):  # readable part + 1 bad line
        assert rows + bad.count <= lines + 1
    else:
        assert rows + bad.count == lines
    numbers = pl.concat([f["line"] for f, _ in chunks]).to_list() if chunks else []
    assert numbers == sorted(set(numbers))


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TOKEN = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters='"\\?'))
FREE = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters='"\\'))


@settings(max_examples=100, deadline=None)
@given(
    when=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2098, 12, 31)),
    offset=st.integers(-12 * 60, 14 * 60),
    ip=TOKEN.filter(bool),
    method=st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,9}", fullmatch=True),
    path=TOKEN,
    query=st.none() | TOKEN,
    status=st.integers(100, 999),
    size=st.none() | st.integers(0, 10**12),
    referer=FREE,
    ua=FREE,
)
def test_combined_round_trip(
    when: datetime,
    offset: int,
    ip: str,
    method: str,
    path: str,
    query: str | None,
    status: int,
    size: int | None,
    referer: str,
    ua: str,
) -> None:
    """Any well-formed combined line gives back exactly the fields written."""
    when = when.replace(microsecond=0)
    sign, minutes = ("-" if offset < 0 else "+"), abs(offset)
    zone = f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    stamp = f"{when:%d}/{MONTHS[when.month - 1]}/{when:%Y:%H:%M:%S} {zone}"
    target = path + ("" if query is None else "?" + query)
    line = (
        f'{ip} - - [{stamp}] "{method} {target} HTTP/1.1" {status} '
        f'{"-" if size is None else size} "{referer}" "{ua}"'
    )
    frame, bad = parse_lines([line.encode()], "combined", "r.log")
    assert bad.count == 0, bad
    utc = (when - timedelta(minutes=offset)).replace(tzinfo=UTC)
    assert [tuple(r) for r in frame.drop("source", "line", "host").iter_rows()] == [
        (utc, ip, method, path, query or "", status, size or 0, referer, ua)
    ]
