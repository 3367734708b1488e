"""Floods and bursts, measured against the log's own baseline in hopping windows.

Baselines come from the same log: a site with 2 requests a minute and one with
2,000 are judged by their own traffic, never below a documented floor. A log
that is mostly attack has the attack as its baseline: give the detector the
days before, or rely on the floors (``flood.ip`` still fires on them).
"""

from __future__ import annotations

import logging

import polars as pl

from rempart.logs import settings as st
from rempart.logs.detectors._core import (
    attach,
    clean_text,
    head,
    hopping_counts,
    ip_counts,
    make_incident,
    median_with_zeros,
    merge_windows,
    rows,
    summarise,
)
from rempart.logs.detectors._net import grouped_sources, networks
from rempart.logs.model import Incident

logger = logging.getLogger(__name__)


def _per(window: float) -> str:
    return "minute" if window == 60 else f"{window:g} s"


def detect_flood_ip(df: pl.DataFrame, s: st.IpFloodSettings) -> list[Incident]:
    """IPs whose requests in a window reach ``factor`` × the site's per-IP quantile."""
    ev = rows(df).with_columns(pl.col("ip").hash().alias("_h"))  # hashes group faster
    if ev.is_empty():
        return []
    windows = hopping_counts(ev.select("_h", "ts"), ["_h"], s.window)
    baseline = float(windows.select(pl.col("n").quantile(s.quantile)).item() or 0)
    threshold = max(float(s.floor), s.factor * baseline)
    flagged = windows.filter(pl.col("n") >= threshold)
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_h"], s.window, s.merge_gap, peak=pl.col("n").max())
    attached = attach(ev, episodes, ["_h"], inclusive=False)
    summary = summarise(attached, _ip=pl.col("ip").first())
    peaks = dict(zip(episodes.with_row_index("_ep")["_ep"], episodes["peak"], strict=True))
    facts = {"window": _per(s.window), "baseline": baseline, "threshold": threshold}
    return [
        make_incident("flood.ip", r, (r["_ip"],), facts | {"peak": peaks[r["_ep"]]})
        for r in summary.iter_rows(named=True)
    ]


def _site_windows(ev: pl.DataFrame, window: float, **sums: pl.Expr) -> pl.DataFrame:
    return hopping_counts(ev.with_columns(pl.lit(0).alias("_k")), ["_k"], window, **sums)


def detect_distributed(df: pl.DataFrame, s: st.DistributedFloodSettings) -> list[Incident]:
    """Site-wide surges whose requests come mostly from IPs never seen before them."""
    ev = rows(df).with_columns(pl.lit(0).alias("_k"))
    if ev.is_empty():
        return []
    windows = _site_windows(ev.select("ip", "ts"), s.window)
    baseline = float(windows.select(pl.col("n").median()).item() or 0)
    threshold = max(float(s.floor), s.factor * baseline)
    flagged = windows.filter(pl.col("n") >= threshold)
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_k"], s.window, s.merge_gap, peak=pl.col("n").max())
    first_seen = ev.group_by("ip").agg(pl.col("ts").min().alias("_first"))
    attached = attach(ev, episodes, ["_k"], inclusive=False).join(first_seen, on="ip")
    new = attached.filter(pl.col("_first") >= pl.col("ep_start"))
    totals = attached.group_by("_ep").agg(pl.len().alias("_total"))
    news = new.group_by("_ep").agg(pl.len().alias("_new"), pl.col("ip").n_unique().alias("_ips"))
    keep = news.join(totals, on="_ep").filter(
        (pl.col("_ips") >= s.min_new_ips) & (pl.col("_new") >= s.min_new_share * pl.col("_total"))
    )
    if keep.is_empty():
        return []
    new = new.join(keep.select("_ep"), on="_ep", how="semi")
    peaks = dict(zip(episodes.with_row_index("_ep")["_ep"], episodes["peak"], strict=True))
    counts = ip_counts(new)
    out = []
    for r in summarise(new, _ips=pl.col("ip").n_unique()).iter_rows(named=True):
        ips = counts[r["_ep"]]
        sources = grouped_sources(ips, s.net_min_ips, s.ipv4_prefix, s.ipv6_prefix)
        facts = {
            "ips": r["_ips"],
            "networks": len(networks(ips, s.ipv4_prefix, s.ipv6_prefix)),
            "peak": peaks[r["_ep"]],
            "window": _per(s.window),
            "baseline": baseline,
            "threshold": threshold,
        }
        out.append(make_incident("flood.distributed", r, sources, facts))
    return out


def detect_error_burst(df: pl.DataFrame, s: st.ErrorBurstSettings) -> list[Incident]:
    """Windows with many 5xx answers, far above the log's usual error count."""
    ev = rows(df).with_columns(pl.lit(0).alias("_k"))
    if ev.is_empty():
        return []
    is_error = (pl.col("status") >= 500) & (pl.col("status") <= 599)
    windows = _site_windows(ev.select("ip", "ts", "status"), s.window, e=is_error.cast(pl.Int64))
    baseline = float(windows.select(pl.col("e").median()).item() or 0)
    threshold = max(float(s.floor), s.factor * baseline)
    flagged = windows.filter(
        (pl.col("e") >= threshold) & (pl.col("e") >= s.min_share * pl.col("n"))
    )
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_k"], s.window, s.merge_gap, peak=pl.col("e").max())
    errors = attach(ev.filter(is_error.fill_null(False)), episodes, ["_k"], inclusive=False)
    peaks = dict(zip(episodes.with_row_index("_ep")["_ep"], episodes["peak"], strict=True))
    counts = ip_counts(errors)
    top_paths = (
        errors.group_by("_ep", head("path"))
        .agg(pl.len().alias("n"))
        .sort(["_ep", "n", "path"], descending=[False, True, False])
        .group_by("_ep", maintain_order=True)
        .head(3)
        .group_by("_ep")
        .agg(pl.col("path"))
    )
    paths_of = dict(zip(top_paths["_ep"], top_paths["path"], strict=True))
    out = []
    for r in summarise(errors).iter_rows(named=True):
        by_ip = counts[r["_ep"]].sort(["n", "ip"], descending=[True, False])
        top = by_ip.filter(pl.col("n") >= s.source_share * r["count"]).head(s.max_sources)
        paths = ", ".join(clean_text(p, 60) for p in paths_of[r["_ep"]])
        facts = {
            "peak": peaks[r["_ep"]],
            "window": _per(s.window),
            "baseline": baseline,
            "threshold": threshold,
            "paths": paths,
        }
        out.append(make_incident("burst.errors", r, tuple(top["ip"].to_list()), facts))
    return out


def detect_url_flood(df: pl.DataFrame, s: st.UrlFloodSettings) -> list[Incident]:
    """A path whose window is far above its own median and most of the site's traffic."""
    ev = rows(df).with_columns(pl.col("path").hash().alias("_p"))
    if ev.is_empty():
        return []
    site = _site_windows(ev.select("ip", "ts"), s.window).select("_w", pl.col("n").alias("_all"))
    per_path = hopping_counts(ev.select("_p", "ts"), ["_p"], s.window)
    candidates = per_path.filter(pl.col("n") >= s.floor)
    if candidates.is_empty():
        return []
    hot = per_path.join(candidates.select("_p").unique(), on="_p", how="semi")
    base = median_with_zeros(hot, ["_p"], site.height)
    flagged = (
        candidates.join(site, on="_w")
        .join(base, on="_p", how="left")
        .with_columns(pl.col("baseline").fill_null(0), (pl.col("n") / pl.col("_all")).alias("_s"))
        .filter((pl.col("n") >= s.factor * pl.col("baseline")) & (pl.col("_s") >= s.min_share))
    )
    if flagged.is_empty():
        return []
    episodes = merge_windows(
        flagged,
        ["_p"],
        s.window,
        s.merge_gap,
        peak=pl.col("n").max(),
        share=pl.col("_s").max(),
        baseline=pl.col("baseline").max(),
    )
    attached = attach(ev, episodes, ["_p"], inclusive=False)
    meta = episodes.with_row_index("_ep")
    counts = ip_counts(attached)
    out = []
    summary = summarise(attached, _ips=pl.col("ip").n_unique(), _path=head("path").first())
    for r in summary.iter_rows(named=True):
        m = meta.row(r["_ep"], named=True)
        sources = grouped_sources(counts[r["_ep"]], s.net_min_ips)
        facts = {
            "path": r["_path"],
            "ips": r["_ips"],
            "peak": m["peak"],
            "share": f"{m['share']:.0%}",
            "baseline": m["baseline"],
            "window": _per(s.window),
        }
        out.append(make_incident("flood.url", r, sources, facts))
    return out
