"""Statistics of ``rempart timeline analyze`` on synthetic series with known answers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from rempart.timeline.model import Moment, Precision, Problem, Timeline, TimelineEvent
from rempart.timeline.stats import (
    Window,
    analyze,
    analyze_timeline,
    analyze_window,
    binomial_tail,
    bonferroni,
    clock_test,
    exact_distribution,
    holm,
    parse_window,
    rayleigh,
    rotated_counts,
    say_offset,
)

T0 = datetime(2016, 7, 1, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
# Irregular days (a regular grid would let rotations by the grid step realign everything).
MOMENT_DAYS = (5.9, 17.3, 29.0, 44.5, 48.2, 63.7, 77.4, 90.1, 101.6, 113.8)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def moments(days: tuple[float, ...] = MOMENT_DAYS, hour: int = 0) -> list[Moment]:
    return [
        Moment(f"debate {i}", "debate", at(d) + hour * H) for i, d in enumerate(days)
    ]  # fmt: skip


def event(ident: str, time: datetime, precision: Precision = Precision.MINUTE) -> TimelineEvent:
    return TimelineEvent(ident, time, "leak", f"release {ident}", precision=precision)


def uniform_events(seed: int, n: int, days: float) -> list[TimelineEvent]:
    rng = np.random.default_rng(seed)
    return [event(f"u{i}", T0 + timedelta(seconds=float(s))) for i, s in
            enumerate(rng.uniform(0, days * 86_400, n))]  # fmt: skip


def brute_pairs(events: list[TimelineEvent], ms: list[Moment], w: Window) -> set[tuple[str, str]]:
    return {(e.id, m.name) for e in events for m in ms
            if m.start - w.before <= e.time <= m.start + w.after}  # fmt: skip


# --------------------------------------------------------------------------- windows and words


@pytest.mark.parametrize(
    ("text", "before", "after", "anchor"),
    [
        ("6h before", 6 * H, 0 * H, "start"),
        ("24h before", 24 * H, 0 * H, "start"),
        ("±12h around", 12 * H, 12 * H, "start"),
        ("+-12 hours around", 12 * H, 12 * H, "start"),
        ("2d after end", 0 * H, 2 * D, "end"),
        ("6h before, 2h after", 6 * H, 2 * H, "start"),
        ("90min before the start", timedelta(minutes=90), 0 * H, "start"),
        ("1w before", 7 * D, 0 * H, "start"),
    ],
)
def test_parse_window(text: str, before: timedelta, after: timedelta, anchor: str) -> None:
    w = parse_window(text)
    assert isinstance(w, Window)
    assert (w.before, w.after, w.anchor) == (before, after, anchor)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bogus", "expected e.g."),
        ("0h before", "no width"),
        ("400d before", "longer than 366 days"),
        ("6 months before", "expected e.g."),
    ],
)
def test_parse_window_problems_name_the_text(text: str, reason: str) -> None:
    p = parse_window(text)
    assert isinstance(p, Problem)
    assert p.where == f"window {text!r}"
    assert reason in p.reason


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("±6h around", Precision.HOUR),
        ("24h before", Precision.HOUR),
        ("1h before", Precision.MINUTE),
        ("7d before", Precision.DAY),
        ("200d before", Precision.MONTH),
    ],
)
def test_window_needs_precision(text: str, needs: Precision) -> None:
    w = parse_window(text)
    assert isinstance(w, Window)
    assert w.needs == needs


def test_offsets_in_plain_words() -> None:
    assert say_offset(-(2 * H + timedelta(minutes=28))) == "2 h 28 min before"
    assert say_offset(3 * D + 4 * H + timedelta(minutes=10)) == "3 d 4 h after"
    assert say_offset(timedelta(minutes=-45)) == "45 min before"
    assert say_offset(timedelta(seconds=10)) == "at the moment"


# --------------------------------------------------------------------------- small formulas


def test_holm_on_a_hand_example() -> None:
    # sorted: 0.005×4 = 0.02, 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 = 0.04 → max so far 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx((0.03, 0.06, 0.06, 0.02))
    assert holm([0.5, 0.6]) == pytest.approx((1.0, 1.0))
    assert holm([]) == ()
    assert bonferroni([0.01, 0.04, 0.3]) == pytest.approx((0.03, 0.12, 0.9))


def test_binomial_tail() -> None:
    assert binomial_tail(2, 3, 0.5) == pytest.approx(0.5)
    assert binomial_tail(0, 3, 0.2) == 1.0
    assert binomial_tail(4, 3, 0.2) == 0.0
    assert binomial_tail(3, 3, 0.2) == pytest.approx(0.008)
    assert binomial_tail(1, 10, 0.0) == 0.0
    stats = pytest.importorskip("scipy.stats")
    for k, n, p in [(5, 40, 0.05), (30, 1000, 0.01), (700, 10_000, 0.06)]:
        assert binomial_tail(k, n, p) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-9)


def test_rayleigh_extremes() -> None:
    rbar, z, p = rayleigh([1.0] * 10)
    assert (rbar, z) == pytest.approx((1.0, 10.0))
    assert p == pytest.approx(math.exp(math.sqrt(41) - 21))
    rbar, _, p = rayleigh(np.linspace(0, 2 * np.pi, 12, endpoint=False))
    assert rbar == pytest.approx(0.0, abs=1e-12)
    assert p == pytest.approx(1.0)


def test_rotated_counts_match_brute_force() -> None:
    rng = np.random.default_rng(7)
    length = 1000.0
    x = np.sort(rng.uniform(0, length, 60))
    spans = np.array([[0.0, 30.0], [100.0, 180.0], [950.0, 999.0], [400.0, 401.0]])
    offsets = np.concatenate([[0.0], rng.uniform(0, length, 300)])
    got = rotated_counts(x, spans, offsets, length)
    for row, u in enumerate(offsets):
        y = np.mod(x + u, length)
        want = [int(((y >= lo) & (y <= hi)).sum()) for lo, hi in spans]
        assert got[row].tolist() == want


def test_exact_distribution_matches_a_fine_grid_and_has_the_right_mean() -> None:
    rng = np.random.default_rng(3)
    length = 500.0
    x = np.sort(np.concatenate([rng.uniform(0, length, 15), [10.0, 10.5, 11.0]]))
    union = np.array([[20.0, 45.0], [200.0, 210.0], [480.0, 499.0]])
    shares = exact_distribution(x, union, length)
    assert shares is not None
    coverage = float((union[:, 1] - union[:, 0]).sum()) / length
    assert shares.sum() == pytest.approx(1.0)
    assert float((np.arange(len(shares)) * shares).sum()) == pytest.approx(len(x) * coverage)
    grid = np.arange(0, length, 0.01)
    counts = rotated_counts(x, union, grid, length).sum(axis=1)
    by_grid = np.bincount(counts, minlength=len(shares)) / len(grid)
    assert np.abs(by_grid[: len(shares)] - shares).max() < 0.002


# --------------------------------------------------------------------------- the rotation test


PLANT_OFFSET = -(2 * H + timedelta(minutes=28))
NOISE_DAYS = (2.3, 11.6, 23.4, 35.7, 56.1, 70.3, 84.9, 96.2, 108.0, 125.5, 139.9, 152.2, 166.4)


def planted() -> tuple[list[TimelineEvent], list[Moment]]:
    """Six releases 2 h 28 min before six of ten debates, thirteen away from any debate."""
    ms = moments(hour=21)
    planted = [event(f"p{i}", ms[i].start + PLANT_OFFSET) for i in (0, 2, 3, 5, 7, 9)]
    noise = [event(f"n{i}", at(d) + 9 * H) for i, d in enumerate(NOISE_DAYS)]
    return planted + noise, ms


def test_planted_events_are_detected_with_the_exact_pairs() -> None:
    events, ms = planted()
    period = (T0, at(180))
    result = analyze_window(events, ms, Window(6 * H), period, seed=1, randomisations=9_999)
    assert result.too_few is None
    assert (result.events, result.moments, result.observed, result.moments_hit) == (19, 10, 6, 6)
    assert result.expected == pytest.approx(19 * 10 * 6 / (180 * 24))
    assert result.rate_ratio is not None and result.rate_ratio > 10
    assert result.p_rotation is not None and result.p_rotation < 0.01
    assert result.p_exact is not None and result.p_exact < 0.01
    assert result.p_precursor is not None and result.p_precursor < 0.01
    assert result.p_distance is not None and result.p_distance < 0.05
    pairs = {(c.event_id, c.moment, say_offset(c.offset)) for c in result.coincidences}
    assert pairs == {
        (f"p{i}", f"debate {i}", "2 h 28 min before") for i in (0, 2, 3, 5, 7, 9)
    }  # fmt: skip
    text = "\n".join(result.lines())
    assert "2016-07-07 16:08 UTC  release p0 — 2 h 28 min before 'debate 0'" in text
    assert "More events in these windows than chance would put there" in text


def test_monte_carlo_p_agrees_with_the_exact_p() -> None:
    events, ms = planted()
    result = analyze_window(events, ms, Window(24 * H), (T0, at(180)), seed=5, randomisations=9_999)
    assert result.p_rotation is not None and result.p_exact is not None
    se = math.sqrt(result.p_exact * (1 - result.p_exact) / 9_999)
    assert abs(result.p_rotation - result.p_exact) < 4 * se + 1e-4


def test_uniform_events_are_not_detected() -> None:
    ms = moments(hour=21)
    result = analyze_window(uniform_events(11, 30, 120), ms, Window(24 * H), (T0, at(120)),
                            seed=2, randomisations=1_999)  # fmt: skip
    assert result.p_rotation is not None and result.p_rotation > 0.05
    assert {(c.event_id, c.moment) for c in result.coincidences} == brute_pairs(
        uniform_events(11, 30, 120), ms, Window(24 * H)
    )  # fmt: skip


def test_false_positive_rate_over_many_seeds() -> None:
    """Uniform events, 200 seeds: rejections at α = 0.05 stay near 5%.

    Under the null the count of rejections is at most Binomial(200, 0.05) (mean 10, sd 3.1);
    more than 20 (10%) would be a 3-sd excess. The rotation test on counts is discrete,
    hence somewhat conservative, but it must not be blind (at least 2 rejections)."""
    ms = moments(hour=21)
    rejected = 0
    for seed in range(200):
        result = analyze_window(uniform_events(1_000 + seed, 20, 120), ms, Window(24 * H),
                                (T0, at(120)), seed=seed, randomisations=199)  # fmt: skip
        assert result.p_rotation is not None
        rejected += result.p_rotation < 0.05
    assert 2 <= rejected <= 20


def naive_shuffle_p(n: int, ms: list[Moment], w: Window, days: float, observed: int) -> float:
    """What a naive shuffle says: every event placed independently, uniformly."""
    rng = np.random.default_rng(0)
    starts = np.array([(m.start - w.before - T0).total_seconds() for m in ms])
    ends = np.array([(m.start + w.after - T0).total_seconds() for m in ms])
    y = rng.uniform(0, days * 86_400, size=(1_999, n))
    inside = ((y[:, :, None] >= starts) & (y[:, :, None] <= ends)).any(axis=2).sum(axis=1)
    return (1 + int((inside >= observed).sum())) / 2_000


def test_clusters_landing_by_chance_are_not_flagged_but_a_naive_shuffle_would() -> None:
    """Eight batches of six releases on days chosen without regard to the debates; two
    batches happen to fall the day of a debate."""
    ms = moments(days=(5, 17, 29, 44, 48, 63, 77, 90, 101, 113), hour=21)
    days = (3, 12, 26, 44, 58, 71, 90, 108)
    events = [event(f"b{d}-{k}", at(d) + 7 * H + k * timedelta(minutes=8))
              for d in days for k in range(6)]  # fmt: skip
    w = Window(24 * H)
    result = analyze_window(events, ms, w, (T0, at(120)), seed=1, randomisations=1_999)
    assert result.observed == 12
    assert {c.event_id for c in result.coincidences} == {
        f"b{d}-{k}" for d in (44, 90) for k in range(6)
    }  # fmt: skip
    assert result.p_rotation is not None and result.p_rotation > 0.05
    assert naive_shuffle_p(len(events), ms, w, 120, result.observed) < 0.01
    assert result.p_trigger_poisson is not None and result.p_trigger_poisson < 0.01
    assert any("the events come in clusters" in line for line in result.lines())


def test_daily_batches_cannot_say_anything_while_a_naive_shuffle_would_flag_them() -> None:
    """Podesta-like: six releases every morning for twelve days. A day-wide window before
    each debate is 'hit' wherever the block of days is rotated to: nothing can be said."""
    ms = moments(days=(5, 17, 29, 44, 48, 63, 77, 90, 101, 113), hour=21)
    events = [event(f"d{d}-{k}", at(d) + 7 * H + k * timedelta(minutes=10))
              for d in range(40, 52) for k in range(6)]  # fmt: skip
    w = Window(24 * H)
    result = analyze_window(events, ms, w, (T0, at(120)), seed=1, randomisations=1_999)
    assert result.observed == 12
    assert result.too_few is not None and "could not give p below" in result.too_few
    assert result.p_rotation is None and result.p_floor is not None and result.p_floor > 0.05
    assert naive_shuffle_p(len(events), ms, w, 120, result.observed) < 0.05
    assert result.coincidences_total == 12


# --------------------------------------------------------------------------- several windows


def test_several_windows_are_corrected_together() -> None:
    events, ms = planted()
    a = analyze(events, ms, ["6h before", "24h before", "±12h around"], (T0, at(180)),
                seed=3, randomisations=4_999, clock=False)  # fmt: skip
    raw = [w.p_rotation for w in a.windows]
    assert all(p is not None for p in raw)
    assert [w.p_corrected for w in a.windows] == pytest.approx(holm([p or 1.0 for p in raw]))
    assert a.windows[0].significant()
    text = "\n".join(a.lines())
    assert "3 windows: p-values corrected by Holm's method" in text
    assert "Holm-corrected p" in text
    b = analyze(events, ms, ["6h before", "24h before"], (T0, at(180)), seed=3,
                randomisations=4_999, correction="bonferroni", clock=False)  # fmt: skip
    assert [w.p_corrected for w in b.windows] == pytest.approx(
        bonferroni([w.p_rotation or 1.0 for w in b.windows])
    )  # fmt: skip


def test_untested_windows_still_count_in_the_correction() -> None:
    events, ms = planted()
    # "±200d around" covers the whole period: untested, counted as p = 1.
    a = analyze(events, ms, ["6h before", "±200d around"], (T0, at(180)), seed=3,
                randomisations=4_999, clock=False)  # fmt: skip
    tested, untested = a.windows
    assert untested.too_few == "the windows cover the whole study period: nothing to compare with"
    assert untested.p_corrected is None
    assert tested.p_rotation is not None
    assert tested.p_corrected == pytest.approx(min(1.0, 2 * tested.p_rotation))


# --------------------------------------------------------------------------- honesty


def test_too_few_events_says_so_and_still_lists_coincidences() -> None:
    ms = moments(hour=21)
    events = [event("a", ms[1].start - 3 * H), event("b", at(70))]
    result = analyze_window(events, ms, Window(6 * H), (T0, at(120)))
    assert result.too_few == "2 events precise enough in the period (at least 3)"
    assert result.p_rotation is None and result.p_corrected is None
    assert [(c.event_id, c.moment, say_offset(c.offset)) for c in result.coincidences] == [
        ("a", "debate 1", "3 h before")
    ]
    text = "\n".join(result.lines())
    assert "Too few events to say anything: 2 events precise enough" in text


def test_too_few_when_even_the_best_placement_cannot_pass() -> None:
    """A ±12 h window in a ten-day period: rotations within the window keep the events
    aligned: all five (spread over 4 h) stay in it for 20 h of the 240 h of rotations."""
    ms = [Moment("round", "round", at(5))]
    events = [event(f"e{i}", at(5) + i * H) for i in range(5)]
    result = analyze_window(events, ms, Window(12 * H, 12 * H), (T0, at(10)), tests=3)
    assert result.too_few is not None
    assert result.too_few == (
        "even placed as well as possible, these events could not give p below 0.0833 "
        "× 3 windows = 0.25, not below 0.05"
    )
    assert result.coincidences_total == 5


def test_precision_filtering_excludes_day_precise_events_from_an_hour_window() -> None:
    ms = moments(hour=21)
    events, _ = planted()
    fuzzy = event("fuzzy", at(29), Precision.DAY)
    vague = Moment("vague", "debate", at(60), precision=Precision.DAY)
    result = analyze_window([*events, fuzzy], [*ms, vague], Window(6 * H), (T0, at(180)))
    assert [p.line() for p in result.excluded] == [
        "event fuzzy: time known only to the day; the window '6 h before' needs hour "
        "precision or better",
        "moment 'vague': time known only to the day; the window '6 h before' needs hour "
        "precision or better",
    ]
    assert "fuzzy" not in {c.event_id for c in result.coincidences}
    week = analyze_window([*events, fuzzy], [*ms, vague], Window(7 * D), (T0, at(180)))
    assert week.excluded == ()
    assert ("fuzzy", "debate 2") in {(c.event_id, c.moment) for c in week.coincidences}


def test_bad_input_is_reported_not_raised() -> None:
    ms = moments(hour=21)
    naive = TimelineEvent("naive", datetime(2016, 8, 1, 12, 0), "leak", "no zone")
    late = event("late", at(400))
    events = [*uniform_events(4, 10, 120), naive, late]
    a = analyze(events, ms, ["6h before", "nonsense"], (T0, at(120)), zone="Mars/Olympus",
                randomisations=0, correction="sidak")  # fmt: skip
    assert [p.line() for p in a.problems] == [
        "window 'nonsense': expected e.g. '6h before', '±12h around', '2d after end'",
        "correction: unknown 'sidak': Holm's used",
        "zone: unknown time zone 'Mars/Olympus': UTC used",
    ]
    assert a.zone == "UTC" and a.randomisations == 1
    assert "randomisations set to 1 (between 1 and 99999)" in a.notes
    excluded = {p.where: p.reason for p in a.windows[0].excluded}
    assert excluded == {"event naive": "time without a zone",
                        "event late": "outside the study period"}  # fmt: skip
    negative = analyze_window(events, ms, Window(-6 * H, label="-6h"), (T0, at(120)))
    assert negative.too_few == "window '-6h': before and after must not be negative"
    inverted = analyze(events, ms, ["6h before"], (at(120), T0))
    assert inverted.windows == ()
    assert [p.line() for p in inverted.problems] == [
        "period: the study period ends before it starts"
    ]
    assert "the study period ends before it starts" in "\n".join(inverted.lines())


def test_same_seed_same_answer() -> None:
    events, ms = planted()
    first = analyze(events, ms, ["24h before"], (T0, at(180)), seed=42, randomisations=999)
    again = analyze(events, ms, ["24h before"], (T0, at(180)), seed=42, randomisations=999)
    assert first == again
    assert first.lines() == again.lines()


def test_analyze_timeline_filters_kinds_and_says_the_period_was_not_declared() -> None:
    events, ms = planted()
    phishing = TimelineEvent("ph", ms[1].start - H, "mail.phishing", "phishing wave")
    timeline = Timeline("test", "Europe/Paris", tuple(ms), (*events, phishing),
                        window=(T0, at(180)))  # fmt: skip
    a = analyze_timeline(timeline, ["6h before"], kinds=("leak",), randomisations=999)
    assert a.zone == "Europe/Paris" and a.period == (T0, at(180))
    assert "ph" not in {c.event_id for c in a.windows[0].coincidences}
    assert a.windows[0].events == 19
    open_ended = analyze_timeline(Timeline("t", "UTC", tuple(ms), tuple(events)), ["6h before"],
                                  randomisations=99)  # fmt: skip
    assert any("no campaign window declared" in n for n in open_ended.notes)


# --------------------------------------------------------------------------- time of day


def test_clock_detects_a_preferred_hour_across_a_dst_change() -> None:
    """Releases around 07:00 Paris time, before and after the March clock change."""
    events = []
    for i in range(12):
        day = datetime(2017, 3, 18, tzinfo=UTC) + 2 * i * D
        utc_hour = 6 if day < datetime(2017, 3, 26, tzinfo=UTC) else 5  # 07:00 local
        events.append(event(f"m{i}", day + utc_hour * H + timedelta(minutes=(i * 7) % 40)))
    result = clock_test(events, "Europe/Paris")
    assert result.too_few is None and result.events == 12
    assert result.p is not None and result.p < 0.001
    assert result.mean_time is not None and result.mean_time.startswith("07:")
    assert result.resultant > 0.95
    text = "\n".join(result.lines())
    assert "concentrated around one time of day" in text


def test_clock_does_not_flag_times_spread_over_the_day() -> None:
    spread = [event(f"s{i}", at(i) + (2 * i % 24) * H) for i in range(12)]
    result = clock_test(spread, "UTC")
    assert result.p is not None and result.p > 0.5
    rng = np.random.default_rng(8)
    random_times = [event(f"r{i}", at(i) + timedelta(seconds=float(s)))
                    for i, s in enumerate(rng.uniform(0, 86_400, 25))]  # fmt: skip
    assert (clock_test(random_times, "UTC").p or 0.0) > 0.05


def test_clock_names_the_unusual_release_and_filters_precision() -> None:
    """Podesta-like: early-morning releases and one Friday 16:32 EDT release."""
    zone = "America/New_York"
    # 06:00–06:25 EDT on six days
    mornings = [event(f"b{i}", datetime(2016, 10, 10 + i, 10, 5 * i, tzinfo=UTC))
                for i in range(6)]  # fmt: skip
    first = event("b0-first", datetime(2016, 10, 7, 20, 32, tzinfo=UTC))
    daily = event("day-only", datetime(2016, 10, 20, 4, 0, tzinfo=UTC), Precision.DAY)
    result = clock_test([first, *mornings, daily], zone)
    assert result.events == 7
    assert [p.line() for p in result.excluded] == [
        "event day-only: time known only to the day; the window 'time of day' needs hour "
        "precision or better"
    ]
    assert result.unusual is not None
    assert result.unusual.startswith("2016-10-07 Fri 16:32 EDT 'release b0-first'")
    few = clock_test(mornings[:2], zone)
    assert few.too_few is not None and few.too_few.startswith("2 events known to the hour")
