"""Do security events fall nearer strategic moments than chance would put them?

The question behind ``rempart timeline analyze``: leaks, phishing waves or
floods against a campaign — do they land in the hours before a silence period,
a debate, a round, more often than chance would? Moments and windows must be
declared *before* looking at the events (in the campaign file or on the command
line); otherwise any pattern can be found after the fact.

What is computed, for each window (for example ``6h before``, ``24h before``,
``±12h around``: a window is a span ``before`` and ``after`` a moment's start,
or its end):

1. **Rotation test** (circular-shift randomisation; DeRuiter & Solow 2008,
   "A rotation test for behavioural point-process data", Anim. Behav. 76; as in
   R ``tagtools::rotation_test``). The statistic is the number of events inside
   any window. The null moves *all* event times together by one uniform random
   offset, wrapping around the study period: the events keep their own rhythm
   (daily batches stay daily batches), only their placement relative to the
   calendar changes. A naive shuffle, which scatters events independently,
   would wrongly flag a cluster of events that merely happens to overlap a
   busy part of the calendar. One-sided p-value ``(1 + rotations with at least
   as many events in windows) / (1 + rotations)``. Effect size: observed count
   against the count expected by chance (events × share of the period the
   windows cover: the exact mean of the rotation null), as a rate ratio. The
   exact p-value over *all* rotations is also computed by a sweep when small
   enough (a check on the random one). A second statistic, the mean distance
   from each event to the nearest moment, is tested with the same rotations.
2. **Event coincidence analysis** (Donges, Schleussner, Siegmund & Donner 2016,
   Eur. Phys. J. Spec. Top. 225:471, doi:10.1140/epjst/e2015-50233-y). With the
   moments as series A and the events as series B, the *precursor* coincidence
   rate is the share of moments that have an event in their window (an event
   came before the moment), the *trigger* coincidence rate the share of events
   that fall in some moment's window. A window ``before``/``after`` is the
   paper's tolerance ΔT = before + after with lag τ = −after. Significance by
   the same rotations, and by the paper's analytical null (eq. 4–5: binomial
   counts under independent Poisson events, with ΔT/T as the chance that one
   event falls in one window) as a second figure that ignores clustering.
3. **Several windows**: the rotation p-values are corrected by Holm's method
   (Holm 1979; Bonferroni on request). Every declared window counts, including
   those too thin to test (given p = 1), so the correction cannot be gamed by
   dropping windows. Raw and corrected p-values are both reported; only the
   count test is corrected, the other figures are descriptive.
4. **Time of day**: the Rayleigh test of the events' local clock times against
   a uniform day (Zar, Biostatistical Analysis, 4th ed., eq. 27.4, after
   Greenwood & Durand 1955). The case notes stress it: the Podesta mail came in
   daily batches, mostly early in the morning, so *days* near a moment prove
   little while the *hour* of a release (Friday 16:32 EDT, within the hour of a
   damaging story) says more. Rayleigh sees one peak only (not a morning plus
   an evening habit).

An event counts at its start (``time``), a moment at its start or end as the
window says. Honesty rules. Only events and moments whose time is precise
enough for the window are used: the error a precision allows (minute 1 min,
hour 1 h, day 24 h, month 31 d) must be at most a quarter of the window's
width, so a ±6 h window needs hour precision; the others are listed with the
reason. Below
:data:`MIN_EVENTS` events, or when even the most favourable placement of these
events could not give a corrected p below α (the smallest achievable p-value
is the share of rotations reaching the best count, times the number of
windows, and never below 1 / (1 + rotations)), the answer is "too few events to
say anything", with the reason — the coincidences are still listed. A small
p-value says the timing is unlikely by chance, not who acted or why.

A property worth knowing: a rotation shorter than a window keeps aligned
events aligned, so the rotation p-value can never go much below the window's
width over the study period (a 24 h window in a 90-day campaign: about 0.01),
and daily releases make every day-wide window look "hit" under every rotation
(the Podesta batches: the test then says, rightly, that it cannot tell).

scipy is not a declared dependency, so the two closed formulas needed (the
binomial tail of the analytical null and the Rayleigh p-value) are written
here; numpy does the rest. Everything is a pure function of its inputs and the
seed; results are frozen dataclasses whose ``lines()`` give the plain-words
report.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from rempart.timeline.model import Moment, Precision, Problem, Timeline, TimelineEvent

log = logging.getLogger(__name__)

Array = npt.NDArray[np.float64]

MIN_EVENTS = 3
"""Fewer events than this: nothing is tested, whatever the windows."""
DEFAULT_RANDOMISATIONS = 9_999
MAX_RANDOMISATIONS = 99_999
MAX_EVENTS = 10_000
MAX_MOMENTS = 2_000
MAX_WINDOWS = 20
MAX_PAIRS = 100
"""Coincidences listed per window (the total is always given)."""
MAX_LISTED = 10
"""Excluded items and clock times shown in the report (the total is always given)."""
MAX_WINDOW = timedelta(days=366)
DISTANCE_BUDGET = 20_000_000
"""Events × rotations for the mean-distance statistic; fewer rotations beyond it."""
SWEEP_BUDGET = 2_000_000
"""Events × window intervals for the exact distribution over all rotations."""
CHUNK = 1_000_000
"""Cells of one numpy block (rotations × intervals or events)."""
CORRECTIONS = ("holm", "bonferroni")
_CORRECTION_NAMES = {"holm": "Holm", "bonferroni": "Bonferroni"}

PRECISION_ERROR = {
    Precision.MINUTE: timedelta(minutes=1),
    Precision.HOUR: timedelta(hours=1),
    Precision.DAY: timedelta(days=1),
    Precision.MONTH: timedelta(days=31),
}
"""How far off a time of each precision may be."""

DAY_SECONDS = 86_400.0


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """A span around each moment where an event counts as near it."""

    before: timedelta
    """How long before the anchor the window opens."""
    after: timedelta = timedelta(0)
    """How long after the anchor it closes."""
    anchor: str = "start"
    """``start`` or ``end`` of the moment (a period's end, e.g. when polls close)."""
    label: str = ""
    """How the user wrote it (``6h before``); derived when empty."""

    @property
    def width(self) -> timedelta:
        return self.before + self.after

    @property
    def needs(self) -> Precision:
        """The coarsest precision whose error is at most a quarter of the width."""
        fitting = [p for p in Precision if PRECISION_ERROR[p] * 4 <= self.width]
        return fitting[-1] if fitting else Precision.MINUTE

    @property
    def name(self) -> str:
        return self.label or self.describe()

    def describe(self) -> str:
        """``6 h before``, ``12 h after``, ``±12 h around``, ``6 h before to 2 h after``,
        followed by ``the end`` when anchored on the moment's end."""
        return self._span() + (" the end" if self.anchor == "end" else "")

    def phrase(self) -> str:
        """``6 h before each moment's start``: for the report."""
        return f"{self._span()} each moment's {self.anchor}"

    def _span(self) -> str:
        b, a = say_duration(self.before), say_duration(self.after)
        if not self.after:
            return f"{b} before"
        if not self.before:
            return f"{a} after"
        if self.before == self.after:
            return f"±{b} around"
        return f"{b} before to {a} after"


_DURATION = r"(\d+(?:\.\d+)?)\s*(min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)"
_UNIT_SECONDS = {"min": 60, "h": 3600, "d": 86_400, "w": 604_800}
_SIMPLE = re.compile(
    rf"^(?:±|\+/-|\+-)?\s*{_DURATION}\s+(before|after|around)(?:\s+(?:the\s+)?(start|end))?$"
)
_BOTH = re.compile(
    rf"^{_DURATION}\s+before\s*(?:,|\+|and|to)\s*{_DURATION}\s+after"
    r"(?:\s+(?:the\s+)?(start|end))?$"
)


def _duration(number: str, unit: str) -> timedelta:
    key = "min" if unit.startswith("min") else unit[0]
    return timedelta(seconds=float(number) * _UNIT_SECONDS[key])


def parse_window(text: str) -> Window | Problem:
    """A window from ``6h before``, ``24h before``, ``±12h around``, ``2d after end``,
    ``6h before, 2h after``; a :class:`Problem` naming the text when it cannot be read."""
    clean = " ".join(str(text).strip().lower().split())[:80]
    where = f"window {clean!r}"
    before = after = timedelta(0)
    anchor = "start"
    if match := _SIMPLE.match(clean):
        span = _duration(match[1], match[2])
        before = span if match[3] in ("before", "around") else timedelta(0)
        after = span if match[3] in ("after", "around") else timedelta(0)
        anchor = match[4] or "start"
    elif match := _BOTH.match(clean):
        before, after = _duration(match[1], match[2]), _duration(match[3], match[4])
        anchor = match[5] or "start"
    else:
        return Problem(where, "expected e.g. '6h before', '±12h around', '2d after end'")
    if before + after <= timedelta(0):
        return Problem(where, "the window has no width")
    if before > MAX_WINDOW or after > MAX_WINDOW:
        return Problem(where, f"longer than {MAX_WINDOW.days} days")
    return Window(before, after, anchor, clean)


# --------------------------------------------------------------------------- wording


def say_duration(span: timedelta) -> str:
    """``3 d 4 h``, ``2 h 28 min``, ``45 min`` (rounded to the minute, sign dropped)."""
    minutes = round(abs(span.total_seconds()) / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def say_offset(offset: timedelta) -> str:
    """Where an event stands from a moment: ``2 h 28 min before``, ``3 d after``."""
    if abs(offset) < timedelta(seconds=30):
        return "at the moment"
    return f"{say_duration(offset)} {'before' if offset < timedelta(0) else 'after'}"


def say_p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return f"{p:.2g}" if p < 0.001 else f"{p:.4f}".rstrip("0").rstrip(".")


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _when(time: datetime, zone: str) -> str:
    tz = _zone(zone) or ZoneInfo("UTC")
    return time.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


# --------------------------------------------------------------------------- small formulas


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space (no scipy needed)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq, top = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    terms = [
        top - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq
        for i in range(k, n + 1)
    ]
    peak = max(terms)
    return min(1.0, math.exp(peak) * math.fsum(math.exp(t - peak) for t in terms))


def holm(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm's step-down adjusted p-values, in the order given (Holm 1979)."""
    m = len(p_values)
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda j: p_values[j])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return tuple(adjusted)


def bonferroni(p_values: Sequence[float]) -> tuple[float, ...]:
    """Bonferroni adjusted p-values: each times the number of tests, at most 1."""
    return tuple(min(1.0, len(p_values) * p) for p in p_values)


def rayleigh(angles: Sequence[float] | Array) -> tuple[float, float, float]:
    """Rayleigh test of uniformity on the circle: (mean resultant length R̄, Z = nR̄², p).

    p = exp(√(1 + 4n + 4(n² − Rₙ²)) − (1 + 2n)) (Zar eq. 27.4), good from n ≈ 4 and
    slightly conservative below."""
    theta = np.asarray(angles, dtype=float)
    n = len(theta)
    if n == 0:
        return 0.0, 0.0, 1.0
    r_n = math.hypot(float(np.cos(theta).sum()), float(np.sin(theta).sum()))
    p = math.exp(math.sqrt(max(0.0, 1 + 4 * n + 4 * (n * n - r_n * r_n))) - (1 + 2 * n))
    return r_n / n, r_n * r_n / n, min(1.0, max(0.0, p))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Coincidence:
    """One event inside one moment's window."""

    event_id: str
    event_time: datetime
    summary: str
    moment: str
    moment_time: datetime
    """The anchor: the moment's start (or end, per the window)."""
    offset: timedelta
    """Event time minus anchor: negative when the event came before."""

    def line(self, zone: str = "UTC") -> str:
        return (
            f"{_when(self.event_time, zone)}  {self.summary[:70]} — "
            f"{say_offset(self.offset)} {self.moment[:60]!r}"
        )


@dataclass(frozen=True)
class WindowResult:
    """What one window says: counts, effect size, p-values, coincidences, exclusions."""

    window: Window
    events: int
    """Events precise enough and inside the study period."""
    moments: int
    """Moments precise enough whose window meets the study period."""
    coverage: float
    """Share of the study period inside some window."""
    observed: int
    """Events inside some window."""
    expected: float
    """Events chance would put there: ``events × coverage``."""
    moments_hit: int
    """Moments with at least one event in their window."""
    coincidences: tuple[Coincidence, ...] = ()
    """Up to :data:`MAX_PAIRS`, by event time."""
    coincidences_total: int = 0
    excluded: tuple[Problem, ...] = ()
    """Events and moments left out, each with the reason."""
    too_few: str | None = None
    """Why nothing was tested; None when tested."""
    rotations: int = 0
    p_rotation: float | None = None
    """One-sided rotation p-value of the count, before correction."""
    p_corrected: float | None = None
    """After Holm's (or Bonferroni's) correction across the declared windows."""
    p_exact: float | None = None
    """The same p-value over all rotations (a sweep), when small enough to compute."""
    p_floor: float | None = None
    """The smallest p-value these events could give, however they were placed."""
    p_precursor: float | None = None
    """Rotation p-value of the number of moments with an event in their window."""
    p_precursor_poisson: float | None = None
    p_trigger_poisson: float | None = None
    """Analytical p-values of Donges et al. (independent events: ignore clustering)."""
    mean_distance: timedelta | None = None
    """Mean distance from an event to the nearest moment."""
    chance_distance: timedelta | None = None
    """The same under the rotations (mean)."""
    p_distance: float | None = None
    """Share of rotations bringing the events at least as close (one-sided)."""
    distance_rotations: int = 0

    @property
    def tested(self) -> bool:
        return self.p_rotation is not None

    @property
    def rate_ratio(self) -> float | None:
        """Observed over expected count; None when nothing was expected."""
        return self.observed / self.expected if self.expected > 0 else None

    @property
    def precursor_rate(self) -> float | None:
        """Share of moments preceded (within the window) by an event."""
        return self.moments_hit / self.moments if self.moments else None

    @property
    def trigger_rate(self) -> float | None:
        """Share of events inside a moment's window."""
        return self.observed / self.events if self.events else None

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_corrected is not None and self.p_corrected < alpha

    def verdict(self, alpha: float = 0.05, correction: str = "holm") -> str:
        if self.too_few:
            return f"Too few events to say anything: {self.too_few}."
        p = say_p(self.p_corrected)
        if self.significant(alpha):
            return f"More events in these windows than chance would put there (corrected p = {p})."
        return (
            f"No evidence that these events fall nearer the moments than chance "
            f"(corrected p = {p})."
        )

    def lines(self, zone: str = "UTC", alpha: float = 0.05, correction: str = "holm") -> list[str]:
        w = self.window
        out = [
            f"Window {w.name!r} ({w.phrase()}; needs {w.needs.value} "
            f"precision or better): {self.events} events, {self.moments} moments."
        ]
        ratio = f", {self.rate_ratio:.1f}× that" if self.rate_ratio is not None else ""
        out.append(
            f"  {self.observed} of {self.events} events fall in a window; chance would put "
            f"{self.expected:.1f} there (the windows cover {self.coverage:.1%} of the "
            f"period){ratio}."
        )
        if self.tested:
            exact = f" (over all rotations: {say_p(self.p_exact)})" if self.p_exact else ""
            out.append(
                f"  rotation p = {say_p(self.p_rotation)}{exact}, {self.rotations:,} rotations; "
                f"{_CORRECTION_NAMES.get(correction, correction)}-corrected p = "
                f"{say_p(self.p_corrected)}."
            )
        out.append(f"  → {self.verdict(alpha, correction)}")
        if self.moments:
            tests = (
                f"; rotation p = {say_p(self.p_precursor)}, Poisson-null p = "
                f"{say_p(self.p_precursor_poisson)}"
                if self.tested
                else ""
            )
            out.append(
                f"  moments with an event in their window: {self.moments_hit} of {self.moments} "
                f"(precursor coincidence rate {self.precursor_rate:.2f}){tests}."
            )
        out.extend(self._clustering_lines(alpha))
        if self.mean_distance is not None and self.chance_distance is not None:
            out.append(
                f"  mean distance to the nearest moment: {say_duration(self.mean_distance)}; "
                f"chance: {say_duration(self.chance_distance)} (p = {say_p(self.p_distance)}, "
                f"{self.distance_rotations:,} rotations)."
            )
        if self.coincidences_total:
            out.append(f"  coincidences ({self.coincidences_total}):")
            out += [f"    {c.line(zone)}" for c in self.coincidences]
            if self.coincidences_total > len(self.coincidences):
                out.append(f"    … and {self.coincidences_total - len(self.coincidences)} more")
        if self.excluded:
            out.append(f"  not used ({len(self.excluded)}):")
            out += [f"    {p.line()}" for p in self.excluded[:MAX_LISTED]]
            if len(self.excluded) > MAX_LISTED:
                out.append(f"    … and {len(self.excluded) - MAX_LISTED} more")
        return out

    def _clustering_lines(self, alpha: float) -> list[str]:
        """Say so when treating the events as independent would change the answer."""
        naive, rotation = self.p_trigger_poisson, self.p_rotation
        if naive is None or rotation is None or not (naive < alpha <= rotation):
            return []
        return [
            f"  note: the events come in clusters; a test that treats them as independent "
            f"(Poisson null) would say p = {say_p(naive)}. The rotation test keeps the "
            f"clusters together, which is why it is the one used."
        ]


@dataclass(frozen=True)
class ClockResult:
    """Are the events' local clock times spread over the day, or concentrated?"""

    zone: str
    events: int
    """Events precise to the hour or better."""
    resultant: float = 0.0
    """Mean resultant length R̄: 0 spread over the day, 1 all at the same minute."""
    z: float = 0.0
    p: float | None = None
    """Rayleigh p-value (None when not tested)."""
    mean_time: str | None = None
    """Mean clock time (``07:12``) when tested."""
    unusual: str | None = None
    """The event farthest from the mean clock time, with its distance."""
    times: tuple[str, ...] = ()
    """``2016-10-07 Fri 16:32 EDT  summary`` for the first events (bounded)."""
    excluded: tuple[Problem, ...] = ()
    too_few: str | None = None

    def lines(self, alpha: float = 0.05) -> list[str]:
        out = [f"Time of day ({self.zone}), Rayleigh test against times spread over the day:"]
        if self.too_few:
            out.append(f"  → Too few events to say anything: {self.too_few}.")
        else:
            found = (
                "concentrated around one time of day"
                if self.p is not None and self.p < alpha
                else "no evidence of one preferred time of day"
            )
            out.append(
                f"  {self.events} events, mean time {self.mean_time}, concentration "
                f"R̄ = {self.resultant:.2f}, p = {say_p(self.p)} → {found}."
            )
            if self.unusual:
                out.append(f"  farthest from the mean time: {self.unusual}")
            out.append("  (one peak only: a morning and an evening habit together would be missed)")
        out += [f"    {t}" for t in self.times]
        if self.events > len(self.times):
            out.append(f"    … and {self.events - len(self.times)} more")
        if self.excluded:
            out.append(f"  not used ({len(self.excluded)}):")
            out += [f"    {p.line()}" for p in self.excluded[:MAX_LISTED]]
        return out


@dataclass(frozen=True)
class Analysis:
    """The whole answer: every declared window, corrected together, and the time of day."""

    period: tuple[datetime, datetime]
    zone: str
    """Zone for times shown and for the clock test."""
    events: int
    """Events given (before precision and period filtering)."""
    moments: int
    seed: int
    randomisations: int
    alpha: float = 0.05
    correction: str = "holm"
    windows: tuple[WindowResult, ...] = ()
    clock: ClockResult | None = None
    problems: tuple[Problem, ...] = ()
    """Inputs that could not be used (bad windows, bad period, unknown zone)."""
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        start, end = self.period
        out = [
            "Do these events fall nearer strategic moments than chance would put them?",
            f"Study period {_when(start, self.zone)} → {_when(end, self.zone)} "
            f"({say_duration(end - start)}); {self.events} events, {self.moments} moments.",
            f"Method: the events inside the windows are counted and compared with "
            f"{self.randomisations:,} random rotations of all event times together around "
            f"the study period (seed {self.seed}), which keeps the events' own clustering "
            f"(rotation test, DeRuiter & Solow 2008; coincidence rates after Donges et al. "
            f"2016). p = (1 + rotations at least as extreme) / (1 + rotations), one-sided.",
        ]
        if len(self.windows) > 1:
            out.append(
                f"{len(self.windows)} windows: p-values corrected by "
                f"{_CORRECTION_NAMES.get(self.correction, self.correction)}'s method; a window "
                f"counts only if its corrected p < {self.alpha}."
            )
        for result in self.windows:
            out += result.lines(self.zone, self.alpha, self.correction)
        if self.clock is not None:
            out += self.clock.lines(self.alpha)
        out += [f"problem: {p.line()}" for p in self.problems]
        out += [f"note: {n}" for n in self.notes]
        out.append(
            "Caveat: moments and windows must be declared before looking at the events; "
            "a small p says the timing is unlikely by chance, not who acted or why."
        )
        return out


# --------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Setup:
    """The events and moments one window can use, as seconds from the period start."""

    events: tuple[TimelineEvent, ...]
    """Usable events, by time."""
    moments: tuple[Moment, ...]
    x: Array
    """Event positions, sorted, in [0, length)."""
    anchors: Array
    """Anchor of each usable moment (may lie outside the period)."""
    spans: Array
    """(moments, 2): each moment's window cut to the period."""
    union: Array
    """(k, 2): the windows merged, disjoint and sorted."""
    length: float
    excluded: tuple[Problem, ...]


def _precise(precision: Precision, window: Window, what: str) -> str | None:
    if precision.at_least(window.needs):
        return None
    return (
        f"{what} known only to the {precision.value}; the window {window.name!r} needs "
        f"{window.needs.value} precision or better"
    )


def _usable_events(
    events: Sequence[TimelineEvent], window: Window, period: tuple[datetime, datetime]
) -> tuple[list[TimelineEvent], list[Problem]]:
    kept: list[TimelineEvent] = []
    dropped: list[Problem] = []
    for event in events:
        where = f"event {event.id or event.summary[:40]}"
        if event.time.tzinfo is None:
            dropped.append(Problem(where, "time without a zone"))
        elif reason := _precise(event.precision, window, "time"):
            dropped.append(Problem(where, reason))
        elif not period[0] <= event.time < period[1]:
            dropped.append(Problem(where, "outside the study period"))
        else:
            kept.append(event)
    return sorted(kept, key=lambda e: e.time), dropped


def _anchor(moment: Moment, window: Window) -> datetime:
    return moment.until if window.anchor == "end" else moment.start


def _usable_moments(
    moments: Sequence[Moment], window: Window, period: tuple[datetime, datetime]
) -> tuple[list[Moment], list[Problem]]:
    kept: list[Moment] = []
    dropped: list[Problem] = []
    for moment in moments:
        where = f"moment {moment.name[:60]!r}"
        anchor = _anchor(moment, window)
        if anchor.tzinfo is None:
            dropped.append(Problem(where, "time without a zone"))
        elif reason := _precise(moment.precision, window, "time"):
            dropped.append(Problem(where, reason))
        elif anchor + window.after < period[0] or anchor - window.before >= period[1]:
            dropped.append(Problem(where, "its window falls outside the study period"))
        else:
            kept.append(moment)
    return kept, dropped


def _merge(spans: Array) -> Array:
    """Sorted, disjoint union of closed intervals."""
    if len(spans) == 0:
        return np.zeros((0, 2))
    order = spans[np.argsort(spans[:, 0], kind="stable")]
    merged = [list(order[0])]
    for lo, hi in order[1:]:
        if lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return np.array(merged, dtype=float)


def _setup(
    events: Sequence[TimelineEvent],
    moments: Sequence[Moment],
    window: Window,
    period: tuple[datetime, datetime],
) -> _Setup:
    start, end = period
    length = (end - start).total_seconds()
    kept_events, dropped_events = _usable_events(events, window, period)
    kept_moments, dropped_moments = _usable_moments(moments, window, period)
    x = np.array([(e.time - start).total_seconds() for e in kept_events], dtype=float)
    anchors = np.array(
        [(_anchor(m, window) - start).total_seconds() for m in kept_moments], dtype=float
    )
    top = float(np.nextafter(length, 0.0))  # the period is [start, end): keep off the wrap
    spans = np.column_stack(
        [
            np.clip(anchors - window.before.total_seconds(), 0.0, top),
            np.clip(anchors + window.after.total_seconds(), 0.0, top),
        ]
    ).reshape(-1, 2)
    return _Setup(
        events=tuple(kept_events),
        moments=tuple(kept_moments),
        x=x,
        anchors=anchors,
        spans=spans,
        union=_merge(spans),
        length=length,
        excluded=tuple(dropped_events + dropped_moments),
    )


# --------------------------------------------------------------------------- computation


def rotated_counts(x: Array, spans: Array, offsets: Array, length: float) -> npt.NDArray[np.int64]:
    """Events in each span once every event is moved by each offset (wrapping around).

    ``x`` sorted in [0, length); returns (offsets, spans). An event at ``(x + u) mod L``
    lies in ``[lo, hi]`` exactly when ``x`` lies in ``[lo − u, hi − u] mod L``, so each cell
    is two binary searches in the sorted events, whatever their number."""
    rows = len(offsets)
    out = np.zeros((rows, len(spans)), dtype=np.int64)
    if rows == 0 or len(spans) == 0 or len(x) == 0:
        return out
    width = spans[:, 1] - spans[:, 0]
    step = max(1, CHUNK // len(spans))
    for first in range(0, rows, step):
        u = offsets[first : first + step, None]
        lo = np.mod(spans[None, :, 0] - u, length)
        hi = lo + width[None, :]
        main = np.searchsorted(x, np.minimum(hi, length), "right") - np.searchsorted(x, lo, "left")
        wrapped = np.where(hi >= length, np.searchsorted(x, hi - length, "right"), 0)
        out[first : first + step] = main + wrapped
    return out


def exact_distribution(x: Array, union: Array, length: float) -> Array | None:
    """Share of all rotations giving each count of events in the windows (index = count).

    The count as a function of the offset is a step function; its steps are where an
    event enters or leaves a window, so sorting those points gives the distribution
    exactly. None when events × intervals exceed :data:`SWEEP_BUDGET`."""
    n, k = len(x), len(union)
    if n == 0 or k == 0 or n * k > SWEEP_BUDGET:
        return None
    enter = np.mod(union[None, :, 0] - x[:, None], length).ravel()
    leave = enter + np.tile(union[:, 1] - union[:, 0], n)
    wraps = leave > length
    points = np.concatenate([enter, np.where(wraps, leave - length, leave)])
    steps = np.concatenate([np.ones(n * k), -np.ones(n * k)])
    order = np.argsort(points, kind="stable")
    initial = int(wraps.sum())
    values = np.concatenate([[initial], initial + np.cumsum(steps[order])]).astype(np.int64)
    edges = np.concatenate([[0.0], points[order], [length]])
    shares = np.bincount(np.clip(values, 0, n), weights=np.diff(edges), minlength=n + 1)
    return np.asarray(shares / length, dtype=float)


def _mean_distances(x: Array, anchors: Array, offsets: Array, length: float) -> Array:
    """Mean distance from the (rotated) events to the nearest anchor, per offset."""
    points = np.sort(anchors)
    out = np.empty(len(offsets))
    step = max(1, CHUNK // max(1, len(x)))
    for first in range(0, len(offsets), step):
        y = np.mod(x[None, :] + offsets[first : first + step, None], length)
        idx = np.searchsorted(points, y)
        left = points[np.clip(idx - 1, 0, len(points) - 1)]
        right = points[np.clip(idx, 0, len(points) - 1)]
        out[first : first + step] = np.minimum(np.abs(y - left), np.abs(y - right)).mean(axis=1)
    return out


def _coincidences(setup: _Setup, window: Window) -> tuple[list[Coincidence], int, set[int]]:
    """Every (event, moment) pair inside the moment's window; moments hit."""
    pairs: list[Coincidence] = []
    hit: set[int] = set()
    for j, moment in enumerate(setup.moments):
        lo, hi = setup.spans[j]
        first = int(np.searchsorted(setup.x, lo, "left"))
        last = int(np.searchsorted(setup.x, hi, "right"))
        anchor = _anchor(moment, window)
        for event in setup.events[first:last]:
            hit.add(j)
            pairs.append(
                Coincidence(event.id, event.time, event.summary, moment.name, anchor,
                            event.time - anchor)
            )  # fmt: skip
    pairs.sort(key=lambda c: (c.event_time, c.moment_time))
    return pairs[:MAX_PAIRS], len(pairs), hit


def _too_few(setup: _Setup) -> str | None:
    n, m = len(setup.x), len(setup.moments)
    if n < MIN_EVENTS:
        return f"{n} event{'s' * (n != 1)} precise enough in the period (at least {MIN_EVENTS})"
    if m == 0:
        return "no strategic moment usable in the study period"
    covered = float((setup.union[:, 1] - setup.union[:, 0]).sum()) / setup.length
    if covered <= 0.0:
        return "the windows have no width inside the study period"
    if covered >= 1.0 - 1e-9:  # clipped just short of the end
        return "the windows cover the whole study period: nothing to compare with"
    return None


def _floor(distribution: Array | None, null: npt.NDArray[np.int64], rotations: int) -> float:
    """Smallest p-value these events could give: share of rotations reaching the best count."""
    least = 1.0 / (1 + rotations)
    if distribution is not None:
        best = int(np.flatnonzero(distribution > 0)[-1])
        return max(least, float(distribution[best]))
    best_seen = int(null.max())
    return (1 + int((null >= best_seen).sum())) / (1 + rotations)


def analyze_window(
    events: Sequence[TimelineEvent],
    moments: Sequence[Moment],
    window: Window,
    period: tuple[datetime, datetime],
    *,
    seed: int = 0,
    randomisations: int = DEFAULT_RANDOMISATIONS,
    tests: int = 1,
    alpha: float = 0.05,
) -> WindowResult:
    """One window, uncorrected (``p_corrected`` is the raw p); :func:`analyze` corrects.

    ``tests`` is the number of declared windows, used to decide whether even the best
    possible placement of the events could pass the correction."""
    randomisations = min(MAX_RANDOMISATIONS, max(1, int(randomisations)))
    if bad := _check_period(period) or _check_window(window):
        return WindowResult(window, 0, 0, 0.0, 0, 0.0, 0, too_few=bad.line())
    setup = _setup(events, moments, window, period)
    pairs, total, hit = _coincidences(setup, window)
    n, m, length = len(setup.x), len(setup.moments), setup.length
    coverage = float((setup.union[:, 1] - setup.union[:, 0]).sum()) / length if m else 0.0
    observed = int(_inside(setup.x, setup.union).sum())
    base = WindowResult(
        window=window, events=n, moments=m, coverage=coverage, observed=observed,
        expected=n * coverage, moments_hit=len(hit), coincidences=tuple(pairs),
        coincidences_total=total, excluded=setup.excluded,
    )  # fmt: skip
    if reason := _too_few(setup):
        return replace(base, too_few=reason)
    offsets = np.random.default_rng(seed).uniform(0.0, length, size=randomisations)
    null = rotated_counts(setup.x, setup.union, offsets, length).sum(axis=1)
    distribution = exact_distribution(setup.x, setup.union, length)
    floor = _floor(distribution, null, randomisations)
    if floor * tests >= alpha:
        return replace(base, too_few=_floor_reason(floor, tests, alpha), p_floor=floor)
    p = (1 + int((null >= observed).sum())) / (1 + randomisations)
    hits = (rotated_counts(setup.x, setup.spans, offsets, length) > 0).sum(axis=1)
    tested = replace(
        base,
        rotations=randomisations,
        p_rotation=p,
        p_corrected=p,
        p_exact=float(distribution[observed:].sum()) if distribution is not None else None,
        p_floor=floor,
        p_precursor=(1 + int((hits >= len(hit)).sum())) / (1 + randomisations),
    )
    return _with_distance(_with_poisson(tested, length), setup, offsets)


def _inside(x: Array, union: Array) -> npt.NDArray[np.bool_]:
    """Which events lie in some window (``union`` sorted and disjoint)."""
    if len(union) == 0:
        return np.zeros(len(x), dtype=bool)
    idx = np.searchsorted(union[:, 0], x, "right") - 1
    return np.asarray((idx >= 0) & (x <= union[np.clip(idx, 0, None), 1]), dtype=bool)


def _floor_reason(floor: float, tests: int, alpha: float) -> str:
    times = f" × {tests} windows = {say_p(min(1.0, floor * tests))}" if tests > 1 else ""
    return (
        f"even placed as well as possible, these events could not give p below "
        f"{say_p(floor)}{times}, not below {alpha}"
    )


def _with_poisson(result: WindowResult, length: float) -> WindowResult:
    """Donges et al. eq. 4–5: binomial counts of coincidences under independent events."""
    q = min(1.0, result.window.width.total_seconds() / length)
    n, m = result.events, result.moments
    return replace(
        result,
        p_precursor_poisson=binomial_tail(result.moments_hit, m, 1.0 - (1.0 - q) ** n),
        p_trigger_poisson=binomial_tail(result.observed, n, 1.0 - (1.0 - q) ** m),
    )


def _with_distance(result: WindowResult, setup: _Setup, offsets: Array) -> WindowResult:
    """Mean distance to the nearest moment, observed and under (at most) the rotations."""
    count = min(len(offsets), max(99, DISTANCE_BUDGET // max(1, len(setup.x))))
    null = _mean_distances(setup.x, setup.anchors, offsets[:count], setup.length)
    seen = float(_mean_distances(setup.x, setup.anchors, np.zeros(1), setup.length)[0])
    return replace(
        result,
        mean_distance=timedelta(seconds=round(seen)),
        chance_distance=timedelta(seconds=round(float(null.mean()))),
        p_distance=(1 + int((null <= seen).sum())) / (1 + count),
        distance_rotations=count,
    )


# --------------------------------------------------------------------------- time of day


def _clock_angle(time: datetime, zone: ZoneInfo) -> float:
    local = time.astimezone(zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return 2.0 * math.pi * seconds / DAY_SECONDS


def _clock_text(angle: float) -> str:
    minutes = round((angle % (2 * math.pi)) / (2 * math.pi) * 1440) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock_test(
    events: Sequence[TimelineEvent], zone: str = "UTC", *, alpha: float = 0.05
) -> ClockResult:
    """Rayleigh test of the events' local clock times (in ``zone``) against a uniform day.

    Needs times to the hour or better (a day-precise time says nothing of the hour)."""
    tz = _zone(zone)
    if tz is None:
        return ClockResult(zone, 0, too_few=f"unknown time zone {zone!r}")
    day = Window(timedelta(hours=24), label="time of day")
    kept: list[TimelineEvent] = []
    dropped: list[Problem] = []
    for event in events[:MAX_EVENTS]:
        where = f"event {event.id or event.summary[:40]}"
        if event.time.tzinfo is None:
            dropped.append(Problem(where, "time without a zone"))
        elif reason := _precise(event.precision, day, "time"):
            dropped.append(Problem(where, reason))
        else:
            kept.append(event)
    kept.sort(key=lambda e: e.time)
    angles = np.array([_clock_angle(e.time, tz) for e in kept])
    times = tuple(f"{e.time.astimezone(tz):%Y-%m-%d %a %H:%M %Z}  {e.summary[:60]}" for e in kept)[
        :MAX_LISTED
    ]
    base = ClockResult(zone, len(kept), times=times, excluded=tuple(dropped))
    n = len(kept)
    best = math.exp(math.sqrt(1 + 4 * n) - (1 + 2 * n)) if n else 1.0
    if n < MIN_EVENTS or best >= alpha:
        return replace(
            base,
            too_few=f"{n} event{'s' * (n != 1)} known to the hour; even all at the same "
            f"minute they could not give p below {say_p(min(1.0, best))}",
        )
    resultant, z, p = rayleigh(angles)
    mean = math.atan2(float(np.sin(angles).mean()), float(np.cos(angles).mean()))
    gaps = np.abs(np.angle(np.exp(1j * (angles - mean))))
    far = int(np.argmax(gaps))
    gap = timedelta(seconds=float(gaps[far]) / (2 * math.pi) * DAY_SECONDS)
    unusual = (
        f"{kept[far].time.astimezone(tz):%Y-%m-%d %a %H:%M %Z} {kept[far].summary[:60]!r}, "
        f"{say_duration(gap)} from the mean time"
    )
    return replace(
        base, resultant=resultant, z=z, p=p, mean_time=_clock_text(mean), unusual=unusual
    )


# --------------------------------------------------------------------------- the analysis


def _bounded(items: Sequence[object], limit: int, what: str, notes: list[str]) -> int:
    if len(items) > limit:
        notes.append(f"{len(items)} {what} given: only the first {limit} are used")
        return limit
    return len(items)


def _check_window(window: Window) -> Problem | None:
    if window.before < timedelta(0) or window.after < timedelta(0):
        return Problem(f"window {window.name!r}", "before and after must not be negative")
    if window.width <= timedelta(0) or window.width > 2 * MAX_WINDOW:
        return Problem(f"window {window.name!r}", "the window has no width or is too long")
    return None


def _check_period(period: tuple[datetime, datetime]) -> Problem | None:
    start, end = period
    if start.tzinfo is None or end.tzinfo is None:
        return Problem("period", "start and end need a time zone")
    if end <= start:
        return Problem("period", "the study period ends before it starts")
    return None


def analyze(
    events: Sequence[TimelineEvent],
    moments: Sequence[Moment],
    windows: Sequence[Window | str],
    period: tuple[datetime, datetime],
    *,
    zone: str = "UTC",
    seed: int = 0,
    randomisations: int = DEFAULT_RANDOMISATIONS,
    alpha: float = 0.05,
    correction: str = "holm",
    clock: bool = True,
) -> Analysis:
    """Test every window (strings are parsed with :func:`parse_window`), correct the
    p-values together, and test the time of day in ``zone``. Never raises on bad input:
    what cannot be used is in ``problems`` or in each window's ``excluded``."""
    problems: list[Problem] = []
    notes: list[str] = []
    parsed: list[Window] = []
    for item in windows:
        window = parse_window(item) if isinstance(item, str) else item
        if isinstance(window, Problem):
            problems.append(window)
        else:
            parsed.append(window)
    parsed = parsed[: _bounded(parsed, MAX_WINDOWS, "windows", notes)]
    events = sorted(events, key=_time_key)
    events = events[: _bounded(events, MAX_EVENTS, "events (by time)", notes)]
    moments = list(moments)[: _bounded(moments, MAX_MOMENTS, "moments", notes)]
    rotations = min(MAX_RANDOMISATIONS, max(1, int(randomisations)))
    if rotations != randomisations:
        notes.append(f"randomisations set to {rotations} (between 1 and {MAX_RANDOMISATIONS})")
    if correction not in CORRECTIONS:
        problems.append(Problem("correction", f"unknown {correction!r}: Holm's used"))
        correction = "holm"
    if _zone(zone) is None:
        problems.append(Problem("zone", f"unknown time zone {zone!r}: UTC used"))
        zone = "UTC"
    base = Analysis(period, zone, len(events), len(moments), seed, rotations, alpha, correction)
    if bad := _check_period(period):
        return replace(base, problems=(*problems, bad), notes=tuple(notes))
    results = [
        analyze_window(events, moments, w, period, seed=seed, randomisations=rotations,
                       tests=len(parsed), alpha=alpha)
        for w in parsed
    ]  # fmt: skip
    notes += _assumed_zones(events, moments)
    return replace(
        base,
        windows=_correct(results, correction),
        clock=clock_test(events, zone, alpha=alpha) if clock else None,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _time_key(event: TimelineEvent) -> tuple[int, float]:
    """Chronological, zone-less times last (they are excluded with a reason later)."""
    if event.time.tzinfo is None:
        return 1, 0.0
    return 0, event.time.timestamp()


def _correct(results: Sequence[WindowResult], correction: str) -> tuple[WindowResult, ...]:
    """Adjust the rotation p-values across all declared windows (untested ones count as 1)."""
    raw = [r.p_rotation if r.p_rotation is not None else 1.0 for r in results]
    adjusted = holm(raw) if correction == "holm" else bonferroni(raw)
    return tuple(
        replace(r, p_corrected=a if r.tested else None)
        for r, a in zip(results, adjusted, strict=True)
    )


def _assumed_zones(events: Sequence[TimelineEvent], moments: Sequence[Moment]) -> list[str]:
    names = [m.name for m in moments if m.zone_assumed] + [
        e.id or e.summary[:40] for e in events if e.zone_assumed
    ]
    if not names:
        return []
    shown = ", ".join(names[:MAX_LISTED]) + (" …" if len(names) > MAX_LISTED else "")
    return [f"{len(names)} times came without a zone and took the campaign's: {shown}"]


def analyze_timeline(
    timeline: Timeline,
    windows: Sequence[Window | str],
    *,
    kinds: tuple[str, ...] = (),
    moment_kinds: tuple[str, ...] = (),
    seed: int = 0,
    randomisations: int = DEFAULT_RANDOMISATIONS,
    alpha: float = 0.05,
    correction: str = "holm",
    clock: bool = True,
) -> Analysis:
    """:func:`analyze` on a timeline: events whose kind starts with one of ``kinds``,
    moments of ``moment_kinds`` (all when empty), over the timeline's window, with the
    times shown and the clock test in the campaign's zone."""
    events = timeline.between(kinds=kinds).events if kinds else timeline.events
    moments = [m for m in timeline.moments if not moment_kinds or m.kind in moment_kinds]
    result = analyze(
        events, moments, windows, timeline.span(), zone=timeline.zone, seed=seed,
        randomisations=randomisations, alpha=alpha, correction=correction, clock=clock,
    )  # fmt: skip
    extra = list(timeline.notes[:MAX_LISTED])
    if timeline.window is None:
        extra.append(
            "no campaign window declared: the study period runs from the first to the last "
            "item, which the data itself chose; declare the window for a fairer test"
        )
    return replace(result, notes=result.notes + tuple(extra))
