"""Events of one lane at (nearly) the same moment: stacked in the lane, or merged into one
marker beyond three rows, so that every event stays reachable from the chart."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rempart.model.findings import Severity
from rempart.timeline import chart
from rempart.timeline.model import Timeline, TimelineEvent

T0 = datetime(2025, 3, 9, 12, 0, tzinfo=UTC)
_USE = re.compile(r'<use\b[^>]*?\bx="([-0-9.]+)"[^>]*?\by="([-0-9.]+)"')
_GROUP = re.compile(r'<g id="events-[^"]*">(.*?)</g>\s*</g>', re.S)


def phishing(name: str, when: datetime, severity: Severity = Severity.HIGH) -> TimelineEvent:
    return TimelineEvent(name, when, "mail.phishing", f"lure {name}", severity)


def week(*events: TimelineEvent) -> Timeline:
    """``events`` and one lone audit finding a week later (the span is a week)."""
    far = TimelineEvent("far", T0 + timedelta(days=7), "finding.new", "far", Severity.LOW)
    return Timeline("overlap", "UTC", (), (*events, far))


def lane_marks(p: chart.Plan, lane: str = "phishing") -> list[chart.Mark]:
    return [m for m in p.marks if m.lane == lane]


def marker_positions(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for group in _GROUP.findall(svg) for x, y in _USE.findall(group)]


def test_three_events_at_the_same_minute_get_three_rows() -> None:
    p = chart.plan(week(*(phishing(f"p{i}", T0 + timedelta(seconds=i)) for i in range(3))))
    marks = lane_marks(p)
    assert [m.ids for m in marks] == [("p0",), ("p1",), ("p2",)]
    assert [m.offset for m in marks] == list(chart.STACK_OFFSETS)
    assert all(m.count == 1 for m in marks)
    assert [m.offset for m in lane_marks(p, "audit findings")] == [0.0]


def test_three_events_are_three_separate_markers_in_the_svg(tmp_path: Path) -> None:
    path = chart.render(week(*(phishing(f"p{i}", T0) for i in range(3))), tmp_path / "c.svg")
    positions = marker_positions(path.read_text(encoding="utf-8"))
    assert len(positions) == 4  # the three lures and the lone finding
    assert len(set(positions)) == 4
    lures = sorted(positions)[:3]  # the finding is a week to the right
    assert len({x for x, _ in lures}) == 1 and len({y for _, y in lures}) == 3


def test_beyond_three_rows_events_merge_into_one_marker(tmp_path: Path) -> None:
    severities = (Severity.LOW, Severity.LOW, Severity.LOW, Severity.CRITICAL, Severity.LOW)
    events = [phishing(f"p{i}", T0, s) for i, s in enumerate(severities)]
    p = chart.plan(week(*events))
    marks = lane_marks(p)
    assert [m.ids for m in marks] == [("p0", "p3", "p4"), ("p1",), ("p2",)]
    merged = marks[0]
    assert (merged.count, merged.severity, merged.offset) == (3, Severity.CRITICAL, 0.0)
    svg = chart.render(week(*events), tmp_path / "c.svg").read_text(encoding="utf-8")
    assert "×3" in svg
    assert len(set(marker_positions(svg))) == 4


def test_marks_a_marker_apart_are_not_stacked() -> None:
    p = chart.plan(week(phishing("a", T0)))
    apart = chart.marker_width(p.start, p.end) * 1.01
    p = chart.plan(week(phishing("a", T0), phishing("b", T0 + apart)))
    assert [(m.ids, m.offset) for m in lane_marks(p)] == [(("a",), 0.0), (("b",), 0.0)]
    closer = chart.plan(week(phishing("a", T0), phishing("b", T0 + apart * 0.5)))
    assert [(m.ids, m.offset) for m in lane_marks(closer)] == [(("a",), 0.0), (("b",), 0.26)]


def test_a_freed_row_is_used_again_and_each_event_is_in_one_mark() -> None:
    width = chart.marker_width(T0, T0 + timedelta(days=7))
    times = [T0 + width * k / 4 for k in range(40)]  # four per marker width, for ten widths
    p = chart.plan(week(*(phishing(f"p{i:02d}", t) for i, t in enumerate(times))))
    marks = lane_marks(p)
    ids = [i for m in marks for i in m.ids]
    assert sorted(ids) == [f"p{i:02d}" for i in range(40)]
    assert sum(m.count for m in marks) == 40 == len(ids)
    for a in marks:  # two marks of one row never cover each other
        for b in marks:
            if a is not b and a.offset == b.offset:
                assert abs(a.time - b.time) >= width


def test_aggregated_marks_carry_their_events() -> None:
    events = [phishing(f"p{i:03d}", T0 + timedelta(minutes=7 * i)) for i in range(450)]
    p = chart.plan(week(*events))
    assert p.aggregated
    assert sorted(i for m in p.marks for i in m.ids) == sorted([e.id for e in events] + ["far"])
    assert all(len(m.ids) == m.count and m.offset == 0.0 for m in p.marks)


def test_a_label_is_not_written_over_a_marker_stacked_on_its_side() -> None:
    """The critical lure's label would run over the markers stacked above the lane's
    middle three hours later (past a marker's width, ~2 h on a week): it goes below;
    with markers in the way on both sides it is left unwritten (the list and the
    marker's detail still say it)."""
    later = T0 + timedelta(hours=3)
    crowd = [phishing(f"c{i}", later, Severity.LOW) for i in range(2)]  # rows 0 and +0.26
    p = chart.plan(week(phishing("worst", T0, Severity.CRITICAL), *crowd))
    rows = {m.ids: row for m, _flip, row in chart.event_label_rows(p, "phishing")}
    assert rows[("worst",)] == 1
    both = [phishing(f"d{i}", later, Severity.LOW) for i in range(3)]  # 0, +0.26, -0.26
    p = chart.plan(week(phishing("worst", T0, Severity.CRITICAL), *both))
    rows = {m.ids: row for m, _flip, row in chart.event_label_rows(p, "phishing")}
    assert rows[("worst",)] is None
    alone = chart.plan(week(phishing("worst", T0, Severity.CRITICAL)))
    assert [row for _m, _f, row in chart.event_label_rows(alone, "phishing")] == [0]


def test_fit_labels_respects_blocked_spans() -> None:
    assert chart.fit_labels([0.1, 0.5], [0.2, 0.2], 2, [0, 1], [[(0.25, 0.26)], []]) == [1, 0]
    assert chart.fit_labels([0.1], [0.2], 2, [0], [[(0.0, 0.5)], [(0.2, 0.21)]]) == [None]
