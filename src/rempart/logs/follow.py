"""Following live web logs: tail through rotation and restarts, detect as lines come.

``rempart logs follow FILE…`` is built from three parts, each usable alone:

:class:`Tailer`
    Follows one path and hands over complete lines, nothing else (no parsing,
    no detection). It polls with ``os.stat`` and plain reads (no inotify), so
    it works on any file system. A last line without its newline waits for it.
    A line longer than ``max_line_bytes`` is handed over cut to
    ``max_line_bytes + 2`` bytes, which :func:`~rempart.logs.parse.parse_lines`
    reports as one bad line; the rest of it is skipped without being held.
    Rotation is followed:

    - *rename* (logrotate's default, nginx reopening on USR1): the path now
      names another inode. The old open file is read to its end, then the new
      file from offset 0; the old file stays open and keeps being read (before
      the new one) until it has not been written for ``drain_seconds``, because
      the server writes to it until it reopens its logs. Its last line, if it
      never gets a newline, is then handed over as it is.
    - *copy-truncate*: the same inode is shorter than what was read, or its
      first bytes changed. Reading starts again at 0. Lines written after the
      last read and before the copy are read from the copy (``PATH.1``, found
      by fingerprint). Lines written between the copy and the truncation are
      in neither file: that loss is copytruncate's own, not ours.
    - the path vanishes (deleted): the open file is finished as for a rename,
      then the path is watched until it comes back.

    Names and numbers: every row's ``source`` is the path as given, for every
    generation of the file; ``line`` counts from 1 in each *generation* (a new
    file after rename or removal, or the same file after truncation). So after
    a rotation ``access.log:12`` of an earlier generation is line 12 of what is
    now ``access.log.1``.

Checkpoint
    :class:`Position` = device, inode, offset, line, and a SHA-256 fingerprint
    of the first (up to 256) bytes read, because inode numbers get reused. The
    :class:`Follower` saves each path's :class:`TailState` with ``Store.put``
    under ``logs.follow:`` + absolute path, *after* the lines read were handed
    to detection and the incidents written, so a restart resumes exactly after
    the last line processed. On restart, the file at the path is the one the
    checkpoint names only when device, inode and fingerprint match and it is
    not shorter. If it is not (rotated while we were down), ``PATH.1`` with the
    matching fingerprint (and not shorter) is read first from the saved offset,
    then the file at the path from 0. A compressed ``PATH.1.gz`` is not looked
    at (logrotate's ``delaycompress`` keeps ``.1`` plain). When neither is
    found, the file at the path is read from its start, and a note says so.

:class:`Follower`
    Parses each batch of new lines, keeps a :class:`Window` of recent rows
    (``horizon`` seconds of log time, at most ``max_rows`` rows) and runs
    :func:`~rempart.logs.detectors.detect_all` on it after each batch. An
    :class:`IncidentTracker` recognises an incident seen before (same kind, a
    shared source, overlapping or adjacent spans) so that it is reported once
    and then updated: one timeline event, whose id stays that of the first
    report, rewritten as the incident grows. The tracker is saved in the store
    too (``logs.follow.incidents:`` + the list of absolute paths), so an attack
    going on across restarts (or ``--once`` runs from cron) stays one event.

    The window itself is not saved: on restart it is refilled with the lines
    of the last ``recent_bytes`` (16 MiB) before each checkpoint, in the files
    found again, so that an attack going on across ``--once`` runs is still
    seen whole (those lines are context: they are not reported or stored
    again, and each is in the window once).

Limits: a busy site writes more than ``recent_bytes`` in an hour, so after a
restart detection looks back less far than ``horizon`` at first. Once an
incident outlives the window, its count is the largest the detector reported
at once (a lower bound), never a sum, so lines read twice after a crash
between writing events and saving the checkpoint do not inflate it. A line
from the far future (a server clock jump) moves the window and flushes it.
A write to a rotated file after it was quiet for ``drain_seconds`` is missed.
A writer that does not append (no ``O_APPEND``) keeps its offset after a
copy-truncate: the file then starts with NUL bytes, read as bad lines.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, Protocol

import polars as pl

from rempart.errors import InputError
from rempart.logs.detectors import detect_all
from rempart.logs.events import incident_event
from rempart.logs.model import SCHEMA, BadLines, Incident
from rempart.logs.parse import FORMATS, SAMPLE_LINES, JsonFields, detect_format, parse_lines
from rempart.logs.settings import Settings
from rempart.model.findings import Event, Severity

log = logging.getLogger(__name__)

FINGERPRINT_BYTES = 256
"""Bytes at the start of a file whose hash tells one file from another."""
MAX_LINE_BYTES = 64 * 1024
"""Longest line parsed (as :func:`rempart.logs.parse.read_log`); longer ones are bad lines."""
BATCH_BYTES = 8 * 1024 * 1024
"""Bytes a tailer reads per call: one batch, so a large backlog is taken in steps."""
DRAIN_SECONDS = 5.0
"""A rotated file is finished once it has not been written for this long."""
ROTATED_SUFFIXES = (".1",)
"""Where a rotated file is looked for (after the path) on restart or truncation."""
MAX_ROTATED = 4
"""Rotated files read at once; beyond this the oldest is given up (noted)."""
HORIZON = 3600.0
"""Seconds of log time the detection window keeps."""
MAX_ROWS = 2_000_000
"""Rows the detection window keeps at most (about 0.4 GB at ~200 bytes a row)."""
RECENT_BYTES = 16 * 1024 * 1024
"""Bytes read again before each checkpoint on restart to refill the detection window."""
ADJACENT = 60.0
"""Seconds between two spans of one kind and source that still make one incident."""
MAX_TRACKED = 1000
"""Incidents the tracker remembers (the most recent ones)."""
MAX_MERGED_SOURCES = 1000
"""Sources an incident accumulates at most as it grows."""
CHECKPOINT_PREFIX = "logs.follow:"
INCIDENTS_PREFIX = "logs.follow.incidents:"
_VERSION = 1


# --------------------------------------------------------------------------- tailing


@dataclass(frozen=True)
class Position:
    """Where reading stands in one generation of a file (one inode, from its
    creation or from its last truncation)."""

    device: int
    inode: int
    offset: int
    """Bytes consumed: all before it were handed over (or skipped in an overlong line)."""
    line: int
    """Lines handed over from this generation; the next one is ``line + 1``."""
    fingerprint: str
    """SHA-256 (hex) of the generation's first ``head`` bytes."""
    head: int
    """Bytes the fingerprint covers: ``min(offset, FINGERPRINT_BYTES)``."""
    skipping: bool = False
    """Inside an overlong line: bytes up to the next newline are skipped."""

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Position | None:
        """The position ``data`` (as :meth:`as_dict` wrote it), or None if it is not one."""
        if not isinstance(data, dict):
            return None
        ints = ("device", "inode", "offset", "line", "head")
        if not all(type(data.get(k)) is int and data[k] >= 0 for k in ints):
            return None
        fingerprint, skipping = data.get("fingerprint"), data.get("skipping", False)
        if not isinstance(fingerprint, str) or not isinstance(skipping, bool):
            return None
        values = {k: data[k] for k in ints}
        return cls(**values, fingerprint=fingerprint, skipping=skipping)


@dataclass(frozen=True)
class TailState:
    """A tailer's checkpoint: the file at the path, and rotated files not finished."""

    current: Position | None = None
    """The file at the path (None when there is none)."""
    rotated: tuple[Position, ...] = ()
    """Rotated files still being read, oldest first."""

    def as_dict(self) -> dict[str, object]:
        return {
            "current": self.current.as_dict() if self.current else None,
            "rotated": [p.as_dict() for p in self.rotated],
        }

    @classmethod
    def from_dict(cls, data: object) -> TailState | None:
        """The state ``data`` holds, or None when it is not one."""
        if not isinstance(data, dict) or data.get("version", _VERSION) != _VERSION:
            return None
        current = Position.from_dict(data.get("current"))
        if data.get("current") is not None and current is None:
            return None
        rotated = data.get("rotated", [])
        if not isinstance(rotated, list):
            return None
        positions = [Position.from_dict(r) for r in rotated]
        if any(p is None for p in positions):
            return None
        return cls(current, tuple(p for p in positions if p is not None))


@dataclass(frozen=True)
class Chunk:
    """Consecutive complete lines of one file generation."""

    source: str
    """The path as given."""
    first_line: int
    """Line number (in its generation) of the first line."""
    lines: tuple[bytes, ...]
    """Raw lines, newline removed; an overlong one cut to ``max_line_bytes + 2`` bytes."""
    rotated: bool = False
    """Read from a rotated (renamed, removed or copied) file."""


@dataclass(frozen=True)
class TailRead:
    """What one :meth:`Tailer.read` found."""

    chunks: tuple[Chunk, ...]
    """New lines, rotated files first (oldest first), then the file at the path."""
    notes: tuple[str, ...]
    """What happened to the file (rotated, truncated, gone, back), one line each."""
    more: bool
    """The batch was full: more is waiting, read again without sleeping."""


def split_lines(data: bytes, skipping: bool, max_line_bytes: int) -> tuple[list[bytes], int, bool]:
    """The complete lines at the start of ``data``, the bytes they use, and whether
    an overlong line is being skipped after them.

    Lines are returned without their newline, each cut to ``max_line_bytes + 2``
    bytes (still too long after a final ``\\r`` is dropped, so the parser reports
    it). A last piece without newline is left for later, unless it is already
    longer than ``max_line_bytes + 1``: then it is handed over as an overlong
    line, consumed, and the rest up to the next newline is skipped.
    """
    keep = max_line_bytes + 2
    start = 0
    if skipping:
        newline = data.find(b"\n")
        if newline < 0:
            return [], len(data), True
        start = newline + 1
    lines: list[bytes] = []
    while (newline := data.find(b"\n", start)) >= 0:
        lines.append(data[start : min(newline, start + keep)])
        start = newline + 1
    if len(data) - start > max_line_bytes + 1:
        lines.append(data[start : start + keep])
        return lines, len(data), True
    return lines, start, False


def _digest(head: bytes) -> str:
    return hashlib.sha256(head).hexdigest()


class _Generation:
    """One open file generation and where reading stands in it."""

    def __init__(self, file: BinaryIO, position: Position | None = None, head: bytes = b"") -> None:
        st = os.fstat(file.fileno())
        self.file = file
        self.device, self.inode = st.st_dev, st.st_ino
        self.offset = position.offset if position else 0
        self.line = position.line if position else 0
        self.skipping = position.skipping if position else False
        self.head = head
        self.retired = 0.0
        """When it was seen rotated while being read (0: found rotated on restart)."""

    def position(self) -> Position:
        head = self.head
        return Position(self.device, self.inode, self.offset, self.line, _digest(head), len(head),
                        self.skipping)  # fmt: skip

    def same_file(self, st: os.stat_result) -> bool:
        return (st.st_dev, st.st_ino) == (self.device, self.inode)

    def rewritten(self, size: int) -> bool:
        """Truncated (shorter than what was read) or its first bytes changed."""
        if size < self.offset:
            return True
        if not self.head:
            return False
        self.file.seek(0)
        return self.file.read(len(self.head)) != self.head

    def restart(self) -> None:
        self.offset = self.line = 0
        self.head, self.skipping = b"", False

    def read(self, budget: int, max_line_bytes: int) -> tuple[list[bytes], int, int]:
        """New complete lines, the number of the first, and the bytes read."""
        self.file.seek(self.offset)
        data = self.file.read(budget)
        lines, used, self.skipping = split_lines(data, self.skipping, max_line_bytes)
        first = self.line + 1
        if len(self.head) < FINGERPRINT_BYTES:
            self.head = (self.head + data[:used])[:FINGERPRINT_BYTES]
        self.offset += used
        self.line += len(lines)
        return lines, first, len(data)

    def rest(self, max_line_bytes: int) -> list[bytes]:
        """The last line when it never got its newline (the file is being finished)."""
        if self.skipping:
            return []
        self.file.seek(self.offset)
        tail = self.file.read(max_line_bytes + 2)
        self.offset += len(tail)
        self.line += 1 if tail else 0
        return [tail] if tail else []

    def quiet_since(self) -> float:
        """When it was last written (or seen rotated, if later)."""
        return max(os.fstat(self.file.fileno()).st_mtime, self.retired)

    def close(self) -> None:
        self.file.close()


def _before(
    gen: _Generation, limit: int, max_line_bytes: int
) -> tuple[int, tuple[bytes, ...]] | None:
    """The number of the first, and the complete lines in the ``limit`` bytes before
    ``gen``'s offset (a line cut by the limit left out)."""
    start = max(0, gen.offset - limit)
    gen.file.seek(start)
    data = gen.file.read(gen.offset - start)
    if start > 0:
        data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
    data = data[: data.rfind(b"\n") + 1]
    lines, _, _ = split_lines(data, False, max_line_bytes)
    if not lines:
        return None
    last = gen.line - 1 if gen.skipping else gen.line  # an overlong line being skipped
    return last - len(lines) + 1, tuple(lines)


class Tailer:
    """Follows one path through rotation; see the module docstring.

    ``state`` is a checkpoint from :meth:`state` (None: read from the start).
    ``clock`` gives wall-clock seconds, compared with file modification times
    to tell when a rotated file is no longer written. Call :meth:`read`
    repeatedly (every second or so), and :meth:`close` at the end.
    """

    def __init__(
        self,
        path: str,
        state: TailState | None = None,
        *,
        clock: Callable[[], float] = time.time,
        max_line_bytes: int = MAX_LINE_BYTES,
        batch_bytes: int = BATCH_BYTES,
        drain_seconds: float = DRAIN_SECONDS,
        rotated_suffixes: Sequence[str] = ROTATED_SUFFIXES,
    ) -> None:
        if max_line_bytes < 1 or batch_bytes < max_line_bytes + 2:
            raise ValueError("max_line_bytes must be positive and batch_bytes above it")
        self.path = path
        self.clock = clock
        self.max_line_bytes = max_line_bytes
        self.batch_bytes = batch_bytes
        self.drain_seconds = drain_seconds
        self.rotated_suffixes = tuple(rotated_suffixes)
        self._saved = state
        self._started = False
        self._current: _Generation | None = None
        self._rotated: list[_Generation] = []
        self._absent: str | None = None
        self._error: str | None = None

    @property
    def missing(self) -> bool:
        """No file at the path could be opened (at the last read)."""
        return self._started and self._current is None

    def state(self) -> TailState:
        """Where reading stands, after every line handed over so far."""
        if not self._started:
            return self._saved or TailState()
        current = self._current.position() if self._current else None
        return TailState(current, tuple(g.position() for g in self._rotated))

    def open(self) -> tuple[str, ...]:
        """Find the files the checkpoint names (done by the first :meth:`read` if not
        called); notes on what was found."""
        notes: list[str] = []
        if not self._started:
            self._started = True
            self._resume(notes)
        return tuple(notes)

    def recent(self, limit: int) -> list[Chunk]:
        """Complete lines from the last ``limit`` bytes before where reading stands in
        each open file (rotated ones first): lines already handed over, read again
        as context after a restart. Nothing is consumed."""
        chunks: list[Chunk] = []
        for gen in [*self._rotated, *([self._current] if self._current else [])]:
            try:
                chunk = _before(gen, limit, self.max_line_bytes)
            except OSError:
                continue
            if chunk is not None:
                chunks.append(Chunk(self.path, chunk[0], chunk[1], gen is not self._current))
        return chunks

    def read(self) -> TailRead:
        """The lines written since the last call, at most about ``batch_bytes`` of them."""
        notes = list(self.open())
        self._watch(notes)
        chunks: list[Chunk] = []
        budget, more = self.batch_bytes, False
        for gen in list(self._rotated):
            if budget <= 0:
                more = True
                break
            lines, first, size, quiet = self._take(gen, budget, notes)
            full = size >= budget
            budget -= size
            more |= full
            if quiet and not full:
                lines += self._finish(gen)
            chunks.append(Chunk(self.path, first, tuple(lines), rotated=True))
        if self._current is not None:
            budget = max(budget, self.max_line_bytes + 2)
            lines, first, size, _ = self._take(self._current, budget, notes)
            more |= size >= budget
            chunks.append(Chunk(self.path, first, tuple(lines)))
        return TailRead(tuple(c for c in chunks if c.lines), tuple(notes), more)

    def _take(
        self, gen: _Generation, budget: int, notes: list[str]
    ) -> tuple[list[bytes], int, int, bool]:
        """``gen.read`` and whether it was quiet before; a read error is noted (once)."""
        try:
            quiet = self.clock() - gen.quiet_since() >= self.drain_seconds
            lines, first, size = gen.read(budget, self.max_line_bytes)
        except OSError as e:
            self._note_error(f"{self.path}: read error ({e.strerror or e}); trying again", notes)
            return [], gen.line + 1, 0, False
        self._error = None
        return lines, first, size, quiet

    def _note_error(self, text: str, notes: list[str]) -> None:
        if text != self._error:
            notes.append(text)
        self._error = text

    def close(self) -> None:
        """Close the open files (the state stays readable)."""
        saved = self.state()
        for gen in [*self._rotated, *([self._current] if self._current else [])]:
            gen.close()
        self._rotated, self._current, self._saved, self._started = [], None, saved, False

    # -- what became of the path ------------------------------------------------

    def _stat(self) -> tuple[os.stat_result | None, str]:
        """The path's status, or None and why not."""
        try:
            return os.stat(self.path), ""
        except FileNotFoundError:
            return None, "not found; waiting for it"
        except OSError as e:
            return None, f"cannot be read ({e.strerror or e}); trying again"

    def _watch(self, notes: list[str]) -> None:
        """Notice rename, removal, truncation and a file appearing; open it."""
        st, why = self._stat()
        cur = self._current
        if cur is not None and (st is None or not cur.same_file(st)):
            how = "is gone (renamed or removed)" if st is None else "now names another file"
            notes.append(f"{self.path} {how}: finishing the old file first")
            cur.retired = self.clock()
            self._add_rotated(cur, notes)
            self._current = cur = None
        elif cur is not None and st is not None and self._rewritten(cur, st.st_size):
            self._truncated(cur, notes)
        if self._current is None and st is not None:
            back = next((g for g in self._rotated if g.same_file(st)), None)
            if back is not None:
                self._rotated.remove(back)
                self._current = back
                notes.append(f"{self.path} is back: going on at line {back.line + 1}")
            else:
                self._open_new(notes)
        if self._current is None and st is None:
            self._set_absent(why, notes)

    def _rewritten(self, gen: _Generation, size: int) -> bool:
        try:
            return gen.rewritten(size)
        except OSError:
            return False

    def _truncated(self, cur: _Generation, notes: list[str]) -> None:
        copy = self._find_elsewhere(cur.position(), exclude=cur)
        where = ""
        if copy is not None:
            self._add_rotated(copy, notes)
            where = f"; the lines not read yet are read from {copy.file.name}"
        notes.append(f"{self.path} was truncated (copy-truncate): reading it from its start{where}")
        cur.restart()

    def _open_new(self, notes: list[str]) -> None:
        try:
            file = open(self.path, "rb")  # noqa: SIM115 - kept open while following
        except FileNotFoundError:
            self._set_absent("not found; waiting for it", notes)
            return
        except OSError as e:
            self._set_absent(f"cannot be read ({e.strerror or e}); trying again", notes)
            return
        if self._absent is not None:
            notes.append(f"{self.path} is here now: reading it from its start")
        self._absent = None
        self._current = _Generation(file)

    def _set_absent(self, why: str, notes: list[str]) -> None:
        if why != self._absent:
            notes.append(f"{self.path} {why}")
        self._absent = why

    def _add_rotated(self, gen: _Generation, notes: list[str]) -> None:
        if len(self._rotated) >= MAX_ROTATED:
            oldest = self._rotated.pop(0)
            notes.append(f"{self.path}: too many rotated files at once; gave up on one after "
                         f"its line {oldest.line}")  # fmt: skip
            oldest.close()
        self._rotated.append(gen)

    def _finish(self, gen: _Generation) -> list[bytes]:
        """Stop reading a rotated file: its unterminated last line, if any."""
        self._rotated.remove(gen)
        try:
            rest = gen.rest(self.max_line_bytes)
        except OSError:
            rest = []
        gen.close()
        log.debug("%s: rotated file finished after line %d", self.path, gen.line)
        return rest

    # -- restart from a checkpoint ---------------------------------------------

    def _resume(self, notes: list[str]) -> None:
        state = self._saved
        if state is None:
            notes.append(f"{self.path}: no checkpoint: reading from the start")
            return
        for p in state.rotated:
            gen = self._find_elsewhere(p)
            if gen is None:
                notes.append(f"{self.path}: the rotated file being finished at the last stop "
                             f"is not found at {self._candidates()}: its last lines may be "
                             f"missed")  # fmt: skip
            else:
                self._rotated.append(gen)
        if state.current is not None:
            self._resume_current(state.current, notes)

    def _resume_current(self, p: Position, notes: list[str]) -> None:
        gen = self._open_at(self.path, p, same_inode=True)
        if gen is not None:
            self._current = gen
            return
        gen = self._find_elsewhere(p)
        if gen is not None:
            self._rotated.append(gen)
            notes.append(f"{self.path} was rotated while stopped: reading the rest of "
                         f"{gen.file.name} (from line {p.line + 1}), then {self.path} from its "
                         f"start")  # fmt: skip
        else:
            notes.append(f"{self.path} is not the file the checkpoint names (rotated or "
                         f"truncated while stopped) and {self._candidates()} is not it either: "
                         f"reading {self.path} from its start; lines may be missed")  # fmt: skip

    def _candidates(self) -> str:
        return " or ".join(self.path + s for s in self.rotated_suffixes)

    def _find_elsewhere(
        self, p: Position, exclude: _Generation | None = None
    ) -> _Generation | None:
        """The file ``p`` names among the rotated names (by fingerprint), opened at ``p``."""
        for suffix in self.rotated_suffixes:
            gen = self._open_at(self.path + suffix, p, same_inode=False)
            if gen is None:
                continue
            taken = [g for g in (self._current, exclude, *self._rotated) if g is not None]
            if any(gen.device == g.device and gen.inode == g.inode for g in taken):
                gen.close()
                continue
            return gen
        return None

    def _open_at(self, name: str, p: Position, *, same_inode: bool) -> _Generation | None:
        """``name`` opened at ``p`` if it is the file ``p`` names, else None."""
        try:
            file = open(name, "rb")  # noqa: SIM115 - kept open while following
        except OSError:
            return None
        st = os.fstat(file.fileno())
        inode_matches = (st.st_dev, st.st_ino) == (p.device, p.inode)
        head = file.read(p.head)
        fits = (
            st.st_size >= p.offset
            and (inode_matches or not same_inode)
            and (inode_matches or p.head > 0)
            and len(head) == p.head
            and _digest(head) == p.fingerprint
        )
        if not fits:
            file.close()
            return None
        return _Generation(file, p, head)


# ------------------------------------------------------------------------ detection


class Window:
    """The rows detection looks at: the last ``horizon`` seconds of log time
    (before the newest row seen), and at most ``max_rows`` rows, oldest dropped
    first. ``max_rows`` bounds the memory held (about 200 bytes a row for
    usual logs) and the time each detection pass takes; ``horizon`` is how far
    back an attack can be pieced together."""

    def __init__(self, horizon: float = HORIZON, max_rows: int = MAX_ROWS) -> None:
        if horizon <= 0 or max_rows < 1:
            raise ValueError("horizon and max_rows must be positive")
        self.horizon = timedelta(seconds=horizon)
        self.max_rows = max_rows
        self.frame = pl.DataFrame(schema=SCHEMA)
        self.latest: datetime | None = None
        """Newest request time seen."""
        self.dropped = 0
        """Rows dropped so far (too old, or beyond ``max_rows``)."""

    def add(self, rows: pl.DataFrame) -> None:
        """Add rows (request-table columns), then drop what falls out."""
        if rows.is_empty():
            return
        newest = rows["ts"].max()
        if isinstance(newest, datetime) and (self.latest is None or newest > self.latest):
            self.latest = newest
        frame = pl.concat([self.frame, rows.select(list(SCHEMA))], how="vertical", rechunk=False)
        before = frame.height
        if self.latest is not None:
            cutoff = self.latest - self.horizon
            oldest = frame["ts"].min()
            if isinstance(oldest, datetime) and oldest < cutoff:
                frame = frame.filter(pl.col("ts") >= cutoff)
        if frame.height > self.max_rows:
            frame = frame.sort("ts").tail(self.max_rows)
        if frame.n_chunks() > 64:
            frame = frame.rechunk()
        self.dropped += before - frame.height
        self.frame = frame


@dataclass(frozen=True)
class Tracked:
    """An incident reported before, as it stands now."""

    event_id: str
    """Id of its timeline event: the one of its first report, kept as it grows."""
    incident: Incident
    """Earliest start and latest end seen, the largest count reported at once."""


def same_incident(a: Incident, b: Incident, adjacent: float = ADJACENT) -> bool:
    """Same kind, a shared source, and spans overlapping or at most ``adjacent`` s apart."""
    gap = timedelta(seconds=adjacent)
    return (
        a.kind == b.kind
        and not set(a.sources).isdisjoint(b.sources)
        and b.start <= a.end + gap
        and b.end >= a.start - gap
    )


def merge(old: Incident, new: Incident) -> Incident:
    """One incident seen twice: the wider span, the worse severity, all sources, and
    the count, summary and evidence of whichever view has more requests."""
    bigger = new if new.count >= old.count else old
    sources = old.sources + tuple(s for s in new.sources if s not in set(old.sources))
    return dataclasses.replace(
        bigger,
        start=min(old.start, new.start),
        end=max(old.end, new.end),
        severity=max(old.severity, new.severity),
        sources=sources[:MAX_MERGED_SOURCES],
    )


def _grew(old: Incident, new: Incident) -> bool:
    keys = ("start", "end", "count", "severity", "sources")
    return any(getattr(old, k) != getattr(new, k) for k in keys)


class IncidentTracker:
    """Incidents already reported, so that each is reported once and then updated."""

    def __init__(self, tracked: Iterable[Tracked] = (), *, adjacent: float = ADJACENT) -> None:
        self.tracked: list[Tracked] = list(tracked)
        self.adjacent = adjacent

    def update(self, incidents: Iterable[Incident]) -> tuple[list[Tracked], list[Tracked]]:
        """Fold in what detection found: (incidents new, incidents known that grew)."""
        new: list[Tracked] = []
        grown: dict[str, Tracked] = {}
        for incident in incidents:
            index = next((k for k, t in enumerate(self.tracked)
                          if same_incident(t.incident, incident, self.adjacent)), None)  # fmt: skip
            if index is None:
                entry = Tracked(incident_event(incident).id, incident)
                self.tracked.append(entry)
                new.append(entry)
                continue
            old = self.tracked[index]
            merged = merge(old.incident, incident)
            if _grew(old.incident, merged):
                self.tracked[index] = Tracked(old.event_id, merged)
                if old.event_id not in {t.event_id for t in new}:
                    grown[old.event_id] = self.tracked[index]
                else:
                    new = [self.tracked[index] if t.event_id == old.event_id else t for t in new]
        return new, list(grown.values())

    def prune(self, before: datetime | None) -> bool:
        """Forget incidents that ended before ``before`` (and all but the newest
        :data:`MAX_TRACKED`); say whether any was forgotten."""
        kept = self.tracked
        if before is not None:
            limit = before - timedelta(seconds=self.adjacent)
            kept = [t for t in kept if t.incident.end >= limit]
        if len(kept) > MAX_TRACKED:
            kept = sorted(kept, key=lambda t: t.incident.end)[-MAX_TRACKED:]
        changed = len(kept) != len(self.tracked)
        self.tracked = kept
        return changed

    def as_value(self) -> dict[str, object]:
        rows = [{"event_id": t.event_id} | t.incident.as_dict() for t in self.tracked]
        return {"version": _VERSION, "incidents": rows}

    @classmethod
    def from_value(cls, value: object, *, adjacent: float = ADJACENT) -> IncidentTracker:
        """A tracker from :meth:`as_value`'s output; unreadable entries are left out."""
        rows = value.get("incidents") if isinstance(value, dict) else None
        parsed = [_tracked(row) for row in rows] if isinstance(rows, list) else []
        return cls((t for t in parsed if t is not None), adjacent=adjacent)


def _tracked(row: object) -> Tracked | None:
    if not isinstance(row, dict):
        return None
    try:
        details = row.get("details") or {}
        incident = Incident(
            kind=str(row["kind"]),
            severity=Severity(row["severity"]),
            start=datetime.fromisoformat(row["start"]),
            end=datetime.fromisoformat(row["end"]),
            sources=tuple(str(s) for s in row["sources"]),
            count=int(row["count"]),
            evidence=tuple(str(e) for e in row.get("evidence") or ()),
            summary=str(row.get("summary") or ""),
            details=tuple((str(k), str(v)) for k, v in dict(details).items()),
        )
        return Tracked(str(row["event_id"]), incident)
    except (KeyError, TypeError, ValueError):
        return None


def tracked_event(entry: Tracked, site: str = "") -> Event:
    """The timeline event of a tracked incident, under the id of its first report."""
    return dataclasses.replace(incident_event(entry.incident, site), id=entry.event_id)


class FollowStore(Protocol):
    """What following needs of the store (:class:`rempart.store.Store` has it)."""

    def get(self, key: str) -> dict[str, object] | None: ...

    def put(self, key: str, value: dict[str, object]) -> None: ...

    def replace_events(self, events: Iterable[Event]) -> int: ...


@dataclass(frozen=True)
class Step:
    """What one :meth:`Follower.step` read and found."""

    rows: pl.DataFrame
    """The new rows handed to detection (request-table columns, in file order). After
    a restart the window also holds lines read before it, as context; they are not
    here."""
    bad: BadLines
    """Lines read that could not be parsed."""
    new: tuple[Tracked, ...]
    """Incidents seen for the first time."""
    grown: tuple[Tracked, ...]
    """Incidents seen before that grew (later end, more requests or sources)."""
    notes: tuple[str, ...]
    """What happened to the files (rotation, truncation, missing, resumed)."""
    problems: tuple[str, ...]
    """Unreadable lines and failed detectors, one line each, naming where."""
    more: bool
    """Some file had more than one batch waiting: step again without sleeping."""


class _File:
    def __init__(self, path: str, tailer: Tailer, fmt: str | None) -> None:
        self.path = path
        self.key = CHECKPOINT_PREFIX + os.path.abspath(path)
        self.tailer = tailer
        self.fmt = fmt
        self.saved: dict[str, object] | None = None
        self.processed: TailState | None = None
        self.fresh = True


class Follower:
    """Follows several logs into one detection window; see the module docstring.

    Each :meth:`step` reads what is new in every file (one batch each),
    parses it, runs detection on the window, writes new and grown incidents
    as events, then saves every checkpoint. ``log_format`` is ``auto``
    (detected once per path, on its first lines, and kept in its checkpoint)
    or one of :data:`rempart.logs.parse.FORMATS`.
    """

    def __init__(
        self,
        paths: Sequence[str],
        store: FollowStore,
        *,
        settings: Settings | None = None,
        log_format: str = "auto",
        json_fields: JsonFields | None = None,
        site: str = "",
        horizon: float = HORIZON,
        max_rows: int = MAX_ROWS,
        clock: Callable[[], float] = time.time,
        max_line_bytes: int = MAX_LINE_BYTES,
        batch_bytes: int = BATCH_BYTES,
        drain_seconds: float = DRAIN_SECONDS,
        recent_bytes: int = RECENT_BYTES,
    ) -> None:
        if log_format != "auto" and log_format not in FORMATS:
            raise InputError(f"unknown log format {log_format!r} (known: auto, "
                             f"{', '.join(FORMATS)})")  # fmt: skip
        self.store = store
        self.settings = settings or Settings()
        self.log_format = log_format
        self.json_fields = json_fields or JsonFields()
        self.site = site
        self.max_line_bytes = max_line_bytes
        self.recent_bytes = recent_bytes
        self.window = Window(horizon, max_rows)
        unique = list(dict.fromkeys(paths))
        self.incidents_key = INCIDENTS_PREFIX + json.dumps(sorted(os.path.abspath(p)
                                                                  for p in unique))  # fmt: skip
        self.tracker = IncidentTracker.from_value(store.get(self.incidents_key))
        self.files: list[_File] = []
        for path in unique:
            saved = store.get(CHECKPOINT_PREFIX + os.path.abspath(path))
            state = TailState.from_dict(saved)
            if saved is not None and state is None:
                log.warning("%s: checkpoint unreadable, ignored: %.200r", path, saved)
            fmt = self._format(saved if state is not None else None)
            tailer = Tailer(path, state, clock=clock, max_line_bytes=max_line_bytes,
                            batch_bytes=batch_bytes, drain_seconds=drain_seconds)  # fmt: skip
            entry = _File(path, tailer, fmt)
            entry.saved = saved
            self.files.append(entry)

    def _format(self, saved: dict[str, object] | None) -> str | None:
        """The format given, else the one a checkpoint recorded (if known)."""
        if self.log_format != "auto":
            return self.log_format
        fmt = saved.get("format") if saved else None
        return fmt if isinstance(fmt, str) and fmt in FORMATS else None

    def missing(self) -> list[str]:
        """Paths with no file to read at the last step."""
        return [f.path for f in self.files if f.tailer.missing]

    def step(self) -> Step:
        """Read, detect, store, checkpoint; see the class docstring."""
        notes: list[str] = []
        problems: list[str] = []
        frames: list[pl.DataFrame] = []
        bads: list[BadLines] = []
        more = False
        for entry in self.files:
            if entry.fresh:
                entry.fresh = False
                notes += entry.tailer.open()
                self._warm(entry)
            read = entry.tailer.read()
            notes += read.notes
            more |= read.more
            for chunk in read.chunks:
                frame, bad = self._parse(entry, chunk)
                frames.append(frame)
                if bad.count:
                    bads.append(bad)
                    shown = "; ".join(bad.examples[:3])
                    problems.append(f"{chunk.source}: {bad.count} line(s) not readable, "
                                    f"e.g. {shown}")  # fmt: skip
        rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=SCHEMA)
        new, grown = self._detect(rows, problems)
        for entry in self.files:
            entry.processed = entry.tailer.state()
        self.save()
        bad = BadLines(sum(b.count for b in bads), tuple(e for b in bads for e in b.examples)[:5])
        return Step(rows, bad, tuple(new), tuple(grown), tuple(notes), tuple(problems), more)

    def save(self) -> None:
        """Save every file's checkpoint: after the last line of the last complete step
        (so it is safe to call when a step was interrupted)."""
        for entry in self.files:
            if entry.processed is None:
                continue
            value = {"version": _VERSION, "format": entry.fmt} | entry.processed.as_dict()
            if value != entry.saved:
                self.store.put(entry.key, value)
                entry.saved = value

    def close(self) -> None:
        """Close every file (call :meth:`save` first if a step was interrupted)."""
        for entry in self.files:
            entry.tailer.close()

    def __enter__(self) -> Follower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _warm(self, entry: _File) -> None:
        """Refill the window, after a restart, with the lines read just before it."""
        for chunk in entry.tailer.recent(self.recent_bytes):
            frame, _ = self._parse(entry, chunk)  # bad lines were reported the first time
            self.window.add(frame)

    def _parse(self, entry: _File, chunk: Chunk) -> tuple[pl.DataFrame, BadLines]:
        lines = list(chunk.lines)
        if entry.fmt is None:
            try:
                entry.fmt = detect_format(lines[:SAMPLE_LINES], source=chunk.source,
                                          json_fields=self.json_fields)  # fmt: skip
            except InputError as e:  # read as bad; the next lines try again
                return pl.DataFrame(schema=SCHEMA), BadLines(len(lines), (str(e),))
        return parse_lines(lines, entry.fmt, chunk.source, chunk.first_line,
                           json_fields=self.json_fields,
                           max_line_bytes=self.max_line_bytes)  # fmt: skip

    def _detect(
        self, rows: pl.DataFrame, problems: list[str]
    ) -> tuple[list[Tracked], list[Tracked]]:
        """Detection on the window after adding ``rows``; events written, tracker saved."""
        if rows.is_empty():
            return [], []
        self.window.add(rows)
        detection = detect_all(self.window.frame, self.settings)
        problems += [f.line() for f in detection.failures]
        new, grown = self.tracker.update(detection.incidents)
        latest = self.window.latest
        pruned = self.tracker.prune(latest - self.window.horizon if latest else None)
        if new or grown:
            self.store.replace_events(tracked_event(t, self.site) for t in [*new, *grown])
        if new or grown or pruned:
            self.store.put(self.incidents_key, self.tracker.as_value())
        return new, grown
