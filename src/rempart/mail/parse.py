"""Raw bytes → :class:`ParsedMail`, within bounds, never raising on bad input.

Mail is written by attackers, so this is a small MIME reader of its own rather
than the standard library's ``email`` parser (which recurses on nesting, has
quadratic corners in its header and parameter parsers and recursion in its
address parser). Every step is linear in the input and capped by
:class:`~rempart.mail.limits.MailLimits`: header fields are cut out with C-level
searches, multipart bodies are split with one regular expression per boundary
(a literal first, so the engine searches fast), nesting is walked with an
explicit stack, and HTML is made safe for lexbor before it is parsed.

Every problem becomes one line in ``ParsedMail.defects`` naming the part
(``part 1.2: base64 padding missing``) and every cap hit one line in
``ParsedMail.truncated``. Parts are labelled ``1`` (the message), ``1.1``,
``1.2``… (its parts), ``1.2.1``… An attached message (``message/rfc822``)
shares its part's label; its own parts are numbered below it.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from rempart.mail.limits import DEFAULT_LIMITS, MailLimits
from rempart.mail.model import Address, Attachment, Link, ParsedMail
from rempart.mail.urls import idna_ascii

log = logging.getLogger(__name__)

MAX_DEFECTS = 100
"""Defect lines kept per message (the count of the others is given)."""
MAX_ADDRESSES = 1000
"""Mailboxes kept per address header."""
MAX_FILENAME = 500
HTML_SAFE_TAGS = 20_000
"""HTML with fewer tags than this parses fast whatever its nesting."""
HTML_MAX_DEPTH = 1024
"""Deeper block tags are read as ``span`` (lexbor is quadratic in block nesting)."""

_URL_RE = re.compile(r"""(?i)\b(?:https?://|www\.)[^\s<>"'\]\[{}|\\^`]{2,2048}""")
_TRAILING = ".,;:!?)'\""
_FIELD_END = re.compile(rb"\n(?![ \t])")
_FOLD = re.compile(rb"\n[ \t]*")
_FOLD_STR = re.compile(r"\r?\n[ \t]*")
_NAME_OK = re.compile(rb"[!-9;-~]{1,200}")
_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*)\?=")
_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+/[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+")
_SECTION = re.compile(r"^(.+?)\*(\d{1,3})?(\*)?$")
# A quoted string's closing quote is optional so that the token always matches (no backtracking).
_ADDR_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|<[^<>]*>?|[(),;:<>]|[^"(),;:<>]+', re.S)
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,15})")
_WS_RUN = re.compile(r"\s+")
_QUOTED = re.compile(r'((?:[^"\\]|\\.)*)"?', re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_B64_NOISE = bytes(i for i in range(256) if i not in _B64_ALPHABET)
_WHITESPACE = b" \t\r\n\x0b\x0c"

_UTF8_FAMILY = frozenset({"utf-8", "ascii"})
_REFUSED_CODECS = frozenset(
    # not charsets, or quadratic/unbounded decoders an attacker could name
    {"punycode", "idna", "undefined", "raw_unicode_escape", "unicode_escape", "mbcs", "oem"}
)
# Void elements, and those the tree builder closes by itself (no nesting growth).
_VOID_NAMES = (
    "area base br col embed hr img input link meta param source track wbr "
    "p li dt dd option optgroup td th tr tbody thead tfoot colgroup caption rb rt rp"
)
# Start tags that make the tree builder scan the stack of open elements.
_QUADRATIC_NAMES = (
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup main menu nav ol pre listing section summary ul search"
)
_VOID = frozenset(_VOID_NAMES.split())
_QUADRATIC = frozenset(_QUADRATIC_NAMES.split())
_ENCODED_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_BODY_TYPES = frozenset({"text/plain", "text/html"})
_END_OF_DATA = frozenset(
    {
        "closing MIME boundary missing",
        "base64 padding missing",
        "base64 ends with a stray character",
    }
)


# ---------------------------------------------------------------- public helpers


def decode_words(value: object) -> str:
    """A header value with RFC 2047 encoded words decoded and unfolded; never raises."""
    if value is None:
        return ""
    return _decode_words(str(value))[0]


def parse_addresses(values: list[str]) -> tuple[Address, ...]:
    """Mailboxes from header values (``"Name" <a@b>``), domains in A-label form.

    Pass the values *before* RFC 2047 decoding when you have them (display names
    are decoded here, after the address is split off, so an encoded display name
    cannot smuggle in an address); decoded values work too.
    """
    out: list[Address] = []
    for value in values:
        for display, addr in _mailboxes(str(value)):
            out.append(_address(display, addr))
            if len(out) >= MAX_ADDRESSES:
                return tuple(out)
    return tuple(a for a in out if a.display or a.address)


def html_to_text_and_links(html: str, where: str, max_links: int) -> tuple[str, list[Link]]:
    """Visible text of ``html`` and its links (anchors, areas, forms); never raises.

    ``html`` is passed through :func:`safe_html` first, so parse time stays bounded.
    """
    try:
        tree = HTMLParser(safe_html(html)[0])
    except Exception:  # lexbor refuses some inputs; hostile HTML must not stop the run
        return "", []
    links: list[Link] = []
    for node in tree.css("a[href], area[href]"):
        if len(links) >= max_links:
            break
        href = (node.attributes.get("href") or "").strip()
        if href:
            text = _WS_RUN.sub(" ", (node.text(separator=" ") or "")[:2000]).strip()[:500]
            links.append(Link(url=href[:4096], text=text, where=where))
    for node in tree.css("form[action]"):
        action = (node.attributes.get("action") or "").strip()
        if action and len(links) < max_links:
            links.append(Link(url=action[:4096], text="<form>", where=where))
    for tag in ("script", "style", "head", "title", "noscript", "template"):
        for node in tree.css(tag):
            node.decompose()
    body = tree.body or tree.root
    text = body.text(separator=" ") if body is not None else ""
    return _WS_RUN.sub(" ", text).strip(), links


def text_links(text: str, where: str, max_links: int) -> list[Link]:
    """URLs written in plain text."""
    links: list[Link] = []
    if max_links <= 0:
        return links
    for m in _URL_RE.finditer(text):
        links.append(Link(url=m.group(0).rstrip(_TRAILING), where=where))
        if len(links) >= max_links:
            break
    return links


def safe_html(html: str) -> tuple[str, int]:
    """``html`` made safe to parse in bounded time, and how many tags were rewritten.

    lexbor (like the HTML standard's tree builder) scans the stack of open
    elements for every block tag (``div``, ``section``…), so thousands of
    unclosed nested tags take seconds. Past :data:`HTML_MAX_DEPTH` open tags,
    block tags are renamed ``span``: the text, links and attributes stay.
    """
    if html.count("<") < HTML_SAFE_TAGS:
        return html, 0
    depth = 0
    out: list[str] = []
    last = 0
    renamed = 0
    for m in _HTML_TAG.finditer(html):
        name = m.group(2).lower()
        if name in _VOID:
            continue
        if m.group(1):
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > HTML_MAX_DEPTH and name in _QUADRATIC:
            out.append(html[last : m.start(2)])
            out.append("span")
            last = m.end(2)
            renamed += 1
    if not renamed:
        return html, 0
    out.append(html[last:])
    return "".join(out), renamed


# ---------------------------------------------------------------- entry point


def parse_message(
    raw: bytes,
    source: str,
    limits: MailLimits = DEFAULT_LIMITS,
    *,
    raw_size: int | None = None,
) -> ParsedMail:
    """Parse one raw message; problems are recorded, never raised.

    ``raw_size`` is the message's true size when the caller already cut ``raw``
    (a source reading at most ``limits.max_message_bytes``).
    """
    size = raw_size or 0
    try:
        size = max(len(raw), size)
        return _parse(bytes(raw), source, limits, size)
    except Exception as exc:  # a bug here must cost one message's detail, not the run
        log.warning("parser failed on %s", source, exc_info=True)
        return ParsedMail(
            source=source,
            raw_size=size,
            headers=(),
            defects=(f"part 1: internal parser error: {type(exc).__name__}"[:300],),
        )


# ---------------------------------------------------------------- the walk


@dataclass
class _Acc:
    """What the walk collects (mutable, private to one parse)."""

    limits: MailLimits
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)
    text_left: int = 0
    html_left: int = 0
    parts: int = 0
    cut_short: bool = False
    """The message was cut: its end is missing, so end-of-data damage is expected."""

    def defect(self, label: str, what: str) -> None:
        if self.cut_short and what in _END_OF_DATA:
            return
        self.defects.append(f"part {label}: {what}"[:300])

    def cut(self, what: str) -> None:
        self.truncated.append(what[:300])


@dataclass(frozen=True)
class _Entity:
    data: bytes
    depth: int
    label: str
    default_type: str = "text/plain"
    boundaries: tuple[str, ...] = ()
    """Boundaries of the enclosing multiparts (a reused one is a defect)."""


def _parse(raw: bytes, source: str, limits: MailLimits, size: int) -> ParsedMail:
    acc = _Acc(limits=limits, text_left=limits.max_text_chars, html_left=limits.max_text_chars)
    if size > len(raw) or len(raw) > limits.max_message_bytes:
        acc.cut(f"message cut at {limits.max_message_bytes} bytes of {size}")
        acc.cut_short = True
        raw = raw[: limits.max_message_bytes]
    data = _normalise_newlines(raw)
    if not data.strip():
        acc.defect("1", "empty message")
    if data.startswith(b"From "):  # mbox envelope line
        nl = data.find(b"\n")
        data = b"" if nl < 0 else data[nl + 1 :]
    fields, body = _read_head(data, "1", acc)
    if not fields and data.strip():
        acc.defect("1", "no header fields")
    _duplicates(fields, "1", acc, _SINGLE_ROOT)
    _walk(fields, body, acc)
    return replace(_build(source, size, fields, acc), raw=raw)


# Date and Message-ID are left out: they describe the era, and tests strip them.
_SINGLE_ROOT = ("from", "sender", "reply-to", "to", "subject")
_SINGLE_PART = ("content-type", "content-transfer-encoding", "content-disposition")


def _normalise_newlines(raw: bytes) -> bytes:
    data = raw.replace(b"\r\n", b"\n")
    head = data[:8192]
    if b"\n" not in head and b"\r" in head:  # old Mac line ends
        data = data.replace(b"\r", b"\n")
    return data


def _walk(root_fields: list[tuple[str, str]], root_body: bytes, acc: _Acc) -> None:
    limits = acc.limits
    stack: list[_Entity] = []
    ent = _Entity(root_body, 0, "1")
    fields, body = root_fields, root_body
    while True:
        acc.parts += 1
        if acc.parts > limits.max_parts:
            acc.cut(f"more than {limits.max_parts} MIME parts, the rest not read")
            return
        _walk_one(ent, fields, body, stack, acc)
        if not stack:
            return
        ent = stack.pop()
        fields, body = _read_head(ent.data, ent.label, acc)
        _duplicates(fields, ent.label, acc, _SINGLE_PART)


def _walk_one(
    ent: _Entity, fields: list[tuple[str, str]], body: bytes, stack: list[_Entity], acc: _Acc
) -> None:
    """Read one entity: a leaf is collected, a container pushes its children on ``stack``."""
    label = ent.label
    ctype, params = _content_type(fields, ent.default_type, label, acc)
    if ctype.startswith("multipart/") or ctype in _ENCODED_MESSAGE_TYPES:
        if ent.depth >= acc.limits.max_mime_depth:
            acc.cut(f"part {label}: MIME nesting deeper than {acc.limits.max_mime_depth}, not read")
            return
        if ctype in _ENCODED_MESSAGE_TYPES:
            inner = _attached_message(fields, body, ctype, params, label, acc)
            stack.append(_Entity(inner, ent.depth + 1, label, "text/plain", ent.boundaries))
            return
        boundary = params.get("boundary", "")
        children = _split_multipart(body, boundary, ent.boundaries, label, acc)
        if children is not None:
            child_type = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
            bounds = (*ent.boundaries, boundary)
            for i in range(len(children), 0, -1):
                stack.append(
                    _Entity(children[i - 1], ent.depth + 1, f"{label}.{i}", child_type, bounds)
                )
            return
        ctype, params = "text/plain", {}
    _leaf(fields, body, ctype, params, label, acc)


def _attached_message(
    fields: list[tuple[str, str]],
    body: bytes,
    ctype: str,
    params: dict[str, str],
    label: str,
    acc: _Acc,
) -> bytes:
    """The inner message of a ``message/rfc822`` part (also an attachment when it is a file)."""
    cte = _cte(fields)
    if cte not in ("", "7bit", "8bit", "binary"):
        acc.defect(label, f"attached message encoded in {cte[:40]}")
    inner = _normalise_newlines(_decode_cte(body, cte, label, acc))
    disposition, dparams = _params(_field(fields, "content-disposition"), label, acc)
    filename = _filename(dparams, params)
    if filename or disposition.lower() == "attachment":
        _add_attachment(inner, filename, ctype, disposition, label, acc)
    return inner


def _leaf(
    fields: list[tuple[str, str]],
    body: bytes,
    ctype: str,
    params: dict[str, str],
    label: str,
    acc: _Acc,
) -> None:
    data = _decode_cte(body, _cte(fields), label, acc)
    disposition, dparams = _params(_field(fields, "content-disposition"), label, acc)
    filename = _filename(dparams, params)
    disposition = disposition.lower()
    if ctype in _BODY_TYPES and not filename and disposition != "attachment":
        _body_text(data, ctype, params.get("charset", ""), label, acc)
        return
    _add_attachment(data, filename, ctype, disposition, label, acc)


def _body_text(data: bytes, ctype: str, charset: str, label: str, acc: _Acc) -> None:
    html = ctype == "text/html"
    left = acc.html_left if html else acc.text_left
    if left <= 0:
        acc.cut(f"part {label}: not read, {acc.limits.max_text_chars} characters already read")
        return
    text = _decode_text(data, charset, label, acc, max_chars=left)
    if not text:
        return
    if "\x00" in text:
        acc.defect(label, "NUL bytes in text")
    if len(text) > left:
        kind = "html" if html else "text"
        acc.cut(f"part {label}: {kind} cut at {acc.limits.max_text_chars} characters")
        text = text[:left]
    if html:
        acc.htmls.append(text)
        acc.html_left -= len(text) + 1
    else:
        acc.texts.append(text)
        acc.text_left -= len(text) + 1


def _add_attachment(
    data: bytes, filename: str, ctype: str, disposition: str, label: str, acc: _Acc
) -> None:
    size = len(data)
    cut = size > acc.limits.max_part_bytes
    if cut:
        acc.cut(f"part {label} cut at {acc.limits.max_part_bytes} bytes of {size}")
        data = data[: acc.limits.max_part_bytes]
    acc.attachments.append(
        Attachment(
            filename=filename,
            content_type=ctype[:200],
            data=data,
            size=size,
            sha256=hashlib.sha256(data).hexdigest(),
            truncated=cut,
            inline=disposition.lower() == "inline",
        )
    )


def _build(source: str, size: int, fields: list[tuple[str, str]], acc: _Acc) -> ParsedMail:
    limits = acc.limits
    headers = [(name, _decode_header_value(name, value, acc)) for name, value in fields]
    text = "\n".join(acc.texts)[: limits.max_text_chars]
    html = "\n".join(acc.htmls)[: limits.max_text_chars]
    links: list[Link] = []
    html_text = ""
    if html:
        html, renamed = safe_html(html)
        if renamed:
            acc.cut(f"html: {renamed} block tags nested over {HTML_MAX_DEPTH} deep read as span")
        html_text, links = html_to_text_and_links(html, "html", limits.max_links + 1)
        html_text = html_text[: limits.max_text_chars]
    links.extend(text_links(text, "text", limits.max_links + 1 - len(links)))
    if len(links) > limits.max_links:
        acc.cut(f"more than {limits.max_links} links, the rest not read")
        links = links[: limits.max_links]
    first = _first(headers)
    raw_first = _first(fields)
    return ParsedMail(
        source=source,
        raw_size=size,
        headers=tuple(headers),
        subject=first.get("subject", ""),
        from_=_addresses(fields, "from"),
        reply_to=_addresses(fields, "reply-to"),
        to=_addresses(fields, "to"),
        cc=_addresses(fields, "cc"),
        return_path=_return_path(raw_first.get("return-path", "")),
        date=_date(raw_first.get("date", "")),
        message_id=raw_first.get("message-id", "").strip()[:500],
        text=text,
        html=html,
        html_text=html_text,
        links=tuple(links),
        attachments=tuple(acc.attachments),
        defects=_capped(acc.defects, "defects"),
        truncated=_capped(acc.truncated, "caps hit"),
    )


def _capped(lines: list[str], what: str) -> tuple[str, ...]:
    unique = list(dict.fromkeys(lines))
    if len(unique) <= MAX_DEFECTS:
        return tuple(unique)
    return (*unique[: MAX_DEFECTS - 1], f"and {len(unique) - MAX_DEFECTS + 1} more {what}")


# ---------------------------------------------------------------- headers


def _read_head(data: bytes, label: str, acc: _Acc) -> tuple[list[tuple[str, str]], bytes]:
    """Header fields (name, unfolded value as str, not yet RFC 2047-decoded) and the body."""
    limits = acc.limits
    if data.startswith(b"\n"):
        return [], data[1:]
    if not data.strip():
        return [], b""
    end = data.find(b"\n\n")
    if end < 0:
        block, body = (data if data.endswith(b"\n") else data + b"\n"), b""
    else:
        block, body = data[: end + 1], data[end + 2 :]
    fields: list[tuple[str, str]] = []
    pos = 0
    n = len(block)
    if block[:1] in (b" ", b"\t"):
        acc.defect(label, "first header line is a continuation line")
        pos = _FIELD_END.search(block).end()  # type: ignore[union-attr]  # block ends with \n
    while pos < n:
        if len(fields) >= limits.max_headers:
            rest = block[pos:]
            more = rest.count(b"\n") - rest.count(b"\n ") - rest.count(b"\n\t")
            acc.cut(
                f"part {label}: {len(fields) + more} header fields, "
                f"only the first {limits.max_headers} read"
            )
            break
        line_end = block.find(b"\n", pos)
        colon = block.find(b":", pos, line_end)
        name = block[pos:colon].rstrip(b" \t") if colon > pos else b""
        if not _NAME_OK.fullmatch(name):
            acc.defect(label, "no blank line between header and body")
            return fields, data[pos:]
        m = _FIELD_END.search(block, line_end)
        stop = m.start() if m else n
        value = block[colon + 1 : stop]
        if len(value) > limits.max_header_bytes:
            acc.cut(
                f"part {label}: header {name[:40].decode()} cut at {limits.max_header_bytes} bytes"
            )
            value = value[: limits.max_header_bytes]
        fields.append((name.decode("ascii"), _text_of(_FOLD.sub(b" ", value).strip())))
        pos = stop + 1
    return fields, body


def _text_of(value: bytes) -> str:
    """Header bytes as text: UTF-8 (RFC 6532), else Windows-1252, else Latin-1."""
    if value.isascii():
        return value.decode("ascii")
    for cs in ("utf-8", "cp1252"):
        try:
            return value.decode(cs)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")


def _field(fields: list[tuple[str, str]], name: str) -> str:
    for key, value in fields:
        if key.lower() == name:
            return value
    return ""


def _first(fields: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in fields:
        out.setdefault(key.lower(), value)
    return out


def _duplicates(
    fields: list[tuple[str, str]], label: str, acc: _Acc, names: tuple[str, ...]
) -> None:
    counts: dict[str, int] = {}
    for key, _ in fields:
        low = key.lower()
        if low in names:
            counts[low] = counts.get(low, 0) + 1
    for low, count in counts.items():
        if count > 1:
            acc.defect(label, f"{count} {low} header fields")


def _decode_header_value(name: str, value: str, acc: _Acc) -> str:
    if "=?" not in value:
        return value
    text, bad = _decode_words(value)
    if bad:
        acc.defect("1", f"{name[:40]} header has an invalid encoded word")
    return text


def _decode_words(text: str) -> tuple[str, bool]:
    """RFC 2047 decoding; True when an encoded word could not be decoded."""
    text = _FOLD_STR.sub(" ", text)
    if "=?" not in text:
        return text.strip(), False
    chunks: list[tuple[str, list[bytes] | str]] = []  # (charset, encoded bytes) or ("", text)
    pos = 0
    bad = False
    for m in _WORD.finditer(text):
        between = text[pos : m.start()]
        if between and not (between.isspace() and chunks and chunks[-1][0]):
            chunks.append(("", between))
        charset = m.group(1).split("*", 1)[0].lower() or "?"
        decoded = _word_bytes(m.group(2).lower(), m.group(3))
        last = chunks[-1] if chunks else ("", "")
        if decoded is None:
            bad = True
            chunks.append(("", m.group(0)))
        elif last[0] == charset and isinstance(last[1], list):
            last[1].append(decoded)  # split multi-byte characters join up
        else:
            chunks.append((charset, [decoded]))
        pos = m.end()
    chunks.append(("", text[pos:]))
    out: list[str] = []
    for charset, part in chunks:
        if isinstance(part, str):
            out.append(part)
            continue
        codec = _codec(charset)
        if codec is None:
            bad = True
            codec = "utf-8"
        out.append(b"".join(part).decode(codec, errors="replace"))
    return _FOLD_STR.sub(" ", "".join(out)).strip(), bad


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return None
    if encoding == "q":
        return binascii.a2b_qp(raw, header=True)
    core = raw.translate(None, _B64_NOISE).rstrip(b"=")
    if len(core) % 4 == 1:
        return None
    try:
        return binascii.a2b_base64(core + b"=" * (-len(core) % 4))
    except (binascii.Error, ValueError):
        return None


# ---------------------------------------------------------------- parameters


def _content_type(
    fields: list[tuple[str, str]], default: str, label: str, acc: _Acc
) -> tuple[str, dict[str, str]]:
    value = _field(fields, "content-type")
    if not value:
        return default, {}
    main, params = _params(value, label, acc)
    ctype = main.strip().lower()
    if _TOKEN.fullmatch(ctype):
        return ctype, params
    m = _TOKEN.match(ctype)  # "text/html charset=x": clients read the leading type
    read_as = m.group(0) if m and ctype[m.end()] in " \t,:" else default
    acc.defect(label, f"invalid Content-Type {ctype[:60]!r}, read as {read_as}")
    return read_as, params


def _params(value: str, label: str, acc: _Acc) -> tuple[str, dict[str, str]]:
    """``type; a=b; c="d"`` → (``type``, params), RFC 2231 sections joined and decoded."""
    semi = value.find(";")
    if semi < 0:
        return value.strip(), {}
    main = value[:semi].strip()
    pairs: list[tuple[str, str]] = []
    pos, n = semi + 1, len(value)
    while pos < n and len(pairs) < 64:
        eq = value.find("=", pos)
        if eq < 0:
            break
        junk = value.rfind(";", pos, eq)  # valueless parameters before this one
        if junk >= 0:
            pos = junk + 1
        name = value[pos:eq].strip().lower()
        pos = eq + 1
        while pos < n and value[pos] in " \t":
            pos += 1
        if pos < n and value[pos] == '"':
            m = _QUOTED.match(value, pos + 1)
            text = _UNESCAPE.sub(r"\1", m.group(1)) if m else ""
            pos = m.end() if m else n
            nxt = value.find(";", pos)
            pos = n if nxt < 0 else nxt + 1
        else:
            nxt = value.find(";", pos)
            stop = n if nxt < 0 else nxt
            text, pos = value[pos:stop].strip(), stop + 1
        if name:
            pairs.append((name, text))
    return main, _join_sections(pairs, label, acc)


def _join_sections(pairs: list[tuple[str, str]], label: str, acc: _Acc) -> dict[str, str]:
    plain: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for name, text in pairs:
        m = _SECTION.match(name)
        if m is None:
            if name in plain:
                acc.defect(label, f"parameter {name[:40]} given twice")
                continue
            plain[name] = text
            continue
        sections.setdefault(m.group(1), []).append(
            (int(m.group(2) or 0), bool(m.group(3)) or m.group(2) is None, text)
        )
    for name, parts in sections.items():
        parts.sort(key=lambda p: p[0])
        value = _rfc2231(parts)
        if name in plain and plain[name] != value:
            acc.defect(label, f"parameter {name[:40]} given twice")
        plain[name] = value
    return plain


def _rfc2231(parts: list[tuple[int, bool, str]]) -> str:
    charset = ""
    chunks: list[bytes] = []
    for index, encoded, text in parts[:100]:
        if encoded:
            if index == 0 and text.count("'") >= 2:
                charset, _, text = text.split("'", 2)
            chunks.append(unquote_to_bytes(text))
        else:
            chunks.append(text.encode("utf-8", "surrogateescape"))
    data = b"".join(chunks)
    codec = _codec(charset) or "utf-8"
    return data.decode(codec, errors="replace")


def _filename(dparams: dict[str, str], params: dict[str, str]) -> str:
    name = dparams.get("filename") or params.get("name") or ""
    return decode_words(name)[:MAX_FILENAME] if name else ""


def _cte(fields: list[tuple[str, str]]) -> str:
    return _field(fields, "content-transfer-encoding").strip().strip('"').strip().lower()


# ---------------------------------------------------------------- bodies


def _split_multipart(
    body: bytes, boundary: str, enclosing: tuple[str, ...], label: str, acc: _Acc
) -> list[bytes] | None:
    """The parts of a multipart body, or None when it has no usable boundary."""
    if not boundary:
        acc.defect(label, "multipart without boundary, read as text")
        return None
    try:
        bound = boundary.encode("utf-8", "surrogateescape")[:1000]
    except UnicodeError:
        bound = boundary.encode("latin-1", "replace")[:1000]
    parts: list[bytes] = []
    start = -1
    closed = False
    for sep, end, closing in _delimiters(body, bound):
        if start >= 0:
            parts.append(body[start : max(start, sep)])
            if len(parts) > acc.limits.max_parts:
                break
        if closing:
            closed = True
            break
        start = end + 1
    else:
        if start >= 0:
            parts.append(body[min(start, len(body)) :])
    if not parts and closed:
        acc.defect(label, "multipart has no parts")
        return []
    if not parts:
        if boundary in enclosing:
            acc.defect(label, "MIME boundary same as an enclosing part's, read as text")
        else:
            acc.defect(label, "MIME boundary not found, read as text")
        return None
    if not closed and len(parts) <= acc.limits.max_parts:
        acc.defect(label, "closing MIME boundary missing")
    return parts


def _delimiters(body: bytes, boundary: bytes) -> Iterator[tuple[int, int, bool]]:
    """Delimiter lines of ``boundary``: (start of the newline before it, end of the line,
    closing?). The newline before a delimiter belongs to it (RFC 2046)."""
    at_start, after_newline = _delimiter_res(boundary)
    m = at_start.match(body)
    if m:
        yield 0, m.end(), bool(m.group(1))
    for m in after_newline.finditer(body):
        yield m.start(), m.end(), bool(m.group(1))


@lru_cache(maxsize=256)
def _delimiter_res(boundary: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    # a literal first ("\n--boundary") lets the regex engine search fast
    line = rb"--" + re.escape(boundary) + rb"(--)?[ \t\r]*$"
    return re.compile(line, re.M), re.compile(rb"\n" + line, re.M)


def _decode_cte(data: bytes, cte: str, label: str, acc: _Acc) -> bytes:
    if cte in ("", "7bit", "8bit", "binary"):
        return data
    if cte == "base64":
        return _base64(data, label, acc)
    if cte == "quoted-printable":
        return binascii.a2b_qp(data)
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _uudecode(data, label, acc)
    acc.defect(label, f"unknown transfer encoding {cte[:40]!r}")
    return data


def _base64(data: bytes, label: str, acc: _Acc) -> bytes:
    clean = data.translate(None, _B64_NOISE)
    noise = len(data.translate(None, _WHITESPACE)) - len(clean)
    if noise:
        acc.defect(label, f"base64 has {noise} invalid characters")
    core = clean.rstrip(b"=")
    if b"=" in core:
        acc.defect(label, "base64 data goes on after its padding")
        segments = [s for s in core.split(b"=") if s]
    else:
        segments = [core]
        if len(core) % 4 and len(clean) - len(core) != -len(core) % 4:
            acc.defect(label, "base64 padding missing")
    out: list[bytes] = []
    for seg in segments:
        if len(seg) % 4 == 1:
            acc.defect(label, "base64 ends with a stray character")
            seg = seg[:-1]
        try:
            out.append(binascii.a2b_base64(seg + b"=" * (-len(seg) % 4)))
        except (binascii.Error, ValueError):
            acc.defect(label, "base64 cannot be decoded")
    return b"".join(out)


def _uudecode(data: bytes, label: str, acc: _Acc) -> bytes:
    out: list[bytes] = []
    inside = False
    damaged = False
    for line in data.split(b"\n"):
        if not inside:
            inside = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`", b""):
            if line.strip() == b"end":
                break
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            try:
                nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
                out.append(binascii.a2b_uu(line[:nbytes]))
            except (binascii.Error, IndexError):
                damaged = True
    if damaged or not inside:
        acc.defect(label, "uuencoded data damaged")
    return b"".join(out)


def _decode_text(data: bytes, charset: str, label: str, acc: _Acc, max_chars: int) -> str:
    """Body bytes as text: the declared charset, else UTF-8, else Windows-1252."""
    declared = charset.strip().strip('"').strip().lower()
    codec = _codec(declared) if declared else None
    if declared and codec is None:
        acc.defect(label, f"unknown charset {declared[:40]!r}")
    limit = max(0, max_chars) * 4 + 4
    final = len(data) <= limit
    if not final:
        data = data[:limit]
    if data.isascii() and codec in (None, "utf-8", "ascii", "cp1252", "latin-1", "iso8859-1"):
        return data.decode("ascii")
    tries = [codec] if codec and codec not in _UTF8_FAMILY else []
    tries += ["utf-8"]
    for name in tries:
        try:
            return codecs.getincrementaldecoder(name)("strict").decode(data, final=final)
        except (UnicodeError, ValueError, LookupError):
            continue
    if codec and codec not in _UTF8_FAMILY:
        acc.defect(label, f"text is not valid {declared[:40]}")
        return data.decode(codec, errors="replace")
    shown = declared if codec else "utf-8"
    try:
        text = data.decode("cp1252")
        acc.defect(label, f"text is not valid {shown[:40]}, read as windows-1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        acc.defect(label, f"text is not valid {shown[:40]}, read as latin-1")
    return text


@lru_cache(maxsize=512)
def _codec(charset: str) -> str | None:
    """The Python codec for a MIME charset name, or None (unknown or refused)."""
    name = charset.strip().strip('"').lower()
    if not name or len(name) > 64:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if info.name in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


# ---------------------------------------------------------------- addresses


def _mailboxes(value: str) -> list[tuple[str, str]]:
    """``(display, address)`` pairs of one address header value (linear, never raises)."""
    out: list[tuple[str, str]] = []
    display: list[str] = []
    comments: list[str] = []
    angle: str | None = None
    depth = 0
    for m in _ADDR_TOKEN.finditer(value[:65536]):
        tok = m.group(0)
        if depth:
            if tok == "(":
                depth = min(depth + 1, 100)
            elif tok == ")":
                depth -= 1
            else:
                comments.append(tok)
            continue
        if tok == "(":
            depth = 1
        elif tok in (",", ";"):
            out.append(_mailbox(display, comments, angle))
            display, comments, angle = [], [], None
        elif tok == ":" and angle is None:
            display, comments = [], []  # a group name: "undisclosed-recipients:;"
        elif tok.startswith("<") and tok != ">":
            if angle is None:
                angle = tok[1:].rstrip(">")
        elif tok.startswith('"'):
            inner = tok[1:-1] if len(tok) > 1 and tok.endswith('"') else tok[1:]
            display.append(_UNESCAPE.sub(r"\1", inner))
        elif tok not in (")", ">"):
            display.append(tok)
        if len(out) >= MAX_ADDRESSES:
            break
    out.append(_mailbox(display, comments, angle))
    return [(d, a) for d, a in out if d or a]


def _mailbox(display: list[str], comments: list[str], angle: str | None) -> tuple[str, str]:
    text = _WS_RUN.sub(" ", "".join(display)).strip()
    comment = _WS_RUN.sub(" ", " ".join(comments)).strip()
    if angle is not None:
        addr = angle.strip()
        if addr.startswith("@") and ":" in addr:  # obsolete route: <@relay:user@host>
            addr = addr.split(":", 1)[1]
        return text or comment, addr
    words = text.split(" ")
    at = [i for i, w in enumerate(words) if "@" in w]
    if at:
        rest = " ".join(words[: at[-1]] + words[at[-1] + 1 :]).strip()
        return rest or comment, words[at[-1]]
    return text or comment, ""


def _address(display: str, addr: str) -> Address:
    display = decode_words(display)[:500]
    addr = addr.strip().strip("<>").strip()[:500]
    if "@" in addr:
        local, _, dom = addr.rpartition("@")
        addr = f"{local}@{idna_ascii(dom)}"
    elif addr and not display:
        display, addr = addr, ""
    return Address(display=display, address=addr)


def _addresses(fields: list[tuple[str, str]], name: str) -> tuple[Address, ...]:
    return parse_addresses([v for k, v in fields if k.lower() == name])


def _return_path(value: str) -> str:
    v = value.strip().strip("<>").strip()
    return v.lower()[:500] if "@" in v else ""


def _date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        d = parsedate_to_datetime(value[:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if d is None:
        return None
    try:
        return d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
