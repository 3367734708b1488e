"""``rempart mail``: triage of suspicious mail — verdict, reasons, indicators."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from rempart.cli.mail_output import MailWriter
from rempart.cli.output import clean, err, fail
from rempart.errors import RempartError
from rempart.mail.batch import default_workers, triage_many
from rempart.mail.context import MailContext
from rempart.mail.events import WAVE_SOURCES, WaveSettings, verdict_event, waves
from rempart.mail.model import Triage, Verdict
from rempart.mail.registry import SIGNALS
from rempart.mail.sources import RawMessage, iter_messages
from rempart.mail.triage import triage_raw
from rempart.model.campaign import Campaign, ImapTarget, Mailbox, load_campaign
from rempart.model.findings import Event
from rempart.net.dns import DnsClient, parse_nameserver
from rempart.store import Store

app = typer.Typer(
    help="Triage suspicious mail: verdict, reasons, indicators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ORDER = {Verdict.CLEAN: 0, Verdict.SPAM: 1, Verdict.SUSPICIOUS: 2, Verdict.PHISHING: 3}
FORMATS = ("table", "json", "csv")


@app.command("check")
def check(
    paths: Annotated[
        list[str],
        typer.Argument(
            help=".eml files, folders of them, Maildirs, mbox files, .msg, or - for standard input."
        ),
    ],
    campaign: Annotated[
        Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    fail_on: Annotated[
        str | None,
        typer.Option(
            help="Exit 1 when a message is at least: spam, suspicious or phishing "
            "(default: the campaign's [mail] fail_on, else suspicious)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=0, max=64, help="Processes (0: one per core).")] = 0,
    db: Annotated[
        str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")
    ] = None,
    store_events: Annotated[
        bool, typer.Option("--store/--no-store", help="Record verdicts and waves as events.")
    ] = True,
    only_flagged: Annotated[
        bool, typer.Option(help="Show only messages that are not clean.")
    ] = False,
    live_dns: Annotated[
        bool,
        typer.Option(help="Also check the sender's SPF and DMARC live in DNS (one process)."),
    ] = False,
    resolver: Annotated[
        str | None, typer.Option(help="With --live-dns: the resolver to ask, IP[:PORT].")
    ] = None,
) -> None:
    """Triage messages: each gets a verdict (phishing, spam, suspicious, clean, error), a
    score from 0 to 100, its reasons and its indicators."""
    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    try:
        plan = load_campaign(campaign) if campaign else None
        threshold = _threshold(fail_on, plan)
        ctx = MailContext.from_campaign(plan, dns=_dns(live_dns, resolver))
        tally = _triage(paths, ctx, workers or default_workers(), fmt, only_flagged)
        wave_count = _record(tally, ctx, db) if store_events else 0
    except RempartError as exc:
        fail(str(exc))
    _summarise(tally, wave_count)
    raise typer.Exit(_exit_code(tally, threshold))


@app.command("watch")
def watch_cmd(
    campaign: Annotated[
        Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
    ] = None,
    mailbox: Annotated[
        str | None, typer.Option(help="Which [[sources.mailboxes]] entry to watch (by name).")
    ] = None,
    imap: Annotated[
        str | None, typer.Option(help="Or an imaps://user@host[:port]/FOLDER address.")
    ] = None,
    password_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the IMAP password.")
    ] = None,
    once: Annotated[bool, typer.Option(help="Triage what is there, then stop.")] = False,
    poll: Annotated[float, typer.Option(min=1, help="Seconds between two looks.")] = 60.0,
    backlog: Annotated[
        int, typer.Option(min=0, help="Messages already there triaged on the first run.")
    ] = 500,
    ca_file: Annotated[
        Path | None, typer.Option(help="Extra CA certificates to trust (PEM).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    fail_on: Annotated[
        str | None, typer.Option(help="With --once: exit 1 when a message is at least this.")
    ] = None,
    db: Annotated[
        str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")
    ] = None,
) -> None:
    """Watch an IMAP folder (IMAPS, read-only: never deletes, moves or marks mail) and triage
    each new message as it arrives; stopped and started again, it resumes where it was."""
    import os
    import ssl

    from rempart.mail.watch import watch

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    tally = Tally()
    try:
        plan = load_campaign(campaign) if campaign else None
        threshold = _threshold(fail_on, plan)
        target, env = _imap_source(plan, mailbox, imap, password_env)
        password = os.environ.get(env, "")
        if not password:
            raise RempartError(f"the IMAP password is not set: put it in the environment "
                               f"variable {env}")  # fmt: skip
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        ctx = MailContext.from_campaign(plan)
        writer = MailWriter(fmt, sys.stdout)
        shown: set[str] = set()
        with Store.open(db) as store:

            def handle(message: RawMessage) -> None:
                t = triage_raw(message, ctx)
                tally.counts[t.verdict] += 1
                tally.problems += t.verdict is Verdict.ERROR or bool(t.errors)
                writer.write(t)
                _store_one(store, t, ctx, shown)

            watch(target, password, handle, store, ssl_context=context, once=once,
                  poll_seconds=poll, backlog=backlog,
                  max_message_bytes=ctx.limits.max_message_bytes,
                  on_status=_status)  # fmt: skip
    except KeyboardInterrupt:
        err.print("stopped.")
    except RempartError as exc:
        fail(str(exc))
    if tally.total:
        _summarise(tally, 0)
    raise typer.Exit(_exit_code(tally, threshold) if once else 0)


def _imap_source(
    plan: Campaign | None, mailbox: str | None, imap: str | None, password_env: str | None
) -> tuple[ImapTarget, str]:
    """The folder to watch and the variable holding its password."""
    if imap:
        try:
            box = Mailbox(name="command line", imap=imap,
                          password_env=password_env or "REMPART_IMAP_PASSWORD")  # fmt: skip
        except ValueError as exc:
            raise RempartError(f"--imap: {_first_error(exc)}") from None
        target = box.imap_target()
        assert target is not None
        return target, box.password_env or "REMPART_IMAP_PASSWORD"
    boxes = [m for m in (plan.sources.mailboxes if plan else ()) if m.imap]
    if mailbox:
        boxes = [m for m in boxes if m.name == mailbox]
        if not boxes:
            raise RempartError(f"no IMAP mailbox named {mailbox!r} in the campaign file")
    if len(boxes) != 1:
        raise RempartError("say which folder to watch: --imap imaps://user@host/FOLDER, or "
                           "--campaign FILE with --mailbox NAME")  # fmt: skip
    target = boxes[0].imap_target()
    assert target is not None
    return target, password_env or boxes[0].password_env or "REMPART_IMAP_PASSWORD"


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        items = errors()
        if items:
            return str(items[0].get("msg", exc))
    return str(exc)


def _status(text: str) -> None:
    err.print(f"[dim]{escape(clean(text))}[/dim]")


def _store_one(store: Store, t: Triage, ctx: MailContext, shown: set[str]) -> None:
    """Record one verdict as it arrives, and the wave it belongs to, if any."""
    event = verdict_event(t, ctx)
    if event is None:
        return
    store.add_events([event])
    window = WaveSettings().window
    recent = store.events(since=event.time - window, until=event.time + window,
                          kinds=list(WAVE_SOURCES))  # fmt: skip
    found = waves(recent, ctx)
    store.replace_events(found)
    for wave in found:
        if wave.summary not in shown:
            shown.add(wave.summary)
            err.print(f"[bold red]wave:[/bold red] {escape(clean(wave.summary))}")


@app.command("signals")
def list_signals(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
) -> None:
    """List every mail signal: id, what it means, why, and what to do."""
    if fmt == "markdown":
        sys.stdout.write(signals_markdown())
        return
    if fmt == "json":
        import json

        for s in SIGNALS.values():
            row = {"signal": s.id, "category": s.category.value, "title": s.title, "why": s.why,
                   "advice": s.advice, "prior_weight": s.prior_weight}  # fmt: skip
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    table = Table("Signal", "Category", "What it means")
    for s in SIGNALS.values():
        table.add_row(s.id, s.category.value, s.title)
    Console().print(table)


def _dns(live: bool, resolver: str | None) -> DnsClient | None:
    """The DNS client for live checks: None (offline) unless ``--live-dns``."""
    if resolver and not live:
        raise RempartError("--resolver is only used with --live-dns")
    if not live:
        return None
    return DnsClient(parse_nameserver(resolver) if resolver else None)


def signals_markdown() -> str:
    """The signal reference (``docs/mail-signals.md``), generated from the registry."""
    from rempart.mail.scoring import load_model

    model = load_model()
    out = [
        "# Mail signals",
        "",
        "Generated by `rempart mail signals --format markdown` from the registry; do not edit.",
        "Weights are those shipped in `src/rempart/mail/data/weights.json` (log-odds toward",
        "phishing; *prior* marks signals the corpora cannot teach, which keep the documented",
        "prior on the learned scale). Annotated samples: `tests/mail/samples/<group>/`.",
        "",
    ]
    learned = set(model.provenance.get("learned_signals", []) or [])  # type: ignore[call-overload]
    category = ""
    for s in SIGNALS.values():
        if s.category.value != category:
            category = s.category.value
            out += [f"## {category.capitalize()}", ""]
        source = "learned" if s.id in learned else "prior"
        weight = model.weight(s.id, "phishing")
        out += [f"### `{s.id}`", "", f"**{s.title}** — weight {weight:+.2f} ({source})", "",
                f"*Why:* {s.why}", "", f"*What to do:* {s.advice}", ""]  # fmt: skip
    return "\n".join(out)


@dataclass
class Tally:
    """What a batch came to: counts per verdict, unreadable messages, events to store.
    Kept instead of the verdicts themselves, so a million messages stay in bounded memory
    (the events are only those of messages that are not clean)."""

    counts: Counter[Verdict] = field(default_factory=Counter)
    problems: int = 0
    events: list[Event] = field(default_factory=list)

    def add(self, t: Triage, ctx: MailContext) -> None:
        self.counts[t.verdict] += 1
        self.problems += t.verdict is Verdict.ERROR or bool(t.errors)
        event = verdict_event(t, ctx)
        if event is not None:
            self.events.append(event)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _triage(
    paths: list[str], ctx: MailContext, workers: int, fmt: str, only_flagged: bool
) -> Tally:
    writer = MailWriter(fmt, sys.stdout)
    tally = Tally()
    messages = iter_messages(paths, ctx.limits, stdin=sys.stdin.buffer)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("triaging", total=None)
        for t in triage_many(messages, ctx, workers):
            tally.add(t, ctx)
            if t.verdict is Verdict.ERROR:
                err.print(f"[red]input:[/red] {escape(clean(t.source))}: "
                          f"{escape(clean('; '.join(t.errors)))}")  # fmt: skip
            if not (only_flagged and t.verdict in (Verdict.CLEAN, Verdict.ERROR)):
                writer.write(t)
            progress.update(task, advance=1, description=f"triaging: {tally.total} messages")
    if not tally.total:
        raise RempartError("no message found in " + ", ".join(paths))
    return tally


def _record(tally: Tally, ctx: MailContext, db: str | None) -> int:
    """Store the batch's events and the waves they make with what is already stored."""
    events = tally.events
    with Store.open(db) as store:
        run_id = store.start_run("mail", {"messages": tally.total})
        store.add_events(events)
        found: list[Event] = []
        if events:
            start = min(e.time for e in events) - WaveSettings().window
            end = max(e.time for e in events) + WaveSettings().window
            recent = store.events(since=start, until=end, kinds=list(WAVE_SOURCES))
            found = waves(recent, ctx)
            store.replace_events(found)
        store.finish_run(run_id, "done")
    for wave in found:
        err.print(f"[bold red]wave:[/bold red] {escape(clean(wave.summary))}")
    return len(found)


def _summarise(tally: Tally, wave_count: int) -> None:
    parts = [f"{tally.counts[v]} {v.value}" for v in Verdict if tally.counts[v]]
    waves_text = f"; {wave_count} phishing wave(s)" if wave_count else ""
    err.print(f"{tally.total} message(s): {', '.join(parts)}{waves_text}.")


def _exit_code(tally: Tally, threshold: Verdict) -> int:
    if tally.problems:
        return 2
    limit = ORDER[threshold]
    return 1 if any(n and ORDER.get(v, 0) >= limit for v, n in tally.counts.items()) else 0


def _threshold(fail_on: str | None, campaign: Campaign | None) -> Verdict:
    text = fail_on if fail_on is not None else (campaign.mail.fail_on if campaign else "suspicious")
    try:
        verdict = Verdict(text.lower())
    except ValueError:
        verdict = Verdict.ERROR
    if verdict not in (Verdict.SPAM, Verdict.SUSPICIOUS, Verdict.PHISHING):
        fail(f"--fail-on {text!r}: use spam, suspicious or phishing")
    return verdict
