"""``rempart logs follow``: tail live web logs through rotation and restarts.

``rempart logs follow FILE… [--once]`` reads each access log from where it
stopped last time (a checkpoint per file in the store), follows it through
rotation by rename or copy-truncate, runs every detector on the last
``--horizon`` seconds of requests after each batch, and records incidents as
timeline events: one event per incident, updated as it grows. Each new
incident is printed once on stdout (one line; a JSON line with
``--format json``); growth goes to stderr, at most once a minute per incident.

Without ``--once`` it polls every ``--interval`` seconds until Ctrl-C, which
saves the checkpoint and exits 0. With ``--once`` it reads what is there,
saves the checkpoint and exits (for cron and tests): 0 clean, 1 an incident at
or above ``--fail-on`` (default: the campaign's ``[logs] fail_on``, else
high), 2 an input problem (unreadable lines, a missing file, a failed
detector). See :mod:`rempart.logs.follow` for how rotation, checkpoints and
incident tracking work, and their limits.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from rempart.cli.logs_options import (
    FIXES,
    CampaignOpt,
    JsonFieldOpt,
    LogFormatOpt,
    ThresholdsOpt,
    inputs_of,
    threshold_of,
)
from rempart.cli.logs_output import IncidentWriter
from rempart.cli.output import SEVERITY_STYLE, clean, err, fail
from rempart.errors import RempartError
from rempart.logs.follow import HORIZON, Follower, Step, Tracked
from rempart.logs.parse import FORMATS as LOG_FORMATS
from rempart.model import Severity

FORMATS = ("table", "json")
GROWTH_EVERY = 60.0
"""Seconds between two growth lines of one incident."""
MAX_SHOWN_SOURCES = 3


class Shown:
    """Prints what each step found: new incidents on ``out``, the rest on stderr."""

    def __init__(
        self,
        fmt: str,
        out: IO[str],
        fixes: Mapping[str, str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.writer = IncidentWriter("json", out, fixes) if fmt == "json" else None
        self.out = out
        self.console = Console(file=out, highlight=False, soft_wrap=True)
        self.clock = clock
        self._grown_at: dict[str, float] = {}
        self.lines = self.bad = self.new = 0
        self.worst: Severity | None = None
        self.problems = 0

    def step(self, step: Step) -> None:
        for note in step.notes:
            err.print(f"[dim]{escape(clean(note))}[/dim]")
        for problem in step.problems:
            err.print(f"[red]input:[/red] {escape(clean(problem))}")
        for entry in step.new:
            self._new(entry)
        for entry in step.grown:
            self._grown(entry)
        self.lines += step.rows.height + step.bad.count
        self.bad += step.bad.count
        self.new += len(step.new)
        self.problems += len(step.problems)
        for entry in (*step.new, *step.grown):
            self.worst = max(self.worst or entry.incident.severity, entry.incident.severity)
        self.out.flush()

    def _new(self, entry: Tracked) -> None:
        self._grown_at[entry.event_id] = self.clock()
        if self.writer is not None:
            self.writer.write(entry.incident)
            return
        i = entry.incident
        style = SEVERITY_STYLE[i.severity]
        self.console.print(
            f"[{style}]{i.severity.value.upper()}[/] [dim]{i.kind}[/dim] "
            f"{escape(clean(i.summary or ' '.join(i.sources)))} "
            f"[dim]({i.start:%Y-%m-%d %H:%M:%S} UTC)[/dim]"
        )

    def _grown(self, entry: Tracked) -> None:
        now = self.clock()
        if now - self._grown_at.get(entry.event_id, -GROWTH_EVERY) < GROWTH_EVERY:
            return
        self._grown_at[entry.event_id] = now
        i = entry.incident
        sources = " ".join(i.sources[:MAX_SHOWN_SOURCES])
        more = (
            f" +{len(i.sources) - MAX_SHOWN_SOURCES}" if len(i.sources) > MAX_SHOWN_SOURCES else ""
        )
        err.print(f"[dim]still going: {i.kind} from {escape(clean(sources))}{more}: {i.count} "
                  f"requests until {i.end:%Y-%m-%d %H:%M:%S} UTC[/dim]")  # fmt: skip

    def summary(self) -> None:
        err.print(f"{self.lines} line(s) read ({self.bad} unreadable), "
                  f"{self.new} new incident(s).")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ``follow`` command to ``rempart logs``."""

    @app.command("follow")
    def follow_cmd(
        files: Annotated[list[str], typer.Argument(help="Access logs to follow (plain text).")],
        campaign: CampaignOpt = None,
        db: Annotated[
            str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")
        ] = None,
        log_format: LogFormatOpt = "auto",
        fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
        site: Annotated[str, typer.Option(help="Which website the logs are from.")] = "",
        interval: Annotated[float, typer.Option(help="Seconds between two looks.")] = 1.0,
        horizon: Annotated[
            float, typer.Option(help="Seconds of requests detection looks back over.")
        ] = HORIZON,
        once: Annotated[
            bool, typer.Option("--once", help="Read what is there now, then exit.")
        ] = False,
        fail_on: Annotated[
            str | None,
            typer.Option(
                help="With --once: exit 1 when an incident is at least this severe "
                "(default: the campaign's logs.fail_on, else high)."
            ),
        ] = None,
        thresholds: ThresholdsOpt = None,
        json_field: JsonFieldOpt = None,
    ) -> None:
        """Follow web access logs as they are written (through rotation and restarts),
        report incidents as they appear and record them as timeline events."""
        _check(fmt, log_format, interval, horizon)
        try:
            inputs = inputs_of(campaign, thresholds, json_field)
            threshold = threshold_of(fail_on, inputs.campaign)
            from rempart.store import Store  # here: its import is slow

            store = Store.open(db)
        except RempartError as exc:
            fail(str(exc))
        shown = Shown(fmt, sys.stdout, FIXES)
        try:
            with (
                store,
                Follower(
                    files,
                    store,
                    settings=inputs.settings,
                    log_format=log_format,
                    json_fields=inputs.json_fields,
                    site=site,
                    horizon=horizon,
                ) as follower,
            ):
                code = _run(follower, shown, once=once, interval=interval, threshold=threshold)
        except RempartError as exc:
            fail(str(exc))
        raise typer.Exit(code)


def _run(
    follower: Follower,
    shown: Shown,
    *,
    once: bool,
    interval: float,
    threshold: Severity,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Step until caught up (``once``) or until Ctrl-C; the exit code."""
    try:
        while True:
            step = follower.step()
            shown.step(step)
            if once and not step.more:
                break
            if not step.more:
                sleep(interval)
    except KeyboardInterrupt:
        follower.save()
        shown.summary()
        return 0
    shown.summary()
    missing = follower.missing()
    for path in missing:
        err.print(f"[red]input:[/red] {escape(clean(path))}: not found")
    if shown.problems or missing:
        return 2
    return 1 if shown.worst is not None and shown.worst >= threshold else 0


def _check(fmt: str, log_format: str, interval: float, horizon: float) -> None:
    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if log_format != "auto" and log_format not in LOG_FORMATS:
        fail(f"--log-format {log_format!r}: use auto or one of {', '.join(LOG_FORMATS)}")
    if not 0 < interval <= 3600:
        fail(f"--interval {interval}: use a number of seconds above 0, at most 3600")
    if not 0 < horizon <= 7 * 86400:
        fail(f"--horizon {horizon}: use a number of seconds above 0, at most a week")
