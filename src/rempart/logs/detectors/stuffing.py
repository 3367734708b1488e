"""Credential stuffing: many IPs, each failing a few logins on the same path.

Per-IP buckets miss it by design: each address tries a handful of stolen
passwords, slowly. Counted here per login path, in hopping windows, as the
number of distinct IPs whose failures there stay few.

On shards, each shard hands over its failed logins (few next to the whole
log: memory follows the size of the attack, not of the log) and the
windows are counted on all of them together.
"""

from __future__ import annotations

import logging
from functools import partial

import polars as pl

from rempart.logs import settings as st
from rempart.logs.detectors._core import (
    attach,
    head,
    hopping_rows,
    ip_counts,
    lower,
    make_incident,
    matches,
    merge_windows,
    rows,
    summarise,
)
from rempart.logs.detectors._net import grouped_sources
from rempart.logs.detectors._steps import Program, Step, concat_frames

logger = logging.getLogger(__name__)


_KEEP = ("source", "line", "ts", "ip", "method", "path", "query", "status")


def _failed_logins(df: pl.DataFrame, shards: int, *, s: st.StuffingSettings) -> pl.DataFrame:
    """The failed logins of one shard, with their lower-cased path ``_p``."""
    failed = pl.col("method").is_in(list(s.methods)) & pl.col("status").is_in(
        list(s.failure_statuses)
    )
    ev = rows(df).filter(failed).filter(matches(head("path"), s.path_pattern))
    return ev.select(*_KEEP, lower("path").alias("_p"))


def stuffing(s: st.StuffingSettings) -> Program:
    """Login paths where ``min_ips`` IPs each fail at most ``max_attempts`` times in a window."""
    ev = yield Step(partial(_failed_logins, s=s), concat_frames)
    if ev.is_empty():
        return []
    attempts = (
        hopping_rows(ev.select("_p", "ip", "ts"), s.window)
        .group_by("_p", "_w", "ip")
        .agg(pl.len().alias("a"))
    )
    windows = attempts.group_by("_p", "_w").agg((pl.col("a") <= s.max_attempts).sum().alias("few"))
    flagged = windows.filter(pl.col("few") >= s.min_ips)
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_p"], s.window, s.merge_gap, peak=pl.col("few").max())
    attached = attach(ev, episodes, ["_p"], inclusive=False)
    counts = ip_counts(attached)
    out = []
    first_path = pl.col("path").sort_by("ts", "line", "source").first()
    summary = summarise(attached, _ips=pl.col("ip").n_unique(), _path=first_path)
    for r in summary.iter_rows(named=True):
        sources = grouped_sources(counts[r["_ep"]], s.net_min_ips)
        facts = {"ips": r["_ips"], "path": r["_path"], "window": f"{s.window:g} s"}
        out.append(make_incident("bruteforce.stuffing", r, sources, facts))
    return out
