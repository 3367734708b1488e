"""The timeline as a chart: PNG or SVG drawn with matplotlib, and one self-contained HTML page.

The chart follows the national agency's briefing chart: a horizontal time axis
over the timeline's span, coloured bands for periods (official campaign,
primaries, conventions, and the pre-election silence in a strong red),
vertical lines for rounds and debates with their names staggered above, and
the security events as markers on lanes by family (leaks, phishing,
intrusion, denial of service and web logs, mail, audit findings, attribution
and news), coloured by severity. Events of one lane whose markers would cover
each other are stacked on up to three rows inside the lane; beyond that, one
marker stands for several (marked ``×n``). Uncertain facts (certainty L, or a time known
only to the day or the month) are hollow markers and italic labels, and a
date known only to the day or month is drawn as a bar over that day or month.

Much of the text comes from outside (an event summary may be a phishing
subject chosen by the attacker), so every text is stripped of control
characters, never parsed as mathtext, and escaped in HTML. Nothing refers to
the network: the HTML page has the SVG inlined, its style inline and a content
policy that forbids loading anything.

Many events are drawn aggregated: above :data:`AGGREGATE_ABOVE` events, one
marker per lane per time bin (:data:`BINS` equal bins over the span), sized by
the number of events in it and coloured by the worst severity among them; the
chart says so in its footnote. The same timeline gives the same SVG bytes
(fixed hash salt, no date in the metadata).

matplotlib is imported only when a chart is drawn (the Agg canvas, never
pyplot): the helpers here (:func:`clean_text`, :func:`format_time`,
:func:`view_notes`…) are shared with the terminal view at no cost.
"""

from __future__ import annotations

import html
import io
import logging
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rempart.errors import InputError
from rempart.model.findings import Severity
from rempart.timeline.model import (
    PERIOD_KINDS,
    Certainty,
    Moment,
    Precision,
    Timeline,
    TimelineEvent,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

AGGREGATE_ABOVE = 400
"""Above this many events in the span, events are drawn one marker per lane per time bin."""
BINS = 240
"""Number of equal time bins over the span when aggregating (a bin is a pixel column or six)."""
MAX_EVENT_LABELS = 20
"""At most this many events get their summary written next to them (the most severe first)."""
MAX_LABEL_CHARS = 40
"""Labels on the chart are cut to this many characters."""
MAX_TEXT = 400
"""Any text in the HTML table is cut to this many characters."""
MAX_TABLE_EVENTS = 2000
"""The HTML page lists at most this many events (the first by time); the chart shows them all."""
MAX_LABEL_ROWS = 6
"""Moment names are staggered on at most this many rows above the lanes."""
MAX_MOMENT_LABELS = 80
"""At most this many moments are named on the chart (rounds, silences, campaign first)."""
LABEL_GAP_PT = 6
"""Points between an event's marker and its label (more than a marker's radius)."""
STACK_OFFSETS = (0.0, 0.26, -0.26)
"""Vertical offsets (in lanes) of the rows marks of one lane are stacked on when they would
cover each other: apart by more than the largest marker, inside the lane."""

WIDTH_IN = 14.0
"""Figure width in inches (PNG width in pixels is ``WIDTH_IN * DPI``)."""
DPI = 110
"""Resolution of PNG output."""
_LEFT, _RIGHT = 0.12, 0.985
_LANE_IN = 0.55
_ROW_IN = 0.22
_FOOT_IN = 1.45
_HEAD_IN = 0.75
_PAD = 0.015
"""Room left at each end of the time axis, as a fraction of the span."""
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
"""Items dated before this are left out of the views (with a note)."""
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Items dated after this are left out of the views (with a note)."""
_SVG_SALT = "rempart-timeline"
_SVG_METADATA: dict[str, Any] = {"Creator": None, "Date": None, "Format": None, "Type": None}

SEVERITY_COLOURS = {
    Severity.INFO: "#8c8c8c",
    Severity.LOW: "#3b7dd8",
    Severity.MEDIUM: "#f0a30a",
    Severity.HIGH: "#e4572e",
    Severity.CRITICAL: "#8b0000",
}
"""Marker colour of each severity (also used by the HTML legend)."""
_SEVERITY_SIZES = {
    Severity.INFO: 18,
    Severity.LOW: 26,
    Severity.MEDIUM: 38,
    Severity.HIGH: 56,
    Severity.CRITICAL: 78,
}
_BIN_SIZES = ((1, 20.0), (3, 40.0), (10, 70.0), (30, 110.0), (100, 170.0), (10**9, 260.0))

BAND_STYLES: dict[str, tuple[str, float, str]] = {
    "campaign_start": ("#9ccc9c", 0.35, "official campaign"),
    "silence": ("#d7191c", 0.55, "silence period"),
    "primary": ("#b8a3d9", 0.30, "primaries"),
    "convention": ("#8fb4e3", 0.35, "conventions"),
}
"""Period kind → (colour, opacity, legend label) of its band."""
LINE_STYLES: dict[str, tuple[str, str, float, str]] = {
    "round": ("#1a1a1a", "-", 2.2, "rounds"),
    "debate": ("#1f5fa8", "--", 1.3, "debates"),
    "campaign_end": ("#2e7d32", ":", 1.3, "end of campaign"),
}
"""Moment kind → (colour, line style, width, legend label) of its vertical line."""
_OTHER_LINE = ("#6b6b6b", ":", 1.0, "other moments")
_LABEL_ORDER = {
    "round": 0,
    "silence": 1,
    "campaign_start": 2,
    "campaign_end": 3,
    "debate": 4,
    "convention": 5,
    "primary": 6,
}

_CONTROL = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"
)


@dataclass(frozen=True)
class Lane:
    """A row of the chart: the events whose kind is, or starts with, one of ``kinds``."""

    name: str
    """Shown at the left of the row."""
    kinds: tuple[str, ...]
    """Kind prefixes (``mail`` matches ``mail`` and ``mail.spam``); empty: everything left."""


LANES = (
    Lane("leaks", ("leak",)),
    Lane("phishing", ("phishing", "mail.phishing", "mail.wave")),
    Lane("intrusion", ("intrusion",)),
    Lane("dos / web logs", ("dos", "logs")),
    Lane("mail", ("mail",)),
    Lane("audit findings", ("finding", "audit")),
    Lane("attribution / news", ("attribution", "news")),
    Lane("other", ()),
)
"""The lanes, top to bottom; an event goes on the first that matches its kind."""


@dataclass(frozen=True)
class Words:
    """Every text the chart and its HTML page write themselves, in one language.

    Texts that come from the data (moment names, event summaries, kinds, sources)
    are shown as they are; ``{…}`` fields are filled when drawing.
    """

    lanes: Mapping[str, str]
    """Lane name (as in :data:`LANES` and :class:`Plan`) → the name shown."""
    severities: Mapping[Severity, str]
    uncertain: str
    """Legend entry of hollow markers, and the tag of uncertain rows."""
    bands: Mapping[str, str]
    """Period kind → legend label of its band."""
    lines: Mapping[str, str]
    """Moment kind → legend label of its line (``other``: any other kind)."""
    months: tuple[str, ...] | None
    """Month abbreviations of the tick labels; None: matplotlib's own (C locale)."""
    decimal: str
    axis: str
    campaign_zone: str
    no_events: str
    subtitle: str
    untitled: str
    aggregated: str
    outside: str
    unknown_zone: str
    out_of_range: str
    assumed: str
    uncertain_note: str
    html_lang: str
    notes: str
    legend: str
    moments: str
    events: str
    meta: str
    local: str
    moment_heads: tuple[str, ...]
    """Headers of the moments table after the two time columns."""
    event_heads: tuple[str, ...]
    """Headers of the events table after the two time columns."""
    filled: str
    hollow: str
    band: str
    line: str
    aggregated_html: str
    only_first: str
    zone_assumed: str
    footer: str


LANGS = ("en", "fr")
"""Languages the chart is written in."""
_FRENCH_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin",
                  "juil.", "août", "sept.", "oct.", "nov.", "déc.")  # fmt: skip

WORDS: dict[str, Words] = {
    "en": Words(
        lanes={lane.name: lane.name for lane in LANES},
        severities={s: s.value for s in Severity},
        uncertain="uncertain",
        bands={kind: style[2] for kind, style in BAND_STYLES.items()},
        lines={**{kind: style[3] for kind, style in LINE_STYLES.items()}, "other": _OTHER_LINE[3]},
        months=None,
        decimal=".",
        axis="time in {zone}",
        campaign_zone=" (the campaign's zone)",
        no_events="no security events in this period",
        subtitle="{first} → {last} · {events} events · {moments} moments",
        untitled="timeline",
        aggregated=(
            "{n} events aggregated: one marker per lane per {hours} h, "
            "sized by the number of events, coloured by the worst severity"
        ),
        outside="{n} event(s) outside the period not drawn",
        unknown_zone="unknown time zone {name!r}: times are shown in UTC",
        out_of_range="{n} item(s) dated before {first} or after {last} left out",
        assumed=(
            "{n} time(s) came without a time zone and were taken in the campaign's zone ({zone})"
        ),
        uncertain_note=(
            "{n} fact(s) are uncertain (certainty L, or known only to the "
            "day or month), marked 'uncertain'"
        ),
        html_lang="en",
        notes="Notes",
        legend="Legend",
        moments="Moments",
        events="Events",
        meta="{first} → {last} · {moments} moments · {events} events · times in {zone} and UTC",
        local="local ({zone})",
        moment_heads=("end", "moment", "kind", "certainty", "precision", "source"),
        event_heads=("kind (lane)", "severity", "certainty", "precision", "source", "summary"),
        filled="(filled: certain)",
        hollow=(
            "hollow marker, italic text, tag {tag}: certainty L, or a time known "
            "only to the day or month (a bar shows that day or month)"
        ),
        band="band: {label}",
        line="line: {label}",
        aggregated_html=(
            "{n} events are aggregated on the chart: one marker per lane per time bin "
            "({bins} bins), sized by count, coloured by the worst severity; the table "
            "lists them one by one"
        ),
        only_first=(
            "only the first {limit} events by time are listed below ({more} more on the chart)"
        ),
        zone_assumed="zone assumed",
        footer="Written by Rempart; this page loads nothing from the network.",
    ),
    "fr": Words(
        lanes={
            "leaks": "fuites",
            "phishing": "hameçonnage",
            "intrusion": "intrusions",
            "dos / web logs": "saturation / journaux web",
            "mail": "messagerie",
            "audit findings": "constats d'audit",
            "attribution / news": "attribution / presse",
            "other": "autres",
        },
        severities={
            Severity.INFO: "info",
            Severity.LOW: "faible",
            Severity.MEDIUM: "moyenne",
            Severity.HIGH: "élevée",
            Severity.CRITICAL: "critique",
        },
        uncertain="incertain",
        bands={
            "campaign_start": "campagne officielle",
            "silence": "période de réserve",
            "primary": "primaires",
            "convention": "conventions",
        },
        lines={
            "round": "tours de scrutin",
            "debate": "débats",
            "campaign_end": "fin de campagne",
            "other": "autres moments",
        },
        months=_FRENCH_MONTHS,
        decimal=",",
        axis="fuseau horaire : {zone}",
        campaign_zone=" (celui de la campagne)",
        no_events="aucun événement de sécurité sur cette période",
        subtitle="{first} → {last} · {events} événements · {moments} moments",
        untitled="chronologie",
        aggregated=(
            "{n} événements regroupés : un repère par ligne toutes les {hours} h, "
            "taille selon le nombre d'événements, couleur selon la gravité la plus forte"
        ),
        outside="{n} événement(s) hors de la période, non dessiné(s)",
        unknown_zone="fuseau horaire inconnu {name!r} : heures affichées en UTC",
        out_of_range="{n} élément(s) daté(s) d'avant {first} ou d'après {last}, écarté(s)",
        assumed=(
            "{n} heure(s) donnée(s) sans fuseau horaire, prise(s) dans celui de la "
            "campagne ({zone})"
        ),
        uncertain_note=(
            "{n} fait(s) incertain(s) (certitude L, ou connu(s) seulement au jour ou "
            "au mois), marqué(s) « incertain »"
        ),
        html_lang="fr",
        notes="Notes",
        legend="Légende",
        moments="Moments",
        events="Événements",
        meta=(
            "{first} → {last} · {moments} moments · {events} événements · "
            "heures en {zone} et en UTC"
        ),
        local="heure locale ({zone})",
        moment_heads=("fin", "moment", "type", "certitude", "précision", "source"),
        event_heads=("type (ligne)", "gravité", "certitude", "précision", "source", "résumé"),
        filled="(plein : certain)",
        hollow=(
            "repère creux, texte en italique, étiquette {tag} : certitude L, ou heure "
            "connue seulement au jour ou au mois (une barre couvre ce jour ou ce mois)"
        ),
        band="bande : {label}",
        line="ligne : {label}",
        aggregated_html=(
            "{n} événements sont regroupés sur le graphique : un repère par ligne et par "
            "intervalle de temps ({bins} intervalles), taille selon le nombre, couleur "
            "selon la gravité la plus forte ; le tableau les liste un par un"
        ),
        only_first=(
            "seuls les {limit} premiers événements (par date) sont listés ci-dessous "
            "({more} de plus sur le graphique)"
        ),
        zone_assumed="fuseau supposé",
        footer="Écrit par Rempart ; cette page ne charge rien depuis le réseau.",
    ),
}
"""The texts of each language in :data:`LANGS`."""


def words_for(lang: str) -> Words:
    """The texts of ``lang``; :class:`InputError` for a language the chart is not written in."""
    found = WORDS.get(lang) if isinstance(lang, str) else None
    if found is None:
        raise InputError(f"lang {lang!r}: the chart is drawn in {' or '.join(LANGS)}")
    return found


@dataclass(frozen=True)
class Mark:
    """One marker on a lane: one event, or every event of one time bin when aggregated."""

    lane: str
    time: datetime
    """Where the marker sits (the middle of the day for a date known to the day)."""
    start: datetime
    """Start of the extent drawn as a bar (a period, a day or month of imprecision)."""
    end: datetime
    """End of that extent (``start`` when there is none)."""
    severity: Severity
    """The worst severity among its events."""
    count: int = 1
    uncertain: bool = False
    """Every event in it is uncertain (drawn hollow)."""
    label: str = ""
    """Text written next to it (cleaned and cut), empty for none."""
    ids: tuple[str, ...] = ()
    """Ids of the events it stands for, in time order (``count`` of them)."""
    offset: float = 0.0
    """Where it sits above (positive) or below its lane's middle, in lanes: marks of one
    lane that would cover each other are stacked (:func:`stack`)."""


@dataclass(frozen=True)
class Plan:
    """What the chart will show, decided before drawing (and testable without drawing)."""

    start: datetime
    end: datetime
    lanes: tuple[str, ...]
    """Lanes that have marks, top to bottom."""
    marks: tuple[Mark, ...]
    bands: tuple[Moment, ...]
    """Periods drawn as bands."""
    lines: tuple[Moment, ...]
    """Moments drawn as vertical lines."""
    aggregated: bool
    """Events were binned (more than :data:`AGGREGATE_ABOVE`)."""
    bin: timedelta | None
    """Width of a bin when aggregated."""
    drawn: int
    """Events on the chart."""
    outside: int
    """Events outside the span, left out."""


# ---------------------------------------------------------------- text, zones, times


def clean_text(text: object, limit: int = MAX_TEXT) -> str:
    """``text`` safe to draw, print or escape: one line, no control or bidi-override
    characters, no lone surrogates, at most ``limit`` characters (``…`` marks a cut)."""
    raw = str(text).encode("utf-8", "replace").decode("utf-8")
    one_line = " ".join(_CONTROL.sub("?", raw).split())
    if len(one_line) > limit:
        return one_line[: max(limit - 1, 0)] + "…"
    return one_line


def zone_of(name: str) -> tzinfo | None:
    """The IANA zone ``name``, or None when it is unknown or malformed."""
    try:
        return ZoneInfo(str(name))
    except (ValueError, KeyError, OSError, TypeError):  # not found is a KeyError
        return None


def display_zone(
    timeline: Timeline, local: bool, lang: str = "en"
) -> tuple[tzinfo, str, str | None]:
    """The zone times are shown in, its name, and a note (in ``lang``) when the
    timeline's is unusable."""
    if not local:
        return UTC, "UTC", None
    zone = zone_of(timeline.zone)
    if zone is None:
        name = clean_text(timeline.zone, 60)
        return UTC, "UTC", words_for(lang).unknown_zone.format(name=name)
    return zone, clean_text(timeline.zone, 60), None


def aware(when: datetime) -> datetime:
    """``when`` in UTC; a naive value (which the model forbids) is taken as UTC."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _sane_time(when: datetime | None) -> bool:
    return when is None or EARLIEST <= aware(when) < LATEST


def drawable(timeline: Timeline, lang: str = "en") -> Timeline:
    """The timeline without items dated outside :data:`EARLIEST`–:data:`LATEST` (a garbled
    year would stretch every view and overflow date arithmetic), with a note saying so
    (in ``lang``)."""
    moments = tuple(m for m in timeline.moments if _sane_time(m.start) and _sane_time(m.end))
    events = tuple(e for e in timeline.events if _sane_time(e.time) and _sane_time(e.end))
    window = timeline.window
    if window is not None and not (_sane_time(window[0]) and _sane_time(window[1])):
        window = (
            min(max(aware(window[0]), EARLIEST), LATEST),
            min(max(aware(window[1]), EARLIEST), LATEST),
        )
    dropped = len(timeline.moments) - len(moments) + len(timeline.events) - len(events)
    if not dropped and window == timeline.window:
        return timeline
    notes = timeline.notes
    if dropped:
        note = words_for(lang).out_of_range
        notes += (note.format(n=dropped, first=f"{EARLIEST:%Y}", last=f"{LATEST:%Y}"),)
    return replace(timeline, moments=moments, events=events, window=window, notes=notes)


def is_uncertain(item: Moment | TimelineEvent) -> bool:
    """Certainty L, or a time known less precisely than to the hour."""
    return item.certainty is Certainty.LOW or not item.precision.at_least(Precision.HOUR)


def format_time(
    when: datetime, zone: tzinfo, precision: Precision = Precision.MINUTE, given_in: str = ""
) -> str:
    """``when`` as a person reads it in ``zone``, never more precise than it is known.

    A date known to the day or month is shown as that date or month in the zone
    it was given in (``given_in``), where it is true; ``~`` marks an hour known
    only roughly.
    """
    when = aware(when)
    if precision in (Precision.DAY, Precision.MONTH):
        there = when.astimezone(zone_of(given_in) or zone)
        return f"{there:%Y-%m}" if precision is Precision.MONTH else f"{there:%Y-%m-%d}"
    local = when.astimezone(zone)
    rough = "~" if precision is Precision.HOUR else ""
    return f"{local:%Y-%m-%d} {rough}{local:%H:%M} {local.tzname() or ''}".rstrip()


def view_notes(timeline: Timeline, local: bool = True, lang: str = "en") -> list[str]:
    """Plain-words notes every view ends with: the timeline's own notes (as they are),
    assumed zones, uncertain facts, an unusable zone (these in ``lang``)."""
    words = words_for(lang)
    notes = [clean_text(n) for n in timeline.notes]
    zone_note = display_zone(timeline, local, lang)[2]
    if zone_note:
        notes.append(zone_note)
    items: list[Moment | TimelineEvent] = [*timeline.moments, *timeline.events]
    assumed = sum(1 for i in items if i.zone_assumed)
    if assumed:
        notes.append(words.assumed.format(n=assumed, zone=clean_text(timeline.zone, 60)))
    uncertain = sum(1 for i in items if is_uncertain(i))
    if uncertain:
        notes.append(words.uncertain_note.format(n=uncertain))
    return notes


# ---------------------------------------------------------------- the plan


def lane_of(kind: str) -> str:
    """The name of the lane an event of ``kind`` goes on."""
    kind = kind.lower()
    for lane in LANES:
        if any(kind == k or kind.startswith(k + ".") for k in lane.kinds):
            return lane.name
    return LANES[-1].name


def extent(event: TimelineEvent) -> tuple[datetime, datetime]:
    """The period an event covers on the chart: its own end, or the day or month its
    imprecise time stands for (in the zone it was given in)."""
    start = aware(event.time)
    if event.end is not None:
        return start, max(start, aware(event.end))
    if event.precision is Precision.DAY:
        return start, start + timedelta(days=1)
    if event.precision is Precision.MONTH:
        there = start.astimezone(zone_of(event.zone) or UTC)
        first = datetime(there.year + there.month // 12, there.month % 12 + 1, 1)
        return start, max(first.replace(tzinfo=there.tzinfo).astimezone(UTC), start)
    return start, start


def _span(timeline: Timeline) -> tuple[datetime, datetime]:
    start, end = (aware(t) for t in timeline.span())
    if end <= start:
        end = start + timedelta(days=1)
    return start, end


def _is_band(moment: Moment) -> bool:
    return moment.kind in PERIOD_KINDS and moment.end is not None and moment.end > moment.start


def _marker_time(event: TimelineEvent, first: datetime, last: datetime) -> datetime:
    if event.end is None and not event.precision.at_least(Precision.HOUR):
        return first + (last - first) / 2
    return aware(event.time)


def _single_marks(events: Sequence[TimelineEvent], start: datetime, end: datetime) -> list[Mark]:
    """One mark per event; the most severe get their summary as a label."""
    ranked = sorted(range(len(events)), key=lambda i: (-events[i].severity.rank, events[i].time))
    labelled = set(ranked[:MAX_EVENT_LABELS])
    marks = []
    for i, e in enumerate(events):
        first, last = extent(e)
        when = min(max(_marker_time(e, first, last), start), end)
        label = clean_text(e.summary, MAX_LABEL_CHARS) if i in labelled else ""
        marks.append(
            Mark(
                lane_of(e.kind),
                when,
                max(first, start),
                min(last, end),
                e.severity,
                uncertain=is_uncertain(e),
                label=label,
                ids=(e.id,),
            )
        )
    return stack(marks, marker_width(start, end))


def marker_width(start: datetime, end: datetime) -> timedelta:
    """The width of the largest marker (with its edge) as a time span at the chart's scale:
    marks of one lane closer than this would cover each other."""
    diameter_in = (math.sqrt(max(_SEVERITY_SIZES.values())) + 1.3) / 72
    axes_in = WIDTH_IN * (_RIGHT - _LEFT)
    return (end - start) * (1 + 2 * _PAD) * (diameter_in / axes_in)


def stack(marks: Sequence[Mark], width: timedelta) -> list[Mark]:
    """Marks of one lane that would cover each other moved onto the rows of
    :data:`STACK_OFFSETS`; one that finds no free row is merged into the nearest mark
    it would cover (which then stands for its events too), so every event stays reachable.

    ``marks`` are single events in time order; the result keeps the order of the
    first event of each mark.
    """
    placed: list[Mark] = []
    last: dict[tuple[str, int], int] = {}  # (lane, row) → index in placed of its last mark
    for mark in marks:
        rows = [(mark.lane, r) for r in range(len(STACK_OFFSETS))]
        free = [k for k in rows if k not in last or mark.time - placed[last[k]].time >= width]
        if free:
            last[free[0]] = len(placed)
            placed.append(replace(mark, offset=STACK_OFFSETS[free[0][1]]))
            continue
        near = min((last[k] for k in rows), key=lambda i: (mark.time - placed[i].time, i))
        placed[near] = _merged(placed[near], mark)
    return placed


def _merged(into: Mark, mark: Mark) -> Mark:
    """``into`` standing for ``mark``'s events too: worst severity, widest extent."""
    worst = max((into.severity, mark.severity), key=lambda s: s.rank)
    return replace(
        into,
        start=min(into.start, mark.start),
        end=max(into.end, mark.end),
        severity=worst,
        count=into.count + mark.count,
        uncertain=into.uncertain and mark.uncertain,
        label=into.label or mark.label,
        ids=into.ids + mark.ids,
    )


def _binned_marks(events: Sequence[TimelineEvent], start: datetime, end: datetime) -> list[Mark]:
    """One mark per lane per bin: count, worst severity, uncertain when all its events are."""
    width = (end - start) / BINS
    bins: dict[tuple[str, int], list[TimelineEvent]] = {}
    for e in events:
        index = min(max(int((aware(e.time) - start) / width), 0), BINS - 1)
        bins.setdefault((lane_of(e.kind), index), []).append(e)
    marks = []
    for (lane, index), members in sorted(bins.items()):
        left = start + width * index
        worst = max((m.severity for m in members), key=lambda s: s.rank)
        marks.append(
            Mark(
                lane,
                left + width / 2,
                left,
                left + width,
                worst,
                len(members),
                all(is_uncertain(m) for m in members),
                ids=tuple(m.id for m in members),
            )
        )
    return marks


def plan(timeline: Timeline) -> Plan:
    """Decide what the chart shows: lanes, marks (aggregated when many), bands and lines."""
    timeline = drawable(timeline)
    start, end = _span(timeline)
    inside = []
    for e in timeline.events:
        first, last = extent(e)
        if last >= start and first <= end:
            inside.append(e)
    inside.sort(key=lambda e: (aware(e.time), e.kind, e.id))
    aggregated = len(inside) > AGGREGATE_ABOVE
    marks = _binned_marks(inside, start, end) if aggregated else _single_marks(inside, start, end)
    used = {m.lane for m in marks}
    moments = [m for m in timeline.moments if aware(m.until) >= start and aware(m.start) <= end]
    moments.sort(key=lambda m: (aware(m.start), m.kind, m.name))
    return Plan(
        start=start,
        end=end,
        lanes=tuple(lane.name for lane in LANES if lane.name in used),
        marks=tuple(marks),
        bands=tuple(m for m in moments if _is_band(m)),
        lines=tuple(m for m in moments if not _is_band(m)),
        aggregated=aggregated,
        bin=(end - start) / BINS if aggregated else None,
        drawn=len(inside),
        outside=len(timeline.events) - len(inside),
    )


def stagger(lefts: Sequence[float], widths: Sequence[float], rows: int) -> list[int]:
    """A row for each label (0 nearest the axis) so that labels on a row do not overlap.

    Labels are placed left to right, each on the first row whose last label ends
    before it starts; when every row is taken, on the row that frees first (an
    overlap then, but the least bad one).
    """
    rows = max(rows, 1)
    ends = [-math.inf] * rows
    placed = [0] * len(lefts)
    for i in sorted(range(len(lefts)), key=lambda i: lefts[i]):
        free = [r for r in range(rows) if ends[r] <= lefts[i]]
        row = free[0] if free else min(range(rows), key=lambda r: ends[r])
        placed[i] = row
        ends[row] = lefts[i] + widths[i]
    return placed


def fit_labels(
    lefts: Sequence[float],
    widths: Sequence[float],
    rows: int,
    order: Sequence[int],
    blocked: Sequence[Sequence[tuple[float, float]]] = (),
) -> list[int | None]:
    """A row for each label taken in ``order`` (most important first), on the first row
    where it overlaps no label already placed nor a span of ``blocked[row]`` (markers in
    the way); None when no row is free (left unwritten)."""
    taken: list[list[tuple[float, float]]] = [[] for _ in range(max(rows, 1))]
    for free, spans in zip(taken, blocked, strict=False):
        free.extend(spans)
    placed: list[int | None] = [None] * len(lefts)
    for i in order:
        a, b = lefts[i], lefts[i] + widths[i]
        for row, spans in enumerate(taken):
            if all(b <= left or a >= right for left, right in spans):
                spans.append((a, b))
                placed[i] = row
                break
    return placed


# ---------------------------------------------------------------- drawing


def _label_width(text: str, size: float) -> float:
    """Rough width of a label as a fraction of the axes width (DejaVu Sans ≈ 0.6 em)."""
    return (len(text) + 2) * size * 0.62 / 72 / (WIDTH_IN * (_RIGHT - _LEFT))


def _moment_label(moment: Moment) -> str:
    name = clean_text(moment.name, MAX_LABEL_CHARS)
    return f"{name} ?" if is_uncertain(moment) else name


def _line_style(moment: Moment) -> tuple[str, str, float, str]:
    return LINE_STYLES.get(moment.kind, _OTHER_LINE)


def _num(when: datetime) -> float:
    from matplotlib import dates as mdates

    return float(mdates.date2num(when))


def _fraction(p: Plan, when: datetime) -> float:
    return (aware(when) - p.start) / (p.end - p.start)


def _flip(x: float, width: float) -> bool:
    """Write a label leftwards of its point when it would run past the right edge."""
    return x + width > 1.0 and x - width >= 0.0


def _label_rows(p: Plan, size: float) -> tuple[list[tuple[Moment, str]], list[int]]:
    ranked = sorted((*p.bands, *p.lines), key=lambda m: (_LABEL_ORDER.get(m.kind, 9), m.start))
    chosen = set(map(id, ranked[:MAX_MOMENT_LABELS]))
    labels = [(m, _moment_label(m)) for m in (*p.bands, *p.lines) if id(m) in chosen]
    xs = [_fraction(p, max(aware(m.start), p.start)) for m, _ in labels]
    widths = [_label_width(text, size) for _, text in labels]
    lefts = [x - w if _flip(x, w) else x for x, w in zip(xs, widths, strict=True)]
    return labels, stagger(lefts, widths, MAX_LABEL_ROWS)


def _draw_periods(p: Plan, axes: Iterable[Axes]) -> None:
    for ax in axes:
        for band in p.bands:
            colour, alpha, _ = BAND_STYLES.get(band.kind, ("#cccccc", 0.3, ""))
            ax.axvspan(
                _num(band.start), _num(band.until), color=colour, alpha=alpha, lw=0, zorder=0
            )
        for line in p.lines:
            colour, style, width, _ = _line_style(line)
            ax.axvline(_num(line.start), color=colour, ls=style, lw=width, zorder=1)


def _draw_moment_labels(p: Plan, cal: Axes, size: float) -> int:
    """Moment names above the lanes, staggered; returns the number of rows used."""
    labels, rows = _label_rows(p, size)
    for (moment, text), row in zip(labels, rows, strict=True):
        x = _num(max(aware(moment.start), p.start))
        right = _flip(_fraction(p, moment.start), _label_width(text, size))
        colour = (
            BAND_STYLES.get(moment.kind, ("#cccccc",))[0]
            if _is_band(moment)
            else _line_style(moment)[0]
        )
        cal.annotate(
            text,
            (x, row + 0.5),
            xytext=(-3 if right else 3, 0),
            textcoords="offset points",
            fontsize=size,
            va="center",
            ha="right" if right else "left",
            parse_math=False,
            style="italic" if is_uncertain(moment) else "normal",
            color="#7a0000" if moment.kind == "silence" else "#1a1a1a",
            bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": colour, "lw": 0.6},
            annotation_clip=False,
            zorder=3,
        )
    return (max(rows) + 1) if rows else 1


def _bin_size(count: int) -> float:
    """Marker area of a bin of ``count`` events: a few fixed steps (few SVG shapes), bounded."""
    for limit, size in _BIN_SIZES:
        if count <= limit:
            return size
    return _BIN_SIZES[-1][1]


def event_label_rows(p: Plan, lane: str) -> list[tuple[Mark, bool, int | None]]:
    """The labelled marks of ``lane``, whether each label is written leftwards, and its
    row (0 above the lane's middle, 1 below; None: left unwritten). The most severe are
    placed first; a row is refused where the label would cover another label or a
    marker stacked on that side of the lane (:data:`STACK_OFFSETS`)."""
    marks = [m for m in p.marks if m.lane == lane and m.label]
    xs = [_fraction(p, m.time) for m in marks]
    widths = [_label_width(m.label, 6.5) for m in marks]
    flips = [_flip(x, w) for x, w in zip(xs, widths, strict=True)]
    gap = LABEL_GAP_PT / 72 / (WIDTH_IN * (_RIGHT - _LEFT)) * (1 + 2 * _PAD)
    lefts = [x - gap - w if f else x + gap for x, w, f in zip(xs, widths, flips, strict=True)]
    order = sorted(range(len(marks)), key=lambda i: (-marks[i].severity.rank, xs[i]))
    half = marker_width(p.start, p.end) / (p.end - p.start) / 2
    blocked: list[list[tuple[float, float]]] = [[], []]
    for m in p.marks:
        if m.lane == lane and m.offset:
            x = _fraction(p, m.time)
            blocked[0 if m.offset > 0 else 1].append((x - half, x + half))
    rows = fit_labels(lefts, widths, 2, order, blocked)
    return list(zip(marks, flips, rows, strict=True))


def _draw_event_labels(p: Plan, ax: Axes, lanes_y: dict[str, int]) -> None:
    """Summaries of the labelled events above or below their lane (see
    :func:`event_label_rows`)."""
    for lane, y in lanes_y.items():
        for mark, flip, row in event_label_rows(p, lane):
            if row is None:
                continue
            ax.annotate(
                mark.label,
                (_num(mark.time), y + (0.2 if row == 0 else -0.2)),
                xytext=(-LABEL_GAP_PT if flip else LABEL_GAP_PT, 0),  # clear of its marker
                textcoords="offset points",
                annotation_clip=False,
                fontsize=6.5,
                parse_math=False,
                style="italic" if mark.uncertain else "normal",
                va="bottom" if row == 0 else "top",
                ha="right" if flip else "left",
                clip_on=True,
                zorder=4,
            )


def _draw_marks(p: Plan, ax: Axes) -> None:
    """Markers grouped by (hollow, size), one scatter each, so SVG shares one shape per group."""
    lanes_y = {name: len(p.lanes) - 1 - i for i, name in enumerate(p.lanes)}
    groups: dict[tuple[bool, float], tuple[list[float], list[float], list[str]]] = {}
    for mark in p.marks:
        y = lanes_y[mark.lane] + mark.offset
        colour = SEVERITY_COLOURS.get(mark.severity, "#444444")
        if not p.aggregated and mark.end > mark.start:
            ax.hlines(
                y, _num(mark.start), _num(mark.end), colors=colour, lw=3, alpha=0.35, zorder=2
            )
        size = (
            _bin_size(mark.count) if p.aggregated else float(_SEVERITY_SIZES.get(mark.severity, 30))
        )
        xs, ys, colours = groups.setdefault((mark.uncertain, size), ([], [], []))
        xs.append(_num(mark.time))
        ys.append(y)
        colours.append(colour)
        if not p.aggregated and mark.count > 1:  # events merged by stack(): say how many
            ax.annotate(
                f"×{mark.count}",
                (_num(mark.time), y),
                xytext=(5, 0),
                textcoords="offset points",
                fontsize=6,
                va="center",
                parse_math=False,
                annotation_clip=True,
                zorder=6,
            )
    _draw_event_labels(p, ax, lanes_y)
    mode = "aggregated" if p.aggregated else "events"
    for (hollow, size), (xs, ys, colours) in sorted(groups.items()):
        face: Any = "none" if hollow else colours
        ax.scatter(
            xs,
            ys,
            s=size,
            facecolors=face,
            edgecolors=colours,
            linewidths=1.3 if hollow else 0.6,
            zorder=5,
            gid=f"{mode}-{'uncertain' if hollow else 'certain'}-{size:g}",
        )


_MARKED = re.compile(r"\x01(\d\d)|\x02(\d\d)")
_MONTH = "\x01%m"
_DAY = "\x02%d"
_MARKED_FORMATS = {
    "formats": ["%Y", _MONTH, _DAY, "%H:%M", "%H:%M", "%S.%f"],
    "zero_formats": ["", "%Y", _MONTH, f"{_DAY} {_MONTH}", "%H:%M", "%H:%M"],
    "offset_formats": [
        "",
        "%Y",
        f"{_MONTH} %Y",
        f"{_DAY} {_MONTH} %Y",
        f"{_DAY} {_MONTH} %Y",
        f"{_DAY} {_MONTH} %Y %H:%M",
    ],
}
"""Tick formats where the month and the day of the month are numbers after a mark,
replaced by :func:`named_months` (strftime's month names follow the process locale)."""


def named_months(label: str, months: Sequence[str]) -> str:
    """``label`` with each marked month number replaced by its name in ``months`` and
    each marked day of the month written without its leading zero."""

    def name(found: re.Match[str]) -> str:
        month, day = found.groups()
        if month is not None:
            return months[min(max(int(month), 1), 12) - 1]
        return str(int(day))

    return _MARKED.sub(name, label)


def _date_formatter(locator: Any, zone: tzinfo, months: Sequence[str] | None) -> Any:
    """matplotlib's concise date labels, with ``months`` as month names when given
    (the process locale is left alone)."""
    from matplotlib import dates as mdates

    if months is None:
        return mdates.ConciseDateFormatter(locator, tz=zone)
    names: Sequence[str] = months

    class Named(mdates.ConciseDateFormatter):
        def format_ticks(self, values: Any) -> list[str]:
            return [named_months(t, names) for t in super().format_ticks(values)]

        def get_offset(self) -> str:
            return named_months(super().get_offset(), names)

    return Named(locator, tz=zone, **_MARKED_FORMATS)


def _draw_axes(
    p: Plan, ax: Axes, cal: Axes, zone: tzinfo, zone_name: str, campaign: bool, words: Words
) -> None:
    """Lanes, time axis in ``zone`` (``campaign``: the campaign's own zone)."""
    from matplotlib import dates as mdates

    n = max(len(p.lanes), 1)
    ax.set_ylim(-0.6, n - 0.4)
    names = [words.lanes.get(name, name) for name in reversed(p.lanes)]
    ax.set_yticks(range(len(p.lanes)), names)
    for y in range(n - 1):
        ax.axhline(y + 0.5, color="#dddddd", lw=0.6, zorder=0)
    pad = (p.end - p.start) * _PAD  # markers at the very ends stay whole
    ax.set_xlim(_num(p.start - pad), _num(p.end + pad))
    locator = mdates.AutoDateLocator(tz=zone, minticks=5, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_date_formatter(locator, zone, words.months))
    where = words.axis.format(zone=zone_name) + (words.campaign_zone if campaign else "")
    ax.set_xlabel(where, fontsize=8, parse_math=False)
    ax.tick_params(labelsize=8)
    cal.tick_params(bottom=False, labelbottom=False, left=False, labelleft=False)
    for spine in cal.spines.values():
        spine.set_visible(False)
    if not p.lanes:
        ax.text(
            0.5,
            0.5,
            words.no_events,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color="#555555",
            parse_math=False,
        )


def _legend(p: Plan, fig: Figure, words: Words) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Line2D([], [], ls="", marker="o", color=c, markersize=6, label=words.severities[s])
        for s, c in SEVERITY_COLOURS.items()
    ]
    handles.append(
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markerfacecolor="none",
            color="#444444",
            markersize=6,
            label=words.uncertain,
        )
    )
    kinds = {m.kind for m in p.bands}
    for kind, (colour, alpha, _) in BAND_STYLES.items():
        if kind in kinds:
            handles.append(Patch(color=colour, alpha=alpha, label=words.bands[kind]))
    line_kinds = {_line_style(m) for m in p.lines}
    for kind, (colour, style, width, label) in (*LINE_STYLES.items(), ("other", _OTHER_LINE)):
        if (colour, style, width, label) in line_kinds:
            name = words.lines[kind]
            handles.append(Line2D([], [], color=colour, ls=style, lw=width, label=name))
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(_LEFT, 0.8 / fig.get_figheight()),
        ncol=min(len(handles), 11),
        fontsize=7,
        frameon=False,
    )


def _footnote(p: Plan, timeline: Timeline, local: bool, lang: str) -> str:
    words = words_for(lang)
    parts = []
    if p.aggregated and p.bin is not None:
        hours = f"{p.bin.total_seconds() / 3600:.3g}".replace(".", words.decimal)
        parts.append(words.aggregated.format(n=p.drawn, hours=hours))
    if p.outside:
        parts.append(words.outside.format(n=p.outside))
    parts += view_notes(timeline, local, lang)
    return clean_text("; ".join(parts), 320)


def figure(
    timeline: Timeline, *, title: str | None = None, local: bool = True, lang: str = "en"
) -> Figure:
    """The chart as a matplotlib figure (not attached to pyplot, drawn by Agg or SVG),
    its own texts in ``lang`` (:data:`LANGS`; another is an :class:`InputError`)."""
    from matplotlib.figure import Figure

    words = words_for(lang)
    timeline = drawable(timeline, lang)
    p = plan(timeline)
    zone, zone_name, zone_note = display_zone(timeline, local, lang)
    size = 7.5
    _, rows = _label_rows(p, size)
    label_rows = (max(rows) + 1) if rows else 1
    top_in = 0.15 + _ROW_IN * label_rows
    main_in = 0.5 + _LANE_IN * max(len(p.lanes), 1)
    height = _HEAD_IN + top_in + main_in + _FOOT_IN
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    grid = fig.add_gridspec(
        2,
        1,
        height_ratios=[top_in, main_in],
        hspace=0.0,
        left=_LEFT,
        right=_RIGHT,
        top=1 - _HEAD_IN / height,
        bottom=_FOOT_IN / height,
    )
    cal = fig.add_subplot(grid[0])
    ax = fig.add_subplot(grid[1], sharex=cal)
    cal.set_ylim(0, label_rows)
    _draw_periods(p, (cal, ax))
    _draw_moment_labels(p, cal, size)
    _draw_marks(p, ax)
    _draw_axes(p, ax, cal, zone, zone_name, local and zone_note is None, words)
    heading = clean_text(title if title is not None else timeline.name, 120)
    fig.suptitle(heading or words.untitled, fontsize=12, parse_math=False)
    first, last = format_time(p.start, zone), format_time(p.end, zone)
    fig.text(
        0.5,
        1 - 0.5 / height,
        words.subtitle.format(
            first=first, last=last, events=p.drawn, moments=len(p.bands) + len(p.lines)
        ),
        ha="center",
        fontsize=8,
        color="#444444",
        parse_math=False,
    )
    _legend(p, fig, words)
    fig.text(
        _LEFT,
        0.1 / height,
        _footnote(p, timeline, local, lang),
        fontsize=6.5,
        va="bottom",
        wrap=True,
        color="#444444",
        parse_math=False,
    )
    return fig


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context(
        {
            "svg.hashsalt": _SVG_SALT,
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "text.usetex": False,
            "path.simplify": True,
        }
    )


def _image(timeline: Timeline, fmt: str, title: str | None, local: bool, lang: str) -> bytes:
    """The chart encoded as ``png`` or ``svg``."""
    buffer = io.BytesIO()
    with _rc(), warnings.catch_warnings():
        # a glyph DejaVu lacks (CJK, emoji) is drawn as a box: not worth a warning per glyph
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        fig = figure(timeline, title=title, local=local, lang=lang)
        metadata = _SVG_METADATA if fmt == "svg" else {"Software": "Rempart"}
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> Path:
    try:
        path.write_bytes(data)
    except OSError as e:
        raise InputError(f"{path}: cannot write: {e.strerror or e}") from e
    return path


def render(
    timeline: Timeline,
    path: str | Path,
    *,
    title: str | None = None,
    local: bool = True,
    lang: str = "en",
) -> Path:
    """Write the chart to ``path`` as PNG or SVG (chosen by its suffix); returns the path.

    The chart's own texts (lanes, legend, axis, notes, month names) are in ``lang``,
    ``en`` or ``fr``. Raises :class:`InputError` for another language, another suffix
    or a file that cannot be written.
    """
    words_for(lang)
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InputError(f"{path}: a chart is written as .png or .svg (or .html), not {fmt!r}")
    return _write(path, _image(timeline, fmt, title, local, lang))


# ---------------------------------------------------------------- HTML

_ROOT = re.compile(r"<svg\b[^>]*>")
_XMLNS = re.compile(r'\s+xmlns(?::[\w-]+)?="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)

_CSS = """
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:1.5em;color:#1a1a1a;font-size:14px}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em}
.meta{color:#555}.chart svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.when{white-space:nowrap;font-variant-numeric:tabular-nums}
tr.uncertain td{font-style:italic;color:#555}
.tag{display:inline-block;border:1px dashed #999;border-radius:3px;padding:0 4px;
font-size:11px;font-style:normal;color:#555;margin-left:4px}
.sev{display:inline-block;min-width:4.5em;padding:0 4px;border-radius:3px;color:#fff}
.sw{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:4px;
border:1px solid #777}.legend li{margin:.15em 0}.legend ul{columns:2;padding-left:1em}
.notes li{margin:.15em 0}.summary{max-width:38em;overflow-wrap:anywhere}
"""
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def inline_svg(svg: str) -> str:
    """The SVG as an element of an HTML page: no prolog, no metadata, no namespace
    declarations (HTML does not need them, and they are the only URLs matplotlib writes)."""
    body = _METADATA.sub("", svg[svg.find("<svg") :])
    root = _ROOT.match(body)
    if root is None:
        return ""
    tag = _XMLNS.sub("", root.group(0)).replace("<svg", '<svg role="img"', 1)
    return tag + body[root.end() :]


def _e(text: object, limit: int = MAX_TEXT) -> str:
    return html.escape(clean_text(text, limit), quote=True)


def _w(text: str) -> str:
    """One of the page's own texts (from :class:`Words`) as HTML."""
    return html.escape(text, quote=False)


def _severity_cell(severity: Severity, words: Words) -> str:
    colour = SEVERITY_COLOURS.get(severity, "#444444")
    name = words.severities.get(severity, severity.value)
    return f'<span class="sev" style="background:{colour}">{_e(name, 20)}</span>'


def _flags(item: Moment | TimelineEvent, words: Words) -> str:
    tags = []
    if is_uncertain(item):
        tags.append(f'<span class="tag">{_w(words.uncertain)}</span>')
    if item.zone_assumed:
        tags.append(f'<span class="tag">{_w(words.zone_assumed)}</span>')
    return "".join(tags)


def _row_class(item: Moment | TimelineEvent) -> str:
    return ' class="uncertain"' if is_uncertain(item) else ""


def _moment_rows(timeline: Timeline, zone: tzinfo, words: Words) -> list[str]:
    rows = []
    for m in sorted(timeline.moments, key=lambda m: (aware(m.start), m.name)):
        local = format_time(m.start, zone, m.precision, m.zone)
        utc = format_time(m.start, UTC, m.precision, m.zone)
        end = format_time(m.end, zone, m.precision, m.zone) if m.end else ""
        rows.append(
            f'<tr{_row_class(m)}><td class="when">{_e(local)}</td><td class="when">{_e(utc)}</td>'
            f'<td class="when">{_e(end)}</td><td>{_e(m.name)}{_flags(m, words)}</td>'
            f"<td>{_e(m.kind)}</td>"
            f"<td>{_e(m.certainty.value)}</td><td>{_e(m.precision.value)}</td>"
            f'<td class="summary">{_e(m.source)}</td></tr>'
        )
    return rows


def _event_rows(events: Sequence[TimelineEvent], zone: tzinfo, words: Words) -> list[str]:
    rows = []
    for e in events:
        lane = lane_of(e.kind)
        local = format_time(e.time, zone, e.precision, e.zone)
        utc = format_time(e.time, UTC, e.precision, e.zone)
        rows.append(
            f'<tr{_row_class(e)}><td class="when">{_e(local)}</td><td class="when">{_e(utc)}</td>'
            f"<td>{_e(e.kind, 80)}<br><small>{_e(words.lanes.get(lane, lane))}</small></td>"
            f"<td>{_severity_cell(e.severity, words)}</td><td>{_e(e.certainty.value)}</td>"
            f"<td>{_e(e.precision.value)}</td><td>{_e(e.source, 200)}</td>"
            f'<td class="summary">{_e(e.summary)}{_flags(e, words)}</td></tr>'
        )
    return rows


def _legend_html(p: Plan, words: Words) -> str:
    items = [
        f'<li><span class="sw" style="background:{c}"></span>'
        f"{_w(words.severities[s])} {_w(words.filled)}</li>"
        for s, c in SEVERITY_COLOURS.items()
    ]
    before, _, after = words.hollow.partition("{tag}")
    items.append(
        f'<li><span class="sw" style="background:none"></span>{_w(before)}'
        f'<span class="tag">{_w(words.uncertain)}</span>{_w(after)}</li>'
    )
    for kind, (colour, alpha, _) in BAND_STYLES.items():
        items.append(
            f'<li><span class="sw" style="background:{colour};opacity:{alpha + 0.2}">'
            f"</span>{_w(words.band.format(label=words.bands[kind]))}</li>"
        )
    for kind, (colour, style, _, _) in (*LINE_STYLES.items(), ("other", _OTHER_LINE)):
        border = {"-": "solid", "--": "dashed"}.get(style, "dotted")
        items.append(
            f'<li><span class="sw" style="border:0;border-left:3px {border} {colour}">'
            f"</span>{_w(words.line.format(label=words.lines[kind]))}</li>"
        )
    if p.aggregated:
        note = words.aggregated_html.format(n=p.drawn, bins=BINS)
        items.append(f"<li>{_w(note)}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def html_page(
    timeline: Timeline,
    svg: str,
    *,
    title: str | None = None,
    local: bool = True,
    lang: str = "en",
) -> str:
    """The whole page: heading, notes, the inlined chart, legend, moments and events;
    its own texts in ``lang``."""
    words = words_for(lang)
    timeline = drawable(timeline, lang)
    p = plan(timeline)
    zone, zone_name, _ = display_zone(timeline, local, lang)
    heading = _e(title if title is not None else timeline.name, 200) or _w(words.untitled)
    events = sorted(timeline.events, key=lambda e: (aware(e.time), e.kind, e.id))
    notes = view_notes(timeline, local, lang)
    if len(events) > MAX_TABLE_EVENTS:
        more = len(events) - MAX_TABLE_EVENTS
        notes.append(words.only_first.format(limit=MAX_TABLE_EVENTS, more=more))
    zone_cell = _e(zone_name, 60)
    head = f"<th>{_w(words.local).format(zone=zone_cell)}</th><th>UTC</th>"
    meta = _w(words.meta).format(
        first=_e(format_time(p.start, zone)),
        last=_e(format_time(p.end, zone)),
        moments=len(timeline.moments),
        events=len(events),
        zone=zone_cell,
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{words.html_lang}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{heading}</title><style>{_CSS}</style></head><body>",
        f"<h1>{heading}</h1>",
        f'<p class="meta">{meta}</p>',
    ]
    if notes:
        parts.append(
            f'<section class="notes"><h2>{_w(words.notes)}</h2><ul>'
            + "".join(f"<li>{_e(n)}</li>" for n in notes)
            + "</ul></section>"
        )
    parts += [
        f'<figure class="chart">{svg}</figure>',
        f'<section class="legend"><h2>{_w(words.legend)}</h2>{_legend_html(p, words)}</section>',
        f"<h2>{_w(words.moments)}</h2><table><thead><tr>{head}{_heads(words.moment_heads)}"
        "</tr></thead><tbody>",
        *_moment_rows(timeline, zone, words),
        "</tbody></table>",
        f"<h2>{_w(words.events)}</h2><table><thead><tr>{head}{_heads(words.event_heads)}"
        "</tr></thead><tbody>",
        *_event_rows(events[:MAX_TABLE_EVENTS], zone, words),
        "</tbody></table>",
        f'<p class="meta">{_w(words.footer)}</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _heads(names: Iterable[str]) -> str:
    return "".join(f"<th>{_w(name)}</th>" for name in names)


def render_html(
    timeline: Timeline,
    path: str | Path,
    *,
    title: str | None = None,
    local: bool = True,
    lang: str = "en",
) -> Path:
    """Write one self-contained HTML page (chart inlined, tables below), its own texts
    in ``lang`` (``en`` or ``fr``; another is an :class:`InputError`); returns the path."""
    words_for(lang)
    svg = inline_svg(_image(timeline, "svg", title, local, lang).decode("utf-8"))
    page = html_page(timeline, svg, title=title, local=local, lang=lang)
    return _write(Path(path), page.encode("utf-8"))
