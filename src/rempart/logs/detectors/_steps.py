"""Detectors as map/reduce programs, so the same code runs on one frame or on shards.

A log larger than memory is cut into *shards* by client address (every request
of one IP in the same shard, see :mod:`rempart.logs.scale`). A detector keyed
by IP (the leaky buckets) is exact on each shard alone. A detector that judges
the whole site (a surge against the site's baseline, a burst of errors, one hot
URL, stuffing spread over many IPs) needs sums over every shard first.

So each detector is a *program*: a generator that yields :class:`Step` values
and finally returns its incidents. A step's ``map`` runs on every shard
(``map(df, shards)``, ``shards`` being how many there are) and its ``combine``
folds the per-shard answers into one, which the generator receives::

    def program(s):
        counts = yield Step(partial(count_windows, s=s), sum_by("_w"))
        episodes = judge(counts, s)            # small, global
        return (yield Step(partial(incidents_in, episodes=episodes), concat_lists))

:func:`drive` runs many programs together, one pass over the shards per round
(all programs' steps of a round in the same pass). Run on a single frame, the
same program gives the in-memory answer: there is one code path, and sharded
results equal in-memory ones by construction, except where a combine is not
exact, which the tests check.

``map`` functions must be picklable (module-level functions in a
:func:`functools.partial`): Dask ships them to its workers.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, Protocol

import polars as pl

from rempart.logs.detectors._core import EVIDENCE_LINES, evidence_expr
from rempart.logs.model import Incident

logger = logging.getLogger(__name__)

ShardMap = Callable[[pl.DataFrame, int], Any]
"""``map(df, shards) -> partial answer`` for one shard."""


@dataclass(frozen=True)
class Step:
    """One map/reduce round of a detector program."""

    map: ShardMap
    combine: Callable[[list[Any]], Any]


Program = Generator[Step, Any, list[Incident]]
"""A detector: yields steps, receives their combined answers, returns incidents."""


@dataclass(frozen=True)
class Failed:
    """A map that raised on one shard, recorded as data."""

    error: str


class Shards(Protocol):
    """Where the request table lives: one frame, or shards on disk or on a cluster."""

    count: int

    def map(self, fns: Sequence[ShardMap]) -> list[list[Any]]:
        """Run every function on every shard: ``result[i][shard]`` (or :class:`Failed`)."""
        ...


@dataclass(frozen=True)
class DetectorFailure:
    """A detector that raised instead of answering: its incidents are missing."""

    detector: str
    """Registry id of the detector."""
    error: str
    """Exception type and message, one line."""

    def line(self) -> str:
        """``detector scan.probing failed: ValueError: …``."""
        return f"detector {self.detector} failed: {self.error}"


def one_line(exc: BaseException) -> str:
    """``ValueError: message`` on one bounded line."""
    message = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def apply_all(df: pl.DataFrame, shards: int, fns: Sequence[ShardMap]) -> list[Any]:
    """Every function on one shard; one that raises gives a :class:`Failed` for it alone."""
    out: list[Any] = []
    for fn in fns:
        try:
            out.append(fn(df, shards))
        except Exception as exc:  # one broken detector must not lose the others
            logger.exception("detector step failed")
            out.append(Failed(one_line(exc)))
    return out


class InMemory:
    """The whole request table as one frame: the single-shard case.

    The steps of a round run on ``threads`` threads: polars releases the GIL,
    and most steps are single-threaded scans of one column, so two detectors
    run side by side on two cores."""

    count = 1

    def __init__(self, df: pl.DataFrame, threads: int = 2) -> None:
        self.df = df
        self.threads = max(threads, 1)

    def map(self, fns: Sequence[ShardMap]) -> list[list[Any]]:
        if self.threads == 1 or len(fns) < 2:
            return [[result] for result in apply_all(self.df, 1, fns)]
        with ThreadPoolExecutor(self.threads, thread_name_prefix="detect") as pool:
            answers = pool.map(lambda fn: apply_all(self.df, 1, [fn])[0], fns)
            return [[answer] for answer in answers]


def drive(
    programs: Mapping[str, Program], shards: Shards
) -> tuple[list[Incident], list[DetectorFailure]]:
    """Run detector programs together over ``shards``, one pass per round.

    A program that raises, or whose map raises on any shard, is reported as a
    :class:`DetectorFailure`; the others go on."""
    incidents: dict[str, list[Incident]] = {}
    failures: list[DetectorFailure] = []
    pending: dict[str, Step] = {}

    def advance(name: str, gen: Program, value: Any, first: bool = False) -> None:
        try:
            pending[name] = next(gen) if first else gen.send(value)
        except StopIteration as stop:
            incidents[name] = list(stop.value or [])
        except Exception as exc:
            logger.exception("detector %s failed", name)
            failures.append(DetectorFailure(name, one_line(exc)))

    for name, gen in programs.items():
        advance(name, gen, None, first=True)
    while pending:
        names = list(pending)
        steps = [pending.pop(name) for name in names]
        answers = shards.map([step.map for step in steps])
        for name, step, per_shard in zip(names, steps, answers, strict=True):
            gen = programs[name]
            failed = [a for a in per_shard if isinstance(a, Failed)]
            if failed:
                gen.close()
                failures.append(DetectorFailure(name, failed[0].error))
                continue
            try:
                combined = step.combine(per_shard)
            except Exception as exc:
                logger.exception("detector %s failed combining", name)
                gen.close()
                failures.append(DetectorFailure(name, one_line(exc)))
                continue
            advance(name, gen, combined)
    found = [i for name in programs if name in incidents for i in incidents[name]]
    return found, failures


def run_in_memory(
    program: Callable[[Any], Program], df: pl.DataFrame, settings: Any
) -> list[Incident]:
    """One detector on one frame (raises what it raises): ``detect(df, settings)``."""
    gen = program(settings)
    try:
        step = next(gen)
        while True:
            step = gen.send(step.combine([step.map(df, 1)]))
    except StopIteration as stop:
        return list(stop.value or [])


# --- map adapters and combines --------------------------------------------------------


def _per_shard(df: pl.DataFrame, shards: int, *, fn: Callable[[pl.DataFrame, Any], list[Incident]],
               settings: Any) -> list[Incident]:  # fmt: skip
    return fn(df, settings)


def per_ip(fn: Callable[[pl.DataFrame, Any], list[Incident]]) -> Callable[[Any], Program]:
    """The program of a detector keyed by client IP: exact on each shard alone."""

    def program(settings: Any) -> Program:
        return (yield Step(partial(_per_shard, fn=fn, settings=settings), concat_lists))

    return program


def concat_lists(parts: list[list[Any]]) -> list[Any]:
    """Per-shard lists, one after the other."""
    return [item for part in parts for item in part]


def concat_frames(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Per-shard frames stacked (all have the same schema)."""
    return pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]


def sum_by(keys: Sequence[str]) -> Callable[[list[pl.DataFrame]], pl.DataFrame]:
    """A combine adding every other column of per-shard frames grouped by ``keys``."""
    return partial(_sum_by, keys=tuple(keys))


def _sum_by(parts: list[pl.DataFrame], keys: tuple[str, ...]) -> pl.DataFrame:
    if len(parts) == 1:
        return parts[0]
    both = pl.concat(parts, how="vertical")
    return both.group_by(list(keys)).agg(pl.exclude(keys).sum())


def quantile_of_counts(hist: pl.DataFrame, q: float) -> float:
    """The ``q`` quantile of values given as a histogram (``n``: value, ``c``: how many).

    Equals polars' ``quantile(q)`` (nearest rank, half up) on the expanded values,
    without expanding them; 0 when there are none."""
    hist = hist.filter(pl.col("c") > 0).sort("n")
    total = int(hist["c"].sum() or 0)
    if total == 0:
        return 0.0
    rank = math.floor((total - 1) * q + 0.5)
    cum = hist["c"].cum_sum()
    return float(hist["n"][int((cum <= rank).sum())])


# --- mergeable summaries ----------------------------------------------------------------

_ORDER = ["ts", "line", "source"]


class Partial(NamedTuple):
    """Per episode, what every shard saw of it: totals, evidence rows, requests per IP."""

    totals: pl.DataFrame
    """``_ep, start, end, count``."""
    samples: pl.DataFrame
    """``_ep, ts, line, source, text``: the first evidence lines."""
    ips: pl.DataFrame
    """``_ep, ip, n``."""


def partial_of(attached: pl.DataFrame) -> Partial:
    """The mergeable summary of rows attached to episodes (an ``_ep`` column)."""
    totals = attached.group_by("_ep").agg(
        pl.col("ts").min().alias("start"), pl.col("ts").max().alias("end"), pl.len().alias("count")
    )
    samples = (
        attached.sort(_ORDER)
        .group_by("_ep", maintain_order=True)
        .head(EVIDENCE_LINES)
        .select("_ep", *_ORDER, evidence_expr().alias("text"))
    )
    ips = attached.group_by("_ep", "ip").agg(pl.len().alias("n"))
    return Partial(totals, samples, ips)


def merge_partials(parts: list[Partial]) -> Partial:
    """Several shards' partial summaries as one (exact: sums, extremes, first lines)."""
    if len(parts) == 1:
        return parts[0]
    totals = (
        pl.concat([p.totals for p in parts])
        .group_by("_ep")
        .agg(pl.col("start").min(), pl.col("end").max(), pl.col("count").sum())
    )
    samples = (
        pl.concat([p.samples for p in parts])
        .sort(_ORDER)
        .group_by("_ep", maintain_order=True)
        .head(EVIDENCE_LINES)
    )
    ips = pl.concat([p.ips for p in parts]).group_by("_ep", "ip").agg(pl.col("n").sum())
    return Partial(totals, samples, ips)


def summary_of(part: Partial, episodes: pl.Series | None = None) -> pl.DataFrame:
    """``_ep, start, end, count, evidence, _ips`` per episode, by start (optionally only
    the ``episodes`` listed)."""
    totals, samples, ips = part
    if episodes is not None:
        totals = totals.filter(pl.col("_ep").is_in(episodes.implode()))
    evidence = samples.sort(_ORDER).group_by("_ep").agg(pl.col("text").alias("evidence"))
    distinct = ips.group_by("_ep").agg(pl.col("ip").n_unique().alias("_ips"))
    return (
        totals.join(evidence, on="_ep", how="left")
        .join(distinct, on="_ep", how="left")
        .sort("start", "_ep")
    )


def ip_counts_of(part: Partial) -> dict[int, pl.DataFrame]:
    """Per episode, requests per IP: ``{_ep: DataFrame(ip, n)}``."""
    grouped = part.ips.partition_by("_ep", as_dict=True, include_key=False)
    return {int(key[0]): frame for key, frame in grouped.items()}
