"""``rempart logs``: denial of service, brute force, scanners and probes in web logs."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from rempart.cli import logs_follow
from rempart.cli.logs_options import (
    FIXES,
    CampaignOpt,
    DaskOpt,
    Inputs,
    JsonFieldOpt,
    LogFormatOpt,
    MemoryOpt,
    ShardsOpt,
    SpillOpt,
    ThresholdsOpt,
    inputs_of,
    threshold_of,
)
from rempart.cli.logs_output import IncidentWriter
from rempart.cli.output import clean, err, fail
from rempart.errors import RempartError
from rempart.logs import blocklist
from rempart.logs.events import incident_event
from rempart.logs.model import Incident
from rempart.logs.parse import FORMATS as LOG_FORMATS
from rempart.logs.registry import SPECS
from rempart.logs.scale import Analysis, analyse
from rempart.logs.settings import thresholds
from rempart.model import Severity

app = typer.Typer(
    help="Read web logs: floods, brute force, scanners and probes; block lists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FORMATS = ("table", "json", "csv")


@dataclass(frozen=True)
class Scale:
    """Where the analysis runs: the options --dask, --memory, --shards, --spill-dir."""

    dask: str | None
    memory: int | None
    shards: int | None
    spill_dir: str | None


def _analyse(files: list[str], log_format: str, inputs: Inputs, scale: Scale) -> Analysis:
    """Read and analyse, showing progress on the terminal for long jobs."""
    with err.status("Reading logs…") as status:
        return analyse(
            files,
            log_format=log_format,
            json_fields=inputs.json_fields,
            settings=inputs.settings,
            memory=scale.memory * 1024 * 1024 if scale.memory else None,
            shards=scale.shards,
            dask=scale.dask,
            spill_dir=scale.spill_dir,
            progress=lambda text: status.update(escape(text)),
        )


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
    thresholds: ThresholdsOpt = None,
    json_field: JsonFieldOpt = None,
    dask: DaskOpt = None,
    memory: MemoryOpt = None,
    shards: ShardsOpt = None,
    spill_dir: SpillOpt = None,
) -> None:
    """Find floods, brute force, scanners and probes in web access logs (nginx/Apache
    combined or common, JSON lines; out-of-order lines are fine)."""
    _check(fmt, log_format)
    try:
        inputs = inputs_of(campaign, thresholds, json_field)
        threshold = threshold_of(fail_on, inputs.campaign)
        scan = _analyse(files, log_format, inputs, Scale(dask, memory, shards, spill_dir))
        incidents = scan.detection.incidents
        if store_events and incidents:
            from rempart.store import Store  # here: its import is slow and often not needed

            with Store.open(db) as store:
                store.replace_events(incident_event(i, site) for i in incidents)
    except RempartError as exc:
        fail(str(exc))
    writer = IncidentWriter(fmt, sys.stdout, FIXES)
    for incident in incidents:
        writer.write(incident)
    if not incidents:
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
    thresholds: ThresholdsOpt = None,
    json_field: JsonFieldOpt = None,
    dask: DaskOpt = None,
    memory: MemoryOpt = None,
    shards: ShardsOpt = None,
    spill_dir: SpillOpt = None,
) -> None:
    """Print a block list of the sources of incidents, for nginx (`include`), ipset
    (`ipset restore`) or as plain lines; allowed networks are never listed."""
    if as_ not in blocklist.FORMATS:
        fail(f"--as {as_!r}: use one of {', '.join(blocklist.FORMATS)}")
    _check("table", log_format)
    try:
        inputs = inputs_of(campaign, thresholds, json_field)
        plan = inputs.campaign
        items = list(allow or []) + list(plan.logs.allow if plan else ())
        networks, problems = blocklist.parse_networks(items)
        if problems:
            raise RempartError("--allow: " + "; ".join(problems))
        when = _when(now)
        scan = _analyse(files, log_format, inputs, Scale(dask, memory, shards, spill_dir))
    except RempartError as exc:
        fail(str(exc))
    incidents = scan.detection.incidents
    verified = _crawlers(incidents, resolver) if verify_crawlers else []
    entries = blocklist.build(incidents, now=when, allow=networks, verified=verified)
    sys.stdout.write(blocklist.render(entries, as_, now=when))
    _report(scan)
    err.print(f"{len(entries)} address(es) or network(s) listed.")
    raise typer.Exit(2 if scan.problems else 0)


@app.command("detectors")
def list_detectors(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
) -> None:
    """List every detector: id, severity, what it means, how to fix it, its thresholds."""
    if fmt == "markdown":
        sys.stdout.write(detectors_markdown())
        return
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


def detectors_markdown() -> str:
    """The detector reference (``docs/logs-detectors.md``), generated from the registry."""
    out = [
        "# Log detectors",
        "",
        "Generated by `rempart logs detectors --format markdown` from the registry; do not edit.",
        'Every threshold can be changed in the campaign file (`[logs.detectors."ID"]`) or in',
        "a file given with `--thresholds` (tables keyed by detector id); `disabled = [ids]`",
        "skips detectors. Annotated samples: `tests/logs/samples/<id>.log`.",
        "",
    ]
    for s in SPECS:
        anchor = f" CrowdSec: `{s.anchor}`." if s.anchor else ""
        out += [f"## `{s.id}` ({s.severity.value})", "", f"**{s.title}.**{anchor}", "",
                f"*Why:* {s.why}", "", f"*What to do:* {s.fix}", "",
                "| threshold | default | meaning |", "|---|---|---|"]  # fmt: skip
        for name, value, doc in thresholds(s.id):
            shown = value if not isinstance(value, tuple) else ", ".join(map(str, value))
            text = " ".join(doc.split()).replace("|", "\\|")
            cell = str(shown).replace("|", "\\|")
            out.append(f"| `{name}` | `{cell}` | {text} |")
        out.append("")
    return "\n".join(out)


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


def _report(scan: Analysis) -> None:
    for problem in scan.problems:
        err.print(f"[red]input:[/red] {escape(clean(problem))}")
    if scan.shards > 1:
        err.print(f"[dim]analysed in {scan.shards} shards ({escape(scan.how)})[/dim]")
    counts = Counter(i.severity for i in scan.detection.incidents)
    parts = [f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s]]
    err.print(f"{scan.lines} line(s) read ({scan.bad} unreadable): "
              f"{', '.join(parts) or 'no incident'}.")  # fmt: skip


def _exit_code(scan: Analysis, threshold: Severity) -> int:
    if scan.problems:
        return 2
    return 1 if any(i.severity >= threshold for i in scan.detection.incidents) else 0


logs_follow.register(app)
