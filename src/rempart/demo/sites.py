"""The example campaign's websites, as the demo serves them on loopback.

The party's WordPress site has what the national agency kept finding in 2017:
no security headers, an outdated WordPress that lists its user names, and a
members export a volunteer left reachable without login — the case for which
France's data-protection authority warned a party in 2016. The candidate's
site is better kept but still answers plain HTTP. The donation site's name
points at a deleted cloud app (see the domain audit): it no longer resolves.
"""

from __future__ import annotations

import random

from rempart.demo.zones import CANDIDATE, MAIN
from rempart.testing.https_server import Route
from rempart.testing.world import SiteHost

MAIN_IP, CANDIDATE_IP = "127.0.0.30", "127.0.0.31"

_HTML = (("Content-Type", "text/html; charset=utf-8"),)
_WP = (*_HTML, ("Server", "Apache/2.4.41 (Ubuntu)"), ("X-Powered-By", "PHP/7.4.3"))
_GOOD = (
    *_HTML,
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)

_HOME = f"""<!doctype html><html><head><title>Mouvement Exemple</title>
<meta name="generator" content="WordPress 5.9.3">
<link rel="stylesheet" href="/wp-content/themes/exemple/style.css"></head><body>
<h1>Mouvement Exemple</h1><a href="/programme/">Notre programme</a>
<a href="/agenda/">Agenda</a> <a href="https://dons.{MAIN}/">Faire un don</a></body></html>"""


def members_export(count: int = 250, seed: int = 2016) -> bytes:
    """A members export with fake people (reserved .example addresses)."""
    rng = random.Random(seed)
    first = ["Camille", "Dominique", "Alex", "Sacha", "Claude", "Maxime", "Lou", "Noa"]
    last = ["Martin", "Bernard", "Durand", "Petit", "Robert", "Richard", "Moreau", "Simon"]
    rows = ["nom;prenom;email;telephone;date_naissance;ville;cotisation"]
    for i in range(count):
        f, n = rng.choice(first), rng.choice(last)
        rows.append(f"{n};{f};{f.lower()}.{n.lower()}{i}@adherents.example;"
                    f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)};{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/"
                    f"{rng.randint(1945, 2005)};Lyon;{rng.choice((10, 20, 50))}")  # fmt: skip
    return ("\n".join(rows) + "\n").encode()


def sites() -> list[SiteHost]:
    """The party site and the candidate site."""
    users = b'[{"id":1,"name":"Camille Exemple","slug":"camille"},{"id":3,"slug":"webmaster"}]'
    party = {
        (MAIN, "/"): Route(body=_HOME.encode(), headers=_WP),
        (MAIN, "/programme/"): Route(body=b"<html><body>Programme</body></html>", headers=_WP),
        (MAIN, "/agenda/"): Route(body=b"<html><body>Agenda</body></html>", headers=_WP),
        (MAIN, "/export/adherents"): Route(body=members_export(),
                                           headers=(("Content-Type", "text/csv"),)),
        (MAIN, "/wp-json/wp/v2/users"): Route(body=users,
                                              headers=(("Content-Type", "application/json"),)),
        (MAIN, "/xmlrpc.php"): Route(body=b"XML-RPC server accepts POST requests only."),
    }  # fmt: skip
    redirect = {(MAIN, "*"): Route(status=301, headers=(("Location", f"https://{MAIN}/"),))}
    candidate = {
        (CANDIDATE, "/"): Route(body=b"<html><body><h1>Camille 2027</h1></body></html>",
                                headers=_GOOD),
        (CANDIDATE, "/.well-known/security.txt"): Route(
            body=f"Contact: mailto:securite@{MAIN}\nExpires: 2099-01-01T00:00:00Z\n".encode()),
    }  # fmt: skip
    plain = {(CANDIDATE, "/"): Route(body=b"<html><body>Camille 2027</body></html>")}
    return [SiteHost(MAIN_IP, (MAIN,), party, redirect),
            SiteHost(CANDIDATE_IP, (CANDIDATE,), candidate, plain)]  # fmt: skip
