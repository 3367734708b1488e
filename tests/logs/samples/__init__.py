"""Annotated log samples of the detectors, and a small test-only reader.

One file per detector, named after its id (``scan.probing.log``), in the
combined format, lines deliberately out of time order. Annotations:

- ``# expect: SRC …``: the sources (IPs or networks) the detector must flag;
  the file's detector flags exactly these, no more.
- ``# clean: SRC …``: sources present in the sample that must not be flagged
  (near misses, look-alikes: the false positives the detector must avoid).
- ``@repeat N step S``: the next line stands for N lines, the k-th (from 0)
  ``k × S`` seconds after the line's own time. In it, ``{n}`` is k, ``{n%M}``
  and ``{n//M}`` its remainder and quotient by M, each optionally ``+C``
  (``10.0.{n//250}.{n%250+1}``).
- Other ``#`` lines are comments explaining the lines after them.

The reader is a regex for tests only: the project's parser is tested apart.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from rempart.logs.model import SCHEMA

HERE = Path(__file__).parent

LINE = re.compile(
    r'^(?P<ip>\S+) \S+ \S+ \[(?P<t>[^\]]+)\] "(?P<method>\S+) (?P<target>\S+)[^"]*" '
    r'(?P<status>\d{3}) (?P<bytes>\S+)(?: "(?P<referer>[^"]*)" "(?P<ua>[^"]*)")?$'
)
REPEAT = re.compile(r"^@repeat (\d+) step ([0-9.]+)$")
PLACE = re.compile(r"\{n(?:(%|//)(\d+))?(?:\+(\d+))?\}")


@dataclass
class Sample:
    """One annotated sample: its request table and what must (not) be flagged."""

    name: str
    frame: pl.DataFrame
    expect: set[str] = field(default_factory=set)
    clean: set[str] = field(default_factory=set)


def _fill(text: str, k: int) -> str:
    def one(m: re.Match[str]) -> str:
        op, num, add = m.group(1), m.group(2), m.group(3)
        value = k % int(num) if op == "%" else k // int(num) if op == "//" else k
        return str(value + int(add or 0))

    return PLACE.sub(one, text)


def parse_line(text: str, source: str, number: int, shift: float = 0.0) -> dict[str, object]:
    """One combined-format line as a row of the request table."""
    m = LINE.match(text)
    if not m:
        raise ValueError(f"{source}:{number}: not a combined-format line: {text!r}")
    path, _, query = m["target"].partition("?")
    ts = datetime.strptime(m["t"], "%d/%b/%Y:%H:%M:%S %z").astimezone(UTC)
    return {
        "source": source,
        "line": number,
        "ts": ts + timedelta(seconds=shift),
        "ip": m["ip"],
        "method": m["method"],
        "path": path,
        "query": query,
        "status": int(m["status"]),
        "bytes": int(m["bytes"]) if m["bytes"].isdigit() else 0,
        "referer": m["referer"] or "",
        "ua": m["ua"] or "",
        "host": "",
    }


def frame(records: list[dict[str, object]]) -> pl.DataFrame:
    """Rows as a request table with exactly the columns of SCHEMA."""
    return pl.DataFrame(records, schema=SCHEMA)


BASE = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
"""Time zero of :func:`req`."""


def req(
    ip: str,
    t: float,
    path: str = "/",
    status: int = 200,
    method: str = "GET",
    query: str = "",
    ua: str = "Mozilla/5.0",
    line: int = 0,
) -> dict[str, object]:
    """One request ``t`` seconds after :data:`BASE`, as a row of the request table."""
    return {
        "source": "built.log",
        "line": line,
        "ts": BASE + timedelta(seconds=t),
        "ip": ip,
        "method": method,
        "path": path,
        "query": query,
        "status": status,
        "bytes": 100,
        "referer": "",
        "ua": ua,
        "host": "",
    }


def lines_to_frame(lines: list[str], source: str = "test.log") -> pl.DataFrame:
    """Combined-format lines (1-based numbers as given order) as a request table."""
    return frame([parse_line(t, source, i) for i, t in enumerate(lines, 1)])


def load(name: str) -> Sample:
    """The sample ``name`` (detector id), parsed, in file order."""
    path = HERE / f"{name}.log"
    records: list[dict[str, object]] = []
    sample = Sample(name, frame([]))
    repeat: tuple[int, float] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text:
            continue
        if text.startswith("# expect:"):
            sample.expect.update(text.split(":", 1)[1].split())
        elif text.startswith("# clean:"):
            sample.clean.update(text.split(":", 1)[1].split())
        elif text.startswith("#"):
            continue
        elif m := REPEAT.match(text):
            repeat = (int(m.group(1)), float(m.group(2)))
        else:
            count, step = repeat or (1, 0.0)
            for k in range(count):
                records.append(parse_line(_fill(text, k), path.name, number, k * step))
            repeat = None
    sample.frame = frame(records)
    return sample


def names() -> list[str]:
    """Every sample's name."""
    return sorted(p.name.removesuffix(".log") for p in HERE.glob("*.log"))


def shuffled(df: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The same rows in another order (a real log's backward time steps, and worse)."""
    order = list(range(df.height))
    random.Random(seed).shuffle(order)
    return df[order]
