"""Authentication signals: SPF, DKIM and DMARC as the party's own server saw them.

``Authentication-Results`` (RFC 8601) and ``Received-SPF`` (RFC 7208 §9.1) are
plain header fields anyone can write: attackers paste
``Authentication-Results: mx.google.com; spf=pass; dkim=pass`` into their mail.
Only results stamped with one of the campaign's authserv-ids
(``ctx.authserv_ids``) *and* placed where the party's server puts them are
trusted: above every ``Received`` stamped by a foreign server (anything below
such a stamp was written before the mail reached the party). A result claiming
the party's id below a foreign stamp, several of the party's results
disagreeing, or a foreign "pass" with no matching server on the path is
reported as forged.

No trusted results at all is not a signal: most users do not configure
authserv-ids. With ``ctx.dns`` set, three live checks run when the party's
server left no verdict: SPF of the envelope sender for the client address in
the party's relay stamp (bounded: 10 DNS look-ups, 3 seconds), the first DKIM
signature (dkimpy, the key fetched through the injected DNS client; no verdict
when DNS does not answer), and whether the From domain publishes a DMARC policy.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rempart.mail.context import MailContext
from rempart.mail.model import Category, Hit, ParsedMail, SignalSpec
from rempart.mail.urls import registrable

if TYPE_CHECKING:
    from rempart.net.dns import DnsClient

log = logging.getLogger(__name__)

MAX_VALUE = 8_000
"""Characters of one authentication header parsed at most."""
MAX_RESULTS = 50
"""Results kept per Authentication-Results field."""
MAX_FIELDS = 100
"""Authentication header fields examined per message."""
EVIDENCE = 300

SPF_LOOKUPS = 10
"""DNS-querying SPF terms allowed (RFC 7208 §4.6.4)."""
LIVE_SECONDS = 3.0
"""Wall time allowed for the live checks of one message."""

METHODS = frozenset(
    {"spf", "dkim", "dmarc", "arc", "iprev", "auth", "bimi", "sender-id", "dkim-adsp",
     "domainkeys", "x-original-dkim", "compauth", "dnswl", "rrvs", "smime", "vbr"}
)  # fmt: skip
PASS, FAIL, SOFTFAIL = "pass", "fail", "softfail"

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        "authentication.dmarc_fail",
        Category.AUTH,
        "The party's mail server found that the sender's domain did not authorise this mail "
        "(DMARC failed)",
        "DMARC ties the visible From address to the servers and signatures its owner allows; "
        "a failure means the From address is very likely forged.",
        "Do not trust the sender's name or address. Check with the sender by another channel "
        "before acting on the message.",
        2.5,
    ),
    SignalSpec(
        "authentication.spf_fail",
        Category.AUTH,
        "The sending server is not allowed to send mail for this domain (SPF failed)",
        "The domain's owner lists the servers allowed to send its mail; this one is not in "
        "the list, which is typical of forged senders.",
        "Treat the sender address as unverified; do not reply with sensitive information.",
        1.2,
    ),
    SignalSpec(
        "authentication.spf_softfail",
        Category.AUTH,
        "The sending server is probably not allowed to send for this domain (SPF softfail)",
        "The domain's owner says mail from other servers is suspicious but did not ask to "
        "reject it; forwarding can also cause this.",
        "Be careful with the sender address; confirm unusual requests by another channel.",
        0.6,
    ),
    SignalSpec(
        "authentication.dkim_fail",
        Category.AUTH,
        "The message's digital signature does not verify (DKIM failed)",
        "A broken signature means the message was altered after signing or the signature "
        "was copied from another message.",
        "Do not trust the content as coming from the signing domain.",
        0.8,
    ),
    SignalSpec(
        "authentication.own_domain_fail",
        Category.AUTH,
        "Mail claiming to come from the party's own domain failed authentication",
        "Someone is sending mail in the party's name from servers the party does not use: "
        "the classic first step of CEO/treasurer fraud against a campaign.",
        "Do not act on it. Report it to the campaign's technical contact, who should check "
        "the domain's DMARC policy is set to reject.",
        3.0,
    ),
    SignalSpec(
        "authentication.forged_results",
        Category.AUTH,
        "The message carries authentication results written by someone other than the "
        "receiving server",
        "Attackers paste 'spf=pass dkim=pass' lines into their mail so that it looks "
        "verified; no real server on the mail's path wrote them.",
        "Treat the message as forged. Forward it as an attachment to the technical contact.",
        3.0,
    ),
    SignalSpec(
        "authentication.no_dmarc",
        Category.AUTH,
        "The sender's domain publishes no DMARC policy (live check)",
        "Without DMARC anyone can send mail in this domain's name; domains registered for "
        "a phishing campaign rarely set one.",
        "A weak sign on its own; combined with other signs, verify the sender.",
        0.3,
    ),
)


# --- parsing --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthResult:
    """One ``method=result`` of an Authentication-Results field."""

    method: str
    """``spf``, ``dkim``, ``dmarc``, ``arc``… (lowercase, version dropped)."""
    result: str
    """``pass``, ``fail``, ``softfail``, ``none``… (lowercase)."""
    props: tuple[tuple[str, str], ...] = ()
    """``(header.d, example.org)``, ``(smtp.mailfrom, a@b)``, ``(reason, …)``."""

    def prop(self, name: str) -> str:
        """The first property called ``name`` (lowercase), or ``""``."""
        return next((v for k, v in self.props if k == name), "")


@dataclass(frozen=True)
class AuthHeader:
    """One Authentication-Results field."""

    index: int
    """Position among the message's header fields (0 = topmost)."""
    authserv_id: str
    """Lowercase; ``""`` when the field names none (Microsoft writes it that way)."""
    results: tuple[AuthResult, ...]
    raw: str


@dataclass(frozen=True)
class ReceivedSpf:
    """One Received-SPF field."""

    index: int
    result: str
    props: tuple[tuple[str, str], ...]
    raw: str

    def prop(self, name: str) -> str:
        return next((v for k, v in self.props if k == name), "")


def strip_comments(text: str) -> str:
    """``text`` without RFC 5322 comments (nested parentheses), quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for ch in text[:MAX_VALUE]:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if depth == 0 and ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            continue
        elif not quoted and ch == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append(" ")
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out)


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _pairs(segment: str) -> list[tuple[str, str]]:
    """``key=value`` tokens of one result (values unquoted)."""
    out = []
    for token in _split_outside_quotes(segment.replace("\t", " "), " "):
        key, eq, value = token.strip().partition("=")
        if eq and key:
            out.append((key.strip().lower(), value.strip().strip('"')))
    return out


def parse_authentication_results(value: str) -> tuple[str, tuple[AuthResult, ...]]:
    """``(authserv-id, results)`` of an Authentication-Results value; never raises."""
    segments = [s.strip() for s in _split_outside_quotes(strip_comments(value), ";")]
    if not segments:
        return "", ()
    head = segments[0]
    authserv_id = ""
    if "=" in head.split(" ")[0]:
        rest = segments  # no authserv-id: the first segment is already a result
    else:
        authserv_id = head.split(" ")[0].strip().lower()[:255]
        rest = segments[1:]
    results: list[AuthResult] = []
    for segment in rest:
        results.extend(_results_of(segment))
        if len(results) >= MAX_RESULTS:
            break
    return authserv_id, tuple(results[:MAX_RESULTS])


def _results_of(segment: str) -> list[AuthResult]:
    """Results in one ``;`` segment (several when a writer forgot the ``;``)."""
    out: list[AuthResult] = []
    method, result = "", ""
    props: list[tuple[str, str]] = []
    for key, val in _pairs(segment):
        name = key.split("/")[0]
        if "." not in key and (name in METHODS or name.startswith("x-")) and key != "reason":
            if method:
                out.append(AuthResult(method, result, tuple(props)))
            method, result, props = name, val.lower(), []
        elif method:
            props.append((key, val[:255]))
    if method:
        out.append(AuthResult(method, result, tuple(props)))
    return out


def parse_received_spf(value: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``(result, key-value pairs)`` of a Received-SPF value (RFC 7208 §9.1)."""
    text = strip_comments(value)
    result, _, rest = text.strip().partition(" ")
    pairs: list[tuple[str, str]] = []
    for part in _split_outside_quotes(rest, ";")[:20]:
        key, eq, val = part.strip().partition("=")
        if eq and key.strip():
            pairs.append((key.strip().lower(), val.strip().strip('"')[:255]))
    return result.lower()[:20], tuple(pairs)


_BY = re.compile(r"\bby\s+([^\s;]{1,255})", re.IGNORECASE)
_FROM = re.compile(r"^\s*from\s+([^\s;]{1,255})", re.IGNORECASE)
_IP_IN_BRACKETS = re.compile(r"\[(?:ipv6:)?([0-9a-f:.]{2,45})\]", re.IGNORECASE)


def received_hosts(value: str) -> tuple[str, str]:
    """``(from host, by host)`` of a Received value, lowercase, ``""`` when absent."""
    text = strip_comments(value[:4096])
    by = _BY.search(text)
    frm = _FROM.search(text)
    return (
        frm.group(1).lower().strip("[]") if frm else "",
        by.group(1).lower().rstrip(".").strip("[]") if by else "",
    )


def received_client_ip(value: str) -> str:
    """The client address in a Received value's ``from`` part (``[203.0.113.5]``)."""
    text = value[:4096]
    cut = re.search(r"\bby\s", text, re.IGNORECASE)
    for m in _IP_IN_BRACKETS.finditer(text[: cut.start()] if cut else text):
        try:
            return str(ipaddress.ip_address(m.group(1)))
        except ValueError:
            continue
    return ""


_INTERNAL_NETS = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
              "::1/128", "fc00::/7", "fe80::/10")
)  # fmt: skip


def _internal(host: str) -> bool:
    """Loopback, RFC 1918/4193 addresses and single-label names: hops inside one
    organisation (documentation and public addresses are not)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host in ("localhost", "localhost.localdomain") or "." not in host
    return any(ip in net for net in _INTERNAL_NETS)


def ours(host: str, ctx: MailContext) -> bool:
    """A host of the party's own mail infrastructure (or a purely internal hop)."""
    h = host.lower().rstrip(".")
    return h in ctx.relays or h in ctx.authserv_ids or ctx.is_own(h) or _internal(h)


def relayed_by_us(mail: ParsedMail, ctx: MailContext) -> bool:
    """True if the mail passed one of ``ctx.relays``: a Received field names it as the
    ``by`` host (it received the mail) or the ``from`` host (it handed the mail on).

    Fields are read from the top (the most recent hop) down, through the hops of the
    receiving provider (``from`` and ``by`` in one organisation, or no ``from``), and
    reading stops at the first hop between two foreign organisations: a relay stamp
    below it was written by the sender and proves nothing.
    """
    relays = {r.lower() for r in ctx.relays}
    for value in mail.header_all("Received")[:MAX_FIELDS]:
        frm, by = received_hosts(value)
        if by in relays or frm in relays:
            return True
        if not frm or not by or ours(by, ctx) or ours(frm, ctx):
            continue
        if registrable(frm) != registrable(by):
            return False
    return False


# --- the trusted view -----------------------------------------------------------------


@dataclass
class AuthView:
    """What the party's own server said, and what was forged."""

    trusted: list[AuthHeader] = field(default_factory=list)
    trusted_spf: list[ReceivedSpf] = field(default_factory=list)
    foreign: list[AuthHeader] = field(default_factory=list)
    forged: list[str] = field(default_factory=list)
    """Evidence lines, one per forged field."""
    relay_received: str = ""
    """The topmost Received stamped by one of the party's relays."""
    received_below: list[tuple[int, str]] = field(default_factory=list)
    """``(index, by host)`` of every Received field."""
    top_relay_index: int = -1

    def verdicts(self, method: str) -> list[tuple[str, str]]:
        """``(result, raw header)`` for ``method``, topmost trusted first."""
        out: list[tuple[str, str]] = []
        for h in self.trusted:
            out.extend((r.result, h.raw) for r in h.results if r.method == method)
        return out


def auth_view(mail: ParsedMail, ctx: MailContext) -> AuthView:
    """Sort the message's authentication fields into trusted, foreign and forged."""
    view = AuthView()
    ids = {i.lower() for i in ctx.authserv_ids}
    relays = {r.lower() for r in ctx.relays}
    foreign_by = ""
    seen = 0
    for index, (name, value) in enumerate(mail.headers):
        key = name.lower()
        if key == "received":
            _frm, by = received_hosts(value)
            view.received_below.append((index, by))
            if by in relays and view.top_relay_index < 0:
                view.top_relay_index, view.relay_received = index, value
            if by and not foreign_by and not ours(by, ctx):
                foreign_by = by
        elif key == "authentication-results" and seen < MAX_FIELDS:
            seen += 1
            _sort_ar(view, index, value, ids, foreign_by)
        elif key == "received-spf" and seen < MAX_FIELDS:
            seen += 1
            _sort_spf(view, index, value, ctx, foreign_by)
    _conflicts(view)
    return view


def _sort_ar(view: AuthView, index: int, value: str, ids: set[str], foreign_by: str) -> None:
    authserv_id, results = parse_authentication_results(value)
    header = AuthHeader(index, authserv_id, results, value)
    if authserv_id and authserv_id in ids:
        if foreign_by:
            view.forged.append(
                f"Authentication-Results: {value[:160]} (claims our id {authserv_id} but sits "
                f"below a Received by {foreign_by[:60]})"
            )
        else:
            view.trusted.append(header)
    else:
        view.foreign.append(header)


def _sort_spf(view: AuthView, index: int, value: str, ctx: MailContext, foreign_by: str) -> None:
    result, props = parse_received_spf(value)
    spf = ReceivedSpf(index, result, props, value)
    receiver = spf.prop("receiver").lower()
    if not foreign_by and (ctx.relays or ctx.authserv_ids):
        view.trusted_spf.append(spf)
    elif foreign_by and receiver and ours(receiver, ctx) and not _internal(receiver):
        view.forged.append(
            f"Received-SPF: {value[:160]} (names our server {receiver[:60]} but sits below "
            f"a Received by {foreign_by[:60]})"
        )


def _conflicts(view: AuthView) -> None:
    """Several of our own results disagreeing: keep the topmost, report the others."""
    first: dict[str, tuple[str, str]] = {}
    kept: list[AuthHeader] = []
    for header in view.trusted:
        conflict = False
        for r in header.results:
            if r.method not in ("spf", "dkim", "dmarc"):
                continue
            seen = first.get(r.method)
            if seen is None:
                first[r.method] = (r.result, header.raw)
            elif _polarity(seen[0]) != _polarity(r.result) and "" not in (
                _polarity(seen[0]),
                _polarity(r.result),
            ):
                conflict = True
                view.forged.append(
                    f"Authentication-Results: {header.raw[:160]} (says {r.method}={r.result} "
                    f"where our server said {r.method}={seen[0]})"
                )
        if not conflict:
            kept.append(header)
    view.trusted = kept
    spf_results = {_polarity(s.result) for s in view.trusted_spf} - {""}
    if len(spf_results) > 1:
        for s in view.trusted_spf[1:]:
            if _polarity(s.result) != _polarity(view.trusted_spf[0].result):
                view.forged.append(f"Received-SPF: {s.raw[:200]} (contradicts the one above)")
        view.trusted_spf = view.trusted_spf[:1]


def _polarity(result: str) -> str:
    if result == PASS:
        return "pass"
    if result in (FAIL, SOFTFAIL, "permerror"):
        return "fail"
    return ""


def _pasted(view: AuthView) -> list[str]:
    """Foreign results claiming a pass that no server on the path can have written."""
    out = []
    for header in view.foreign:
        aid = header.authserv_id
        if not aid or "." not in aid or header.index < view.top_relay_index:
            continue  # no id (Microsoft style) or written inside our own infrastructure
        if not any(r.result == PASS for r in header.results):
            continue
        org = registrable(aid)
        # The server that writes a result also writes a Received line, just above or
        # just below it depending on the software (Gmail: above): anywhere on the path.
        stamped = any(by and (by == aid or registrable(by) == org) for _, by in view.received_below)
        if not stamped:
            out.append(
                f"Authentication-Results: {header.raw[:180]} (no Received by {aid[:60]} "
                "on the mail's path)"
            )
    return out


# --- signals --------------------------------------------------------------------------


def _hit(signal: str, evidence: str) -> Hit:
    return Hit(signal, evidence[:EVIDENCE])


def _first_fail(pairs: Sequence[tuple[str, str]], wanted: Sequence[str]) -> str:
    """Raw header of the topmost verdict if it is in ``wanted``, else ``""``."""
    if pairs and pairs[0][0] in wanted:
        return pairs[0][1]
    return ""


def _trusted_hits(mail: ParsedMail, ctx: MailContext, view: AuthView) -> list[Hit]:
    hits: list[Hit] = []
    failed: list[str] = []
    dmarc = _first_fail(view.verdicts("dmarc"), (FAIL,))
    if dmarc:
        hits.append(_hit("authentication.dmarc_fail", f"Authentication-Results: {dmarc}"))
        failed.append(dmarc)
    spf = view.verdicts("spf") or [(s.result, s.raw) for s in view.trusted_spf]
    spf_name = "Authentication-Results" if view.verdicts("spf") else "Received-SPF"
    for result, signal in ((FAIL, "spf_fail"), (SOFTFAIL, "spf_softfail")):
        raw = _first_fail(spf, (result,))
        if raw:
            hits.append(_hit(f"authentication.{signal}", f"{spf_name}: {raw}"))
            failed.append(raw)
    dkim = view.verdicts("dkim")
    if dkim and not any(r == PASS for r, _ in dkim) and not _is_list(mail):
        raw = next((h for r, h in dkim if r == FAIL), "")
        if raw:
            hits.append(_hit("authentication.dkim_fail", f"Authentication-Results: {raw}"))
            failed.append(raw)
    sender = mail.sender
    if failed and sender is not None and sender.domain and ctx.is_own(sender.domain):
        evidence = f"From: {sender.address} — Authentication-Results: {failed[0]}"
        hits.append(_hit("authentication.own_domain_fail", evidence))
    return hits


def _is_list(mail: ParsedMail) -> bool:
    return bool(mail.header("List-Id") or mail.header("List-Post"))


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """Authentication signals of ``mail`` (see the module docstring)."""
    view = auth_view(mail, ctx)
    hits = _trusted_hits(mail, ctx, view)
    forged = view.forged + _pasted(view)
    if forged:
        hits.append(_hit("authentication.forged_results", forged[0]))
    if ctx.dns is not None:
        hits.extend(_live(mail, ctx, view, ctx.dns))
    return hits


# --- live checks ----------------------------------------------------------------------


class _Budget:
    """DNS look-ups and wall time left for one message's live checks."""

    def __init__(self, lookups: int, seconds: float) -> None:
        self.lookups = lookups
        self.end = time.monotonic() + seconds

    def take(self) -> bool:
        self.lookups -= 1
        return self.lookups >= 0 and time.monotonic() < self.end


def _live(mail: ParsedMail, ctx: MailContext, view: AuthView, dns: DnsClient) -> list[Hit]:
    hits: list[Hit] = []
    sender = mail.sender
    from_domain = sender.domain if sender is not None else ""
    if not view.verdicts("spf") and not view.trusted_spf and view.relay_received:
        ip = received_client_ip(view.relay_received)
        domain = mail.return_path.rpartition("@")[2] or from_domain
        if ip and domain and not ctx.is_own(domain):
            result, record = spf_check(dns, ip, domain, _Budget(SPF_LOOKUPS, LIVE_SECONDS))
            if result in (FAIL, SOFTFAIL):
                signal = "spf_fail" if result == FAIL else "spf_softfail"
                evidence = f"live SPF check: {ip} is not allowed to send for {domain} ({record})"
                hits.append(_hit(f"authentication.{signal}", evidence))
    if not view.verdicts("dkim") and mail.header("DKIM-Signature") and mail.raw:
        failure = dkim_failure(mail.raw, dns)
        if failure:
            hits.append(_hit("authentication.dkim_fail", f"live DKIM check: {failure}"))
    checkable = from_domain and not ctx.is_own(from_domain) and not view.verdicts("dmarc")
    if checkable and dmarc_record(dns, from_domain) is None:
        shown = sender.address if sender is not None else ""
        evidence = f"live DMARC check: no v=DMARC1 record for {from_domain} (From: {shown})"
        hits.append(_hit("authentication.no_dmarc", evidence))
    return hits


def dkim_failure(raw: bytes, dns: DnsClient) -> str:
    """Why the message's first DKIM signature does not verify (dkimpy, keys fetched through
    ``dns``), or ``""`` when it verifies or when DNS could not answer (no verdict then)."""
    import dkim

    state = {"temp": False, "missing": ""}

    def txt(name: bytes, timeout: float = 5.0) -> bytes | None:
        qname = name.decode("ascii", "replace").rstrip(".")
        answer = dns.query(qname, "TXT")
        if answer.status in ("nxdomain", "nodata"):
            state["missing"] = qname
            return None
        if answer.failed:
            state["temp"] = True
            return None
        return "".join(answer.records).encode("ascii", "replace") if answer.records else None

    signer = dkim.DKIM(raw, timeout=int(LIVE_SECONDS), minkey=1024)
    try:
        ok = signer.verify(dnsfunc=txt)
        problem = ""
    except dkim.DKIMException as exc:
        ok, problem = False, str(exc)
    except Exception as exc:  # dkimpy on hostile input: a failure, never a crash
        ok, problem = False, type(exc).__name__
    if ok or state["temp"]:
        return ""
    domain = _text(getattr(signer, "domain", None))
    selector = _text(getattr(signer, "selector", None))
    if state["missing"]:
        return f"no DKIM key published at {state['missing']} (d={domain}, s={selector})"
    if not problem or "body hash mismatch" in problem:
        return (f"the d={domain} s={selector} signature does not match the message "
                "(altered or forged)")  # fmt: skip
    return f"the d={domain} s={selector} signature cannot be verified ({problem})"[:250]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")[:100]
    return str(value)[:100] if value else "?"


def dmarc_record(dns: DnsClient, domain: str) -> str | None:
    """The DMARC record applying to ``domain`` (its own, else its organisation's);
    ``""`` when the answer was unusable (timeout…), None when there is none."""
    names = [f"_dmarc.{domain}"]
    org = registrable(domain)
    if org != domain:
        names.append(f"_dmarc.{org}")
    for name in names:
        answer = dns.query(name, "TXT")
        if answer.failed:
            return ""
        for rec in answer.records:
            if rec.strip().lower().startswith("v=dmarc1"):
                return rec
    return None


def _spf_record(dns: DnsClient, domain: str) -> tuple[str, str]:
    """``(status, record)``: status ``ok``, ``none``, ``temperror`` or ``permerror``."""
    answer = dns.query(domain, "TXT")
    if answer.failed:
        return "temperror", ""
    recs = [r for r in answer.records if r.lower() == "v=spf1" or r.lower().startswith("v=spf1 ")]
    if not recs:
        return "none", ""
    if len(recs) > 1:
        return "permerror", recs[0]
    return "ok", recs[0]


def spf_check(
    dns: DnsClient, ip: str, domain: str, budget: _Budget, depth: int = 0
) -> tuple[str, str]:
    """SPF result of ``ip`` for ``domain`` (RFC 7208, without macros or ``ptr``):
    ``(result, record)``; bounded by ``budget``."""
    if depth > 5 or not budget.take():
        return "permerror", ""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "permerror", ""
    status, record = _spf_record(dns, domain)
    if status != "ok":
        return status, record
    redirect = ""
    for term in record.split()[1:40]:
        low = term.lower()
        if low.startswith("redirect="):
            redirect = term[9:]
            continue
        if "=" in low.split(":")[0]:
            continue  # exp= and unknown modifiers
        qualifier = {"+": PASS, "-": FAIL, "~": SOFTFAIL, "?": "neutral"}.get(term[0])
        mech = term[1:] if qualifier else term
        matched = _mechanism(dns, addr, domain, mech, budget, depth)
        if matched in ("temperror", "permerror"):
            return matched, record
        if matched == "match":
            return qualifier or PASS, record
    if redirect and "%" not in redirect:
        return spf_check(dns, ip, redirect, budget, depth + 1)
    return "neutral", record


def _mechanism(
    dns: DnsClient,
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address,
    domain: str,
    mech: str,
    budget: _Budget,
    depth: int,
) -> str:
    """``match``, ``no``, ``temperror`` or ``permerror`` for one mechanism."""
    name, _, arg = mech.partition(":")
    name = name.lower()
    if name == "all":
        return "match"
    if name in ("ip4", "ip6"):
        try:
            return "match" if addr in ipaddress.ip_network(arg, strict=False) else "no"
        except ValueError:
            return "permerror"
    if "%" in arg or name == "ptr":
        return "no"  # macros and ptr are not evaluated (documented limit)
    if name == "include":
        result, _ = spf_check(dns, str(addr), arg, budget, depth + 1)
        if result in ("temperror", "permerror"):
            return result
        return "match" if result == PASS else "no"
    if name.split("/")[0] in ("a", "mx", "exists"):
        if not budget.take():
            return "permerror"
        return _address_mechanism(dns, addr, domain, name, arg)
    return "no"


def _address_mechanism(
    dns: DnsClient,
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address,
    domain: str,
    name: str,
    arg: str,
) -> str:
    """``a``, ``mx`` and ``exists``, with their ``/cidr`` and ``//cidr6`` forms."""
    kind, _, cidr = name.partition("/")
    target = domain
    if arg:
        target, _, cidr = arg.partition("/")
    if kind == "exists":
        answer = dns.query(target, "A")
        return "temperror" if answer.failed else ("match" if answer.ok else "no")
    v4, _, v6 = ("/" + cidr).partition("//")
    prefix = (v4.lstrip("/") if addr.version == 4 else v6) or str(addr.max_prefixlen)
    if not prefix.isdigit():
        return "permerror"
    hosts = [target]
    if kind == "mx":
        answer = dns.query(target, "MX")
        if answer.failed:
            return "temperror"
        hosts = [r.split()[-1].rstrip(".") for r in answer.records[:10]]
    rdtype = "A" if addr.version == 4 else "AAAA"
    for host in hosts:
        for rec in dns.query(host, rdtype).records:
            try:
                if addr in ipaddress.ip_network(f"{rec}/{prefix}", strict=False):
                    return "match"
            except ValueError:
                continue
    return "no"
