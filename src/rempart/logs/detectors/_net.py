"""Networks of client addresses: /24 for IPv4, /64 for IPv6 by default.

Work is per *distinct* address of an incident, never per line.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

import polars as pl

logger = logging.getLogger(__name__)


@lru_cache(maxsize=65536)
def network_of(ip: str, v4_prefix: int = 24, v6_prefix: int = 64) -> str:
    """The CIDR network holding ``ip``; text that is no address is returned as is."""
    if len(ip) > 64:  # no address is that long: keep junk bounded
        return ip[:64]
    try:
        addr = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return ip
    prefix = v4_prefix if addr.version == 4 else v6_prefix
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def with_networks(
    ip_counts: pl.DataFrame, v4_prefix: int = 24, v6_prefix: int = 64
) -> pl.DataFrame:
    """``ip_counts`` (with an ``ip`` column) plus its ``net``."""
    unique = ip_counts["ip"].unique()
    mapping = pl.DataFrame(
        {"ip": unique, "net": [network_of(ip, v4_prefix, v6_prefix) for ip in unique]},
        schema={"ip": pl.String, "net": pl.String},
    )
    return ip_counts.join(mapping, on="ip", how="left")


def networks(ip_counts: pl.DataFrame, v4_prefix: int = 24, v6_prefix: int = 64) -> tuple[str, ...]:
    """Every network of ``ip_counts`` (``ip``, ``n``), most requests first."""
    nets = with_networks(ip_counts, v4_prefix, v6_prefix)
    per = nets.group_by("net").agg(pl.col("n").sum()).sort(["n", "net"], descending=[True, False])
    return tuple(per["net"].to_list())


def grouped_sources(
    ip_counts: pl.DataFrame, min_ips: int, v4_prefix: int = 24, v6_prefix: int = 64
) -> tuple[str, ...]:
    """Sources in short: a network when ``min_ips`` of its addresses take part, else the IPs.

    ``ip_counts`` has ``ip`` and ``n``; the result is ordered by requests, most first."""
    nets = with_networks(ip_counts, v4_prefix, v6_prefix)
    size = pl.col("ip").n_unique().over("net")
    label = pl.when(size >= max(min_ips, 1)).then(pl.col("net")).otherwise(pl.col("ip"))
    per = (
        nets.with_columns(label.alias("source"))
        .group_by("source")
        .agg(pl.col("n").sum())
        .sort(["n", "source"], descending=[True, False])
    )
    return tuple(per["source"].to_list())
