"""Logs in memory, in shards on disk and on a Dask cluster give the same incidents.

Each annotated sample is written as a JSON-lines log (exact sub-second times),
its lines shuffled and dealt over two files so that one address's requests are
spread over files and chunks; every way of running must flag exactly the
sample's expected sources and give identical incidents.
"""

from __future__ import annotations

import gzip
import json
import math
import random
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.logs import scale
from rempart.logs.detectors import PROGRAMS, detect_all
from rempart.logs.detectors._steps import per_ip, quantile_of_counts
from rempart.logs.model import Incident
from rempart.logs.parse import read_log
from tests.logs import samples

NAMES = samples.names()


def flagged(incidents: list[Incident], kind: str) -> set[str]:
    return {s for i in incidents if i.kind == kind for s in i.sources}


def write_jsonl(df: pl.DataFrame, paths: list[Path], seed: int) -> list[str]:
    """The rows as JSON lines, shuffled and dealt round-robin over ``paths``."""
    rows = df.to_dicts()
    random.Random(seed).shuffle(rows)
    outs = [p.open("w", encoding="utf-8") for p in paths]
    for n, r in enumerate(rows):
        query = f"?{r['query']}" if r["query"] else ""
        record = {"time": r["ts"].isoformat(), "remote_addr": r["ip"],
                  "request_method": r["method"], "request_uri": r["path"] + query,
                  "status": r["status"], "body_bytes_sent": r["bytes"],
                  "http_referer": r["referer"], "http_user_agent": r["ua"]}  # fmt: skip
        outs[n % len(outs)].write(json.dumps(record) + "\n")
    for f in outs:
        f.close()
    return [str(p) for p in paths]


def sample_files(tmp_path: Path, name: str) -> list[str]:
    frame = samples.load(name).frame
    return write_jsonl(frame, [tmp_path / f"{name}.a.log", tmp_path / f"{name}.b.log"], seed=7)


@pytest.mark.parametrize("name", NAMES)
def test_each_sample_flags_the_same_sources_in_memory_and_in_shards(
    tmp_path: Path, name: str
) -> None:
    files = sample_files(tmp_path, name)
    whole = scale.analyse(files, shards=1)
    sharded = scale.analyse(files, shards=4, spill_dir=str(tmp_path))
    sample = samples.load(name)
    assert whole.how == "memory" and sharded.how == "shards on disk" and sharded.shards == 4
    assert flagged(whole.detection.incidents, name) == sample.expect
    assert sharded.detection == whole.detection
    assert (sharded.lines, sharded.bad, sharded.problems) == (whole.lines, 0, ())
    assert not list(tmp_path.glob("rempart-shards-*")), "spill directory left behind"


def all_samples(tmp_path: Path) -> list[str]:
    """Every sample in one log, each moved to its own day, over three files."""
    frames = []
    for day, name in enumerate(NAMES):
        frame = samples.load(name).frame
        frames.append(frame.with_columns(pl.col("ts") + pl.duration(days=day)))
    paths = [tmp_path / f"all.{n}.log" for n in range(3)]
    return write_jsonl(pl.concat(frames), paths, seed=11)


def test_dask_gives_the_same_incidents_as_memory(tmp_path: Path) -> None:
    files = all_samples(tmp_path)
    whole = scale.analyse(files, shards=1)
    on_dask = scale.analyse(files, dask="local", shards=3, spill_dir=str(tmp_path))
    assert on_dask.how.startswith("dask local") and on_dask.shards == 3
    assert on_dask.detection == whole.detection
    assert on_dask.lines == whole.lines
    kinds = {i.kind for i in whole.detection.incidents}
    assert len(kinds) >= 18, kinds  # most detectors have something to compare


def test_more_shards_than_addresses_and_a_small_memory_budget(tmp_path: Path) -> None:
    files = sample_files(tmp_path, "flood.distributed")
    whole = scale.analyse(files, shards=1)
    size = scale.estimate_bytes(files)
    small = scale.analyse(files, memory=math.ceil(size * scale.WORK_FACTOR / 5))
    assert small.shards == 5
    assert small.detection == whole.detection
    assert scale.analyse(files, shards=40).detection == whole.detection


def test_shard_count_follows_size_and_budget() -> None:
    assert scale.shard_count(100, memory=10_000) == 1
    assert scale.shard_count(10_000, memory=6_000) == 10
    assert scale.shard_count(0, memory=1, minimum=2) == 2


def test_estimate_counts_gzip_as_expanded(tmp_path: Path) -> None:
    plain = tmp_path / "a.log"
    plain.write_bytes(b"x" * 1000)
    packed = tmp_path / "b.log.gz"
    packed.write_bytes(gzip.compress(b"x" * 1000))
    size = packed.stat().st_size
    assert scale.estimate_bytes([str(plain), str(packed), str(tmp_path / "missing")]) == (
        1000 + size * scale.GZIP_RATIO
    )


def test_bad_input_is_counted_the_same_way_in_shards(tmp_path: Path) -> None:
    files = sample_files(tmp_path, "probe.sqli")
    with open(files[0], "ab") as f:
        f.write(b"\x00\xff binary junk\n{not json}\n")
    truncated = tmp_path / "cut.log.gz"
    truncated.write_bytes(gzip.compress(Path(files[1]).read_bytes())[:-40])
    missing = str(tmp_path / "absent.log")
    inputs = [*files, str(truncated), missing]
    whole = scale.analyse(inputs, shards=1)
    sharded = scale.analyse(inputs, shards=3)
    assert sharded.detection == whole.detection
    assert (sharded.lines, sharded.bad) == (whole.lines, whole.bad)
    assert sharded.problems == whole.problems
    assert whole.bad >= 3  # two junk lines and the truncated gzip's end
    named = [p.split(":", 1)[0] for p in whole.problems]
    assert named == [files[0], str(truncated), missing]
    assert flagged(whole.detection.incidents, "probe.sqli") == samples.load("probe.sqli").expect


def test_a_detector_failing_on_one_shard_is_reported_and_the_others_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sample_files(tmp_path, "scan.bad_user_agent")
    monkeypatch.setitem(PROGRAMS, "scan.probing", per_ip(_fails_on_shard_one))
    result = scale.analyse(files, shards=3)
    assert result.problems == ("detector scan.probing failed: RuntimeError: boom on one shard",)
    expect = samples.load("scan.bad_user_agent").expect
    assert flagged(result.detection.incidents, "scan.bad_user_agent") == expect


def _fails_on_shard_one(df: pl.DataFrame, s: object) -> list[Incident]:
    if df.height and df["ip"].hash(scale.SHARD_SEED)[0] % 3 == 1:
        raise RuntimeError("boom on one shard")
    return []


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=300),
    q=st.floats(min_value=0.0, max_value=1.0),
)
def test_quantile_from_a_histogram_equals_polars(values: list[int], q: float) -> None:
    series = pl.Series("n", values)
    hist = series.value_counts().rename({"count": "c"})
    assert quantile_of_counts(hist, q) == series.quantile(q)


def test_quantile_of_nothing_is_zero() -> None:
    empty = pl.DataFrame(schema={"n": pl.Int64, "c": pl.UInt32})
    assert quantile_of_counts(empty, 0.9) == 0.0
    assert not math.isnan(quantile_of_counts(empty, 0.5))


def test_detect_all_equals_the_one_shard_analysis(tmp_path: Path) -> None:
    files = sample_files(tmp_path, "flood.url")
    frames = [f for path in files for f, _ in read_log(path)]
    assert detect_all(pl.concat(frames)) == scale.analyse(files, shards=1).detection
