"""``rempart logs``: denial of service, brute force, scanners and probes in web logs."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape

from rempart.cli.logs_output import IncidentWriter
from rempart.cli.output import clean, err, fail
from rempart.errors import RempartError
from rempart.logs import blocklist
from rempart.logs.detectors import detect_all
from rempart.logs.events import incident_event
from rempart.logs.model import Incident
from rempart.logs.parse import FORMATS as LOG_FORMATS
from rempart.logs.parse import read_log
from rempart.logs.registry import SPECS
from rempart.model import Severity
from rempart.model.campaign import Campaign, load_campaign
from rempart.store import Store

app = typer.Typer(
    help="Read web logs: floods, brute force, scanners and probes; block lists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FORMATS = ("table", "json", "csv")
FIXES = {spec.id: spec.fix for spec in SPECS}

CampaignOpt = Annotated[
    Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
]
LogFormatOpt = Annotated[str, typer.Option("--log-format", help="auto, combined, common or jsonl.")]


class Scan:
    """What reading the files came to: the incidents, and what could not be read."""

    def __init__(self) -> None:
        self.incidents: list[Incident] = []
        self.problems: list[str] = []
        self.lines = 0
        self.bad = 0


def _scan(paths: list[str], log_format: str) -> Scan:
    """Read every file, then run every detector on all of it (in any order: the
    detectors window by time themselves)."""
    scan = Scan()
    frames: list[pl.DataFrame] = []
    for path in paths:
        try:
            for frame, bad in read_log(path, log_format):
                frames.append(frame)
                scan.lines += frame.height + bad.count
                scan.bad += bad.count
                if bad.count:
                    shown = "; ".join(bad.examples[:3])
                    scan.problems.append(f"{path}: {bad.count} line(s) not readable, e.g. {shown}")
        except RempartError as exc:
            scan.problems.append(str(exc))
    if frames:
        detection = detect_all(pl.concat(frames, how="vertical"))
        scan.incidents = detection.incidents
        scan.problems += [f.line() for f in detection.failures]
    return scan


@app.command("scan")
def scan_cmd(
    files: Annotated[list[str], typer.Argument(help="Access logs (plain or .gz).")],
    campaign: CampaignOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    log_format: LogFormatOpt = "auto",
    fail_on: Annotated[
        str | None,
        typer.Option(
            help="Exit 1 when an incident is at least this severe (default: the "
            "campaign's [logs] fail_on, else high)."
        ),
    ] = None,
    site: Annotated[str, typer.Option(help="Which website the logs are from.")] = "",
    db: Annotated[
        str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")
    ] = None,
    store_events: Annotated[
        bool, typer.Option("--store/--no-store", help="Record incidents as timeline events.")
    ] = True,
) -> None:
    """Find floods, brute force, scanners and probes in web access logs (nginx/Apache
    combined or common, JSON lines; out-of-order lines are fine)."""
    _check(fmt, log_format)
    try:
        plan = load_campaign(campaign) if campaign else None
        threshold = _threshold(fail_on, plan)
        scan = _scan(files, log_format)
        if store_events and scan.incidents:
            with Store.open(db) as store:
                store.add_events(incident_event(i, site) for i in scan.incidents)
    except RempartError as exc:
        fail(str(exc))
    writer = IncidentWriter(fmt, sys.stdout, FIXES)
    for incident in scan.incidents:
        writer.write(incident)
    if not scan.incidents:
        writer.nothing()
    _report(scan)
    raise typer.Exit(_exit_code(scan, threshold))


@app.command("blocklist")
def blocklist_cmd(
    files: Annotated[list[str], typer.Argument(help="Access logs (plain or .gz).")],
    as_: Annotated[str, typer.Option("--as", help="nginx, ipset or plain.")] = "nginx",
    campaign: CampaignOpt = None,
    allow: Annotated[
        list[str] | None,
        typer.Option(help="An address or network never to block (repeatable)."),
    ] = None,
    log_format: LogFormatOpt = "auto",
    now: Annotated[
        str | None,
        typer.Option(
            help="The time entries expire from (ISO 8601; default: now). Use the "
            "log's own time to replay an old log."
        ),
    ] = None,
    verify_crawlers: Annotated[
        bool,
        typer.Option(
            help="Leave out search-engine crawlers confirmed by reverse and forward DNS "
            "(asks DNS about each listed address)."
        ),
    ] = False,
    resolver: Annotated[
        str | None, typer.Option(help="With --verify-crawlers: the resolver, IP[:PORT].")
    ] = None,
) -> None:
    """Print a block list of the sources of incidents, for nginx (`include`), ipset
    (`ipset restore`) or as plain lines; allowed networks are never listed."""
    if as_ not in blocklist.FORMATS:
        fail(f"--as {as_!r}: use one of {', '.join(blocklist.FORMATS)}")
    try:
        plan = load_campaign(campaign) if campaign else None
        items = list(allow or []) + list(plan.logs.allow if plan else ())
        networks, problems = blocklist.parse_networks(items)
        if problems:
            raise RempartError("--allow: " + "; ".join(problems))
        when = _when(now)
        scan = _scan(files, log_format)
    except RempartError as exc:
        fail(str(exc))
    verified = _crawlers(scan.incidents, resolver) if verify_crawlers else []
    entries = blocklist.build(scan.incidents, now=when, allow=networks, verified=verified)
    sys.stdout.write(blocklist.render(entries, as_, now=when))
    _report(scan)
    err.print(f"{len(entries)} address(es) or network(s) listed.")
    raise typer.Exit(2 if scan.problems else 0)


@app.command("detectors")
def list_detectors(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List every detector: id, severity, what it means and how to fix it."""
    if fmt == "json":
        import json

        for s in SPECS:
            row = {"detector": s.id, "severity": s.severity.value, "title": s.title,
                   "why": s.why, "fix": s.fix, "anchor": s.anchor}  # fmt: skip
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    table = Table("Detector", "Severity", "What it means")
    for s in SPECS:
        table.add_row(s.id, s.severity.value, s.title)
    Console().print(table)


def _crawlers(incidents: list[Incident], resolver: str | None) -> list[str]:
    """Source addresses that are search-engine crawlers, confirmed both ways in DNS."""
    from rempart.net.dns import DnsClient, parse_nameserver

    dns = DnsClient(parse_nameserver(resolver) if resolver else None)
    addresses = sorted({s for i in incidents for s in i.sources if "/" not in s})
    found = [ip for ip in addresses if blocklist.verify_crawler(ip, dns)]
    for ip in found:
        err.print(f"[dim]{ip} is a verified search-engine crawler: not listed[/dim]")
    return found


def _check(fmt: str, log_format: str) -> None:
    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if log_format != "auto" and log_format not in LOG_FORMATS:
        fail(f"--log-format {log_format!r}: use auto or one of {', '.join(LOG_FORMATS)}")


def _when(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise RempartError(f"--now {text!r} is not an ISO 8601 time (2027-04-01T20:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _report(scan: Scan) -> None:
    for problem in scan.problems:
        err.print(f"[red]input:[/red] {escape(clean(problem))}")
    counts = Counter(i.severity for i in scan.incidents)
    parts = [f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s]]
    err.print(f"{scan.lines} line(s) read ({scan.bad} unreadable): "
              f"{', '.join(parts) or 'no incident'}.")  # fmt: skip


def _exit_code(scan: Scan, threshold: Severity) -> int:
    if scan.problems:
        return 2
    return 1 if any(i.severity >= threshold for i in scan.incidents) else 0


def _threshold(fail_on: str | None, campaign: Campaign | None) -> Severity:
    if fail_on is None:
        return campaign.logs.fail_on if campaign is not None else Severity.HIGH
    try:
        return Severity(fail_on.lower())
    except ValueError:
        fail(f"--fail-on {fail_on!r}: use one of {', '.join(s.value for s in Severity)}")
