"""Logs of any size: in memory when they fit, else in shards on disk, or on Dask.

A log that fits the memory budget is read whole and every detector runs on one
frame. A larger one is *spilled*: read in chunks (never more than one chunk in
memory), each chunk cut by client address into ``shards`` Arrow files on disk,
so that every request of an IP lands in the same shard. The detectors then run
as map/reduce programs (:mod:`rempart.logs.detectors._steps`): one shard in
memory at a time, a few small sums between rounds. Memory stays near one
chunk or one shard, whatever the size of the log.

With a Dask cluster (``dask="local"`` or a scheduler address) each input file is
read and spilled by a worker, and each shard analysed by a worker. Workers read
the files and the spill directory by path: on a remote cluster both must be on
a filesystem every worker sees.

Results are the same either way (the tests compare them); what is read but
cannot be parsed is counted, never lost silently.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from rempart.engine.jobs import Job, JobOutcome, run_inline
from rempart.errors import RempartError
from rempart.logs.detectors import Detection, conform, detect_all, detect_on
from rempart.logs.detectors._steps import Failed, ShardMap, apply_all
from rempart.logs.model import SCHEMA
from rempart.logs.parse import JsonFields, read_log
from rempart.logs.settings import Settings

logger = logging.getLogger(__name__)

WORK_FACTOR = 6
"""Peak memory of detection per byte of plain log text (measured: about 5.6)."""
GZIP_RATIO = 10
"""Assumed expansion of gzip logs when estimating their size (access logs: 8–15)."""
SHARD_SEED = 0x5EED
"""Seed of the address hash that picks a request's shard (same in every process)."""
CHUNK_LINES = 1_000_000
"""Lines parsed at a time while spilling (at most)."""
CHUNKS_IN_FLIGHT = 4
"""Chunks of text held at once while spilling (read ahead, parsed, being written)."""

Progress = Callable[[str], None]


def default_memory() -> int:
    """The memory budget when none is given: a quarter of the machine's RAM."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 4 << 30
    return max(total // 4, 256 << 20)


@dataclass(frozen=True)
class Analysis:
    """What reading and analysing the logs came to."""

    detection: Detection
    lines: int
    """Lines read, readable or not."""
    bad: int
    """Lines that could not be read."""
    problems: tuple[str, ...] = ()
    """One line per file or detector that could not be read or run, naming it."""
    shards: int = 1
    """1 when analysed in memory."""
    how: str = "memory"
    """``memory``, ``shards on disk`` or the Dask cluster's name."""


@dataclass
class _Read:
    lines: int = 0
    bad: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: _Read) -> None:
        self.lines += other.lines
        self.bad += other.bad
        self.problems += other.problems


def estimate_bytes(paths: Iterable[str]) -> int:
    """Plain-text size of the logs: file sizes, gzip ones times :data:`GZIP_RATIO`."""
    total = 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                gz = f.read(2) == b"\x1f\x8b"
            total += os.path.getsize(path) * (GZIP_RATIO if gz else 1)
        except OSError:
            continue  # reported when read
    return total


def shard_count(plain_bytes: int, memory: int, minimum: int = 1) -> int:
    """Shards so that analysing one needs at most ``memory`` bytes."""
    return max(minimum, math.ceil(plain_bytes * WORK_FACTOR / max(memory, 1)))


def analyse(
    paths: Sequence[str],
    *,
    log_format: str = "auto",
    json_fields: JsonFields | None = None,
    settings: Settings | None = None,
    memory: int | None = None,
    shards: int | None = None,
    dask: str | None = None,
    spill_dir: str | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Read ``paths`` and run every detector, in memory, in shards or on Dask.

    ``shards`` forces a number of shards (1: in memory); by default it follows
    the size of the logs and ``memory`` (bytes; default :func:`default_memory`).
    ``dask`` is ``"local"`` or a scheduler address. Raises :class:`RempartError`
    when the Dask cluster cannot be used; unreadable files are problems, not
    errors."""
    say = progress or (lambda _text: None)
    settings = settings or Settings()
    json_fields = json_fields or JsonFields()
    memory = memory or default_memory()
    if shards is None:
        shards = shard_count(estimate_bytes(paths), memory, 2 if dask else 1)
    if shards <= 1 and dask is None:
        return _in_memory(paths, log_format, json_fields, settings, say)
    workdir = tempfile.mkdtemp(prefix="rempart-shards-", dir=spill_dir)
    try:
        if dask is None:
            return _sharded(paths, log_format, json_fields, settings, (shards, memory), workdir,
                            say, run_inline, "shards on disk")  # fmt: skip
        from rempart.engine import DaskRunner

        with DaskRunner(dask, threads_per_worker=1) as runner:
            return _sharded(paths, log_format, json_fields, settings, (shards, memory), workdir,
                            say, runner.run, runner.name)  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _in_memory(
    paths: Sequence[str], log_format: str, json_fields: JsonFields, settings: Settings,
    say: Progress,
) -> Analysis:  # fmt: skip
    frames: list[pl.DataFrame] = []
    read = _Read()
    for path in paths:
        try:
            for frame, bad in read_log(path, log_format, json_fields=json_fields):
                frames.append(frame)
                read.add(_count(path, frame.height, bad.count, bad.examples))
                say(f"{read.lines:,} lines read")
        except RempartError as exc:
            read.problems.append(str(exc))
    if not frames:
        return Analysis(Detection([], []), read.lines, read.bad, tuple(read.problems))
    say(f"{read.lines:,} lines read; detecting")
    detection = detect_all(pl.concat(frames, how="vertical"), settings)
    problems = (*read.problems, *(f.line() for f in detection.failures))
    return Analysis(detection, read.lines, read.bad, problems)


def _count(path: str, good: int, bad: int, examples: Sequence[str]) -> _Read:
    problems = []
    if bad:
        problems.append(f"{path}: {bad} line(s) not readable, e.g. {'; '.join(examples[:3])}")
    return _Read(good + bad, bad, problems)


# --- spilling --------------------------------------------------------------------------


def chunk_bytes(memory: int) -> int:
    """Text per chunk while spilling, so that the chunks in flight fit ``memory``."""
    return max(memory // (WORK_FACTOR * CHUNKS_IN_FLIGHT), 1 << 20)


def spill_file(
    path: str, index: int, log_format: str, json_fields: JsonFields, workdir: str, shards: int,
    memory: int = 1 << 30,
) -> _Read:  # fmt: skip
    """Read one log in chunks sized for ``memory`` and write each chunk's requests to
    their shards. Shard ``k`` of file ``index`` gets ``workdir/kKKKK/fFFFFF-cCCCCCC.arrow``."""
    read = _Read()
    try:
        chunks = read_log(path, log_format, json_fields=json_fields, chunk_lines=CHUNK_LINES,
                          chunk_bytes=chunk_bytes(memory))  # fmt: skip
        for number, (frame, bad) in enumerate(chunks):
            read.add(_count(path, frame.height, bad.count, bad.examples))
            if frame.is_empty():
                continue
            keyed = conform(frame).with_columns(
                (pl.col("ip").hash(SHARD_SEED) % shards).alias("_shard")
            )
            for (k,), part in keyed.partition_by("_shard", as_dict=True).items():
                target = Path(workdir, f"k{int(k):04d}")
                target.mkdir(exist_ok=True)
                out = target / f"f{index:05d}-c{number:06d}.arrow"
                part.drop("_shard").write_ipc(out, compression="lz4")
    except RempartError as exc:
        read.problems.append(str(exc))
    return read


def load_shard(workdir: str, k: int) -> pl.DataFrame:
    """Every request of shard ``k`` (an empty table when no address fell in it)."""
    parts = sorted(Path(workdir, f"k{k:04d}").glob("*.arrow"))
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat([pl.read_ipc(p) for p in parts], how="vertical")


def _shard_job(workdir: str, k: int, shards: int, fns: Sequence[ShardMap]) -> list[Any]:
    return apply_all(load_shard(workdir, k), shards, fns)


Run = Callable[[Iterable[Job]], Iterator[JobOutcome]]


class DiskShards:
    """Shards spilled to ``workdir``, each analysed as a job of ``run`` (inline or Dask)."""

    def __init__(self, workdir: str, count: int, run: Run, say: Progress) -> None:
        self.workdir, self.count, self._run, self._say = workdir, count, run, say
        self.rounds = 0

    def map(self, fns: Sequence[ShardMap]) -> list[list[Any]]:
        self.rounds += 1
        jobs = (Job(str(k), _shard_job, (self.workdir, k, self.count, tuple(fns)))
                for k in range(self.count))  # fmt: skip
        answers: dict[int, list[Any]] = {}
        for outcome in self._run(jobs):
            k = int(outcome.key)
            failed = [Failed(f"shard {k}: {outcome.error}")] * len(fns)
            answers[k] = outcome.value if outcome.ok else failed
            self._say(f"round {self.rounds}: {len(answers)}/{self.count} shards")
        return [[answers[k][i] for k in range(self.count)] for i in range(len(fns))]


def _sharded(
    paths: Sequence[str], log_format: str, json_fields: JsonFields, settings: Settings,
    size: tuple[int, int], workdir: str, say: Progress, run: Run, how: str,
) -> Analysis:  # fmt: skip
    """Spill every file into ``size = (shards, memory)`` shards, then detect on them."""
    shards, memory = size
    per_file: dict[int, _Read] = {}
    jobs = (Job(str(i), spill_file, (p, i, log_format, json_fields, workdir, shards, memory))
            for i, p in enumerate(paths))  # fmt: skip
    for outcome in run(jobs):
        i = int(outcome.key)
        per_file[i] = (
            outcome.value
            if outcome.ok
            else _Read(problems=[f"{paths[i]}: not read: {outcome.error}"])
        )
        lines = sum(r.lines for r in per_file.values())
        say(f"{lines:,} lines read into {shards} shards")
    read = _Read()
    for i in sorted(per_file):
        read.add(per_file[i])
    detection = detect_on(DiskShards(workdir, shards, run, say), settings)
    problems = (*read.problems, *(f.line() for f in detection.failures))
    return Analysis(detection, read.lines, read.bad, problems, shards, how)
