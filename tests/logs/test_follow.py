"""``rempart logs follow``: tailing through rotation and restarts, live detection.

Real files in ``tmp_path``, a real SQLite store, a fake wall clock (for when a
rotated file counts as no longer written); nothing sleeps. Each test asserts
exactly which (source, line, path) rows reached detection.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.logs.follow import (
    Follower,
    IncidentTracker,
    Step,
    Tailer,
    TailState,
    Window,
    split_lines,
)
from rempart.logs.model import Incident
from rempart.model import Severity
from rempart.store import Store

from .samples import frame as request_frame
from .samples import req

T0 = datetime(2027, 4, 1, 20, 0, tzinfo=UTC)
ATTACKER = "203.0.113.40"
BF = "bruteforce.wordpress"

Row = tuple[str, int, str]


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def line(path: str, seconds: float = 0.0, ip: str = "192.0.2.1", method: str = "GET") -> bytes:
    """One combined-format line asking for ``path`` (used as the line's name in asserts)."""
    when = (T0 + timedelta(seconds=seconds)).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{ip} - - [{when}] "{method} {path} HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n'.encode()


def lines(*paths: str) -> bytes:
    return b"".join(line(p, i) for i, p in enumerate(paths))


def login(k: int) -> bytes:
    """The k-th failed WordPress login of the attacker, one a second."""
    return line("/wp-login.php", k, ATTACKER, "POST")


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def seen(steps: list[Step]) -> list[Row]:
    rows = [s.rows for s in steps if s.rows.height]
    if not rows:
        return []
    table = pl.concat(rows)
    return list(zip(table["source"], table["line"], table["path"], strict=True))


def numbered(source: Path, first: int, *paths: str) -> list[Row]:
    return [(str(source), first + k, p) for k, p in enumerate(paths)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "s.db")) as s:
        yield s


def follower(store: Store, *logs: Path, clock: Clock | None = None, **options: object) -> Follower:
    return Follower([str(p) for p in logs], store, clock=clock or Clock(), **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- reading


def test_split_lines_waits_for_newlines_and_bounds_long_lines() -> None:
    assert split_lines(b"a\nbc\r\npart", False, 8) == ([b"a", b"bc\r"], 6, False)
    assert split_lines(b"part", False, 8) == ([], 0, False)
    # a piece without newline longer than the limit (+1 for a \r) is handed over, cut
    assert split_lines(b"x" * 20, False, 8) == ([b"x" * 10], 20, True)
    assert split_lines(b"xxx\nok\n", True, 8) == ([b"ok"], 7, False)
    assert split_lines(b"xxx", True, 8) == ([], 3, True)
    assert split_lines(b"y" * 30 + b"\nz\n", False, 8) == ([b"y" * 10, b"z"], 33, False)


def test_batches_and_a_partial_last_line_are_read_exactly_once(
    tmp_path: Path, store: Store
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines("/1", "/2", "/3"))
    with follower(store, log) as f:
        steps = [f.step()]
        append(log, lines("/4", "/5") + line("/6")[:20])  # /6 without its end yet
        steps.append(f.step())
        assert seen(steps[-1:]) == numbered(log, 4, "/4", "/5")
        steps.append(f.step())  # nothing new: nothing read, the half line still waits
        append(log, line("/6")[20:] + line("/7"))
        steps.append(f.step())
    assert seen(steps) == numbered(log, 1, "/1", "/2", "/3", "/4", "/5", "/6", "/7")
    assert not any(s.problems for s in steps)


def test_several_files_feed_one_window(tmp_path: Path, store: Store) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_bytes(lines("/a1", "/a2"))
    b.write_bytes(lines("/b1"))
    with follower(store, a, b, a) as f:  # a path given twice is followed once
        steps = [f.step()]
        append(b, lines("/b2"))
        steps.append(f.step())
        assert f.window.frame.height == 4
    assert seen(steps) == [*numbered(a, 1, "/a1", "/a2"), *numbered(b, 1, "/b1", "/b2")]
    assert store.get(f"logs.follow:{a}") is not None and store.get(f"logs.follow:{b}") is not None


def test_a_large_backlog_is_read_in_bounded_batches(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "access.log"
    names = [f"/{n}" for n in range(1, 201)]
    log.write_bytes(lines(*names))
    with follower(store, log, max_line_bytes=1000, batch_bytes=4096) as f:
        steps = [f.step()]
        while steps[-1].more:
            steps.append(f.step())
    assert len(steps) > 3  # taken in steps, not at once
    assert seen(steps) == numbered(log, 1, *names)


def test_rotation_by_rename_while_the_server_still_writes_the_old_file(
    tmp_path: Path, store: Store
) -> None:
    log, old = tmp_path / "access.log", tmp_path / "access.log.1"
    clock = Clock()
    server = log.open("ab", buffering=0)  # like nginx: one descriptor, kept open
    server.write(lines("/old1", "/old2"))
    with follower(store, log, clock=clock) as f:
        steps = [f.step()]
        os.rename(log, old)  # logrotate renames...
        server.write(line("/old3"))  # ...nginx has not reopened yet
        log.write_bytes(line("/new1"))  # the new file (create, or the reopen)
        steps.append(f.step())
        server.write(line("/old4"))  # still before the reopen
        steps.append(f.step())
        server.close()  # reopened: the old file is no longer written
        clock.now += 60
        append(log, line("/new2"))
        steps.append(f.step())
        assert f.files[0].tailer.state().rotated == ()  # finished with the old file
        append(log, line("/new3"))
        steps.append(f.step())
    assert seen(steps) == [
        *numbered(log, 1, "/old1", "/old2", "/old3"),
        *numbered(log, 1, "/new1"),
        *numbered(log, 4, "/old4"),
        *numbered(log, 2, "/new2", "/new3"),
    ]
    assert f"{log} now names another file: finishing the old file first" in steps[1].notes


def test_copy_truncate_reads_the_copy_then_the_file_from_its_start(
    tmp_path: Path, store: Store
) -> None:
    log, copy = tmp_path / "access.log", tmp_path / "access.log.1"
    log.write_bytes(lines("/1", "/2", "/3"))
    with follower(store, log) as f:
        steps = [f.step()]
        append(log, line("/4"))  # written after our last read
        shutil.copyfile(log, copy)  # logrotate copies...
        append(log, line("/lost"))  # (between copy and truncate: lost by copytruncate itself)
        os.truncate(log, 0)  # ...then truncates in place (same inode)
        # the new content is already longer than what was read: only the changed
        # first bytes (the fingerprint) tell that the file was truncated
        append(log, lines("/a", "/b", "/c", "/d", "/e"))
        steps.append(f.step())
        append(log, line("/f"))
        steps.append(f.step())
    assert seen(steps) == [
        *numbered(log, 1, "/1", "/2", "/3", "/4"),
        *numbered(log, 1, "/a", "/b", "/c", "/d", "/e", "/f"),
    ]
    assert any("truncated" in n and "access.log.1" in n for n in steps[1].notes)


def test_a_file_removed_then_created_again(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "access.log"
    clock = Clock()
    with follower(store, log, clock=clock) as f:
        first = f.step()
        assert f.missing() == [str(log)]
        assert [n for n in first.notes if "not found" in n] == [f"{log} not found; waiting for it"]
        assert not any("not found" in n for n in f.step().notes)  # said once
        log.write_bytes(lines("/1", "/2"))
        steps = [f.step()]
        log.unlink()
        clock.now += 60
        steps.append(f.step())
        assert f.missing() == [str(log)]
        log.write_bytes(lines("/again"))
        steps.append(f.step())
    assert seen(steps) == [*numbered(log, 1, "/1", "/2"), *numbered(log, 1, "/again")]
    assert f"{log} is gone (renamed or removed): finishing the old file first" in steps[1].notes


def test_garbage_binary_and_overlong_lines_are_bad_with_a_reason(
    tmp_path: Path, store: Store
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(
        lines("/1", "/2")
        + b"\x00\xff\xfe\x01binary garbage\x1b[2J\n"  # line 3
        + line("/4")
        + b"GET /"
        + b"A" * 70_000
        + b"\n"  # line 5: overlong
        + lines("/6", "/7", "/8")
        + b"B" * 70_000  # line 9: overlong and not finished yet
    )
    with follower(store, log, log_format="auto") as f:
        first = f.step()
        append(log, b"B" * 1000 + b"\n" + line("/10"))
        second = f.step()
    good = [*numbered(log, 1, "/1", "/2"), (str(log), 4, "/4"), *numbered(log, 6, "/6", "/7")]
    assert seen([first]) == [*good, (str(log), 8, "/8")]
    assert seen([second]) == [(str(log), 10, "/10")]
    assert first.bad.count == 3 and second.bad.count == 0
    reasons = " ".join(first.bad.examples)
    assert f"{log}:3: not a combined log line" in reasons
    assert f"{log}:5: line longer than 65536 bytes" in reasons
    assert f"{log}:9: line longer than 65536 bytes" in reasons
    assert [p.split(":")[0] for p in first.problems] == [str(log)]


# ------------------------------------------------------------------------ restarts


def test_restart_resumes_exactly_after_the_last_line_processed(
    tmp_path: Path, store: Store
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines("/1", "/2", "/3") + line("/4")[:15])
    with follower(store, log) as f:
        before = seen([f.step()])
    append(log, line("/4")[15:] + lines("/5", "/6"))
    with follower(store, log) as f:
        after = [f.step()]
        after.append(f.step())
        window = f.window.frame
    assert before == numbered(log, 1, "/1", "/2", "/3")
    assert seen(after) == numbered(log, 4, "/4", "/5", "/6")
    # the lines before the checkpoint are back in the window as context, once each
    assert window["line"].to_list() == [1, 2, 3, 4, 5, 6]
    assert not any("from its start" in n or "no checkpoint" in n for n in after[0].notes)


@pytest.mark.parametrize("how", ["rename", "copytruncate"])
def test_restart_after_a_rotation_while_stopped(tmp_path: Path, store: Store, how: str) -> None:
    log, rotated = tmp_path / "access.log", tmp_path / "access.log.1"
    # an older rotated file that is not ours must never be read
    rotated.write_bytes(lines("/ancient"))
    log.write_bytes(lines("/1", "/2"))
    with follower(store, log) as f:
        before = seen([f.step()])
    append(log, lines("/3", "/4"))  # written while we were stopped
    if how == "rename":
        os.replace(log, rotated)
    else:
        shutil.copyfile(log, rotated)
        os.truncate(log, 0)
    append(log, lines("/new1", "/new2", "/new3", "/new4"))
    clock = Clock()
    clock.now += 60  # the rotated file is no longer written
    with follower(store, log, clock=clock) as f:
        steps = [f.step()]
        steps.append(f.step())
        assert f.files[0].tailer.state().rotated == ()
    assert before == numbered(log, 1, "/1", "/2")
    assert seen(steps) == [
        *numbered(log, 3, "/3", "/4"),
        *numbered(log, 1, "/new1", "/new2", "/new3", "/new4"),
    ]
    assert any("rotated while stopped" in n for n in steps[0].notes)


def test_restart_when_the_checkpointed_file_is_gone_reads_from_the_start(
    tmp_path: Path, store: Store
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines("/1", "/2"))
    with follower(store, log) as f:
        f.step()
    log.unlink()
    log.write_bytes(lines("/other"))
    with follower(store, log) as f:
        step = f.step()
    assert seen([step]) == numbered(log, 1, "/other")
    assert any("not the file the checkpoint names" in n for n in step.notes)


def test_an_unreadable_checkpoint_is_ignored(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines("/1"))
    store.put(f"logs.follow:{log}", {"current": {"device": "x"}, "rotated": 3})
    with follower(store, log) as f:
        assert seen([f.step()]) == numbered(log, 1, "/1")
    assert TailState.from_dict({"current": None, "rotated": [{"inode": -1}]}) is None
    assert TailState.from_dict([1, 2]) is None


def test_tailer_state_round_trips_through_a_checkpoint(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines("/1", "/2") + b"half")
    tailer = Tailer(str(log))
    read = tailer.read()
    assert [(c.first_line, c.lines) for c in read.chunks] == [
        (1, (line("/1", 0)[:-1], line("/2", 1)[:-1]))
    ]
    state = tailer.state()
    tailer.close()
    assert state.current is not None and state.current.offset == len(lines("/1", "/2"))
    assert state.current.line == 2 and state.current.head == state.current.offset
    assert TailState.from_dict(json.loads(json.dumps(state.as_dict()))) == state
    again = Tailer(str(log), state)
    append(log, b" done\n")
    assert [c.lines for c in again.read().chunks] == [(b"half done",)]
    again.close()


# ----------------------------------------------------------------------- detection


def test_an_incident_over_several_batches_is_one_event_that_grows(
    tmp_path: Path, store: Store
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(lines("/home", "/about") + login(0) + login(1) + login(2))
    with follower(store, log, site="Main site") as f:
        quiet = f.step()
        append(log, b"".join(login(k) for k in range(3, 7)))
        started = f.step()
        append(log, b"".join(login(k) for k in range(7, 10)))
        grew = f.step()
    assert quiet.new == () and quiet.grown == ()
    assert [(t.incident.kind, t.incident.sources, t.incident.count) for t in started.new] == [
        (BF, (ATTACKER,), 7)
    ]
    assert grew.new == ()
    assert [(t.incident.kind, t.incident.count) for t in grew.grown] == [(BF, 10)]
    assert grew.grown[0].event_id == started.new[0].event_id
    events = store.events()
    assert [(e.id, e.kind, e.indicators, e.targets, e.time) for e in events] == [
        (started.new[0].event_id, f"logs.{BF}", (ATTACKER,), ("Main site",), T0)
    ]
    assert "failed 10 WordPress logins" in events[0].summary

    # a restart (or the next --once run) while the attack goes on: still one event
    append(log, b"".join(login(k) for k in range(10, 20)))
    with follower(store, log, site="Main site") as f:
        later = f.step()
    assert later.new == () and [t.event_id for t in later.grown] == [started.new[0].event_id]
    assert [e.id for e in store.events()] == [started.new[0].event_id]


def test_the_earliest_start_is_kept_when_old_rows_leave_the_window(
    tmp_path: Path, store: Store
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(b"".join(login(k) for k in range(8)))
    with follower(store, log, horizon=8.0) as f:
        first = f.step()
        append(log, b"".join(login(k) for k in range(8, 20)))
        second = f.step()
        assert f.window.frame["ts"].min() == T0 + timedelta(seconds=11)  # 19 - 8
    assert [t.incident.start for t in first.new] == [T0]
    assert second.new == ()
    assert [(t.incident.start, t.incident.end) for t in second.grown] == [
        (T0, T0 + timedelta(seconds=19))
    ]
    assert [e.time for e in store.events()] == [T0]


def _incident(kind: str, start: float, end: float, *sources: str, count: int = 5) -> Incident:
    return Incident(kind, Severity.HIGH, T0 + timedelta(seconds=start),
                    T0 + timedelta(seconds=end), sources, count)  # fmt: skip


def test_the_tracker_tells_one_incident_from_another() -> None:
    tracker = IncidentTracker(adjacent=60)
    new, _ = tracker.update([_incident(BF, 0, 10, "a"), _incident("scan.probing", 0, 10, "a")])
    assert len(new) == 2
    new, grown = tracker.update([
        _incident(BF, 40, 70, "a", count=3),  # later start (rows dropped), fewer rows
        _incident(BF, 500, 510, "a"),  # long after: another incident
        _incident(BF, 0, 10, "b"),  # another source
    ])  # fmt: skip
    assert [(t.incident.sources, t.incident.start) for t in new] == [
        (("a",), T0 + timedelta(seconds=500)),
        (("b",), T0),
    ]
    kept = grown[0].incident
    assert (kept.start, kept.end, kept.count) == (T0, T0 + timedelta(seconds=70), 5)
    restored = IncidentTracker.from_value(json.loads(json.dumps(tracker.as_value())))
    assert restored.tracked == tracker.tracked
    assert IncidentTracker.from_value({"incidents": [{"kind": 1}, "x"]}).tracked == []


def test_the_window_is_bounded_by_time_and_rows() -> None:
    window = Window(horizon=10, max_rows=3)
    window.add(request_frame([req("192.0.2.1", t, line=t) for t in (0, 5, 8)]))
    window.add(request_frame([req("192.0.2.1", t, line=t) for t in (12, 1)]))
    assert window.frame["line"].to_list() == [5, 8, 12]  # 0 and 1 too old
    window.add(request_frame([req("192.0.2.1", 13, line=13)]))
    assert window.frame["line"].to_list() == [8, 12, 13]  # at most 3 rows, oldest dropped
    assert window.dropped == 3


# ----------------------------------------------------------------------------- CLI

runner = CliRunner()


def follow(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["logs", "follow", "--once", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_cli_once_reports_new_incidents_once_and_exits_by_severity(tmp_path: Path) -> None:
    db, log = str(tmp_path / "s.db"), tmp_path / "access.log"
    log.write_bytes(lines("/home") + b"".join(login(k) for k in range(8)))
    first = follow("--db", db, "-f", "json", str(log))
    assert first.exit_code == 1  # a high-severity brute force
    reported = [json.loads(x) for x in first.stdout.splitlines()]
    assert [(r["kind"], r["sources"], r["count"]) for r in reported] == [(BF, [ATTACKER], 8)]
    assert reported[0]["fix"]
    idle = follow("--db", db, "-f", "json", str(log))
    assert (idle.exit_code, idle.stdout) == (0, "")  # nothing new since the checkpoint
    append(log, b"".join(login(k) for k in range(8, 12)))
    grew = follow("--db", db, "-f", "json", str(log))
    assert grew.stdout == ""  # not new: it grew
    assert "still going" in grew.stderr and grew.exit_code == 1
    assert follow("--db", db, "--fail-on", "critical", str(log)).exit_code == 0
    with Store.open(db) as store:
        events = store.events()
    assert [(e.kind, e.indicators) for e in events] == [(f"logs.{BF}", (ATTACKER,))]
    assert "failed 12 WordPress logins" in events[0].summary


def test_cli_table_line_missing_file_and_bad_options(tmp_path: Path) -> None:
    db, log = str(tmp_path / "s.db"), tmp_path / "access.log"
    log.write_bytes(b"".join(login(k) for k in range(8)) + b"not a log line\n")
    missing = tmp_path / "other.log"
    result = follow("--db", db, str(log), str(missing))
    assert result.exit_code == 2
    assert [x for x in result.stdout.splitlines() if x.strip()] == [
        f"HIGH {BF} {ATTACKER} failed 8 WordPress logins in 7 s (2027-04-01 20:00:00 UTC)"
    ]
    assert f"{missing} not found" in result.stderr
    assert f"{log}:9: not a combined log line" in result.stderr
    with Store.open(db) as store:  # the file present was still read and checkpointed
        saved = store.get(f"logs.follow:{log}")
    assert saved is not None and saved["format"] == "combined"
    assert follow("--db", db, "-f", "csv", str(log)).exit_code == 2
    assert follow("--db", db, "--log-format", "w3c", str(log)).exit_code == 2
    assert follow("--db", db, "--interval", "0", str(log)).exit_code == 2
