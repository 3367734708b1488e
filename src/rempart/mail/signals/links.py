"""Link signals: where the links of a message really lead, and how they hide it.

Shorteners and redirectors hide a link's destination: here they are a signal,
never a reason for trust (Rspamd trusts bit.ly and so missed the 2016 Podesta
lure: a CHANGE PASSWORD button showing a Google address and leading to bit.ly).
Known redirect wrappers are unwrapped and their destination is judged too. Link
rewriters of the recipient's own mail security (Microsoft Safe Links, Proofpoint
URL Defense…) are unwrapped without counting as a signal.

Nothing is ever visited: every check reads the URL text only.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import ipaddress
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from publicsuffixlist import PublicSuffixList

from rempart.mail.context import MailContext
from rempart.mail.model import Category, Hit, Link, ParsedMail, SignalSpec
from rempart.mail.parse import html_to_text_and_links
from rempart.mail.signals.html import html_documents
from rempart.mail.urls import idna_ascii, idna_unicode, registrable

_LOG = logging.getLogger(__name__)
_PSL = PublicSuffixList()

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        id="links.shortener",
        category=Category.LINKS,
        title="A link goes through a link shortener",
        why="Shorteners (bit.ly, tinyurl…) hide where a link leads, so neither the "
        "reader nor the filter can judge it; the 2016 Podesta lure used bit.ly.",
        advice="Do not click. The technician can expand the link safely (e.g. by adding "
        "'+' for bit.ly) from an isolated machine.",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="links.redirector",
        category=Category.LINKS,
        title="A link goes through a redirect service that hides its destination",
        why="Open redirects of trusted sites (google.com/url, l.facebook.com…) make a "
        "link look like it goes to a known site while it ends elsewhere.",
        advice="Do not click; look at the destination shown in the indicators.",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="links.ip_host",
        category=Category.LINKS,
        title="A link points to a bare IP address",
        why="Legitimate services use names; a link to a numeric address (sometimes "
        "written in decimal or hex to look odd) avoids domain reputation checks.",
        advice="Do not click; report the message.",
        prior_weight=2.5,
    ),
    SignalSpec(
        id="links.text_mismatch",
        category=Category.LINKS,
        title="A link shows one address and leads to another",
        why="The visible text shows a trusted address (myaccount.google.com) while "
        "the link goes to a different site: the classic phishing trick.",
        advice="Never trust the address written in a message; hover to see the real "
        "link, or type the address yourself.",
        prior_weight=3.0,
    ),
    SignalSpec(
        id="links.credential_words",
        category=Category.LINKS,
        title="A link asks to sign in, verify or change a password",
        why="Phishing pushes the reader to 'verify the account' or 'change the password' "
        "on a page it controls; real services rarely ask this by mail.",
        advice="Do not sign in through a link in a message: open the service by typing "
        "its address yourself.",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="links.free_hosting",
        category=Category.LINKS,
        title="A link leads to free hosting, file sharing or a tunnel",
        why="Phishing pages are put on free hosts (site builders, cloud storage, IPFS, "
        "tunnels) that anyone can use at once and that carry a trusted name.",
        advice="Do not sign in or download anything from the page; report the message.",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="links.form_service",
        category=Category.LINKS,
        title="A link leads to an online form service",
        why="Free form builders (Google Forms, Microsoft Forms, Typeform…) are used to "
        "collect passwords and personal data under a trusted name.",
        advice="Never type a password or bank details into an online form received by "
        "mail; check with the sender through another channel.",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="links.dangerous_scheme",
        category=Category.LINKS,
        title="A link runs code or opens a local file instead of a web page",
        why="javascript:, data: and file: links run a script, carry a whole page inside "
        "the link, or make Windows send its credentials to a remote share.",
        advice="Do not click; report the message.",
        prior_weight=3.0,
    ),
    SignalSpec(
        id="links.punycode",
        category=Category.LINKS,
        title="A link uses an internationalised (xn--) domain name",
        why="Domains written with non-Latin letters can imitate a known name letter for "
        "letter (аpple.com with a Cyrillic 'а').",
        advice="Check the real domain name before trusting the link.",
        prior_weight=1.0,
    ),
    SignalSpec(
        id="links.odd_port",
        category=Category.LINKS,
        title="A link uses an unusual network port",
        why="Legitimate sites use the standard web ports; a link with a port number "
        "often leads to a hastily set-up or hijacked server.",
        advice="Do not click; report the message.",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="links.userinfo",
        category=Category.LINKS,
        title="A link hides its real site behind an '@'",
        why="In http://google.com@evil.example/ everything before '@' is a user name: "
        "the browser goes to evil.example.",
        advice="Do not click; report the message.",
        prior_weight=2.5,
    ),
    SignalSpec(
        id="links.many_domains",
        category=Category.LINKS,
        title="The message links to many different sites",
        why="Spam and some phishing scatter links over many domains so that no single "
        "blocklisted name stops the message.",
        advice="Treat the message as probable spam.",
        prior_weight=0.5,
    ),
)

MAX_LINKS = 500
"""Links examined per message (after de-duplication)."""
MAX_UNWRAP = 5
"""Nested redirect wrappers followed."""
MANY_DOMAINS = 20
"""Distinct registrable link domains (own and sender's excepted) that make many_domains."""
CONTEXT_CHARS = 150
"""Characters of text on each side of a link searched for credential words."""
MAX_CONTEXT_SEARCH = 200_000
"""Characters of the body searched for the place of a link."""
_EVIDENCE = 300
_DEFAULT_PORTS = {"http": 80, "https": 443}


# --- lists ------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """A host pattern with an optional path prefix (syntax in ``data/links.json``)."""

    host: str
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> Pattern:
        host, slash, path = text.strip().lower().partition("/")
        return cls(host, "/" + path if slash else "")

    def matches(self, host: str, path: str) -> bool:
        if self.path and not path.lower().startswith(self.path):
            return False
        return host_matches(self.host, host)


def host_matches(pattern: str, host: str) -> bool:
    """True if ``host`` matches ``pattern`` (``a.b`` and below, ``*.a.b``, ``google.*``)."""
    if pattern.endswith(".*"):
        base = pattern[:-2]
        reg = registrable(host)
        first = reg.partition(".")[0]
        if first != base.rpartition(".")[2]:
            return False
        prefix = base.rpartition(".")[0]
        return not prefix or host.startswith(prefix + ".")
    if pattern.startswith("*.") and "*" not in pattern[2:]:
        return host.endswith(pattern[1:])
    if "*" in pattern:
        return fnmatch.fnmatchcase(host, pattern)
    return host == pattern or host.endswith("." + pattern)


@dataclass(frozen=True)
class Wrapper:
    """A redirect endpoint: where it is and how its destination is written."""

    pattern: Pattern
    params: tuple[str, ...] = ()
    kind: str = "param"
    """``param`` (a query parameter), ``path`` (the rest of the path is the destination),
    ``query`` (the whole query), ``translate-host``, ``bing``, ``base64``,
    ``proofpoint-v2``, ``proofpoint-v3``, ``cisco`` or ``opaque`` (cannot be unwrapped)."""


@dataclass(frozen=True)
class Lists:
    """The service lists of ``data/links.json``."""

    shorteners: tuple[Pattern, ...]
    redirectors: tuple[Wrapper, ...]
    gateways: tuple[Wrapper, ...]
    forms: tuple[Pattern, ...]
    hosting: tuple[Pattern, ...]


def _wrappers(items: list[dict[str, object]]) -> tuple[Wrapper, ...]:
    out = []
    for item in items:
        params = item.get("params") or []
        out.append(
            Wrapper(
                Pattern.parse(str(item["url"])),
                tuple(str(p) for p in params) if isinstance(params, list) else (),
                str(item.get("kind") or "param"),
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def lists() -> Lists:
    """The service lists, read once from the package data."""
    path = Path(__file__).resolve().parent.parent / "data" / "links.json"
    data = json.loads(path.read_text("utf-8"))
    return Lists(
        shorteners=tuple(Pattern.parse(p) for p in data["shorteners"]),
        redirectors=_wrappers(data["redirectors"]),
        gateways=_wrappers(data["gateways"]),
        forms=tuple(Pattern.parse(p) for p in data["forms"]),
        hosting=tuple(Pattern.parse(p) for p in data["hosting"]),
    )


def _first_match(patterns: Iterable[Pattern], host: str, path: str) -> Pattern | None:
    return next((p for p in patterns if p.matches(host, path)), None)


# --- URL parsing ------------------------------------------------------------


@dataclass(frozen=True)
class WebUrl:
    """An http(s) URL read the way a browser reads it (never fetched)."""

    url: str
    """The normalised text (scheme lowercase, backslashes as slashes)."""
    scheme: str
    host: str
    """A-label, lowercase, no brackets; an IPv4 literal in dotted form."""
    port: int | None
    bad_port: bool
    path: str
    query: str
    userinfo: str
    """What precedes ``@`` in the authority (``google.com`` in ``http://google.com@x/``)."""
    ip: bool
    """True when the host is an IPv4 or IPv6 literal (any IPv4 spelling)."""


_CONTROL = dict.fromkeys(range(0x21), None)
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def _clean(url: str) -> str:
    text = url[:4096].strip(" \t\r\n\x00\x0b\x0c")
    return text.replace("\t", "").replace("\r", "").replace("\n", "")


def scheme_of(url: str) -> str:
    """The lowercase scheme of ``url`` (``""`` when none), ignoring control characters."""
    text = _clean(url).translate(_CONTROL)
    head, sep, _ = text[:40].partition(":")
    if not sep or not head or not head[0].isalpha():
        return ""
    if not all(c.isalnum() or c in "+-." for c in head):
        return ""
    return head.lower()


def ipv4_literal(host: str) -> str | None:
    """The dotted IPv4 address a browser reads in ``host`` (``0x7f.1`` → ``127.0.0.1``)."""
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()
    if not parts or len(parts) > 4:
        return None
    values = []
    for part in parts:
        low = part.lower()
        try:
            if low.startswith("0x"):
                values.append(int(low[2:] or "0", 16))
            elif len(low) > 1 and low.startswith("0"):
                values.append(int(low, 8))
            elif low.isascii() and low.isdigit():
                values.append(int(low))
            else:
                return None
        except ValueError:
            return None
    if any(v > 255 for v in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    number = values[-1]
    for i, v in enumerate(values[:-1]):
        number += v << (8 * (3 - i))
    return str(ipaddress.IPv4Address(number))


def parse_web(url: str) -> WebUrl | None:
    """``url`` as a browser would read it, or None for non-web or unusable links.

    Handles what browsers forgive and filters often do not: backslashes,
    missing slashes (``http:evil.example``), protocol-relative and ``www.`` links,
    percent-encoded and full-width host characters, numeric IPv4 spellings.
    """
    text = _clean(url)
    low = text[:12].lower()
    if text.startswith(("//", "\\\\")):
        text = "http:" + text
    elif low.startswith("www."):
        text = "http://" + text
    scheme = scheme_of(text)
    if scheme not in ("http", "https"):
        return None
    rest = text[len(scheme) + 1 :].replace("\\", "/").lstrip("/")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    userinfo, at, hostport = authority.rpartition("@")
    try:
        parts = urlsplit(f"{scheme}://{hostport}{tail}")
        raw_host = parts.hostname or ""
    except ValueError:
        return None
    host = unquote(raw_host).translate(_DOTS).strip().rstrip(".").lower()
    if not host:
        return None
    bad_port = False
    try:
        port = parts.port
    except ValueError:
        port, bad_port = None, True
    ip = False
    v4 = ipv4_literal(host)
    if v4 is not None:
        host, ip = v4, True
    elif ":" in host:
        try:
            host, ip = str(ipaddress.IPv6Address(host)), True
        except ValueError:
            return None
    else:
        host = idna_ascii(host)
    return WebUrl(
        url=f"{scheme}://{authority}{tail}",
        scheme=scheme,
        host=host,
        port=port,
        bad_port=bad_port,
        path=parts.path,
        query=parts.query,
        userinfo=userinfo if at else "",
        ip=ip,
    )


# --- unwrapping -------------------------------------------------------------


def _query_value(query: str, names: tuple[str, ...]) -> str:
    try:
        pairs = parse_qsl(query[:8192])
    except ValueError:
        return ""
    wanted = {n.lower() for n in names}
    return next((v for k, v in pairs if k.lower() in wanted), "")


def _b64(value: str) -> str:
    compact = value.strip() + "=" * (-len(value.strip()) % 4)
    try:
        return base64.urlsafe_b64decode(compact.replace("+", "-").replace("/", "_")).decode(
            "utf-8", errors="replace"
        )
    except (binascii.Error, ValueError):
        return ""


def _translate_host(host: str) -> str:
    label = host.split(".")[0]
    return label.replace("--", "\x00").replace("-", ".").replace("\x00", "-")


def _destination(wrapper: Wrapper, web: WebUrl) -> str:
    """The destination written inside a wrapped URL, or ``""``."""
    kind = wrapper.kind
    if kind == "opaque":
        return ""
    if kind == "path":
        rest = web.path[len(wrapper.pattern.path) :] if wrapper.pattern.path else web.path
        return "https://" + rest.lstrip("/") if rest.strip("/") else ""
    if kind == "query":
        return unquote(web.query)
    if kind == "translate-host":
        return f"https://{_translate_host(web.host)}{web.path}"
    if kind == "proofpoint-v3":
        start = web.url.find("__")
        end = web.url.find("__;", start + 2) if start >= 0 else -1
        return web.url[start + 2 : end] if end > start else ""
    if kind == "cisco":
        last = web.path.rstrip("/").rpartition("/")[2]
        return unquote(last)
    value = _query_value(web.query, wrapper.params)
    if kind == "proofpoint-v2":
        return unquote(value.replace("-", "%").replace("_", "/"))
    if kind == "bing" and value.startswith("a1"):
        return _b64(value[2:])
    if kind == "base64" and not value.lower().startswith("http"):
        return _b64(value)
    return value


@dataclass(frozen=True)
class Step:
    """One URL on the way to a link's destination."""

    web: WebUrl
    via: str = ""
    """``""`` for the link itself, ``gateway`` or ``redirector`` for an unwrapped one."""


@dataclass(frozen=True)
class Chain:
    """A link and the destinations unwrapped from it."""

    steps: tuple[Step, ...]
    redirectors: tuple[WebUrl, ...] = ()
    """Steps that are redirect services (each hides the next step, if any)."""
    unwrapped: tuple[str, ...] = ()
    """Destinations read out of redirect services (not out of security gateways)."""

    @property
    def final(self) -> WebUrl:
        return self.steps[-1].web


def _wrapper_for(wrappers: tuple[Wrapper, ...], web: WebUrl) -> Wrapper | None:
    return next((w for w in wrappers if w.pattern.matches(web.host, web.path)), None)


def unwrap(web: WebUrl) -> Chain:
    """``web`` and what its known wrappers lead to (at most :data:`MAX_UNWRAP` levels)."""
    steps = [Step(web)]
    redirectors: list[WebUrl] = []
    unwrapped: list[str] = []
    current = web
    for _ in range(MAX_UNWRAP):
        known = lists()
        gateway = _wrapper_for(known.gateways, current)
        wrapper = gateway or _wrapper_for(known.redirectors, current)
        if wrapper is None:
            break
        if gateway is None:
            redirectors.append(current)
        target = _destination(wrapper, current)
        nxt = parse_web(target) if target else None
        if nxt is None:
            break
        via = "gateway" if gateway is not None else "redirector"
        steps.append(Step(nxt, via))
        if gateway is None:
            unwrapped.append(nxt.url)
        current = nxt
    return Chain(tuple(steps), tuple(redirectors), tuple(unwrapped))


def embedded_hosts(web: WebUrl) -> set[str]:
    """Hosts of URLs written inside ``web`` (in its query or its path): tracking links
    carry their destination that way (``…/click?url=https://shop.example/``)."""
    out: set[str] = set()
    try:
        pairs = parse_qsl(web.query[:8192])
    except ValueError:
        pairs = []
    values = [v for _, v in pairs[:50]]
    path = unquote(web.path[:4096])
    for marker in ("http://", "https://"):
        i = path.find(marker, 1)
        if i > 0:
            values.append(path[i:])
    for value in values:
        if value[:8].lower().startswith(("http://", "https://", "www.")):
            inner = parse_web(value.split("*")[0])
            if inner is not None:
                out.add(inner.host)
    return out


# --- per-URL checks ---------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One signal seen on one URL (before it becomes a :class:`Hit`)."""

    signal: str
    evidence: str
    indicators: tuple[str, ...] = ()


_DANGEROUS = frozenset(
    {"javascript", "vbscript", "data", "file", "ms-msdt", "search-ms", "search", "ms-search"}
)


def dangerous_scheme(url: str) -> bool:
    """True for ``javascript:``, ``data:`` (not an image), ``file:`` and similar links;
    also Windows share paths (``\\\\host\\share``)."""
    text = _clean(url)
    if text.startswith("\\\\"):
        return True
    scheme = scheme_of(text)
    if scheme not in _DANGEROUS:
        return False
    if scheme == "data":
        body = text.translate(_CONTROL)[5:40].lower()
        return not body.startswith(("image/png", "image/gif", "image/jpeg", "image/webp"))
    return True


def _port_is_odd(web: WebUrl) -> bool:
    if web.bad_port:
        return True
    return web.port is not None and web.port != _DEFAULT_PORTS.get(web.scheme)


def url_findings(url: str, origin: str = "") -> list[Finding]:
    """Every per-URL signal of ``url`` and of the destinations unwrapped from it.

    ``origin`` is appended to the evidence (``in attachment X``, ``QR code in Y``).
    The anchor-text and context signals are not here: they need the message.
    """
    if dangerous_scheme(url):
        return [Finding("links.dangerous_scheme", _evidence(url, origin))]
    web = parse_web(url)
    if web is None:
        return []
    chain = unwrap(web)
    out: list[Finding] = []
    for red in chain.redirectors:
        out.append(Finding("links.redirector", _evidence(red.url, origin), chain.unwrapped))
    for i, step in enumerate(chain.steps):
        extra = (step.web.url,) if i > 0 else ()
        for signal in _step_signals(step.web):
            out.append(Finding(signal, _evidence(step.web.url, origin, step.web), extra))
    return out


def _step_signals(web: WebUrl) -> Iterator[str]:
    known = lists()
    if _first_match(known.shorteners, web.host, web.path):
        yield "links.shortener"
    if web.ip:
        yield "links.ip_host"
    if any(label.startswith("xn--") for label in web.host.split(".")):
        yield "links.punycode"
    if _port_is_odd(web):
        yield "links.odd_port"
    if web.userinfo:
        yield "links.userinfo"
    if _first_match(known.forms, web.host, web.path):
        yield "links.form_service"
    elif _first_match(known.hosting, web.host, web.path):
        yield "links.free_hosting"


def _evidence(url: str, origin: str, web: WebUrl | None = None) -> str:
    note = ""
    if web is not None and any(label.startswith("xn--") for label in web.host.split(".")):
        note = f" ({idna_unicode(web.host)})"
    suffix = note + (f" ({origin})" if origin else "")
    room = max(40, _EVIDENCE - len(suffix))
    text = url if len(url) <= room else url[: room - 1] + "…"
    return (text + suffix)[:_EVIDENCE]


def evidence_for(url: str, origin: str) -> str:
    """Evidence text for ``url`` found at ``origin`` (``QR code in X``), at most 300 chars."""
    return _evidence(url, origin, parse_web(url))


def origin_of(link: Link) -> str:
    """A short note on where a link was found, for evidence (``""`` for the body)."""
    if link.where.startswith("html-attachment:"):
        return "in attachment " + link.where.partition(":")[2][:80]
    if link.where.startswith("qr:"):
        return "QR code in " + link.where.partition(":")[2][:80]
    return ""


def url_hits(url: str, where: str) -> list[Hit]:
    """Hits of the per-URL checks for a URL found outside the body (a QR code…)."""
    origin = origin_of(Link(url=url, where=where))
    return _to_hits(url_findings(url, origin), extra=(url,))


# --- text / link mismatch ----------------------------------------------------

_FILE_LIKE_TLDS = frozenset({"zip", "mov", "md", "py", "sh", "rs", "ps"})
_TEXT_URL = re.compile(r"(?i)(?:https?://|www\.)[^\s<>\"']{1,300}")


def _domain_like(token: str) -> str | None:
    """The host of a bare domain written as text (``myaccount.google.com``), or None."""
    token = token.strip(" .,;:!?()[]<>«»\"'").lower()
    host = token.split("/")[0]
    if not host or "@" in token or len(host) > 253 or "." not in host:
        return None
    if not all(c.isalnum() or c in ".-" for c in host):
        return None
    tld = host.rpartition(".")[2]
    if tld in _FILE_LIKE_TLDS or not tld.isalpha():
        return None
    try:
        if _PSL.publicsuffix(host, accept_unknown=False) is None:
            return None
    except Exception:  # the library raises on odd input
        return None
    return host if registrable(host) != host.rpartition(".")[2] else None


def text_hosts(text: str) -> list[str]:
    """Hosts an anchor text shows: URLs in it, or the whole text as a bare domain."""
    text = text[:500]
    hosts = []
    for m in _TEXT_URL.finditer(text):
        web = parse_web(m.group(0))
        if web is not None:
            hosts.append(web.host)
    if not hosts:
        words = text.split()
        # "Dilbert.com" written as a name (capitals) is a brand, not an address shown
        if len(words) == 1 and words[0] == words[0].lower():
            host = _domain_like(words[0])
            if host:
                hosts.append(idna_ascii(host))
    return hosts


def mismatch(link: Link, web: WebUrl, chain: Chain) -> str:
    """Evidence when the anchor text shows another site than the link, else ``""``."""
    shown = text_hosts(link.text) if link.text and link.text != "<form>" else []
    if not shown:
        return ""
    real = {registrable(s.web.host) for s in chain.steps}
    real |= {registrable(h) for h in embedded_hosts(web)}
    if any(registrable(h) in real for h in shown):
        return ""
    text = " ".join(link.text.split())[:120]
    return _cut(f'text "{text}" → {web.url}')


def _cut(text: str) -> str:
    return text if len(text) <= _EVIDENCE else text[: _EVIDENCE - 1] + "…"


# --- credential words --------------------------------------------------------

_CREDENTIAL_WORDS = (
    r"passwords?|passcode|passwd|mots?\s?de\s?passe|"
    r"verify|verification|vérifier|vérifiez|vérification|re-?verify|validate\s?your|"
    r"valider\s?votre|"
    r"confirm\s?your\s?(?:identity|account|password|details|information|payment|login)|"
    r"confirm(?:er|ez)\s?(?:votre|vos)\s?(?:identité|compte|mot|coordonnées|informations)|"
    r"log\s?-?in|sign\s?-?in|se\s?connecter|connectez-vous|identifiants?|"
    r"connexion\s?inhabituelle|tentative\s?de\s?connexion|"
    r"credentials?|unlock|débloquer|reactivate|réactiver|"
    r"account\s?(?:is\s?|has\s?been\s?|will\s?be\s?)?"
    r"(?:suspended|locked|disabled|deactivated|limited|restricted|on\s?hold)|"
    r"compte\s?(?:est\s?|a\s?été\s?|sera\s?)?"
    r"(?:suspendu|bloqué|désactivé|restreint|limité|verrouillé)|"
    r"update\s?your\s?(?:payment|billing|account|details|information)|"
    r"mettre\s?à\s?jour\s?vos\s?(?:informations|coordonnées)|payment\s?details|"
    r"billing\s?information|coordonnées\s?bancaires|informations\s?de\s?paiement|"
    r"mailbox\s?(?:is\s?)?(?:full|quota|storage)|webmail|"
    r"boîte\s?(?:mail|de\s?réception)|accès\s?à\s?votre\s?compte"
)
CREDENTIAL_RE = re.compile(rf"(?i)\b(?:{_CREDENTIAL_WORDS})\b")


def credential_word(text: str) -> str:
    """The first credential word or phrase in ``text`` (``""`` if none).

    "your account" or "connexion" alone do not count: newsletters say "manage
    your account" in every footer; the phrases that count name the threat.
    """
    m = CREDENTIAL_RE.search(text[:5000])
    return " ".join(m.group(0).split()) if m else ""


def _context(body: str, needle: str) -> str:
    if len(needle) < 4:
        return ""
    i = body.find(needle[:200])
    if i < 0:
        return ""
    window = body[max(0, i - CONTEXT_CHARS) : i + len(needle) + CONTEXT_CHARS]
    return _TEXT_URL.sub(" ", window)  # words inside URLs (…/login.html) say nothing


# --- collection and detection -------------------------------------------------


def message_links(mail: ParsedMail, ctx: MailContext) -> list[Link]:
    """The body's links and those of HTML attachments, de-duplicated, bounded."""
    out: list[Link] = []
    seen: set[tuple[str, str]] = set()
    attachment_links: list[Link] = []
    for doc in html_documents(mail, ctx.limits):
        _, links = html_to_text_and_links(
            doc.html, f"html-attachment:{doc.name}", ctx.limits.max_links
        )
        attachment_links.extend(links)
    for link in (*mail.links, *attachment_links):
        key = (link.url, link.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(link)
        if len(out) >= MAX_LINKS:
            break
    return out


@dataclass
class _Collector:
    findings: list[Finding] = field(default_factory=list)

    def add(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)


def _sender_site(mail: ParsedMail) -> str:
    sender = mail.sender
    return registrable(sender.domain) if sender and sender.domain else ""


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """The link signals of ``mail``."""
    try:
        return _detect(mail, ctx)
    except Exception:  # hostile input must never stop the triage
        _LOG.warning("link analysis failed for %s", mail.source, exc_info=True)
        return []


def _detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    found = _Collector()
    sender_site = _sender_site(mail)
    body = mail.body_text[:MAX_CONTEXT_SEARCH]
    domains: set[str] = set()
    for link in message_links(mail, ctx):
        origin = origin_of(link)
        new = url_findings(link.url, origin)
        web = parse_web(link.url)
        if web is not None:
            chain = unwrap(web)
            text_evidence = mismatch(link, web, chain)
            if text_evidence:
                new.append(Finding("links.text_mismatch", _with_origin(text_evidence, origin)))
            site = registrable(chain.final.host)
            away = site != sender_site and not ctx.is_own(site)
            if away and not origin:
                domains.add(site)
            word = _credential_near(link, body) if away else ""
            if word:
                evidence = _with_origin(_credential_evidence(word, link), origin)
                new.append(Finding("links.credential_words", evidence))
        if origin:  # a link of an HTML attachment is not among the message's links
            new = [replace(f, indicators=(link.url, *f.indicators)) for f in new]
        found.add(new)
    if len(domains) >= MANY_DOMAINS:
        sample = ", ".join(sorted(domains)[:8])
        found.add([Finding("links.many_domains", _cut(f"{len(domains)} sites: {sample}…"))])
    return _to_hits(found.findings)


def _credential_near(link: Link, body: str) -> str:
    if link.text and link.text != "<form>":
        word = credential_word(link.text)
        if word:
            return word
        return credential_word(_context(body, " ".join(link.text.split())))
    if link.where == "text":
        return credential_word(_context(body, link.url))
    return ""


def _credential_evidence(word: str, link: Link) -> str:
    text = " ".join(link.text.split())[:80]
    shown = f' "{text}"' if text and text != "<form>" else ""
    return _cut(f'"{word}" near link{shown} → {link.url}')


def _with_origin(evidence: str, origin: str) -> str:
    return _cut(evidence + (f" ({origin})" if origin else ""))


def _to_hits(findings: list[Finding], extra: tuple[str, ...] = ()) -> list[Hit]:
    """At most 3 hits per signal, in the order of :data:`SPECS`, evidence de-duplicated."""
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        items = grouped.setdefault(f.signal, [])
        if len(items) < 3 and all(f.evidence != g.evidence for g in items):
            items.append(f)
    hits = []
    for spec in SPECS:
        for f in grouped.get(spec.id, []):
            indicators = tuple(dict.fromkeys((*extra, *f.indicators)))
            hits.append(Hit(signal=f.signal, evidence=f.evidence, indicators=indicators))
    return hits
