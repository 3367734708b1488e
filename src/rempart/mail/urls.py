"""URL and domain helpers shared by the mail signals: never any network access.

The registrable domain ("eTLD+1") comes from the Public Suffix List bundled in
the ``publicsuffixlist`` package (a snapshot: nothing is downloaded).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

_PSL = PublicSuffixList()


def idna_ascii(host: str) -> str:
    """``host`` lowercased in A-label form (``xn--``); unchanged if it cannot be encoded."""
    h = host.strip().strip(".").lower()
    if not h or h.isascii():
        return h
    try:
        return h.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        try:
            return ".".join(
                label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
                for label in h.split(".")
            )
        except (UnicodeError, ValueError):
            return h


def idna_unicode(host: str) -> str:
    """``host`` in Unicode form (``xn--`` labels decoded when valid)."""
    out = []
    for label in host.lower().split("."):
        if label.startswith("xn--"):
            try:
                out.append(label[4:].encode("ascii").decode("punycode"))
                continue
            except (UnicodeError, ValueError):
                pass
        out.append(label)
    return ".".join(out)


def host_of(url: str) -> str:
    """The host of ``url`` (A-label, lowercase, no port, no brackets), or ``""``."""
    text = url.strip()
    if "//" not in text[:12] and not text.lower().startswith(("http:", "https:")):
        text = "http://" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return idna_ascii(host)


def is_ip(host: str) -> bool:
    """True for an IPv4 or IPv6 literal (also the dotless/hex/octal IPv4 forms)."""
    h = host.strip("[]")
    try:
        ipaddress.ip_address(h)
        return True
    except ValueError:
        pass
    if h.isdigit() and len(h) <= 10:
        return True  # http://3232235777/ is 192.168.1.1
    parts = h.split(".")
    return len(parts) == 4 and all(p.lower().startswith("0x") or p.isdigit() for p in parts)


@lru_cache(maxsize=65536)
def registrable(host: str) -> str:
    """The registrable domain of ``host`` (``mail.google.com`` → ``google.com``);
    the host itself for IPs and unknown suffixes."""
    h = idna_ascii(host)
    if not h or is_ip(h):
        return h
    try:
        return _PSL.privatesuffix(h) or h
    except Exception:  # the library raises on odd input; the host is still usable
        return h
