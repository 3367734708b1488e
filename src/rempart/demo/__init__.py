"""``rempart demo``: the whole product on the bundled example campaign, offline.

It starts a small internet on loopback (DNS, mail servers, HTTPS) serving
the example campaign's domains with the defects real campaigns have, audits
them through the same code as ``rempart audit``, then audits again after a
fix to show history. Then it triages a bundled mailbox, analyses a day of web
log with attacks in it, draws the campaign's timeline (and a public case
alongside), writes the leadership's briefing and serves the dashboard
(:mod:`rempart.demo.steps`). Nothing leaves this machine.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from rempart.audit.run import AuditReport, run_audit
from rempart.audit.targets import Target, from_campaign
from rempart.cli.output import FORMATS
from rempart.demo import sites as demo_sites
from rempart.demo import steps
from rempart.demo import zones as demo_zones
from rempart.engine import LocalRunner
from rempart.mail.model import Verdict
from rempart.model import Severity, Status
from rempart.model.campaign import Campaign, load_campaign
from rempart.store import Store
from rempart.testing.world import AuditWorld

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def campaign_path() -> Path:
    """The bundled example campaign file (the same as ``examples/campaign.toml``)."""
    return Path(str(resources.files("rempart.demo") / "data" / "campaign.toml"))


def run_demo(
    db: str | None = None,
    keep: Path | None = None,
    console: Console | None = None,
    *,
    serve: bool = False,
    port: int = DEFAULT_PORT,
    progress: Console | None = None,
) -> int:
    """Run the demo; 0 when every step worked, 2 when something could not be checked.

    The story goes to ``console`` (standard output), progress to ``progress`` (standard
    error). With ``serve``, the dashboard is served on 127.0.0.1 at the end, until Ctrl-C.
    """
    out = console or Console()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rempart-demo-") as tmp:
        folder = (keep or Path(tmp)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        if db is None:
            _fresh_store(folder / "demo.db", out)
        store_url = db or str(folder / "demo.db")
        campaign = load_campaign(campaign_path())
        with Bar(progress or Console(stderr=True)) as bar:
            with Store.open(store_url) as store:
                told = _story(store, campaign, folder, out, bar)
            bar.step("briefing")
            briefing = steps.write_briefing(store_url, campaign, folder, say=bar.say)
        told = replace(told, briefing=briefing, problems=(*told.problems, *briefing.problems))
        dashboard = steps.load_dashboard(store_url, campaign) if serve else None
        address = _address(dashboard, port, out)
        _show_summary(told, dashboard, address, out, time.monotonic() - started)
        note = "" if keep or db else " (deleted at the end; use --keep DIR to keep them)"
        out.print(f"\nThe demo's files and store are in [bold]{escape(str(folder))}[/bold]{note}")
        if dashboard is not None:
            told = replace(told, problems=(*told.problems, *_serve(dashboard, address, out)))
    return 2 if told.problems else 0


def _fresh_store(path: Path, out: Console) -> None:
    """Remove an earlier run's demo store: the story starts from nothing every time (run
    twice on one store, the first audit would reopen what the second one fixed)."""
    old = [
        p for p in (path, *(path.with_name(path.name + x) for x in ("-wal", "-shm"))) if p.exists()
    ]
    for p in old:
        p.unlink()
    if old:
        out.print(f"[dim]Earlier demo store removed: {escape(str(path))}[/dim]")


def _story(store: Store, campaign: Campaign, folder: Path, out: Console, bar: Bar) -> Told:
    """Every step up to the briefing, told on ``out``."""
    targets = from_campaign(campaign)
    out.rule(f"Rempart demo — {campaign.organisation.name}")
    out.print("Auditing the example campaign's domains and websites against local servers "
              "(DNS, mail, HTTPS on 127.0.0.x): nothing leaves this machine.\n")  # fmt: skip
    bar.step("audit")
    first = _audit(store, targets, demo_zones.DMARC_BEFORE, out, at=steps.DEMO_NOW - AUDIT_GAP)
    FORMATS["table"].write(first.findings, out.file)
    _summary(first, out)
    out.rule("A week later: the technician published a strict DMARC policy")
    out.print(f'_dmarc.{demo_zones.MAIN} TXT "{demo_zones.DMARC_AFTER}"\n')
    bar.step("audit again")
    second = _audit(store, targets, demo_zones.DMARC_AFTER, out, at=steps.DEMO_NOW - AUDIT_LAST)
    fixed = [f for f in store.findings(status=Status.FIXED)]
    for finding in fixed:
        out.print(f"[green]fixed:[/green] {finding.title} — {finding.target}")
    _summary(second, out)
    bar.step("mail")
    mail = steps.triage_mailbox(store, campaign, say=bar.say)
    _show_mail(mail, out)
    bar.step("web log")
    weblog = steps.analyse_weblog(store, campaign, folder, say=bar.say)
    _show_weblog(weblog, out)
    bar.step("timeline")
    timeline = steps.draw_timeline(store, campaign, folder, say=bar.say)
    _show_timeline(timeline, out)
    problems = (*first.errors, *second.errors, *mail.problems, *weblog.problems,
                *timeline.problems)  # fmt: skip
    return Told(second, len(fixed), mail, weblog, timeline, problems=tuple(problems))


def _address(dashboard: steps.Dashboard | None, port: int, out: Console) -> str:
    """Where the dashboard will answer (empty when there is nothing to serve)."""
    if dashboard is None or dashboard.app is None:
        return ""
    chosen = steps.free_port(HOST, port)
    if chosen != port:
        out.print(f"[yellow]Port {port} is taken: the dashboard uses {chosen}.[/yellow]")
    return f"http://{HOST}:{chosen}/"


def _serve(dashboard: steps.Dashboard, address: str, out: Console) -> list[str]:
    """Serve the dashboard until Ctrl-C; the problem that kept it from starting, if any."""
    if not address or dashboard.serve is None:
        reason = dashboard.missing or dashboard.problem
        out.print(f"[yellow]No dashboard:[/yellow] {escape(reason)}.")
        return [dashboard.problem] if dashboard.problem else []
    out.print(f"\n[bold]Dashboard: {address}[/bold] — press Ctrl-C to stop. Its clock is "
              f"the demo's now, {steps.DEMO_NOW:%a %d %b %Y %H:%M}.")  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the dashboard stops
        dashboard.serve(dashboard.app, HOST, int(address.rstrip("/").rpartition(":")[2]))
    out.print("Dashboard stopped.")
    return []


AUDIT_GAP = timedelta(days=7, hours=3)
"""How long before the demo's now the first audit is dated (the story's "a week later")."""
AUDIT_LAST = timedelta(hours=3)
"""How long before the demo's now the second audit is dated."""


def _audit(
    store: Store, targets: list[Target], dmarc: str, out: Console, *, at: datetime
) -> AuditReport:
    """Audit the demo's world with ``dmarc`` published, its findings dated ``at`` (in the
    campaign, so that they go on its timeline with the rest of the story)."""
    world = AuditWorld(
        demo_zones.zones(dmarc),
        demo_zones.MAIL_HOSTS,
        demo_zones.routes(),
        sites=demo_sites.sites(),
    )
    with world, LocalRunner(8) as runner:
        report = run_audit(targets, world.config(), store, runner, fresh=True, clock=lambda: at)
    for line in report.errors:
        out.print(f"[yellow]not checked:[/yellow] {line}")
    return report


def _summary(report: AuditReport, out: Console) -> None:
    counts = Counter(f.severity for f in report.findings if f.status == Status.OPEN)
    parts = [f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s]]
    out.print(f"\n[bold]{len(report.outcomes)} domains and websites audited: "
              f"{', '.join(parts) or 'no open findings'}.[/bold]\n")  # fmt: skip


# ---------------------------------------------------------------- telling the story

STEPS = ("audit", "audit again", "mail", "web log", "timeline", "briefing")


@dataclass(frozen=True)
class Told:
    """What every step up to the briefing found."""

    audit: AuditReport
    """The second audit: the state after the fix."""
    fixed: int
    """Findings fixed by the DMARC change."""
    mail: steps.MailStep
    weblog: steps.LogStep
    timeline: steps.TimelineStep
    briefing: steps.BriefingStep | None = None
    """None until the briefing step ran."""
    problems: tuple[str, ...] = ()
    """Whatever could not be checked or written, one line each."""


class Bar:
    """The demo's progress on standard error: which step it is at, and what that step is
    doing right now."""

    def __init__(self, console: Console) -> None:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn())  # fmt: skip
        # the story goes to standard output: above the bar when both are this terminal,
        # straight to its file when standard output is redirected
        self.progress = Progress(*columns, console=console, redirect_stdout=sys.stdout.isatty())
        self.task = self.progress.add_task("starting", total=len(STEPS))
        self.current = ""

    def __enter__(self) -> Bar:
        self.progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.progress.update(self.task, completed=len(STEPS), description="done")
        self.progress.stop()

    def step(self, name: str) -> None:
        """The next step starts."""
        if self.current:
            self.progress.advance(self.task)
        self.current = name
        self.progress.update(self.task, description=escape(name))

    def say(self, text: str) -> None:
        """What the current step is doing."""
        self.progress.update(self.task, description=escape(f"{self.current}: {text}"))


def _counts(items: Iterable[Severity]) -> str:
    counts = Counter(items)
    return ", ".join(f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s])


def _show_mail(mail: steps.MailStep, out: Console) -> None:
    out.rule("The team's reported mail, triaged as `rempart mail check` does")
    table = Table("File", "Verdict", "Score", "Strongest signals", "Subject")
    for v in mail.verdicts:
        colour = "red" if v.verdict is Verdict.PHISHING else "green"
        subject = " ".join(v.subject.split())[:60]
        table.add_row(Text(v.file), Text(v.verdict.value, style=colour), str(v.score),
                      Text(", ".join(v.signals[:3])), Text(subject))  # fmt: skip
    out.print(table)
    for wave in mail.waves:
        out.print(Text(f"wave: {wave}", style="bold red"))
    for problem in mail.problems:
        out.print(Text(f"not checked: {problem}", style="yellow"))


def _show_weblog(weblog: steps.LogStep, out: Console) -> None:
    out.rule("The main site's web log of the last day, read as `rempart logs scan` does")
    out.print(f"{weblog.lines:,} lines read: {len(weblog.incidents)} incidents "
              f"({_counts(i.severity for i in weblog.incidents) or 'none'}).")  # fmt: skip
    table = Table("Started", "Severity", "Detector", "Sources")
    for i in weblog.incidents:
        if i.severity >= Severity.HIGH:
            more = f" and {len(i.sources) - 3} more" if len(i.sources) > 3 else ""
            when = f"{i.start.astimezone(steps.DEMO_NOW.tzinfo):%a %d %H:%M}"
            sources = Text(", ".join(i.sources[:3]) + more)
            table.add_row(when, i.severity.value, Text(i.kind), sources)
    out.print(table)
    out.print(f"Block list: {len(weblog.blocked)} networks → {escape(str(weblog.blocklist))}")
    for problem in weblog.problems:
        out.print(Text(f"not checked: {problem}", style="yellow"))


def _show_timeline(timeline: steps.TimelineStep, out: Console) -> None:
    out.rule("The campaign timeline, and the risk windows ahead")
    outside = f" ({timeline.outside} stored outside its period)" if timeline.outside else ""
    out.print(f"{timeline.events} events on the campaign's chart{outside}.")
    for path in timeline.files:
        out.print(f"chart: {escape(str(path))}")
    out.print(f"\nRisk windows in the {steps.RISK_DAYS} days from "
              f"{steps.DEMO_NOW:%a %d %b %Y %H:%M} (the demo's now):")  # fmt: skip
    for line in timeline.risk:
        out.print(Text(line))
    for problem in timeline.problems:
        out.print(Text(f"not drawn: {problem}", style="yellow"))


def _show_summary(
    told: Told, dashboard: steps.Dashboard | None, address: str, out: Console, seconds: float
) -> None:
    out.rule("Summary")
    table = Table("Step", "What was found", "Files")
    for step, found, files in _summary_rows(told, dashboard, address):
        table.add_row(step, Text(found), Text("\n".join(str(f) for f in files)))
    out.print(table)
    out.print(f"Every step ran in {seconds:.0f} s, offline.")
    for problem in told.problems:
        out.print(Text(f"problem: {problem}", style="yellow"))


def _summary_rows(
    told: Told, dashboard: steps.Dashboard | None, address: str
) -> list[tuple[str, str, tuple[Path | str, ...]]]:
    audit = told.audit
    open_ = [f.severity for f in audit.findings if f.status == Status.OPEN]
    verdicts = Counter(v.verdict.value for v in told.mail.verdicts)
    log_step, tl = told.weblog, told.timeline
    brief = told.briefing or steps.BriefingStep(missing="not run")
    return [
        ("Audit", f"{len(audit.outcomes)} domains and websites: {_counts(open_) or 'nothing'}; "
                  f"{told.fixed} fixed after the DMARC change", ()),
        ("Mail", f"{len(told.mail.verdicts)} messages: "
                 + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
                 + f"; {len(told.mail.waves)} wave(s)", (steps.mailbox_dir(),)),
        ("Web log", f"{log_step.lines:,} lines: {len(log_step.incidents)} incidents; "
                    f"{len(log_step.blocked)} networks blocked",
         (log_step.log, log_step.blocklist)),
        ("Timeline", f"{tl.events} events on the chart; {tl.windows} risk window(s) in "
                     f"{steps.RISK_DAYS} days", tl.files),
        ("Briefing", brief.missing or ("; ".join(brief.problems) or "written"), brief.files),
        ("Dashboard", _dashboard_state(dashboard, address), (address,) if address else ()),
    ]  # fmt: skip


def _dashboard_state(dashboard: steps.Dashboard | None, address: str) -> str:
    if dashboard is None:
        return "not served (--no-serve)"
    if address:
        return "served until Ctrl-C"
    return dashboard.missing or dashboard.problem
