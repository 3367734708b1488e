"""Reading web logs: each format row by row, detection, gzip, chunks and hostile input."""

from __future__ import annotations

import gzip
import json
import threading
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from rempart.errors import InputError
from rempart.logs import parse
from rempart.logs.model import SCHEMA, BadLines
from rempart.logs.parse import (
    FORMATS,
    JsonFields,
    combine_bad,
    detect_format,
    parse_lines,
    read_log,
)

COLUMNS = list(SCHEMA)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(r) for r in frame.iter_rows()]


def read_all(path: Path, fmt: str = "auto", **kwargs: object) -> tuple[pl.DataFrame, BadLines]:
    chunks = list(read_log(str(path), fmt, **kwargs))  # type: ignore[arg-type]
    for frame, _ in chunks:
        assert frame.schema == pl.Schema(SCHEMA)
    if not chunks:
        return pl.DataFrame(schema=SCHEMA), BadLines()
    return pl.concat([f for f, _ in chunks]), combine_bad(*(b for _, b in chunks))


def write(path: Path, lines: list[bytes], end: bytes = b"\n") -> Path:
    path.write_bytes(b"".join(line + end for line in lines))
    return path


# --------------------------------------------------------------------- combined

COMBINED = [
    b'203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /a/b.php?x=1&y=2 HTTP/1.1" 200 2326 '
    b'"http://ref.example/" "Mozilla/5.0 (X11)"',
    b'198.51.100.2 - frank [10/Oct/2000:13:55:36 -0700] "POST /wp-login.php HTTP/1.0" 200 - '
    b'"-" "curl/8.5.0"',
    b'2001:db8::1 - - [01/Jan/2024:00:00:00 +0130] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"',
    b'192.0.2.9 - - [01/Jan/2024:00:00:01 +0000] "-" 408 0 "-" "-"',
    b'192.0.2.9 - - [01/Jan/2024:00:00:02 +0000] "GET /x y?q=a b HTTP/1.1" 404 5 '
    b'"-" "say \\"hi\\""',
    b'vhost.example:443 192.0.2.10 - - [01/Jan/2024:00:00:03 +0000] "HEAD / HTTP/1.1" 301 0 '
    b'"-" "UA" 0.012 "upstream"',
    b'192.0.2.11 - - [01/Jan/2024:00:00:04 +0000] "GET /common HTTP/1.1" 200 12',
]
COMBINED_ROWS = [
    ("t.log", 1, at("2015-05-17T10:05:03+00:00"), "203.0.113.7", "GET", "/a/b.php", "x=1&y=2",
     200, 2326, "http://ref.example/", "Mozilla/5.0 (X11)", ""),
    ("t.log", 2, at("2000-10-10T20:55:36+00:00"), "198.51.100.2", "POST", "/wp-login.php", "",
     200, 0, "-", "curl/8.5.0", ""),
    ("t.log", 3, at("2023-12-31T22:30:00+00:00"), "2001:db8::1", "", "", "",
     400, 157, "-", "-", ""),
    ("t.log", 4, at("2024-01-01T00:00:01+00:00"), "192.0.2.9", "", "", "", 408, 0, "-", "-", ""),
    ("t.log", 5, at("2024-01-01T00:00:02+00:00"), "192.0.2.9", "GET", "/x y", "q=a b",
     404, 5, "-", 'say \\"hi\\"', ""),
    ("t.log", 6, at("2024-01-01T00:00:03+00:00"), "192.0.2.10", "HEAD", "/", "",
     301, 0, "-", "UA", "vhost.example"),
    ("t.log", 7, at("2024-01-01T00:00:04+00:00"), "192.0.2.11", "GET", "/common", "",
     200, 12, "", "", ""),
]  # fmt: skip


def test_combined_rows_exactly() -> None:
    frame, bad = parse_lines(COMBINED, "combined", "t.log")
    assert frame.columns == COLUMNS
    assert frame.schema == pl.Schema(SCHEMA)
    assert rows(frame) == COMBINED_ROWS
    assert bad == BadLines()


def test_common_ignores_referer_and_agent() -> None:
    frame, bad = parse_lines(COMBINED[:2], "common", "c.log")
    assert rows(frame.select("line", "ip", "path", "status", "bytes", "referer", "ua")) == [
        (1, "203.0.113.7", "/a/b.php", 200, 2326, "", ""),
        (2, "198.51.100.2", "/wp-login.php", 200, 0, "", ""),
    ]
    assert bad.count == 0


def test_crlf_and_series_input() -> None:
    lines = pl.Series([COMBINED[0].decode() + "\r", None])
    frame, bad = parse_lines(lines, "combined", "s.log", first_line=41)
    assert rows(frame.select("line", "ua")) == [(41, "Mozilla/5.0 (X11)")]
    assert bad.examples == ("s.log:42: empty line",)


# ------------------------------------------------------------------------- JSON

NGINX_JSON = {
    "time_local": "01/Mar/2024:10:00:00 +0100",
    "remote_addr": "203.0.113.5",
    "request": "GET /search?q=%27or HTTP/1.1",
    "status": "200",
    "body_bytes_sent": "512",
    "http_referer": "-",
    "http_user_agent": "sqlmap/1.7",
}
CADDY_JSON = {
    "level": "info",
    "ts": 1709287200.25,
    "logger": "http.log.access",
    "msg": "handled request",
    "request": {
        "remote_ip": "10.0.0.1",
        "client_ip": "198.51.100.8",
        "proto": "HTTP/2.0",
        "method": "POST",
        "host": "party.example",
        "uri": "/xmlrpc.php?rsd",
        "headers": {"User-Agent": ["WordPress/6.4"], "Referer": ["https://party.example/"]},
    },
    "size": 97,
    "status": 403,
}
TRAEFIK_JSON = {
    "StartUTC": "2024-03-01T09:00:00.123456789Z",
    "ClientHost": "192.0.2.44",
    "RequestMethod": "GET",
    "RequestPath": "/.env",
    "DownstreamStatus": 404,
    "DownstreamContentSize": 19,
    "RequestHost": "www.party.example",
    "request_User-Agent": "Go-http-client/1.1",
}
ISO_JSON = {
    "@timestamp": "2024-03-01T09:00:01",
    "client_ip": "192.0.2.45",
    "method": "GET",
    "uri": "/index.php",
    "query_string": "page=../../etc/passwd",
    "status": 200,
    "bytes": 1,
    "user_agent": "Mozilla",
    "host": "h",
}


def test_jsonl_rows_exactly() -> None:
    lines = [json.dumps(o).encode() for o in (NGINX_JSON, CADDY_JSON, TRAEFIK_JSON, ISO_JSON)]
    frame, bad = parse_lines(lines, "jsonl", "j.log")
    assert frame.schema == pl.Schema(SCHEMA)
    assert rows(frame) == [
        ("j.log", 1, at("2024-03-01T09:00:00+00:00"), "203.0.113.5", "GET", "/search",
         "q=%27or", 200, 512, "-", "sqlmap/1.7", ""),
        ("j.log", 2, at("2024-03-01T10:00:00.250+00:00"), "198.51.100.8", "POST", "/xmlrpc.php",
         "rsd", 403, 97, "https://party.example/", "WordPress/6.4", "party.example"),
        ("j.log", 3, at("2024-03-01T09:00:00.123456+00:00"), "192.0.2.44", "GET", "/.env", "",
         404, 19, "", "Go-http-client/1.1", "www.party.example"),
        ("j.log", 4, at("2024-03-01T09:00:01+00:00"), "192.0.2.45", "GET", "/index.php",
         "page=../../etc/passwd", 200, 1, "", "Mozilla", "h"),
    ]  # fmt: skip
    assert bad == BadLines()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1709283600, "2024-03-01T09:00:00+00:00"),
        (1709283600123, "2024-03-01T09:00:00.123+00:00"),
        (1709283600123456, "2024-03-01T09:00:00.123456+00:00"),
        (1709283600123456789, "2024-03-01T09:00:00.123457+00:00"),
        ("1709283600.5", "2024-03-01T09:00:00.5+00:00"),
        ("2024-03-01T10:00:00+01:00", "2024-03-01T09:00:00+00:00"),
        ("2024-03-01 09:00:00", "2024-03-01T09:00:00+00:00"),
        ("2024-03-01 10:00:00+0100", "2024-03-01T09:00:00+00:00"),
    ],
)
def test_json_times(value: object, expected: str) -> None:
    line = json.dumps({"time": value, "ip": "192.0.2.1", "status": 200}).encode()
    frame, bad = parse_lines([line], "jsonl", "t.json")
    assert bad.count == 0
    assert frame["ts"].to_list() == [at(expected)]


def test_json_fields_are_configurable() -> None:
    fields = JsonFields(time="when", ip=("who.addr",), status=("code",), path=("what",))
    line = json.dumps(
        {
            "when": "2024-03-01T09:00:00Z",
            "who": {"addr": "192.0.2.7"},
            "code": 401,
            "what": "/admin",
        }
    ).encode()
    frame, bad = parse_lines([line], "jsonl", "c.json", json_fields=fields)
    assert rows(frame.select("ip", "status", "path")) == [("192.0.2.7", 401, "/admin")]
    assert bad.count == 0
    assert fields.time == ("when",)


def test_dotted_json_names_match_nested_and_flat_keys() -> None:
    fields = JsonFields(method=("http.request.method",), ip=("source.ip",))
    base = {"@timestamp": "2024-03-01T09:00:00Z", "status": 200}
    lines = [
        json.dumps({**base, "http": {"request": {"method": "PUT"}}, "source": {"ip": "1.1.1.1"}}),
        json.dumps({**base, "http.request.method": "DELETE", "source.ip": "2.2.2.2"}),
    ]
    frame, bad = parse_lines([x.encode() for x in lines], "jsonl", "e.json", json_fields=fields)
    assert rows(frame.select("ip", "method")) == [("1.1.1.1", "PUT"), ("2.2.2.2", "DELETE")]
    assert bad.count == 0
    for unusable in ("a..b", "", ()):
        with pytest.raises(InputError, match="JSON field names for 'ip'"):
            JsonFields(ip=unusable)  # type: ignore[arg-type]


def test_json_bad_lines_are_named() -> None:
    good = json.dumps(NGINX_JSON).encode()
    lines = [
        good,
        b'{"time_local": "30/Feb/2024:10:00:00 +0100", "remote_addr": "1.2.3.4", "status": 200}',
        b'{"remote_addr": "1.2.3.4", "status": 200, "oops": }',
        b'{"remote_addr": "1.2.3.4", "status": 200}',
        b'{"time": "2024-03-01T09:00:00Z", "status": 200}',
        b'{"time": "2024-03-01T09:00:00Z", "ip": "1.2.3.4", "status": "-"}',
        b"[1, 2]",
        good,
    ]
    frame, bad = parse_lines(lines, "jsonl", "j.log")
    assert frame["line"].to_list() == [1, 8]
    assert bad.count == 6
    assert bad.examples == (
        "j.log:2: impossible or unreadable date '30/Feb/2024:10:00:00 +0100'",
        'j.log:3: invalid JSON: \'{"remote_addr": "1.2.3.4", "status": 200, "oops": }\'',
        'j.log:4: no time field: \'{"remote_addr": "1.2.3.4", "status": 200}\'',
        'j.log:5: no client address: \'{"time": "2024-03-01T09:00:00Z", "status": 200}\'',
        'j.log:6: no status: \'{"time": "2024-03-01T09:00:00Z", "ip": "1.2.3.4", "status": …\'',
    )


def test_json_invalid_lines_inside_a_big_chunk(tmp_path: Path) -> None:
    """Decoding is by chunk; a few broken lines among many are isolated, not fatal."""
    lines = [
        json.dumps({"time": 1709283600 + i, "ip": f"10.0.{i // 256}.{i % 256}", "status": 200})
        for i in range(2000)
    ]
    for i in (5, 700, 1999):
        lines[i] = lines[i][:-3] + ", }"
    # a core field under another name, only in a line no sample looks at
    lines[1000] = json.dumps({"timestamp": 1709283600, "clientip": "192.0.2.1", "status": 500})
    path = write(tmp_path / "j.log", [s.encode() for s in lines])
    frame, bad = read_all(path, chunk_lines=1500)
    assert bad.count == 3
    assert [e.split(": ")[0] for e in bad.examples] == [f"{path}:{n}" for n in (6, 701, 2000)]
    assert frame.height == 1997
    assert frame.filter(pl.col("status") == 500)["ip"].to_list() == ["192.0.2.1"]
    assert frame["line"].to_list() == [n for n in range(1, 2001) if n not in (6, 701, 2000)]


# -------------------------------------------------------------------- detection


def test_detect_each_format() -> None:
    assert detect_format(COMBINED) == "combined"
    common = [b'192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1'] * 3
    assert detect_format(common) == "common"
    assert detect_format([json.dumps(TRAEFIK_JSON).encode(), b""]) == "jsonl"
    assert detect_format([b"garbage", *COMBINED]) == "combined"


def test_detect_error_names_formats_and_first_offending_line() -> None:
    sample = [b"", b"Mar  1 10:00:00 host sshd[1]: Failed password", COMBINED[0], b"x"]
    with pytest.raises(InputError) as error:
        detect_format(sample, source="auth.log")
    message = str(error.value)
    assert "\n" not in message
    assert message == (
        "auth.log: no log format fits (tried combined, common, jsonl); "
        "line 2 fits none: 'Mar  1 10:00:00 host sshd[1]: Failed password'"
    )
    with pytest.raises(InputError, match="no log line"):
        detect_format([b"", b"  "])


def test_read_log_auto_detection_error_names_file(tmp_path: Path) -> None:
    path = write(tmp_path / "syslog", [b"kernel: eth0 up", b"kernel: eth1 up"])
    with pytest.raises(InputError, match=r"syslog: no log format fits .* line 1 fits none"):
        read_all(path)


def test_unknown_format_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown log format 'apache'"):
        parse_lines(COMBINED, "apache", "x")
    with pytest.raises(InputError, match="cannot read"):
        read_all(tmp_path / "missing.log")
    (tmp_path / "a.log.xz").write_bytes(b"\xfd7zXZ\x00\x00junk")
    with pytest.raises(InputError, match="compressed with xz"):
        read_all(tmp_path / "a.log.xz")


def test_empty_file_yields_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_bytes(b"")
    assert list(read_log(str(tmp_path / "empty.log"))) == []


# ---------------------------------------------------------------- files, chunks


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    packed = tmp_path / "access.log"
    packed.write_bytes(gzip.compress(b"\n".join(COMBINED) + b"\n"))
    plain = write(tmp_path / "plain.gz", COMBINED)
    for path in (packed, plain):
        frame, bad = read_all(path)
        assert rows(frame.drop("source")) == [r[1:] for r in COMBINED_ROWS]
        assert bad.count == 0


def test_truncated_gzip_yields_what_was_readable(tmp_path: Path) -> None:
    lines = [
        f"192.0.2.{i % 250} - - [01/Jan/2024:00:{i // 60 % 60:02d}:{i % 60:02d} +0000] "
        f'"GET /page/{i} HTTP/1.1" 200 {i} "-" "ua"'.encode()
        for i in range(20000)
    ]
    whole = gzip.compress(b"\n".join(lines) + b"\n")
    path = tmp_path / "cut.log.gz"
    path.write_bytes(whole[: len(whole) // 2])
    frame, bad = read_all(path, chunk_lines=4000)
    read = frame.height
    assert 0 < read < len(lines)
    assert frame["path"].to_list() == [f"/page/{i}" for i in range(read)]
    assert frame["line"].to_list() == list(range(1, read + 1))
    assert bad.count == 1
    assert bad.examples == (
        f"{path}:{read + 1}: compressed stream ends early or is corrupt; the rest is lost",
    )


def test_corrupt_gzip_member_is_reported_not_raised(tmp_path: Path) -> None:
    first = gzip.compress(b"\n".join(COMBINED[:3]) + b"\n")
    second = bytearray(gzip.compress(b"\n".join(COMBINED[3:]) + b"\n"))
    second[12:40] = b"\xff" * 28  # deflate data past the header
    path = tmp_path / "bad.gz"
    path.write_bytes(first + bytes(second))
    frame, bad = read_all(path, "combined")
    assert frame["line"].to_list() == [1, 2, 3]
    assert bad.examples == (
        f"{path}:4: compressed stream ends early or is corrupt; the rest is lost",
    )


def test_chunk_boundaries_do_not_change_the_table(tmp_path: Path) -> None:
    lines = [*COMBINED, b"junk", b"", *COMBINED]
    path = write(tmp_path / "c.log", lines)
    whole, bad_whole = read_all(path)
    chunks = list(read_log(str(path), chunk_lines=3))
    assert [len(f) + b.count for f, b in chunks] == [3, 3, 3, 3, 3, 1]
    assert pl.concat([f for f, _ in chunks]).equals(whole)
    assert whole["line"].to_list() == [*range(1, 8), *range(10, 17)]
    assert combine_bad(*(b for _, b in chunks)) == bad_whole
    assert bad_whole.examples == (
        f"{path}:8: not a combined log line: 'junk'",
        f"{path}:9: empty line",
    )


def test_chunk_bytes_bounds_a_chunk(tmp_path: Path) -> None:
    path = write(tmp_path / "b.log", COMBINED * 200)
    chunks = list(read_log(str(path), chunk_bytes=20_000))
    sizes = [sum(len(COMBINED[(n - 1) % 7]) + 1 for n in f["line"]) for f, _ in chunks]
    assert all(19_800 < size <= 20_000 for size in sizes[:-1])
    assert len(chunks) == 7
    assert pl.concat([f for f, _ in chunks])["line"].to_list() == list(range(1, 1401))


def test_last_line_without_newline_is_read(tmp_path: Path) -> None:
    path = tmp_path / "n.log"
    path.write_bytes(b"\n".join(COMBINED))
    frame, _ = read_all(path)
    assert frame["line"].to_list() == list(range(1, 8))


def test_out_of_order_timestamps_stay_in_file_order() -> None:
    stamps = ["10:00:05", "09:59:00", "10:00:01", "08:00:00", "10:00:05"]
    lines = [
        f'192.0.2.1 - - [01/Jan/2024:{s} +0000] "GET /{i} HTTP/1.1" 200 1 "-" "ua"'.encode()
        for i, s in enumerate(stamps)
    ]
    frame, _ = parse_lines(lines, "combined", "o.log")
    assert frame["path"].to_list() == ["/0", "/1", "/2", "/3", "/4"]
    assert frame["ts"].to_list() == [at(f"2024-01-01T{s}+00:00") for s in stamps]


# ----------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "stamp",
    [
        "30/Feb/2015:10:00:00 +0000",
        "31/Apr/2015:10:00:00 +0000",
        "10/Foo/2015:10:00:00 +0000",
        "10/13/2015:10:00:00 +0000",
        "01/Jan/0001:10:00:00 +0000",
        "01/Jan/9999:10:00:00 +0000",
        "01/Jan/2015:25:00:00 +0000",
        "01/Jan/2015:10:00:00",
    ],
)
def test_impossible_dates_are_bad_lines(stamp: str) -> None:
    line = f'192.0.2.1 - - [{stamp}] "GET / HTTP/1.1" 200 1 "-" "ua"'.encode()
    frame, bad = parse_lines([COMBINED[0], line], "combined", "d.log")
    assert frame["line"].to_list() == [1]
    assert bad.examples == (f"d.log:2: impossible or unreadable date '{stamp}'",)


def test_binary_junk_is_counted_never_raised() -> None:
    junk = [
        bytes(range(256)),
        b"\x00\x00\x00",
        b"\xff\xfe\xfd" * 50,
        b"\x1f\x8b\x08\x00binary",
        COMBINED[0].replace(b"Mozilla", b"Moz\x00\xffilla"),
    ]
    frame, bad = parse_lines(junk, "combined", "j.log")
    assert frame["line"].to_list() == [5]
    assert frame["ua"].to_list() == ["Moz\ufffd\ufffdilla/5.0 (X11)"]
    assert bad.count == 4
    assert [e.split(": ")[0] for e in bad.examples] == ["j.log:1", "j.log:2", "j.log:3", "j.log:4"]
    assert all(len(e.split(": ", 2)[2]) <= 70 for e in bad.examples)


def test_overlong_line_in_memory_is_skipped() -> None:
    long_line = COMBINED[0][:-1] + b"A" * 5000 + b'"'
    frame, bad = parse_lines([long_line, COMBINED[1]], "combined", "m.log", max_line_bytes=4096)
    assert frame["line"].to_list() == [2]
    assert bad.examples == ("m.log:1: line longer than 4096 bytes, skipped",)


def test_overlong_line_spanning_blocks_is_never_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parse, "_BLOCK", 4096)
    path = tmp_path / "spans.log"
    path.write_bytes(
        COMBINED[0] + b"\n" + b"A" * 3_000_000 + b"\n" + COMBINED[1] + b"\n" + b"B" * 50_000
    )
    frame, bad = read_all(path, max_line_bytes=10_000)
    assert frame["line"].to_list() == [1, 3]
    assert bad.examples == (
        f"{path}:2: line longer than 10000 bytes, skipped",
        f"{path}:4: line longer than 10000 bytes, skipped",
    )


def test_hundred_megabyte_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    with path.open("wb") as out:
        out.write(COMBINED[0] + b"\n")
        block = b"A" * (1 << 20)
        for _ in range(100):
            out.write(block)
        out.write(b"\n" + COMBINED[1] + b"\n")
    tracemalloc.start()
    try:
        frame, bad = read_all(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert frame["line"].to_list() == [1, 3]
    assert bad.examples == (f"{path}:2: line longer than 65536 bytes, skipped",)
    assert peak < 40 * 1024 * 1024  # Python-side buffers: a few blocks, never the line


def test_nul_bytes_and_invalid_utf8_in_a_file(tmp_path: Path) -> None:
    marker = "\ufdd0".encode()  # what the reader uses internally for an overlong line
    lines = [COMBINED[0].replace(b"X11", b"X\x001\xc3"), b"\x00", b"\r", marker]
    frame, bad = read_all(write(tmp_path / "n.log", lines), "combined")
    assert frame["ua"].to_list() == ["Mozilla/5.0 (X\ufffd1\ufffd)"]
    path = tmp_path / "n.log"
    assert bad.examples == (
        f"{path}:2: not a combined log line: '\ufffd'",
        f"{path}:3: empty line",
        f"{path}:4: not a combined log line: '\ufffd'",
    )
    _, bad = parse_lines([marker], "combined", "m")
    assert bad.examples == ("m:1: not a combined log line: '\ufffd'",)


def test_formats_constant() -> None:
    assert FORMATS == ("combined", "common", "jsonl")


def test_json_request_line_odd_shapes_and_float_status() -> None:
    line = {"time": "2024-03-01T09:00:00Z", "ip": "192.0.2.3", "status": 404.0, "bytes": "12"}
    lines = [
        json.dumps({**line, "request": "GET /a b?c=d HTTP/1.1"}).encode(),
        json.dumps({**line, "request": "\\x16\\x03"}).encode(),
    ]
    frame, bad = parse_lines(lines, "jsonl", "r.json")
    assert rows(frame.select("method", "path", "query", "status", "bytes")) == [
        ("GET", "/a b", "c=d", 404, 12),
        ("", "", "", 404, 12),
    ]
    assert bad.count == 0


def test_many_caddy_lines_read_nested_fields(tmp_path: Path) -> None:
    lines = []
    for i in range(1200):
        entry = json.loads(json.dumps(CADDY_JSON))
        entry["request"]["client_ip"] = f"198.51.100.{i % 200}"
        entry["ts"] = 1709287200 + i
        lines.append(json.dumps(entry).encode())
    frame, bad = read_all(write(tmp_path / "caddy.log", lines))
    assert bad.count == 0
    assert frame["ip"].to_list() == [f"198.51.100.{i % 200}" for i in range(1200)]
    assert set(frame["ua"]) == {"WordPress/6.4"}
    assert set(frame["host"]) == {"party.example"}


def test_blank_file_in_auto_mode_reports_lines(tmp_path: Path) -> None:
    frame, bad = read_all(write(tmp_path / "blank.log", [b"", b"   "]))
    assert frame.height == 0
    assert bad.count == 2


def test_byte_order_mark_opening_a_file_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.log", [b"\xef\xbb\xbf" + COMBINED[0]])
    frame, _ = read_all(path)
    assert frame["ip"].to_list() == ["203.0.113.7"]


def test_auto_format_in_memory_names_the_file_line() -> None:
    with pytest.raises(InputError, match="line 42 fits none: 'nope'"):
        parse_lines([b"nope"], "auto", "live.log", first_line=42)
    frame, _ = parse_lines(COMBINED[:1], "auto", "live.log")
    assert frame["ip"].to_list() == ["203.0.113.7"]


def test_stopping_early_stops_the_reader_thread(tmp_path: Path) -> None:
    path = write(tmp_path / "many.log", COMBINED * 50)
    chunks = read_log(str(path), chunk_lines=2)
    first, _ = next(chunks)
    chunks.close()  # type: ignore[attr-defined]
    assert first["line"].to_list() == [1, 2]
    assert not [t for t in threading.enumerate() if t.name == "rempart-log-reader"]
