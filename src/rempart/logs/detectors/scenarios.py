"""The CrowdSec HTTP scenarios, as vectorised leaky buckets keyed by client IP.

Each detector is a filter (which requests pour into the bucket), an optional
``distinct`` value (CrowdSec's ``uniq``) and the bucket's thresholds from
:mod:`rempart.logs.settings`. The bucket arithmetic is in
:func:`~rempart.logs.detectors._core.bucket_episodes`. Keys are the client IP
alone (not IP and virtual host): one scanner on several sites is one incident.
"""

from __future__ import annotations

import logging

import polars as pl

from rempart.logs import settings as st
from rempart.logs.detectors._core import (
    any_of,
    attach,
    bucket_episodes,
    fingerprint,
    head,
    is_static,
    keep_matching,
    make_incident,
    matches,
    rows,
    summarise,
    where_values,
)
from rempart.logs.model import Incident

logger = logging.getLogger(__name__)


def run_bucket(
    kind: str,
    ev: pl.DataFrame,
    s: st.BucketSettings,
    distinct: pl.Expr | None = None,
    **facts: pl.Expr,
) -> list[Incident]:
    """Incidents of one leaky-bucket scenario: one per IP and overflow episode.

    ``ev`` holds the requests that pour into the bucket; ``facts`` are
    aggregates over an incident's requests, named as in the registry's summary
    template (``distinct`` is added when counting distinct values)."""
    if distinct is not None:
        ev = ev.with_columns(distinct.alias("_d"))
        facts = {"distinct": pl.col("_d").n_unique(), **facts}
    if ev.is_empty():
        return []
    episodes = bucket_episodes(ev, s, distinct is not None)
    if episodes.is_empty():
        return []
    attached = attach(ev, episodes, ["ip"], inclusive=True)
    summary = summarise(attached, _ip=pl.col("ip").first(), **facts)
    bucket = f"capacity {s.capacity}, leaks 1 per {s.leakspeed:g} s, blackhole {s.blackhole:g} s"
    out = []
    for row in summary.iter_rows(named=True):
        given = {name: row[name] for name in facts} | {"bucket": bucket}
        out.append(make_incident(kind, row, (row["_ip"],), given))
    return out


def _statuses(codes: tuple[int, ...]) -> pl.Expr:
    return pl.col("status").is_in(list(codes))


# Each filter runs the cheap test (method, status) first, on all rows, and the
# pattern only on the rows left.


def detect_probing(df: pl.DataFrame, s: st.ProbingSettings) -> list[Incident]:
    """404/403/400 answers on non-static paths, distinct by path."""
    ev = rows(df).filter(_statuses(s.statuses)).filter(~is_static(s.static_extensions))
    return run_bucket("scan.probing", ev, s, fingerprint("path"))


def detect_crawl(df: pl.DataFrame, s: st.CrawlSettings) -> list[Incident]:
    """GET/HEAD of non-static paths, distinct by path."""
    ev = rows(df).filter(pl.col("method").is_in(["GET", "HEAD"]))
    ev = where_values(ev, "path", ~is_static(s.static_extensions))
    return run_bucket("crawl.non_static", ev, s, fingerprint("path"))


def detect_wordpress_bf(df: pl.DataFrame, s: st.WordpressBfSettings) -> list[Incident]:
    """POST to wp-login.php answered 200 (a failed WordPress login)."""
    ev = rows(df).filter((pl.col("method") == "POST") & _statuses(s.statuses))
    ev = ev.filter(matches(head("path"), s.path_pattern))
    return run_bucket("bruteforce.wordpress", ev, s)


def detect_xmlrpc_bf(df: pl.DataFrame, s: st.XmlrpcBfSettings) -> list[Incident]:
    """POST to xmlrpc.php, whatever the answer."""
    ev = rows(df).filter(pl.col("method") == "POST")
    ev = ev.filter(matches(head("path"), s.path_pattern))
    return run_bucket("bruteforce.xmlrpc", ev, s)


def detect_sensitive_files(df: pl.DataFrame, s: st.SensitiveFilesSettings) -> list[Incident]:
    """Requests ending with a sensitive file name, distinct by request."""
    ev = keep_matching(rows(df), "path", s.pattern)
    served = (pl.col("status") == 200).sum()
    return run_bucket("scan.sensitive_files", ev, s, fingerprint("path", "query"), served=served)


def detect_path_traversal(df: pl.DataFrame, s: st.TraversalSettings) -> list[Incident]:
    """Traversal marks in the decoded path or query, distinct by request."""
    target = pl.concat_str(head("path"), pl.lit("?"), head("query")).alias("_target")
    ev = keep_matching(rows(df).with_columns(target), "_target", s.pattern, True)
    return run_bucket("probe.path_traversal", ev.drop("_target"), s, fingerprint("path", "query"))


def _queries(df: pl.DataFrame, pattern: str) -> pl.DataFrame:
    return keep_matching(rows(df).filter(pl.col("query") != ""), "query", pattern, True)


def detect_inclusion(df: pl.DataFrame, s: st.InclusionSettings) -> list[Incident]:
    """Stream wrappers or remote URLs as query parameters, distinct by request."""
    return run_bucket("probe.inclusion", _queries(df, s.pattern), s, fingerprint("path", "query"))


def detect_sqli(df: pl.DataFrame, s: st.SqliSettings) -> list[Incident]:
    """SQL injection marks in the decoded query, distinct by query."""
    return run_bucket("probe.sqli", _queries(df, s.pattern), s, fingerprint("query"))


def detect_xss(df: pl.DataFrame, s: st.XssSettings) -> list[Incident]:
    """Script injection marks in the decoded query, distinct by query."""
    return run_bucket("probe.xss", _queries(df, s.pattern), s, fingerprint("query"))


def detect_bad_user_agent(df: pl.DataFrame, s: st.BadAgentSettings) -> list[Incident]:
    """Requests from a known scanner user agent."""
    if not s.agents:
        return []
    pattern = any_of(s.agents)
    ev = where_values(rows(df), "ua", matches(head("ua"), pattern))
    agent = head("ua").str.to_lowercase().str.extract(pattern, 1).drop_nulls().first()
    return run_bucket("scan.bad_user_agent", ev, s, agent=agent)


def detect_admin_interface(df: pl.DataFrame, s: st.AdminProbingSettings) -> list[Incident]:
    """404/403 on administration paths, distinct by path."""
    ev = rows(df).filter(_statuses(s.statuses)).filter(matches(head("path"), s.pattern))
    return run_bucket("scan.admin_interface", ev, s, fingerprint("path"))


def detect_wordpress_scan(df: pl.DataFrame, s: st.WordpressScanSettings) -> list[Incident]:
    """404/403 on WordPress paths, distinct by request."""
    ev = rows(df).filter(_statuses(s.statuses)).filter(matches(head("path"), s.pattern))
    return run_bucket("scan.wordpress", ev, s, fingerprint("path", "query"))


def detect_generic_bf(df: pl.DataFrame, s: st.GenericBfSettings) -> list[Incident]:
    """Refused logins: any 401, or a POST answered 401/403."""
    mask = _statuses(s.statuses) | ((pl.col("method") == "POST") & _statuses(s.post_statuses))
    return run_bucket("bruteforce.generic", rows(df).filter(mask), s)


def detect_switching_ua(df: pl.DataFrame, s: st.SwitchingUaSettings) -> list[Incident]:
    """Every request, distinct by user agent."""
    return run_bucket("dos.switching_ua", rows(df), s, fingerprint("ua"))


def detect_bypass_cache(df: pl.DataFrame, s: st.BypassCacheSettings) -> list[Incident]:
    """Digit-only query strings of 7–12 digits, distinct by query."""
    ev = rows(df).filter(pl.col("query") != "").filter(matches(head("query"), s.pattern))
    return run_bucket("dos.bypass_cache", ev, s, fingerprint("query"))


def detect_random_uri(df: pl.DataFrame, s: st.RandomUriSettings) -> list[Incident]:
    """GET of random upper-case names (the pattern is case-sensitive)."""
    ev = rows(df).filter(pl.col("method") == "GET")
    ev = ev.filter(matches(head("path"), s.pattern, ignore_case=False))
    return run_bucket("dos.random_uri", ev, s)
