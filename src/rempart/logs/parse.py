"""Reading web logs: format detection and vectorised parsing into the request table.

Three formats are read, each into the columns of :data:`rempart.logs.model.SCHEMA`:

``combined``
    Apache/nginx ``%h %l %u [%d/%b/%Y:%H:%M:%S %z] "%r" %>s %b "%{Referer}i"
    "%{User-agent}i"``. Also read: a leading virtual host (Apache
    ``vhost_combined``, ``%v:%p``, which fills ``host``), trailing fields after
    the user agent (request time, upstream, vhost: ignored), and lines without
    referer and user agent (read as in ``common``).
``common``
    The same without referer and user agent (``referer`` and ``ua`` are "").
``jsonl``
    One JSON object per line; :class:`JsonFields` says where each column is.

Lines are parsed a chunk at a time with polars regular expressions, ``strptime``
and NDJSON decoding, never one by one in Python. A line is *bad* only when its
core fields (client, time, status; for text formats also the quoted request and
the size) cannot be read; a request line that is binary garbage or ``-`` still
gives a row, with an empty method and path, because scanners send such requests
and detectors need to see them. Every bad line is counted and the first few are
reported as ``file:line: reason``; nothing raises on hostile input.

Sizes are bounded: a file is read by blocks of bytes, a line longer than
``max_line_bytes`` is skipped (counted as bad) without being held whole, and a
chunk holds at most ``chunk_lines`` lines and about ``chunk_bytes`` bytes of
text. Lengths are measured after decoding (an invalid UTF-8 byte or a NUL
counts three bytes, as U+FFFD). Dates outside 1970-2099 count as impossible.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import gzip
import io
import json
import logging
import queue
import threading
import zlib
from collections.abc import Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, BinaryIO, TypeVar, cast

import polars as pl

from rempart.errors import InputError
from rempart.logs.model import SCHEMA, BadLines

log = logging.getLogger(__name__)

_T = TypeVar("_T")

FORMATS = ("combined", "common", "jsonl")
"""Formats :func:`read_log` and :func:`parse_lines` read (plus ``"auto"``)."""

MAX_EXAMPLES = 5
"""Bad lines quoted per chunk in :attr:`BadLines.examples`."""

SAMPLE_LINES = 200
"""Lines :func:`read_log` looks at to detect the format."""

_BLOCK = 8 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024 * 1024
PARSE_THREADS = 1
"""Chunks parsed at once besides the reader thread (polars already spreads one chunk over the
cores: two at once measured no faster on 2 cores, and hold more memory)."""
_SNIPPET = 60

# Two Unicode noncharacters stand, each as a whole line, for what the byte reader
# could not hand over as text; in the input they become U+FFFD, as NUL does (NUL
# is what splits columns for the CSV reader that cuts lines).
_OVERLONG = "\ufdd0"
_CUT = "\ufdd1"
_REPLACEMENT = "\ufffd"
_SCRUBBED = ("\x00", _OVERLONG, _CUT)

_MIN_TS = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TS = datetime(2100, 1, 1, tzinfo=UTC)
_TS = pl.Datetime("us", "UTC")
_CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"


def _quoted(name: str) -> str:
    # The unrolled form of (?:[^"\\]|\\.)*: the same strings, matched 2.5 times faster.
    return rf'"(?P<{name}>[^"\\]*(?:\\.[^"\\]*)*)"'


_CORE = (
    r"(?P<ip>\S+) \S+ \S+ \[(?P<ts>[^\]]*)\] "
    + _quoted("req")
    + r" (?P<status>\d{3}) (?P<bytes>\d+|-)"
)
# The fast expressions are one-pass (no optional parts), so polars runs them at
# full speed; lines they miss go through the lenient one, a subset at a time.
_FAST = {
    "combined": "^" + _CORE + " " + _quoted("ref") + " " + _quoted("ua"),
    "common": "^" + _CORE,
}
_LENIENT = r"^(?:(?P<vhost>\S+) )?" + _CORE + "(?: " + _quoted("ref") + " " + _quoted("ua") + ")?"
_TEXT_GROUPS = ("vhost", "ip", "ts", "req", "status", "bytes", "ref", "ua")

_METHOD = r"(?P<method>[A-Za-z][A-Za-z0-9_-]*)"
_REQ_FAST = "^" + _METHOD + r" (?P<path>[^?\s]*)(?:\?(?P<query>\S*))?(?: HTTP/[0-9.]+)?$"
_REQ_LENIENT = "(?s)^" + _METHOD + r" (?P<path>[^?]*?)(?:\?(?P<query>.*?))?(?: HTTP/[0-9.]+)?$"
_TARGET = r"(?s)^(?P<path>[^?]*)(?:\?(?P<query>.*))?$"

# JSON times: tried in order on the rows still unread.
_JSON_TIME_FORMATS = (
    "%+",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f %z",
    _CLF_TIME,
)
_EPOCH = r"^\d{1,19}(?:\.\d*)?$"
_SAMPLE_OBJECTS = 256
_SEP = "\x1f"  # joins a nested key path into a column name no JSON key spells
_OK = _SEP + "ok"
_MISSING_FIELD = ("no time field", "no client address", "no status")


@dataclass(frozen=True)
class JsonFields:
    """Where each column of the request table is found in a JSON-lines log.

    Each attribute lists field names tried in order; the first one present in a
    line wins. A dotted name reaches into nested objects (Caddy's
    ``request.remote_ip``) and also matches a flat key spelt with dots; when
    the value is a list its first item is taken (Caddy's
    ``request.headers.User-Agent``). The defaults cover the usual nginx
    ``escape=json`` formats, Caddy and Traefik.
    """

    time: tuple[str, ...] = (
        "time",
        "timestamp",
        "@timestamp",
        "ts",
        "time_iso8601",
        "time_local",
        "StartUTC",
        "msec",
        "date",
    )
    """ISO 8601 (with offset, ``Z`` or none for UTC), CLF, or epoch seconds/ms/us/ns."""
    ip: tuple[str, ...] = (
        "remote_addr",
        "client_ip",
        "ip",
        "clientip",
        "remote_ip",
        "ClientHost",
        "request.client_ip",
        "request.remote_ip",
    )
    method: tuple[str, ...] = (
        "request_method",
        "method",
        "RequestMethod",
        "verb",
        "request.method",
    )
    path: tuple[str, ...] = ("request_uri", "uri", "path", "url", "RequestPath", "request.uri")
    """The request target; a ``?`` in it starts the query string."""
    query: tuple[str, ...] = ("query_string", "args", "query")
    """Used when the target has no ``?``."""
    status: tuple[str, ...] = ("status", "status_code", "DownstreamStatus", "response_status")
    bytes: tuple[str, ...] = (
        "body_bytes_sent",
        "bytes_sent",
        "bytes",
        "size",
        "DownstreamContentSize",
        "response_size",
    )
    referer: tuple[str, ...] = (
        "http_referer",
        "referer",
        "referrer",
        "http_referrer",
        "request_Referer",
        "request.headers.Referer",
    )
    ua: tuple[str, ...] = (
        "http_user_agent",
        "user_agent",
        "useragent",
        "request_User-Agent",
        "request.headers.User-Agent",
    )
    host: tuple[str, ...] = (
        "host",
        "http_host",
        "server_name",
        "vhost",
        "RequestHost",
        "request.host",
    )
    request: tuple[str, ...] = ("request",)
    """A whole request line (``GET /x HTTP/1.1``), used when method or target is absent."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            value = (value,) if isinstance(value, str) else tuple(value)
            object.__setattr__(self, f.name, value)
            if not value or not all(isinstance(v, str) and all(v.split(".")) for v in value):
                raise InputError(f"JSON field names for {f.name!r} are not usable: {value!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "json fields") -> JsonFields:
        """Field names from ``{"ip": ["client", "remote_addr"], "time": "when"}``.

        A column given replaces its defaults (list the defaults too to keep
        them); columns not given keep theirs. Unknown columns and values that
        are not names are reported together as an :class:`InputError`."""
        known = [f.name for f in fields(cls)]
        problems: list[str] = []
        changes: dict[str, tuple[str, ...]] = {}
        for column, value in data.items():
            names = [value] if isinstance(value, str) else value
            if column not in known:
                problems.append(f"unknown column {column!r} (known: {', '.join(known)})")
            elif (
                not isinstance(names, list | tuple)
                or not names
                or not all(isinstance(n, str) and n and all(n.split(".")) for n in names)
            ):
                problems.append(f"{column}: expected a field name or a list of them")
            else:
                changes[column] = tuple(names)
        if problems:
            raise InputError("; ".join(f"{where}: {p}" for p in problems))
        return dataclasses.replace(cls(), **changes)

    @classmethod
    def from_options(cls, options: Sequence[str], base: JsonFields | None = None) -> JsonFields:
        """Field names from command-line ``column=name[,name…]`` options over ``base``."""
        given: dict[str, list[str]] = {}
        for option in options:
            column, sep, names = option.partition("=")
            if not sep:
                raise InputError(f"--json-field {option!r}: write COLUMN=NAME[,NAME…] (ip=client)")
            given.setdefault(column.strip(), []).extend(n.strip() for n in names.split(","))
        merged = base or cls()
        if not given:
            return merged
        checked = cls.from_mapping(given, "--json-field")
        return dataclasses.replace(merged, **{c: getattr(checked, c) for c in given})

    def paths(self) -> list[tuple[str, ...]]:
        """Every candidate as a key path: split at dots, and whole when it has dots."""
        seen: dict[tuple[str, ...], None] = {}
        for f in fields(self):
            for name in getattr(self, f.name):
                seen[tuple(name.split("."))] = None
                seen[(name,)] = None
        return list(seen)


# --------------------------------------------------------------------------- public


def detect_format(
    sample_lines: list[bytes],
    *,
    source: str = "<sample>",
    json_fields: JsonFields = JsonFields(),
) -> str:
    """The format that reads most of ``sample_lines``: ``combined``, ``common`` or ``jsonl``.

    A format fits when it reads at least half of the non-blank lines (for
    ``combined``, with referer and user agent). Raises :class:`InputError`
    naming the formats tried and the first line none of them reads.
    """
    return _detect(_decode_lines(sample_lines), source, json_fields)


def parse_lines(
    lines: list[bytes] | pl.Series,
    fmt: str,
    source: str,
    first_line: int = 1,
    *,
    json_fields: JsonFields = JsonFields(),
    max_line_bytes: int = 64 * 1024,
) -> tuple[pl.DataFrame, BadLines]:
    """Parse lines held in memory (tests, follow mode) into the request table.

    ``lines`` are raw lines (a trailing newline is dropped) or a polars String
    Series; ``first_line`` is the file line number of the first one. Every line
    gives either a row or a bad-line count.
    """
    series = _clean_series(lines) if isinstance(lines, pl.Series) else _decode_lines(lines)
    if fmt == "auto":
        fmt = _detect(series.head(SAMPLE_LINES), source, json_fields, first_line=first_line)
    _check_format(fmt)
    return _parse_chunk(series, fmt, source, first_line, json_fields, max_line_bytes)


def read_log(
    path: str,
    fmt: str = "auto",
    *,
    chunk_lines: int = 1_000_000,
    json_fields: JsonFields = JsonFields(),
    max_line_bytes: int = 64 * 1024,
    chunk_bytes: int = _CHUNK_BYTES,
) -> Iterator[tuple[pl.DataFrame, BadLines]]:
    """Stream a log file (plain or gzip) as request-table chunks in file order.

    Each chunk has at most ``chunk_lines`` lines (fewer once ``chunk_bytes`` of
    text are pending) and comes with its own :class:`BadLines`. A truncated or
    corrupt gzip stream yields what was readable and one bad line saying so.
    An empty file yields nothing. Raises :class:`InputError` when the file
    cannot be read or, with ``fmt="auto"``, when no format fits.
    """
    if fmt != "auto":
        _check_format(fmt)
    if chunk_lines < 1 or max_line_bytes < 1 or chunk_bytes < 1:
        raise ValueError("chunk_lines, max_line_bytes and chunk_bytes must be positive")
    parse = functools.partial(
        _parse_chunk, json_fields=json_fields, max_line_bytes=max_line_bytes, source=path
    )
    with ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="rempart-parse") as pool:
        in_flight: collections.deque[Future[tuple[pl.DataFrame, BadLines]]] = collections.deque()
        for lines, chosen, first in _chunks(path, fmt, chunk_lines, chunk_bytes, max_line_bytes,
                                            json_fields):  # fmt: skip
            in_flight.append(pool.submit(parse, lines, chosen, first_line=first))
            if len(in_flight) > PARSE_THREADS:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


def _chunks(
    path: str, fmt: str, chunk_lines: int, chunk_bytes: int, max_line_bytes: int,
    json_fields: JsonFields,
) -> Iterator[tuple[pl.Series, str, int]]:  # fmt: skip
    """The file's lines by chunks: ``(lines, format, number of the first line)``."""
    pending: list[pl.Series] = []
    pending_lines = pending_bytes = 0
    next_line = 1
    chosen = None if fmt == "auto" else fmt
    for lines, size in _prefetched(_split_segments(path, max_line_bytes)):
        pending.append(lines)
        pending_lines += len(lines)
        pending_bytes += size
        while pending_lines >= chunk_lines or pending_bytes >= chunk_bytes:
            joined = pl.concat(pending)
            chosen = chosen or _detect(joined.head(SAMPLE_LINES), path, json_fields, blank_ok=True)
            take = _lines_within(joined, chunk_lines, chunk_bytes)
            head, rest = joined.head(take), joined.slice(take)
            yield head, chosen, next_line
            next_line += len(head)
            pending, pending_lines = [rest], len(rest)
            pending_bytes = int(rest.str.len_bytes().sum() or 0) + len(rest)
    if pending_lines:
        joined = pl.concat(pending)
        chosen = chosen or _detect(joined.head(SAMPLE_LINES), path, json_fields, blank_ok=True)
        yield joined, chosen, next_line


def _lines_within(lines: pl.Series, most: int, size: int) -> int:
    """How many leading lines make a chunk: at most ``most``, about ``size`` bytes, at least 1."""
    ends = (lines.head(most).str.len_bytes() + 1).cum_sum()
    return max(1, min(most, int(ends.search_sorted(size, side="right"))))


def combine_bad(*parts: BadLines) -> BadLines:
    """Several chunks' bad lines as one: counts added, the first examples kept."""
    examples = tuple(e for p in parts for e in p.examples)[:MAX_EXAMPLES]
    return BadLines(count=sum(p.count for p in parts), examples=examples)


# ------------------------------------------------------------------- reading bytes


def _split_segments(path: str, max_line_bytes: int) -> Iterator[tuple[pl.Series, int]]:
    for segment in _segments(path, max_line_bytes):
        yield _split_lines(segment), len(segment)


_DONE = object()


def _prefetched(items: Iterator[_T], depth: int = 2) -> Iterator[_T]:
    """``items`` produced by a thread, at most ``depth`` ahead, while the caller parses.

    Reading, decompressing and splitting release the GIL, so on two cores this
    overlaps with parsing. Errors are raised in the caller; closing the
    iterator early stops the thread.
    """
    handoff: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as e:  # handed to the caller, who raises it
            put((_DONE, e))
        finally:
            if isinstance(items, Generator):
                items.close()

    worker = threading.Thread(target=produce, name="rempart-log-reader", daemon=True)
    worker.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield cast(_T, item)
    finally:
        stop.set()
        worker.join()


def _segments(path: str, max_line_bytes: int) -> Iterator[bytes]:
    """Blocks of complete lines (each ending in a newline), scrubbed of NUL and markers.

    A line longer than ``max_line_bytes`` that spans blocks is replaced by the
    overlong marker line; a broken compressed stream ends with the cut marker.
    """
    overlong, broken = (_OVERLONG + "\n").encode(), (_CUT + "\n").encode()
    carry = b""
    skipping = False
    first = True
    for block in _blocks(path):
        if block is None:
            yield broken
            return
        if first:
            block, first = block.removeprefix(b"\xef\xbb\xbf"), False
        if skipping:
            newline = block.find(b"\n")
            if newline < 0:
                continue
            block, skipping = block[newline + 1 :], False
        cut = block.rfind(b"\n")
        if cut < 0:
            carry += block
            if len(carry) > max_line_bytes:
                yield overlong
                carry, skipping = b"", True
            continue
        segment, carry = _scrub(carry + block[: cut + 1]), block[cut + 1 :]
        if len(carry) > max_line_bytes:
            segment += overlong
            carry, skipping = b"", True
        yield segment
    if carry:
        yield _scrub(carry) + b"\n"


def _scrub(segment: bytes) -> bytes:
    # one-byte probes run at memchr speed; the markers both start with 0xEF
    if b"\x00" in segment:
        segment = segment.replace(b"\x00", _REPLACEMENT.encode())
    if b"\xef" in segment:
        for text in (_OVERLONG, _CUT):
            segment = segment.replace(text.encode(), _REPLACEMENT.encode())
    return segment


def _blocks(path: str) -> Iterator[bytes | None]:
    """The file's (decompressed) bytes by blocks; ``None`` when the stream breaks."""
    try:
        with open(path, "rb") as raw:
            magic = raw.peek(10)[:10]
            _refuse_other_compression(path, magic)
            if magic[:3] == b"\x1f\x8b\x08":  # gzip, deflate (its only method)
                yield from _gzip_blocks(path, raw)
            else:
                while block := raw.read(_BLOCK):
                    yield block
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from e


def _gzip_blocks(path: str, raw: BinaryIO) -> Iterator[bytes | None]:
    # read1 hands over whatever one step decompressed, so nothing readable is
    # lost when the stream breaks; pieces are gathered into blocks.
    stream = gzip.GzipFile(fileobj=raw)
    block = bytearray()
    while True:
        try:
            piece = stream.read1(_BLOCK)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            log.warning("%s: gzip stream broken: %s", path, e)
            if block:
                yield bytes(block)
            yield None
            return
        if not piece:
            break
        block += piece
        if len(block) >= _BLOCK:
            yield bytes(block)
            block = bytearray()
    if block:
        yield bytes(block)


def _refuse_other_compression(path: str, magic: bytes) -> None:
    bzip2 = magic[:3] == b"BZh" and magic[3:4].isdigit() and magic[4:10] == b"1AY&SY"
    if bzip2 or magic.startswith((b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")):
        name = "bzip2" if bzip2 else "xz" if magic[:1] == b"\xfd" else "zstd"
        raise InputError(f"{path}: compressed with {name}; only gzip is read directly")


def _split_lines(segment: bytes) -> pl.Series:
    """The lines of a block ending in a newline (a final ``\\r`` dropped), lossy UTF-8.

    polars' CSV reader cuts lines fastest; a leading empty line keeps it from
    taking a block that starts with gzip, zlib or zstd magic for a compressed
    file. Whenever it does not give one value per line, Python splits instead.
    """
    expected = segment.count(b"\n")
    try:
        frame = pl.read_csv(
            b"\n" + segment,
            has_header=False,
            separator="\x00",
            quote_char=None,
            new_columns=["l"],
            schema={"l": pl.String()},
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
        )
        if frame.height == expected + 1:
            return frame.to_series().slice(1).fill_null("")
    except Exception as e:  # a reader quirk must not lose the block: split it in Python
        log.debug("CSV line splitter failed (%s); splitting in Python", e)
    text = segment.decode("utf-8", errors="replace").split("\n")[:-1]
    return pl.Series("l", text, dtype=pl.String).str.strip_suffix("\r")


def _decode_lines(lines: Sequence[bytes]) -> pl.Series:
    text = [b.decode("utf-8", errors="replace") for b in lines]
    series = pl.Series("l", text, dtype=pl.String)
    return _clean_series(series.str.strip_suffix("\n").str.strip_suffix("\r"))


def _clean_series(series: pl.Series) -> pl.Series:
    if series.dtype != pl.String:
        series = series.cast(pl.String, strict=False)
    for text in _SCRUBBED:
        series = series.str.replace_all(text, _REPLACEMENT, literal=True)
    return series.fill_null("").rename("l")


# ----------------------------------------------------------------------- detection


def _detect(
    lines: pl.Series,
    source: str,
    json_fields: JsonFields,
    *,
    first_line: int = 1,
    blank_ok: bool = False,
) -> str:
    """See :func:`detect_format`.

    With ``blank_ok``, a sample without a single usable line (all blank or
    overlong) gives the first format, so that its lines are reported as bad
    rather than refused.
    """
    lines = lines.fill_null("")
    usable = (lines.str.strip_chars() != "") & ~lines.is_in([_OVERLONG, _CUT])
    total = int(usable.sum())
    if total == 0:
        if blank_ok:
            return FORMATS[0]
        raise InputError(f"{source}: no log line to detect the format from")
    fits: dict[str, pl.Series] = {}
    for fmt in FORMATS:
        parsed = _parse_any(lines, fmt, json_fields)
        ok = parsed["_why"].is_null() & usable
        fits[fmt] = ok & parsed["_full"] if fmt == "combined" else ok
    for fmt in FORMATS:
        if 2 * int(fits[fmt].sum()) >= total:
            return fmt
    fitting_none = usable & ~(fits["common"] | fits["jsonl"])
    if not fitting_none.any():
        best = max(FORMATS, key=lambda f: int(fits[f].sum()))
        fitting_none = usable & ~fits[best]
    index = int(fitting_none.arg_true()[0])
    raise InputError(
        f"{source}: no log format fits (tried {', '.join(FORMATS)}); "
        f"line {first_line + index} fits none: {_snippet(lines[index])}"
    )


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown log format {fmt!r} (known: auto, {', '.join(FORMATS)})")


# ------------------------------------------------------------------------- parsing


def _parse_chunk(
    lines: pl.Series,
    fmt: str,
    source: str,
    first_line: int,
    json_fields: JsonFields,
    max_line_bytes: int,
) -> tuple[pl.DataFrame, BadLines]:
    overlong = lines.str.len_bytes() > max_line_bytes
    if overlong.any():
        lines = pl.select(pl.when(overlong).then(pl.lit(_OVERLONG)).otherwise(lines)).to_series()
    parsed = _parse_any(lines, fmt, json_fields)
    table = parsed.with_columns(
        pl.lit(source, pl.String).alias("source"),
        pl.int_range(first_line, first_line + len(lines), dtype=pl.Int64).alias("line"),
        pl.when(lines == "")
        .then(pl.lit("empty line"))
        .when(lines == _OVERLONG)
        .then(pl.lit(f"line longer than {max_line_bytes} bytes, skipped"))
        .when(lines == _CUT)
        .then(pl.lit("compressed stream ends early or is corrupt; the rest is lost"))
        .otherwise(pl.col("_why"))
        .alias("_why"),
        lines.alias("_text"),
    )
    good = table.filter(pl.col("_why").is_null()).select(
        pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()
    )
    bad = table.filter(pl.col("_why").is_not_null())
    examples = tuple(_example(source, row) for row in bad.head(MAX_EXAMPLES).iter_rows(named=True))
    return good, BadLines(count=bad.height, examples=examples)


def _example(source: str, row: dict[str, object]) -> str:
    why = str(row["_why"])
    if why == "impossible date":
        return f"{source}:{row['line']}: impossible or unreadable date {_snippet(row['_ts'])}"
    if why.startswith(("not a", "invalid", "no ")):
        return f"{source}:{row['line']}: {why}: {_snippet(row['_text'])}"
    return f"{source}:{row['line']}: {why}"


def _snippet(value: object) -> str:
    """The start of ``value`` as a Python literal of about ``_SNIPPET`` characters."""
    text = "" if value is None else str(value)
    keep = min(len(text), _SNIPPET)
    while len(repr(text[:keep])) > _SNIPPET + 2 and keep > 1:
        keep = keep * 3 // 4
    return repr(text[:keep] + ("…" if keep < len(text) else ""))


def _parse_any(lines: pl.Series, fmt: str, json_fields: JsonFields) -> pl.DataFrame:
    """Columns of SCHEMA but source/line, plus ``_why`` (null when read), ``_ts``, ``_full``."""
    if fmt == "jsonl":
        return _parse_json(lines, json_fields)
    return _parse_text(lines, fmt)


def _parse_text(lines: pl.Series, fmt: str) -> pl.DataFrame:
    found = pl.LazyFrame({"l": lines}).select(pl.col("l").str.extract_groups(_FAST[fmt]))
    groups = found.unnest("l").collect()
    groups = groups.with_columns(
        pl.lit(None, pl.String).alias(g) for g in _TEXT_GROUPS if g not in groups.columns
    ).select(_TEXT_GROUPS)
    missed = groups["ip"].is_null()
    if missed.any():
        retry = lines.filter(missed).str.extract_groups(_LENIENT).struct.unnest()
        groups = _fill_from(groups, retry, missed)
    if fmt == "common":
        groups = groups.with_columns(pl.lit(None, pl.String).alias(c) for c in ("ref", "ua"))
    ts = pl.col("ts").str.strptime(_TS, _CLF_TIME, strict=False)
    table = (
        groups.lazy()
        .select(
            _in_range(ts).alias("ts"),
            pl.col("ip"),
            pl.col("req").str.extract_groups(_REQ_FAST).alias("_req"),
            pl.col("req"),
            pl.col("status").cast(pl.Int32, strict=False),
            pl.col("bytes").cast(pl.Int64, strict=False).fill_null(0),
            pl.col("ref").fill_null("").alias("referer"),
            pl.col("ua").fill_null("").alias("ua"),
            pl.col("vhost").str.replace(r":\d+$", "").fill_null("").alias("host"),
            pl.col("ts").alias("_ts"),
            pl.col("ua").is_not_null().alias("_full"),
        )
        .unnest("_req")
        .collect()
    )
    table = _reread_requests(table)
    why = (
        pl.when(pl.col("ip").is_null())
        .then(pl.lit(f"not a {fmt} log line"))
        .when(pl.col("ts").is_null())
        .then(pl.lit("impossible date"))
    )
    return table.with_columns(why.alias("_why")).drop("req")


def _reread_requests(table: pl.DataFrame) -> pl.DataFrame:
    """Read odd request lines leniently; unreadable ones give an empty method and path."""
    missed = table["method"].is_null() & table["req"].is_not_null()
    if missed.any():
        retry = table["req"].filter(missed).str.extract_groups(_REQ_LENIENT).struct.unnest()
        table = _fill_from(table, retry, missed)
    return table.with_columns(pl.col("method", "path", "query").fill_null(""))


def _fill_from(table: pl.DataFrame, subset: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """``table`` with nulls filled from ``subset``, whose rows are those where ``mask`` holds."""
    spread = _spread(subset, mask)
    return table.with_columns(
        pl.coalesce(pl.col(c), spread[c]).alias(c) for c in subset.columns if c in table.columns
    )


def _spread(subset: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """Rows of ``subset`` placed where ``mask`` holds, null rows elsewhere."""
    if mask.all():
        return subset
    position = pl.select(
        pl.when(mask).then(mask.cast(pl.UInt32).cum_sum() - 1).otherwise(None)
    ).to_series()
    return subset.select(pl.all().gather(position))


def _in_range(ts: pl.Expr) -> pl.Expr:
    return pl.when(ts.is_between(pl.lit(_MIN_TS), pl.lit(_MAX_TS), closed="left")).then(ts)


# --------------------------------------------------------------------------- JSON


def _parse_json(lines: pl.Series, fields_: JsonFields, *, exact: bool = False) -> pl.DataFrame:
    """Decode JSON lines; unless ``exact``, only the keys seen in a sample are decoded.

    Decoding a key costs even where it is absent, so each chunk first looks at a
    sample of its lines for the candidate keys actually used. Lines that then
    lack a core field are decoded again with every candidate, so sampling never
    makes a line bad; it can only miss an optional field (referer, user agent,
    host, query) that appears in none of the sampled lines.
    """
    objects = lines.str.starts_with("{") & lines.str.ends_with("}")
    values, decoded = _json_values(lines.filter(objects), fields_.paths(), exact)
    table = _spread(pl.DataFrame(values).with_columns(decoded.alias(_OK)), objects)

    def pick(names: tuple[str, ...]) -> pl.Expr:
        candidates = []
        for name in names:
            candidates.append(pl.col(_SEP.join(name.split("."))))
            if "." in name:  # also a flat key spelt with dots
                candidates.append(pl.col(name))
        return pl.coalesce(candidates)

    columns = table.select(
        pick(fields_.time).alias("_ts"),
        pick(fields_.ip).alias("ip"),
        pick(fields_.method).alias("_method"),
        pick(fields_.path).alias("_target"),
        pick(fields_.query).alias("_query"),
        pick(fields_.request).alias("req"),
        _number(pick(fields_.status), pl.Int32()).alias("status"),
        _number(pick(fields_.bytes), pl.Int64()).fill_null(0).alias("bytes"),
        pick(fields_.referer).fill_null("").alias("referer"),
        pick(fields_.ua).fill_null("").alias("ua"),
        pick(fields_.host).fill_null("").alias("host"),
        objects.alias("_object"),
        pl.col(_OK).fill_null(False).alias("_ok"),
    )
    columns = _json_requests(columns).with_columns(_parse_time(columns["_ts"]).alias("ts"))
    why = (
        pl.when(~pl.col("_object"))
        .then(pl.lit("not a JSON object"))
        .when(~pl.col("_ok"))
        .then(pl.lit("invalid JSON"))
        .when(pl.col("_ts").is_null())
        .then(pl.lit("no time field"))
        .when(pl.col("ts").is_null())
        .then(pl.lit("impossible date"))
        .when(pl.col("ip").fill_null("") == "")
        .then(pl.lit("no client address"))
        .when(pl.col("status").is_null())
        .then(pl.lit("no status"))
    )
    table = columns.with_columns(why.alias("_why"), pl.lit(True).alias("_full"))
    redo = table["_why"].is_in(_MISSING_FIELD).fill_null(False)
    if exact or not redo.any():
        return table
    again = _parse_json(lines.filter(redo), fields_, exact=True)
    return _replace_rows(table, again, redo)


def _number(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """An integer written as such or as a float (``"200"``, ``200.0``); null otherwise."""
    return pl.coalesce(
        text.cast(dtype, strict=False),
        text.cast(pl.Float64, strict=False).cast(dtype, strict=False),
    )


def _replace_rows(table: pl.DataFrame, rows: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """``table`` with the rows where ``mask`` holds replaced by ``rows``, in order."""
    kept = table.with_row_index("_i").filter(~mask)
    fixed = rows.with_columns(mask.arg_true().alias("_i")).select(kept.columns)
    return pl.concat([kept, fixed], how="vertical_relaxed").sort("_i").drop("_i")


def _json_requests(columns: pl.DataFrame) -> pl.DataFrame:
    """method, path and query from the method/target fields, else from a request line."""
    line = columns.select(pl.col("req").str.extract_groups(_REQ_FAST)).to_series().struct.unnest()
    line = _reread_requests(line.with_columns(columns["req"])).drop("req")
    line = line.rename({c: f"_line_{c}" for c in line.columns})
    target = (
        columns.select(pl.col("_target").str.extract_groups(_TARGET)).to_series().struct.unnest()
    )
    return columns.hstack(line).with_columns(
        pl.coalesce("_method", "_line_method").fill_null("").alias("method"),
        pl.when(pl.col("_target").is_not_null())
        .then(target["path"])
        .otherwise(pl.col("_line_path"))
        .fill_null("")
        .alias("path"),
        pl.when(pl.col("_target").is_not_null())
        .then(pl.coalesce(target["query"], pl.col("_query")))
        .otherwise(pl.coalesce("_line_query", "_query"))
        .fill_null("")
        .alias("query"),
    )


def _json_values(
    texts: pl.Series, paths: Sequence[tuple[str, ...]], exact: bool
) -> tuple[dict[str, pl.Series], pl.Series]:
    """Each path's value as text (dotted name -> Series) and which texts were valid JSON."""
    keys = sorted({p[0] for p in paths})
    table, decoded = _decode_objects(texts, keys if exact else _keys_in_sample(texts, keys))
    values: dict[str, pl.Series] = {}
    nested: dict[str, list[tuple[str, ...]]] = {}
    for p in paths:
        if len(p) == 1:
            values[p[0]] = _first_item(_column(table, p[0]))
        else:
            nested.setdefault(p[0], []).append(p[1:])
    for key, inner_paths in nested.items():
        column = _column(table, key)
        objects = column.str.starts_with("{").fill_null(False)
        inner, _ = _json_values(column.filter(objects), inner_paths, exact)
        spread = _spread(pl.DataFrame(inner), objects)
        for name in inner:
            values[f"{key}{_SEP}{name}"] = spread[name]
    return {name: series.rename(name) for name, series in values.items()}, decoded


def _column(table: pl.DataFrame, key: str) -> pl.Series:
    if key in table.columns:
        return table[key]
    return pl.repeat(None, table.height, dtype=pl.String, eager=True)


def _keys_in_sample(texts: pl.Series, keys: list[str]) -> list[str]:
    """The ``keys`` used by the first, middle and last lines (all when too few lines)."""
    if len(texts) <= 3 * _SAMPLE_OBJECTS:
        return keys
    middle = len(texts) // 2
    sample = pl.concat(
        [
            texts.head(_SAMPLE_OBJECTS),
            texts.slice(middle, _SAMPLE_OBJECTS),
            texts.tail(_SAMPLE_OBJECTS),
        ]
    )
    seen: set[str] = set()
    for text in sample:
        seen.update(_json_object(text) or ())
    return [k for k in keys if k in seen] if seen else keys


def _first_item(column: pl.Series) -> pl.Series:
    if column.null_count() == len(column):
        return column
    lists = column.str.starts_with("[").fill_null(False)
    if not lists.any():
        return column
    first = column.str.json_path_match("$[0]")
    return pl.select(pl.when(lists).then(first).otherwise(column)).to_series()


def _decode_objects(texts: pl.Series, keys: list[str]) -> tuple[pl.DataFrame, pl.Series]:
    """Top-level ``keys`` of each JSON text as strings (objects and lists as JSON text).

    A chunk is decoded at once; when that fails it is halved until the bad texts
    are isolated in small pieces, which are checked line by line. Undecodable
    texts give null values and ``False`` in the returned mask.
    """
    schema: dict[str, pl.DataType] = {k: pl.String() for k in keys}
    pieces = list(_decode_pieces(texts, schema))
    if not pieces:
        return pl.DataFrame(schema=schema), pl.Series("_ok", [], dtype=pl.Boolean)
    table = pl.concat([frame for frame, _ in pieces])
    return table, pl.concat([ok for _, ok in pieces]).rename("_ok")


_PIECE = 256


def _decode_pieces(
    texts: pl.Series, schema: dict[str, pl.DataType]
) -> Iterator[tuple[pl.DataFrame, pl.Series]]:
    whole = _ndjson(texts, schema)
    if whole is not None:
        yield whole, pl.repeat(True, len(texts), dtype=pl.Boolean, eager=True)
    elif len(texts) > _PIECE:
        middle = len(texts) // 2
        yield from _decode_pieces(texts.head(middle), schema)
        yield from _decode_pieces(texts.slice(middle), schema)
    else:
        yield _decode_small(texts, schema)


def _decode_small(
    texts: pl.Series, schema: dict[str, pl.DataType]
) -> tuple[pl.DataFrame, pl.Series]:
    """A small piece known to hold a bad text, decoded line by line with :mod:`json`."""
    columns: dict[str, list[str | None]] = {k: [] for k in schema}
    ok: list[bool] = []
    for text in texts:
        obj = _json_object(text)
        ok.append(obj is not None)
        for key, column in columns.items():
            column.append(_json_text(obj.get(key)) if obj is not None else None)
    return pl.DataFrame(columns, schema=schema), pl.Series("_ok", ok, dtype=pl.Boolean)


def _json_object(text: str) -> dict[str, object] | None:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _json_text(value: object) -> str | None:
    """A JSON value as the NDJSON reader gives it for a String column."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _ndjson(texts: pl.Series, schema: dict[str, pl.DataType]) -> pl.DataFrame | None:
    if texts.is_empty():
        return pl.DataFrame(schema=schema)
    buffer = io.BytesIO()
    pl.DataFrame({"l": texts}).write_csv(buffer, include_header=False, quote_style="never")
    try:
        table = pl.read_ndjson(buffer.getvalue(), schema=schema, ignore_errors=True)
    except Exception as e:  # any refusal means "find the bad lines", never a crash
        log.debug("NDJSON reader refused %d lines: %s", len(texts), e)
        return None
    return table if table.height == len(texts) else None


def _parse_time(raw: pl.Series) -> pl.Series:
    """ISO 8601, CLF or epoch text as UTC; null when unreadable or impossible.

    Each way of writing a time is tried only on the rows still unread, so a log
    written one way pays for one pass.
    """
    text = raw.str.strip_chars()
    ts = pl.repeat(None, len(text), dtype=_TS, eager=True)
    epoch = text.str.contains(_EPOCH).fill_null(False)
    if epoch.any():
        ts = ts.scatter(epoch.arg_true(), _epoch(text.filter(epoch)))
    for fmt in _JSON_TIME_FORMATS:
        todo = ts.is_null() & text.is_not_null() & ~epoch
        if not todo.any():
            break
        ts = ts.scatter(todo.arg_true(), text.filter(todo).str.strptime(_TS, fmt, strict=False))
    return pl.select(_in_range(pl.lit(ts))).to_series().rename("ts")


def _epoch(text: pl.Series) -> pl.Series:
    """Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by size."""
    number = pl.col("n")
    micros = (
        pl.when(number < 1e11)
        .then(number * 1e6)
        .when(number < 1e14)
        .then(number * 1e3)
        .when(number < 1e17)
        .then(number)
        .otherwise(number / 1e3)
    )
    frame = pl.DataFrame({"n": text.cast(pl.Float64, strict=False)})
    return frame.select(micros.round(0).cast(pl.Int64, strict=False).cast(_TS)).to_series()
