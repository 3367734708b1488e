"""A bounded crawl of a site's own pages, so exposure is found where links lead.

Same host only, a page budget, robots.txt respected unless told otherwise.
Links are read with the standard library's HTML parser from at most the first
bytes the fetcher kept; nothing is executed, no form is submitted.
"""

from __future__ import annotations

import logging
import urllib.robotparser
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from rempart.audit.site.model import Fetched

log = logging.getLogger(__name__)

MAX_LINKS_PER_PAGE = 500
"""Links read from one page (a hostile page may hold millions)."""

MAX_HTML_CHARS = 1_000_000
"""Characters of a page read for links."""

SKIPPED_EXTENSIONS = (
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".css", ".js", ".woff",
    ".woff2", ".ttf", ".mp4", ".mp3", ".avi", ".mov", ".pdf",
)  # fmt: skip
"""Files that never hold a list of people in readable text (PDFs are a known gap)."""


class _Links(HTMLParser):
    """Collects ``href``/``src`` of links and frames; stops at the cap."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.found) >= MAX_LINKS_PER_PAGE or tag not in ("a", "area", "frame", "iframe"):
            return
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value.strip())


def links(page: Fetched) -> list[str]:
    """Absolute same-host links of an HTML page, fragments removed, in page order."""
    if "html" not in page.content_type:
        return []
    parser = _Links()
    try:
        # feed() only: CPython's close() is quadratic on unterminated tags, which a
        # hostile page can use to stall the audit (8,000 "<div " took 3.5 s).
        parser.feed(page.text[:MAX_HTML_CHARS])
    except Exception:  # a hostile page must not stop the crawl
        log.debug("unparseable HTML at %s", page.url)
    base = urlsplit(page.url)
    out: list[str] = []
    for href in parser.found:
        absolute = urldefrag(urljoin(page.url, href))[0]
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc == base.netloc:
            out.append(absolute)
    return list(dict.fromkeys(out))


def robots_from(fetched: Fetched | None) -> urllib.robotparser.RobotFileParser:
    """A robots.txt policy from its fetched text; absent or unreadable allows all."""
    parser = urllib.robotparser.RobotFileParser()
    text = ""
    if fetched is not None and fetched.status == 200 and "html" not in fetched.content_type:
        text = fetched.text[: 512 * 1024]
    parser.parse(text.splitlines())
    return parser


def crawl(
    start: Fetched,
    fetch: Callable[[str], Fetched],
    *,
    budget: int,
    allowed: Callable[[str], bool],
) -> Iterator[Fetched]:
    """Breadth-first from ``start``: yields each fetched page, at most ``budget`` fetches."""
    seen = {start.url}
    queue = [u for u in links(start) if u not in seen]
    seen.update(queue)
    fetched = 0
    while queue and fetched < budget:
        url = queue.pop(0)
        if _skipped(url) or not allowed(url):
            continue
        page = fetch(url)
        fetched += 1
        yield page
        for link in links(page):
            if link not in seen:
                seen.add(link)
                queue.append(link)


def _skipped(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(SKIPPED_EXTENSIONS)
