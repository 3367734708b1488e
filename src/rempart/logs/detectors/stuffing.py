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


def _logins(df: pl.DataFrame, shards: int, *, s: st.StuffingSettings) -> pl.DataFrame:
    """The logins of one shard (``_ok``: succeeded), with their lower-cased path ``_p``."""
    statuses = [*s.failure_statuses, *s.success_statuses]
    tried = pl.col("method").is_in(list(s.methods)) & pl.col("status").is_in(statuses)
    ev = rows(df).filter(tried).filter(matches(head("path"), s.path_pattern))
    ok = pl.col("status").is_in(list(s.success_statuses))
    return ev.select(*_KEEP, lower("path").alias("_p"), ok.alias("_ok"))


def stuffing(s: st.StuffingSettings) -> Program:
    """Login paths where ``min_ips`` IPs each fail at most ``max_attempts`` times in a window
    (IPs that also log in there in the window are members who mistyped)."""
    logins = yield Step(partial(_logins, s=s), concat_frames)
    ev = logins.filter(~pl.col("_ok")).drop("_ok")
    if ev.is_empty():
        return []
    members = hopping_rows(logins.filter(pl.col("_ok")).select("_p", "ip", "ts"), s.window)
    attempts = (
        hopping_rows(ev.select("_p", "ip", "ts"), s.window)
        .group_by("_p", "_w", "ip")
        .agg(pl.len().alias("a"))
        .join(members.select("_p", "_w", "ip").unique(), on=["_p", "_w", "ip"], how="anti")
    )
    windows = attempts.group_by("_p", "_w").agg((pl.col("a") <= s.max_attempts).sum().alias("few"))
    flagged = windows.filter(pl.col("few") >= s.min_ips)
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_p"], s.window, s.merge_gap, peak=pl.col("few").max())
    attached = attach(ev, episodes, ["_p"], inclusive=False)
    succeeded = attach(logins.filter(pl.col("_ok")), episodes, ["_p"], inclusive=False)
    attached = attached.join(succeeded.select("_ep", "ip").unique(), on=["_ep", "ip"], how="anti")
    counts = ip_counts(attached)
    out = []
    first_path = pl.col("path").sort_by("ts", "line", "source").first()
    summary = summarise(attached, _ips=pl.col("ip").n_unique(), _path=first_path)
    for r in summary.iter_rows(named=True):
        sources = grouped_sources(counts[r["_ep"]], s.net_min_ips)
        facts = {"ips": r["_ips"], "path": r["_path"], "window": f"{s.window:g} s"}
        out.append(make_incident("bruteforce.stuffing", r, sources, facts))
    return out
