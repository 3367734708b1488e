"""Shared machinery of the detectors: leaky buckets, hopping windows, incidents.

Everything here is vectorised polars and correct on rows in any order: each
step sorts what it needs (by key, then time) after filtering down to the rows
that matter. Python loops run once per *incident*, never per line.

**Leaky bucket, exactly and vectorised.** A CrowdSec bucket holding ``level``
units leaks one unit per ``L`` seconds and takes one unit per event. Its level
after the *i*-th event of a key (events in time order, numbered ``k``) is the
Lindley recursion ``level_i = 1 + max(0, level_{i-1} - (t_i - t_{i-1}) / L)``,
whose closed form is ``level_i = max_{j ≤ i} (i - j + 1 - (t_i - t_j) / L)``.
With ``u_k = k - t_k / L`` that is ``level_i = u_i - min_{j ≤ i} u_j + 1``: a
per-key cumulative minimum. The event overflows when ``level_i > capacity``,
i.e. on the capacity+1-th unit, as in CrowdSec. Where CrowdSec then destroys the
bucket and ignores the key for ``blackhole``, we keep the level running and
merge overflows of the same key less than ``blackhole`` apart into one incident.
An incident starts where its bucket last started empty (the ``j`` of the
minimum) and ends at its last overflow. (The simpler window reading, "more than
``capacity`` events within ``capacity × leakspeed``", flags everything the
bucket flags and more: 11 distinct 404s in 90 s for http-probing, which
CrowdSec lets pass. The exact form costs the same, so it is the one used;
``tests/logs/test_detector_buckets.py`` checks it against a per-event loop.)

``distinct`` (CrowdSec's ``uniq``) drops an event whose value the same key
already sent less than ``capacity × leakspeed`` seconds before: the time a full
bucket takes to drain, the longest a CrowdSec bucket remembers its values while
the key is quiet. (A key that never pauses may be counted a value twice where
CrowdSec would not: a scanner, never a visitor.)

**Hopping windows.** Window detectors count in windows of ``W`` seconds that
start every ``W / 2``: every request falls in two windows, and any burst that
fits in ``W / 2`` lies whole inside one. Flagged windows of a key closer than
``merge_gap`` make one incident.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from rempart.logs.model import Incident
from rempart.logs.registry import spec
from rempart.logs.settings import BucketSettings

logger = logging.getLogger(__name__)

EVIDENCE_LINES = 5
"""Sample lines per incident."""
FIELD_CHARS = 120
"""Longest path, query, method or file name shown in evidence and summaries."""
MATCH_CHARS = 4096
"""Patterns and keys look at this many characters of a path, query or agent (bounded work)."""

_US = 1_000_000
_PERCENT = {f"%{b:02x}": chr(b) for b in range(0x20, 0x7F)}
_CONTROL = r"[\x00-\x1f\x7f-\x9f]"


# --- expressions ------------------------------------------------------------------


def head(column: str) -> pl.Expr:
    """The column, cut to :data:`MATCH_CHARS` characters."""
    return pl.col(column).str.slice(0, MATCH_CHARS)


def lower(column: str) -> pl.Expr:
    """The column, cut and lower-cased."""
    return head(column).str.to_lowercase()


def decoded(column: str, plus_is_space: bool = False) -> pl.Expr:
    """Cut and percent-decoded twice (``%2527`` → ``'``), printable ASCII only."""
    keys, values = list(_PERCENT), list(_PERCENT.values())
    expr = head(column)
    for _ in range(2):
        expr = expr.str.replace_many(keys, values, ascii_case_insensitive=True)
    return expr.str.replace_all("+", " ", literal=True) if plus_is_space else expr


def matches(expr: pl.Expr, pattern: str, ignore_case: bool = True) -> pl.Expr:
    """``expr`` matches the regex anywhere, by default ignoring case (null never matches)."""
    return expr.str.contains(f"(?i){pattern}" if ignore_case else pattern).fill_null(False)


def any_of(words: Iterable[str]) -> str:
    """A regex matching any of the literal words."""
    return "(" + "|".join(re.escape(w.lower()) for w in words if w) + ")"


def is_static(extensions: Iterable[str]) -> pl.Expr:
    """The path ends with one of the extensions (case-insensitive)."""
    exts = [e.lower().lstrip(".") for e in extensions if e]
    if not exts:
        return pl.lit(False)
    return matches(head("path"), r"\.(" + "|".join(re.escape(e) for e in exts) + r")$")


def fingerprint(*columns: str) -> pl.Expr:
    """A 64-bit hash of whole column values: distinct values at bounded cost, however long.

    ``fingerprint("path", "query")`` is CrowdSec's ``distinct: request``."""
    if len(columns) == 1:
        return pl.col(columns[0]).hash()
    return pl.struct(*columns).hash()


def _short(expr: pl.Expr, limit: int) -> pl.Expr:
    cut = expr.str.slice(0, limit - 1) + pl.lit("…")
    out = pl.when(expr.str.len_chars() > limit).then(cut).otherwise(expr)
    return out.str.replace_all(_CONTROL, "\ufffd")


def evidence_expr() -> pl.Expr:
    """``source:line: METHOD path?query status``, bounded and free of control characters."""
    query = _short(pl.col("query").fill_null(""), FIELD_CHARS)
    return pl.concat_str(
        _short(pl.col("source").fill_null(""), FIELD_CHARS),
        pl.lit(":"),
        pl.col("line").cast(pl.String).fill_null("?"),
        pl.lit(": "),
        _short(pl.col("method").fill_null(""), 16),
        pl.lit(" "),
        _short(pl.col("path").fill_null(""), FIELD_CHARS),
        pl.when(query != "").then(pl.lit("?") + query).otherwise(pl.lit("")),
        pl.lit(" "),
        pl.col("status").cast(pl.String).fill_null("?"),
    )


def clean_text(text: str, limit: int = FIELD_CHARS) -> str:
    """Text fit for one line of a report: bounded, control characters replaced."""
    text = re.sub(_CONTROL, "\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rows(df: pl.DataFrame) -> pl.DataFrame:
    """The usable rows: a time and an address."""
    if df["ts"].null_count() == 0 and df["ip"].null_count() == 0:
        return df
    return df.filter(pl.col("ts").is_not_null() & pl.col("ip").is_not_null())


def where_values(ev: pl.DataFrame, column: str, keep: pl.Expr) -> pl.DataFrame:
    """Rows whose ``column`` value satisfies ``keep`` (an expression on that column),
    each distinct value tested once: logs repeat their paths, queries and agents, so a
    costly test runs on a fraction of the rows."""
    values = ev.select(pl.col(column).unique())
    kept = values.filter(keep).get_column(column)
    return ev.filter(pl.col(column).is_in(kept.implode()))


def keep_matching(
    ev: pl.DataFrame, column: str, pattern: str, plus_is_space: bool = False
) -> pl.DataFrame:
    """Rows whose ``column``, percent-decoded, matches ``pattern`` (ignoring case), each
    distinct value tested once (:func:`where_values`)."""
    values = ev.select(pl.col(column).unique())
    kept = _matching(values, column, pattern, plus_is_space).get_column(column)
    return ev.filter(pl.col(column).is_in(kept.implode()))


def _matching(ev: pl.DataFrame, column: str, pattern: str, plus_is_space: bool) -> pl.DataFrame:
    """Only values holding ``%`` (or ``+`` when it means a space) are decoded: the costly
    step runs on the few values that need it."""
    coded = pl.col(column).str.contains("%", literal=True)
    if plus_is_space:
        coded = coded | pl.col(column).str.contains("+", literal=True)
    marked = ev.with_columns(coded.fill_null(False).alias("_coded"))
    plain = marked.filter(~pl.col("_coded")).filter(matches(head(column), pattern))
    decoded_rows = marked.filter(pl.col("_coded"))
    decoded_rows = decoded_rows.filter(matches(decoded(column, plus_is_space), pattern))
    return pl.concat([plain, decoded_rows]).drop("_coded")


# --- leaky bucket ------------------------------------------------------------------


def bucket_episodes(events: pl.DataFrame, s: BucketSettings, distinct: bool) -> pl.DataFrame:
    """Overflow episodes of a leaky bucket per ``ip``: ``ip, ep_start, ep_end``.

    ``events`` has ``ip``, ``ts`` and, when ``distinct``, a ``_d`` column of the
    values counted once per bucket life. Keys and values are sorted as 64-bit
    hashes (much faster than text; a collision needs ~4 billion keys)."""
    ev = events.select(
        "ip", "ts", pl.col("ip").hash().alias("_h"), *([pl.col("_d").hash()] if distinct else [])
    )
    ev = ev.join(_may_overflow(ev, s, distinct), on="_h", how="semi")
    if ev.is_empty():
        return _no_episodes()
    if distinct:
        ev = _first_in_drain(ev, s.capacity * s.leakspeed)
    t0 = ev["ts"].min()
    leak = max(s.leakspeed, 1e-9)
    ev = ev.sort("_h", "ts").with_columns(
        (
            pl.int_range(pl.len()).over("_h").cast(pl.Float64)
            - (pl.col("ts") - pl.lit(t0)).dt.total_microseconds().cast(pl.Float64) / (leak * _US)
        ).alias("_u")
    )
    ev = ev.with_columns(pl.col("_u").cum_min().over("_h").alias("_m"))
    ev = ev.with_columns(
        pl.when(pl.col("_u") <= pl.col("_m")).then(pl.col("ts")).alias("_start"),
    ).with_columns(pl.col("_start").forward_fill().over("_h"))
    over = ev.filter(pl.col("_u") - pl.col("_m") + 1 > s.capacity + 1e-9)
    if over.is_empty():
        return _no_episodes()
    return _merge_points(over, s.blackhole)


def _may_overflow(ev: pl.DataFrame, s: BucketSettings, distinct: bool) -> pl.DataFrame:
    """Keys that could overflow: a cheap hash group-by that spares most keys the sort.

    With ``W = capacity × leakspeed``, an overflow needs ``n`` events within a
    span ``d`` where ``n > capacity + d / leakspeed``. If ``d ≤ W`` they lie in
    two adjacent aligned bins of width ``W``, one holding more than
    ``capacity / 2``; if ``d > W``, the at most ``d / W + 2`` bins covering them
    average more than ``2 × capacity / 3``. So a key none of whose bins holds
    more than ``capacity / 2`` (distinct values, when counting distinct: within
    one bin a value counts once) cannot overflow."""
    width = max(int(s.capacity * s.leakspeed * _US), 1)
    size = pl.col("_d").n_unique() if distinct else pl.len()
    enough = ev.group_by("_h").agg(size.alias("_n")).filter(pl.col("_n") > s.capacity)
    ev = ev.join(enough.select("_h"), on="_h", how="semi")  # fewer values: no overflow
    per_bin = ev.group_by("_h", pl.col("ts").dt.epoch("us") // width).agg(size.alias("_n"))
    return per_bin.filter(pl.col("_n") > s.capacity / 2).select("_h").unique()


def _first_in_drain(ev: pl.DataFrame, drain: float) -> pl.DataFrame:
    ev = ev.sort("_h", "_d", "ts")
    same = (pl.col("_h") == pl.col("_h").shift(1)) & (pl.col("_d") == pl.col("_d").shift(1))
    gap = (pl.col("ts") - pl.col("ts").shift(1)).dt.total_microseconds()
    return ev.filter(~same.fill_null(False) | (gap > drain * _US).fill_null(True))


def _merge_points(over: pl.DataFrame, blackhole: float) -> pl.DataFrame:
    over = over.sort("_h", "ts")
    gap = (pl.col("ts") - pl.col("ts").shift(1)).dt.total_microseconds()
    new = (pl.col("_h") != pl.col("_h").shift(1)).fill_null(True) | (gap > blackhole * _US)
    return (
        over.with_columns(new.fill_null(True).cum_sum().alias("_ep"))
        .group_by("_ep")
        .agg(
            pl.col("ip").first(),
            pl.col("_start").min().alias("ep_start"),
            pl.col("ts").max().alias("ep_end"),
        )
        .drop("_ep")
        .sort("ep_start", "ip")
    )


def _no_episodes() -> pl.DataFrame:
    ts = pl.Datetime("us", "UTC")
    return pl.DataFrame(schema={"ip": pl.String, "ep_start": ts, "ep_end": ts})


# --- hopping windows ---------------------------------------------------------------


def _bin(window: float) -> pl.Expr:
    half = max(int(window * _US / 2), 1)
    return (pl.col("ts").dt.epoch("us") // half).alias("_w")


def hopping_counts(
    ev: pl.DataFrame, keys: list[str], window: float, **sums: pl.Expr
) -> pl.DataFrame:
    """Requests per key and window: ``keys…, _w, n`` (+ one sum per named expression).

    Window ``_w`` covers ``[_w·W/2, _w·W/2 + W)``."""
    extra = [e.sum().alias(name) for name, e in sums.items()]
    per_bin = ev.group_by([*keys, _bin(window)]).agg(pl.len().alias("n"), *extra)
    both = pl.concat([per_bin, per_bin.with_columns(pl.col("_w") - 1)])
    return both.group_by([*keys, "_w"]).agg(pl.col("n").sum(), *[pl.col(k).sum() for k in sums])


def hopping_rows(ev: pl.DataFrame, window: float) -> pl.DataFrame:
    """Each row twice, once per window holding it (``_w``), for non-additive aggregates."""
    binned = ev.with_columns(_bin(window))
    return pl.concat([binned, binned.with_columns(pl.col("_w") - 1)])


def window_bounds(window: float) -> list[pl.Expr]:
    """``ep_start``/``ep_end`` of window ``_w``."""
    half = max(int(window * _US / 2), 1)
    start = pl.col("_w") * half
    return [
        pl.from_epoch(start, "us").dt.replace_time_zone("UTC").alias("ep_start"),
        pl.from_epoch(start + int(window * _US), "us").dt.replace_time_zone("UTC").alias("ep_end"),
    ]


def merge_windows(
    flagged: pl.DataFrame, keys: list[str], window: float, gap: float, **aggs: pl.Expr
) -> pl.DataFrame:
    """Episodes of flagged windows: ``keys…, ep_start, ep_end`` plus named aggregates.

    ``keys`` must not be empty (give site-wide counts a constant key)."""
    w = flagged.with_columns(window_bounds(window)).sort([*keys, "ep_start"])
    reach = pl.col("ep_end").cum_max().shift(1).over(keys)
    gap_us = (pl.col("ep_start") - reach).dt.total_microseconds()
    new = (gap_us > gap * _US).fill_null(True)  # null: first window of its key
    return (
        w.with_columns(new.cum_sum().alias("_ep"))
        .group_by("_ep")
        .agg(
            *[pl.col(k).first() for k in keys],
            pl.col("ep_start").min(),
            pl.col("ep_end").max(),
            *[e.alias(name) for name, e in aggs.items()],
        )
        .drop("_ep")
        .sort("ep_start", *keys)
    )


def median_with_zeros(counts: pl.DataFrame, keys: list[str], n_windows: int) -> pl.DataFrame:
    """Per key, the median of its window counts over ``n_windows`` windows, absent = 0.

    ``counts`` has ``keys…, n`` for the non-empty windows only."""
    position = max(math.ceil(n_windows / 2), 1)
    ranked = counts.with_columns(
        pl.col("n").rank("ordinal", descending=True).over(keys).alias("_r")
    )
    return ranked.filter(pl.col("_r") == position).select([*keys, pl.col("n").alias("baseline")])


# --- from episodes to incidents ----------------------------------------------------


def attach(
    events: pl.DataFrame, episodes: pl.DataFrame, keys: list[str], inclusive: bool
) -> pl.DataFrame:
    """Events inside an episode of their key, with its number ``_ep`` and bounds.

    ``_ep`` is the episode's row number in ``episodes`` (which the merge
    functions return sorted by start and key, so numbers do not depend on the
    input's order). Episodes of one key never overlap; ``inclusive`` keeps
    events at ``ep_end``."""
    eps = episodes.with_row_index("_ep").sort("ep_start")
    # Only keys, times and row numbers are sorted and joined; the rows found are
    # then gathered whole (sorting every text column of a big log is the slow part).
    slim = events.select([*keys, "ts"]).with_row_index("_row")
    if keys:
        slim = slim.join(eps.select(keys).unique(), on=keys, how="semi")
    if not eps.is_empty():
        first, last = eps["ep_start"].min(), eps["ep_end"].max()
        slim = slim.filter(pl.col("ts").is_between(first, last))
    joined = slim.sort("ts").join_asof(
        eps.select([*keys, "_ep", "ep_start", "ep_end"]),
        left_on="ts",
        right_on="ep_start",
        by=keys or None,
        strategy="backward",
        check_sortedness=False,
    )
    inside = pl.col("ts") <= pl.col("ep_end") if inclusive else pl.col("ts") < pl.col("ep_end")
    found = joined.filter(pl.col("_ep").is_not_null() & inside)
    return events[found["_row"]].with_columns(found.select("_ep", "ep_start", "ep_end"))


def ip_counts(attached: pl.DataFrame) -> dict[int, pl.DataFrame]:
    """Per episode, requests per IP: ``{_ep: DataFrame(ip, n)}``."""
    counts = attached.group_by("_ep", "ip").agg(pl.len().alias("n"))
    parts = counts.partition_by("_ep", as_dict=True, include_key=False)
    return {int(key[0]): part for key, part in parts.items()}


def summarise(attached: pl.DataFrame, **aggs: pl.Expr) -> pl.DataFrame:
    """Per episode: ``_ep, start, end, count, evidence`` plus the named aggregates."""
    per = attached.group_by("_ep").agg(
        pl.col("ts").min().alias("start"),
        pl.col("ts").max().alias("end"),
        pl.len().alias("count"),
        *[e.alias(name) for name, e in aggs.items()],
    )
    samples = (
        attached.sort("ts", "line", "source")
        .group_by("_ep", maintain_order=True)
        .head(EVIDENCE_LINES)
        .group_by("_ep")
        .agg(evidence_expr().alias("evidence"))
    )
    return per.join(samples, on="_ep", how="left").sort("start", "_ep")


def span_text(start: datetime, end: datetime) -> str:
    """``40 s``, ``12 min``, ``3 h 05 min``, ``2 days 4 h``."""
    seconds = max(int((end - start) / timedelta(seconds=1)), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} days {seconds % 86400 // 3600} h"


def sources_text(sources: tuple[str, ...], shown: int = 3) -> str:
    """The first few sources, then how many more."""
    head_ = ", ".join(sources[:shown]) or "unknown sources"
    more = len(sources) - shown
    return f"{head_} and {more} more" if more > 0 else head_


class _Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fact(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return clean_text(str(value))


def make_incident(
    kind: str,
    row: Mapping[str, Any],
    sources: tuple[str, ...],
    facts: Mapping[str, Any] | None = None,
) -> Incident:
    """An incident from a :func:`summarise` row, worded and rated by the registry."""
    meta = spec(kind)
    given = {k: _fact(v) for k, v in (facts or {}).items()}
    words = _Facts(given)
    words.update(
        source=clean_text(sources_text(sources), 4 * FIELD_CHARS),
        count=str(row["count"]),
        span=span_text(row["start"], row["end"]),
    )
    details = (*sorted(given.items()), ("fix", meta.fix))
    return Incident(
        kind=kind,
        severity=meta.severity,
        start=row["start"],
        end=row["end"],
        sources=sources,
        count=int(row["count"]),
        evidence=tuple(row["evidence"] or ()),
        summary=meta.summary.format_map(words),
        details=details,
    )
