"""Floods, bursts and stuffing: baselines, windows, new IPs, networks, thresholds.

Built tables (``req(ip, seconds, path, status, method)``) rather than files:
each test states the traffic it needs and which sources must come out.
"""

from __future__ import annotations

from rempart.logs.detectors import DETECTORS
from rempart.logs.model import Incident
from rempart.logs.settings import Settings
from tests.logs.samples import frame, req, shuffled


def run(name: str, rows: list[dict[str, object]], settings: Settings | None = None):
    df = shuffled(frame(rows), 7)
    return DETECTORS[name](df, (settings or Settings()).of(name))


def flagged(incidents: list[Incident]) -> set[str]:
    return {s for i in incidents for s in i.sources}


def background(n_ips: int, per_minute: int, minutes: int, prefix: str = "192.0.2") -> list:
    step = 60 / per_minute
    return [
        req(f"{prefix}.{k % n_ips + 1}", k * step, f"/page/{k % 20}")
        for k in range(per_minute * minutes)
    ]


# --- flood.ip ------------------------------------------------------------------------


def test_ip_flood_straddling_a_minute_boundary_is_seen() -> None:
    # 320 requests from 10:00:45 to 10:01:15: 160 in each clock minute, all in one window
    rows = background(30, 20, 10) + [req("203.0.113.1", 45 + k * 30 / 320) for k in range(320)]
    assert flagged(run("flood.ip", rows)) == {"203.0.113.1"}


def test_ip_flood_is_judged_against_the_site_own_baseline() -> None:
    flood = [req("203.0.113.1", 300 + k * 0.1) for k in range(600)]
    quiet = background(30, 20, 10)
    assert flagged(run("flood.ip", quiet + flood)) == {"203.0.113.1"}
    # an API where 40 clients each poll 500 times a minute: 600 a minute is ordinary there
    busy = [
        req(f"198.51.100.{c}", k * 0.12 + c * 0.001, "/api/poll")
        for c in range(1, 41)
        for k in range(5000)
    ]
    assert flagged(run("flood.ip", busy + flood)) == set()


def test_ip_flood_reports_peak_and_baseline() -> None:
    rows = background(30, 20, 10) + [req("203.0.113.1", 300 + k * 0.1) for k in range(600)]
    (inc,) = run("flood.ip", rows)
    details = dict(inc.details)
    assert inc.count == 600 and details["peak"] == "600" and details["threshold"] == "300"
    assert inc.summary.startswith("203.0.113.1 sent 600 requests in 59 s, peak 600 per minute")


# --- flood.distributed ---------------------------------------------------------------


def surge(n_ips: int, total: int, start: float, net: str = "198.18") -> list:
    return [
        req(f"{net}.{k % n_ips // 200}.{k % n_ips % 200 + 1}", start + k * 60 / total)
        for k in range(total)
    ]


def test_distributed_flood_names_the_networks_of_new_ips() -> None:
    rows = background(40, 30, 60) + surge(300, 2000, 1800)
    (inc,) = run("flood.distributed", rows)
    assert set(inc.sources) == {"198.18.0.0/24", "198.18.1.0/24"}
    assert inc.count == 2000
    assert dict(inc.details)["ips"] == "300"


def test_distributed_flood_names_lone_addresses_alone() -> None:
    # 60 new addresses, each in its own /24: no network has 3 of them
    lone = [req(f"198.18.{k % 60}.9", 1800 + k * 0.03) for k in range(2000)]
    (inc,) = run("flood.distributed", background(40, 30, 60) + lone)
    assert set(inc.sources) == {f"198.18.{k}.9" for k in range(60)}
    whole = Settings().replace("flood.distributed", net_min_ips=1)
    (inc,) = run("flood.distributed", background(40, 30, 60) + lone, whole)
    assert set(inc.sources) == {f"198.18.{k}.0/24" for k in range(60)}


def test_surge_of_known_ips_is_not_a_distributed_flood() -> None:
    # the regulars suddenly all reload: a surge, but by addresses seen before it
    rows = background(100, 30, 60) + [
        req(f"192.0.2.{k % 100 + 1}", 1800 + k * 0.03) for k in range(2000)
    ]
    assert run("flood.distributed", rows) == []


def test_too_few_new_ips_or_too_small_a_surge_is_not_a_distributed_flood() -> None:
    few = surge(40, 2000, 1800)  # 40 new IPs, fewer than 50
    assert run("flood.distributed", background(40, 30, 60) + few) == []
    small = surge(300, 500, 1800)  # 500 + 30 a minute: below the 600 floor
    assert run("flood.distributed", background(40, 30, 60) + small) == []


def test_distributed_flood_groups_ipv6_by_64() -> None:
    v6 = [req(f"2001:db8:{k % 2}:0:{k % 120}::1", 1800 + k * 0.03) for k in range(2000)]
    (inc,) = run("flood.distributed", background(40, 30, 60) + v6)
    assert set(inc.sources) == {"2001:db8::/64", "2001:db8:1::/64"}


# --- burst.errors --------------------------------------------------------------------


def test_error_burst_needs_a_share_of_the_traffic() -> None:
    errors = [req("203.0.113.5", 600 + k * 0.5, "/search", 503) for k in range(100)]
    quiet = background(20, 20, 30)
    (inc,) = run("burst.errors", quiet + errors)
    assert inc.sources == ("203.0.113.5",) and inc.count == 100
    # the same 100 errors among 2,000 requests a minute are 5%: no burst
    busy = background(200, 2000, 30)
    assert run("burst.errors", busy + errors) == []


# --- flood.url -----------------------------------------------------------------------


def test_url_flood_ignores_a_path_that_is_always_this_busy() -> None:
    home = [req(f"192.0.2.{k % 50 + 1}", k * 0.15, "/") for k in range(12000)]  # 400/min
    assert run("flood.url", home) == []
    spike = [req(f"203.0.113.{k % 9 + 1}", 900 + k * 0.05, "/search") for k in range(1200)]
    (inc,) = run("flood.url", home + spike)
    assert inc.sources == ("203.0.113.0/24",)
    assert dict(inc.details)["path"] == "/search"


# --- bruteforce.stuffing -------------------------------------------------------------


def failures(n_ips: int, each: int = 2, net: str = "203.0.113") -> list:
    return [
        req(f"{net}.{k % n_ips + 1}", k * 20, "/wp-login.php", 200, "POST")
        for k in range(n_ips * each)
    ]


def test_stuffing_needs_twenty_ips_in_a_window() -> None:
    assert run("bruteforce.stuffing", failures(19)) == []
    (inc,) = run("bruteforce.stuffing", failures(20))
    assert inc.sources == ("203.0.113.0/24",) and inc.count == 40


def test_stuffing_ignores_ips_that_try_too_often_and_successes() -> None:
    heavy = [req("198.51.100.9", k, "/wp-login.php", 200, "POST") for k in range(50)]
    ok = [req(f"192.0.2.{k}", k, "/wp-login.php", 302, "POST") for k in range(1, 40)]
    assert run("bruteforce.stuffing", failures(19) + heavy + ok) == []


def test_stuffing_spread_thinner_than_the_window_is_not_flagged() -> None:
    # 30 IPs, one failure every 9 minutes: about 7 per hour
    slow = [req(f"203.0.113.{k + 1}", k * 540, "/user/login", 401, "POST") for k in range(30)]
    assert run("bruteforce.stuffing", slow) == []
    faster = Settings().replace("bruteforce.stuffing", window=6 * 3600.0)
    assert flagged(run("bruteforce.stuffing", slow, faster)) == {"203.0.113.0/24"}


def test_stuffing_names_scattered_ips_and_ipv6_networks() -> None:
    scattered = [req(f"198.51.{k}.7", k * 30, "/api/auth", 403, "POST") for k in range(17)] + [
        req(f"2001:db8:5::{k}", 600 + k, "/api/auth", 403, "POST") for k in range(1, 4)
    ]
    (inc,) = run("bruteforce.stuffing", scattered)
    assert set(inc.sources) == {f"198.51.{k}.7" for k in range(17)} | {"2001:db8:5::/64"}
    assert dict(inc.details)["ips"] == "20"
