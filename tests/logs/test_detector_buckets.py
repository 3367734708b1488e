"""The vectorised leaky bucket against a plain per-event CrowdSec-style bucket.

The reference below is the obvious loop (one bucket per key, leaking between
events, overflowing on the capacity+1-th unit); the vectorised closed form
must agree with it on every key, whatever the order of the rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.logs.detectors._core import bucket_episodes
from rempart.logs.settings import BucketSettings
from tests.logs.samples import BASE, frame, req

KEYS = ["192.0.2.1", "192.0.2.2", "2001:db8::3"]


def reference(events: list[tuple[str, float]], capacity: int, leak: float) -> dict[str, tuple]:
    """Per key: (start of the bucket that first overflowed, last overflow time)."""
    by_key: dict[str, list[float]] = defaultdict(list)
    for key, t in events:
        by_key[key].append(t)
    out = {}
    for key, times in by_key.items():
        level, last, start = 0.0, None, None
        first_start, last_overflow = None, None
        for t in sorted(times):
            residual = level - (t - last) / leak if last is not None else 0.0
            if residual <= 1e-9:
                residual, start = 0.0, t
            level, last = residual + 1, t
            if level > capacity + 1e-9:
                first_start = start if first_start is None else first_start
                last_overflow = t
        if last_overflow is not None:
            out[key] = (first_start, last_overflow)
    return out


def at(t: float) -> datetime:
    return BASE + timedelta(seconds=t)


events_st = st.lists(
    st.tuples(st.sampled_from(KEYS), st.integers(min_value=0, max_value=300)),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(
    events=events_st,
    capacity=st.integers(min_value=1, max_value=6),
    leak=st.sampled_from([1.0, 2.0, 5.0, 10.0]),
    seed=st.randoms(use_true_random=False),
)
def test_vectorised_bucket_matches_the_per_event_loop(events, capacity, leak, seed) -> None:
    rows = [req(ip, t) for ip, t in events]
    seed.shuffle(rows)
    s = BucketSettings(capacity=capacity, leakspeed=leak, blackhole=1e9)
    got = bucket_episodes(frame(rows), s, distinct=False)
    want = reference([(ip, float(t)) for ip, t in events], capacity, leak)
    assert {r["ip"]: (r["ep_start"], r["ep_end"]) for r in got.iter_rows(named=True)} == {
        ip: (at(a), at(b)) for ip, (a, b) in want.items()
    }


def test_overflow_is_on_the_capacity_plus_one_th_unit() -> None:
    s = BucketSettings(capacity=3, leakspeed=10.0, blackhole=60.0)
    three = frame([req("192.0.2.1", t) for t in (0, 1, 2)])
    four = frame([req("192.0.2.1", t) for t in (0, 1, 2, 3)])
    assert bucket_episodes(three, s, distinct=False).is_empty()
    (row,) = bucket_episodes(four, s, distinct=False).iter_rows(named=True)
    assert (row["ep_start"], row["ep_end"]) == (at(0), at(3))


def test_a_sustained_rate_just_above_the_leak_overflows_late() -> None:
    # one event every 9 s leaks 0.1 unit less than it pours: capacity 3 is passed
    # on the 22nd event (1 + 21 × 0.1 = 3.1), 189 s after the first
    s = BucketSettings(capacity=3, leakspeed=10.0, blackhole=60.0)
    df = frame([req("192.0.2.1", 9 * k) for k in range(30)])
    first = bucket_episodes(df.head(21), s, distinct=False)
    assert first.is_empty()
    (row,) = bucket_episodes(df.head(22), s, distinct=False).iter_rows(named=True)
    assert (row["ep_start"], row["ep_end"]) == (at(0), at(189))


def test_distinct_values_count_once_until_the_bucket_could_drain() -> None:
    # capacity 2, leak 10 s: a value is forgotten after 20 s unseen
    s = BucketSettings(capacity=2, leakspeed=10.0, blackhole=60.0)

    def run(values_at: list[tuple[str, float]]) -> pl.DataFrame:
        rows = [req("192.0.2.1", t, path=v) for v, t in values_at]
        return bucket_episodes(frame(rows).with_columns(pl.col("path").alias("_d")), s, True)

    # the same value over and over: one unit
    assert run([("/a", t * 0.1) for t in range(50)]).is_empty()
    # three values at once: overflow
    assert not run([("/a", 0), ("/b", 0), ("/c", 0)]).is_empty()
    # /a again after 25 s unseen counts anew: with /b and /c just before, overflow
    assert not run([("/a", 0), ("/b", 24), ("/c", 24.5), ("/a", 25)]).is_empty()
    # /a seen every 5 s never counts twice
    assert run([("/a", 5 * k) for k in range(6)] + [("/b", 24), ("/a", 25)]).is_empty()


def reference_distinct(events: list[tuple[str, str, float]], capacity: int, leak: float):
    """Drop a value its key sent less than capacity × leak before, then the plain bucket."""
    last: dict[tuple[str, str], float] = {}
    kept = []
    for key, value, t in sorted(events, key=lambda e: (e[2], e[0], e[1])):
        previous = last.get((key, value))
        if previous is None or t - previous > capacity * leak:
            kept.append((key, t))
        last[(key, value)] = t
    return reference(kept, capacity, leak)


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(KEYS[:2]),
            st.sampled_from(["/a", "/b", "/c", "/d", "/e", "/f"]),
            st.integers(min_value=0, max_value=200),
        ),
        max_size=80,
    ),
    capacity=st.integers(min_value=1, max_value=5),
    leak=st.sampled_from([1.0, 2.0, 5.0]),
)
def test_vectorised_distinct_bucket_matches_the_per_event_loop(events, capacity, leak) -> None:
    rows = [req(ip, t, path=v) for ip, v, t in events]
    df = frame(rows).with_columns(pl.col("path").alias("_d"))
    s = BucketSettings(capacity=capacity, leakspeed=leak, blackhole=1e9)
    got = bucket_episodes(df, s, distinct=True)
    want = reference_distinct([(ip, v, float(t)) for ip, v, t in events], capacity, leak)
    assert {r["ip"]: (r["ep_start"], r["ep_end"]) for r in got.iter_rows(named=True)} == {
        ip: (at(a), at(b)) for ip, (a, b) in want.items()
    }
