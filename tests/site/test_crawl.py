"""The bounded crawl: same host, budget, robots.txt, hostile pages."""

from __future__ import annotations

import pytest

from rempart.audit.site.crawl import MAX_LINKS_PER_PAGE, crawl, links, robots_from
from rempart.audit.site.model import Fetched

HTML = (("content-type", "text/html"),)


def page(url: str, body: str) -> Fetched:
    return Fetched(url, 200, HTML, body.encode())


SITE = {
    "https://a.test/": page(
        "https://a.test/",
        '<a href="/one">1</a><a href="/two#x">2</a>'
        '<a href="https://b.test/">off-host</a><a href="/logo.png">img</a>'
        '<a href="/private/list">private</a>',
    ),
    "https://a.test/one": page("https://a.test/one", '<a href="/three">3</a><a href="/">home</a>'),
    "https://a.test/two": page("https://a.test/two", "<p>no links</p>"),
    "https://a.test/three": page("https://a.test/three", "<p>deep</p>"),
    "https://a.test/private/list": page("https://a.test/private/list", "<p>secret</p>"),
}


def _fetch_log() -> tuple[list[str], object]:
    log: list[str] = []

    def fetch(url: str) -> Fetched:
        log.append(url)
        return SITE.get(url, Fetched(url, 404))

    return log, fetch


def test_crawl_stays_on_host_skips_media_and_follows_links() -> None:
    log, fetch = _fetch_log()
    pages = list(crawl(SITE["https://a.test/"], fetch, budget=10, allowed=lambda u: True))  # type: ignore[arg-type]
    assert log == [
        "https://a.test/one",
        "https://a.test/two",
        "https://a.test/private/list",
        "https://a.test/three",
    ]
    assert [p.url for p in pages] == log


def test_budget_and_robots_are_respected() -> None:
    robots = robots_from(
        Fetched(
            "https://a.test/robots.txt",
            200,
            (("content-type", "text/plain"),),
            b"User-agent: *\nDisallow: /private/\n",
        )
    )
    log, fetch = _fetch_log()
    allowed = lambda url: robots.can_fetch("Rempart", url)  # noqa: E731
    list(crawl(SITE["https://a.test/"], fetch, budget=2, allowed=allowed))  # type: ignore[arg-type]
    assert log == ["https://a.test/one", "https://a.test/two"]
    log, fetch = _fetch_log()
    list(crawl(SITE["https://a.test/"], fetch, budget=10, allowed=allowed))  # type: ignore[arg-type]
    assert "https://a.test/private/list" not in log


def test_robots_served_as_html_catch_all_allows_everything() -> None:
    robots = robots_from(
        Fetched("https://a.test/robots.txt", 200, HTML, b"<html>Disallow: /</html>")
    )
    assert robots.can_fetch("Rempart", "https://a.test/anything")


@pytest.mark.timeout(10)
def test_hostile_pages_are_bounded() -> None:
    many = page("https://a.test/", "".join(f'<a href="/p{i}">' for i in range(100_000)))
    assert len(links(many)) == MAX_LINKS_PER_PAGE
    # CPython's HTMLParser.close() is quadratic on this: 100,000 would take minutes
    broken = page("https://a.test/", "<a href='/x'<<<<<" + "<div " * 100_000 + "\x00\xff")
    links(broken)  # must not raise
    assert links(Fetched("https://a.test/f.csv", 200, (("content-type", "text/csv"),), b"/x")) == []
