"""The demo's steps after the audit: mail, web log, timeline, briefing, dashboard.

Each step calls the same library code as its command (``rempart mail check``,
``rempart logs scan`` and ``blocklist``, ``rempart timeline show`` and ``risk``,
``rempart report``, ``rempart serve``), stores into the demo's store, writes its
files into the demo's folder and returns a frozen result saying what it found.
A step that cannot do its work says why in its ``problems``; it never stops the
demo.

The demo pretends to run on :data:`DEMO_NOW`, five days before the first round
of the example campaign: the bundled mail and the generated web log are dated in
the days before it, so that everything lands on the campaign's timeline.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rempart.errors import RempartError
from rempart.logs import blocklist
from rempart.logs.events import incident_event
from rempart.logs.generate import generate
from rempart.logs.model import Incident
from rempart.logs.scale import analyse
from rempart.logs.settings import Settings
from rempart.mail.batch import triage_many
from rempart.mail.context import MailContext
from rempart.mail.events import WAVE_SOURCES, WaveSettings, verdict_event, waves
from rempart.mail.model import Triage, Verdict
from rempart.mail.sources import iter_messages
from rempart.model.campaign import Campaign
from rempart.model.findings import Event
from rempart.store import Store

log = logging.getLogger(__name__)

Say = Callable[[str], None]
"""Where a step reports how far it got (a progress line)."""

DEMO_NOW = datetime(2027, 4, 20, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
"""The moment the demo pretends to run at: Tuesday before the first round."""
LOG_LINES = 60_000
LOG_SEED = 2027
LOG_SPAN = timedelta(days=1)
"""The generated web log covers the day before :data:`DEMO_NOW`."""
RISK_DAYS = 14
CASE = "fr-2017"
"""The public case drawn alongside the campaign."""
LOG_SITE_DEFAULT = "Main site"
BLOCKLIST_FORMAT = "nginx"


def mailbox_dir() -> Path:
    """The bundled mailbox: lures modelled on public cases and legitimate campaign mail."""
    return Path(str(resources.files("rempart.demo") / "data" / "mailbox"))


def _nothing(_text: str) -> None:
    return None


# ---------------------------------------------------------------- mail


@dataclass(frozen=True)
class MailVerdict:
    """One message of the mailbox and what the triage said of it."""

    file: str
    """The file name in the mailbox (``podesta_lure.eml``)."""
    verdict: Verdict
    score: int
    signals: tuple[str, ...]
    """The signals among the reasons, strongest first."""
    subject: str
    """As written by the sender: attacker-controlled, escape it before showing it."""


@dataclass(frozen=True)
class MailStep:
    """What the mailbox triage found and stored."""

    verdicts: tuple[MailVerdict, ...]
    events: int
    """Verdict events stored (clean mail makes none)."""
    waves: tuple[str, ...]
    """Summaries of the phishing waves found."""
    problems: tuple[str, ...] = ()


def triage_mailbox(
    store: Store,
    campaign: Campaign,
    *,
    folder: Path | None = None,
    now: datetime = DEMO_NOW,
    say: Say = _nothing,
) -> MailStep:
    """Triage every message of ``folder`` (the bundled mailbox) as ``rempart mail check``
    does, and store the verdict events and the waves they make."""
    ctx = MailContext.from_campaign(campaign)
    files = sorted(str(p) for p in (folder or mailbox_dir()).glob("*.eml"))
    verdicts: list[MailVerdict] = []
    events: list[Event] = []
    problems: list[str] = []
    for t in triage_many(iter_messages(files, ctx.limits), ctx, workers=1):
        verdicts.append(_verdict(t))
        problems += [f"{Path(t.source).name}: {e}" for e in t.errors]
        event = verdict_event(t, ctx, now=now)
        if event is not None:
            events.append(event)
        say(f"{len(verdicts)}/{len(files)} messages triaged")
    if not files:
        problems.append(f"{folder or mailbox_dir()}: no .eml file to triage")
    found = _store_mail(store, events, ctx, len(verdicts))
    return MailStep(tuple(verdicts), len(events), tuple(w.summary for w in found),
                    tuple(problems))  # fmt: skip


def _verdict(t: Triage) -> MailVerdict:
    strongest = sorted(t.reasons, key=lambda r: -r.weight)
    return MailVerdict(Path(t.source).name, t.verdict, t.score,
                       tuple(r.signal for r in strongest), t.subject)  # fmt: skip


def _store_mail(store: Store, events: list[Event], ctx: MailContext, total: int) -> list[Event]:
    """Store the verdict events and the waves they make with what is already stored
    (what ``rempart mail check`` records)."""
    run_id = store.start_run("mail", {"messages": total, "demo": True})
    store.add_events(events)
    found: list[Event] = []
    if events:
        window = WaveSettings().window
        start = min(e.time for e in events) - window
        end = max(e.time for e in events) + window
        found = waves(store.events(since=start, until=end, kinds=list(WAVE_SOURCES)), ctx)
        store.replace_events(found)
    store.finish_run(run_id, "done")
    return found


# ---------------------------------------------------------------- web log


@dataclass(frozen=True)
class LogStep:
    """What the web log analysis found, stored and wrote."""

    log: Path
    """The generated access log."""
    labels: Path
    """The generator's answers: which addresses attacked, and what should flag them."""
    blocklist: Path
    """The nginx ``deny`` include built from the incidents."""
    lines: int
    incidents: tuple[Incident, ...]
    blocked: tuple[str, ...]
    """Networks on the block list."""
    problems: tuple[str, ...] = ()


def analyse_weblog(
    store: Store,
    campaign: Campaign,
    folder: Path,
    *,
    now: datetime = DEMO_NOW,
    lines: int = LOG_LINES,
    say: Say = _nothing,
) -> LogStep:
    """Generate a day of the campaign site's traffic with attacks in it (ending at ``now``),
    analyse it as ``rempart logs scan`` does, store the incidents and write the block list
    as ``rempart logs blocklist`` does."""
    say("generating a day of web traffic with attacks")
    made = generate(lines, LOG_SEED, (now - LOG_SPAN).astimezone(UTC), span=LOG_SPAN,
                    tz=campaign.timeline.zone)  # fmt: skip
    path, labels = folder / "access.log", folder / "access-labels.json"
    made.write(path)
    labels.write_text(json.dumps(made.labels_dict(), indent=1), encoding="utf-8")
    settings, problems = _log_settings(campaign)
    scan = analyse([str(path)], settings=settings, progress=say)
    incidents = tuple(scan.detection.incidents)
    store.replace_events(incident_event(i, _site(campaign)) for i in incidents)
    allow, bad = blocklist.parse_networks(str(n) for n in campaign.logs.allow)
    entries = blocklist.build(incidents, now=now.astimezone(UTC), allow=allow)
    target = folder / "blocklist.conf"
    target.write_text(blocklist.render(entries, BLOCKLIST_FORMAT, now=now.astimezone(UTC)))
    return LogStep(path, labels, target, scan.lines, incidents,
                   tuple(e.network for e in entries),
                   (*problems, *scan.problems, *bad))  # fmt: skip


def _log_settings(campaign: Campaign) -> tuple[Settings, list[str]]:
    """The detectors' thresholds of the campaign's ``[logs.detectors]``."""
    if not campaign.logs.detectors:
        return Settings(), []
    try:
        return Settings.from_mapping(dict(campaign.logs.detectors), "[logs.detectors]"), []
    except RempartError as exc:
        return Settings(), [f"{exc}; default thresholds used"]


def _site(campaign: Campaign) -> str:
    """Which website the demo's log belongs to: the first ``[[sources.logs]]`` site."""
    return next((s.site for s in campaign.sources.logs if s.site), LOG_SITE_DEFAULT)


# ---------------------------------------------------------------- timeline


@dataclass(frozen=True)
class TimelineStep:
    """The charts written and the risk windows ahead."""

    files: tuple[Path, ...]
    events: int
    """Stored events inside the campaign's period, drawn on its chart."""
    outside: int
    """Stored events outside it (none in the demo: every step is dated in the campaign)."""
    windows: int
    """Risk windows in the :data:`RISK_DAYS` days from the demo's now."""
    risk: tuple[str, ...]
    """Those windows in plain words, one line each."""
    problems: tuple[str, ...] = ()


def draw_timeline(
    store: Store, campaign: Campaign, folder: Path, *, now: datetime = DEMO_NOW,
    say: Say = _nothing,
) -> TimelineStep:  # fmt: skip
    """Chart the campaign's calendar with every stored event (HTML and PNG), chart the
    public case alongside, and list the risk windows of the next days."""
    from rempart.timeline import chart, risk
    from rempart.timeline.cases import load_case

    timeline, outside = campaign_timeline(store, campaign)
    files: list[Path] = []
    problems: list[str] = []
    jobs = (("timeline.html", timeline, chart.render_html),
            ("timeline.png", timeline, chart.render),
            (f"{CASE}.html", load_case(CASE), chart.render_html))  # fmt: skip
    for name, drawn, draw in jobs:
        say(f"drawing {name}")
        try:
            files.append(draw(drawn, folder / name))
        except RempartError as exc:
            problems.append(f"{name}: {exc}")
    ahead = risk.risk_calendar(timeline.moments, now, RISK_DAYS, timeline.zone)
    lines = risk.lines(list(ahead.windows), timeline.zone, now, posture=False)
    problems += [p.line() for p in ahead.problems]
    return TimelineStep(tuple(files), len(timeline.events), outside, len(ahead.windows),
                        tuple(lines), tuple(problems))  # fmt: skip


def campaign_timeline(store: Store, campaign: Campaign) -> tuple[Any, int]:
    """The campaign's timeline as ``rempart timeline show -c`` builds it (its calendar,
    the stored events, its study period), and how many stored events fall outside it."""
    from rempart.timeline.model import Timeline
    from rempart.timeline.sources import calendar_from_campaign, events_from_store

    moments = sorted(calendar_from_campaign(campaign).moments, key=lambda m: (m.start, m.name))
    events = events_from_store(store)
    settings = campaign.timeline
    window = None
    if settings.start and settings.end:
        window = (settings.start.astimezone(UTC), settings.end.astimezone(UTC))
    timeline = Timeline(campaign.organisation.name, settings.zone, tuple(moments), events,
                        (), window)  # fmt: skip
    if window is None:
        return timeline, 0
    inside = timeline.between(*window)
    return inside, len(events) - len(inside.events)


# ---------------------------------------------------------------- briefing


@dataclass(frozen=True)
class BriefingStep:
    """The briefing files written, or why there are none."""

    files: tuple[Path, ...] = ()
    missing: str = ""
    """Why there is no briefing step in this installation (empty when there is one)."""
    problems: tuple[str, ...] = ()
    """One line per file that could not be written."""


BRIEFING_FILES = ("briefing.html", "briefing.pdf")


def write_briefing(
    db: str, campaign: Campaign, folder: Path, *, now: datetime = DEMO_NOW, lang: str = "fr",
    names: Sequence[str] = BRIEFING_FILES, say: Say = _nothing,
) -> BriefingStep:  # fmt: skip
    """The leadership's briefing (HTML and PDF) through ``rempart.report.write_briefing``,
    or the reason it is missing from this installation."""
    try:
        from rempart import report

        writer = report.write_briefing
    except (ImportError, AttributeError) as exc:
        return BriefingStep(missing=f"the briefing is not available in this version ({exc})")
    files: list[Path] = []
    problems: list[str] = []
    for name in names:
        say(f"writing {name}")
        try:
            files.append(Path(writer(db, campaign, folder / name, lang=lang, now=now)))
        except Exception as exc:  # another module's failure: one line, and the demo goes on
            log.debug("briefing %s failed", name, exc_info=True)
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    return BriefingStep(tuple(files), problems=tuple(problems))


# ---------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class Dashboard:
    """The dashboard ready to serve, or why it cannot be."""

    app: Any = None
    serve: Callable[..., None] | None = None
    missing: str = ""
    """Why there is no dashboard in this installation."""
    problem: str = ""
    """Why the dashboard could not be built."""


def load_dashboard(db: str, campaign: Campaign, *, now: datetime = DEMO_NOW) -> Dashboard:
    """The dashboard's application on the demo's store (``rempart serve``'s code) with its
    clock at the demo's ``now`` (the week's mail and incidents, the next risk window are
    the story's), or the reason it is not available."""
    try:
        from rempart.web import app as web_app
        from rempart.web import server

        create_app, serve = web_app.create_app, server.serve
    except (ImportError, AttributeError) as exc:
        return Dashboard(missing=f"the dashboard is not available in this version ({exc})")
    try:
        return Dashboard(create_app(db, campaign, now=lambda: now), serve)
    except Exception as exc:  # another module's failure: one line, and the demo goes on
        log.debug("dashboard failed", exc_info=True)
        return Dashboard(problem=f"the dashboard could not start: {type(exc).__name__}: {exc}")


def free_port(host: str, preferred: int) -> int:
    """``preferred`` if nothing listens on it, else a free port the system picks."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RempartError(f"no free port on {host}")
