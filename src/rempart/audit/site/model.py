"""What the website checks look at: one fetched response, bounded and inert."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_CHARSET = re.compile(r"charset=([\w.-]+)", re.I)


@dataclass(frozen=True)
class Fetched:
    """One HTTP(S) response as the audit received it (or why there is none)."""

    url: str
    """The absolute URL requested (real host name, maybe a port)."""
    status: int = 0
    """HTTP status; 0 when nothing usable came back."""
    headers: tuple[tuple[str, str], ...] = ()
    """Response headers in order, names lowercased; repeated headers repeat."""
    body: bytes = b""
    """The body, at most the fetch's byte budget (a Range request may cut it further)."""
    truncated: bool = False
    """The body was longer than what was kept."""
    error: str = ""
    """Why nothing usable came back (DNS, TLS, timeout, budget)."""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        low = name.lower()
        return next((v for k, v in self.headers if k == low), None)

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (``set-cookie`` repeats)."""
        low = name.lower()
        return [v for k, v in self.headers if k == low]

    @property
    def content_type(self) -> str:
        """The media type, lowercase, without parameters ('' when absent)."""
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded with its declared charset, else UTF-8; never raises."""
        match = _CHARSET.search(self.header("content-type") or "")
        encoding = match.group(1) if match else "utf-8"
        try:
            return self.body.decode(encoding, "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")

    @property
    def path(self) -> str:
        """The path of :attr:`url` ('/' when empty)."""
        return urlsplit(self.url).path or "/"
