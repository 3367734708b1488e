"""Credential stuffing: many IPs, each failing a few logins on the same path.

Per-IP buckets miss it by design: each address tries a handful of stolen
passwords, slowly. Counted here per login path, in hopping windows, as the
number of distinct IPs whose failures there stay few.
"""

from __future__ import annotations

import logging

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
from rempart.logs.model import Incident

logger = logging.getLogger(__name__)


def detect_stuffing(df: pl.DataFrame, s: st.StuffingSettings) -> list[Incident]:
    """Login paths where ``min_ips`` IPs each fail at most ``max_attempts`` times in a window."""
    failed = pl.col("method").is_in(list(s.methods)) & pl.col("status").is_in(
        list(s.failure_statuses)
    )
    ev = rows(df).filter(failed).filter(matches(head("path"), s.path_pattern))
    ev = ev.with_columns(lower("path").alias("_p"))
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
    summary = summarise(attached, _ips=pl.col("ip").n_unique(), _path=pl.col("path").first())
    for r in summary.iter_rows(named=True):
        sources = grouped_sources(counts[r["_ep"]], s.net_min_ips)
        facts = {"ips": r["_ips"], "path": r["_path"], "window": f"{s.window:g} s"}
        out.append(make_incident("bruteforce.stuffing", r, sources, facts))
    return out
