"""The detectors of ``rempart logs``: registry, samples, order, bounds, failures, settings.

Each detector's annotated sample (``samples/<id>.log``) names the sources it
must flag and the look-alikes it must spare; the tests assert exactly those
sets, with the rows in file order, shuffled and reversed.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import string
from datetime import UTC, datetime

import polars as pl
import pytest

from rempart.errors import InputError
from rempart.logs.detectors import (
    DETECTORS,
    PROGRAMS,
    Detection,
    DetectorFailure,
    conform,
    detect_all,
)
from rempart.logs.detectors._core import FIELD_CHARS
from rempart.logs.detectors._steps import per_ip
from rempart.logs.model import Incident
from rempart.logs.registry import BY_ID, SPECS
from rempart.logs.settings import Settings, detector_ids, thresholds
from rempart.model.findings import Severity
from tests.logs import samples
from tests.logs.samples import frame, load, req, shuffled

IDS = [s.id for s in SPECS]


def flagged(incidents: list[Incident], kind: str | None = None) -> set[str]:
    return {src for i in incidents if kind in (None, i.kind) for src in i.sources}


def run(name: str, df: pl.DataFrame, settings: Settings | None = None) -> list[Incident]:
    settings = settings or Settings()
    return DETECTORS[name](df, settings.of(name))


# --- one registry, derived everywhere ------------------------------------------------


def test_every_detector_has_a_function_settings_and_a_sample() -> None:
    assert len(IDS) == len(set(IDS))
    assert set(DETECTORS) == set(IDS)
    assert detector_ids() == set(IDS)
    assert set(samples.names()) == set(IDS)
    for spec in SPECS:
        assert isinstance(Settings().of(spec.id), spec.settings)


def test_every_threshold_has_a_default_and_a_docstring() -> None:
    for detector in IDS:
        rows = thresholds(detector)
        assert rows, detector
        undocumented = [name for name, _, doc in rows if not doc.strip()]
        assert undocumented == [], detector


def test_registry_words_are_complete() -> None:
    for spec in SPECS:
        assert spec.title and spec.why and spec.fix and spec.summary, spec.id
        assert isinstance(spec.severity, Severity)
    # the ranks the issue asks for
    assert BY_ID["bruteforce.wordpress"].severity == Severity.HIGH
    assert BY_ID["flood.distributed"].severity == Severity.HIGH
    assert BY_ID["scan.probing"].severity == Severity.MEDIUM
    assert BY_ID["scan.bad_user_agent"].severity <= Severity.LOW
    assert BY_ID["crawl.non_static"].severity <= Severity.LOW


@pytest.mark.parametrize("name", IDS)
def test_sample_is_annotated_with_present_sources(name: str) -> None:
    sample = load(name)
    assert sample.expect and sample.clean, "a sample names what it flags and what it spares"
    ips = set(sample.frame["ip"].to_list())
    for source in sample.expect | sample.clean:
        if "/" in source:
            net = ipaddress.ip_network(source)
            assert any(ipaddress.ip_address(ip) in net for ip in ips), source
        else:
            assert source in ips, source


# --- the samples: exactly which sources ---------------------------------------------


@pytest.mark.parametrize("name", IDS)
def test_sample_flags_exactly_the_expected_sources_in_any_order(name: str) -> None:
    sample = load(name)
    orders = {
        "file": sample.frame,
        "shuffled": shuffled(sample.frame, 1),
        "shuffled again": shuffled(sample.frame, 2),
        "reversed": sample.frame.reverse(),
    }
    for order, df in orders.items():
        got = flagged(run(name, df))
        assert got == sample.expect, order
        assert not got & sample.clean, order


@pytest.mark.parametrize("name", IDS)
def test_sample_incidents_are_identical_whatever_the_row_order(name: str) -> None:
    sample = load(name)
    first = [i.as_dict() for i in run(name, sample.frame)]
    again = [i.as_dict() for i in run(name, shuffled(sample.frame, 3))]
    assert first == again


@pytest.mark.parametrize("name", IDS)
def test_sample_incidents_are_well_formed(name: str) -> None:
    spec = BY_ID[name]
    incidents = run(name, load(name).frame)
    fields = {f for _, f, _, _ in string.Formatter().parse(spec.summary) if f}
    for inc in incidents:
        assert inc.kind == name and inc.severity == spec.severity
        assert inc.start <= inc.end and inc.count > 0
        assert 1 <= len(inc.evidence) <= 5
        assert all(line.startswith(f"{name}.log:") for line in inc.evidence)
        details = dict(inc.details)
        assert details["fix"] == spec.fix
        assert fields <= set(details) | {"source", "count", "span"}, "a summary fact is missing"
        assert inc.summary and "\n" not in inc.summary


def test_detect_all_finds_each_sample_attack_under_its_kind() -> None:
    for name in IDS:
        sample = load(name)
        result = detect_all(shuffled(sample.frame, 4))
        assert result.failures == []
        assert flagged(result.incidents, name) == sample.expect, name


def test_probing_incident_reads_right() -> None:
    incidents = run("scan.probing", load("scan.probing").frame)
    (inc,) = [i for i in incidents if i.sources == ("203.0.113.11",)]
    assert inc.start == datetime(2024, 5, 1, 10, 10, 0, tzinfo=UTC)
    # the 11th and 12th distinct failures overflow; the incident ends at the last
    assert inc.end == datetime(2024, 5, 1, 10, 10, 11, tzinfo=UTC)
    assert inc.count == 12
    assert inc.evidence[0].endswith(": GET /cgi-bin/a 403")
    assert inc.evidence[3].endswith(": GET /cgi-bin/d 403")
    assert inc.summary == (
        "203.0.113.11 had 12 requests refused or not found (12 distinct paths) in 11 s"
    )
    assert dict(inc.details)["distinct"] == "12"


def test_repeated_overflows_of_one_ip_merge_unless_the_blackhole_passed() -> None:
    burst = [req("203.0.113.9", t * 0.5, f"/p{t}", 404) for t in range(15)]
    later = [req("203.0.113.9", 200 + t * 0.5, f"/q{t}", 404) for t in range(15)]
    much_later = [req("203.0.113.9", 900 + t * 0.5, f"/r{t}", 404) for t in range(15)]
    incidents = run("scan.probing", frame(burst + later + much_later))
    assert [(i.sources, i.count) for i in incidents] == [
        (("203.0.113.9",), 30),  # 200 s apart: within the 5 min blackhole
        (("203.0.113.9",), 15),  # 900 s: a new incident
    ]


# --- hostile input -------------------------------------------------------------------


def test_evidence_and_summary_are_bounded_and_free_of_control_characters() -> None:
    huge = "/" + "A" * 1_000_000
    rows = [
        req("203.0.113.7", t, f"{huge}{t}\x1b[31m", 404, query="x=" + "q" * 500_000)
        for t in range(12)
    ]
    (inc,) = run("scan.probing", frame(rows))
    assert inc.sources == ("203.0.113.7",)
    for line in inc.evidence:
        assert len(line) <= 2 * FIELD_CHARS + 80
        assert "\x1b" not in line
    assert len(inc.summary) < 300


def test_binary_junk_and_odd_addresses_do_not_break_any_detector() -> None:
    rows = [
        req("\x00\xff junk", t, f"/\x00\x01{t}", 404, "\x7f", "a=%ff%00%zz", "\x1b]0;x\x07")
        for t in range(50)
    ]
    rows += [req("2001:db8::1", t, "/%", 400, query="%") for t in range(50)]
    rows += [req("not-an-ip", t * 0.01, f"/?{t}", 503) for t in range(500)]
    result = detect_all(frame(rows))
    assert result.failures == []
    assert "\x00\xff junk" in flagged(result.incidents, "scan.probing")


def test_impossible_but_representable_times_do_not_break_windows() -> None:
    rows = [req("203.0.113.1", t, f"/p{t}", 404) for t in range(20)]
    for row, year in zip(rows, [1, 1970, 2262, 5000, 9999], strict=False):
        row["ts"] = datetime(year, 1, 1, tzinfo=UTC)
    result = detect_all(frame(rows))
    assert result.failures == []
    (inc,) = [i for i in result.incidents if i.kind == "scan.probing"]
    assert inc.sources == ("203.0.113.1",)  # the 15 requests of 2024 still make a burst
    assert inc.start == datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)


def test_empty_table_gives_nothing_and_fails_nothing() -> None:
    assert detect_all(frame([])) == Detection([], [])


def test_table_without_schema_columns_is_refused() -> None:
    with pytest.raises(ValueError, match=r"lacks columns: .*ua"):
        conform(frame([]).drop("ua"))


# --- failures are data ---------------------------------------------------------------


def test_a_failing_detector_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(df: pl.DataFrame, s: object) -> list[Incident]:
        raise RuntimeError("boom\nwith two lines")

    monkeypatch.setitem(PROGRAMS, "scan.probing", per_ip(broken))
    df = pl.concat([load("scan.probing").frame, load("scan.bad_user_agent").frame])
    result = detect_all(df)
    assert result.failures == [DetectorFailure("scan.probing", "RuntimeError: boom with two lines")]
    assert result.failures[0].line() == (
        "detector scan.probing failed: RuntimeError: boom with two lines"
    )
    assert flagged(result.incidents, "scan.bad_user_agent") == load("scan.bad_user_agent").expect
    assert flagged(result.incidents, "scan.probing") == set()


def test_disabled_detectors_do_not_run() -> None:
    sample = load("scan.probing")
    settings = Settings(disabled=("scan.probing",))
    assert flagged(detect_all(sample.frame, settings).incidents, "scan.probing") == set()


# --- settings ------------------------------------------------------------------------


def test_settings_from_mapping_changes_thresholds() -> None:
    settings = Settings.from_mapping(
        {"scan.probing": {"capacity": 14, "leakspeed": 10}, "disabled": ["crawl.non_static"]}
    )
    assert settings.scan_probing.capacity == 14
    assert settings.scan_probing.leakspeed == 10.0
    assert settings.disabled == ("crawl.non_static",)
    assert settings.crawl_non_static == Settings().crawl_non_static
    # 203.0.113.10 (15 failures in 7 s) still overflows 14; the 12-failure prober does not
    got = flagged(run("scan.probing", load("scan.probing").frame, settings))
    assert got == {"203.0.113.10", "2001:db8:10::5"}


def test_settings_replace_changes_one_detector() -> None:
    settings = Settings().replace("scan.bad_user_agent", agents=("python-requests",))
    assert settings.scan_bad_user_agent.agents == ("python-requests",)
    got = flagged(run("scan.bad_user_agent", load("scan.bad_user_agent").frame, settings))
    assert got == {"198.51.100.110"}


def test_settings_from_mapping_reports_every_problem_at_once() -> None:
    with pytest.raises(InputError) as err:
        Settings.from_mapping(
            {
                "scan.nope": {},
                "scan.probing": {"capacity": "ten", "colour": 3, "leakspeed": -1},
                "disabled": ["flood.nope"],
            },
            where="campaign.toml [logs]",
        )
    lines = str(err.value).splitlines()
    assert len(lines) == 5
    assert all(line.startswith("campaign.toml [logs]: ") for line in lines)
    text = str(err.value)
    assert "unknown detector 'scan.nope'" in text
    assert "scan.probing.capacity: expected int, got 'ten'" in text
    assert "unknown threshold 'colour'" in text
    assert "scan.probing.leakspeed: must not be negative, got -1" in text
    assert "disabled: unknown detector 'flood.nope'" in text


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().scan_probing.capacity = 3  # type: ignore[misc]
