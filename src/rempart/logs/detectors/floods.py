"""Floods and bursts, measured against the log's own baseline in hopping windows.

Baselines come from the same log: a site with 2 requests a minute and one with
2,000 are judged by their own traffic, never below a documented floor. A log
that is mostly attack has the attack as its baseline: give the detector the
days before, or rely on the floors (``flood.ip`` still fires on them).

Each detector is a map/reduce program (:mod:`._steps`): window counts are summed
over every shard, the baseline and the flagged episodes are judged once, then
each shard summarises its own requests in those episodes. Shards hold whole IPs,
so "an IP never seen before the surge" is decided within one shard.
"""

from __future__ import annotations

import logging
import math
from functools import partial

import polars as pl

from rempart.logs import settings as st
from rempart.logs.detectors._core import (
    attach,
    clean_text,
    head,
    hopping_counts,
    is_static,
    make_incident,
    median_with_zeros,
    merge_windows,
    rows,
    summarise,
)
from rempart.logs.detectors._net import grouped_sources, networks
from rempart.logs.detectors._steps import (
    Partial,
    Program,
    Step,
    concat_lists,
    ip_counts_of,
    merge_partials,
    partial_of,
    quantile_of_counts,
    sum_by,
    summary_of,
)
from rempart.logs.model import Incident

logger = logging.getLogger(__name__)


def _per(window: float) -> str:
    return "minute" if window == 60 else f"{window:g} s"


def _site_windows(ev: pl.DataFrame, window: float, **sums: pl.Expr) -> pl.DataFrame:
    return hopping_counts(ev.with_columns(pl.lit(0).alias("_k")), ["_k"], window, **sums)


def _peaks(episodes: pl.DataFrame) -> dict[int, object]:
    return dict(zip(episodes.with_row_index("_ep")["_ep"], episodes["peak"], strict=True))


# --- flood.ip -------------------------------------------------------------------------


def _by_ip(df: pl.DataFrame) -> pl.DataFrame:
    return rows(df).with_columns(pl.col("ip").hash().alias("_h"))  # hashes group faster


def _ip_histogram(df: pl.DataFrame, shards: int, *, s: st.IpFloodSettings) -> pl.DataFrame:
    """How many (IP, window) pairs hold each request count: ``n, c``."""
    windows = hopping_counts(_by_ip(df).select("_h", "ts"), ["_h"], s.window)
    return windows.group_by("n").agg(pl.len().alias("c"))


def _ip_floods(
    df: pl.DataFrame, shards: int, *, s: st.IpFloodSettings, baseline: float, threshold: float
) -> list[Incident]:
    ev = _by_ip(df).filter(pl.len().over("_h") >= threshold)  # fewer requests: no window can flag
    windows = hopping_counts(ev.select("_h", "ts"), ["_h"], s.window)
    flagged = windows.filter(pl.col("n") >= threshold)
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_h"], s.window, s.merge_gap, peak=pl.col("n").max())
    attached = attach(ev, episodes, ["_h"], inclusive=False)
    summary = summarise(attached, _ip=pl.col("ip").first())
    peaks = _peaks(episodes)
    facts = {"window": _per(s.window), "baseline": baseline, "threshold": threshold}
    return [
        make_incident("flood.ip", r, (r["_ip"],), facts | {"peak": peaks[r["_ep"]]})
        for r in summary.iter_rows(named=True)
    ]


def flood_ip(s: st.IpFloodSettings) -> Program:
    """IPs whose requests in a window reach ``factor`` × the site's per-IP quantile."""
    histogram = yield Step(partial(_ip_histogram, s=s), sum_by(["n"]))
    baseline = quantile_of_counts(histogram, s.quantile)
    threshold = max(float(s.floor), s.factor * baseline)
    find = partial(_ip_floods, s=s, baseline=baseline, threshold=threshold)
    return (yield Step(find, concat_lists))


# --- flood.distributed -------------------------------------------------------------------


def _site_counts(df: pl.DataFrame, shards: int, *, window: float) -> pl.DataFrame:
    """Requests per site window: ``_k, _w, n``."""
    return _site_windows(rows(df).select("ip", "ts"), window)


def _error_counts(df: pl.DataFrame, shards: int, *, window: float) -> pl.DataFrame:
    """Requests and 5xx answers per site window: ``_k, _w, n, e``."""
    ev = rows(df).select("ip", "ts", "status")
    return _site_windows(ev, window, e=_is_error().cast(pl.Int64))


def _new_in_surges(
    df: pl.DataFrame, shards: int, *, episodes: pl.DataFrame, s: st.DistributedFloodSettings
) -> tuple[pl.DataFrame, Partial]:
    """Per surge: all its requests (``_ep, _total``) and a summary of those from the new
    IPs that take part in it: first seen in the surge, with ``min_requests`` in it, less
    than ``max_static_share`` of them for static files (newcomers browsing are spared)."""
    ev = rows(df).with_columns(pl.lit(0).alias("_k"))
    attached = attach(ev, episodes, ["_k"], inclusive=False)
    seen = ev.join(attached.select("ip").unique(), on="ip", how="semi")
    first_seen = seen.group_by("ip").agg(pl.col("ts").min().alias("_first"))
    new = attached.join(first_seen, on="ip").filter(pl.col("_first") >= pl.col("ep_start"))
    static = is_static(s.static_extensions).cast(pl.Int64)
    taking_part = (
        new.group_by("_ep", "ip")
        .agg(pl.len().alias("_n"), static.sum().alias("_static"))
        .filter(
            (pl.col("_n") >= s.min_requests)
            & (pl.col("_static") < s.max_static_share * pl.col("_n"))
        )
    )
    new = new.join(taking_part.select("_ep", "ip"), on=["_ep", "ip"], how="semi")
    totals = attached.group_by("_ep").agg(pl.len().alias("_total"))
    return totals, partial_of(new)


def _merge_new(parts: list[tuple[pl.DataFrame, Partial]]) -> tuple[pl.DataFrame, Partial]:
    totals = sum_by(["_ep"])([p[0] for p in parts])
    return totals, merge_partials([p[1] for p in parts])


def distributed(s: st.DistributedFloodSettings) -> Program:
    """Site-wide surges whose requests come mostly from IPs never seen before them, hammering
    pages rather than browsing."""
    windows = yield Step(partial(_site_counts, window=s.window), sum_by(["_k", "_w"]))
    if windows.is_empty():
        return []
    baseline = float(windows.select(pl.col("n").median()).item() or 0)
    threshold = max(float(s.floor), s.factor * baseline)
    flagged = windows.filter(pl.col("n") >= threshold)
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_k"], s.window, s.merge_gap, peak=pl.col("n").max())
    totals, new = yield Step(partial(_new_in_surges, episodes=episodes, s=s), _merge_new)
    summary = summary_of(new).join(totals, on="_ep", how="left")
    keep = summary.filter(
        (pl.col("_ips") >= s.min_new_ips) & (pl.col("count") >= s.min_new_share * pl.col("_total"))
    )
    peaks, counts = _peaks(episodes), ip_counts_of(new)
    out = []
    for r in keep.iter_rows(named=True):
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


# --- burst.errors ---------------------------------------------------------------------


def _is_error() -> pl.Expr:
    return (pl.col("status") >= 500) & (pl.col("status") <= 599)


def _errors_in_bursts(
    df: pl.DataFrame, shards: int, *, episodes: pl.DataFrame
) -> tuple[pl.DataFrame, Partial]:
    """Per burst: 5xx answers per path (``_ep, path, n``) and their summary."""
    ev = rows(df).with_columns(pl.lit(0).alias("_k"))
    errors = attach(ev.filter(_is_error().fill_null(False)), episodes, ["_k"], inclusive=False)
    paths = errors.group_by("_ep", head("path")).agg(pl.len().alias("n"))
    return paths, partial_of(errors)


def _merge_errors(parts: list[tuple[pl.DataFrame, Partial]]) -> tuple[pl.DataFrame, Partial]:
    paths = sum_by(["_ep", "path"])([p[0] for p in parts])
    return paths, merge_partials([p[1] for p in parts])


def error_burst(s: st.ErrorBurstSettings) -> Program:
    """Windows with many 5xx answers, far above the log's usual error count."""
    windows = yield Step(partial(_error_counts, window=s.window), sum_by(["_k", "_w"]))
    if windows.is_empty():
        return []
    baseline = float(windows.select(pl.col("e").median()).item() or 0)
    threshold = max(float(s.floor), s.factor * baseline)
    flagged = windows.filter(
        (pl.col("e") >= threshold) & (pl.col("e") >= s.min_share * pl.col("n"))
    )
    if flagged.is_empty():
        return []
    episodes = merge_windows(flagged, ["_k"], s.window, s.merge_gap, peak=pl.col("e").max())
    paths, errors = yield Step(partial(_errors_in_bursts, episodes=episodes), _merge_errors)
    top_paths = (
        paths.sort(["_ep", "n", "path"], descending=[False, True, False])
        .group_by("_ep", maintain_order=True)
        .head(3)
        .group_by("_ep")
        .agg(pl.col("path"))
    )
    paths_of = dict(zip(top_paths["_ep"], top_paths["path"], strict=True))
    peaks, counts = _peaks(episodes), ip_counts_of(errors)
    out = []
    for r in summary_of(errors).iter_rows(named=True):
        by_ip = counts[r["_ep"]].sort(["n", "ip"], descending=[True, False])
        top = by_ip.filter(pl.col("n") >= s.source_share * r["count"]).head(s.max_sources)
        facts = {
            "peak": peaks[r["_ep"]],
            "window": _per(s.window),
            "baseline": baseline,
            "threshold": threshold,
            "paths": ", ".join(clean_text(p, 60) for p in paths_of[r["_ep"]]),
        }
        out.append(make_incident("burst.errors", r, tuple(top["ip"].to_list()), facts))
    return out


# --- flood.url ------------------------------------------------------------------------


def _with_path_key(df: pl.DataFrame) -> pl.DataFrame:
    return rows(df).with_columns(pl.col("path").hash().alias("_p"))


def _hot_paths(df: pl.DataFrame, shards: int, *, s: st.UrlFloodSettings) -> pl.DataFrame:
    """Paths that may reach ``floor`` in a window on some shard: ``_p``.

    A window over the floor on the whole site holds at least ``floor / shards``
    of its requests on one of the shards, so this keeps every true candidate
    and spares the sums the long tail of paths seen a few times."""
    cut = math.ceil(s.floor / max(shards, 1))
    ev = _with_path_key(df).select("_p", "ts")
    ev = ev.filter(pl.len().over("_p") >= cut)  # fewer requests: no window can reach it
    per_path = hopping_counts(ev, ["_p"], s.window)
    return per_path.filter(pl.col("n") >= cut).select("_p").unique()


def _path_counts(
    df: pl.DataFrame, shards: int, *, s: st.UrlFloodSettings, hot: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Requests per site window (``_k, _w, n``) and per hot path and window (``_p, _w, n``)."""
    ev = _with_path_key(df)
    site = _site_windows(ev.select("ip", "ts"), s.window)
    mine = ev.select("_p", "ts").filter(pl.col("_p").is_in(hot.implode()))
    return site, hopping_counts(mine, ["_p"], s.window)


def _merge_counts(
    parts: list[tuple[pl.DataFrame, pl.DataFrame]],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    return sum_by(["_k", "_w"])([p[0] for p in parts]), sum_by(["_p", "_w"])([p[1] for p in parts])


def _url_rows(
    df: pl.DataFrame, shards: int, *, episodes: pl.DataFrame
) -> tuple[pl.DataFrame, Partial]:
    """Per episode: its path (``_ep, path``) and the summary of its requests."""
    attached = attach(_with_path_key(df), episodes, ["_p"], inclusive=False)
    paths = attached.group_by("_ep").agg(head("path").first())
    return paths, partial_of(attached)


def _merge_url(parts: list[tuple[pl.DataFrame, Partial]]) -> tuple[pl.DataFrame, Partial]:
    paths = pl.concat([p[0] for p in parts]).group_by("_ep").agg(pl.col("path").min())
    return paths, merge_partials([p[1] for p in parts])


def _union(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(parts).unique()


def url_flood(s: st.UrlFloodSettings) -> Program:
    """A path whose window is far above its own median and most of the site's traffic."""
    hot = yield Step(partial(_hot_paths, s=s), _union)
    if hot.is_empty():
        return []
    site, per_path = yield Step(partial(_path_counts, s=s, hot=hot["_p"]), _merge_counts)
    site = site.select("_w", pl.col("n").alias("_all"))
    candidates = per_path.filter(pl.col("n") >= s.floor)
    if candidates.is_empty():
        return []
    hot_windows = per_path.join(candidates.select("_p").unique(), on="_p", how="semi")
    base = median_with_zeros(hot_windows, ["_p"], site.height)
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
    paths, attached = yield Step(partial(_url_rows, episodes=episodes), _merge_url)
    path_of = dict(zip(paths["_ep"], paths["path"], strict=True))
    meta = episodes.with_row_index("_ep")
    counts = ip_counts_of(attached)
    out = []
    for r in summary_of(attached).iter_rows(named=True):
        m = meta.row(r["_ep"], named=True)
        facts = {
            "path": path_of[r["_ep"]],
            "ips": r["_ips"],
            "peak": m["peak"],
            "share": f"{m['share']:.0%}",
            "baseline": m["baseline"],
            "window": _per(s.window),
        }
        sources = grouped_sources(counts[r["_ep"]], s.net_min_ips)
        out.append(make_incident("flood.url", r, sources, facts))
    return out
