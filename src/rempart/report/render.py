"""The briefing as a self-contained HTML page, and as a PDF of at most two A4 pages.

The HTML carries its CSS inline and the chart as a ``data:`` URI: it opens
offline and refers to nothing outside itself. The PDF is WeasyPrint's print of
the same HTML, through a URL fetcher that refuses every URL but ``data:`` (no
network, no local file). When the content does not fit on two pages, the
smaller budgets of :data:`~rempart.report.build.BUDGETS` are tried in turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from rempart.report import texts
from rempart.report.build import BUDGETS, Briefing, fitted
from rempart.report.texts import text

log = logging.getLogger(__name__)

MAX_PAGES = 2
"""The leadership reads two pages."""


@cache
def _environment() -> jinja2.Environment:
    """The Jinja2 environment: the package's templates, every value escaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("rempart.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _css() -> str:
    """The stylesheet, inlined into every page (it is ours, not outside text)."""
    return resources.files("rempart.report").joinpath("briefing.css").read_text("utf-8")


def html(b: Briefing) -> str:
    """The briefing as one self-contained HTML page."""
    lang = b.lang
    template = _environment().get_template("briefing.html")
    return template.render(
        b=b,
        t=texts.TEXTS[lang],
        css=Markup(_css()),
        risks_heading=text(lang, "risks_heading", days=b.days),
        risks_more=text(lang, "risks_more", n=b.risks_more),
        and_more=lambda n: text(lang, "and_more", n=n),
        from_moment=lambda moment: text(lang, "from_moment", moment=moment),
    )


def data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches ``data:`` URIs and refuses everything else
    (http, https, file, ftp…) with a ValueError, so rendering never leaves the process."""
    from weasyprint.urls import URLFetcher

    class DataOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.strip().lower().startswith("data:"):
                raise ValueError(f"refused (the briefing fetches nothing): {url[:80]!r}")
            return super().fetch(url, headers)

    return DataOnly(allowed_protocols=("data",), allow_redirects=False)


@dataclass(frozen=True)
class Pdf:
    """A printed briefing."""

    data: bytes
    pages: int
    budget: int
    """Index in :data:`BUDGETS` of the budget that fitted (the last one if none did)."""


def pdf(b: Briefing) -> Pdf:
    """The briefing printed to PDF, cut to the first budget that fits on two pages."""
    from weasyprint import HTML

    fetcher = data_only_fetcher()
    document: Any = None
    index = 0
    for index, budget in enumerate(BUDGETS):
        document = HTML(string=html(fitted(b, budget)), url_fetcher=fetcher).render()
        if len(document.pages) <= MAX_PAGES:
            break
        log.debug("briefing: %d pages at budget %d, trying a smaller one", len(document.pages),
                  index)  # fmt: skip
    if len(document.pages) > MAX_PAGES:
        log.warning("briefing: %d pages even at the smallest budget", len(document.pages))
    return Pdf(bytes(document.write_pdf()), len(document.pages), index)
