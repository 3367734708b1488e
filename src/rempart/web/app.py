"""The dashboard application: HTML pages and the JSON API behind each of them.

Every page is rendered on the server from :mod:`rempart.web.queries` (the API
returns the same values as JSON, documented at ``/openapi.json``). Templates
escape everything: subjects, URLs, file names and log lines are written by
attackers. The guard in front of every request checks the ``Host`` (DNS
rebinding), the origin and size of state changes, the login when one is
configured, and adds the security headers; each state change also needs the
CSRF token of the page (or of the session) that offered it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Header, HTTPException, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from rempart.errors import StoreError
from rempart.model.campaign import Campaign
from rempart.model.findings import Status, utcnow
from rempart.store import Store
from rempart.web import queries
from rempart.web.auth import (
    AuthConfig,
    LoginLimiter,
    Session,
    Sessions,
    is_loopback,
    same_token,
    verify_password,
)

logger = logging.getLogger(__name__)

SESSION_COOKIE = "rempart_session"
CSRF_HEADER = "X-CSRF-Token"
MAX_BODY = 64 * 1024
"""A state change's body larger than this is refused (HTTP 413)."""
SECURITY_HEADERS = {
    # the inlined chart is styled by matplotlib's style attributes: inline styles only,
    # never inline scripts
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
"""Headers added to every response."""
PUBLIC_PATHS = ("/login", "/static/")
"""Paths reachable without a session when a login is configured."""
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class WebState:
    """What every request needs: the store, the campaign, the login machinery."""

    store: Store
    campaign: Campaign | None
    auth: AuthConfig | None
    templates: Environment
    now: Callable[[], datetime] = utcnow
    sessions: Sessions = field(default_factory=Sessions)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    """The CSRF token of the whole server when there is no login."""


def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("rempart.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def create_app(
    db: str | None,
    campaign: Campaign | None = None,
    *,
    auth: AuthConfig | None = None,
    now: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The dashboard on the store ``db`` (a ``--db`` value), for ``campaign``.

    With ``auth``, every page but the login needs a session; without it, the app
    only answers requests addressed to a loopback host. ``now`` is the clock (tests).
    Raises :class:`StoreError` when the store cannot be opened.
    """
    store = Store.open(db)
    state = WebState(store, campaign, auth, _templates(), now or utcnow, Sessions(store))
    app = FastAPI(
        title="Rempart dashboard",
        version="1",
        description="The campaign's findings, mail, log incidents and timeline.",
        docs_url=None,  # the interactive docs load scripts from a CDN
        redoc_url=None,
    )
    app.state.web = state
    app.middleware("http")(_guard)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(StoreError, _store_error)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(packages=[("rempart.web", "static")]), name="static")
    app.include_router(api)
    app.include_router(pages)
    app.router.add_event_handler("shutdown", store.close)
    return app


# -- the guard in front of every request ---------------------------------------


async def _guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Refuse what must be refused, attach the session, add the security headers."""
    web: WebState = request.app.state.web
    refused = _refusal(request, web)
    if refused is None:
        # with a login: one primary-key read of the store, off the event loop
        request.state.session = (
            await run_in_threadpool(_session_of, request, web) if web.auth else None
        )
        if web.auth is not None and request.state.session is None and not _public(request):
            refused = _login_needed(request)
    response = refused if refused is not None else await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _refusal(request: Request, web: WebState) -> Response | None:
    """The answer to a request that must not reach the routes, or None."""
    if web.auth is None and not is_loopback(request.url.hostname):
        # DNS rebinding: without a login, only a loopback Host name is served
        return _plain(400, "this dashboard answers only on a loopback address")
    if request.method in _SAFE_METHODS:
        return None
    origin = request.headers.get("origin")
    # "null": browsers send it under Referrer-Policy no-referrer; the CSRF token decides
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        return _plain(403, "cross-origin request refused")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return _plain(411, "a Content-Length is required")
    if int(length) > MAX_BODY:
        return _plain(413, f"request body over {MAX_BODY} bytes")
    return None


def _session_of(request: Request, web: WebState) -> Session | None:
    return web.sessions.get(request.cookies.get(SESSION_COOKIE)) if web.auth else None


def _public(request: Request) -> bool:
    path = request.url.path
    return path == "/login" or path.startswith("/static/")


def _login_needed(request: Request) -> Response:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return JSONResponse({"detail": "login required"}, status_code=401)
    return RedirectResponse("/login", status_code=303)


def _plain(status: int, message: str) -> Response:
    return JSONResponse({"detail": message}, status_code=status)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """HTTP errors: JSON for the API, a page for people."""
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    return _render(request, "error.html", {"status": exc.status_code, "message": str(exc.detail)},
                   status=exc.status_code)  # fmt: skip


async def _store_error(request: Request, exc: StoreError) -> Response:
    """The store failing is the server's problem, said in one line."""
    logger.error("%s", exc)
    message = f"the store cannot be read: {exc}"
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=503)
    return _render(request, "error.html", {"status": 503, "message": message}, status=503)


# -- shared helpers ------------------------------------------------------------


def web_state(request: Request) -> WebState:
    """The app's :class:`WebState` (a dependency)."""
    state: WebState = request.app.state.web
    return state


Web = Annotated[WebState, Depends(web_state)]
FormatParam = Annotated[str, Query(alias="format", description="nginx, ipset or plain.")]


def csrf_token(request: Request) -> str:
    """The CSRF token expected from this client: its session's, or the server's."""
    session: Session | None = getattr(request.state, "session", None)
    return session.csrf if session is not None else web_state(request).csrf


def check_csrf(request: Request, given: str | None) -> None:
    """Refuse (403) a state change without the right CSRF token."""
    if not same_token(given, csrf_token(request)):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")


def _user(request: Request) -> str | None:
    session: Session | None = getattr(request.state, "session", None)
    return session.user if session is not None else None


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    web = web_state(request)
    page = web.templates.get_template(template).render(
        request_path=request.url.path,
        csrf=csrf_token(request),
        user=_user(request),
        auth=web.auth is not None,
        campaign=queries.clean(web.campaign.organisation.name, 200) if web.campaign else None,
        **context,
    )
    return HTMLResponse(page, status_code=status)


def _page_number(raw: str) -> int:
    """A page number from the query string (1 when absent or bad)."""
    return queries.parse_filter({"page": raw}).page


def _since(web: WebState, raw: str) -> datetime | None:
    value, problem = queries.parse_since(raw, web.now())
    if problem:
        raise HTTPException(status_code=400, detail=problem)
    return value


class StatusChange(BaseModel):
    """A person's decision on a finding."""

    status: Status = Field(description="open, fixed or accepted")
    by: str = Field(min_length=1, max_length=100, description="Who decides.")
    reason: str = Field(min_length=1, max_length=500, description="Why, in one line.")


def _apply_status(web: WebState, finding_id: str, change: StatusChange) -> dict[str, Any]:
    if web.store.finding(finding_id) is None:
        raise HTTPException(status_code=404, detail="no such finding")
    by, reason = queries.clean(change.by, 100).strip(), queries.clean(change.reason, 500).strip()
    if not by or not reason:
        raise HTTPException(status_code=400, detail="say who decides and why")
    web.store.set_status(finding_id, change.status, by=by, reason=reason, now=web.now())
    detail = queries.finding_detail(web.store, finding_id, _zone(web))
    assert detail is not None
    return detail


def _period(web: WebState, raw: str) -> str:
    return raw if raw in queries.periods(web.campaign) else "all"


# -- JSON API ------------------------------------------------------------------

api = APIRouter(prefix="/api", tags=["api"])


@api.get("/overview", summary="Posture per area")
def api_overview(web: Web) -> dict[str, Any]:
    """Open findings by area and severity with Rempart's posture score per area (rule in
    ``posture_rule``; not the Observatory grade), each site's security-headers grade from
    the audit, mail verdicts and log incidents of the last seven days, and the next risk
    window of the campaign's calendar (``start_local``/``end_local``: in its zone)."""
    return queries.overview(web.store, web.campaign, web.now())


@api.get("/findings", summary="Findings, filtered, sorted, one page")
def api_findings(
    request: Request,
    web: Web,
    severity: str = "",
    status: str = "",
    analyzer: str = "",
    q: str = "",
    sort: str = "severity",
    page: str = "1",
) -> dict[str, Any]:
    """One page of findings. ``sort``: severity, newest, oldest, target or title; ``q``
    searches title, target, check, scope and evidence. Bad values are ignored and listed
    in ``notes``."""
    return queries.findings_page(web.store, queries.parse_filter(request.query_params), _zone(web))


@api.get("/findings/{finding_id}", summary="One finding and its history")
def api_finding(web: Web, finding_id: str) -> dict[str, Any]:
    """The finding with every status change it went through."""
    detail = queries.finding_detail(web.store, finding_id, _zone(web))
    if detail is None:
        raise HTTPException(status_code=404, detail="no such finding")
    return detail


@api.post("/findings/{finding_id}/status", summary="Mark a finding fixed, accepted or open")
def api_set_status(
    request: Request,
    web: Web,
    finding_id: str,
    change: StatusChange,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Record a decision (kept in the history). Needs the ``X-CSRF-Token`` header (see
    ``/api/session``)."""
    check_csrf(request, x_csrf_token)
    return _apply_status(web, finding_id, change)


@api.get("/events", summary="Events, newest first")
def api_events(web: Web, kind: str = "", since: str = "", page: str = "1") -> dict[str, Any]:
    """Events whose kind is ``kind`` or starts with it and a dot (``logs``), from ``since``
    (ISO date or time, or ``7d``, ``12h``). Indicators are defanged."""
    family = queries.clean(kind, 100).strip() or None
    return queries.events_page(
        web.store, family, _since(web, since), _page_number(page), _zone(web)
    )


@api.get("/events/{event_id}", summary="One event")
def api_event(web: Web, event_id: str) -> dict[str, Any]:
    """One event; indicators defanged."""
    found = web.store.event(event_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no such event")
    return queries.event_view(found)


@api.get("/mail", summary="Mail triage results")
def api_mail(web: Web, since: str = "", page: str = "1") -> dict[str, Any]:
    """``mail.*`` events (verdicts and waves), newest first, with counts per kind."""
    return queries.events_page(
        web.store, "mail", _since(web, since), _page_number(page), _zone(web)
    )


@api.get("/logs", summary="Log incidents and the block list")
def api_logs(web: Web, since: str = "", page: str = "1") -> dict[str, Any]:
    """``logs.*`` events (their indicators are the sources), and the sources still worth
    blocking (defanged), the campaign's ``[logs] allow`` applied: ``block_list_left_out``
    counts the sources left out as allowed, or as not an IP address. Search-engine
    crawlers are not verified here (only ``rempart logs blocklist --verify-crawlers``)."""
    data = queries.events_page(
        web.store, "logs", _since(web, since), _page_number(page), _zone(web)
    )
    blocks = queries.block_list(web.store, web.now(), _allow_list(web), _zone(web))
    data["block_list"] = blocks["entries"]
    data["block_list_left_out"] = blocks["left_out"]
    return data


@api.get(
    "/logs/blocklist",
    summary="The block list file",
    response_class=PlainTextResponse,
    responses={400: {"description": "Unknown format"}},
)
def api_logs_blocklist(web: Web, fmt: FormatParam = "nginx") -> Response:
    """The block list as ``rempart logs blocklist --as FORMAT`` writes it (nginx, ipset or
    plain), the campaign's ``[logs] allow`` applied, crawlers not verified; an attachment.
    An unknown format is refused (400)."""
    try:
        return _block_file(web, fmt)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc


@api.get("/timeline", summary="Calendar moments and events")
def api_timeline(web: Web, period: str = "all") -> dict[str, Any]:
    """The campaign's moments and the events of ``period`` (7d, 30d, 90d, 365d, all, or
    campaign: its ``[timeline]`` start to end, else its calendar's span), newest first;
    ``local`` is each time in the campaign's zone."""
    chosen = _period(web, period)
    since, until = queries.period_bounds(chosen, web.campaign, web.now())
    data = queries.timeline_data(queries.build_timeline(web.store, web.campaign, since, until))
    return {"period": chosen, **data}


@api.get("/session", summary="Who is logged in, and the CSRF token")
def api_session(request: Request) -> dict[str, Any]:
    """The CSRF token to send in ``X-CSRF-Token`` with every state change."""
    return {"user": _user(request), "csrf": csrf_token(request)}


# -- HTML pages ----------------------------------------------------------------

pages = APIRouter(include_in_schema=False)


@pages.get("/", response_class=HTMLResponse)
def page_overview(request: Request, web: Web) -> HTMLResponse:
    data = queries.overview(web.store, web.campaign, web.now())
    return _render(request, "overview.html", {"data": data})


@pages.get("/findings", response_class=HTMLResponse)
def page_findings(request: Request, web: Web) -> HTMLResponse:
    flt = queries.parse_filter(request.query_params)
    data = queries.findings_page(web.store, flt, _zone(web))
    context = {
        "data": data,
        "sorts": Store.FINDING_SORTS,
        "pager_query": lambda page: flt.query_string(page=page),
    }
    return _render(request, "findings.html", context)


@pages.get("/findings/{finding_id}", response_class=HTMLResponse)
def page_finding(request: Request, web: Web, finding_id: str) -> HTMLResponse:
    detail = queries.finding_detail(web.store, finding_id, _zone(web))
    if detail is None:
        raise HTTPException(status_code=404, detail="no such finding")
    return _render(request, "finding.html", {"f": detail, "statuses": [s.value for s in Status]})


@pages.post("/findings/{finding_id}/status")
def page_set_status(
    request: Request,
    web: Web,
    finding_id: str,
    status: Annotated[str, Form()] = "",
    by: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        change = StatusChange(status=status, by=by or _user(request) or "", reason=reason)  # type: ignore[arg-type]
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise HTTPException(status_code=400, detail=f"missing or invalid: {fields}") from exc
    _apply_status(web, finding_id, change)
    return RedirectResponse(f"/findings/{finding_id}", status_code=303)


def _events_page(request: Request, web: Web, area: str, page: str, since: str) -> HTMLResponse:
    data = queries.events_page(web.store, area, _since(web, since), _page_number(page), _zone(web))
    context = {
        "data": data,
        "area": area,
        "zone": _zone(web),
        "pager_query": lambda p: urlencode({k: v for k, v in (("page", p), ("since", since)) if v}),
    }
    if area == "logs":
        context["blocks"] = queries.block_list(web.store, web.now(), _allow_list(web), _zone(web))
        return _render(request, "logs.html", context)
    return _render(request, "events.html", context)


@pages.get("/mail", response_class=HTMLResponse)
def page_mail(request: Request, web: Web, page: str = "1", since: str = "") -> HTMLResponse:
    return _events_page(request, web, "mail", page, since)


@pages.get("/logs", response_class=HTMLResponse)
def page_logs(request: Request, web: Web, page: str = "1", since: str = "") -> HTMLResponse:
    return _events_page(request, web, "logs", page, since)


@pages.get("/logs/blocklist.txt")
def page_logs_blocklist(web: Web, fmt: FormatParam = "nginx") -> Response:
    """The block list file to deploy (see :func:`api_logs_blocklist`)."""
    try:
        return _block_file(web, fmt)
    except ValueError as exc:
        return PlainTextResponse(f"{exc}\n", status_code=400)


def _zone(web: WebState) -> str:
    """The campaign's time zone (``[timeline] zone``): times are shown in it."""
    return web.campaign.timeline.zone if web.campaign is not None else "UTC"


def _allow_list(web: WebState) -> tuple[str, ...]:
    """The campaign's ``[logs] allow``: its own addresses, never blocked."""
    return web.campaign.logs.allow if web.campaign is not None else ()


def _block_file(web: WebState, fmt: str) -> Response:
    """The block list file in ``fmt``, as a download (``ValueError`` for a bad ``fmt``)."""
    text = queries.block_file(web.store, web.now(), fmt, _allow_list(web))
    name = queries.BLOCK_FILES[fmt]
    return PlainTextResponse(
        text, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@pages.get("/timeline", response_class=HTMLResponse)
def page_timeline(request: Request, web: Web, period: str = "all", page: str = "1") -> HTMLResponse:
    chosen = _period(web, period)
    since, until = queries.period_bounds(chosen, web.campaign, web.now())
    timeline = queries.build_timeline(web.store, web.campaign, since, until)
    rows = queries.TIMELINE_ROWS
    pages = max(1, -(-len(timeline.events) // rows))
    number = min(_page_number(page), pages)
    data = queries.timeline_data(timeline, offset=(number - 1) * rows, limit=rows)
    data |= {"page": number, "pages": pages, "per_page": rows}
    context = {
        "data": data,
        # the chart's text is escaped by matplotlib's SVG writer
        "svg": Markup(queries.chart_svg(timeline)),
        "period": chosen,
        "periods": queries.periods(web.campaign),
        "pager_query": lambda p: urlencode({"period": chosen, "page": p}),
    }
    return _render(request, "timeline.html", context)


@pages.get("/login", response_class=HTMLResponse)
def page_login(request: Request, web: Web) -> Response:
    if web.auth is None:
        return RedirectResponse("/", status_code=303)
    return _render(request, "login.html", {"message": ""})


@pages.post("/login")
def page_login_post(request: Request, web: Web, password: Annotated[str, Form()] = "") -> Response:
    if web.auth is None:
        return RedirectResponse("/", status_code=303)
    client = request.client.host if request.client else "unknown"
    if web.limiter.blocked(client):
        message = "too many failed logins: wait a few minutes"
        return _render(request, "login.html", {"message": message}, status=429)
    if not verify_password(web.auth, password):
        web.limiter.fail(client)
        logger.warning("dashboard: failed login from %s", client)
        return _render(request, "login.html", {"message": "wrong password"}, status=401)
    session = web.sessions.create(web.auth.user)
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https" or not is_loopback(request.url.hostname)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )
    return response


@pages.post("/logout")
def page_logout(request: Request, web: Web, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    web.sessions.drop(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login" if web.auth else "/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
