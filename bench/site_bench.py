"""Website audit benchmark: Rempart (thread pool, Dask) next to Mozilla's HTTP Observatory.

Generates N campaign-like websites under ``sites.bench.test.``, serves them from
one :class:`~rempart.testing.world.AuditWorld` (DNS, a dozen HTTPS + plain-HTTP
servers on 127.0.1.x, each serving many sites by host name, a local CA), then
audits the same sites, each run cold, with:

* Rempart on a ``LocalRunner`` (16 threads),
* Rempart on a local Dask cluster (2 processes × 16 threads),
* the anchor: MDN HTTP Observatory's ``scan()`` (npm ``@mdn/mdn-http-observatory``,
  installed in ``bench/out/observatory`` by ``--install-anchor``), in a Node
  process whose sockets are pointed at the world: headers grade only.

Prints a Markdown table and writes ``bench/out/sites.json``. Every socket call
of this process is checked by a loopback guard; the Node runner has its own.

    .venv/bin/python bench/site_bench.py [--sites 100] [--skip-dask] [--skip-anchor]
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import random
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_bench import (  # bench/ is not a package
    GcWatch,
    LoopbackGuard,
    _worker_peaks,
    compare_runs,
    current_rss_mib,
    machine,
    peak_rss_mib,
    reset_peak_rss,
)

from rempart.audit.config import AuditConfig, SiteTarget
from rempart.audit.targets import parse_site
from rempart.testing import Route
from rempart.testing.world import AuditWorld, SiteHost

PARENT = "sites.bench.test"
BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out" / "sites.json"
ANCHOR_DIR = BENCH_DIR / "out" / "observatory"
OBSERVATORY = "@mdn/mdn-http-observatory"
OBSERVATORY_VERSION = "1.4.8"
ANCHOR_CONCURRENCY = 16
"""In-flight scans of the anchor's concurrent run (Rempart's threads: 16)."""


def say(message: str) -> None:
    """Progress and setup messages go to stderr; the table goes to stdout."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# The generated websites
# --------------------------------------------------------------------------------------

HTML = (("Content-Type", "text/html; charset=utf-8"),)
TEXT = (("Content-Type", "text/plain; charset=utf-8"),)
CSV = (("Content-Type", "text/csv"),)
JSON_TYPE = (("Content-Type", "application/json"),)

STRICT_CSP = "default-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
HSTS_PRELOAD = "max-age=63072000; includeSubDomains; preload"
GOOD_COOKIE = "session=opaque; Path=/; Secure; HttpOnly; SameSite=Lax"

KINDS = ("parti", "mouvement", "liste", "campagne", "comite", "collectif", "jeunes", "union")
WORDS = (
    "lyon", "marseille", "nantes", "lille", "rennes", "dijon", "avenir", "ecologie",
    "renouveau", "citoyens", "demain", "solidaire", "republique", "territoires", "agir",
)  # fmt: skip
FIRST = ("Camille", "Dominique", "Alex", "Sacha", "Claude", "Maxime", "Lou", "Noa", "Charlie")
LAST = ("Martin", "Bernard", "Durand", "Petit", "Robert", "Richard", "Moreau", "Simon", "Leroy")


@dataclass(frozen=True)
class HostProfile:
    """One web server of the world: its address and how old its TLS is."""

    address: str
    tls_max: ssl.TLSVersion | None
    label: str


HOST_PROFILES = (
    HostProfile("127.0.1.1", ssl.TLSVersion.TLSv1_1, "TLS 1.0-1.1 only"),
    HostProfile("127.0.1.2", ssl.TLSVersion.TLSv1_1, "TLS 1.0-1.1 only"),
    HostProfile("127.0.1.3", ssl.TLSVersion.TLSv1_2, "up to TLS 1.2"),
    *(HostProfile(f"127.0.1.{i}", None, "up to TLS 1.3") for i in range(4, 13)),
)
"""12 web servers: two outdated ones (weak sites only), one without TLS 1.3, nine modern."""


@dataclass
class Site:
    """One generated website: where it is served, what it serves, what it hides."""

    host: str
    kind: str
    """``weak`` (WordPress, exposures), ``clean`` (well kept) or ``catchall``."""
    address: str = ""
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    http_routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    traits: list[str] = field(default_factory=list)
    """What was planted (``git``, ``export:180``, ``user_enum``…), for the JSON."""

    def add(self, path: str, route: Route) -> None:
        self.routes[(self.host, path)] = route


@dataclass
class Plan:
    """What the generator produced: sites, their servers, the zone and the mix."""

    sites: list[Site]
    hosts: list[SiteHost]
    zone: str
    mix: dict[str, int]
    build_s: float


def members(count: int, rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """Fake members: name, e-mail, phone, birth date, address (reserved names only)."""
    out = []
    for i in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"{name.split()[0].lower()}.{i}@adherents.example"
        phone = (
            f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {i % 90 + 10}"
        )
        born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2004)}"
        address = f"{rng.randint(1, 120)} rue des Lilas {i}, 750{rng.randint(10, 20)} Paris"
        out.append((name, email, phone, born, address))
    return out


def members_csv(count: int, rng: random.Random) -> bytes:
    lines = ["nom;email;telephone;date_naissance;adresse"]
    lines += [";".join(m) for m in members(count, rng)]
    return ("\n".join(lines) + "\n").encode()


def members_page(count: int, rng: random.Random) -> bytes:
    items = "".join(f"<li>{n} — {e} — {p}</li>" for n, e, p, _, _ in members(count, rng))
    return f"<!doctype html><html><body><h1>Nos membres</h1><ul>{items}</ul></body></html>".encode()


def page(title: str, body: str, links: Sequence[str] = (), head: str = "") -> bytes:
    anchors = " ".join(f'<a href="{href}">{href.strip("/") or "accueil"}</a>' for href in links)
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head><body>"
        f"<h1>{title}</h1><p>{body}</p><nav>{anchors}</nav></body></html>"
    ).encode()


def _articles(site: Site, rng: random.Random, headers: tuple[tuple[str, str], ...]) -> list[str]:
    """A news page with 2-4 articles (crawlable pages); returns the news page's path."""
    slugs = [f"/actualites/{w}-{k}/" for k, w in enumerate(rng.sample(WORDS, rng.randint(2, 4)))]
    site.add(
        "/actualites/",
        Route(body=page("Actualités", "Nos dernières nouvelles.", slugs), headers=headers),
    )
    for slug in slugs:
        text = f"Réunion publique à {rng.choice(WORDS).capitalize()} le {rng.randint(1, 28)}."
        site.add(slug, Route(body=page("Article", text, ["/actualites/", "/"]), headers=headers))
    return ["/actualites/"]


def weak_site(site: Site, rng: random.Random) -> None:
    """A WordPress party site set up years ago: versions, exposures, maybe member data."""
    h, t = site.host, site.traits
    wp = rng.choice(("4.9.8", "5.2.4", "5.8.1", "5.9.3", "6.0.2", "6.1.1"))
    server = rng.choice(
        (
            "Apache/2.4.29 (Ubuntu)",
            "Apache/2.4.41 (Ubuntu)",
            "nginx/1.14.0",
            "Apache/2.4.38 (Debian)",
        )
    )
    headers: list[tuple[str, str]] = [*HTML, ("Server", server)]
    if rng.random() < 0.7:
        headers.append(("X-Powered-By", f"PHP/{rng.choice(('7.2.24', '7.4.3', '7.4.33'))}"))
    cookie = rng.random()
    if cookie < 0.6:
        headers.append(("Set-Cookie", "PHPSESSID=s3cr3tsessionvalue; path=/"))
        t.append("session_cookie")
    elif cookie < 0.8:
        headers.append(("Set-Cookie", "wp-settings-time-1=1700000000; path=/; secure"))
    if rng.random() < 0.3:
        headers.append(("X-Frame-Options", "SAMEORIGIN"))
    if rng.random() < 0.2:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if rng.random() < 0.15:
        headers.append(("Strict-Transport-Security", "max-age=15768000"))  # six months
    if rng.random() < 0.1:
        headers.append(("Referrer-Policy", "no-referrer-when-downgrade"))
    hdrs = tuple(headers)
    links = ["/programme/", "/agenda/", "/contact/"]
    generator = f'<meta name="generator" content="WordPress {wp}">' if rng.random() < 0.8 else ""
    head = f'{generator}<link rel="stylesheet" href="/wp-content/themes/campagne/style.css">'
    links += _articles(site, rng, hdrs)
    if rng.random() < 0.2:
        count = rng.randint(20, 60)
        site.add("/membres/", Route(body=members_page(count, rng), headers=hdrs))
        links.append("/membres/")
        t.append(f"members_page:{count}")
    home = page(
        h.split(".")[0],
        "Bienvenue sur le site de la campagne.",
        [*links, "https://elsewhere.test/"],
        head,
    )
    site.add("/", Route(body=home, headers=hdrs))
    site.add("/programme/", Route(body=page("Programme", "Nos propositions.", ["/"]), headers=hdrs))
    site.add("/agenda/", Route(body=page("Agenda", "Prochains rendez-vous.", ["/"]), headers=hdrs))
    contact = f"Presse : presse@{h}, standard 01 23 45 67 89."
    site.add("/contact/", Route(body=page("Contact", contact, ["/"]), headers=hdrs))
    if rng.random() < 0.7:
        robots = b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        site.add("/robots.txt", Route(body=robots, headers=TEXT))
    _weak_exposures(site, rng, wp)
    if rng.random() < 0.5:  # plain HTTP serves the site itself
        site.http_routes[(h, "/")] = Route(body=home, headers=hdrs)
        t.append("http_no_redirect")
    else:
        site.http_routes[(h, "*")] = Route(status=301, headers=(("Location", f"https://{h}/"),))


def _weak_exposures(site: Site, rng: random.Random, wp: str) -> None:
    h, t = site.host, site.traits
    if rng.random() < 0.3:
        site.add("/.git/HEAD", Route(body=b"ref: refs/heads/main\n", headers=TEXT))
        site.add(
            "/.git/config",
            Route(
                body=b"[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n",
                headers=TEXT,
            ),
        )
        t.append("git")
    if rng.random() < 0.35:
        backup = rng.choice(("/wp-config.php.bak", "/wp-config.php.old", "/wp-config.php~"))
        config = (
            "<?php\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_USER', 'wp' );\n"
            f"define( 'DB_PASSWORD', 'pw-{rng.getrandbits(32):08x}' );\n"
        )
        site.add(backup, Route(body=config.encode(), headers=TEXT))
        t.append(f"backup:{backup}")
        if rng.random() < 0.4:
            dump = (
                "-- MySQL dump 10.13  Distrib 5.7.42\n--\nCREATE TABLE `wp_users` (\n"
                "  `ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT\n);\n"
                "INSERT INTO `wp_users` VALUES (1,'admin');\n"
            )
            site.add("/backup.sql", Route(body=dump.encode(), headers=TEXT, ranges=True))
            t.append("backup:/backup.sql")
    if rng.random() < 0.4:
        listing = (
            "<html><head><title>Index of /wp-content/uploads</title></head><body>"
            '<h1>Index of /wp-content/uploads</h1><pre><a href="../">Parent Directory</a>\n'
            '<a href="2024/">2024/</a>  <a href="tract.pdf">tract.pdf</a></pre></body></html>'
        )
        site.add("/wp-content/uploads/", Route(body=listing.encode(), headers=HTML))
        t.append("uploads_listing")
    if rng.random() < 0.35:
        count = rng.randint(50, 300)
        path = rng.choice(("/adherents.csv", "/export.csv", "/members.csv"))
        site.add(path, Route(body=members_csv(count, rng), headers=CSV))
        t.append(f"export:{count}:{path}")
    if rng.random() < 0.6:
        slug = rng.choice(FIRST).lower()
        users = json.dumps(
            [
                {"id": 1, "name": slug.capitalize(), "slug": slug},
                {"id": 2, "name": "admin", "slug": "admin"},
            ]
        )
        site.add("/wp-json/wp/v2/users", Route(body=users.encode(), headers=JSON_TYPE))
        site.add(
            "/?author=1", Route(status=301, headers=(("Location", f"https://{h}/author/{slug}/"),))
        )
        t.append("user_enum")
    if rng.random() < 0.7:
        body = b"XML-RPC server accepts POST requests only."
        site.add("/xmlrpc.php", Route(body=body, headers=TEXT))
        t.append("xmlrpc")
    if rng.random() < 0.5:
        readme = f"<html><body><h1>WordPress</h1><br /> Version {wp}</body></html>"
        site.add("/readme.html", Route(body=readme.encode(), headers=HTML))
    if rng.random() < 0.5:
        feed = f"<rss><channel><generator>https://wordpress.org/?v={wp}</generator></channel></rss>"
        site.add(
            "/feed/", Route(body=feed.encode(), headers=(("Content-Type", "application/rss+xml"),))
        )
    login = '<html><body><form><input type="password" name="pwd"></form></body></html>'
    site.add("/wp-login.php", Route(body=login.encode(), headers=HTML))
    if rng.random() < 0.1:
        log = "".join(
            f"[0{k}-Jan-2024 10:00:00 UTC] PHP Warning:  Undefined index in /var/www/html/"
            f"wp-content/plugins/form/form.php on line {40 + k}\n"
            for k in range(1, 6)
        )
        site.add("/wp-content/debug.log", Route(body=log.encode(), headers=TEXT, ranges=True))
        t.append("debug_log")


def clean_site(site: Site, rng: random.Random) -> None:
    """A well-kept site: HTTPS redirect, security.txt, headers from perfect to decent."""
    h = site.host
    variant = rng.random()
    headers: list[tuple[str, str]] = [*HTML, ("X-Content-Type-Options", "nosniff")]
    if variant < 0.5:  # every header right
        headers += [
            ("Content-Security-Policy", STRICT_CSP),
            ("Strict-Transport-Security", HSTS_PRELOAD),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("Set-Cookie", GOOD_COOKIE),
        ]
        site.traits.append("headers:full")
    elif variant < 0.7:  # no Referrer-Policy, HSTS without preload
        headers += [
            ("Content-Security-Policy", STRICT_CSP),
            ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        ]
        site.traits.append("headers:no_referrer")
    elif variant < 0.85:  # a CSP that allows inline scripts
        csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
        headers += [
            ("Content-Security-Policy", csp),
            ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ]
        site.traits.append("headers:unsafe_inline")
    else:  # no CSP, but the rest
        headers += [
            ("X-Frame-Options", "DENY"),
            ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
            ("Referrer-Policy", "no-referrer"),
        ]
        site.traits.append("headers:no_csp")
    hdrs = tuple(headers)
    pages = ["/a-propos/", "/programme/", "/equipe/", "/presse/", "/contact/"]
    links = [*rng.sample(pages, rng.randint(3, 5)), *_articles(site, rng, hdrs)]
    site.add("/", Route(body=page(h.split(".")[0], "Le site de la liste.", links), headers=hdrs))
    for path in pages:
        site.add(path, Route(body=page(path.strip("/"), "Texte.", ["/"]), headers=hdrs))
    site.add("/robots.txt", Route(body=b"User-agent: *\nDisallow:\n", headers=TEXT))
    if rng.random() < 0.9:
        sec = f"Contact: mailto:security@{h}\nExpires: 2099-01-01T00:00:00Z\n"
        site.add("/.well-known/security.txt", Route(body=sec.encode(), headers=TEXT))
    else:
        site.traits.append("no_security_txt")
    site.http_routes[(h, "*")] = Route(status=301, headers=(("Location", f"https://{h}/"),))


def catchall_site(site: Site, rng: random.Random) -> None:
    """Answers 200 with the same page for every path (a SPA or a page builder)."""
    h = site.host
    if rng.random() < 0.5:
        hdrs = (
            *HTML,
            ("Content-Security-Policy", STRICT_CSP),
            ("Strict-Transport-Security", HSTS_PRELOAD),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
        )
        site.traits.append("headers:full")
    else:
        hdrs = (
            *HTML,
            ("X-Frame-Options", "SAMEORIGIN"),
            ("X-Content-Type-Options", "nosniff"),
            ("Strict-Transport-Security", "max-age=31536000"),
        )
        site.traits.append("headers:partial")
    links = ["/programme/", "/agenda/", "/equipe/", "/contact/", "/don/"][: rng.randint(2, 5)]
    body = page("Bienvenue", "Tout va bien.", links)
    site.add("*", Route(body=body, headers=hdrs))
    site.http_routes[(h, "*")] = Route(status=301, headers=(("Location", f"https://{h}/"),))


def _pick_host(kind: str, rng: random.Random) -> HostProfile:
    if kind == "weak":
        roll = rng.random()
        if roll < 0.25:
            return HOST_PROFILES[rng.randrange(2)]  # outdated TLS
        if roll < 0.35:
            return HOST_PROFILES[2]
    return HOST_PROFILES[rng.randrange(2, len(HOST_PROFILES))]


def build_plan(count: int, seed: int = 2027) -> Plan:
    """``count`` sites (≈50 % weak, 30 % clean, 20 % catch-all) spread over 12 servers."""
    started = time.perf_counter()
    rng = random.Random(seed)
    weak = round(count * 0.5)
    clean = round(count * 0.3)
    kinds = ["weak"] * weak + ["clean"] * clean + ["catchall"] * (count - weak - clean)
    rng.shuffle(kinds)
    sites: list[Site] = []
    for i, kind in enumerate(kinds):
        host = f"{rng.choice(KINDS)}-{rng.choice(WORDS)}-{i:04d}.{PARENT}"
        profile = _pick_host(kind, rng)
        site = Site(host, kind, profile.address)
        {"weak": weak_site, "clean": clean_site, "catchall": catchall_site}[kind](site, rng)
        sites.append(site)
    by_address: dict[str, list[Site]] = collections.defaultdict(list)
    for site in sites:
        by_address[site.address].append(site)
    hosts = []
    for profile in HOST_PROFILES:
        served = by_address.get(profile.address)
        if not served:
            continue
        routes = {k: r for s in served for k, r in s.routes.items()}
        plain = {k: r for s in served for k, r in s.http_routes.items()}
        names = tuple(s.host for s in served)
        hosts.append(SiteHost(profile.address, names, routes, plain, tls_max=profile.tls_max))
    zone = "\n".join(
        [
            "$TTL 300",
            f"{PARENT}. SOA ns1.{PARENT}. hostmaster.{PARENT}. 2025010101 7200 3600 1209600 300",
            f"{PARENT}. NS ns1.{PARENT}.",
            f"ns1.{PARENT}. A 192.0.2.53",
            *(f"{s.host}. A {s.address}" for s in sites),
        ]
    )
    mix: dict[str, int] = collections.Counter(s.kind for s in sites)
    for s in sites:
        for trait in s.traits:
            mix[trait.split(":")[0] if not trait.startswith("headers") else trait] += 1
    mix["outdated_tls"] = sum(
        1 for s in sites if s.address in {p.address for p in HOST_PROFILES[:2]}
    )
    mix["site_hosts"] = len(hosts)
    return Plan(sites, hosts, zone + "\n", dict(mix), time.perf_counter() - started)


# --------------------------------------------------------------------------------------
# Counting at the servers
# --------------------------------------------------------------------------------------


class CountingSeen(collections.deque):  # type: ignore[type-arg]
    """A server's ``seen`` deque that also counts every request, by method and host."""

    def __init__(self, maxlen: int) -> None:
        super().__init__(maxlen=maxlen)
        self.lock = threading.Lock()
        self.total = 0
        self.by_host: collections.Counter[str] = collections.Counter()
        self.by_method: collections.Counter[str] = collections.Counter()

    def append(self, item: Any) -> None:
        with self.lock:
            self.total += 1
            self.by_host[item.host] += 1
            self.by_method[item.method] += 1
        super().append(item)


@dataclass
class Served:
    """What the world's web servers saw during one run."""

    requests: int
    connections: int
    """TCP connections accepted (TLS probes and failed handshakes included)."""
    handshakes: int
    """Connections that got past the TLS handshake, or plain HTTP ones (racy: a client
    that closes right after its handshake may reset it before the server finishes)."""
    by_host: collections.Counter[str]
    by_method: collections.Counter[str]


class ServerCounter:
    """Counts requests and connections at every web server of the world.

    ``LocalHTTPSServer.requests`` keeps only the last 1000 requests, so each
    server's internal ``seen`` deque is replaced by a :class:`CountingSeen`
    (same bound, same contents) once the world is started, and its
    ``get_request`` (the accept) is wrapped to count TCP connections.
    """

    def __init__(self, world: AuditWorld) -> None:
        self.servers = list(world.web)
        self.seen: list[CountingSeen] = []
        self.lock = threading.Lock()
        self.accepted = 0
        for web in self.servers:
            inner = web._server  # the running http.server instance
            assert inner is not None, "start the world first"
            counting = CountingSeen(inner.seen.maxlen or 1000)
            counting.extend(inner.seen)
            inner.seen = counting
            self.seen.append(counting)
            inner.get_request = self._counting(inner.get_request)  # type: ignore[method-assign]

    def _counting(self, accept: Callable[[], Any]) -> Callable[[], Any]:
        def get_request() -> Any:
            connection = accept()
            with self.lock:
                self.accepted += 1
            return connection

        return get_request

    def snapshot(self) -> Served:
        by_host: collections.Counter[str] = collections.Counter()
        by_method: collections.Counter[str] = collections.Counter()
        for s in self.seen:
            with s.lock:
                by_host.update(s.by_host)
                by_method.update(s.by_method)
        with self.lock:
            accepted = self.accepted
        return Served(
            sum(s.total for s in self.seen),
            accepted,
            sum(w.accepted_connections for w in self.servers),
            by_host,
            by_method,
        )

    @staticmethod
    def since(before: Served, after: Served) -> Served:
        return Served(
            after.requests - before.requests,
            after.connections - before.connections,
            after.handshakes - before.handshakes,
            after.by_host - before.by_host,
            after.by_method - before.by_method,
        )


def disable_nagle(world: AuditWorld) -> int:
    """Make every web server of the world set TCP_NODELAY on its connections.

    The test server writes a response's headers and its body in two ``send`` calls.
    With Nagle's algorithm on, the body waits for the client's ACK of the headers,
    which a keep-alive client delays by up to 40 ms (Linux delayed ACK): every
    request on a reused connection then takes ~40 ms on loopback (a site audit
    ~3 s instead of ~0.1 s). Production servers (nginx ``tcp_nodelay on``,
    Apache) avoid this; so does the world here, through
    ``StreamRequestHandler.disable_nagle_algorithm`` on each running server.
    """
    for web in world.web:
        inner = web._server
        assert inner is not None, "start the world first"
        handler = inner.RequestHandlerClass
        inner.RequestHandlerClass = type(  # type: ignore[assignment]
            f"NoDelay{handler.__name__}", (handler,), {"disable_nagle_algorithm": True}
        )
    return len(world.web)


# --------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------


@dataclass
class Row:
    """One measured run."""

    name: str
    tool: str
    engine: str
    wall_s: float
    sites: int
    requests: int
    connections: int
    findings: int | None
    errors: int
    peak_rss_mib: float
    rss_note: str
    rss_start_mib: float = 0.0
    cpu_s: float = 0.0
    """CPU time of this process during the run (all its threads, the world's servers too)."""
    startup_s: float | None = None
    shutdown_s: float | None = None
    worker_peak_rss_mib: list[float] | None = None
    blocked_network_calls: int = 0
    gc_s: float = 0.0
    gc_longest_s: float = 0.0
    dns_queries: int = 0
    handshakes: int = 0
    """Connections past the TLS handshake (or plain HTTP), as the servers count them."""
    requests_by_method: dict[str, int] = field(default_factory=dict)
    requests_per_site: dict[str, float] = field(default_factory=dict)
    """min / median / max requests a site received."""
    other_cpu_s: float | None = None
    """CPU of the anchor's own process (Node), not in ``cpu_s``."""

    @property
    def sites_per_s(self) -> float:
        return self.sites / self.wall_s if self.wall_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["sites_per_s"] = round(self.sites_per_s, 2)
        data["requests_per_site_mean"] = round(self.requests / max(1, self.sites), 1)
        for key in (
            "wall_s",
            "peak_rss_mib",
            "rss_start_mib",
            "cpu_s",
            "gc_s",
            "other_cpu_s",
            "startup_s",
            "shutdown_s",
        ):
            if data[key] is not None:
                data[key] = round(data[key], 3)
        return data


def _per_site(served: Served, sites: Sequence[Site]) -> dict[str, float]:
    counts = [served.by_host.get(s.host, 0) for s in sites]
    if not counts:
        return {}
    return {"min": min(counts), "median": statistics.median(counts), "max": max(counts)}


class Progress:
    """``label: done/total (rate/s)`` lines on stderr, about ten per run."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.step = max(1, total // 10)
        self.started = time.perf_counter()

    def __call__(self, done: int, *_: object) -> None:
        if done % self.step == 0 or done == self.total:
            elapsed = time.perf_counter() - self.started
            say(f"  {self.label}: {done}/{self.total} ({done / max(elapsed, 1e-9):.1f} sites/s)")


def clear_caches() -> None:
    """Forget Rempart's shared DNS clients (and their caches), then collect them."""
    from rempart.net import dns as rdns

    with rdns._clients_lock:
        rdns._clients.clear()
    gc.collect()


# --------------------------------------------------------------------------------------
# Rempart runs
# --------------------------------------------------------------------------------------


@dataclass
class Measured:
    """A Rempart run's row, its (scope, check, target) set and the grades it gave."""

    row: Row
    keys: set[tuple[str, str, str]]
    incomplete: set[str]
    grades: dict[str, str | None]
    """Site URL → grade evidence (``F (0/100)``), None for A+ (no grade finding)."""


def run_rempart(
    name: str,
    engine: str,
    make_runner: Callable[[], Any],
    world: AuditWorld,
    counter: ServerCounter,
    config: AuditConfig,
    plan: Plan,
    targets: Sequence[SiteTarget],
    workdir: Path,
    guard: LoopbackGuard,
) -> Measured:
    """One cold Rempart run: fresh SQLite store, fresh=True, DNS clients dropped."""
    from rempart.audit.run import run_audit
    from rempart.store import Store

    clear_caches()
    store = Store.open(str(workdir / f"{name.replace(' ', '_')}.db"))
    startup = None
    t0 = time.perf_counter()
    runner = make_runner()
    if engine == "dask":
        startup = time.perf_counter() - t0
        say(f"  LocalCluster started in {startup:.1f} s (not counted in the run)")
    blocked_before = len(guard.blocked)
    rss_start = current_rss_mib()
    rss_reset = reset_peak_rss()
    world.dns.reset_counts()
    before = counter.snapshot()
    try:
        with GcWatch() as gcw:
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            report = run_audit(
                targets, config, store, runner, fresh=True, progress=Progress(name, len(targets))
            )
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
        served = ServerCounter.since(before, counter.snapshot())
        peak = peak_rss_mib()
        workers = _worker_peaks(runner) if engine == "dask" else None
    finally:
        t1 = time.perf_counter()
        runner.close()
        shutdown = time.perf_counter() - t1
        store.close()
    note = "this process" if rss_reset else "process lifetime (ru_maxrss)"
    row = Row(
        name=name,
        tool="rempart",
        engine=engine,
        wall_s=wall,
        sites=len(targets),
        requests=served.requests,
        connections=served.connections,
        findings=len(report.findings),
        errors=len(report.errors),
        peak_rss_mib=peak,
        rss_note=note,
        rss_start_mib=rss_start,
        cpu_s=cpu,
        startup_s=startup,
        shutdown_s=shutdown if engine == "dask" else None,
        worker_peak_rss_mib=workers,
        blocked_network_calls=len(guard.blocked) - blocked_before,
        gc_s=gcw.total,
        gc_longest_s=gcw.longest,
        dns_queries=sum(world.dns.queries.values()),
        handshakes=served.handshakes,
        requests_by_method=dict(served.by_method),
        requests_per_site=_per_site(served, plan.sites),
    )
    if report.errors:
        say(f"  {name}: {len(report.errors)} check errors, first: {report.errors[0]}")
    grades: dict[str, str | None] = {t.url: None for t in targets}
    for f in report.findings:
        if f.check == "site.grade":
            grades[f.scope] = f.evidence
    keys = {(f.scope, f.check, f.target) for f in report.findings}
    return Measured(row, keys, {o.scope for o in report.outcomes if o.errors}, grades)


def _expected(site: Site, trait: str) -> list[tuple[str, str]] | None:
    """The (check, target) findings a planted trait must produce, None for no finding."""
    name, _, arg = trait.partition(":")
    url = f"https://{site.host}"
    if name == "backup":
        check = "site.exposed.dump" if arg.endswith(".sql") else "site.exposed.config_backup"
        return [(check, url + arg)]
    if name == "export":
        path = arg.split(":", 1)[1]
        return [("site.backoffice.open", url + path), ("site.pii.exposed", url + path)]
    fixed = {
        "git": [
            ("site.exposed.vcs", f"{url}/.git/HEAD"),
            ("site.exposed.vcs", f"{url}/.git/config"),
        ],
        "uploads_listing": [("site.exposed.listing", f"{url}/wp-content/uploads/")],
        "members_page": [("site.pii.exposed", f"{url}/membres/")],
        "user_enum": [("site.wp.user_enum", f"{url}/")],
        "xmlrpc": [("site.wp.xmlrpc", f"{url}/xmlrpc.php")],
        "debug_log": [("site.exposed.debug_log", f"{url}/wp-content/debug.log")],
        "http_no_redirect": [("site.https.no_redirect", f"http://{site.host}/")],
        "outdated_tls": [("site.tls.old_protocols", site.host)],
    }
    return fixed.get(name)


def planted_found(plan: Plan, measured: Measured, outdated: set[str]) -> dict[str, Any]:
    """Which planted problems the run reported (recall on what the generator planted)."""
    found = {(k[0], k[1], k[2]) for k in measured.keys}
    total: collections.Counter[str] = collections.Counter()
    hit: collections.Counter[str] = collections.Counter()
    missed: list[str] = []
    for site in plan.sites:
        scope = f"https://{site.host}/"
        traits = site.traits + (["outdated_tls"] if site.host in outdated else [])
        for trait in traits:
            expected = _expected(site, trait)
            if expected is None:
                continue
            name = trait.split(":")[0]
            for check, target in expected:
                total[name] += 1
                if (scope, check, target) in found:
                    hit[name] += 1
                else:
                    missed.append(f"{check} {target}")
    return {
        "expected": sum(total.values()),
        "found": sum(hit.values()),
        "by_trait": {k: f"{hit[k]}/{v}" for k, v in sorted(total.items())},
        "missed": missed[:30],
    }


def make_dask(threads: int, profiler: bool) -> Any:
    """``DaskRunner("local", n_workers=2, ...)``, by default without Dask's worker profiler.

    Each Dask worker samples its threads with ``sys._current_frames()`` every 10 ms
    and hooks a callback into the garbage collector. On CPython 3.11 that can
    deadlock the worker (CPython gh-106883, dask/distributed#8616: a collection
    inside ``sys._current_frames()`` waits for the GIL while holding the runtime's
    thread-list lock, which a thread starting a new thread needs). Here a worker
    froze in 2 of ~10 runs of 100 sites; Dask replaced it after ~10 minutes. The
    profiler is turned off through the configuration the nanny hands its worker;
    ``--dask-profiler`` keeps Dask's default.
    """
    import dask
    import distributed  # noqa: F401  (loads Dask's distributed defaults before the override)

    from rempart.engine import DaskRunner

    settings = {} if profiler else {"distributed.worker.profile.enabled": False}
    with dask.config.set(settings):
        return DaskRunner("local", n_workers=2, threads_per_worker=threads)


# --------------------------------------------------------------------------------------
# The anchor: MDN HTTP Observatory, in Node, pointed at the world
# --------------------------------------------------------------------------------------

NODE_RUNNER = r"""// Written by bench/site_bench.py: Observatory's scan() on a loopback world.
// Every TCP connection of this process goes through net.Socket.prototype.connect, patched
// below: names resolve through the world's DNS server only, ports 443/80 become the
// world's HTTPS/HTTP ports, anything outside 127.0.0.0/8 or any other port is refused.
import dns from "node:dns";
import net from "node:net";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
resolver.setServers([cfg.dns]);
const stats = { connects: 0, lookups: 0, blocked: [] };
const loopback = (a) => (net.isIPv4(a) ? a.startsWith("127.") : a === "::1");

function lookup(host, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  const answer = (address) => {
    if (!loopback(address)) {
      stats.blocked.push(`lookup ${host} -> ${address}`);
      const error = new Error(`${host} is outside loopback`);
      return callback(Object.assign(error, { code: "ENOTFOUND" }));
    }
    const family = net.isIPv6(address) ? 6 : 4;
    if (options && options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  if (net.isIP(host)) return answer(host);
  stats.lookups++;
  resolver.resolve4(host, (err, addresses) => (err ? callback(err) : answer(addresses[0])));
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (!options || typeof options !== "object") {
    stats.blocked.push(`connect(${String(args[0])})`);
    process.nextTick(() => this.destroy(new Error("refused by the bench runner")));
    return this;
  }
  if (options.path) return connect.apply(this, args);
  const port = Number(options.port);
  if (port !== 443 && port !== 80) {
    stats.blocked.push(`connect ${options.host}:${options.port}`);
    process.nextTick(() => this.destroy(new Error("refused by the bench runner")));
    return this;
  }
  stats.connects++;
  options.port = port === 443 ? cfg.https_port : cfg.http_port;
  options.lookup = lookup;
  return connect.apply(this, args);
};

const imported = performance.now();
const { scan } = await import(pathToFileURL(cfg.module).href);
const importMs = performance.now() - imported;

async function one(host) {
  const started = performance.now();
  try {
    const r = await scan(host);
    const tests = {};
    for (const [name, t] of Object.entries(r.tests)) {
      tests[name] = { result: t.result, modifier: t.scoreModifier, pass: t.pass };
    }
    return { host, ms: performance.now() - started, grade: r.scan.grade, score: r.scan.score,
             status: r.scan.statusCode, tests };
  } catch (e) {
    return { host, ms: performance.now() - started, error: String((e && e.message) || e) };
  }
}

const results = new Array(cfg.hosts.length);
let next = 0;
let done = 0;
const step = Math.max(1, Math.floor(cfg.hosts.length / 10));
const t0 = performance.now();
await Promise.all(Array.from({ length: Math.max(1, cfg.concurrency) }, async () => {
  while (next < cfg.hosts.length) {
    const i = next++;
    results[i] = await one(cfg.hosts[i]);
    done++;
    if (done % step === 0 || done === cfg.hosts.length) {
      const s = (performance.now() - t0) / 1000;
      const rate = (done / s).toFixed(1);
      process.stderr.write(`  ${cfg.label}: ${done}/${cfg.hosts.length} (${rate} sites/s)\n`);
    }
  }
}));
const wall = (performance.now() - t0) / 1000;
const usage = process.resourceUsage();
process.stdout.write(JSON.stringify({
  wall_s: wall, import_ms: importMs, results, stats, node: process.version,
  max_rss_kib: usage.maxRSS, cpu_s: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
}) + "\n");
"""

ANCHOR_DOES = (
    "scan(hostname) of @mdn/mdn-http-observatory: GET http://host/ and https://host/ "
    "(following redirects), GET /robots.txt, an OPTIONS CORS preflight; 10 header tests "
    "(CSP, cookies, CORS, redirection, Referrer-Policy, HSTS, SRI, X-Content-Type-Options, "
    "X-Frame-Options, CORP) and a 0-135 score with A+..F grade"
)
ANCHOR_ADAPTED = (
    "Node runner (bench/out/observatory/run-scan.mjs, written by the bench) patches "
    "net.Socket.prototype.connect: names resolve through the world's DNS server, ports "
    "443/80 go to the world's HTTPS/HTTP ports, NODE_EXTRA_CA_CERTS is the world's CA; "
    "installed with --ignore-scripts, so conf/hsts-preload.json (its postinstall downloads "
    "Chromium's list) is an empty {} written by the bench: no .test name is preloaded anyway"
)
ANCHOR_SKIPS = (
    "no TLS version/certificate checks (TLS Observatory was retired), no exposed files, "
    "no WordPress, no crawl, no personal-data scan, no security.txt, no storage"
)


def anchor_module(anchor_dir: Path) -> Path:
    return anchor_dir / "node_modules" / "@mdn" / "mdn-http-observatory" / "src" / "index.js"


def install_anchor(anchor_dir: Path) -> None:
    """npm install the pinned Observatory into ``anchor_dir`` (the registry, no scripts)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found: cannot install the anchor")
    anchor_dir.mkdir(parents=True, exist_ok=True)
    package = anchor_dir / "package.json"
    if not package.exists():
        package.write_text('{"name": "observatory-scratch", "private": true}\n')
    command = [
        npm,
        "install",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        f"{OBSERVATORY}@{OBSERVATORY_VERSION}",
    ]
    say(f"installing the anchor: {' '.join(command)} (in {anchor_dir})")
    subprocess.run(command, cwd=anchor_dir, check=True)


def anchor_missing(anchor_dir: Path) -> str | None:
    """Why the anchor cannot run, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not anchor_module(anchor_dir).exists():
        return (
            f"{OBSERVATORY} is not installed in {anchor_dir} "
            "(run once: .venv/bin/python bench/site_bench.py --install-anchor)"
        )
    return None


def _node_env(world: AuditWorld) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "node_options")
    }
    env["NODE_EXTRA_CA_CERTS"] = str(world.ca_file)
    return env


def run_anchor(
    label: str,
    concurrency: int,
    world: AuditWorld,
    counter: ServerCounter,
    plan: Plan,
    anchor_dir: Path,
    guard: LoopbackGuard,
) -> tuple[Row, dict[str, Any]]:
    """Observatory's scan() on every site, ``concurrency`` in flight, in one Node process."""
    module = anchor_module(anchor_dir)
    preload = module.parents[1] / "conf" / "hsts-preload.json"
    if not preload.exists():
        preload.write_text("{}\n")
    script = anchor_dir / "run-scan.mjs"
    script.write_text(NODE_RUNNER)
    host, port = world.dns.address
    cfg = {
        "dns": f"{host}:{port}",
        "https_port": world.https_port,
        "http_port": world.http_port,
        "hosts": [s.host for s in plan.sites],
        "concurrency": concurrency,
        "module": str(module),
        "label": label,
    }
    cfg_file = anchor_dir / "run-scan.json"
    cfg_file.write_text(json.dumps(cfg))
    blocked_before = len(guard.blocked)
    world.dns.reset_counts()
    before = counter.snapshot()
    with GcWatch() as gcw:
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        out = subprocess.run(
            ["node", str(script), str(cfg_file)],
            stdout=subprocess.PIPE,
            text=True,
            env=_node_env(world),
            timeout=600 + 30 * len(plan.sites),
            check=False,
        )
        process_s = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    served = ServerCounter.since(before, counter.snapshot())
    if out.returncode != 0:
        raise RuntimeError(f"the Observatory runner failed (exit {out.returncode})")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    results = data["results"]
    errors = [r for r in results if r.get("error")]
    row = Row(
        name=label,
        tool="observatory",
        engine=f"node, {concurrency} in flight",
        wall_s=data["wall_s"],
        sites=len(results),
        requests=served.requests,
        connections=served.connections,
        findings=None,
        errors=len(errors),
        peak_rss_mib=data["max_rss_kib"] / 1024,
        rss_note="the Node process (ru_maxrss)",
        cpu_s=cpu,
        blocked_network_calls=len(guard.blocked) - blocked_before + len(data["stats"]["blocked"]),
        gc_s=gcw.total,
        gc_longest_s=gcw.longest,
        dns_queries=sum(world.dns.queries.values()),
        handshakes=served.handshakes,
        requests_by_method=dict(served.by_method),
        requests_per_site=_per_site(served, plan.sites),
        other_cpu_s=data["cpu_s"],
    )
    if errors:
        say(f"  {label}: {len(errors)} scans failed, first: {errors[0]['error']}")
    details = {
        "node": data["node"],
        "process_s": round(process_s, 3),
        "import_ms": round(data["import_ms"], 1),
        "connects": data["stats"]["connects"],
        "lookups": data["stats"]["lookups"],
        "blocked": data["stats"]["blocked"][:20],
        "results": results,
    }
    return row, details


# --------------------------------------------------------------------------------------
# Grades: Rempart's against Observatory's
# --------------------------------------------------------------------------------------


def _rempart_grade(evidence: str | None) -> tuple[str, int | None]:
    """``"F (0/100)"`` → ("F", 0); None (no grade finding) → ("A+", None: 100 or more)."""
    if evidence is None:
        return "A+", None
    letter, _, rest = evidence.partition(" (")
    try:
        score = int(rest.split("/", 1)[0])
    except ValueError:
        score = None
    return letter, score


def grade_agreement(
    plan: Plan, rempart: Measured, anchor: dict[str, Any], outdated: set[str]
) -> dict[str, Any]:
    """Per-site letters side by side, and how often they agree."""
    by_host = {r["host"]: r for r in anchor["results"]}
    rows = []
    for site in plan.sites:
        url = f"https://{site.host}/"
        letter, score = _rempart_grade(rempart.grades.get(url))
        obs = by_host.get(site.host, {})
        rows.append(
            {
                "site": site.host,
                "kind": site.kind,
                "outdated_tls": site.host in outdated,
                "rempart": letter,
                "rempart_score": score,
                "observatory": obs.get("grade"),
                "observatory_score": obs.get("score"),
                "observatory_error": obs.get("error"),
            }
        )
    scored = [r for r in rows if r["observatory"] and r["site"] not in rempart.incomplete]
    same = [r for r in scored if r["rempart"] == r["observatory"]]
    family = [r for r in scored if r["rempart"][0] == r["observatory"][0]]
    diffs = [
        abs(r["rempart_score"] - r["observatory_score"])
        for r in scored
        if r["rempart_score"] is not None and r["observatory_score"] is not None
    ]
    both_a_plus = sum(1 for r in scored if r["rempart"] == r["observatory"] == "A+")
    by_kind: dict[str, dict[str, int]] = {}
    for kind in ("weak", "clean", "catchall"):
        mine = [r for r in scored if r["kind"] == kind]
        by_kind[kind] = {
            "sites": len(mine),
            "same_letter": sum(r["rempart"] == r["observatory"] for r in mine),
            "same_family": sum(r["rempart"][0] == r["observatory"][0] for r in mine),
        }
    pairs = collections.Counter(f"{r['rempart']} / {r['observatory']}" for r in scored)
    reasons: collections.Counter[str] = collections.Counter()
    disclosed = collections.Counter(k[0] for k in rempart.keys if k[1] == "site.disclosure.version")
    for r in rows:
        if r["observatory_error"]:
            why = "Observatory could not scan"
            if r["outdated_tls"]:
                why += " (TLS 1.0-1.1-only server: Node's minimum is TLS 1.2)"
            reasons[why] += 1
            continue
        if r not in scored or r["rempart"] == r["observatory"]:
            continue
        tests = by_host[r["site"]].get("tests") or {}
        explained = False
        if (tests.get("redirection") or {}).get("modifier", 0) < 0:
            reasons["Observatory's −20 for no HTTP→HTTPS redirect (Rempart: own finding)"] += 1
            explained = True
        if disclosed.get(f"https://{r['site']}/"):
            reasons["Rempart's −5 for version disclosure (not in Observatory)"] += 1
            explained = True
        if not explained:
            reasons["other"] += 1
    return {
        "compared": len(scored),
        "same_letter": len(same),
        "same_family": len(family),
        "both_a_plus": both_a_plus,
        "score_diff_mean": round(statistics.mean(diffs), 1) if diffs else None,
        "score_diff_max": max(diffs) if diffs else None,
        "score_pairs_compared": len(diffs),
        "by_kind": by_kind,
        "pairs_rempart_observatory": dict(pairs.most_common()),
        "differences_explained": dict(reasons.most_common()),
        "sites": rows,
    }


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def markdown(rows: Sequence[Row]) -> str:
    head = (
        "| Tool (engine) | Wall s | Sites/s | HTTP requests | Requests/site | Connections "
        "| Findings | Errors | Peak RSS MiB (at start) | CPU s, this process |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        if r.tool == "observatory":
            rss = f"{r.peak_rss_mib:.0f} (Node process)"
            cpu = f"{r.cpu_s:.1f} + Node {r.other_cpu_s or 0:.1f}"
        else:
            rss = f"{r.peak_rss_mib:.0f} ({r.rss_start_mib:.0f})"
            if r.worker_peak_rss_mib:
                rss += " + workers " + " / ".join(f"{w:.0f}" for w in r.worker_peak_rss_mib)
            cpu = f"{r.cpu_s:.1f}"
        findings = f"{r.findings:,}" if r.findings is not None else "— (grades)"
        lines.append(
            f"| {r.name} | {r.wall_s:.1f} | {r.sites_per_s:.2f} | {r.requests:,} "
            f"| {r.requests / max(1, r.sites):.1f} | {r.connections:,} | {findings} "
            f"| {r.errors} | {rss} | {cpu} |"
        )
    return "\n".join(lines)


def _first(values: list[float] | None) -> str:
    return f"{values[0]:.1f}" if values else "?"


def notes(result: dict[str, Any], rows: Sequence[Row], guard: LoopbackGuard) -> list[str]:
    """The lines printed under the table."""
    facts, mix, setup = result["machine"], result["mix"], result["setup"]
    out = [
        f"Machine: {facts['cpus']} CPUs ({facts['cpus_usable']} usable), "
        f"{facts['implementation']} {facts['python']}, {facts['platform']}; load average "
        f"(1 min, this bench's own threads included) "
        f"{_first(facts.get('load_average_at_start'))} at start, "
        f"{_first(facts.get('load_average_at_end'))} at end.",
        f"Sites: {result['sites']} ({mix.get('weak', 0)} weak WordPress, "
        f"{mix.get('clean', 0)} well kept, {mix.get('catchall', 0)} catch-all) on "
        f"{mix['site_hosts']} web servers (127.0.1.x; {mix.get('outdated_tls', 0)} sites on "
        f"TLS 1.0-1.1-only servers). Planted: {mix.get('git', 0)} .git, "
        f"{mix.get('backup', 0)} backups, {mix.get('export', 0)} member exports, "
        f"{mix.get('members_page', 0)} member pages, {mix.get('user_enum', 0)} user "
        f"enumerations, {mix.get('uploads_listing', 0)} open listings. Crawl budget "
        f"max_pages={result['max_pages']}. Setup {setup['build_s']} s, world started in "
        f"{setup['world_start_s']} s.",
    ]
    for r in rows:
        if r.startup_s is not None:
            profiler = "on" if result["dask_worker_profiler"] else "off (see --dask-profiler)"
            out.append(
                f"{r.name}: LocalCluster startup {r.startup_s:.1f} s and shutdown "
                f"{r.shutdown_s or 0:.1f} s, not in its wall time; worker peak RSS (each, "
                f"ru_maxrss): {', '.join(f'{w:.0f}' for w in r.worker_peak_rss_mib or [])} MiB; "
                f"Dask's worker profiler {profiler}."
            )
        if r.tool == "rempart" and r.errors:
            out.append(f"{r.name}: {r.errors} checks could not run (see the JSON).")
    per_site = "; ".join(
        f"{r.name}: {r.requests_per_site.get('min', 0):.0f} / "
        f"{r.requests_per_site.get('median', 0):.0f} / {r.requests_per_site.get('max', 0):.0f}"
        for r in rows
        if r.requests_per_site
    )
    out.append(
        "Requests counted at the servers (every GET/HEAD answered; the anchor's OPTIONS "
        "preflight is answered 501 by the test server before routing and is not counted); "
        "connections = TCP connections the servers accepted, TLS-version probes and "
        f"refused handshakes included. Requests per site min / median / max: {per_site}."
    )
    out.append(
        "Requests served per second: "
        + ", ".join(f"{r.name} {r.requests / max(r.wall_s, 1e-9):.0f}" for r in rows)
        + "."
    )
    out.append(
        "Garbage collection in this process (all threads stop): "
        + ", ".join(f"{r.name} {r.gc_s:.1f} s, longest {r.gc_longest_s:.2f} s" for r in rows)
        + "."
    )
    match = result["findings_match"]
    if len(match["compared"]) > 1:
        verdict = "identical" if match["identical"] else "DIFFERENT"
        left = len(match["sites_left_out"])
        out.append(
            f"Rempart runs' findings as (scope, check, target) sets: {verdict} "
            f"({match['findings']} findings, {len(match['compared'])} runs"
            + (f"; {left} sites with a check error left out)." if left else ").")
        )
    recall = result["planted_found"]
    out.append(
        f"Planted problems reported by {result['rows'][0]['name']}: {recall['found']}/"
        f"{recall['expected']} ("
        + ", ".join(f"{k} {v}" for k, v in recall["by_trait"].items())
        + ")"
        + (f"; missed: {', '.join(recall['missed'][:5])}." if recall["missed"] else ".")
    )
    anchor = result["anchor"]
    if anchor and anchor.get("ran"):
        g = anchor["grades"]
        n = g["compared"] or 1
        out.append(
            f"Observatory {anchor['version']} (Node {anchor['node']}): scan() in one Node "
            f"process, serial and {ANCHOR_CONCURRENCY} in flight; Node start + import "
            f"{anchor['import_ms']:.0f} ms not in its wall time. Headers grade only: no TLS, "
            "exposure, WordPress, crawl or personal-data checks. Its runs gave "
            + ("the same grades." if anchor.get("runs_agree") else "DIFFERENT grades.")
        )
        out.append(
            f"Grades, Rempart vs Observatory, {g['compared']} sites: same letter "
            f"{g['same_letter']} ({g['same_letter'] / n:.0%}), same letter family (A/B/C/D/F) "
            f"{g['same_family']} ({g['same_family'] / n:.0%}); both A+: {g['both_a_plus']}. "
            f"Score difference where both scores are known ({g['score_pairs_compared']} "
            f"sites): mean {g['score_diff_mean']}, max {g['score_diff_max']}. Most frequent "
            "pairs (Rempart / Observatory): "
            + ", ".join(f"{k} ×{v}" for k, v in list(g["pairs_rempart_observatory"].items())[:6])
            + ". Where they differ (a site may count twice): "
            + ", ".join(f"{k} ×{v}" for k, v in g["differences_explained"].items())
            + "."
        )
    elif anchor:
        out.append(f"Anchor not run: {anchor['reason']}")
    if guard.blocked:
        out.append(
            f"Loopback guard refused {len(guard.blocked)} call(s): "
            + ", ".join(sorted(set(guard.blocked))[:5])
        )
    else:
        out.append(
            "Loopback guard: no call of this process tried to leave 127.0.0.0/8"
            + ("; the Node runner refused none either." if anchor and anchor.get("ran") else ".")
        )
    return out


def _load() -> list[float] | None:
    """The 1/5/15-minute load averages (other processes compete for the CPUs too)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sites", type=int, default=100, help="sites to generate (100)")
    parser.add_argument("--skip-dask", action="store_true", help="no Dask run")
    parser.add_argument("--skip-anchor", action="store_true", help="no Observatory run")
    parser.add_argument("--max-pages", type=int, default=10, help="crawl budget per site (10)")
    parser.add_argument("--workers", type=int, default=16, help="LocalRunner threads (16)")
    parser.add_argument("--dask-threads", type=int, default=16, help="threads per Dask worker (16)")
    parser.add_argument("--seed", type=int, default=2027, help="generator seed (2027)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output path")
    parser.add_argument(
        "--dask-profiler",
        action="store_true",
        help="keep Dask's worker profiler (can deadlock a worker on CPython 3.11)",
    )
    parser.add_argument(
        "--server-nagle",
        action="store_true",
        help="keep Nagle's algorithm on the world's web servers (40 ms per keep-alive request)",
    )
    parser.add_argument(
        "--anchor-dir", type=Path, default=ANCHOR_DIR, help="where Observatory is installed"
    )
    parser.add_argument(
        "--install-anchor",
        action="store_true",
        help=f"npm install {OBSERVATORY}@{OBSERVATORY_VERSION} into --anchor-dir first",
    )
    args = parser.parse_args(argv)
    if args.sites < 1:
        parser.error("--sites must be at least 1")
    if args.max_pages < 0:
        parser.error("--max-pages must be 0 or more")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns what it wrote to the JSON file."""
    from rempart.engine import LocalRunner

    args = parse_args(argv)
    if args.install_anchor:
        install_anchor(args.anchor_dir)
    facts = machine()
    facts["load_average_at_start"] = _load()
    say(f"Rempart website benchmark: {args.sites} sites, {facts['cpus']} CPUs")
    plan = build_plan(args.sites, args.seed)
    t0 = time.perf_counter()
    world = AuditWorld({PARENT + ".": plan.zone}, sites=plan.hosts)
    world.start()
    world_s = time.perf_counter() - t0
    say(f"  {len(plan.sites)} sites on {len(plan.hosts)} servers, world up in {world_s:.1f} s")
    counter = ServerCounter(world)
    if not args.server_nagle:
        disable_nagle(world)
    defaults = AuditConfig()
    config = world.config(
        dns_timeout=defaults.dns_timeout,
        https_timeout=defaults.https_timeout,
        max_pages=args.max_pages,
    )
    targets = [parse_site(f"https://{s.host}/", "bench") for s in plan.sites]
    outdated = {s.host for s in plan.sites if s.address in {p.address for p in HOST_PROFILES[:2]}}
    rows: list[Row] = []
    measured: dict[str, Measured] = {}
    anchor: dict[str, Any] | None = None
    reason = "--skip-anchor" if args.skip_anchor else anchor_missing(args.anchor_dir)
    guard = LoopbackGuard()
    try:
        with guard, tempfile.TemporaryDirectory(prefix="rempart-site-bench-") as tmp:
            workdir = Path(tmp)
            name = f"rempart LocalRunner({args.workers})"
            say(f"{name}…")
            m = run_rempart(
                name,
                "threads",
                lambda: LocalRunner(args.workers),
                world,
                counter,
                config,
                plan,
                targets,
                workdir,
                guard,
            )
            rows.append(m.row)
            measured[name] = m
            if not args.skip_dask:
                name = f"rempart DaskRunner(local, 2×{args.dask_threads})"
                say(f"{name}…")
                m = run_rempart(
                    name,
                    "dask",
                    lambda: make_dask(args.dask_threads, args.dask_profiler),
                    world,
                    counter,
                    config,
                    plan,
                    targets,
                    workdir,
                    guard,
                )
                rows.append(m.row)
                measured[name] = m
            if reason is None:
                anchor = {
                    "ran": True,
                    "version": OBSERVATORY_VERSION,
                    "does": ANCHOR_DOES,
                    "adapted": ANCHOR_ADAPTED,
                    "does_not": ANCHOR_SKIPS,
                    "runs": {},
                }
                for label, flight in (
                    ("Observatory scan() (serial)", 1),
                    (f"Observatory scan() ({ANCHOR_CONCURRENCY} in flight)", ANCHOR_CONCURRENCY),
                ):
                    clear_caches()
                    say(f"{label}…")
                    row, details = run_anchor(
                        label, flight, world, counter, plan, args.anchor_dir, guard
                    )
                    rows.append(row)
                    anchor["runs"][label] = details
                    anchor.setdefault("node", details["node"])
                    anchor.setdefault("import_ms", details["import_ms"])
            else:
                say(f"anchor skipped: {reason}")
                anchor = {"ran": False, "reason": reason}
    finally:
        world.stop()
    facts["load_average_at_end"] = _load()
    match = compare_runs(measured, unit="sites")
    recall = planted_found(plan, next(iter(measured.values())), outdated)
    if anchor and anchor.get("ran"):
        runs = list(anchor["runs"].values())
        first = next(iter(measured.values()))
        anchor["grades"] = grade_agreement(plan, first, runs[0], outdated)
        grades = [{r["host"]: r.get("grade") for r in run["results"]} for run in runs]
        anchor["runs_agree"] = all(g == grades[0] for g in grades)
    result = {
        "machine": facts,
        "sites": args.sites,
        "seed": args.seed,
        "max_pages": args.max_pages,
        "server_tcp_nodelay": not args.server_nagle,
        "dask_worker_profiler": args.dask_profiler,
        "mix": plan.mix,
        "setup": {
            "build_s": round(plan.build_s, 2),
            "world_start_s": round(world_s, 2),
            "site_hosts": [
                {
                    "address": h.address,
                    "sites": len(h.names),
                    "tls_max": h.tls_max.name if h.tls_max else None,
                }
                for h in plan.hosts
            ],
        },
        "rows": [r.as_dict() for r in rows],
        "findings_match": match,
        "planted_found": recall,
        "findings_by_check": dict(
            sorted(collections.Counter(k[1] for k in next(iter(measured.values())).keys).items())
        ),
        "anchor": anchor,
        "planted": {
            s.host: {"kind": s.kind, "address": s.address, "traits": s.traits} for s in plan.sites
        },
        "loopback_guard": {
            "blocked": len(guard.blocked),
            "blocked_calls": sorted(set(guard.blocked))[:20],
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


if __name__ == "__main__":
    main()
