"""Defanging: indicators written so that nobody clicks or resolves them by accident.

``https://evil.example/login`` becomes ``hxxps://evil[.]example/login``,
``a@evil.example`` becomes ``a[@]evil[.]example``. Stored data is never
defanged; human output always is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SCHEME = re.compile(r"(?i)\b(h)(tt)(ps?)(://)")
_URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s<>\"']{1,2048}")
_EMAIL = re.compile(r"\b([\w.+-]{1,64})@([\w-]{1,63}(?:\.[\w-]{1,63}){1,10})\b")
_IPV4 = re.compile(r"\b(\d{1,3}\.\d{1,3}\.\d{1,3})\.(\d{1,3})\b")


def defang_host(host: str) -> str:
    """``evil.example`` → ``evil[.]example``."""
    return host.replace(".", "[.]")


def defang_url(url: str) -> str:
    """``https://evil.example/x`` → ``hxxps://evil[.]example/x`` (dots of the host only)."""
    m = re.match(r"(?i)^([a-z][a-z0-9+.-]{0,20}://)?([^/?#]*)(.*)$", url, re.S)
    if m is None:  # pragma: no cover - the pattern matches every string
        return url
    scheme, authority, rest = m.group(1) or "", m.group(2), m.group(3)
    scheme = _SCHEME.sub(lambda s: f"{s.group(1)}{_xx(s.group(2))}{s.group(3)}{s.group(4)}", scheme)
    return scheme + defang_host(authority.replace("@", "[@]")) + rest


def _xx(tt: str) -> str:
    return "XX" if tt.isupper() else "xx"


def defang(indicator: str) -> str:
    """Defang one indicator of any kind (URL, address, domain, IP, hash)."""
    if "://" in indicator[:12]:
        return defang_url(indicator)
    if "@" in indicator:
        local, _, domain = indicator.rpartition("@")
        return f"{local}[@]{defang_host(domain)}"
    if re.fullmatch(r"[0-9a-fA-F]{32,128}", indicator):
        return indicator
    return defang_host(indicator)


def defang_text(text: str, domains: Iterable[str] = ()) -> str:
    """Defang every URL, address and IPv4 in free text, and each of ``domains``."""
    out = text
    if "://" in out:  # what every URL the pattern knows has; a scan less otherwise
        out = _URL.sub(lambda m: defang_url(m.group(0)), out)
    if "@" in out:
        out = _EMAIL.sub(lambda m: f"{m.group(1)}[@]{defang_host(m.group(2))}", out)
    out = _IPV4.sub(lambda m: f"{m.group(1)}[.]{m.group(2)}", out)
    for domain in sorted({d for d in domains if "." in d}, key=len, reverse=True):
        out = re.sub(rf"(?i)(?<![\w\[.-]){re.escape(domain)}(?![\w-])", defang_host(domain), out)
    return out
