"""The mail benchmark's pure helpers, and one tiny run of its main function.

No anchors and no real corpora: a temporary corpus of a few made-up messages and a
stand-in for Rempart's mail API (passed through ``main``'s private test hook).
"""

from __future__ import annotations

import email
import email.policy
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import psutil
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "mail_bench.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mail_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mail_bench"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["mail_bench"]
        raise
    return module


bench = load_bench()

FOLDERS = {
    "phishing_pot": 4,
    "spamassassin/easy-ham-1": 3,
    "spamassassin/easy-ham-2": 2,
    "spamassassin/hard-ham-1": 2,
    "spamassassin/spam-1": 2,
    "spamassassin/spam-2": 1,
}


def message(n: int, folder: str) -> bytes:
    return (
        f"From: Sender {n} <s{n}@example.org>\r\nTo: r@example.net\r\n"
        f"Subject: {folder} {n}\r\n\r\nbody {n}\r\n"
    ).encode()


def make_corpus(root: Path) -> None:
    for folder, count in FOLDERS.items():
        (root / folder).mkdir(parents=True)
        for n in range(count):
            (root / folder / f"m{n:03}.eml").write_bytes(message(n, folder))
    (root / "phishing_pot" / ".hidden").write_bytes(b"x")
    (root / "unknown-folder").mkdir()
    (root / "unknown-folder" / "x.eml").write_bytes(b"x")


def test_list_corpus_labels_every_known_folder(tmp_path: Path) -> None:
    make_corpus(tmp_path)
    items = bench.list_corpus(tmp_path)
    assert len(items) == sum(FOLDERS.values())
    assert items[0].key == "phishing_pot/m000.eml" and items[0].path.is_file()
    by_stratum = bench.corpus_counts(items, "stratum")
    assert by_stratum == {"phishing": 4, "easy_ham": 5, "hard_ham": 2, "spam": 3}
    assert bench.corpus_counts(items, "label") == {"phishing": 4, "ham": 7, "spam": 3}
    limited = bench.list_corpus(tmp_path, limit=1)
    assert [i.key for i in limited] == [f"{f}/m000.eml" for f in FOLDERS]


def test_stratified_sample_is_seeded_and_capped(tmp_path: Path) -> None:
    make_corpus(tmp_path)
    items = bench.list_corpus(tmp_path)
    first = bench.stratified_sample(items, 2, seed=7)
    assert first == bench.stratified_sample(items, 2, seed=7)
    assert bench.corpus_counts(first, "stratum") == {
        "phishing": 2,
        "easy_ham": 2,
        "hard_ham": 2,
        "spam": 2,
    }
    assert set(first) <= set(items)
    everything = bench.stratified_sample(items, 100, seed=7)
    assert sorted(i.key for i in everything) == sorted(i.key for i in items)


def outcomes_for(items: list, verdicts: dict[str, list[str]]) -> dict:
    out = {}
    for stratum, values in verdicts.items():
        keys = [i.key for i in items if i.stratum == stratum]
        for key, verdict in zip(keys, values, strict=False):
            out[key] = bench.Outcome(verdict)
    return out


def test_class_metrics(tmp_path: Path) -> None:
    make_corpus(tmp_path)
    items = bench.list_corpus(tmp_path)
    outcomes = outcomes_for(
        items,
        {
            "phishing": ["phishing", "suspicious", "spam", "clean"],
            "easy_ham": ["clean", "clean", "suspicious", "spam", "clean"],
            "hard_ham": ["phishing"],  # the second hard ham has no answer: an error
            "spam": ["spam", "clean", "error"],
        },
    )
    m = bench.class_metrics(items, outcomes)
    assert m["phishing"]["as_phishing"]["hits"] == 1
    assert m["phishing"]["flagged"]["hits"] == 2
    assert m["phishing"]["not_clean"]["hits"] == 3
    assert m["phishing"]["flagged"]["share"] == 0.5
    assert (m["ham"]["flagged"]["hits"], m["ham"]["flagged"]["total"]) == (2, 7)
    assert m["ham"]["not_clean"]["hits"] == 3
    assert m["easy_ham"]["flagged"]["hits"] == 1 and m["hard_ham"]["flagged"]["hits"] == 1
    assert m["hard_ham"]["errors"]["hits"] == 1
    assert m["spam"]["verdicts"] == {"spam": 1, "clean": 1, "error": 1}
    assert m["all"]["errors"]["hits"] == 2 and m["all"]["errors"]["total"] == 14
    low, high = m["phishing"]["flagged"]["ci95"]
    assert low < 0.5 < high
    # an anchor's one verdict counts as flagged, never as "phishing"
    anchor = bench.class_metrics(items, {i.key: bench.Outcome("flagged") for i in items})
    assert anchor["phishing"]["as_phishing"]["hits"] == 0
    assert anchor["phishing"]["flagged"]["hits"] == 4 and anchor["ham"]["not_clean"]["hits"] == 7


def test_wilson_interval() -> None:
    assert bench.wilson(0, 0) is None
    low, high = bench.wilson(0, 300)
    assert low == 0.0 and 0.01 < high < 0.02
    low, high = bench.wilson(150, 300)
    assert 0.44 < low < 0.5 < high < 0.56


SPAMC_SPAM = """9.4/5.0
Spam detection software, running on the system "vm",

Content analysis details:   (9.4 points, 5.0 required)

 pts rule name              description
---- ---------------------- --------------------------------------------------
 0.3 INVALID_DATE_TZ_ABSURD Invalid Date: header (timezone does not exist)
 2.4 FSL_HELO_NON_FQDN_1    No description available.
 1.2 FREEMAIL_FORGED_REPLYTO Freemail in Reply-To, but not From
-0.1 DKIM_VALID             Message has at least one valid DKIM or DK signature
                            [12a1mailbot1(at)web.de]
"""


def test_parse_spamc() -> None:
    spam = bench.parse_spamc(SPAMC_SPAM, 1)
    assert (spam.verdict, spam.score, spam.detail) == ("flagged", 9.4, "9.4/5.0")
    assert spam.rules == (
        "INVALID_DATE_TZ_ABSURD",
        "FSL_HELO_NON_FQDN_1",
        "FREEMAIL_FORGED_REPLYTO",
        "DKIM_VALID",
    )
    ham = bench.parse_spamc("2.6/5.0\nreport\n", 0)
    assert (ham.verdict, ham.score, ham.rules) == ("clean", 2.6, ())
    assert bench.parse_spamc("5.0/5.0\n", 1).verdict == "flagged"
    assert bench.parse_spamc("0/0\n", 0).verdict == "error"  # not scanned (too big)
    assert bench.parse_spamc("0/0\n", 69).verdict == "error"  # spamd unreachable
    assert bench.parse_spamc("", 0).verdict == "error"


def test_parse_rspamc() -> None:
    out = (
        '{"is_skipped": false, "score": 7.5, "required_score": 15.0, "action": "add header",'
        ' "symbols": {"FAKE_REPLY": {"name": "FAKE_REPLY", "score": 1.0},'
        ' "OLD_X_MAILER": {"name": "OLD_X_MAILER", "score": 2.0},'
        ' "FROM_HAS_DN": {"name": "FROM_HAS_DN", "score": 0.0}}, "filename": "/c/a.eml"}\n'
        "some line rspamc printed\n"
        '{"score": 1.2, "action": "no action", "symbols": {}, "filename": "/c/b.eml"}\n'
        '{"error": "cannot read file", "filename": "/c/c.eml"}\n'
        '{"score": 4.1, "action": "greylist", "filename": "/c/d.eml"}\n'
        '{"score": 20, "action": "reject", "filename": "/c/e.eml"} {"truncated": '
    )
    got = bench.parse_rspamc(out)
    assert set(got) == {"/c/a.eml", "/c/b.eml", "/c/c.eml", "/c/d.eml", "/c/e.eml"}
    a = got["/c/a.eml"]
    assert (a.verdict, a.score, a.detail, a.rules) == (
        "flagged",
        7.5,
        "add header",
        ("OLD_X_MAILER", "FAKE_REPLY"),
    )
    assert got["/c/b.eml"].verdict == "clean"
    assert got["/c/c.eml"].verdict == "error"
    assert got["/c/d.eml"].verdict == "clean"  # greylist is not a flag
    assert got["/c/e.eml"].verdict == "flagged"
    assert bench.parse_rspamc("") == {} and bench.parse_rspamc("{{{") == {}


def test_freemail_domains() -> None:
    cf = (
        "# comment freemail_domains nope.com\n"
        "freemail_domains gmail.com 123mail.org\n"
        "freemail_domains yahoo.* *.att.ne.jp hotmail.co*.* mail2*.com\n"
    )
    domains = bench.freemail_domains(cf)
    assert "gmail.com" in domains and "123mail.org" in domains
    assert "yahoo.fr" in domains and "yahoo.co.uk" in domains
    assert not any("*" in d for d in domains) and "nope.com" not in domains
    assert len(domains) == 2 + len(bench.FREEMAIL_SUFFIXES)


def test_podesta_lure() -> None:
    lures = bench.lures()
    assert list(lures) == list(bench.LURE_VARIANTS)
    plain = email.message_from_bytes(lures["lure_2016"], policy=email.policy.default)
    assert plain["From"].addresses[0].display_name == "Google"
    assert "Someone has your password" in plain["Subject"]
    assert plain["Reply-To"] is None
    html = plain.get_body(("html",)).get_content()
    assert f'<a href="{bench.LURE_LINK}">{bench.LURE_SHOWN}</a>' in html
    assert "myaccount.google.com" in bench.LURE_SHOWN and "bit.ly" in bench.LURE_LINK
    variant = email.message_from_bytes(
        lures["lure_lookalike_reply_to"], policy=email.policy.default
    )
    assert variant["Reply-To"].addresses[0].domain == "campaign-partty.org"
    assert variant.get_body(("plain",)).get_content() == plain.get_body(("plain",)).get_content()


def test_pct_and_spread() -> None:
    assert bench.pct({"hits": 37, "total": 300}) == "12.3 % (37/300)"
    assert bench.pct({"hits": 0, "total": 0}) == "—" and bench.pct(None) == "—"
    assert bench.spread({"spam": 3, "clean": 1}, binary=False) == "0 / 0 / 3 / 1 / 0"
    assert bench.spread({"flagged": 2}, binary=True).startswith("2 / 0 / 0")


def test_pick_port_avoids_a_busy_port() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert bench.pick_port(taken) != taken


# -- a tiny end-to-end run with a stand-in for Rempart's mail API ------------------------


@dataclass(frozen=True)
class FakeRaw:
    source: str
    data: bytes | None
    error: str = ""
    size: int = 0


@dataclass(frozen=True)
class FakeReason:
    signal: str
    weight: float


@dataclass(frozen=True)
class FakeTriage:
    source: str
    verdict: str
    score: int
    reasons: tuple[FakeReason, ...] = ()
    errors: tuple[str, ...] = ()


def fake_triage(raw: bytes, source: str, ctx: object) -> FakeTriage:
    if b"phishing_pot" in raw or b"password" in raw:
        return FakeTriage(source, "phishing", 90, (FakeReason("links.shortener", 2.0),))
    if b"spam-" in raw:
        return FakeTriage(source, "spam", 60)
    return FakeTriage(source, "clean", 5)


def fake_many(messages: Iterable[FakeRaw], ctx: object, workers: int) -> Iterator[FakeTriage]:
    for m in messages:
        assert m.data is not None and m.size == len(m.data)
        yield fake_triage(m.data, m.source, ctx)


@pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd is needed to pack the corpus")
def test_main_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_corpus(src)
    (tmp_path / "corpora" / "mail").mkdir(parents=True)
    for top in ("phishing_pot", "spamassassin"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            tar.add(src / top, arcname=top)
        archive = tmp_path / "corpora" / "mail" / f"{top}.tar.zst"
        archive.write_bytes(
            subprocess.run(
                ["zstd", "-q", "-c"], input=buffer.getvalue(), check=True, capture_output=True
            ).stdout
        )
    engine = bench.Engine(fake_triage, fake_many, FakeRaw, object(), object())
    out, md = tmp_path / "mail.json", tmp_path / "mail.md"
    argv = [
        "--corpora",
        str(tmp_path / "corpora"),
        "--no-anchor",
        "--anchor-sample",
        "2",
        "--workers",
        "1,2",
        "--out",
        str(out),
        "--md",
        str(md),
    ]
    returned = bench.main(argv, _engine=engine)
    data = json.loads(out.read_text())
    assert data == json.loads(json.dumps(returned))
    assert data["corpus"]["messages"] == sum(FOLDERS.values())
    assert data["sample"]["messages"] == 8
    rem = data["rempart"]
    assert [r["parallelism"] for r in rem["runs"]] == ["workers=1", "workers=2"]
    assert all(r["answered"] == r["messages"] == 14 for r in rem["runs"])
    assert rem["metrics"]["phishing"]["as_phishing"]["hits"] == 4
    assert rem["metrics"]["ham"]["flagged"]["hits"] == 0
    assert rem["metrics"]["spam"]["verdicts"] == {"spam": 3}
    assert rem["runs_disagree"] == {"rempart all workers=2": []}
    assert rem["sample_disagrees_with_full_run"] == []
    assert rem["lures"]["campaign"]["lure_2016"]["verdict"] == "phishing"
    assert data["anchors"]["rspamd"] == {"ran": False, "reason": "--no-anchor"}
    text = md.read_text()
    assert "| Phishing → phishing | 100.0 % (4/4) | 100.0 % (2/2) | — | — |" in text
    assert "| Rempart, the campaign's context (fictional Parti Exemple) | 90/100, phishing" in text


def test_daemon_stops_its_whole_process_group_even_on_error(tmp_path: Path) -> None:
    port = bench.pick_port(0)
    script = (
        "import socket, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        f"s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen()\n"
        "time.sleep(60)\n"
    )
    log = tmp_path / "daemon.log"
    daemon = bench.Daemon("toy", [sys.executable, "-c", script], log, port)
    with pytest.raises(RuntimeError, match="boom"), daemon:
        assert daemon.proc is not None
        leader = daemon.proc.pid
        raise RuntimeError("boom")
    assert daemon.proc is None and daemon.exited is None
    child = int(log.read_text().split()[0])
    for pid in (leader, child):  # gone, or a zombie waiting for init to reap it
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    assert not bench.port_open(port)


def test_daemon_that_dies_at_start_is_an_anchor_error(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('bad config'); sys.exit(3)"]
    daemon = bench.Daemon("toy", argv, tmp_path / "log", bench.pick_port(0))
    with pytest.raises(bench.AnchorError, match="bad config"), daemon:
        pass
