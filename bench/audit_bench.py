"""Audit benchmark: Rempart (thread pool, Dask) against checkdmarc, on loopback only.

Generates N campaign-like domains under ``bench.test.``, serves them from one
:class:`~rempart.testing.world.AuditWorld` (DNS, STARTTLS mail servers, an
HTTPS server for MTA-STS policies and BIMI logos, a local CA), then audits the
same domains, each run cold, with:

* Rempart on a ``LocalRunner`` (16 threads, and 32),
* Rempart on a local Dask cluster (2 processes × 16 threads),
* the anchor: ``checkdmarc.check_domains`` (serial, as its API is).

Prints a Markdown table and writes ``bench/out/audit.json``. Every socket call
of this process is checked by a loopback guard: nothing may leave 127.0.0.0/8.

    .venv/bin/python bench/audit_bench.py [--domains 1000] [--skip-dask] [--skip-anchor]
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import gc
import ipaddress
import json
import logging
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.nameserver
import dns.query
import dns.resolver
import dns.zone
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rempart.audit.config import AuditConfig, AuditTarget, Role
from rempart.testing import Route, ds_record_text, sign_zone
from rempart.testing.world import AuditWorld, MailHost

PARENT = "bench.test"
DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "audit.json"
DKIM_SELECTOR = "selector1"
SIGNED_EVERY = 10
"""One domain in ten is DNSSEC-signed (signing is the slow part of the setup)."""


def say(message: str) -> None:
    """Progress and setup messages go to stderr; the table goes to stdout."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# The generated world
# --------------------------------------------------------------------------------------

MX_A1, MX_A2, MX_B = "mx1.mail-a.test", "mx2.mail-a.test", "mx.mail-b.test"
MAIL_HOSTS = (
    MailHost("127.0.0.2", (MX_A1,)),
    MailHost("127.0.0.3", (MX_A2,)),
    MailHost("127.0.0.4", (MX_B,)),
)
SPF_INCLUDES = {
    "a": "_spf.mail-a.test",
    "b": "_spf.mail-b.test",
    "news": "_spf.newsletter.test",
    "crm": "_spf.crm.test",
    "web": "spf.web-host.test",
}
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" '
    b'viewBox="0 0 64 64" width="64" height="64"><title>Campagne</title>'
    b'<rect width="64" height="64" fill="#1a6"/></svg>\n'
)
KINDS = ("parti", "mouvement", "liste", "campagne", "comite", "collectif", "jeunes", "union")
WORDS = (
    "lyon", "marseille", "nantes", "lille", "rennes", "dijon", "avenir", "ecologie",
    "renouveau", "citoyens", "demain", "solidaire", "republique", "territoires", "agir",
)  # fmt: skip

SHARED_ZONES = {
    "mail-a.test": f"""
mail-a.test. NS ns1.dns-host.test.
{MX_A1}. A 127.0.0.2
{MX_A2}. A 127.0.0.3
_spf.mail-a.test. TXT "v=spf1 ip4:127.0.0.2 ip4:127.0.0.3 ip4:192.0.2.0/25 -all"
""",
    "mail-b.test": f"""
mail-b.test. NS ns1.dns-host.test.
{MX_B}. A 127.0.0.4
_spf.mail-b.test. TXT "v=spf1 ip4:127.0.0.4 ip6:2001:db8:b::/48 -all"
""",
    "newsletter.test": """
newsletter.test. NS ns1.dns-host.test.
_spf.newsletter.test. TXT "v=spf1 ip4:198.51.100.0/24 include:_spf2.newsletter.test -all"
_spf2.newsletter.test. TXT "v=spf1 ip4:203.0.113.0/24 -all"
""",
    "crm.test": """
crm.test. NS ns1.dns-host.test.
_spf.crm.test. TXT "v=spf1 a:out.crm.test ip4:198.51.100.128/25 -all"
out.crm.test. A 198.51.100.130
""",
    "web-host.test": """
web-host.test. NS ns1.dns-host.test.
spf.web-host.test. TXT "v=spf1 ip4:192.0.2.128/25 -all"
sites.web-host.test. A 192.0.2.80
static.web-host.test. A 127.0.0.1
""",
    "dns-host.test": """
dns-host.test. NS ns1.dns-host.test.
ns1.dns-host.test. A 192.0.2.53
ns2.dns-host.test. A 198.51.100.53
""",
}


@dataclass
class Plan:
    """What the generator produced: zones, routes, targets and how they mix."""

    zones: dict[str, str | dns.zone.Zone] = field(default_factory=dict)
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    targets: list[AuditTarget] = field(default_factory=list)
    mix: dict[str, int] = field(default_factory=dict)
    build_s: float = 0.0
    sign_s: float = 0.0


def dkim_keys(count: int = 3) -> list[str]:
    """``p=`` values of ``count`` fresh RSA-2048 keys (made once, shared by all domains)."""
    keys = []
    for _ in range(count):
        public = rsa.generate_private_key(65537, 2048).public_key()
        der = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        keys.append(base64.b64encode(der).decode())
    return keys


def txt(value: str) -> str:
    """TXT rdata split into 255-byte strings."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def _soa(d: str) -> str:
    return f"{d}. SOA ns1.dns-host.test. hostmaster.{d}. 2025010101 7200 3600 1209600 3600"


def _zone(origin: str, body: str) -> str:
    return f"$TTL 300\n{_soa(origin)}\n{body.strip()}\n"


def domain_names(count: int, rng: random.Random) -> list[str]:
    """Unique, campaign-looking names: ``mouvement-lyon-0042.bench.test``."""
    return [f"{rng.choice(KINDS)}-{rng.choice(WORDS)}-{i:04d}.{PARENT}" for i in range(count)]


def _mail_lines(
    d: str, rng: random.Random, keys: list[str], plan: Plan, mix: dict[str, int]
) -> list[str]:
    lines: list[str] = []
    provider = "a" if rng.random() < 0.6 else "b"
    if rng.random() < 0.02:
        mix["mx_missing"] += 1
    elif provider == "a":
        lines += [f"{d}. MX 10 {MX_A1}.", f"{d}. MX 20 {MX_A2}."]
    else:
        lines.append(f"{d}. MX 10 {MX_B}.")
    # SPF: the provider plus 0-2 other services, so 1-3 includes in all
    others = rng.sample(["news", "crm", "web"], rng.choice((0, 1, 1, 2)))
    includes = " ".join(f"include:{SPF_INCLUDES[k]}" for k in [provider, *others])
    spf_all = rng.choices(["-all", "~all", "?all", None], [55, 35, 5, 5])[0]
    if spf_all is None:
        mix["spf_missing"] += 1
    else:
        lines.append(f'{d}. TXT "v=spf1 mx {includes} {spf_all}"')
    # DMARC: mixed policies and report addresses
    policy = rng.choices(["reject", "quarantine", "none", None], [35, 30, 25, 10])[0]
    if policy is None:
        mix["dmarc_missing"] += 1
    else:
        mix[f"dmarc_{policy}"] += 1
        rua_kind = rng.choices(["own", "vendor", "none"], [70, 20, 10])[0]
        rua = ""
        if rua_kind == "own":
            rua = f"; rua=mailto:dmarc@{d}"
        elif rua_kind == "vendor":
            rua = "; rua=mailto:reports@dmarc-vendor.test"
            if rng.random() < 0.75:  # the vendor authorises most of its customers
                plan.zones["dmarc-vendor.test."] += (
                    f'{d}._report._dmarc.dmarc-vendor.test. TXT "v=DMARC1"\n'
                )
        pct = "; pct=50" if policy == "quarantine" and rng.random() < 0.2 else ""
        lines.append(f'_dmarc.{d}. TXT "v=DMARC1; p={policy}{pct}{rua}"')
    if rng.random() < 0.9:
        mix["dkim"] += 1
        key = rng.choice(keys)
        lines.append(f"{DKIM_SELECTOR}._domainkey.{d}. TXT {txt('v=DKIM1; k=rsa; p=' + key)}")
    if rng.random() < 0.3:
        mix["mta_sts"] += 1
        mode = "enforce" if rng.random() < 0.8 else "testing"
        mx = "mx: *.mail-a.test" if provider == "a" else f"mx: {MX_B}"
        policy_text = f"version: STSv1\nmode: {mode}\n{mx}\nmax_age: 604800\n"
        lines += [f'_mta-sts.{d}. TXT "v=STSv1; id=20250101"', f"mta-sts.{d}. A 127.0.0.1"]
        plan.routes[(f"mta-sts.{d}", "/.well-known/mta-sts.txt")] = Route(body=policy_text.encode())
    if rng.random() < 0.4:
        mix["tlsrpt"] += 1
        lines.append(f'_smtp._tls.{d}. TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{d}"')
    if rng.random() < 0.1:
        mix["bimi"] += 1
        label = d.split(".")[0]
        lines.append(
            f'default._bimi.{d}. TXT "v=BIMI1; l=https://static.web-host.test/logos/{label}.svg"'
        )
        plan.routes[("static.web-host.test", f"/logos/{label}.svg")] = Route(
            body=LOGO, headers=(("Content-Type", "image/svg+xml"),)
        )
    return lines


def _web_only_lines(d: str, rng: random.Random, mix: dict[str, int]) -> list[str]:
    lines = [f"{d}. MX 0 .", f'{d}. TXT "v=spf1 -all"']
    if rng.random() < 0.9:
        lines.append(f'_dmarc.{d}. TXT "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s"')
    else:
        mix["dmarc_missing"] += 1
    return lines


def build_plan(count: int, seed: int = 2027) -> Plan:
    """Zones (one per domain, text; signed ones as Zone objects), routes and targets."""
    started = time.perf_counter()
    rng = random.Random(seed)
    plan = Plan()
    mix: dict[str, int] = dict.fromkeys(
        ("mail", "web_only", "signed", "dkim", "mta_sts", "tlsrpt", "bimi", "caa", "single_ns",
         "dangling_cname", "mx_missing", "spf_missing", "dmarc_missing", "dmarc_reject",
         "dmarc_quarantine", "dmarc_none"), 0)  # fmt: skip
    keys = dkim_keys(3)
    plan.zones["dmarc-vendor.test."] = _zone(
        "dmarc-vendor.test",
        f"dmarc-vendor.test. NS ns1.dns-host.test.\ndmarc-vendor.test. MX 10 {MX_B}.",
    )
    parent = [f"{PARENT}. NS ns1.dns-host.test.", f"{PARENT}. NS ns2.dns-host.test."]
    sign_s = 0.0
    for i, d in enumerate(domain_names(count, rng)):
        lines = [f"{d}. NS ns1.dns-host.test."]
        if rng.random() < 0.95:
            lines.append(f"{d}. NS ns2.dns-host.test.")
        else:
            mix["single_ns"] += 1
        lines.append(f"{d}. A 192.0.2.{80 + i % 100}")
        lines.append(
            f"www.{d}. CNAME sites.web-host.test."
            if rng.random() < 0.7
            else f"www.{d}. A 192.0.2.81"
        )
        if rng.random() < 0.6:
            mix["caa"] += 1
            lines.append(f'{d}. CAA 0 issue "letsencrypt.org"')
        if rng.random() < 0.3:
            lines.append(f'{d}. TXT "site-verification={rng.getrandbits(64):016x}"')
        if rng.random() < 0.03:
            mix["dangling_cname"] += 1
            lines.append(f"dons.{d}. CNAME {d.split('.')[0]}.gone-cloud.test.")
        if rng.random() < 0.85:
            mix["mail"] += 1
            lines += _mail_lines(d, rng, keys, plan, mix)
            plan.targets.append(AuditTarget(d, Role.MAIL))
        else:
            mix["web_only"] += 1
            lines += _web_only_lines(d, rng, mix)
            plan.targets.append(AuditTarget(d, Role.NONSENDING))
        text = _zone(d, "\n".join(lines))
        parent += [f"{d}. NS ns1.dns-host.test."]
        if i % SIGNED_EVERY == SIGNED_EVERY // 2:
            t0 = time.perf_counter()
            signed = sign_zone(dns.zone.from_text(text, origin=d + ".", relativize=False))
            sign_s += time.perf_counter() - t0
            plan.zones[d + "."] = signed.zone
            parent.append(ds_record_text(d + ".", signed.ds))
            mix["signed"] += 1
        else:
            plan.zones[d + "."] = text
    plan.zones[PARENT + "."] = _zone(PARENT, "\n".join(parent))
    plan.routes[("static.web-host.test", "/robots.txt")] = Route(body=b"User-agent: *\n")
    for origin, body in SHARED_ZONES.items():
        plan.zones[origin + "."] = _zone(origin, body)
    plan.zones["0.0.127.in-addr.arpa."] = _zone(
        "0.0.127.in-addr.arpa",
        "0.0.127.in-addr.arpa. NS ns1.dns-host.test.\n"
        + "\n".join(
            f"{h.address.split('.')[-1]}.0.0.127.in-addr.arpa. PTR {h.names[0]}."
            for h in MAIL_HOSTS
        ),
    )
    plan.mix = mix
    plan.sign_s = sign_s
    plan.build_s = time.perf_counter() - started
    return plan


# --------------------------------------------------------------------------------------
# Measuring: loopback guard, RSS, caches, progress
# --------------------------------------------------------------------------------------


def _is_local(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]")
    if text in ("", "localhost"):
        return True
    try:
        ip = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _own_names_in_hosts_file() -> frozenset[str]:
    """This machine's host name, when /etc/hosts answers for it (no DNS involved)."""
    name = socket.gethostname()
    try:
        hosts = Path("/etc/hosts").read_text()
    except OSError:
        return frozenset()
    for line in hosts.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) > 1 and name in fields[1:]:
            return frozenset({name})
    return frozenset()


class LoopbackGuard:
    """Refuse (and record) every socket call of this process that would leave loopback.

    Patches ``socket.getaddrinfo``, ``gethostbyname[_ex]``, ``gethostbyaddr`` and
    ``socket.socket.connect/connect_ex/sendto``: a host name or a non-loopback
    address raises ``OSError`` and is recorded with its call site. The one
    exception is this machine's own name when ``/etc/hosts`` lists it (smtplib
    looks it up for its EHLO name): allowed and counted. Dask worker processes
    are separate and not covered.
    """

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.own_lookups: collections.Counter[str] = collections.Counter()
        self.own_names = _own_names_in_hosts_file()
        self._saved: list[tuple[Any, str, Any, bool]] = []

    @staticmethod
    def _caller() -> str:
        stack = traceback.extract_stack(limit=10)[:-2]
        return next(
            (f"{Path(f.filename).name}:{f.lineno}" for f in reversed(stack)
             if "audit_bench" not in f.filename and not f.filename.endswith("socket.py")),
            "?",
        )  # fmt: skip

    def _record(self, what: str) -> None:
        self.blocked.append(f"{what} from {self._caller()}")

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, owner.__dict__.get(name), name in owner.__dict__))
        setattr(owner, name, value)

    def __enter__(self) -> LoopbackGuard:
        guard = self
        getaddrinfo = socket.getaddrinfo

        def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not _is_local(host):
                guard._record(f"getaddrinfo({host!r})")
                raise socket.gaierror(socket.EAI_NONAME, "blocked by the bench loopback guard")
            return getaddrinfo(host, *args, **kwargs)

        def lookup(name: str) -> Callable[..., Any]:
            original = getattr(socket, name)
            error = socket.herror if name == "gethostbyaddr" else socket.gaierror

            def guarded(host: Any, *args: Any) -> Any:
                if host in guard.own_names:
                    guard.own_lookups[f"{name}({host!r}) from {guard._caller()}"] += 1
                elif not _is_local(host):
                    guard._record(f"{name}({host!r})")
                    raise error(socket.EAI_NONAME, "blocked by the bench loopback guard")
                return original(host, *args)

            return guarded

        def sockcall(name: str, address_index: int) -> Callable[..., Any]:
            original = getattr(socket.socket, name)

            def guarded(sock: socket.socket, *args: Any) -> Any:
                address = args[address_index] if len(args) > address_index else None
                if isinstance(address, tuple) and not _is_local(address[0]):
                    guard._record(f"socket.{name}({address!r})")
                    raise OSError(f"{address!r}: blocked by the bench loopback guard")
                return original(sock, *args)

            return guarded

        self._patch(socket, "getaddrinfo", guarded_getaddrinfo)
        for name in ("gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
            self._patch(socket, name, lookup(name))
        self._patch(socket.socket, "connect", sockcall("connect", 0))
        self._patch(socket.socket, "connect_ex", sockcall("connect_ex", 0))
        self._patch(socket.socket, "sendto", sockcall("sendto", -1))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, value, present in reversed(self._saved):
            if present:
                setattr(owner, name, value)
            else:
                delattr(owner, name)
        self._saved.clear()


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux ``clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def current_rss_mib() -> float:
    """RSS now (``VmRSS``), 0 where /proc is missing."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib() -> float:
    """Peak RSS since the last reset (``VmHWM``), else ``getrusage`` for the process life."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return rusage_peak_mib(resource.getrusage(resource.RUSAGE_SELF))


def rusage_peak_mib(usage: Any) -> float:
    """``ru_maxrss`` in MiB (kilobytes on Linux, bytes on macOS)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return float(usage.ru_maxrss) / scale


def clear_all_caches() -> None:
    """Forget every process-wide cache, so that each run starts cold, and collect them."""
    import checkdmarc.dnssec
    import checkdmarc.smtp
    import checkdmarc.utils

    from rempart.audit.job import clear_caches
    from rempart.net import dns as rdns

    with rdns._clients_lock:
        rdns._clients.clear()
    clear_caches()
    # checkdmarc's caches: its own runs, and rempart's SPF parsing (parse_spf_record
    # caches its include lookups in checkdmarc.utils.DNS_CACHE too).
    for cache in (
        checkdmarc.utils.DNS_CACHE,
        checkdmarc.utils._NAMESERVER_FAILURES,
        checkdmarc.dnssec.DNSSEC_CACHE,
        checkdmarc.dnssec.DNSKEY_CACHE,
        checkdmarc.dnssec.TLSA_CACHE,
        checkdmarc.smtp.TLS_CACHE,
        checkdmarc.smtp.STARTTLS_CACHE,
    ):
        cache.clear()
    # What was just dropped is mostly cyclic garbage (dnspython answers): free it now,
    # outside any timing, or the next run's first full collection pays for it (seconds).
    gc.collect()


class GcWatch:
    """Time spent in Python's garbage collector (which stops every thread of the process)."""

    def __init__(self) -> None:
        self.total = 0.0
        self.longest = 0.0
        self.collections = 0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        spent = time.perf_counter() - self._started
        self.total += spent
        self.longest = max(self.longest, spent)
        self.collections += 1

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


class Progress:
    """``label: done/total (rate/s)`` lines on stderr, about ten per run."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.step = max(1, total // 10)
        self.started = time.perf_counter()

    def __call__(self, done: int, *_: object) -> None:
        if done % self.step == 0 or done == self.total:
            elapsed = time.perf_counter() - self.started
            rate = done / elapsed if elapsed > 0 else 0.0
            say(f"  {self.label}: {done}/{self.total} ({rate:.0f} domains/s)")


@dataclass
class Row:
    """One measured run."""

    name: str
    tool: str
    engine: str
    wall_s: float
    domains: int
    dns_queries: int
    findings: int
    errors: int | None
    peak_rss_mib: float
    rss_note: str
    startup_s: float | None = None
    shutdown_s: float | None = None
    worker_peak_rss_mib: list[float] | None = None
    blocked_network_calls: int = 0
    cpu_s: float = 0.0
    """CPU time of this process during the run (all its threads, servers included)."""
    store_s: float | None = None
    """Wall time inside ``Store.record_scope`` (Rempart only), GIL waits included."""
    rss_start_mib: float = 0.0
    """RSS when the run started: memory kept from setup and earlier runs."""
    gc_s: float = 0.0
    """Time this process spent in garbage collections during the run (all threads stopped)."""
    gc_longest_s: float = 0.0
    """The longest single collection."""
    dns_load: float | None = None
    """Queries/s of the run over the DNS server's measured ceiling."""

    @property
    def domains_per_s(self) -> float:
        return self.domains / self.wall_s if self.wall_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["domains_per_s"] = round(self.domains_per_s, 2)
        data["queries_per_domain"] = round(self.dns_queries / max(1, self.domains), 1)
        data["wall_s"] = round(self.wall_s, 3)
        data["peak_rss_mib"] = round(self.peak_rss_mib, 1)
        data["cpu_s"] = round(self.cpu_s, 2)
        data["rss_start_mib"] = round(self.rss_start_mib, 1)
        data["gc_s"] = round(self.gc_s, 2)
        data["gc_longest_s"] = round(self.gc_longest_s, 3)
        if self.store_s is not None:
            data["store_s"] = round(self.store_s, 2)
        for key in ("startup_s", "shutdown_s"):
            if data[key] is not None:
                data[key] = round(data[key], 2)
        return data


# --------------------------------------------------------------------------------------
# Rempart runs
# --------------------------------------------------------------------------------------


@dataclass
class Measured:
    """A run's row and the set of (scope, check, target) it found."""

    row: Row
    keys: set[tuple[str, str, str]]
    incomplete: set[str] = field(default_factory=set)
    """Domains where some check could not run (a DNS timeout…): left out of comparisons."""


def run_rempart(
    name: str,
    engine: str,
    make_runner: Callable[[], Any],
    world: AuditWorld,
    config: AuditConfig,
    targets: Sequence[AuditTarget],
    workdir: Path,
    guard: LoopbackGuard,
) -> Measured:
    """One cold Rempart run: fresh SQLite store, fresh=True, caches cleared."""
    from rempart.audit.run import run_audit
    from rempart.store import Store

    clear_all_caches()
    store = Store.open(str(workdir / f"{name.replace(' ', '_')}.db"))
    startup = None
    t0 = time.perf_counter()
    runner = make_runner()
    if engine == "dask":
        startup = time.perf_counter() - t0
        say(f"  LocalCluster started in {startup:.1f} s (not counted in the run)")
    store_s = [0.0]
    record_scope = store.record_scope

    def timed_record_scope(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return record_scope(*args, **kwargs)
        finally:
            store_s[0] += time.perf_counter() - started

    store.record_scope = timed_record_scope  # type: ignore[method-assign]
    blocked_before = len(guard.blocked)
    rss_start = current_rss_mib()
    rss_reset = reset_peak_rss()
    world.dns.reset_counts()
    try:
        with GcWatch() as gcw:
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            report = run_audit(
                targets, config, store, runner, fresh=True, progress=Progress(name, len(targets))
            )
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
        queries = sum(world.dns.queries.values())
        peak = peak_rss_mib()
        workers = _worker_peaks(runner) if engine == "dask" else None
    finally:
        t1 = time.perf_counter()
        runner.close()
        shutdown = time.perf_counter() - t1
        store.close()
    note = "this process" if rss_reset else "process lifetime (ru_maxrss)"
    if engine == "dask":
        note += "; workers are separate processes (their peaks listed apart)"
    keys = {(f.scope, f.check, f.target) for f in report.findings}
    row = Row(
        name=name,
        tool="rempart",
        engine=engine,
        wall_s=wall,
        domains=len(targets),
        dns_queries=queries,
        findings=len(report.findings),
        errors=len(report.errors),
        peak_rss_mib=peak,
        rss_note=note,
        startup_s=startup,
        shutdown_s=shutdown if engine == "dask" else None,
        worker_peak_rss_mib=workers,
        blocked_network_calls=len(guard.blocked) - blocked_before,
        cpu_s=cpu,
        store_s=store_s[0],
        rss_start_mib=rss_start,
        gc_s=gcw.total,
        gc_longest_s=gcw.longest,
    )
    if report.errors:
        say(f"  {name}: {len(report.errors)} check errors, first: {report.errors[0]}")
    return Measured(row, keys, {o.scope for o in report.outcomes if o.errors})


def _worker_peaks(runner: Any) -> list[float] | None:
    """Peak RSS (MiB) of each Dask worker process, asked from the workers themselves."""
    client = getattr(runner, "_client", None)
    if client is None:
        return None
    try:
        usages = client.run(resource.getrusage, resource.RUSAGE_SELF)
    except Exception as exc:  # a missing number must not sink the bench
        say(f"  could not read the Dask workers' RSS: {exc}")
        return None
    return [round(rusage_peak_mib(u), 1) for u in usages.values()]


# --------------------------------------------------------------------------------------
# The anchor: checkdmarc
# --------------------------------------------------------------------------------------

ANCHOR_DOES = (
    "check_domains(): SOA, NS, MX (+ each MX host's A/AAAA, CNAME, PTR, DNSSEC, TLSA), "
    "SPF (with includes), DMARC, SMTP TLS reporting, MTA-STS (record + policy over HTTPS), "
    "BIMI (record + logo download), DNSSEC of the domain (DS/DNSKEY via the local server)"
)
ANCHOR_SKIPS = (
    "check_mx_tls=False (its default): STARTTLS/TLS probing connects to the MX name on "
    "ports 25/465 through the OS resolver and cannot be pointed at the world's port, so "
    "no SMTP connection is made; no DKIM (checkdmarc has no DKIM check); no CAA, "
    "dangling-CNAME or wildcard checks; results are returned, not stored (no history, "
    "no resume)"
)
ANCHOR_PATCHED = (
    "HTTPS fetches (MTA-STS policy, BIMI logo) use checkdmarc's own code with a requests "
    "transport adapter that resolves the host through the world's DNS server and connects "
    "to the world's HTTPS port with the world's CA (real checkdmarc uses the OS resolver "
    "and port 443)"
)


class LoopbackAdapter:
    """A ``requests`` transport: resolve via the world's DNS, connect to its HTTPS port.

    One fresh TLS connection per request, as checkdmarc's one-session-per-call does.
    """

    def __init__(self, world: AuditWorld, timeout: float) -> None:
        import requests.adapters

        host, port = world.dns.address
        self._resolver = dns.resolver.Resolver(configure=False)
        self._resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port)]
        self._resolver.timeout = self._resolver.lifetime = timeout
        assert world.https_port, "the world serves HTTPS"
        self._port = world.https_port
        self._ca_file = str(world.ca_file)
        self._base = requests.adapters.HTTPAdapter()
        self.requests = 0

    def send(self, request: Any, stream: bool = False, timeout: Any = None, **_: Any) -> Any:
        import requests
        import urllib3

        self.requests += 1
        parts = urllib.parse.urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https":
            raise requests.ConnectionError(f"{parts.scheme}:// is not served by the bench world")
        try:
            address = self._resolver.resolve(host + ".", "A")[0].address
        except dns.exception.DNSException as exc:
            raise requests.ConnectionError(f"{host} does not resolve: {exc}") from exc
        if not ipaddress.ip_address(address).is_loopback:
            raise requests.ConnectionError(f"{host} is {address}, outside loopback: not fetched")
        seconds = timeout if isinstance(timeout, (int, float)) else 2.0
        pool = urllib3.HTTPSConnectionPool(
            address, self._port, server_hostname=host, assert_hostname=host,
            ca_certs=self._ca_file, cert_reqs="CERT_REQUIRED", maxsize=1,
        )  # fmt: skip
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {**dict(request.headers), "Host": host}
        try:
            raw = pool.urlopen(
                request.method, path, body=request.body, headers=headers, redirect=False,
                retries=False, timeout=urllib3.Timeout(connect=seconds, read=seconds),
            )  # fmt: skip
            body = raw.data
        except urllib3.exceptions.HTTPError as exc:
            raise requests.ConnectionError(str(exc)) from exc
        finally:
            pool.close()
        response = self._base.build_response(request, raw)
        response._content = body
        return response

    def close(self) -> None:
        self._base.close()


@contextlib.contextmanager
def checkdmarc_on_loopback(adapter: LoopbackAdapter) -> Iterator[None]:
    """Give checkdmarc's MTA-STS and BIMI modules sessions that use ``adapter``."""
    import checkdmarc.bimi
    import checkdmarc.mta_sts
    import requests

    def session() -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        s.mount("https://", adapter)  # type: ignore[arg-type]
        s.mount("http://", adapter)  # type: ignore[arg-type]
        return s

    shim = types.SimpleNamespace(Session=session, RequestException=requests.RequestException)
    saved = (checkdmarc.mta_sts.requests, checkdmarc.bimi.requests)
    checkdmarc.mta_sts.requests = shim  # type: ignore[assignment]
    checkdmarc.bimi.requests = shim  # type: ignore[assignment]
    quiet = logging.getLogger("checkdmarc")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # it warns per domain (no DS, no PTR…): not our output
    try:
        yield
    finally:
        checkdmarc.mta_sts.requests, checkdmarc.bimi.requests = saved  # type: ignore[assignment]
        quiet.setLevel(level)


def anchor_issues(result: dict[str, Any]) -> int:
    """Warnings plus errors over the sections of one checkdmarc result."""
    count = 0
    for key in ("soa", "ns", "mx", "spf", "dmarc", "mta_sts", "smtp_tls_reporting", "bimi"):
        section = result.get(key)
        if isinstance(section, dict):
            count += len(section.get("warnings") or ())
            count += 1 if section.get("error") else 0
    return count


def run_anchor(
    world: AuditWorld, targets: Sequence[AuditTarget], timeout: float, guard: LoopbackGuard
) -> tuple[Row, dict[str, Any]]:
    """checkdmarc.check_domains on the same domains, serial, against the world only."""
    import checkdmarc

    host, port = world.dns.address
    nameservers = [dns.nameserver.Do53Nameserver(host, port)]
    mail = [t.domain for t in targets if t.role == Role.MAIL]
    parked = [t.domain for t in targets if t.role != Role.MAIL]
    clear_all_caches()
    adapter = LoopbackAdapter(world, timeout)
    progress = Progress("checkdmarc", len(targets))
    results: list[dict[str, Any]] = []
    blocked_before = len(guard.blocked)
    rss_start = current_rss_mib()
    rss_reset = reset_peak_rss()
    world.dns.reset_counts()
    chunk = 25  # check_domains returns only at the end: chunks give progress, same work
    with checkdmarc_on_loopback(adapter), GcWatch() as gcw:
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        for domains, is_parked in ((mail, False), (parked, True)):
            for i in range(0, len(domains), chunk):
                out = checkdmarc.check_domains(
                    domains[i : i + chunk], parked=is_parked, nameservers=nameservers,
                    timeout=timeout, retries=0, check_mx_tls=False,
                )  # fmt: skip
                results.extend([out] if isinstance(out, dict) else out)
                progress(len(results))
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    queries = sum(world.dns.queries.values())
    peak = peak_rss_mib()
    adapter.close()
    if queries == 0:
        raise RuntimeError("checkdmarc sent no query to the local DNS server")
    issues = sum(anchor_issues(r) for r in results)
    signed = sum(1 for r in results if r.get("dnssec") is True)
    row = Row(
        name="checkdmarc check_domains (serial)",
        tool="checkdmarc",
        engine="serial",
        wall_s=wall,
        domains=len(results),
        dns_queries=queries,
        findings=issues,
        errors=None,
        peak_rss_mib=peak,
        rss_note="this process" if rss_reset else "process lifetime (ru_maxrss)",
        blocked_network_calls=len(guard.blocked) - blocked_before,
        cpu_s=cpu,
        rss_start_mib=rss_start,
        gc_s=gcw.total,
        gc_longest_s=gcw.longest,
    )
    details = {
        "version": checkdmarc.__version__,
        "call": "check_domains(chunk, parked=<role is not mail>, "
        f"nameservers=[Do53Nameserver({host!r}, {port})], timeout={timeout}, retries=0, "
        "check_mx_tls=False)",
        "parallel_option": "none: check_domains checks domains one after the other "
        "(its only pacing option is wait=, a sleep between domains)",
        "checks": ANCHOR_DOES,
        "not_checked": ANCHOR_SKIPS,
        "adapted": ANCHOR_PATCHED,
        "https_requests": adapter.requests,
        "dnssec_true": signed,
        "findings_meaning": "warnings + errors over its result sections (no severities)",
    }
    return row, details


# --------------------------------------------------------------------------------------
# DNS server ceiling
# --------------------------------------------------------------------------------------

_QPS_CLIENT = """
import sys, threading, time
import dns.message, dns.query
host, port, seconds, threads = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
names = sys.argv[5:]
counts = [0] * threads
def work(k):
    end = time.perf_counter() + seconds
    i = k
    while time.perf_counter() < end:
        q = dns.message.make_query(names[i % len(names)], "TXT")
        dns.query.udp(q, host, port=port, timeout=2)
        counts[k] += 1
        i += threads
ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
t0 = time.perf_counter()
[t.start() for t in ts]
[t.join() for t in ts]
print(sum(counts) / (time.perf_counter() - t0))
"""


def dns_ceiling(
    world: AuditWorld, targets: Sequence[AuditTarget], seconds: float
) -> dict[str, Any]:
    """Queries/s the world's DNS server answers, with clients in-process and out."""
    host, port = world.dns.address
    names = [f"_dmarc.{t.domain}" for t in targets[:50]] + [
        f"{DKIM_SELECTOR}._domainkey.{t.domain}" for t in targets[:50]
    ]
    threads = 16
    counts = [0] * threads

    def work(k: int) -> None:
        end = time.perf_counter() + seconds
        i = k
        while time.perf_counter() < end:
            dns.query.udp(
                dns.message.make_query(names[i % len(names)], "TXT"), host, port=port, timeout=2
            )
            counts[k] += 1
            i += threads

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    in_process = sum(counts) / (time.perf_counter() - t0)
    out = subprocess.run(
        [sys.executable, "-c", _QPS_CLIENT, host, str(port), str(seconds), str(threads), *names],
        capture_output=True, text=True, timeout=seconds + 60, check=False,
    )  # fmt: skip
    other_process = float(out.stdout.strip()) if out.returncode == 0 else None
    world.dns.reset_counts()
    return {
        "client_threads": threads,
        "qps_client_in_this_process": round(in_process),
        "qps_client_in_another_process": round(other_process) if other_process else None,
        "query": "TXT of _dmarc.* and DKIM names (large answers), UDP, dnspython client",
    }


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def markdown(rows: Sequence[Row]) -> str:
    head = (
        "| Tool (engine) | Wall s | Domains/s | DNS queries | Queries/domain | Findings "
        "| Peak RSS MiB (at start) | CPU s, this process |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        rss = f"{r.peak_rss_mib:.0f} ({r.rss_start_mib:.0f})"
        if r.worker_peak_rss_mib:
            rss += " + workers " + " / ".join(f"{w:.0f}" for w in r.worker_peak_rss_mib)
        lines.append(
            f"| {r.name} | {r.wall_s:.1f} | {r.domains_per_s:.1f} | {r.dns_queries:,} "
            f"| {r.dns_queries / max(1, r.domains):.1f} | {r.findings:,} | {rss} | {r.cpu_s:.1f} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--domains", type=int, default=1000, help="domains to generate (1000)")
    parser.add_argument("--skip-dask", action="store_true", help="no Dask run")
    parser.add_argument("--skip-anchor", action="store_true", help="no checkdmarc run")
    parser.add_argument(
        "--workers", default="16,32", help="LocalRunner thread counts, comma-separated (16,32)"
    )
    parser.add_argument("--dask-threads", type=int, default=16, help="threads per Dask worker (16)")
    parser.add_argument(
        "--qps-seconds", type=float, default=2.0, help="DNS server ceiling probe length (0: skip)"
    )
    parser.add_argument("--seed", type=int, default=2027, help="generator seed (2027)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output path")
    args = parser.parse_args(argv)
    if args.domains < 1:
        parser.error("--domains must be at least 1")
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns what it wrote to the JSON file."""
    from rempart.engine import DaskRunner, LocalRunner

    args = parse_args(argv)
    facts = machine()
    say(f"Rempart audit benchmark: {args.domains} domains, {facts['cpus']} CPUs")
    say("generating zones…")
    plan = build_plan(args.domains, args.seed)
    signed = f"{plan.mix['signed']} signed in {plan.sign_s:.1f} s"
    say(f"  {len(plan.zones)} zones in {plan.build_s:.1f} s ({signed})")
    t0 = time.perf_counter()
    world = AuditWorld(plan.zones, MAIL_HOSTS, plan.routes)
    world.start()
    world_s = time.perf_counter() - t0
    say(f"  world started in {world_s:.1f} s (DNS server {world.resolver})")
    # Production DNS timeout (3 s: 1 s per try, so a lost or late UDP answer is retried),
    # not the world's test default of 1 s, for Rempart and checkdmarc alike.
    config = world.config(dns_timeout=AuditConfig().dns_timeout)
    rows: list[Row] = []
    measured: dict[str, Measured] = {}
    anchor: dict[str, Any] | None = None
    ceiling: dict[str, Any] | None = None
    guard = LoopbackGuard()
    try:
        with guard, tempfile.TemporaryDirectory(prefix="rempart-bench-") as tmp:
            workdir = Path(tmp)
            if args.qps_seconds > 0:
                say("measuring the DNS server alone…")
                ceiling = dns_ceiling(world, plan.targets, args.qps_seconds)
                say(
                    f"  {ceiling['qps_client_in_this_process']} q/s (client in this process), "
                    f"{ceiling['qps_client_in_another_process']} q/s (client in another one)"
                )
            # The anchor first: it keeps little memory, so the peak RSS of every run but
            # the last ones starts near the process's baseline (see the "at start" value).
            if not args.skip_anchor:
                say("checkdmarc check_domains…")
                row, anchor = run_anchor(world, plan.targets, config.dns_timeout, guard)
                rows.append(row)
            for workers in args.workers:
                name = f"rempart LocalRunner({workers})"
                say(f"{name}…")
                m = run_rempart(name, "threads", lambda w=workers: LocalRunner(w), world, config,
                                plan.targets, workdir, guard)  # fmt: skip
                rows.append(m.row)
                measured[name] = m
            if not args.skip_dask:
                name = f"rempart DaskRunner(local, 2×{args.dask_threads})"
                say(f"{name}…")
                m = run_rempart(
                    name, "dask",
                    lambda: DaskRunner("local", n_workers=2, threads_per_worker=args.dask_threads),
                    world, config, plan.targets, workdir, guard,
                )  # fmt: skip
                rows.append(m.row)
                measured[name] = m
    finally:
        world.stop()
    match = compare_runs(measured)
    _dns_load(rows, ceiling)
    result = {
        "machine": facts,
        "domains": args.domains,
        "seed": args.seed,
        "mix": plan.mix,
        "setup": {
            "zones": len(plan.zones),
            "build_s": round(plan.build_s, 2),
            "signing_s": round(plan.sign_s, 2),
            "signed_zones": plan.mix["signed"],
            "world_start_s": round(world_s, 2),
            "https_routes": len(plan.routes),
        },
        "dns_server_ceiling": ceiling,
        "rows": [r.as_dict() for r in rows],
        "anchor": anchor,
        "findings_match": match,
        "loopback_guard": {
            "blocked": len(guard.blocked),
            "blocked_calls": sorted(set(guard.blocked))[:20],
            "own_hostname_lookups_from_hosts_file": dict(guard.own_lookups),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(markdown(rows))
    print()
    print("\n".join(f"- {line}" for line in notes(result, rows, guard)))
    say(f"wrote {args.out}")
    if not match["identical"]:
        raise AssertionError(f"Rempart runs disagree on findings: {match['differences']}")
    return result


def _dns_load(rows: Sequence[Row], ceiling: dict[str, Any] | None) -> None:
    """Each run's query rate as a share of the DNS server's ceiling for its client kind."""
    if not ceiling:
        return
    for r in rows:
        key = (
            "qps_client_in_another_process" if r.engine == "dask" else "qps_client_in_this_process"
        )
        if ceiling.get(key) and r.wall_s > 0:
            r.dns_load = round(r.dns_queries / r.wall_s / ceiling[key], 2)


def notes(result: dict[str, Any], rows: Sequence[Row], guard: LoopbackGuard) -> list[str]:
    """The lines printed under the table."""
    facts, setup, mix = result["machine"], result["setup"], result["mix"]
    out = [
        f"Machine: {facts['cpus']} CPUs ({facts['cpus_usable']} usable), "
        f"{facts['implementation']} {facts['python']}, {facts['platform']}.",
        f"Domains: {result['domains']} ({mix['mail']} mail, {mix['web_only']} web-only; "
        f"{mix['signed']} DNSSEC-signed, {mix['mta_sts']} MTA-STS, {mix['dkim']} DKIM, "
        f"{mix['bimi']} BIMI). Setup: {setup['zones']} zones built in {setup['build_s']} s "
        f"(signing {setup['signing_s']} s), world started in {setup['world_start_s']} s.",
    ]
    for r in rows:
        if r.startup_s is not None:
            out.append(
                f"{r.name}: LocalCluster startup {r.startup_s:.1f} s and shutdown "
                f"{r.shutdown_s or 0:.1f} s, not in its wall time; worker peak RSS (each, "
                f"ru_maxrss): {', '.join(f'{w:.0f}' for w in r.worker_peak_rss_mib or [])} MiB."
            )
        if r.errors:
            out.append(f"{r.name}: {r.errors} checks could not run (see the JSON).")
    ceiling = result["dns_server_ceiling"]
    if ceiling:
        loads = ", ".join(
            f"{r.name.split(' (')[0]} {r.dns_queries / r.wall_s:.0f} q/s = {r.dns_load:.0%}"
            for r in rows
            if r.dns_load is not None
        )
        out.append(
            f"DNS server alone (16 client threads, UDP): {ceiling['qps_client_in_this_process']} "
            f"q/s with the client in this process, {ceiling['qps_client_in_another_process']} "
            f"q/s from another process. Load during the runs: {loads}."
        )
    out.append(
        "Garbage collection in this process (every thread, the world's servers included, "
        "stops meanwhile): "
        + ", ".join(
            f"{r.name.split(' (')[0]} {r.gc_s:.1f} s in all, longest {r.gc_longest_s:.2f} s"
            for r in rows
        )
        + "."
    )
    match = result["findings_match"]
    if len(match["compared"]) > 1:
        verdict = "identical" if match["identical"] else "DIFFERENT"
        left_out = len(match["domains_left_out"])
        out.append(
            f"Rempart runs' findings as (scope, check, target) sets: {verdict} "
            f"({match['findings']} findings, {len(match['compared'])} runs"
            + (
                f"; {left_out} domains with a check error in some run left out)."
                if left_out
                else ")."
            )
        )
    if result["anchor"]:
        a = result["anchor"]
        out.append(
            f"checkdmarc {a['version']}: serial (no parallel option); check_mx_tls=False (no "
            f"STARTTLS probe: it would dial the MX name on port 25/465 via the OS resolver); "
            f"MTA-STS/BIMI HTTPS fetches ({a['https_requests']}) routed to the world by a "
            f"requests adapter; no DKIM, CAA or dangling-CNAME checks; nothing stored. "
            f"Findings = its warnings + errors."
        )
    if guard.blocked:
        out.append(
            f"Loopback guard refused {len(guard.blocked)} call(s): "
            + ", ".join(sorted(set(guard.blocked))[:5])
        )
    else:
        out.append("Loopback guard: no call of this process tried to leave 127.0.0.0/8.")
    if guard.own_lookups:
        out.append(
            f"{sum(guard.own_lookups.values())} lookups of this machine's own name (smtplib's "
            "EHLO name in the STARTTLS probe) were answered by /etc/hosts."
        )
    return out


def compare_runs(measured: Mapping[str, Any], unit: str = "domains") -> dict[str, Any]:
    """Do all Rempart runs report the same (scope, check, target) set?

    Domains where a check could not run in some run (its findings are then
    legitimately partial) are left out, and counted.
    """
    names = list(measured)
    skipped = set().union(*(m.incomplete for m in measured.values())) if names else set()
    sets = {n: {k for k in m.keys if k[0] not in skipped} for n, m in measured.items()}
    differences = {}
    for other in names[1:]:
        a, b = sets[names[0]], sets[other]
        if a != b:
            differences[other] = {
                f"only in {names[0]}": sorted(a - b)[:10],
                f"only in {other}": sorted(b - a)[:10],
            }
    return {
        "compared": names,
        "identical": not differences,
        "findings": len(sets[names[0]]) if names else 0,
        f"{unit}_left_out": sorted(skipped),
        "differences": differences,
    }


if __name__ == "__main__":
    main()
