"""``rempart timeline``: the campaign calendar with every security event on it.

The timeline is built from one of two places: the campaign (its ``[[calendar]]``,
calendars given with ``--calendar``, and the events the analyzers stored) or a
bundled case study (``--case us-2016`` / ``fr-2017``). Every command then reads
that one :class:`~rempart.timeline.model.Timeline`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from rempart.cli.output import clean, err, fail
from rempart.errors import RempartError
from rempart.model.campaign import Campaign, load_campaign
from rempart.store import Store
from rempart.timeline import cases, exchange, risk, sources
from rempart.timeline.model import Moment, Problem, Timeline, TimelineEvent

app = typer.Typer(
    help="The campaign calendar with every security event on it; strategic timing; "
    "the risk calendar ahead.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CampaignOpt = Annotated[
    Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
]
CaseOpt = Annotated[
    str | None,
    typer.Option(
        "--case", help=f"A bundled case study instead of the campaign: {', '.join(cases.CASES)}."
    ),
]
CalendarOpt = Annotated[
    list[Path] | None,
    typer.Option("--calendar", help="A calendar to add (.ics or .csv: name,kind,start,end,zone)."),
]
DbOpt = Annotated[str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")]
ZoneOpt = Annotated[
    str | None,
    typer.Option(help="The campaign's time zone (default: the campaign's [timeline] zone)."),
]
FromOpt = Annotated[str | None, typer.Option("--from", help="From this date or time (ISO 8601).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Until this date or time (ISO 8601).")]
KindOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", help="Only events of this kind or family (logs, mail.phishing, leak)."),
]


@dataclass
class Built:
    """The timeline, and what could not be read while building it."""

    timeline: Timeline
    problems: list[Problem]


def _zone_of(campaign: Campaign | None, zone: str | None) -> str:
    if zone:
        if sources.zone_info(zone) is None:
            raise RempartError(f"--zone {zone!r} is not a known time zone (like Europe/Paris)")
        return zone
    return campaign.timeline.zone if campaign is not None else "UTC"


def _build(
    campaign_path: Path | None, case: str | None, calendars: list[Path] | None,
    db: str | None, zone: str | None, use_store: bool = True,
) -> Built:  # fmt: skip
    """The timeline of the campaign (calendar + stored events) or of a case study."""
    if case is not None:
        timeline = cases.load_case(case)
        if zone:
            timeline = replace(timeline, zone=_zone_of(None, zone))
        return Built(timeline, [])
    plan = load_campaign(campaign_path) if campaign_path else None
    where = _zone_of(plan, zone)
    moments: list[Moment] = []
    problems: list[Problem] = []
    notes: list[str] = []
    parts = [sources.calendar_from_campaign(plan)] if plan else []
    for path in calendars or []:
        reader = (
            sources.read_ics
            if path.suffix.lower() in (".ics", ".ical")
            else (sources.read_calendar_csv)
        )
        parts.append(reader(path, where))
    for part in parts:
        moments += part.moments
        problems += part.problems
        notes += part.notes
    problems += sources.check_calendar(moments)
    events: tuple[TimelineEvent, ...] = ()
    if use_store:
        with Store.open(db) as store:
            events = sources.events_from_store(store)
    window = None
    if plan and plan.timeline.start and plan.timeline.end:
        window = (plan.timeline.start.astimezone(UTC), plan.timeline.end.astimezone(UTC))
    name = plan.organisation.name if plan else "Campaign"
    moments.sort(key=lambda m: (m.start, m.name))
    timeline = Timeline(name, where, tuple(moments), events, tuple(notes), window)
    return Built(timeline, problems)


def _time(text: str | None, zone: str, what: str) -> datetime | None:
    if text is None:
        return None
    info = sources.zone_info(zone)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RempartError(f"{what} {text!r} is not an ISO 8601 date or time") from None
    if parsed.tzinfo is None:
        err.print(f"[dim]{what} {escape(text)} has no zone: read in {escape(zone)}[/dim]")
        parsed = parsed.replace(tzinfo=info or UTC)
    return parsed.astimezone(UTC)


def _cut(timeline: Timeline, from_: str | None, to: str | None, kind: list[str] | None) -> Timeline:
    """The timeline within ``--from``/``--to`` (read in its zone) and of the ``--kind``s."""
    start = _time(from_, timeline.zone, "--from")
    end = _time(to, timeline.zone, "--to")
    if start or end or kind:
        return timeline.between(start, end, tuple(kind or ()))
    return timeline


def _problems(problems: list[Problem]) -> None:
    for p in problems:
        err.print(f"[red]input:[/red] {escape(clean(p.line()))}")


@app.command("show")
def show(
    campaign: CampaignOpt = None,
    case: CaseOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    zone: ZoneOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    kind: KindOpt = None,
    out: Annotated[
        list[Path] | None,
        typer.Option("--out", "-o", help="Also write the chart: .png, .svg or .html (repeatable)."),
    ] = None,
    utc: Annotated[bool, typer.Option("--utc", help="Show times in UTC.")] = False,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the chart's own texts: en or fr.")
    ] = "en",
) -> None:
    """The calendar and every event on it, in the terminal and as a chart."""
    from rempart.timeline import chart

    if lang not in chart.LANGS:
        fail(f"--lang {lang!r}: the chart is written in {' or '.join(chart.LANGS)}")
    try:
        built = _build(campaign, case, calendar, db, zone)
        timeline = _cut(built.timeline, from_, to, kind)
        from rempart.timeline.terminal import render_terminal

        render_terminal(timeline, Console(), local=not utc)
        for path in out or []:
            if path.suffix.lower() in (".html", ".htm"):
                written = chart.render_html(timeline, path, local=not utc, lang=lang)
            else:
                written = chart.render(timeline, path, local=not utc, lang=lang)
            err.print(f"chart written to {escape(str(written))}")
    except RempartError as exc:
        fail(str(exc))
    _problems(built.problems)
    raise typer.Exit(2 if built.problems else 0)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Events (.jsonl Timesketch, .csv) or a calendar "
                                              "(.ics: printed as [[calendar]] blocks).")],
    db: DbOpt = None,
    campaign: CampaignOpt = None,
    zone: ZoneOpt = None,
) -> None:  # fmt: skip
    """Import events into the store (Timesketch JSONL or CSV), or turn an .ics calendar into
    the campaign file's [[calendar]] blocks."""
    try:
        plan = load_campaign(campaign) if campaign else None
        where = _zone_of(plan, zone)
        if file.suffix.lower() in (".ics", ".ical"):
            loaded = sources.read_ics(file, where)
            sys.stdout.write("".join(_toml_block(m) for m in loaded.moments))
            count, what = len(loaded.moments), "calendar entries printed"
        else:
            loaded = exchange.read_events(file, where)
            with Store.open(db) as store:
                store.replace_events(e.to_store() for e in loaded.events)
            count, what = len(loaded.events), "events imported"
    except RempartError as exc:
        fail(str(exc))
    for note in loaded.notes:
        err.print(f"[dim]{escape(clean(note))}[/dim]")
    _problems(list(loaded.problems))
    err.print(f"{count} {what}; {len(loaded.problems)} row(s) not read.")
    raise typer.Exit(2 if loaded.problems else 0)


def _toml_block(m: Moment) -> str:
    def quoted(text: str) -> str:
        return json.dumps(clean(text), ensure_ascii=False)

    def local(when: datetime) -> str:
        info = sources.zone_info(m.zone)
        return when.astimezone(info or UTC).replace(tzinfo=None).isoformat()

    lines = ["[[calendar]]", f"name = {quoted(m.name)}", f"kind = {quoted(m.kind)}",
             f"zone = {quoted(m.zone)}", f"start = {local(m.start)}"]  # fmt: skip
    if m.end is not None:
        lines.append(f"end = {local(m.end)}")
    return "\n".join(lines) + "\n\n"


@app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="Where: .jsonl (Timesketch), .csv or .ics.")],
    campaign: CampaignOpt = None,
    case: CaseOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    zone: ZoneOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    kind: KindOpt = None,
) -> None:
    """Export the events (and, in .ics, the calendar too) for Timesketch, a spreadsheet or a
    calendar application."""
    try:
        built = _build(campaign, case, calendar, db, zone)
        timeline = _cut(built.timeline, from_, to, kind)
        if file.suffix.lower() == ".ics":
            count = exchange.write_ics([*timeline.moments, *timeline.events], file,
                                       name=timeline.name)  # fmt: skip
        else:
            count = exchange.write_events(timeline.events, file)
    except RempartError as exc:
        fail(str(exc))
    _problems(built.problems)
    err.print(f"{count} item(s) written to {escape(str(file))}.")
    raise typer.Exit(2 if built.problems else 0)


@app.command("analyze")
def analyze(
    events: Annotated[
        list[str],
        typer.Option("--events", help="Kinds of events to test (leak, logs, mail.phishing…)."),
    ],
    window: Annotated[
        list[str] | None,
        typer.Option(
            "--window",
            help='Window around each strategic moment: "6h before", "±12h around", '
            '"2d after end" (repeatable; default: the campaign\'s [timeline] windows).',
        ),
    ] = None,
    moments: Annotated[
        list[str] | None,
        typer.Option("--moments", help="Kinds of moments that are strategic (repeatable)."),
    ] = None,
    campaign: CampaignOpt = None,
    case: CaseOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    zone: ZoneOpt = None,
    randomisations: Annotated[int, typer.Option(min=99, max=999_999)] = 9_999,
    seed: Annotated[int, typer.Option(help="Seed of the randomisations.")] = 2027,
    correction: Annotated[str, typer.Option(help="holm or bonferroni.")] = "holm",
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Do these events fall nearer strategic moments than chance would put them?"""
    from rempart.timeline import stats

    if fmt not in ("text", "json"):
        fail(f"--format {fmt!r}: use text or json")
    try:
        built = _build(campaign, case, calendar, db, zone)
        timeline = built.timeline
        plan = load_campaign(campaign) if campaign and case is None else None
        if case is not None and not moments:
            strategic = cases.strategic_moments(case)
            timeline = replace(timeline, moments=strategic)
        kinds = tuple(moments or (plan.timeline.strategic if plan else ()))
        windows = tuple(window or (plan.timeline.windows if plan else ("24h before", "6h before")))
        result = stats.analyze_timeline(
            timeline, windows, kinds=tuple(events), moment_kinds=kinds, seed=seed,
            randomisations=randomisations, correction=correction,
        )  # fmt: skip
    except RempartError as exc:
        fail(str(exc))
    problems = [*built.problems, *result.problems]
    if fmt == "json":
        sys.stdout.write(json.dumps(_analysis_json(result), ensure_ascii=False, default=str) + "\n")
    else:
        for line in result.lines():
            typer.echo(clean(line))
    _problems(problems)
    raise typer.Exit(2 if problems else 0)


def _analysis_json(result: object) -> dict[str, object]:
    import dataclasses

    def plain(value: object) -> object:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    data = plain(result)
    return data if isinstance(data, dict) else {"result": data}


@app.command("risk")
def risk_cmd(
    days: Annotated[int, typer.Option(help="How many days ahead.", min=0, max=400)] = 30,
    campaign: CampaignOpt = None,
    case: CaseOpt = None,
    calendar: CalendarOpt = None,
    zone: ZoneOpt = None,
    now: Annotated[
        str | None, typer.Option(help="From this time instead of now (ISO 8601).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    ics: Annotated[
        Path | None, typer.Option("--ics", help="Also write the windows as an .ics calendar.")
    ] = None,
) -> None:
    """The windows ahead where an attack or a leak would hurt most, with the posture to hold."""
    if fmt not in ("text", "json"):
        fail(f"--format {fmt!r}: use text or json")
    try:
        built = _build(campaign, case, calendar, None, zone, use_store=False)
        timeline = built.timeline
        when = _time(now, timeline.zone, "--now") or datetime.now(UTC)
        result = risk.risk_calendar(timeline.moments, when, days, timeline.zone)
        if ics is not None:
            exchange.write_ics([w.as_moment() for w in result.windows], ics,
                               name=f"{timeline.name}: risk windows")  # fmt: skip
    except RempartError as exc:
        fail(str(exc))
    if fmt == "json":
        for w in result.windows:
            sys.stdout.write(json.dumps(w.as_dict(), ensure_ascii=False, default=str) + "\n")
    else:
        for line in risk.lines(list(result.windows), timeline.zone, when):
            typer.echo(clean(line))
        if not result.windows:
            typer.echo(f"No risk window in the next {days} day(s).")
    for note in result.notes:
        err.print(f"[dim]{escape(clean(note))}[/dim]")
    problems = [*built.problems, *result.problems]
    _problems(problems)
    counts = Counter(w.level.value for w in result.windows)
    err.print(f"{len(result.windows)} window(s) ahead: "
              + (", ".join(f"{n} {lvl}" for lvl, n in counts.items()) or "none") + ".")  # fmt: skip
    raise typer.Exit(2 if problems else 0)
