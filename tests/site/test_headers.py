"""Security headers, cookies, disclosure, security.txt and the Observatory-like grade.

Every sample page is built here and annotated; the checks are pure functions
over :class:`Fetched`, so nothing touches the network.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from rempart.audit.site.headers import (
    MODIFIERS,
    SPECS,
    Grade,
    HstsInfo,
    Modifier,
    grade,
    header_observations,
    hsts_info,
    letter,
    security_txt_observations,
)
from rempart.audit.site.model import Fetched
from rempart.model import Observation, Severity

URL = "https://parti.test/"
MAX_BYTES = 256 * 1024
HTML = "text/html; charset=utf-8"
STRICT_CSP = (
    "default-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)


def page(*headers: tuple[str, str], body: bytes = b"", url: str = URL) -> Fetched:
    """A 200 HTML response with these headers (names lowercased like the fetcher)."""
    pairs = (("content-type", HTML), *((k.lower(), v) for k, v in headers))
    return Fetched(url, 200, pairs, body or b"<html><head></head><body>Hi</body></html>")


def checks(obs: list[Observation]) -> set[tuple[str, str]]:
    return {(o.check, o.target) for o in obs}


def ids(obs: list[Observation]) -> set[str]:
    return {o.check for o in obs}


# The clean page: strict CSP with frame-ancestors, HSTS two years + includeSubDomains +
# preload, nosniff, a strict Referrer-Policy, one well-flagged session cookie, and a
# Server header with no version.
CLEAN = page(
    ("Content-Security-Policy", STRICT_CSP),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Set-Cookie", "session=Zx9; Path=/; Secure; HttpOnly; SameSite=Lax"),
    ("Server", "nginx"),
)

# The weak WordPress-like page: no CSP, Apache and PHP versions in headers, the
# WordPress generator meta, a flagless PHP session cookie, no HSTS. It does send
# X-Frame-Options and nosniff (as many WordPress hosts do), so the score stays
# above the floor and the arithmetic is visible.
WP_SECRET = "wpSECRETcookieVALUE42"
WEAK = page(
    ("Server", "Apache/2.4.29 (Ubuntu)"),
    ("X-Powered-By", "PHP/7.2.24"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("X-Content-Type-Options", "nosniff"),
    ("Set-Cookie", f"PHPSESSID={WP_SECRET}; path=/"),
    body=(
        b"<!DOCTYPE html><html><head><title>Parti</title>"
        b'<meta name="generator" content="WordPress 5.8.1" />'
        b"</head><body><p>Votez !</p></body></html>"
    ),
)


# --- Clean and weak pages ---------------------------------------------------------


def test_clean_page_has_no_observations() -> None:
    assert header_observations(CLEAN) == []


def test_clean_page_grades_a_plus_with_bonuses() -> None:
    g = grade(CLEAN)
    bonuses = ("csp-strict", "frame-ancestors-csp", "hsts-preload", "referrer-strict")
    assert [m.test for m in g.modifiers] == list(bonuses)
    assert g.score == 100 + sum(MODIFIERS[t].delta for t in bonuses) == 120
    assert g.letter == "A+"


def test_weak_wordpress_page_exact_observations() -> None:
    assert checks(header_observations(WEAK)) == {
        ("site.headers.csp_missing", URL),
        ("site.headers.referrer_missing", URL),
        ("site.cookies.insecure", "PHPSESSID"),
        ("site.cookies.httponly", "PHPSESSID"),
        ("site.cookies.samesite", "PHPSESSID"),
        ("site.disclosure.version", "Server"),
        ("site.disclosure.version", "X-Powered-By"),
        ("site.disclosure.version", "meta generator"),
        ("site.hsts.missing", URL),
    }


def test_weak_page_disclosure_params_name_the_software() -> None:
    software = {
        o.target: dict(o.params)["software"]
        for o in header_observations(WEAK)
        if o.check == "site.disclosure.version"
    }
    assert software == {
        "Server": "Apache/2.4.29 (Ubuntu)",
        "X-Powered-By": "PHP/7.2.24",
        "meta generator": "WordPress 5.8.1",
    }


def test_weak_page_exact_grade() -> None:
    expected = (
        "csp-missing",
        "hsts-missing",
        "cookies-insecure",
        "cookies-httponly",
        "cookies-samesite",
        "referrer-missing",
        "version-disclosure",  # counted once for three disclosures
    )
    g = grade(WEAK)
    assert [m.test for m in g.modifiers] == list(expected)
    assert g.score == 100 + sum(MODIFIERS[t].delta for t in expected) == 15
    assert g.letter == "F"
    assert g.explain()[0] == "−25 no Content-Security-Policy"
    assert "±0 no Referrer-Policy" in g.explain()


def test_cookie_value_never_appears_anywhere() -> None:
    for o in header_observations(WEAK):
        assert WP_SECRET not in o.evidence
        assert all(WP_SECRET not in v for _, v in o.params)
    evidence = next(o.evidence for o in header_observations(WEAK) if o.target == "PHPSESSID")
    assert evidence == "Set-Cookie: PHPSESSID=(value hidden); path=/"


def test_unusable_response_gives_nothing() -> None:
    assert header_observations(Fetched(URL, 0, error="timeout")) == []


# --- Content-Security-Policy ------------------------------------------------------


@pytest.mark.parametrize(
    ("csp", "problems"),
    [
        # A nonce or hash neutralises 'unsafe-inline' in CSP2+ browsers.
        ("script-src 'self' 'nonce-r4nd0m' 'unsafe-inline'; object-src 'none'", None),
        ("script-src 'sha256-abc=' 'unsafe-inline' 'strict-dynamic'", None),
        ("default-src 'self' 'unsafe-inline'", "'unsafe-inline'"),
        ("default-src 'self'; script-src 'self' 'unsafe-eval'", "'unsafe-eval'"),
        # A nonce does not neutralise 'unsafe-eval'.
        ("script-src 'nonce-x' 'unsafe-inline' 'unsafe-eval'", "'unsafe-eval'"),
        ("script-src * 'UNSAFE-INLINE' 'unsafe-eval'", "'unsafe-inline' and 'unsafe-eval'"),
        # script-src overrides default-src.
        ("default-src 'unsafe-inline'; script-src 'self'", None),
        # No script-src nor default-src: inline scripts run.
        ("frame-ancestors 'none'", "'unsafe-inline' and 'unsafe-eval'"),
    ],
)
def test_csp_unsafe(csp: str, problems: str | None) -> None:
    found = [
        o for o in header_observations(page(("Content-Security-Policy", csp))) if "csp" in o.check
    ]
    if problems is None:
        assert found == []
    else:
        [obs] = found
        assert (obs.check, obs.target) == ("site.headers.csp_unsafe", URL)
        assert dict(obs.params)["problems"] == problems
        assert obs.evidence.startswith(("script-src", "default-src", "(no script-src"))


def test_csp_unsafe_evidence_is_the_directive() -> None:
    [obs] = [
        o
        for o in header_observations(
            page(
                ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'")
            )
        )
        if o.check == "site.headers.csp_unsafe"
    ]
    assert obs.evidence == "script-src 'self' 'unsafe-inline'"


def test_report_only_csp_does_not_protect_but_is_mentioned() -> None:
    obs = header_observations(
        page(("Content-Security-Policy-Report-Only", "default-src 'self'; frame-ancestors 'none'"))
    )
    [missing] = [o for o in obs if o.check == "site.headers.csp_missing"]
    assert "Report-Only" in missing.evidence
    assert "site.headers.frame_missing" in ids(obs)  # report-only frame-ancestors blocks nothing


def test_meta_csp_counts_but_not_for_framing() -> None:
    body = b"""<html><head><meta http-equiv="Content-Security-Policy"
        content="default-src 'self'; frame-ancestors 'none'"></head><body></body></html>"""
    found = ids(header_observations(page(body=body)))
    assert "site.headers.csp_missing" not in found and "site.headers.csp_unsafe" not in found
    assert "site.headers.frame_missing" in found  # browsers ignore frame-ancestors in <meta>


def test_several_policies_all_apply() -> None:
    # Two headers: scripts run only if both allow them, so the strict one wins.
    p = page(
        ("Content-Security-Policy", "default-src * 'unsafe-inline'"),
        ("Content-Security-Policy", "script-src 'self'"),
    )
    assert not {"site.headers.csp_unsafe", "site.headers.csp_missing"} & ids(header_observations(p))


def test_empty_csp_counts_as_missing() -> None:
    assert "site.headers.csp_missing" in ids(
        header_observations(page(("Content-Security-Policy", " ; ,")))
    )


# --- Framing, nosniff, Referrer-Policy ------------------------------------------


@pytest.mark.parametrize(
    ("headers", "flagged"),
    [
        ((("X-Frame-Options", "DENY"),), False),
        ((("X-Frame-Options", " sameorigin "),), False),
        ((("X-Frame-Options", "ALLOW-FROM https://evil.test"),), True),  # obsolete
        ((("Content-Security-Policy", "frame-ancestors 'none'"),), False),
        ((("Content-Security-Policy", "frame-ancestors *"),), True),
        ((), True),
    ],
)
def test_frame_protection(headers: tuple[tuple[str, str], ...], flagged: bool) -> None:
    assert ("site.headers.frame_missing" in ids(header_observations(page(*headers)))) is flagged


@pytest.mark.parametrize(
    ("value", "flagged"),
    [("nosniff", False), ("NoSniff ", False), ("sniff", True), ("", True), (None, True)],
)
def test_nosniff(value: str | None, flagged: bool) -> None:
    headers = () if value is None else (("X-Content-Type-Options", value),)
    assert ("site.headers.nosniff_missing" in ids(header_observations(page(*headers)))) is flagged


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        (["no-referrer"], False),
        (["origin"], False),
        (["unsafe-url"], True),
        (["no-referrer-when-downgrade"], True),
        (["unsafe-url, strict-origin"], False),  # the last valid token wins
        (["strict-origin, bogus"], False),
        (["bogus"], True),
        ([], True),
    ],
)
def test_referrer_policy(values: list[str], flagged: bool) -> None:
    p = page(*(("Referrer-Policy", v) for v in values))
    assert ("site.headers.referrer_missing" in ids(header_observations(p))) is flagged


def test_meta_referrer_counts() -> None:
    body = b'<html><head><meta name="referrer" content="no-referrer"></head></html>'
    assert "site.headers.referrer_missing" not in ids(header_observations(page(body=body)))


# --- Cookies ------------------------------------------------------------------


def cookie_checks(*set_cookies: str) -> set[tuple[str, str]]:
    obs = header_observations(page(*(("Set-Cookie", c) for c in set_cookies)))
    return {c for c in checks(obs) if c[0].startswith("site.cookies.")}


def test_session_cookie_flags() -> None:
    assert cookie_checks("wordpress_logged_in_abc=v; path=/; secure; samesite=strict") == {
        ("site.cookies.httponly", "wordpress_logged_in_abc"),
    }
    # SameSite=None is fine only with Secure.
    assert cookie_checks("pref=v; SameSite=None") == {
        ("site.cookies.insecure", "pref"),
        ("site.cookies.samesite", "pref"),
    }
    assert cookie_checks("pref=v; SameSite=None; Secure") == set()


def test_non_session_and_anti_csrf_cookies_need_no_httponly() -> None:
    assert (
        cookie_checks("csrftoken=v; Secure; SameSite=Lax", "theme=dark; Secure; SameSite=Lax")
        == set()
    )


def test_unknown_attributes_do_not_hide_flags() -> None:
    # SimpleCookie gives up on Partitioned/Priority; the RFC 6265 parser still reads them.
    assert (
        cookie_checks("auth=v; Secure; HttpOnly; SameSite=Lax; Partitioned; Priority=High") == set()
    )
    assert cookie_checks('sid="a b"; SECURE; httponly; samesite=LAX') == set()


def test_deletion_cookies_are_ignored() -> None:
    assert (
        cookie_checks("sessid=; Max-Age=0", "sessid=; expires=Thu, 01 Jan 1970 00:00:00 GMT")
        == set()
    )


@pytest.mark.parametrize(
    "raw",
    [
        "",
        ";;;",
        "novalue",
        "=orphan; Secure",
        "; Secure; HttpOnly",
        "a\x00b=1",
        "x=" + "\x00" * 50,
        "sess=1; expires=not a date; Max-Age=99999999999999999999999",
        "sess=1; expires=Mon, 99 Foo 99999 99:99:99 GMT",
        '"quoted"=1; Secure',
        "ü=ö; Secure; SameSite=Lax; HttpOnly",
        "n=v; =; ==; ;=x",
        "a=b=c=d; Path",
    ],
)
def test_malformed_cookies_never_raise(raw: str) -> None:
    obs = header_observations(page(("Set-Cookie", raw)))
    assert all(o.target for o in obs)


def test_malformed_cookie_header_is_skipped() -> None:
    assert cookie_checks("novalue", "; Secure", "=orphan") == set()


def test_huge_header_values_are_ignored_not_raised() -> None:
    huge = "a" * (1024 * 1024)
    p = page(
        ("Set-Cookie", f"sess={huge}"),
        ("Content-Security-Policy", huge),
        ("Server", "Apache/2.4.29 " + huge),
        ("Strict-Transport-Security", "max-age=" + "9" * 1_000_000),
        ("Referrer-Policy", huge),
    )
    obs = header_observations(p)
    assert not ids(obs) & {"site.cookies.insecure", "site.disclosure.version"}
    assert all(len(o.evidence) <= 400 for o in obs)
    grade(p)


def test_at_most_fifty_cookies_are_read() -> None:
    names = {t for _, t in cookie_checks(*(f"c{i}=v" for i in range(500)))}
    assert names == {f"c{i}" for i in range(50)}


def test_cookie_values_stay_hidden_with_odd_attributes() -> None:
    secret = "TOPsecretVALUE"
    obs = header_observations(page(("Set-Cookie", f"token={secret}; Domain=parti.test; HttpOnly")))
    assert obs and all(secret not in o.evidence + repr(o.params) for o in obs)


# --- Version disclosure -------------------------------------------------------


def test_versionless_banners_are_fine() -> None:
    p = page(("Server", "nginx"), ("X-Powered-By", "ASP.NET"), ("Server", "cloudflare"))
    assert "site.disclosure.version" not in ids(header_observations(p))


def test_aspnet_and_nginx_versions() -> None:
    p = page(("Server", "nginx/1.14.0"), ("X-AspNet-Version", "4.0.30319"))
    found = {o.target for o in header_observations(p) if o.check == "site.disclosure.version"}
    assert found == {"Server", "X-AspNet-Version"}


def test_generator_is_read_with_an_html_parser() -> None:
    commented = (
        b'<html><head><!-- <meta name="generator" content="WordPress 5.8.1"> --></head></html>'
    )
    upper = b"<HTML><HEAD><META NAME=Generator CONTENT='Joomla! 3.9.1 - Open Source'></HEAD></HTML>"
    no_version = b'<html><head><meta name="generator" content="WordPress"></head></html>'
    assert "site.disclosure.version" not in ids(header_observations(page(body=commented)))
    assert "site.disclosure.version" not in ids(header_observations(page(body=no_version)))
    [obs] = [
        o for o in header_observations(page(body=upper)) if o.check == "site.disclosure.version"
    ]
    assert obs.target == "meta generator" and dict(obs.params)["software"].startswith(
        "Joomla! 3.9.1"
    )


def test_generator_beyond_256_kib_is_not_read() -> None:
    late = (
        b"<html><head>"
        + b" " * (300 * 1024)
        + b'<meta name="generator" content="WordPress 6.1"></head>'
    )
    assert "site.disclosure.version" not in ids(header_observations(page(body=late)))


def test_generator_not_looked_for_in_non_html() -> None:
    body = b'<meta name="generator" content="WordPress 5.8.1">'
    p = Fetched(URL, 200, (("content-type", "application/json"),), body)
    assert "site.disclosure.version" not in ids(header_observations(p))


@pytest.mark.parametrize("pattern", ['<a b="', "<a", "</", "<?", "<!--", "<"])
def test_hostile_html_is_read_quickly(pattern: str) -> None:
    # html.parser is quadratic on some unfinished constructs; reading must stay bounded.
    body = (pattern * (MAX_BYTES // len(pattern))).encode()
    started = time.monotonic()
    header_observations(page(body=body))
    assert time.monotonic() - started < 3


# --- HSTS ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "max-age=63072000; includeSubDomains; preload",
            HstsInfo(True, 63072000, True, True, True),
        ),
        ('max-age="31536000"; INCLUDESUBDOMAINS', HstsInfo(True, 31536000, True, False, False)),
        ("max-age=300; includeSubDomains; preload", HstsInfo(True, 300, True, True, False)),
        ("includeSubDomains", HstsInfo()),  # no max-age: invalid
        ("max-age=1; max-age=2", HstsInfo()),  # repeated directive: invalid
        ("max-age=-5", HstsInfo()),
        ("max-age=abc", HstsInfo()),
    ],
)
def test_hsts_info(value: str, expected: HstsInfo) -> None:
    assert hsts_info(page(("Strict-Transport-Security", value))) == expected


def test_only_the_first_hsts_header_counts() -> None:
    p = page(
        ("Strict-Transport-Security", "max-age=60"),
        ("Strict-Transport-Security", "max-age=63072000"),
    )
    assert hsts_info(p).max_age == 60


def test_hsts_short_and_no_subdomains() -> None:
    obs = header_observations(page(("Strict-Transport-Security", "max-age=86400")))
    hsts = {o.check: o for o in obs if o.check.startswith("site.hsts.")}
    assert set(hsts) == {"site.hsts.short", "site.hsts.no_subdomains"}
    assert dict(hsts["site.hsts.short"].params)["max_age"] == "86400"
    assert hsts["site.hsts.short"].target == URL


def test_invalid_hsts_is_missing_and_said_so() -> None:
    [obs] = [
        o
        for o in header_observations(page(("Strict-Transport-Security", "preload")))
        if "hsts" in o.check
    ]
    assert obs.check == "site.hsts.missing" and "invalid" in obs.evidence


def test_hsts_is_not_judged_over_plain_http() -> None:
    p = page(
        ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
        url="http://parti.test/",
    )
    assert hsts_info(p) == HstsInfo()
    assert not any(o.check.startswith("site.hsts.") for o in header_observations(p))
    assert "hsts-missing" in {m.test for m in grade(p).modifiers}


# --- security.txt ---------------------------------------------------------------

NOW = datetime(2025, 6, 1, tzinfo=UTC)
TXT_URL = "https://parti.test/.well-known/security.txt"


def txt(body: bytes, status: int = 200, ctype: str = "text/plain; charset=utf-8") -> Fetched:
    return Fetched(TXT_URL, status, (("content-type", ctype),), body)


VALID = b"Contact: mailto:security@parti.test\nExpires: 2026-01-01T00:00:00Z\n"


@pytest.mark.parametrize(
    ("fetched", "expected"),
    [
        (None, "site.securitytxt.missing"),
        (Fetched(TXT_URL, 0, error="connection refused"), "site.securitytxt.missing"),
        (txt(b"Not found", 404), "site.securitytxt.missing"),
        # A catch-all site answering 200 with its home page has no security.txt.
        (
            txt(b"<!DOCTYPE html><html><body>Contact: us</body></html>", ctype=HTML),
            "site.securitytxt.missing",
        ),
        (
            txt(b"<html><body>Contact: x</body></html>", ctype="text/plain"),
            "site.securitytxt.missing",
        ),
        (txt(b"Expires: 2026-01-01T00:00:00Z\n"), "site.securitytxt.missing"),
        (txt(b"# Contact: mailto:x@parti.test\n"), "site.securitytxt.missing"),
        (txt(VALID), None),
        (
            txt(b"contact: https://parti.test/securite\r\nexpires: 2025-12-31T23:59:59+02:00\r\n"),
            None,
        ),
        (
            txt(b"Contact: mailto:security@parti.test\nExpires: 2024-01-01T00:00:00Z\n"),
            "site.securitytxt.expired",
        ),
        (
            txt(b"Contact: mailto:s@parti.test\nExpires: 2025-05-31T23:00:00\n"),
            "site.securitytxt.expired",
        ),
        (txt(b"Contact: mailto:s@parti.test\nExpires: someday\n"), None),
    ],
)
def test_security_txt(fetched: Fetched | None, expected: str | None) -> None:
    obs = security_txt_observations("https://parti.test/", fetched, now=NOW)
    assert [(o.check, o.target) for o in obs] == ([(expected, TXT_URL)] if expected else [])


def test_security_txt_sample_expires_one_year_ahead() -> None:
    [obs] = security_txt_observations("parti.test", None, now=NOW)
    assert obs.target == TXT_URL
    assert dict(obs.params)["expires"] == "2026-06-01T00:00:00Z"


def test_security_txt_garbage_never_raises() -> None:
    for body in (b"\xff\xfe\x00" * 5000, b"Contact: x\nExpires: " + b"9" * 100000, b""):
        security_txt_observations("https://parti.test", txt(body), now=NOW)


# --- Grade ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "mark"),
    [
        (135, "A+"), (100, "A+"), (99, "A"), (90, "A"), (85, "A-"), (80, "B+"), (79, "B"),
        (70, "B"), (65, "B-"), (60, "C+"), (50, "C"), (45, "C-"), (40, "D+"), (30, "D"),
        (25, "D-"), (24, "F"), (0, "F"),
    ],
)  # fmt: skip
def test_letters(score: int, mark: str) -> None:
    assert letter(score) == mark


def test_modifiers_table_is_consistent() -> None:
    assert all(key == m.test and isinstance(m, Modifier) for key, m in MODIFIERS.items())
    assert MODIFIERS["csp-missing"].delta == -25
    assert MODIFIERS["referrer-missing"].delta == 0
    assert sum(m.delta for m in MODIFIERS.values() if m.delta > 0) + 100 <= 135


def without(name: str, *extra: tuple[str, str]) -> Fetched:
    """The clean page without one header, plus some others."""
    return page(*((k, v) for k, v in CLEAN.headers if k not in (name, "content-type")), *extra)


def total(tests: list[str]) -> int:
    return 100 + sum(MODIFIERS[t].delta for t in tests)


def test_bonuses_apply_at_ninety_or_more() -> None:
    # Clean but HSTS short: −10 leaves 90, so the bonuses still count (preload is lost).
    g = grade(without("strict-transport-security", ("Strict-Transport-Security", "max-age=86400")))
    tests = ["hsts-short", "csp-strict", "frame-ancestors-csp", "referrer-strict"]
    assert [m.test for m in g.modifiers] == tests
    assert (g.score, g.letter) == (total(tests), "A+") == (105, "A+")
    # Clean but no nosniff: −5 leaves 95, every bonus counts.
    g = grade(without("x-content-type-options"))
    assert g.score == total(
        ["nosniff-missing", "csp-strict", "frame-ancestors-csp", "hsts-preload", "referrer-strict"]
    )


def test_no_bonus_below_ninety() -> None:
    g = grade(without("strict-transport-security"))
    assert [m.test for m in g.modifiers] == ["hsts-missing"]
    assert (g.score, g.letter) == (80, "B+")


def test_score_is_floored_at_zero() -> None:
    p = page(
        ("Content-Security-Policy-Report-Only", "default-src 'self'"),
        ("Set-Cookie", "sessionid=v"),
        ("Server", "Apache/2.2.3"),
        ("Referrer-Policy", "unsafe-url"),
        url="http://parti.test/",
    )
    g = grade(p)
    assert sum(m.delta for m in g.modifiers) < -100
    assert (g.score, g.letter) == (0, "F")


def test_explain_signs() -> None:
    g = Grade(
        105,
        "A+",
        (MODIFIERS["nosniff-missing"], MODIFIERS["referrer-missing"], MODIFIERS["hsts-preload"]),
    )
    assert g.explain() == [
        "−5 X-Content-Type-Options is not nosniff",
        "±0 no Referrer-Policy",
        "+5 HSTS preload-ready (one year, includeSubDomains, preload)",
    ]


# --- Check specifications -----------------------------------------------------------

ALL_IDS = {
    "site.headers.csp_missing": Severity.MEDIUM,
    "site.headers.csp_unsafe": Severity.LOW,
    "site.headers.frame_missing": Severity.MEDIUM,
    "site.headers.nosniff_missing": Severity.LOW,
    "site.headers.referrer_missing": Severity.LOW,
    "site.cookies.insecure": Severity.MEDIUM,
    "site.cookies.httponly": Severity.LOW,
    "site.cookies.samesite": Severity.LOW,
    "site.disclosure.version": Severity.LOW,
    "site.hsts.missing": Severity.MEDIUM,
    "site.hsts.short": Severity.LOW,
    "site.hsts.no_subdomains": Severity.INFO,
    "site.securitytxt.missing": Severity.INFO,
    "site.securitytxt.expired": Severity.LOW,
}


def test_specs_cover_every_check_with_its_severity() -> None:
    assert {s.id: s.severity for s in SPECS} == ALL_IDS
    assert len(SPECS) == len(ALL_IDS)
    assert all(s.title and s.why.endswith(".") and s.references for s in SPECS)


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise AssertionError(f"template field {key!r} not provided")


def test_every_remediation_formats_with_the_observation_params() -> None:
    samples = [
        WEAK,
        page(
            ("Content-Security-Policy", "script-src 'unsafe-eval'"),
            ("Strict-Transport-Security", "max-age=5"),
        ),
    ]
    obs = [o for p in samples for o in header_observations(p)]
    obs += security_txt_observations(URL, None, now=NOW)
    obs += security_txt_observations(
        URL, txt(b"Contact: x\nExpires: 2020-01-01T00:00:00Z"), now=NOW
    )
    specs = {s.id: s for s in SPECS}
    assert {o.check for o in obs} == set(ALL_IDS)
    for o in obs:
        params = _Strict(o.params)
        params["domain"] = "parti.test"
        spec = specs[o.check]
        spec.remediation.format_map(params)
        spec.why.format_map(params)


@pytest.mark.parametrize(
    ("check", "text"),
    [
        (
            "site.headers.csp_missing",
            "Content-Security-Policy: default-src 'self'; frame-ancestors 'self'; "
            "base-uri 'self'; form-action 'self'",
        ),
        ("site.hsts.missing", "Strict-Transport-Security: max-age=63072000; includeSubDomains"),
        ("site.headers.nosniff_missing", "X-Content-Type-Options: nosniff"),
        ("site.headers.referrer_missing", "Referrer-Policy: strict-origin-when-cross-origin"),
        ("site.headers.frame_missing", "frame-ancestors 'self'"),
        ("site.cookies.insecure", "Secure; HttpOnly; SameSite=Lax"),
        ("site.cookies.httponly", "Secure; HttpOnly; SameSite=Lax"),
        ("site.cookies.samesite", "Secure; HttpOnly; SameSite=Lax"),
        ("site.disclosure.version", "ServerTokens Prod"),
        ("site.disclosure.version", "server_tokens off;"),
        ("site.disclosure.version", "expose_php = Off"),
        ("site.disclosure.version", "wp_generator"),
        ("site.securitytxt.missing", "Contact: mailto:security@{domain}"),
        ("site.securitytxt.missing", "Expires: {expires}"),
    ],
)
def test_remediation_gives_the_exact_header(check: str, text: str) -> None:
    assert text in {s.id: s for s in SPECS}[check].remediation
