"""``rempart audit``: the campaign's exposure, starting with DNS and mail authentication."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rempart.audit.config import AuditConfig
from rempart.audit.registry import CHECKS
from rempart.audit.run import AuditReport, run_audit
from rempart.audit.targets import TargetList, gather
from rempart.cli.output import FORMATS, clean, err, fail, render
from rempart.engine import Runner, make_runner
from rempart.errors import RempartError
from rempart.model import Severity
from rempart.model.campaign import Campaign, load_campaign
from rempart.net.dns import parse_nameserver
from rempart.store import Store

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json (JSON lines) or csv.")]
FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a finding is at least this severe (default: the campaign's "
        "[audit] fail_on, else high).",
    ),
]


def audit(
    domains: Annotated[
        list[str] | None, typer.Argument(help="Domains, and websites as https:// URLs.")
    ] = None,
    campaign: Annotated[
        Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
    ] = None,
    targets: Annotated[
        Path | None, typer.Option("--targets", help="A file of domains, one per line.")
    ] = None,
    resolver: Annotated[
        str | None, typer.Option(help="Send every DNS query to this resolver: IP[:PORT].")
    ] = None,
    db: Annotated[
        str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")
    ] = None,
    dask: Annotated[
        str | None, typer.Option(help="Run on a Dask cluster: tcp://HOST:8786, or 'local'.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Local parallel jobs.")] = 16,
    fmt: FormatOpt = "table",
    fail_on: FailOnOpt = None,
    fresh: Annotated[bool, typer.Option(help="Redo domains audited recently.")] = False,
    max_age: Annotated[
        float, typer.Option(help="Hours a complete result stays fresh when resuming.")
    ] = 12.0,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per DNS question.")] = 3.0,
    smtp: Annotated[
        bool, typer.Option(help="Probe STARTTLS on mail servers (needs outgoing port 25).")
    ] = True,
    ca_file: Annotated[
        Path | None, typer.Option(help="Extra CA certificates to trust (PEM).")
    ] = None,
    max_pages: Annotated[
        int, typer.Option(min=0, max=10_000, help="Pages a website crawl may fetch.")
    ] = 30,
    ignore_robots: Annotated[
        bool, typer.Option(help="Crawl pages that robots.txt disallows.")
    ] = False,
    smtp_port: Annotated[int, typer.Option(hidden=True)] = 25,
    http_port: Annotated[int, typer.Option(hidden=True)] = 80,
    https_port: Annotated[int, typer.Option(hidden=True)] = 443,
) -> None:
    """Audit domains (DNS, DNSSEC, SPF, DMARC, DKIM, MTA-STS, STARTTLS) and websites (TLS,
    headers, exposed files, back-offices, personal data)."""
    _check_format(fmt)
    try:
        plan = load_campaign(campaign) if campaign else None
        threshold = _threshold(fail_on, plan)
        target_list = gather(domains or [], plan, targets)
        config = AuditConfig(
            resolver=str(parse_nameserver(resolver)) if resolver else None,
            dns_timeout=timeout, smtp=smtp, smtp_port=smtp_port, https_port=https_port,
            http_port=http_port, ca_file=str(ca_file) if ca_file else None,
            max_pages=max_pages, ignore_robots=ignore_robots,
        )  # fmt: skip
        _report_problems(target_list)
        with Store.open(db) as store, make_runner(dask, workers) as runner:
            report = _run(target_list, config, store, runner, fresh, max_age)
    except RempartError as exc:
        fail(str(exc))
    _summarise(report)
    sys.stdout.write(render(report.findings, fmt))
    raise typer.Exit(_exit_code(report, target_list.problems, threshold))


def _threshold(fail_on: str | None, campaign: Campaign | None) -> Severity:
    """``--fail-on``, else the campaign's ``[audit] fail_on``, else high."""
    if fail_on is not None:
        return _severity(fail_on)
    return campaign.audit.fail_on if campaign is not None else Severity.HIGH


def _report_problems(target_list: TargetList) -> None:
    for problem in target_list.problems:
        err.print(f"[red]input:[/red] {escape(clean(problem))}")
    if not target_list.targets:
        if not target_list.problems:
            fail("nothing to audit: give domains, --campaign FILE or --targets FILE")
        raise typer.Exit(2)


def _run(
    target_list: TargetList,
    config: AuditConfig,
    store: Store,
    runner: Runner,
    fresh: bool,
    max_age: float,
) -> AuditReport:
    with _progress() as bar:
        task = bar.add_task("Auditing", total=len(target_list.targets))
        return run_audit(
            target_list.targets, config, store, runner, fresh=fresh,
            max_age=timedelta(hours=max_age),
            progress=lambda done, total, o: bar.update(task, completed=done, total=total),
        )  # fmt: skip


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=True,
    )  # fmt: skip


def _summarise(report: AuditReport) -> None:
    for line in report.errors:
        err.print(f"[yellow]not checked:[/yellow] {escape(clean(line))}")
    if report.reused:
        err.print(f"[dim]{len(report.reused)} domain(s) had a recent complete result and were "
                  "not redone (use --fresh to force).[/dim]")  # fmt: skip
    counts = Counter(f.severity for f in report.findings if f.status.value == "open")
    parts = [f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s]]
    domains = len(report.outcomes) + len(report.reused)
    err.print(f"{domains} domain(s) and website(s): {', '.join(parts) or 'no open findings'}.")


def _exit_code(report: AuditReport, problems: tuple[str, ...], threshold: Severity) -> int:
    if problems or report.errors:
        return 2
    open_findings = [f for f in report.findings if f.status.value == "open"]
    return 1 if any(f.severity >= threshold for f in open_findings) else 0


def _severity(text: str) -> Severity:
    try:
        return Severity(text.lower())
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        fail(f"--fail-on {text!r} is not a severity (use one of {choices})")
        raise


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")


def list_checks(fmt: FormatOpt = "table") -> None:
    """List every audit check: id, severity and what it means."""
    if fmt == "json":
        import json

        for spec in CHECKS.values():
            row = {"check": spec.id, "severity": spec.severity.value, "title": spec.title,
                   "why": spec.why, "references": list(spec.references)}  # fmt: skip
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    table = Table("Check", "Severity", "Title")
    for spec in CHECKS.values():
        table.add_row(spec.id, spec.severity.value, spec.title)
    Console().print(table)
