"""Dashboard benchmark: `rempart serve` on a store of 100,000 findings, loaded from outside.

In one run, per backend (SQLite file, then PostgreSQL unless ``--skip-pg``):

* seed: a store filled through the public :class:`~rempart.store.Store` API (``record_scope``,
  ``set_status``, ``add_events``) with ``--findings`` findings (default 100,000) over
  four analyzers, five severities, open / fixed / accepted, 2,000-odd scopes, titles and
  evidence with attacker-written text in them (script tags, quotes, bidi overrides, LIKE
  wildcards), and ``--events`` events (default 10,000: mail verdicts, log incidents,
  finding changes) over 90 days;
* load: ``.venv/bin/rempart serve --db STORE --port FREE`` started as a separate process,
  waited for, then requested from this process with httpx: every page of the list below
  ``--requests`` times in a row (one client), then again by 4 clients at once. Per page:
  p50, p95 and max latency and requests per second; the server's peak resident set
  (``VmHWM`` of its process).

Prints a Markdown table (progress on stderr) and writes ``bench/out/web.md`` and
``bench/out/web.json`` (``bench/out/`` is git-ignored). No anchor: no other dashboard
reads Rempart's store.

    .venv/bin/python bench/web_bench.py [--findings N] [--requests N] [--skip-pg]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import random
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from audit_bench import machine, say  # bench/ is not a package
from mail_bench import exit_on_signals

from rempart.model.findings import (
    Event,
    Finding,
    ScopeOutcome,
    Severity,
    Status,
    event_id,
    finding_id,
)
from rempart.store import Store

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out" / "web.json"
DEFAULT_MD = BENCH_DIR / "out" / "web.md"
REMPART = PROJECT / ".venv" / "bin" / "rempart"
PG_URL = os.environ.get("REMPART_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)
"""The last moment of the seeded history (the server's clock is the real one)."""
DAYS = 90
"""The seeded history spans this many days before :data:`NOW`."""
PER_SCOPE = 50
"""Findings per scope (the last scope takes the remainder)."""
CLIENTS = 4
"""Concurrent clients of the second load phase."""
START_TIMEOUT = 60.0
"""Seconds the server has to answer its first request."""
REQUEST_TIMEOUT = 60.0
"""Seconds one request may take before it counts as failed."""
GOAL_MS = 150.0
"""The issue's target: overview and findings pages at p95."""

PAGES: tuple[tuple[str, str], ...] = (
    ("overview", "/"),
    ("findings", "/findings"),
    ("findings, filtered", "/findings?severity=high&status=open"),
    ("findings, search by title", "/findings?q=dmarc&sort=title"),
    ("findings, rare search", "/findings?q=zz-none-zz"),
    ("findings, deep page", "/findings?page=1500"),
    ("findings, deep page by title", "/findings?sort=title&page=1500"),
    ("findings, open, deep by title", "/findings?status=open&sort=title&page=1000"),
    ("findings, deep by target", "/findings?sort=target&page=1500"),
    ("findings, open, deep oldest", "/findings?status=open&sort=oldest&page=1000"),
    ("API findings", "/api/findings?status=open&page=3"),
    ("timeline", "/timeline"),
)
"""(name, path) of every request timed."""
SLOW = frozenset({"timeline"})
"""Pages drawn by matplotlib (hundreds of ms each): timed a fifth as often."""
GOALED = frozenset(name for name, _ in PAGES if name != "timeline" and not name.startswith("API"))
"""Pages the 150 ms goal applies to (the overview and findings pages)."""

# --------------------------------------------------------------------------------------
# The seeded store
# --------------------------------------------------------------------------------------

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "\u202etxt.exe",
    "100% _done_",
    "' OR 1=1 --",
)
"""Attacker-written fragments mixed into titles, targets and evidence."""


@dataclass(frozen=True)
class Check:
    """One kind of finding of the seeded world."""

    analyzer: str
    check: str
    title: str
    severity: Severity


CHECKS = (
    Check("audit", "mail.dmarc.missing", "No DMARC record", Severity.HIGH),
    Check("audit", "mail.dmarc.none", "DMARC policy is none", Severity.MEDIUM),
    Check("audit", "mail.spf.softfail", "SPF ends in ~all", Severity.LOW),
    Check("audit", "mail.spf.missing", "No SPF record", Severity.HIGH),
    Check("audit", "dns.dnssec.missing", "DNSSEC not signed", Severity.LOW),
    Check("audit", "dns.caa.missing", "No CAA record", Severity.INFO),
    Check("audit", "tls.expiring", "Certificate expires soon", Severity.MEDIUM),
    Check("audit", "tls.old_protocol", "TLS 1.0 still offered", Severity.MEDIUM),
    Check("audit", "dns.takeover", "Dangling CNAME: subdomain takeover", Severity.CRITICAL),
    Check("site", "site.headers.csp", "No Content-Security-Policy", Severity.LOW),
    Check("site", "site.headers.hsts", "No Strict-Transport-Security", Severity.MEDIUM),
    Check("site", "site.export.public", "Members export page is public", Severity.CRITICAL),
    Check("site", "site.cms.outdated", "Outdated CMS version", Severity.HIGH),
    Check("site", "site.directory.listing", "Directory listing enabled", Severity.LOW),
    Check("mail", "mail.lookalike.domain", "Lookalike domain registered", Severity.HIGH),
    Check("mail", "mail.forwarding.open", "Mailbox forwards outside", Severity.MEDIUM),
    Check("logs", "logs.scan.paths", "Path scanning from one address", Severity.LOW),
    Check("logs", "logs.login.stuffing", "Credential stuffing on the login", Severity.HIGH),
    Check("logs", "logs.flood.ip", "Request flood", Severity.INFO),
    Check("logs", "logs.admin.probe", "Admin panel probed", Severity.INFO),
)
EVENT_KINDS = (
    ("mail.phishing", Severity.HIGH),
    ("mail.suspicious", Severity.MEDIUM),
    ("mail.spam", Severity.LOW),
    ("logs.flood.ip", Severity.MEDIUM),
    ("logs.scan.paths", Severity.LOW),
    ("logs.login.stuffing", Severity.HIGH),
    ("press.article", Severity.INFO),
)


def _text(rng: random.Random, plain: str) -> str:
    """``plain``, with an attacker-written fragment one time in 25."""
    return f"{plain} {rng.choice(HOSTILE)}" if rng.random() < 0.04 else plain


def scope_findings(rng: random.Random, index: int, count: int) -> tuple[str, tuple[Finding, ...]]:
    """The findings of scope number ``index``: ``count`` of its analyzer's checks × hosts."""
    check = CHECKS[index % len(CHECKS)]
    checks = [c for c in CHECKS if c.analyzer == check.analyzer]
    scope = f"section-{index:05d}.parti-exemple.fr"
    found = []
    for k in range(count):
        c = checks[k % len(checks)]
        target = f"h{k:03d}.{scope}" if k >= len(checks) else scope
        # a severity differing from the check's default one time in five (overrides exist)
        severity = rng.choice(list(Severity)) if rng.random() < 0.2 else c.severity
        found.append(
            Finding(
                id=finding_id(c.analyzer, c.check, scope, target),
                analyzer=c.analyzer,
                check=c.check,
                scope=scope,
                target=_text(rng, target),
                severity=severity,
                title=_text(rng, f"{c.title} on {target}"),
                evidence=_text(rng, f"seen {c.check} at {target}: " + "x" * rng.randint(20, 300)),
                remediation=f"Fix {c.check} on {target}.",
                why="It lets an attacker in or lets them pass as the campaign.",
                references=("https://cyber.gouv.fr/guide",),
            )
        )
    return scope, tuple(found)


def seed(db: str, findings: int, events: int, seed_: int = 7) -> dict[str, Any]:
    """Fill the empty store ``db``; return what it holds (counts per status)."""
    rng = random.Random(seed_)
    started = time.perf_counter()
    scopes = -(-findings // PER_SCOPE)
    with Store.open(db) as store:
        for i in range(scopes):
            count = min(PER_SCOPE, findings - i * PER_SCOPE)
            scope, found = scope_findings(rng, i, count)
            first = NOW - dt.timedelta(days=DAYS) + dt.timedelta(seconds=rng.randint(0, 80 * 86400))
            analyzer = found[0].analyzer
            run = store.start_run(analyzer, {"bench": True})
            store.record_scope(run, analyzer, ScopeOutcome(scope, found), first)
            if rng.random() < 0.5:  # a later complete run: a quarter of them got fixed
                kept = tuple(f for f in found if rng.random() < 0.5)
                later = first + dt.timedelta(days=rng.randint(1, 9))
                store.record_scope(run, analyzer, ScopeOutcome(scope, kept), later)
            store.finish_run(run, "done")
            if i % 200 == 0:
                say(f"  seeded {min(findings, (i + 1) * PER_SCOPE):,} findings")
        accepted = store.findings_page(status=Status.OPEN, sort="oldest", limit=findings // 20)[1]
        for f in accepted:
            store.set_status(f.id, Status.ACCEPTED, by="bench", reason="risk accepted")
        store.add_events(seed_events(rng, events))
        by_status = {s.value: store.findings_page(status=s, limit=0)[0] for s in Status}
        stored_events = store.events_page(limit=0)[0]
    return {
        "findings": sum(by_status.values()),
        "by_status": by_status,
        "events": stored_events,
        "seed_s": round(time.perf_counter() - started, 1),
    }


def seed_events(rng: random.Random, count: int) -> list[Event]:
    """``count`` mail and log events over the seeded history (finding events come extra)."""
    out = []
    for k in range(count):
        kind, severity = rng.choice(EVENT_KINDS)
        at = NOW - dt.timedelta(seconds=rng.randint(0, DAYS * 86400))
        summary = _text(rng, f"{kind} #{k} from 203.0.113.{k % 250}")
        out.append(
            Event(
                id=event_id("bench", kind, at, summary),
                time=at,
                kind=kind,
                source=kind.split(".")[0],
                summary=summary,
                severity=severity,
                targets=("parti-exemple.fr",),
                indicators=(f"203.0.113.{k % 250}", "https://evil.example/login"),
            )
        )
    return out


@contextlib.contextmanager
def pg_schema(base: str) -> Iterator[str]:
    """A fresh PostgreSQL schema on ``base`` (a ``--db`` URL using it), dropped afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"rempart_bench_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def pg_analyze(db: str) -> None:
    """ANALYZE the seeded tables, as autovacuum would after a bulk load."""
    from sqlalchemy import create_engine

    engine = create_engine(db, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for table in ("findings", "events", "finding_history"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------
# The server, in its own process
# --------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``rempart serve`` running in a child process."""

    process: subprocess.Popen[bytes]
    base: str
    stderr: Path

    def peak_rss_mib(self) -> float | None:
        """The server's peak resident set so far (``VmHWM``), MiB."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return None

    def stderr_tail(self) -> list[str]:
        try:
            return self.stderr.read_text(errors="replace").splitlines()[-5:]
        except OSError:
            return []


@contextlib.contextmanager
def running_server(db: str, scratch: Path) -> Iterator[Server]:
    """Start ``rempart serve --db db`` on a free loopback port; wait for its first answer."""
    port = free_port()
    err = scratch / f"serve-{port}.err"
    argv = [str(REMPART), "serve", "--db", db, "--port", str(port)]
    with err.open("wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=sink, cwd=scratch)
    server = Server(process, f"http://127.0.0.1:{port}", err)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"rempart serve exited: {' / '.join(server.stderr_tail())}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.base + "/api/session", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"rempart serve did not answer within {START_TIMEOUT:.0f} s")


# --------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request: how long it took, and its HTTP status (0: no answer)."""

    seconds: float
    status: int


def fetch(client: httpx.Client, path: str) -> Sample:
    """GET ``path``, body read whole; a transport failure is status 0."""
    started = time.perf_counter()
    try:
        status = client.get(path).status_code
    except httpx.HTTPError:
        status = 0
    return Sample(time.perf_counter() - started, status)


def times(name: str, requests: int) -> int:
    """Requests per client for page ``name``: fewer for the slow pages (at least 3)."""
    return max(3, requests // 5) if name in SLOW else requests


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` percentile of ``values`` (non-empty)."""
    ranked = sorted(values)
    rank = math.ceil(len(ranked) * q / 100)
    return ranked[max(0, min(len(ranked), rank) - 1)]


def summary(name: str, path: str, samples: Sequence[Sample], wall: float) -> dict[str, Any]:
    """Latency figures of one page's samples, in milliseconds."""
    ms = [s.seconds * 1000 for s in samples]
    statuses: dict[str, int] = {}
    for s in samples:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    return {
        "name": name,
        "path": path,
        "requests": len(samples),
        "statuses": statuses,
        "all_ok": statuses == {"200": len(samples)},
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "requests_per_s": round(len(samples) / wall, 1) if wall > 0 else None,
        "goal_ms": GOAL_MS if name in GOALED else None,
    }


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT)


def sequential(base: str, requests: int) -> list[dict[str, Any]]:
    """Every page ``requests`` times in a row from one client (after two warm-ups)."""
    out = []
    with _client(base) as client:
        for name, path in PAGES:
            for _ in range(2):
                fetch(client, path)
            started = time.perf_counter()
            samples = [fetch(client, path) for _ in range(times(name, requests))]
            out.append(summary(name, path, samples, time.perf_counter() - started))
            say(f"    {name}: p95 {out[-1]['p95_ms']} ms")
    return out


def concurrent(base: str, requests: int, clients: int = CLIENTS) -> list[dict[str, Any]]:
    """Every page ``requests`` times by each of ``clients`` clients at once."""
    out = []
    for name, path in PAGES:
        results: list[list[Sample]] = [[] for _ in range(clients)]
        start = threading.Barrier(clients + 1)
        threads = [
            threading.Thread(
                target=_client_run, args=(base, path, times(name, requests), start, results, k)
            )
            for k in range(clients)
        ]
        for th in threads:
            th.start()
        start.wait()
        started = time.perf_counter()
        for th in threads:
            th.join()
        wall = time.perf_counter() - started
        out.append(summary(name, path, [s for r in results for s in r], wall))
        say(f"    {name} ×{clients}: p95 {out[-1]['p95_ms']} ms")
    return out


def _client_run(
    base: str,
    path: str,
    requests: int,
    start: threading.Barrier,
    results: list[list[Sample]],
    slot: int,
) -> None:
    """One concurrent client: connect, wait for the others, then ``requests`` GETs."""
    with _client(base) as client:
        fetch(client, path)  # connected before the clock starts
        start.wait()
        results[slot] = [fetch(client, path) for _ in range(requests)]


def bench_backend(backend: str, db: str, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Seed ``db``, serve it from a child process, load it; the backend's figures."""
    say(f"{backend}: seeding {args.findings:,} findings and {args.events:,} events")
    store = seed(db, args.findings, args.events)
    if backend == "postgresql":
        pg_analyze(db)
    say(f"{backend}: serving and loading ({args.requests} requests per page)")
    with running_server(db, scratch) as server:
        rss_loaded = server.peak_rss_mib()
        one = sequential(server.base, args.requests)
        many = concurrent(server.base, args.requests)
        peak = server.peak_rss_mib()
    return {
        "backend": backend,
        "store": store,
        "server_peak_rss_mib": peak,
        "server_rss_after_start_mib": rss_loaded,
        "sequential": one,
        "concurrent": many,
    }


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def _verdict(row: Mapping[str, Any]) -> str:
    if not row["all_ok"]:
        return "FAILED " + ", ".join(f"{k}×{v}" for k, v in row["statuses"].items())
    if row["goal_ms"] is None:
        return ""
    return "ok" if row["p95_ms"] <= row["goal_ms"] else "over"


def table(backend: Mapping[str, Any]) -> str:
    """One backend's figures: sequential and 4-client latencies per page."""
    lines = [
        "| Page | Path | p50 ms | p95 ms | max ms | req/s | "
        f"×{CLIENTS} p50 ms | ×{CLIENTS} p95 ms | ×{CLIENTS} max ms | ×{CLIENTS} req/s "
        "| one client: p95 ≤ 150 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for one, many in zip(backend["sequential"], backend["concurrent"], strict=True):
        verdict = _verdict(one) if not many["all_ok"] or _verdict(one) else _verdict(many)
        lines.append(
            f"| {one['name']} | `{one['path']}` | {one['p50_ms']} | {one['p95_ms']} "
            f"| {one['max_ms']} | {one['requests_per_s']} | {many['p50_ms']} "
            f"| {many['p95_ms']} | {many['max_ms']} | {many['requests_per_s']} | {verdict} |"
        )
    return "\n".join(lines)


def render(result: Mapping[str, Any]) -> str:
    facts = result["machine"]
    parts = ["# Dashboard: `rempart serve` under load from a second process", ""]
    for b in result["backends"]:
        s = b["store"]
        parts += [
            f"## {b['backend']}: {s['findings']:,} findings "
            f"({', '.join(f'{k} {v:,}' for k, v in s['by_status'].items())}), "
            f"{s['events']:,} events",
            "",
            table(b),
            "",
            f"- Server peak RSS {b['server_peak_rss_mib']} MiB "
            f"({b['server_rss_after_start_mib']} MiB after its first answer); store seeded "
            f"in {s['seed_s']} s through the Store API.",
            "",
        ]
    parts += [
        f"- Command: `{result['command']}`; date {result['date']}; machine: {facts['cpus']} "
        f"CPUs ({facts['cpus_usable']} usable), {facts['implementation']} {facts['python']}, "
        f"{facts['platform']}; load average at start {result['load_average_at_start']}, at "
        f"end {result['load_average_at_end']}.",
        f"- {result['requests']} timed requests per page and client (the timeline, drawn "
        "by matplotlib: a fifth as many), two warm-ups first; "
        f"×{CLIENTS}: {CLIENTS} clients at once, each its own connection. The server is "
        "`.venv/bin/rempart serve` in its own process (uvicorn, one worker); latency is "
        "measured by httpx in this process, body read whole.",
        "- The goal (issue 7): overview and findings pages ≤ 150 ms at p95 (the last "
        "column; the API and timeline rows have no goal). No anchor: no other tool serves "
        "Rempart's store.",
        "",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--findings", type=int, default=100_000, help="findings (100000)")
    parser.add_argument("--events", type=int, default=10_000, help="mail/log events (10000)")
    parser.add_argument("--requests", type=int, default=100, help="requests per page (100)")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server (a schema is made)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output path")
    parser.add_argument("--md", type=Path, default=DEFAULT_MD, help="Markdown output path")
    args = parser.parse_args(argv)
    if args.findings < 1 or args.requests < 1 or args.events < 0:
        parser.error("--findings and --requests must be at least 1, --events at least 0")
    return args


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns what it wrote to the JSON file."""
    args = parse_args(argv)
    facts = machine()
    result: dict[str, Any] = {
        "command": shlex.join(["bench/web_bench.py", *(sys.argv[1:] if argv is None else argv)]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": facts,
        "load_average_at_start": _load_average(),
        "requests": args.requests,
        "clients": CLIENTS,
        "goal_ms": GOAL_MS,
        "backends": [],
    }
    with exit_on_signals(), tempfile.TemporaryDirectory(prefix="rempart-web-bench-") as tmp:
        scratch = Path(tmp)
        db = str(scratch / "store.db")
        result["backends"].append(bench_backend("sqlite", db, args, scratch))
        if not args.skip_pg:
            with pg_schema(args.pg_url) as url:
                result["backends"].append(bench_backend("postgresql", url, args, scratch))
    result["load_average_at_end"] = _load_average()
    text = render(result)
    for path, content in ((args.out, json.dumps(result, indent=2) + "\n"), (args.md, text)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    print(text)
    say(f"wrote {args.md} and {args.out}")
    return result


if __name__ == "__main__":
    main()
