"""HTML signals: forms, hidden text, scripts, redirects and HTML attachments.

Mail clients run no script and show no form safely, so legitimate mail has
neither; phishing uses them, and above all ships *HTML attachments*, which the
browser opens as a local page: a fake login page, or a page that rebuilds a file
from a base64 blob ("HTML smuggling") past the mail filter.

Everything here is static: HTML is parsed with lexbor (never rendered), scripts
are searched as text (never run). Each HTML text is cut to a character budget
and passed through :func:`rempart.mail.parse.safe_html` first, because the HTML
tree builder does work proportional to the nesting depth for each block tag:
100,000 unclosed ``<div>`` would take seconds.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from selectolax.lexbor import LexborHTMLParser, LexborNode

from rempart.mail.context import MailContext
from rempart.mail.limits import MailLimits
from rempart.mail.model import Attachment, Category, Hit, ParsedMail, SignalSpec
from rempart.mail.parse import safe_html

_LOG = logging.getLogger(__name__)

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        id="html.form",
        category=Category.HTML,
        title="The message body contains a form asking for personal data",
        why="Legitimate mail links to a web page instead of embedding a form; a form in "
        "the body sends what you type straight to whoever wrote the message.",
        advice="Do not type anything into the message. If the request seems real, go to "
        "the organisation's site by typing its address yourself.",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="html.password_form",
        category=Category.HTML,
        title="The message body asks for a password in a form",
        why="No real service asks for a password inside an e-mail; a password field in "
        "the message exists only to capture it.",
        advice="Do not type the password. If you did, change it at once from the real "
        "site and tell the campaign's technical contact.",
        prior_weight=3.5,
    ),
    SignalSpec(
        id="html.attachment_login",
        category=Category.HTML,
        title="An HTML attachment is a login page",
        why="A fake sign-in page sent as an attachment opens locally in the browser, "
        "with no address to check, and sends what is typed to the attacker.",
        advice="Do not open the attachment; if opened, type nothing. Report it to the "
        "technical contact with the message.",
        prior_weight=3.5,
    ),
    SignalSpec(
        id="html.smuggling",
        category=Category.HTML,
        title="An HTML attachment rebuilds a hidden file when opened",
        why="HTML smuggling: a script decodes an embedded blob and offers it as a "
        "download, so the malicious file (ISO, ZIP, script) never crosses the mail "
        "filter as a file.",
        advice="Do not open the attachment; if a download appeared, do not open it. "
        "Report it to the technical contact.",
        prior_weight=4.0,
    ),
    SignalSpec(
        id="html.svg_script",
        category=Category.HTML,
        title="An image attachment (SVG) contains a script",
        why="SVG pictures open in the browser and may run scripts; attackers use them "
        "to redirect to phishing pages or rebuild files while looking like an image.",
        advice="Do not open the SVG file. Report it to the technical contact.",
        prior_weight=4.0,
    ),
    SignalSpec(
        id="html.redirect",
        category=Category.HTML,
        title="The message or its HTML attachment sends the browser elsewhere by itself",
        why="An automatic redirect (meta refresh, or a script changing the address) "
        "takes the reader to a page the message does not show, often a phishing site.",
        advice="Do not open the attachment or follow the page; report the message.",
        prior_weight=2.5,
    ),
    SignalSpec(
        id="html.script",
        category=Category.HTML,
        title="The message body contains a script",
        why="Mail programs never run scripts and legitimate senders do not put them in "
        "mail; a script in the body is aimed at webmail flaws or at whoever opens the "
        "message in a browser.",
        advice="Do not open the message in a browser; report it.",
        prior_weight=2.5,
    ),
    SignalSpec(
        id="html.hidden_text",
        category=Category.HTML,
        title="The message hides text from the reader",
        why="Invisible words (white on white, zero size, hidden blocks, invisible "
        "characters inside words) are written for filters, not for people: to dilute "
        "spam scores or to break up words that filters look for.",
        advice="Treat the message with suspicion; the technician can look at its "
        "source to see what was hidden.",
        prior_weight=1.5,
    ),
)

MAX_NODES_SCANNED = 20_000
"""Elements whose attributes are read per HTML text (event handlers, script URLs)."""
MAX_HTML_ATTACHMENTS = 10
"""HTML attachments examined per message."""
MAX_NODES = 3000
"""Styled elements examined for hidden text per HTML text."""
MAX_DECODED = 20
"""Encoded string literals (``atob("…")``, ``unescape("…")``) decoded per document."""
MAX_DECODED_CHARS = 2_000_000
"""Characters decoded from those literals per document, all together."""

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml"})
HTML_EXTENSIONS = (".htm", ".html", ".shtml", ".xhtml", ".svg", ".svgz", ".hta")
_SNIFF = ("<!doctype html", "<html", "<svg", "<head", "<body", "<script", "<form", "<meta")

_B64_RUN = re.compile(r"[A-Za-z0-9+/=_-]+")
_ZW_IN_WORD = re.compile(
    "[A-Za-zÀ-ÖØ-öø-ÿ][\u200b\u200c\u200d\u2060\ufeff\u180e]+[A-Za-zÀ-ÖØ-öø-ÿ]"
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_LITERAL_CALL = re.compile(r"(?:atob|unescape|decodeURIComponent|decodeURI)\s*\(\s*([\"'`])")
_PCT_U = re.compile(r"%u([0-9a-fA-F]{4})")
_EVIDENCE = 300


@dataclass(frozen=True)
class HtmlDoc:
    """One HTML text of a message: the body or an HTML/SVG attachment."""

    name: str
    """The attachment's file name (``""`` for a nameless one)."""
    html: str
    """The text, already cut to the budget and made safe to parse."""
    svg: bool = False
    """True when it is an SVG picture rather than a page."""


def bound_html(html: str, max_chars: int) -> str:
    """``html`` cut to ``max_chars`` characters and made safe to parse in bounded time
    (deeply nested block tags read as ``span``, see :func:`rempart.mail.parse.safe_html`)."""
    return safe_html(html[: max(0, max_chars)])[0]


def parse_html(html: str) -> LexborHTMLParser | None:
    """A lexbor tree of already bounded ``html``, or None if the parser fails."""
    try:
        return LexborHTMLParser(html)
    except Exception:  # the parser raises on some inputs; no tree then
        _LOG.debug("HTML parser failed", exc_info=True)
        return None


def is_html_attachment(att: Attachment) -> bool:
    """True for an attachment that a browser would open as a page or an SVG picture."""
    name = att.filename.lower().strip()
    if att.content_type in HTML_TYPES or name.endswith(HTML_EXTENSIONS):
        return True
    head = _decode(att.data[:1024]).lstrip("\ufeff \t\r\n").lower()
    if head.startswith("<?xml"):
        return "<svg" in head or "<html" in head
    return head.startswith(_SNIFF)


def _is_svg(att: Attachment, text: str) -> bool:
    name = att.filename.lower()
    if att.content_type == "image/svg+xml" or name.endswith((".svg", ".svgz")):
        return True
    head = text[:2048].lower()
    return "<svg" in head and "<html" not in head


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def html_documents(mail: ParsedMail, limits: MailLimits) -> list[HtmlDoc]:
    """The HTML and SVG attachments of ``mail``, decoded and bounded (not the body)."""
    budget = limits.max_text_chars
    docs: list[HtmlDoc] = []
    for att in mail.attachments:
        if len(docs) >= MAX_HTML_ATTACHMENTS or budget <= 0:
            break
        if not is_html_attachment(att):
            continue
        text = _decode(att.data[: budget * 2])[:budget]
        budget -= len(text)
        docs.append(HtmlDoc(att.filename, bound_html(text, len(text)), _is_svg(att, text)))
    return docs


def _cut(text: str, size: int = _EVIDENCE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _named(doc: HtmlDoc, what: str) -> str:
    return _cut(f"{doc.name or '(attachment without name)'}: {what}")


# --- encoded literals -------------------------------------------------------


def _literal_end(text: str, start: int, quote: str) -> int:
    """Index of the closing ``quote`` from ``start`` (skipping backslash escapes), or -1."""
    i = start
    while True:
        j = text.find(quote, i)
        if j < 0:
            return -1
        k = j - 1
        slashes = 0
        while k >= start and text[k] == "\\":
            slashes += 1
            k -= 1
        if slashes % 2 == 0:
            return j
        i = j + 1


def _b64_text(literal: str) -> str:
    compact = "".join(literal.split())
    compact += "=" * (-len(compact) % 4)
    try:
        urlsafe = "-" in compact or "_" in compact
        raw = base64.b64decode(compact, altchars=b"-_" if urlsafe else None)
    except (binascii.Error, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")


def _unescape_text(literal: str) -> str:
    text = _PCT_U.sub(lambda m: chr(int(m.group(1), 16)), literal)
    return unquote(text)


def decoded_literals(script: str, depth: int = 3) -> list[str]:
    """Texts hidden in ``atob("…")``/``unescape("…")`` calls and long base64 strings.

    Decoded texts are searched again, ``depth`` levels at most (pages hide a
    base64 page inside an escaped one), with at most :data:`MAX_DECODED` literals
    and :data:`MAX_DECODED_CHARS` characters in all: enough to see the page an
    obfuscated attachment writes, without running anything.
    """
    out: list[str] = []
    total = 0
    level = [script]
    for _ in range(depth):
        found: list[str] = []
        for text in level:
            for literal in _literals(text):
                if len(out) + len(found) >= MAX_DECODED or total >= MAX_DECODED_CHARS:
                    break
                found.append(literal[: MAX_DECODED_CHARS - total])
                total += len(found[-1])
        out.extend(found)
        level = found
        if not found:
            break
    return out


def _literals(script: str) -> list[str]:
    """The decoded literals of one text (one level)."""
    out: list[str] = []
    for m in _LITERAL_CALL.finditer(script):
        if len(out) >= MAX_DECODED:
            return out
        end = _literal_end(script, m.end(), m.group(1))
        if end < 0:
            continue
        literal = script[m.end() : end][:MAX_DECODED_CHARS]
        name = m.group(0)[:4].lower()
        text = _b64_text(literal) if name == "atob" else _unescape_text(literal)
        if text:
            out.append(text)
    for m in _B64_RUN.finditer(script):
        if len(out) >= MAX_DECODED:
            break
        run = m.group(0)
        if len(run) < 200:
            continue
        text = _b64_text(run[:MAX_DECODED_CHARS])
        if "<" in text and ">" in text and _textual(text) and text not in out:
            out.append(text)
    return out


def _textual(text: str) -> bool:
    """True when ``text`` reads as text, not as decoded binary (a smuggled ISO)."""
    head = text[:2000]
    odd = sum(1 for c in head if c == "\ufffd" or (c < " " and c not in "\r\n\t"))
    return odd * 20 < len(head)


def longest_base64_run(text: str) -> int:
    """Length of the longest run of base64 characters in ``text`` (linear scan)."""
    return max((len(m.group(0)) for m in _B64_RUN.finditer(text)), default=0)


# --- scripts ----------------------------------------------------------------


def _script_text(tree: LexborHTMLParser) -> str:
    parts: list[str] = []
    for node in tree.css("script"):
        parts.append(node.text(deep=True) or "")
    for node in _iter_limited(tree.css("*"), MAX_NODES_SCANNED):
        for key, value in node.attributes.items():
            if key.lower().startswith("on") and value:
                parts.append(value)
            elif value and key.lower() in ("href", "src", "xlink:href", "action"):
                low = value.lstrip().lower()
                if low.startswith(("javascript:", "data:")):
                    parts.append(value)
    return "\n".join(parts)


def _iter_limited(nodes: Iterable[LexborNode], limit: int) -> Iterable[LexborNode]:
    for i, node in enumerate(nodes):
        if i >= limit:
            return
        yield node


_SMUGGLING_MARKERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("blob", "Blob", ("new blob(", "blob([")),
    ("save", "createObjectURL", ("createobjecturl",)),
    ("save", "msSaveOrOpenBlob", ("mssaveoropenblob", "mssaveblob")),
    ("save", "download attribute", (".download=", ".download =", "'download'", '"download"')),
    ("decode", "atob", ("atob(",)),
    ("decode", "byte array", ("uint8array", "charcodeat", "fromcharcode")),
    ("decode", "unescape", ("unescape(", "decodeuricomponent(")),
    ("click", "click()", (".click()", "dispatchevent(")),
    ("write", "document.write", ("document.write(",)),
    ("write", "location change", ("location.href", "location.replace(", "location.assign(")),
)


def smuggling_markers(script: str, html: str) -> dict[str, list[str]]:
    """Families of HTML-smuggling markers found in ``script`` (lowercase search)."""
    low = script.lower()
    found: dict[str, list[str]] = {}
    for family, label, needles in _SMUGGLING_MARKERS:
        if any(n in low for n in needles):
            found.setdefault(family, []).append(label)
    if longest_base64_run(script) >= 1000:
        found.setdefault("payload", []).append("long base64 payload")
    hlow = html.lower()
    if "data:application/" in hlow or "data:application/" in low:
        found.setdefault("payload", []).append("data:application URL")
    return found


def is_smuggling(found: dict[str, list[str]]) -> bool:
    """True when markers combine into a file (or page) rebuilt from an encoded payload."""
    has = found.__contains__
    if has("blob") and has("save") and (has("decode") or has("payload")):
        return True
    if has("save") and has("payload") and has("click"):
        return True
    return has("write") and has("decode") and has("payload")


def _marker_list(found: dict[str, list[str]]) -> str:
    return ", ".join(label for labels in found.values() for label in labels)


_NET_CALLS = ("xmlhttprequest", "fetch(", "$.ajax", "$.post", "jquery.ajax", "sendbeacon(")


def _script_posts(script: str) -> str:
    """A short description when ``script`` sends data to a remote address, else ``""``."""
    low = script.lower()
    if "api.telegram.org" in low:
        return "script sends data to api.telegram.org"
    if not any(c in low for c in _NET_CALLS):
        return ""
    for marker in ("https://", "http://", ".php"):
        i = low.find(marker)
        if i >= 0:
            return "script sends data to " + _cut(script[max(0, i - 40) : i + 80], 120)
    return ""


def _script_redirect(script: str) -> str:
    low = script.lower()
    start = 0
    for _ in range(50):
        i = low.find("location", start)
        if i < 0:
            return ""
        tail = low[i : i + 200]
        if any(t in tail for t in ("http://", "https://", "atob(", "unescape(")) and (
            "=" in tail[:20] or "(" in tail[:20]
        ):
            return _cut(script[i : i + 120], 160)
        start = i + 8
    return ""


# --- forms ------------------------------------------------------------------


def _password_inputs(tree: LexborHTMLParser) -> int:
    return sum(
        1
        for node in tree.css("input")
        if (node.attributes.get("type") or "").strip().lower() == "password"
    )


_LOGIN_NAMES = ("user", "mail", "login", "email", "account", "identifiant", "username", "id")


def _login_form(tree: LexborHTMLParser) -> str:
    for form in tree.css("form"):
        action = (form.attributes.get("action") or "").strip()
        remote = action.lower().startswith(("http://", "https://", "//")) or ".php" in action
        if not remote:
            continue
        for node in form.css("input"):
            kind = (node.attributes.get("type") or "text").strip().lower()
            name = (node.attributes.get("name") or node.attributes.get("id") or "").lower()
            if kind == "email" or (kind == "text" and any(n in name for n in _LOGIN_NAMES)):
                return f'login form posting to "{_cut(action, 200)}"'
    return ""


_PERSONAL_TYPES = frozenset({"email", "tel", "password", "number"})
_PERSONAL_NAMES = (
    "mail", "user", "login", "pass", "pwd", "name", "nom", "card", "carte", "cvv", "cvc",
    "iban", "bic", "phone", "tel", "mobile", "address", "adresse", "account", "compte",
    "ssn", "birth", "naissance", "pin", "otp", "code", "secu", "expir",
)  # fmt: skip


def _asks_for_data(form: LexborNode) -> bool:
    """True when ``form`` asks for personal data (e-mail, name, card, phone…); site
    search boxes and quote look-ups, common in old newsletters, do not count."""
    for node in _iter_limited(form.css("input, textarea, select"), 200):
        kind = (node.attributes.get("type") or "text").strip().lower()
        if kind in ("hidden", "submit", "button", "image", "reset", "search"):
            continue
        if kind in _PERSONAL_TYPES:
            return True
        label = " ".join(
            (node.attributes.get(a) or "") for a in ("name", "id", "placeholder", "autocomplete")
        ).lower()
        if any(word in label for word in _PERSONAL_NAMES):
            return True
    return False


def _form_evidence(form: LexborNode) -> str:
    action = (form.attributes.get("action") or "").strip()
    method = (form.attributes.get("method") or "").strip()
    attrs = f' action="{action}"' if action else ""
    attrs += f' method="{method}"' if method else ""
    return _cut(f"<form{attrs}>")


def _meta_refresh(tree: LexborHTMLParser) -> str:
    for node in tree.css("meta"):
        equiv = (node.attributes.get("http-equiv") or "").strip().lower()
        if equiv != "refresh":
            continue
        content = node.attributes.get("content") or ""
        low = content.lower()
        i = low.find("url")
        if i < 0:
            continue
        target = content[i + 3 :].lstrip(" =\t'\"").strip(" '\"")
        if target.lower().startswith(("http://", "https://", "//")):
            return _cut(f'<meta http-equiv="refresh" content="{content}">')
    return ""


# --- hidden text ------------------------------------------------------------

_NAMED_COLOURS = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "snow": (255, 250, 250),
    "ivory": (255, 255, 240),
    "whitesmoke": (245, 245, 245),
    "transparent": None,
}


def parse_colour(value: str) -> tuple[int, int, int] | None:
    """An RGB triple from a CSS or HTML colour (``#fff``, ``white``, ``rgb(…)``), or None."""
    v = value.strip().lower().removesuffix("!important").strip()
    if v in _NAMED_COLOURS:
        return _NAMED_COLOURS[v]
    if v.startswith("#"):
        v = v[1:]
    elif v.startswith(("rgb(", "rgba(")):
        inner = v[v.find("(") + 1 : v.find(")") if ")" in v else len(v)]
        parts = [p.strip() for p in inner.replace("/", ",").split(",")][:3]
        try:
            rgb = tuple(
                min(255, round(float(p[:-1]) * 2.55) if p.endswith("%") else int(float(p)))
                for p in parts
            )
        except ValueError:
            return None
        return (rgb[0], rgb[1], rgb[2]) if len(rgb) == 3 else None
    if len(v) == 3 and all(c in "0123456789abcdef" for c in v):
        v = "".join(c * 2 for c in v)
    if len(v) == 6 and all(c in "0123456789abcdef" for c in v):
        return (int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16))
    return None


def style_map(style: str) -> dict[str, str]:
    """Inline CSS declarations as a dict (property → value, lowercase, spaces removed)."""
    out: dict[str, str] = {}
    for decl in style[:4000].lower().split(";"):
        key, sep, value = decl.partition(":")
        if sep:
            out[key.strip()] = "".join(value.split()).removesuffix("!important")
    return out


def _tiny(size: str) -> bool:
    num = ""
    for ch in size:
        if ch.isdigit() or ch == ".":
            num += ch
        else:
            break
    if not num or num.count(".") > 1:
        return False
    value = float(num)
    unit = size[len(num) :]
    limits = {"": 1.0, "px": 1.0, "pt": 1.0, "em": 0.1, "rem": 0.1, "%": 10.0, "vw": 0.1}
    return unit in limits and value <= limits[unit]


_StyleCache = dict[int, dict[str, str]]


def _style(node: LexborNode, cache: _StyleCache) -> dict[str, str]:
    key = node.mem_id
    if key not in cache:
        cache[key] = style_map(node.attributes.get("style") or "")
    return cache[key]


def _background(node: LexborNode, cache: _StyleCache) -> tuple[int, int, int] | None:
    """The background colour behind ``node`` (white by default), None when unknown."""
    current: LexborNode | None = node
    for _ in range(60):
        if current is None or not current.tag or current.tag.startswith(("#", "-")):
            break
        attrs = current.attributes
        css = _style(current, cache)
        for key in ("background-color", "background"):
            value = css.get(key, "")
            if "url(" in value or "gradient" in value:
                return None
            if value:
                colour = (
                    parse_colour(value.split(",")[0])
                    if key == "background-color"
                    else (_first_colour(value))
                )
                if colour is not None:
                    return colour
        if attrs.get("background"):
            return None
        bg = attrs.get("bgcolor")
        if bg and parse_colour(bg) is not None:
            return parse_colour(bg)
        current = current.parent
    return (255, 255, 255)


def _first_colour(value: str) -> tuple[int, int, int] | None:
    if value.startswith(("rgb(", "rgba(")):
        return parse_colour(value[: value.find(")") + 1])
    for token in value.replace(")", " ").split():
        colour = parse_colour(token)
        if colour is not None:
            return colour
    if value.startswith("#"):
        return parse_colour(value[:7]) or parse_colour(value[:4])
    return None


def _close(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 16


def hidden_reason(node: LexborNode, cache: _StyleCache | None = None) -> str:
    """Why ``node`` is invisible to the reader (``display:none``…), or ``""``."""
    cache = {} if cache is None else cache
    attrs = node.attributes
    if "hidden" in attrs:
        return "hidden attribute"
    css = _style(node, cache)
    if css.get("display") == "none":
        return "display:none"
    if css.get("visibility") == "hidden":
        return "visibility:hidden"
    opacity = css.get("opacity", "")
    if opacity:
        try:
            if float(opacity) <= 0.05:
                return f"opacity:{opacity}"
        except ValueError:
            pass
    if "font-size" in css and _tiny(css["font-size"]):
        return f"font-size:{css['font-size']}"
    clipped = css.get("overflow") == "hidden"
    for dim in ("max-height", "height", "max-width", "width"):
        if clipped and css.get(dim) in ("0", "0px", "0pt", "0%"):
            return f"{dim}:0 with overflow:hidden"
    colour_text = css.get("color") or (attrs.get("color") or "" if node.tag == "font" else "")
    colour = parse_colour(colour_text) if colour_text else None
    if colour is not None:
        background = _background(node, cache)
        if background is not None and _close(colour, background):
            return f"text colour {colour_text} on the same background"
    return ""


def _has_ancestor(node: LexborNode, seen: set[int]) -> bool:
    current = node.parent
    for _ in range(80):
        if current is None:
            return False
        if current.mem_id in seen:
            return True
        current = current.parent
    return False


def descendants(node: LexborNode, limit: int) -> Iterator[LexborNode]:
    """Nodes below ``node`` in document order, at most ``limit`` (no deep recursion:
    lexbor's own ``text()`` and ``css()`` walk whole subtrees, 100,000 deep in hostile mail)."""
    stack: list[LexborNode] = []
    current = node.child
    for _ in range(limit):
        if current is None:
            if not stack:
                return
            current = stack.pop()
        yield current
        child = current.child
        if child is not None:
            sibling = current.next
            if sibling is not None:
                stack.append(sibling)
            current = child
        else:
            current = current.next


def bounded_text(node: LexborNode, max_chars: int = 5000, limit: int = 2000) -> str:
    """The text under ``node``, from at most ``limit`` nodes and ``max_chars`` characters."""
    if node.is_text_node:
        return (node.text_content or "")[:max_chars]
    parts: list[str] = []
    total = 0
    for child in descendants(node, limit):
        if child.is_text_node:
            text = child.text_content or ""
            parts.append(text)
            total += len(text)
            if total >= max_chars:
                break
    return " ".join(parts)[:max_chars]


def _overrides_colour(node: LexborNode, cache: _StyleCache) -> bool:
    """True when a descendant sets its own colour (its text may be visible)."""
    for child in descendants(node, 200):
        if not child.is_element_node:
            continue
        if "color" in _style(child, cache) or (
            child.tag == "font" and child.attributes.get("color")
        ):
            return True
    return False


def _inside_word(node: LexborNode) -> bool:
    prev_node, next_node = node.prev, node.next
    if prev_node is None or next_node is None:
        return False
    before = bounded_text(prev_node, 200, 50)
    after = bounded_text(next_node, 200, 50)
    return bool(before) and bool(after) and before[-1].isalpha() and after[0].isalpha()


@dataclass(frozen=True)
class HiddenText:
    """What :func:`hidden_text` found in one HTML tree."""

    words: int
    """Words in hidden elements, the preview-text block excepted."""
    evidence: str
    """The first hidden element's reason and text."""
    fragments: int
    """Hidden elements sitting inside a visible word (``Pay<span hidden>x</span>Pal``)."""
    fragment_evidence: str


def hidden_text(tree: LexborHTMLParser) -> HiddenText:
    """Hidden words in ``tree``. One short block hidden at the very start of the body is
    the preview text ("preheader") that newsletters hide for the inbox list: not counted
    (unless hidden by its colour, which preheaders do not rely on alone)."""
    body = tree.body
    lead = " ".join((body.text(separator=" ") if body is not None else "")[:3000].split())[:400]
    seen: set[int] = set()
    cache: _StyleCache = {}
    words = 0
    fragments = 0
    evidence = fragment_evidence = ""
    preheader_spared = False
    nodes = tree.css("[style], font[color], [hidden]")
    for node in _iter_limited(nodes, MAX_NODES):
        if node.tag in ("style", "script", "head", "title", "meta", "html", "body"):
            continue
        reason = hidden_reason(node, cache)
        if not reason or _has_ancestor(node, seen):
            continue
        if reason.startswith("text colour") and _overrides_colour(node, cache):
            continue
        text = bounded_text(node)
        count = len(_WORD.findall(text))
        if count == 0:
            continue
        seen.add(node.mem_id)
        if _inside_word(node):
            fragments += 1
            fragment_evidence = fragment_evidence or f'{reason}: "{_cut(text, 60)}" inside a word'
            continue
        if not preheader_spared and _preheader(reason, text, count, lead):
            preheader_spared = True
            continue
        words += count
        evidence = evidence or f'{reason}: "{_cut(text, 200)}"'
    return HiddenText(words, evidence, fragments, fragment_evidence)


def _preheader(reason: str, text: str, words: int, lead: str) -> bool:
    if words > 40 or reason.startswith("text colour"):
        return False
    start = " ".join(text.split())[:40]
    return bool(start) and lead.startswith(start)


_ZW = "\u200b\u200c\u200d\u2060\ufeff\u180e"


def zero_width_words(text: str) -> list[str]:
    """Words broken by invisible characters (``Pa\\u200byPal``), shown with ``<U+200B>``."""
    out: list[str] = []
    last_end = -1
    for m in _ZW_IN_WORD.finditer(text):
        start, end = m.start(), m.end()
        if start < last_end:
            continue
        while (
            start > 0
            and m.start() - start < 30
            and (text[start - 1].isalpha() or text[start - 1] in _ZW)
        ):
            start -= 1
        while end < len(text) and end - m.end() < 30 and (text[end].isalpha() or text[end] in _ZW):
            end += 1
        last_end = end
        word = text[start:end]
        out.append("".join(c if c not in _ZW else f"<U+{ord(c):04X}>" for c in word))
        if len(out) >= 50:
            break
    return out


HIDDEN_WORDS = 15
"""Hidden words (beyond the preview text) that make ``html.hidden_text``."""
HIDDEN_FRAGMENTS = 2
"""Hidden pieces inside words that make it."""
ZERO_WIDTH_WORDS = 3
"""Words broken by zero-width characters that make it."""


# --- detection --------------------------------------------------------------


@dataclass
class _Found:
    hits: dict[str, list[str]]

    def add(self, signal: str, evidence: str) -> None:
        items = self.hits.setdefault(signal, [])
        if evidence not in items and len(items) < 3:
            items.append(_cut(evidence))


def _body(mail: ParsedMail, ctx: MailContext, found: _Found) -> None:
    tree = parse_html(bound_html(mail.html, ctx.limits.max_text_chars)) if mail.html else None
    if tree is not None:
        _body_tree(tree, found)
    text = (mail.text + "\n" + mail.html_text)[: ctx.limits.max_text_chars]
    words = list(dict.fromkeys(zero_width_words(text)))
    if len(words) >= ZERO_WIDTH_WORDS:
        found.add("html.hidden_text", "invisible characters inside words: " + ", ".join(words[:5]))


def _body_tree(tree: LexborHTMLParser, found: _Found) -> None:
    forms = tree.css("form")
    if _password_inputs(tree):
        first = forms[0] if forms else None
        found.add(
            "html.password_form",
            (_form_evidence(first) + " " if first is not None else "") + '<input type="password">',
        )
    else:
        form = next((f for f in forms if _asks_for_data(f)), None)
        if form is not None:
            found.add("html.form", _form_evidence(form))
    scripts = tree.css("script")
    if scripts:
        src = scripts[0].attributes.get("src")
        code = scripts[0].text(deep=True) or ""
        found.add("html.script", f'<script src="{src}">' if src else f"<script>{_cut(code, 120)}")
    else:
        handler = _event_handler(tree)
        if handler:
            found.add("html.script", handler)
    refresh = _meta_refresh(tree)
    if refresh:
        found.add("html.redirect", refresh)
    hidden = hidden_text(tree)
    if hidden.words >= HIDDEN_WORDS:
        found.add("html.hidden_text", f"{hidden.words} hidden words; {hidden.evidence}")
    if hidden.fragments >= HIDDEN_FRAGMENTS:
        pieces = f"{hidden.fragments} hidden pieces; {hidden.fragment_evidence}"
        found.add("html.hidden_text", pieces)


_HANDLERS = (
    "onload",
    "onerror",
    "onclick",
    "onmouseover",
    "onfocus",
    "onbegin",
    "onanimationstart",
)


def _event_handler(tree: LexborHTMLParser) -> str:
    for node in _iter_limited(tree.css("*"), MAX_NODES_SCANNED):
        for key, value in node.attributes.items():
            if key.lower() in _HANDLERS and value:
                return _cut(f'<{node.tag} {key}="{value}">', 160)
    return ""


def _attachment(doc: HtmlDoc, found: _Found) -> None:
    tree = parse_html(doc.html)
    if tree is None:
        return
    script = _script_text(tree)
    decoded = decoded_literals(script + "\n" + doc.html if doc.svg else script)
    extra_trees = [t for t in (parse_html(bound_html(d, MAX_DECODED_CHARS)) for d in decoded) if t]
    all_script = "\n".join([script, *(_script_text(t) for t in extra_trees), *decoded])
    if doc.svg:
        _svg(doc, tree, script, found)
    markers = smuggling_markers(all_script, doc.html)
    anchor = _download_anchor(tree)
    if anchor:
        markers.setdefault("save", []).append(f"a[download] with a {anchor} URL")
    if anchor == "data":  # the file itself is in the link: clicking it saves it
        markers.setdefault("payload", []).append("file inside the link")
        markers.setdefault("click", []).append("download link")
    if is_smuggling(markers):
        found.add("html.smuggling", _named(doc, _marker_list(markers)))
    login = _login_evidence([tree, *extra_trees], all_script)
    if login:
        found.add("html.attachment_login", _named(doc, login))
    redirect = _meta_refresh(tree) or next(filter(None, map(_meta_refresh, extra_trees)), "")
    redirect = redirect or _script_redirect(all_script) or _auto_click(tree, all_script)
    if redirect:
        found.add("html.redirect", _named(doc, redirect))


def _auto_click(tree: LexborHTMLParser, script: str) -> str:
    """Evidence when a script clicks a link to a remote page as soon as it opens."""
    if ".click()" not in script:
        return ""
    for node in _iter_limited(tree.css("a[href]"), 200):
        href = (node.attributes.get("href") or "").strip()
        if href.lower().startswith(("http://", "https://")):
            return f'script clicks the link "{_cut(href, 200)}"'
    return ""


def _download_anchor(tree: LexborHTMLParser) -> str:
    """``data`` or ``blob`` when a download link carries its file itself, else ``""``."""
    for node in _iter_limited(tree.css("a[download]"), 200):
        href = (node.attributes.get("href") or "").lstrip().lower()
        if href.startswith(("data:", "blob:")):
            return href[:4]
    return ""


def _login_evidence(trees: list[LexborHTMLParser], script: str) -> str:
    for tree in trees:
        if _password_inputs(tree):
            action = ""
            form = tree.css_first("form")
            if form is not None:
                action = (form.attributes.get("action") or "").strip()
            where = f' in a form posting to "{_cut(action, 200)}"' if action else ""
            return "password field" + where
    for tree in trees:
        login = _login_form(tree)
        if login:
            return login
    posting = _script_posts(script)
    has_input = any(tree.css_first("input") is not None for tree in trees)
    if posting and (has_input or "telegram" in posting):
        return posting
    return ""


def _svg(doc: HtmlDoc, tree: LexborHTMLParser, script: str, found: _Found) -> None:
    if tree.css_first("script") is not None:
        found.add("html.svg_script", _named(doc, "<script> " + _cut(script, 120)))
        return
    handler = _event_handler(tree)
    if handler:
        found.add("html.svg_script", _named(doc, handler))
        return
    if "javascript:" in script.lower():
        found.add("html.svg_script", _named(doc, "javascript: link"))
        return
    for node in tree.css("foreignobject, foreignObject"):
        if node.css_first("form, input, iframe, embed, object") is not None:
            found.add("html.svg_script", _named(doc, "form or frame inside <foreignObject>"))
            return


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """The HTML signals of ``mail`` (body and HTML/SVG attachments)."""
    found = _Found({})
    try:
        _body(mail, ctx, found)
    except Exception:  # hostile HTML must never stop the triage
        _LOG.warning("HTML body analysis failed for %s", mail.source, exc_info=True)
    for doc in html_documents(mail, ctx.limits):
        try:
            _attachment(doc, found)
        except Exception:
            _LOG.warning("HTML attachment analysis failed for %s", mail.source, exc_info=True)
    order = [spec.id for spec in SPECS]
    return [
        Hit(signal=signal, evidence=evidence)
        for signal in order
        for evidence in found.hits.get(signal, [])
    ]
