"""The website audit's annotated fixture sites, served by the test world.

``weak.site.test``: the party site a volunteer set up in 2019 — TLS 1.0/1.1 only,
no security headers, versions everywhere, ``.git/`` and a ``wp-config.php`` backup
left in the web root, an open uploads listing, a members export reachable
without login, WordPress user enumeration and XML-RPC.
``clean.site.test``: what a well-kept site looks like — no findings.
``catchall.site.test``: answers 200 with the same page for every path, good
headers otherwise — guessed paths must not produce false findings.
"""

from __future__ import annotations

import random
import ssl

from rempart.testing.https_server import Route
from rempart.testing.world import SiteHost

WEAK, CLEAN, CATCHALL = "weak.site.test", "clean.site.test", "catchall.site.test"
WEAK_IP, CLEAN_IP, CATCHALL_IP = "127.0.0.20", "127.0.0.21", "127.0.0.22"

HTML = (("Content-Type", "text/html; charset=utf-8"),)
TEXT = (("Content-Type", "text/plain"),)

WEAK_HEADERS = (
    *HTML,
    ("Server", "Apache/2.4.29 (Ubuntu)"),
    ("X-Powered-By", "PHP/7.2.24"),
    ("Set-Cookie", "PHPSESSID=s3cr3tsessionvalue; path=/"),
)

CLEAN_HEADERS = (
    *HTML,
    (
        "Content-Security-Policy",
        "default-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'",
    ),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Set-Cookie", "session=opaque; Path=/; Secure; HttpOnly; SameSite=Lax"),
)

WEAK_HOME = b"""<!doctype html><html><head><title>Mouvement Exemple</title>
<meta name="generator" content="WordPress 5.8.1">
<link rel="stylesheet" href="/wp-content/themes/exemple/style.css"></head><body>
<h1>Mouvement Exemple</h1><a href="/programme/">Programme</a> <a href="/membres/">Membres</a>
<a href="https://elsewhere.test/">ailleurs</a> <a href="/contact/">Contact</a></body></html>"""

CONTACT = b"""<!doctype html><html><body><h1>Contact</h1><p>Presse : presse@weak.site.test,
standard 01 23 45 67 89.</p></body></html>"""


def members(count: int, seed: int = 7) -> list[tuple[str, str, str, str, str]]:
    """Fake members: name, e-mail, phone, birth date, address (reserved names only)."""
    rng = random.Random(seed)
    first = ["Camille", "Dominique", "Alex", "Sacha", "Claude", "Maxime", "Lou", "Noa"]
    last = ["Martin", "Bernard", "Durand", "Petit", "Robert", "Richard", "Moreau", "Simon"]
    out = []
    for i in range(count):
        name = f"{rng.choice(first)} {rng.choice(last)}"
        email = f"{name.split()[0].lower()}.{i}@adherents.example"
        phone = (
            f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {i % 90 + 10}"
        )
        born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2004)}"
        address = f"{rng.randint(1, 120)} rue des Lilas {i}, 750{rng.randint(10, 20)} Paris"
        out.append((name, email, phone, born, address))
    return out


def members_csv(count: int = 300) -> bytes:
    """The export a volunteer left at /adherents.csv."""
    lines = ["nom;email;telephone;date_naissance;adresse"]
    lines += [";".join(m) for m in members(count)]
    return ("\n".join(lines) + "\n").encode()


MEMBERS_PAGE = (
    b"<!doctype html><html><body><h1>Nos membres</h1><ul>"
    + b"".join(f"<li>{n} — {e} — {p}</li>".encode() for n, e, p, _, _ in members(40, 9))
    + b"</ul></body></html>"
)

GIT_HEAD = b"ref: refs/heads/main\n"
GIT_CONFIG = b"[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
WP_CONFIG_BAK = b"""<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'Tr0ub4dor&3' );
define( 'AUTH_KEY', 'put your unique phrase here' );
"""
UPLOADS_LISTING = b"""<html><head><title>Index of /wp-content/uploads</title></head><body>
<h1>Index of /wp-content/uploads</h1><pre><a href="../">Parent Directory</a>
<a href="2024/">2024/</a>  <a href="adherents-2024.xlsx">adherents-2024.xlsx</a></pre>
</body></html>"""
WP_USERS = (
    b'[{"id":1,"name":"Camille","slug":"camille","link":"https://weak.site.test/author/'
    b'camille/"},{"id":2,"name":"admin","slug":"admin","link":"x"}]'
)


def weak_site() -> SiteHost:
    """The weak party site (TLS 1.0/1.1 only, plain HTTP serving the site too)."""
    r = {
        (WEAK, "/"): Route(body=WEAK_HOME, headers=WEAK_HEADERS),
        (WEAK, "/programme/"): Route(body=b"<html><body>Programme</body></html>", headers=HTML),
        (WEAK, "/membres/"): Route(body=MEMBERS_PAGE, headers=HTML),
        (WEAK, "/contact/"): Route(body=CONTACT, headers=HTML),
        (WEAK, "/.git/HEAD"): Route(body=GIT_HEAD, headers=TEXT),
        (WEAK, "/.git/config"): Route(body=GIT_CONFIG, headers=TEXT),
        (WEAK, "/wp-config.php.bak"): Route(body=WP_CONFIG_BAK, headers=TEXT),
        (WEAK, "/wp-content/uploads/"): Route(body=UPLOADS_LISTING, headers=HTML),
        (WEAK, "/adherents.csv"): Route(
            body=members_csv(), headers=(("Content-Type", "text/csv"),)
        ),
        (WEAK, "/wp-json/wp/v2/users"): Route(
            body=WP_USERS, headers=(("Content-Type", "application/json"),)
        ),
        (WEAK, "/?author=1"): Route(
            status=301, headers=(("Location", f"https://{WEAK}/author/camille/"),)
        ),
        (WEAK, "/xmlrpc.php"): Route(
            body=b"XML-RPC server accepts POST requests only.", headers=TEXT
        ),
        (WEAK, "/readme.html"): Route(
            body=b"<html><body><h1>WordPress</h1><br /> Version 5.8.1</body></html>", headers=HTML
        ),
    }
    plain = {(WEAK, "/"): Route(body=WEAK_HOME, headers=WEAK_HEADERS)}
    return SiteHost(WEAK_IP, (WEAK,), r, plain, tls_max=ssl.TLSVersion.TLSv1_1)


def clean_site() -> SiteHost:
    """A well-kept site: redirect to HTTPS, every header, security.txt, robots.txt."""
    home = b"<!doctype html><html><body><h1>Clean</h1><a href='/about/'>About</a></body></html>"
    r = {
        (CLEAN, "/"): Route(body=home, headers=CLEAN_HEADERS),
        (CLEAN, "/about/"): Route(
            body=b"<html><body>About us</body></html>", headers=CLEAN_HEADERS
        ),
        (CLEAN, "/robots.txt"): Route(body=b"User-agent: *\nDisallow:\n", headers=TEXT),
        (CLEAN, "/.well-known/security.txt"): Route(
            body=b"Contact: mailto:security@clean.site.test\nExpires: 2099-01-01T00:00:00Z\n",
            headers=TEXT,
        ),
    }
    plain = {(CLEAN, "*"): Route(status=301, headers=(("Location", f"https://{CLEAN}/"),))}
    return SiteHost(CLEAN_IP, (CLEAN,), r, plain)


def catchall_site() -> SiteHost:
    """Answers 200 with the same page for every path (and good headers)."""
    page = b"<!doctype html><html><body><h1>Bienvenue</h1><p>Tout va bien.</p></body></html>"
    r = {(CATCHALL, "*"): Route(body=page, headers=CLEAN_HEADERS)}
    plain = {(CATCHALL, "*"): Route(status=301, headers=(("Location", f"https://{CATCHALL}/"),))}
    return SiteHost(CATCHALL_IP, (CATCHALL,), r, plain)


PLAIN, PLAIN_IP = "plain.site.test", "127.0.0.23"


def plain_site() -> SiteHost:
    """A site with no HTTPS at all, and its framework's .env left in the web root."""
    home = b"<!doctype html><html><body><h1>Section locale</h1></body></html>"
    env = b"APP_KEY=base64:c2VjcmV0\nDB_PASSWORD=hunter2\nMAIL_PASSWORD=hunter3\n"
    plain = {(PLAIN, "/"): Route(body=home, headers=HTML),
             (PLAIN, "/.env"): Route(body=env, headers=TEXT)}  # fmt: skip
    return SiteHost(PLAIN_IP, (PLAIN,), {}, plain, https=False)


EXPIRED, EXPIRED_IP = "expired.site.test", "127.0.0.25"


def expired_site() -> SiteHost:
    """Well-kept headers, but its certificate expired ten days ago and .git/ is exposed."""
    home = b"<!doctype html><html><body><h1>Ancien site</h1></body></html>"
    routes = {
        (EXPIRED, "/"): Route(body=home, headers=CLEAN_HEADERS),
        (EXPIRED, "/.git/config"): Route(body=GIT_CONFIG, headers=TEXT),
        (EXPIRED, "/.well-known/security.txt"): Route(
            body=b"Contact: mailto:security@expired.site.test\nExpires: 2099-01-01T00:00:00Z\n",
            headers=TEXT,
        ),
    }
    plain = {(EXPIRED, "*"): Route(status=301, headers=(("Location", f"https://{EXPIRED}/"),))}
    return SiteHost(EXPIRED_IP, (EXPIRED,), routes, plain, cert="expired")


SITES = (weak_site, clean_site, catchall_site, plain_site, expired_site)

ZONE = f"""$TTL 300
site.test. SOA ns1.site.test. h.site.test. 1 7200 3600 1209600 3600
site.test. NS ns1.site.test.
ns1.site.test. A 192.0.2.53
{WEAK}. A {WEAK_IP}
{CLEAN}. A {CLEAN_IP}
{CATCHALL}. A {CATCHALL_IP}
{PLAIN}. A {PLAIN_IP}
{EXPIRED}. A {EXPIRED_IP}
"""
