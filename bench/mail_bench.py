"""Mail benchmark: ``rempart mail`` triage next to SpamAssassin and Rspamd, offline.

Unpacks the mail corpora (``--corpora``, default ``../shared/corpora``) into a
scratch folder, then, in one run and on the same messages:

* Rempart: every message of every corpus folder, through ``triage_many`` once per
  ``--workers`` count: verdicts per class, messages per second end to end (file
  read, parse, triage), peak memory of the process tree;
* a seeded stratified sample (``--anchor-sample`` messages per class) scored by
  Rempart, by SpamAssassin 4.0.1 (spamd + spamc) and by Rspamd 3.4 (rspamd +
  rspamc). The anchors run from Debian packages (``--install-anchor`` installs
  them), each started in the scratch folder on loopback ports with the offline
  settings of ``../shared/anchors/mail`` and stopped when its part is done;
* a mail built like the 2016 Podesta lure, and the same with a look-alike
  Reply-To, scored by all three.

Prints a Markdown table (progress on stderr) and writes ``bench/out/mail.md`` and
``bench/out/mail.json`` (``bench/out/`` is git-ignored).

    .venv/bin/python bench/mail_bench.py [--install-anchor] [--no-anchor] [--limit N]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import email.utils
import json
import math
import os
import random
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import psutil  # a dependency of dask.distributed
except ImportError:  # pragma: no cover
    psutil = None

from audit_bench import (  # bench/ is not a package
    current_rss_mib,
    machine,
    peak_rss_mib,
    reset_peak_rss,
    rusage_peak_mib,
    say,
)

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent
DEFAULT_CORPORA = PROJECT.parent / "shared" / "corpora"
DEFAULT_ANCHOR_CONFIG = PROJECT.parent / "shared" / "anchors" / "mail"
DEFAULT_OUT = BENCH_DIR / "out" / "mail.json"
DEFAULT_MD = BENCH_DIR / "out" / "mail.md"

CLASSES: dict[str, tuple[str, str]] = {
    "phishing_pot": ("phishing", "phishing"),
    "spamassassin/easy-ham-1": ("ham", "easy_ham"),
    "spamassassin/easy-ham-2": ("ham", "easy_ham"),
    "spamassassin/hard-ham-1": ("ham", "hard_ham"),
    "spamassassin/spam-1": ("spam", "spam"),
    "spamassassin/spam-2": ("spam", "spam"),
}
"""Corpus folder (inside the unpacked archives) → (class, sampling stratum)."""
STRATA = ("phishing", "easy_ham", "hard_ham", "spam")

FLAGGED = "flagged"
"""An anchor's one verdict: SpamAssassin's or Rspamd's "this is spam"."""
FLAG = frozenset({"phishing", "suspicious", FLAGGED})
NOT_CLEAN = frozenset({"phishing", "suspicious", "spam", FLAGGED})
VERDICTS = ("phishing", "suspicious", "spam", "clean", "error")

APT_PACKAGES = ("spamassassin", "spamc", "spamd", "libarchive-zip-perl", "rspamd")
SA_PORT = 7830
SA_THRESHOLD = 5.0
SPAMD_CHILDREN = 8
SPAMC_PARALLEL = 8
"""spamc processes in flight (the anchor README: 12-15 msg/s with 4-8 in parallel)."""
SPAMC_MAX_BYTES = 25 * 1024 * 1024
"""spamc's size cap raised from 500 kB (beyond it spamc skips the message and prints 0/0)
to Rempart's own 25 MiB, so that both score every message."""
RSPAMD_PORTS = {"normal": 11333, "controller": 11334, "proxy": 11332}
RSPAMC_PARALLEL = 4
RSPAMC_BATCH = 500
RSPAMD_FLAG_ACTIONS = frozenset({"add header", "rewrite subject", "reject"})
FREEMAIL_SOURCE = Path("/usr/share/spamassassin/20_freemail_domains.cf")
FREEMAIL_SUFFIXES = (
    "com", "net", "org", "fr", "de", "it", "es", "nl", "be", "ch", "at", "ca", "ru", "pl",
    "co.uk", "co.jp", "com.br", "com.au", "com.ar", "com.mx", "co.in", "in", "ie", "se",
)  # fmt: skip
"""Suffixes a SpamAssassin freemail pattern ``name.*`` is expanded to for Rspamd's
exact-match map (``*`` patterns cannot go in such a map)."""


# --------------------------------------------------------------------------------------
# Corpora
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One message file of the corpora."""

    key: str
    """Path relative to the unpacked corpora (``spamassassin/spam-1/00001.….eml``);
    also the ``source`` handed to Rempart."""
    path: Path
    folder: str
    label: str
    """``phishing``, ``ham`` or ``spam``."""
    stratum: str
    """``phishing``, ``easy_ham``, ``hard_ham`` or ``spam``."""


def unpack_corpora(corpora: Path, dest: Path) -> list[str]:
    """Unpack every ``mail/*.tar.zst`` of ``corpora`` into ``dest``; returns the archive names."""
    archives = sorted((corpora / "mail").glob("*.tar.zst"))
    if not archives:
        raise SystemExit(f"no mail corpora (*.tar.zst) in {corpora / 'mail'}")
    zstd = shutil.which("zstd")
    if zstd is None:
        raise SystemExit("zstd not found: cannot unpack the corpora")
    dest.mkdir(parents=True, exist_ok=True)
    for archive in archives:
        say(f"unpacking {archive.name}…")
        with subprocess.Popen([zstd, "-dcq", str(archive)], stdout=subprocess.PIPE) as proc:
            assert proc.stdout is not None
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                tar.extractall(dest, filter="data")
        if proc.returncode != 0:
            raise SystemExit(f"zstd failed on {archive} (exit {proc.returncode})")
    return [a.name for a in archives]


def list_corpus(root: Path, limit: int | None = None) -> list[Item]:
    """Every message file of the known folders under ``root``, sorted; at most ``limit``
    per folder (the first ones by name). Hidden files and unknown folders are ignored."""
    items: list[Item] = []
    for folder, (label, stratum) in CLASSES.items():
        directory = root / folder
        if not directory.is_dir():
            continue
        files = sorted(p for p in directory.iterdir() if p.is_file() and p.name[0] != ".")
        for path in files[:limit] if limit is not None else files:
            items.append(Item(f"{folder}/{path.name}", path, folder, label, stratum))
    return items


def stratified_sample(items: Sequence[Item], per_stratum: int, seed: int) -> list[Item]:
    """``per_stratum`` messages of each stratum (all when fewer), drawn with ``seed``."""
    rng = random.Random(seed)
    chosen: list[Item] = []
    for stratum in STRATA:
        pool = [i for i in items if i.stratum == stratum]
        picked = rng.sample(pool, min(per_stratum, len(pool)))
        chosen.extend(sorted(picked, key=lambda i: i.key))
    return chosen


def corpus_counts(items: Iterable[Item], attribute: str) -> dict[str, int]:
    return dict(collections.Counter(getattr(i, attribute) for i in items))


# --------------------------------------------------------------------------------------
# Outcomes and metrics
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One engine's answer on one message."""

    verdict: str
    """Rempart: phishing/spam/suspicious/clean/error. Anchors: flagged/clean/error."""
    score: float | None = None
    detail: str = ""
    """SpamAssassin ``score/required``, Rspamd's action, or why it is an error."""
    rules: tuple[str, ...] = ()
    """Rempart's reasons, SpamAssassin's rules, Rspamd's symbols with a non-zero score."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "score": self.score,
            "detail": self.detail,
            "rules": list(self.rules),
        }


MISSING = Outcome("error", detail="no result for this message")


def wilson(hits: int, total: int, z: float = 1.96) -> tuple[float, float] | None:
    """95 % Wilson score interval of a proportion (None when ``total`` is 0)."""
    if total <= 0:
        return None
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(verdicts: Sequence[str], wanted: frozenset[str]) -> dict[str, Any]:
    """How many of ``verdicts`` are in ``wanted``, as a share with its interval."""
    hits, total = sum(v in wanted for v in verdicts), len(verdicts)
    interval = wilson(hits, total)
    return {
        "hits": hits,
        "total": total,
        "share": hits / total if total else None,
        "ci95": [round(x, 4) for x in interval] if interval else None,
    }


def class_metrics(items: Sequence[Item], outcomes: Mapping[str, Outcome]) -> dict[str, Any]:
    """Per group (a class, a ham stratum, all): rates and the verdict distribution.

    ``as_phishing``: verdict phishing; ``flagged``: phishing or suspicious (an anchor's
    "spam"); ``not_clean``: any of those or spam; a missing answer is an error."""
    groups: dict[str, list[str]] = {
        g: [] for g in ("phishing", "ham", "easy_ham", "hard_ham", "spam", "all")
    }
    for item in items:
        verdict = outcomes.get(item.key, MISSING).verdict
        for group in {item.label, item.stratum, "all"}:
            groups[group].append(verdict)
    return {
        group: {
            "as_phishing": rate(verdicts, frozenset({"phishing"})),
            "flagged": rate(verdicts, FLAG),
            "not_clean": rate(verdicts, NOT_CLEAN),
            "errors": rate(verdicts, frozenset({"error"})),
            "verdicts": dict(collections.Counter(verdicts).most_common()),
        }
        for group, verdicts in groups.items()
    }


def disagreements(a: Mapping[str, Outcome], b: Mapping[str, Outcome]) -> list[str]:
    """Messages both runs answered with different verdicts (or only one answered)."""
    keys = set(a) | set(b)
    return sorted(k for k in keys if a.get(k, MISSING).verdict != b.get(k, MISSING).verdict)


# --------------------------------------------------------------------------------------
# Memory of a process tree
# --------------------------------------------------------------------------------------


class TreeMemory:
    """Peak memory and CPU time of a process and all its descendants.

    A thread sums RSS over the tree every ``interval`` s (shared pages count once per
    process, so forked workers inflate it) and PSS (shared pages split between their
    processes: the honest total) every ``pss_every`` samples, as it costs more. CPU
    time is the tree's user + system time (reaped children included) at the end minus
    at the start."""

    def __init__(self, pid: int, interval: float = 0.1, pss_every: int = 5) -> None:
        self.pid, self.interval, self.pss_every = pid, interval, pss_every
        self.peak_rss_mib = 0.0
        self.peak_pss_mib = 0.0
        self.peak_processes = 0
        self.cpu_s: float | None = None
        self._cpu_start: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def __enter__(self) -> TreeMemory:
        if psutil is not None:
            self._cpu_start = self._cpu()
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if psutil is None:
            return
        self._stop.set()
        self._thread.join()
        end = self._cpu()
        if self._cpu_start is not None and end is not None:
            self.cpu_s = end - self._cpu_start

    def _tree(self) -> list[Any]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def _cpu(self) -> float | None:
        try:
            procs = self._tree()
        except psutil.Error:
            return None
        total = 0.0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        return total

    def _run(self) -> None:
        n = 0
        while True:
            self._sample(pss=n % self.pss_every == 0)
            n += 1
            if self._stop.wait(self.interval):
                self._sample(pss=True)
                return

    def _sample(self, pss: bool) -> None:
        try:
            procs = self._tree()
        except psutil.Error:
            return
        rss = pss_total = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                rss += proc.memory_info().rss
                if pss:
                    pss_total += proc.memory_full_info().pss
        self.peak_rss_mib = max(self.peak_rss_mib, rss / 2**20)
        self.peak_pss_mib = max(self.peak_pss_mib, pss_total / 2**20)
        self.peak_processes = max(self.peak_processes, len(procs))

    def as_dict(self) -> dict[str, Any]:
        if psutil is None:
            return {"available": False}
        return {
            "peak_rss_sum_mib": round(self.peak_rss_mib, 1),
            "peak_pss_sum_mib": round(self.peak_pss_mib, 1),
            "processes": self.peak_processes,
            "cpu_s": round(self.cpu_s, 2) if self.cpu_s is not None else None,
        }


# --------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------


class Progress:
    """``label: done/total (rate msg/s)`` on stderr, about every tenth of the run."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.step = max(1, total // 10)
        self.started = time.perf_counter()
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        if self.done % self.step == 0 or self.done == self.total:
            elapsed = time.perf_counter() - self.started
            speed = self.done / elapsed if elapsed > 0 else 0.0
            say(f"  {self.label}: {self.done}/{self.total} ({speed:.1f} msg/s)")


# --------------------------------------------------------------------------------------
# The 2016 Podesta lure
# --------------------------------------------------------------------------------------

LURE_LINK = "https://bit.ly/1PibSU0"
LURE_SHOWN = "https://myaccount.google.com/security/signinoptions/password"
LURE_LOOKALIKE_REPLY_TO = "Campaign IT <it-support@campaign-partty.org>"
LURE_VARIANTS = ("lure_2016", "lure_lookalike_reply_to")

_LURE_TEXT = f"""Someone has your password

Hi Camille,

Someone just used your password to try to sign in to your Google Account
camille.exemple@parti-exemple.fr.

Details:
Saturday, 19 March, 8:34:30 UTC
IP Address: 134.249.139.239
Location: Ukraine

Google stopped this sign-in attempt. You should change your password
immediately.

CHANGE PASSWORD <{LURE_LINK}>

Best,
The Gmail Team
"""

_LURE_HTML = f"""<html><body style="font-family:Roboto,Arial,sans-serif">
<div style="background:#d14836;color:#fff;padding:16px;font-size:20px">Someone has your password</div>
<p>Hi Camille,</p>
<p>Someone just used your password to try to sign in to your Google Account
<a href="mailto:camille.exemple@parti-exemple.fr">camille.exemple@parti-exemple.fr</a>.</p>
<p><b>Details:</b><br>Saturday, 19 March, 8:34:30 UTC<br>IP Address: 134.249.139.239<br>
Location: Ukraine</p>
<p>Google stopped this sign-in attempt. You should change your password immediately:
<a href="{LURE_LINK}">{LURE_SHOWN}</a></p>
<p><a href="{LURE_LINK}" style="background:#4184f3;color:#fff;padding:10px 18px;
text-decoration:none">CHANGE PASSWORD</a></p>
<p>Best,<br>The Gmail Team</p>
</body></html>
"""  # noqa: E501


def podesta_lure(reply_to: str | None = None, when: dt.datetime | None = None) -> bytes:
    """A mail built like the March 2016 lure sent to John Podesta, addressed to the
    fictional candidate Camille Exemple: display name "Google" on a spoofed Google
    address, subject "Someone has your password", a link whose text shows
    myaccount.google.com but which goes to bit.ly. ``reply_to`` adds a Reply-To.

    The transport is kept neutral so that no engine scores an artifact of the bench:
    dated ``when`` (default: now; a 2016 date is "in the past" for Rspamd), one relay
    with a reverse-DNS name (``unknown`` would add SpamAssassin's RDNS_NONE, 2.4) and
    a routable address (a documentation one is RCVD_ILLEGAL_IP): the sign-in address
    quoted in the lure itself."""
    stamp = email.utils.format_datetime((when or dt.datetime.now(dt.UTC)).replace(microsecond=0))
    headers = [
        "Return-Path: <no-reply@accounts.googlemail.com>",
        "Received: from smtp.sender.example (smtp.sender.example [134.249.139.239])\r\n"
        f"\tby mx.parti-exemple.fr (Postfix) with ESMTP id 4QhT2K0cZz;\r\n\t{stamp}",
        "From: Google <no-reply@accounts.googlemail.com>",
        "To: Camille Exemple <camille.exemple@parti-exemple.fr>",
        "Subject: *Someone has your password*",
        f"Date: {stamp}",
        "Message-ID: <20160319083430.4QhT2K0cZz@accounts.googlemail.com>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="lure-2016"',
    ]
    if reply_to:
        headers.insert(4, f"Reply-To: {reply_to}")
    body = "".join(
        f"--lure-2016\r\nContent-Type: {ctype}; charset=UTF-8\r\n"
        f"Content-Transfer-Encoding: 7bit\r\n\r\n{text.replace(chr(10), chr(13) + chr(10))}\r\n"
        for ctype, text in (("text/plain", _LURE_TEXT), ("text/html", _LURE_HTML))
    )
    message = "\r\n".join(headers) + "\r\n\r\n" + body + "--lure-2016--\r\n"
    return message.encode("ascii")


def lures(when: dt.datetime | None = None) -> dict[str, bytes]:
    """The lure and its look-alike Reply-To variant, both dated ``when`` (default: now)."""
    when = when or dt.datetime.now(dt.UTC)
    return {
        "lure_2016": podesta_lure(when=when),
        "lure_lookalike_reply_to": podesta_lure(LURE_LOOKALIKE_REPLY_TO, when),
    }


# --------------------------------------------------------------------------------------
# Rempart
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    """Rempart's mail API as the bench calls it (the real one, or a test stand-in)."""

    triage_bytes: Callable[[bytes, str, Any], Any]
    """``triage_bytes(raw, source, ctx) -> Triage``"""
    triage_many: Callable[[Iterable[Any], Any, int], Iterable[Any]]
    """``triage_many(messages, ctx, workers) -> Iterator[Triage]``"""
    raw_message: Callable[..., Any]
    """``RawMessage(source=…, data=…, size=…)``, or ``(source=…, data=None, error=…)``"""
    context: Any
    """``MailContext()``: no campaign, for the corpora."""
    campaign: Any
    """A campaign's context (the fictional Parti Exemple), for the lure only."""


def load_engine() -> Engine | str:
    """Rempart's real mail API, or why it cannot be imported."""
    try:
        from rempart.mail.batch import triage_many
        from rempart.mail.context import MailContext, Person
        from rempart.mail.sources import RawMessage
        from rempart.mail.triage import triage_bytes
    except ImportError as exc:
        return f"Rempart's mail triage cannot be imported ({exc})"
    campaign = MailContext(
        own_domains=("parti-exemple.fr", "campaign-party.org", "exemple2027.fr"),
        mail_domains=("parti-exemple.fr", "campaign-party.org"),
        people=(
            Person("Camille Exemple", "candidate", ("camille.exemple@parti-exemple.fr",)),
            Person("Dominique Martin", "treasurer", ("tresorier@parti-exemple.fr",)),
            Person("Alex Durand", "campaign director", ("alex.durand@campaign-party.org",)),
        ),
        authserv_ids=("mx.parti-exemple.fr",),
        relays=("mx.parti-exemple.fr",),
        organisation="Parti Exemple",
    )
    return Engine(triage_bytes, triage_many, RawMessage, MailContext(), campaign)


def rempart_outcome(triage: Any) -> Outcome:
    """A ``Triage`` as an :class:`Outcome` (its five strongest reasons as rules)."""
    verdict = getattr(triage.verdict, "value", triage.verdict)
    reasons = sorted(getattr(triage, "reasons", ()), key=lambda r: -abs(r.weight))
    errors = "; ".join(getattr(triage, "errors", ()))
    return Outcome(
        str(verdict), float(triage.score), errors[:300], tuple(r.signal for r in reasons[:5])
    )


def raw_messages(engine: Engine, items: Iterable[Item]) -> Iterator[Any]:
    """The messages as Rempart's batch API takes them, read lazily from disk."""
    for item in items:
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            yield engine.raw_message(source=item.key, data=None, error=f"{item.key}: {exc}")
            continue
        yield engine.raw_message(source=item.key, data=data, size=len(data))


@dataclass
class Run:
    """One engine's pass over a list of messages."""

    name: str
    messages: int
    wall_s: float
    outcomes: dict[str, Outcome]
    parallelism: str
    memory: dict[str, Any] = field(default_factory=dict)
    crashed: str = ""
    unmatched: int = 0
    """Results whose source was not one of the messages sent."""
    load: tuple[float | None, float | None] = (None, None)
    """1-minute load average when the run started and when it ended (a shared machine)."""

    @property
    def per_s(self) -> float:
        return self.messages / self.wall_s if self.wall_s > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "messages": self.messages,
            "answered": len(self.outcomes),
            "wall_s": round(self.wall_s, 3),
            "messages_per_s": round(self.per_s, 2),
            "parallelism": self.parallelism,
            "memory": self.memory,
            "crashed": self.crashed,
            "unmatched_results": self.unmatched,
            "load_average_1min": list(self.load),
        }


def run_rempart(engine: Engine, items: Sequence[Item], workers: int, name: str) -> Run:
    """``triage_many`` over ``items`` with ``workers``, timed end to end (read + parse + triage).

    A crash of the batch is recorded (the messages not answered count as errors)."""
    wanted = {i.key for i in items}
    outcomes: dict[str, Outcome] = {}
    progress = Progress(name, len(items))
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss_start = current_rss_mib()
    reset_peak_rss()
    crashed, unmatched = "", 0
    load = _load1()
    with TreeMemory(os.getpid()) as tree:
        started = time.perf_counter()
        try:
            results = engine.triage_many(raw_messages(engine, items), engine.context, workers)
            for triage in results:
                source = str(triage.source)
                if source not in wanted:
                    unmatched += 1
                outcomes[source] = rempart_outcome(triage)
                progress.tick()
        except Exception as exc:  # a bug in the engine is a result of the bench, not a crash
            crashed = f"{type(exc).__name__}: {exc}"[:500]
            say(f"  {name} CRASHED after {len(outcomes)} messages: {crashed}")
        wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    memory = tree.as_dict() | {
        "this_process_peak_rss_mib": round(peak_rss_mib(), 1),
        "this_process_rss_at_start_mib": round(rss_start, 1),
        "children_max_rss_mib": round(rusage_peak_mib(children), 1),
        "children_max_rss_changed": children.ru_maxrss != usage_before.ru_maxrss,
    }
    return Run(
        name,
        len(items),
        wall,
        outcomes,
        f"workers={workers}",
        memory,
        crashed,
        unmatched,
        (load, _load1()),
    )


def rempart_lures(engine: Engine, messages: Mapping[str, bytes]) -> dict[str, Any]:
    """``triage_bytes`` on each lure, without and with the campaign's context."""
    out: dict[str, Any] = {}
    for label, ctx in (("no_campaign", engine.context), ("campaign", engine.campaign)):
        for variant, raw in messages.items():
            try:
                outcome = rempart_outcome(engine.triage_bytes(raw, f"{variant}.eml", ctx))
            except Exception as exc:  # recorded, like any engine failure
                outcome = Outcome("error", detail=f"{type(exc).__name__}: {exc}"[:300])
            out.setdefault(label, {})[variant] = outcome.as_dict()
    return out


def measure_rempart(
    engine: Engine,
    items: Sequence[Item],
    sample: Sequence[Item],
    workers: Sequence[int],
    messages: Mapping[str, bytes],
) -> dict[str, Any]:
    """Every message once per worker count, then the anchors' sample, then the lures."""
    runs: list[Run] = []
    for w in workers:
        say(f"Rempart, all {len(items)} messages, workers={w}…")
        runs.append(run_rempart(engine, items, w, f"rempart all workers={w}"))
    say(f"Rempart, the anchors' sample ({len(sample)} messages), workers={max(workers)}…")
    on_sample = run_rempart(engine, sample, max(workers), f"rempart sample workers={max(workers)}")
    reference = runs[0].outcomes
    return {
        "ran": True,
        "runs": runs,
        "sample_run": on_sample,
        "metrics": class_metrics(items, reference),
        "sample_metrics": class_metrics(sample, on_sample.outcomes),
        "runs_disagree": {r.name: disagreements(reference, r.outcomes)[:50] for r in runs[1:]},
        "sample_disagrees_with_full_run": disagreements(
            {i.key: reference.get(i.key, MISSING) for i in sample}, on_sample.outcomes
        )[:50],
        "lures": rempart_lures(engine, messages),
    }


# --------------------------------------------------------------------------------------
# Anchors: processes
# --------------------------------------------------------------------------------------


class AnchorError(RuntimeError):
    """An anchor could not be installed, started or asked."""


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def pick_port(preferred: int) -> int:
    """``preferred`` if nothing listens on it on 127.0.0.1, else a free ephemeral port."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # as the daemons do: a port whose last connections linger in TIME_WAIT is free
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise AnchorError("no free port on 127.0.0.1")


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Daemon:
    """An anchor daemon run in the foreground as our child, in its own process group,
    so that stopping it stops its workers too (and nothing else)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log: Path,
        port: int,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self.name, self.argv, self.log, self.port = name, list(argv), log, port
        self.ready = ready
        """Extra readiness probe once the port accepts connections (spamd: a PING)."""
        self.proc: subprocess.Popen[bytes] | None = None
        self.start_s = 0.0
        self.exited: int | None = None
        """Exit status when the daemon was found dead before it was stopped."""

    def __enter__(self) -> Daemon:
        started = time.perf_counter()
        say(f"starting {self.name}: {shlex.join(self.argv)}")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            self._wait_ready(timeout=180.0)
        except BaseException:
            self.stop()
            raise
        self.start_s = time.perf_counter() - started
        say(f"  {self.name} up in {self.start_s:.1f} s (pid {self.proc.pid}, port {self.port})")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_ready(self, timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AnchorError(f"{self.name} exited ({self.proc.returncode}): {self.log_tail()}")
            if port_open(self.port) and (self.ready is None or self.ready()):
                return
            time.sleep(0.25)
        raise AnchorError(f"{self.name} not listening after {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self, lines: int = 5) -> str:
        with contextlib.suppress(OSError):
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        """SIGTERM to the daemon's process group, SIGKILL after 20 s."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is not None:
            self.exited = proc.returncode
            say(f"  {self.name} had exited ({proc.returncode}): {self.log_tail()}")
        for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                if not _group_alive(proc.pid):
                    break
            except subprocess.TimeoutExpired:
                continue
            time.sleep(0.5)
            if not _group_alive(proc.pid):
                break
        say(f"  {self.name} stopped")


def _group_alive(pgid: int) -> bool:
    """True while a process of group ``pgid`` runs (zombies left to init do not count)."""
    if psutil is None:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                return True
    return False


@contextlib.contextmanager
def exit_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise SystemExit, so that every ``finally`` (stopping the
    anchors, removing the scratch folder) runs; Ctrl-C already does."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def install_anchors() -> None:
    """apt-get install the anchors' Debian packages (root only); ``apt-get update`` once
    if the first attempt fails."""
    if shutil.which("apt-get") is None or not is_root():
        raise SystemExit("--install-anchor needs apt-get and root")
    command = ["apt-get", "install", "-y", "-q", *APT_PACKAGES]
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing the anchors: {shlex.join(command)}")
    # apt-get's own output goes to stderr with the progress: stdout is for the table
    if subprocess.run(command, env=env, stdout=sys.stderr).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, stdout=sys.stderr)
        subprocess.run(command, env=env, check=True, stdout=sys.stderr)


def anchor_missing(tools: Sequence[str], config: Path) -> str | None:
    """Why an anchor cannot run, or None."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} not installed (run with --install-anchor)"
    if not config.is_dir():
        return f"anchor settings not found in {config}"
    return None


def tool_version(argv: Sequence[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


def _give(path: Path, user: str) -> None:
    """Hand ``path`` over to the daemon's unprivileged user (when we are root)."""
    if is_root():
        shutil.chown(path, user, user)


# --------------------------------------------------------------------------------------
# SpamAssassin
# --------------------------------------------------------------------------------------


def parse_spamc(output: str, returncode: int) -> Outcome:
    """``spamc -R`` output (first line ``SCORE/REQUIRED``, then the report) as an Outcome.

    Exit 0 (ham) and 1 (spam) are answers; anything else, or ``0/0`` (spamc's
    "not scanned"), is an error."""
    first = output.split("\n", 1)[0].strip()
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)", first)
    if returncode not in (0, 1) or match is None or first == "0/0":
        return Outcome("error", detail=f"spamc exit {returncode}: {first[:80]!r}")
    score = float(match[1])
    _, _, report = output.partition("\n---- ")
    rules = tuple(re.findall(r"(?m)^ *-?\d+\.\d+ +([A-Z][A-Z0-9_]+)", report))
    verdict = FLAGGED if score >= SA_THRESHOLD else "clean"
    return Outcome(verdict, score, first, rules)


def spamc(data: bytes, port: int, timeout: float = 300.0) -> Outcome:
    """Score one message with spamc (the full report, so that the rules are known)."""
    argv = [
        "spamc",
        "-d",
        "127.0.0.1",
        "-p",
        str(port),
        "-s",
        str(SPAMC_MAX_BYTES),
        "-x",
        "-R",
        "-t",
        str(int(timeout)),
    ]
    try:
        proc = subprocess.run(argv, input=data, capture_output=True, timeout=timeout + 30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Outcome("error", detail=f"spamc: {exc}"[:300])
    return parse_spamc(proc.stdout.decode("utf-8", "replace"), proc.returncode)


def spamd_ping(port: int) -> bool:
    """spamd answers a PING (it accepts connections before its children are ready)."""
    argv = ["spamc", "-d", "127.0.0.1", "-p", str(port), "-K", "--connect-retries", "1"]
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def spamassassin_site(scratch: Path, config: Path) -> Path:
    """The site config: /etc/spamassassin/*.pre plus the anchor's local.cf and
    v999_rempart.pre (no Bayes, no DNS, FromNameSpoof/OLEVBMacro/AuthRes plugins)."""
    site = scratch / "sa-site"
    site.mkdir(parents=True)
    for pre in sorted(Path("/etc/spamassassin").glob("*.pre")):
        shutil.copy(pre, site / pre.name)
    for name in ("local.cf", "v999_rempart.pre"):
        shutil.copy(config / "spamassassin" / name, site / name)
    for path in (site, *site.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return site


def spamd_argv(scratch: Path, site: Path, port: int) -> list[str]:
    home = scratch / "sa-home"
    home.mkdir()
    _give(home, "debian-spamd")
    argv = [
        "spamd",
        "-L",
        "-x",
        "-H",
        str(home),
        f"--siteconfigpath={site}",
        "-i",
        f"127.0.0.1:{port}",
        "-m",
        str(SPAMD_CHILDREN),
        "-s",
        "stderr",
    ]
    return argv + (["-u", "debian-spamd"] if is_root() else [])


def run_spamassassin(
    scratch: Path, config: Path, sample: Sequence[Item], messages: Mapping[str, bytes]
) -> dict[str, Any]:
    """Start spamd, score the lures (also a warm-up) and the sample, stop spamd."""
    scratch.mkdir(mode=0o755)
    port = pick_port(SA_PORT)
    argv = spamd_argv(scratch, spamassassin_site(scratch, config), port)
    ready = lambda: spamd_ping(port)  # noqa: E731
    with Daemon("spamd", argv, scratch / "spamd.log", port, ready) as daemon:
        lure = {name: spamc(raw, port).as_dict() for name, raw in messages.items()}
        say(f"SpamAssassin, the sample ({len(sample)} messages, {SPAMC_PARALLEL} spamc)…")
        assert daemon.proc is not None
        run = _spamc_run(sample, port, daemon.proc.pid)
    return {
        "ran": True,
        "version": tool_version(["spamassassin", "-V"]).replace("SpamAssassin version ", ""),
        "command": shlex.join(argv).replace(str(scratch.parent), "$SCRATCH"),
        "client": f"spamc -d 127.0.0.1 -p {port} -s {SPAMC_MAX_BYTES} -x -R "
        f"({SPAMC_PARALLEL} in parallel)",
        "startup_s": round(daemon.start_s, 1),
        "died_during_run": daemon.exited,
        "log_tail": daemon.log_tail(10),
        "run": run,
        "lures": lure,
    }


def _spamc_run(sample: Sequence[Item], port: int, pid: int) -> Run:
    progress = Progress("SpamAssassin", len(sample))
    lock = threading.Lock()

    def one(item: Item) -> tuple[str, Outcome]:
        try:
            outcome = spamc(item.path.read_bytes(), port)
        except OSError as exc:
            outcome = Outcome("error", detail=str(exc))
        with lock:
            progress.tick()
        return item.key, outcome

    load = _load1()
    with TreeMemory(pid, interval=0.25, pss_every=4) as tree:
        started = time.perf_counter()
        pool = ThreadPoolExecutor(SPAMC_PARALLEL)
        try:
            outcomes = dict(pool.map(one, sample))
        finally:  # on an interruption, do not score the rest first
            pool.shutdown(wait=True, cancel_futures=True)
        wall = time.perf_counter() - started
    name = f"SpamAssassin ({SPAMC_PARALLEL} spamc)"
    parallel = f"{SPAMC_PARALLEL} spamc"
    return Run(name, len(sample), wall, outcomes, parallel, tree.as_dict(), load=(load, _load1()))


# --------------------------------------------------------------------------------------
# Rspamd
# --------------------------------------------------------------------------------------


def freemail_domains(cf_text: str) -> list[str]:
    """SpamAssassin's ``freemail_domains`` lines as an exact-match list for Rspamd:
    plain domains kept, ``name.*`` expanded to :data:`FREEMAIL_SUFFIXES`, other
    wildcards (``*.x``, ``name.co*.*``) dropped."""
    out: set[str] = set()
    for line in cf_text.splitlines():
        words = line.split()
        if not words or words[0] != "freemail_domains":
            continue
        for word in words[1:]:
            word = word.lower()
            if word.endswith(".*") and "*" not in word[:-2]:
                out.update(f"{word[:-2]}.{suffix}" for suffix in FREEMAIL_SUFFIXES)
            elif "*" not in word:
                out.add(word)
    return sorted(out)


def rspamd_local(scratch: Path, config: Path, ports: Mapping[str, int]) -> Path:
    """``scratch`` as LOCAL_CONFDIR: the anchor's rspamd-local.d as ``local.d`` (SCRATCH
    replaced by this folder, ports by free ones), a freemail map, db/run/log folders."""
    local = scratch / "local.d"
    local.mkdir(parents=True)
    for src in sorted((config / "rspamd-local.d").iterdir()):
        text = src.read_text().replace("SCRATCH", str(scratch))
        for worker, default in RSPAMD_PORTS.items():
            text = text.replace(f"127.0.0.1:{default}", f"127.0.0.1:{ports[worker]}")
        (local / src.name).write_text(text)
    maps = scratch / "maps"
    maps.mkdir()
    cf = FREEMAIL_SOURCE.read_text(errors="replace") if FREEMAIL_SOURCE.exists() else ""
    (maps / "freemail.txt").write_text("\n".join(freemail_domains(cf)) + "\n")
    for sub in ("db", "run", "log"):
        (scratch / sub).mkdir()
        _give(scratch / sub, "_rspamd")
    for path in (scratch, local, maps, *local.iterdir(), *maps.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return scratch


def rspamd_argv(root: Path) -> list[str]:
    argv = [
        "rspamd",
        "-f",
        "-c",
        "/etc/rspamd/rspamd.conf",
        f"--var=LOCAL_CONFDIR={root}",
        f"--var=DBDIR={root}/db",
        f"--var=RUNDIR={root}/run",
        f"--var=LOGDIR={root}/log",
        "-p",
        f"{root}/run/rspamd.pid",
    ]
    return argv + (["-u", "_rspamd", "-g", "_rspamd"] if is_root() else [])


def parse_rspamc(output: str) -> dict[str, Outcome]:
    """``rspamc --json`` output for many files (one JSON object per file, concatenated;
    text that is not JSON skipped) → file name → Outcome."""
    decoder = json.JSONDecoder()
    out: dict[str, Outcome] = {}
    pos = output.find("{")
    while 0 <= pos < len(output):
        try:
            obj, end = decoder.raw_decode(output, pos)
        except ValueError:
            pos = output.find("{", pos + 1)
            continue
        if isinstance(obj, dict) and isinstance(obj.get("filename"), str):
            out[obj["filename"]] = _rspamd_outcome(obj)
        pos = output.find("{", end)
    return out


def _rspamd_outcome(obj: Mapping[str, Any]) -> Outcome:
    if "error" in obj or not isinstance(obj.get("score"), (int, float)):
        return Outcome("error", detail=f"rspamd: {obj.get('error', 'no score')}"[:300])
    action = str(obj.get("action", ""))
    symbols = obj.get("symbols") or {}
    scored = sorted(
        ((name, s.get("score", 0.0)) for name, s in symbols.items() if isinstance(s, dict)),
        key=lambda pair: -abs(float(pair[1] or 0.0)),
    )
    rules = tuple(name for name, score in scored if score)
    verdict = FLAGGED if action in RSPAMD_FLAG_ACTIONS else "clean"
    return Outcome(verdict, round(float(obj["score"]), 2), action, rules)


def rspamc(paths: Sequence[Path], port: int, timeout: float = 600.0) -> dict[str, Outcome]:
    """Score files with one rspamc call (``-n`` requests in flight)."""
    argv = [
        "rspamc",
        "-h",
        f"127.0.0.1:{port}",
        "--hostname=unknown",
        "-n",
        str(RSPAMC_PARALLEL),
        "-t",
        "60",
        "--json",
        *map(str, paths),
    ]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        say(f"  rspamc failed: {exc}")
        return {}
    return parse_rspamc(proc.stdout.decode("utf-8", "replace"))


def run_rspamd(
    scratch: Path, config: Path, sample: Sequence[Item], messages: Mapping[str, bytes]
) -> dict[str, Any]:
    """Start rspamd, score the lures (also a warm-up) and the sample, stop rspamd."""
    scratch.mkdir(mode=0o755)
    ports = {worker: pick_port(default) for worker, default in RSPAMD_PORTS.items()}
    argv = rspamd_argv(rspamd_local(scratch, config, ports))
    lure_dir = scratch / "lures"
    lure_dir.mkdir()
    for name, raw in messages.items():
        (lure_dir / f"{name}.eml").write_bytes(raw)
    with Daemon("rspamd", argv, scratch / "rspamd.out", ports["normal"]) as daemon:
        scored = rspamc(sorted(lure_dir.iterdir()), ports["normal"])
        lure = {n: scored.get(str(lure_dir / f"{n}.eml"), MISSING).as_dict() for n in messages}
        say(f"Rspamd, the sample ({len(sample)} messages, rspamc -n {RSPAMC_PARALLEL})…")
        assert daemon.proc is not None
        run = _rspamc_run(sample, ports["normal"], daemon.proc.pid)
    return {
        "ran": True,
        "version": tool_version(["rspamd", "--version"]).replace("Rspamd daemon version ", ""),
        "command": shlex.join(argv).replace(str(scratch.parent), "$SCRATCH"),
        "client": f"rspamc -h 127.0.0.1:{ports['normal']} --hostname=unknown "
        f"-n {RSPAMC_PARALLEL} -t 60 --json FILES… ({RSPAMC_BATCH} files per call)",
        "startup_s": round(daemon.start_s, 1),
        "died_during_run": daemon.exited,
        "log_tail": daemon.log_tail(10),
        "run": run,
        "lures": lure,
    }


def _rspamc_run(sample: Sequence[Item], port: int, pid: int) -> Run:
    outcomes: dict[str, Outcome] = {}
    by_path = {str(i.path): i.key for i in sample}
    load = _load1()
    with TreeMemory(pid, interval=0.25, pss_every=4) as tree:
        started = time.perf_counter()
        for first in range(0, len(sample), RSPAMC_BATCH):
            chunk = sample[first : first + RSPAMC_BATCH]
            for path, outcome in rspamc([i.path for i in chunk], port).items():
                if path in by_path:
                    outcomes[by_path[path]] = outcome
            say(f"  Rspamd: {min(first + RSPAMC_BATCH, len(sample))}/{len(sample)}")
        wall = time.perf_counter() - started
    name = f"Rspamd (rspamc -n {RSPAMC_PARALLEL})"
    parallel = f"rspamc -n {RSPAMC_PARALLEL}"
    return Run(name, len(sample), wall, outcomes, parallel, tree.as_dict(), load=(load, _load1()))


def measure_anchor(
    name: str,
    runner: Callable[..., dict[str, Any]],
    tools: Sequence[str],
    args: Any,
    scratch: Path,
    sample: Sequence[Item],
    messages: Mapping[str, bytes],
) -> dict[str, Any]:
    """One anchor, start to stop; a failure to start becomes the anchor's result."""
    reason = anchor_missing(tools, args.anchor_config)
    if reason:
        say(f"{name} skipped: {reason}")
        return {"ran": False, "reason": reason}
    try:
        result = runner(scratch, args.anchor_config, sample, messages)
    except (AnchorError, OSError) as exc:
        say(f"{name} failed: {exc}")
        return {"ran": False, "reason": f"{type(exc).__name__}: {exc}"[:500]}
    result["metrics"] = class_metrics(sample, result["run"].outcomes)
    return result


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def pct(r: Mapping[str, Any] | None) -> str:
    """``12.3 % (37/300)``, or ``—`` when nothing was measured."""
    if not r or not r.get("total"):
        return "—"
    return f"{100 * r['hits'] / r['total']:.1f} % ({r['hits']:,}/{r['total']:,})"


def spread(verdicts: Mapping[str, int], binary: bool) -> str:
    if binary:
        order: tuple[str, ...] = (FLAGGED, "clean", "error")
    else:
        order = VERDICTS
    return " / ".join(f"{verdicts.get(v, 0):,}" for v in order) + (
        " (flagged / clean / error)" if binary else ""
    )


@dataclass(frozen=True)
class Column:
    """One column of the table: an engine's metrics on a set of messages, and its runs."""

    title: str
    metrics: Mapping[str, Any] | None
    binary: bool
    runs: Sequence[Mapping[str, Any]] = ()


MEASURES: tuple[tuple[str, str, str, bool], ...] = (
    ("Phishing → phishing", "phishing", "as_phishing", False),
    ("Phishing → phishing or suspicious (anchors: flagged)", "phishing", "flagged", True),
    ("Phishing → any non-clean verdict (spam too)", "phishing", "not_clean", True),
    ("Ham flagged phishing or suspicious (anchors: flagged)", "ham", "flagged", True),
    ("Ham with any non-clean verdict (spam too)", "ham", "not_clean", True),
    ("Easy ham flagged phishing or suspicious", "easy_ham", "flagged", True),
    ("Easy ham, any non-clean", "easy_ham", "not_clean", True),
    ("Hard ham flagged phishing or suspicious", "hard_ham", "flagged", True),
    ("Hard ham, any non-clean", "hard_ham", "not_clean", True),
    ("Spam caught (any non-clean; anchors: flagged)", "spam", "not_clean", True),
    ("Errors (all messages)", "all", "errors", True),
)
"""(row title, group, rate, shown for the anchors)."""


def markdown_table(columns: Sequence[Column]) -> str:
    lines = [
        "| Measure | " + " | ".join(c.title for c in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]

    def cell(c: Column, group: str, key: str, for_anchor: bool) -> str:
        if c.metrics is None or (c.binary and not for_anchor):
            return "—"
        return pct(c.metrics[group][key])

    for title, group, key, for_anchor in MEASURES:
        cells = [cell(c, group, key, for_anchor) for c in columns]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append(
        "| Spam → phishing / suspicious / spam / clean / error | "
        + " | ".join(
            spread(c.metrics["spam"]["verdicts"], c.binary) if c.metrics else "—" for c in columns
        )
        + " |"
    )
    for title, show in RUN_ROWS:
        cells = ["<br>".join(show(r) + _which(c, r, show) for r in c.runs) or "—" for c in columns]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _memory_text(run: Mapping[str, Any]) -> str:
    memory = run["memory"]
    if not memory or memory.get("available") is False:
        return "?"
    return f"{memory['peak_pss_sum_mib']:.0f} MiB PSS ({memory['peak_rss_sum_mib']:.0f} RSS sum)"


def _cpu_text(run: Mapping[str, Any]) -> str:
    cpu = (run["memory"] or {}).get("cpu_s")
    if cpu is None or not run["messages"]:
        return "?"
    return f"{1000 * cpu / run['messages']:.1f} ms"


def _speed_text(run: Mapping[str, Any]) -> str:
    return f"{run['messages_per_s']:.1f} ({run['parallelism']})"


def _which(column: Column, run: Mapping[str, Any], show: Callable[..., str]) -> str:
    """Which run a line of a cell is about, when a column has several."""
    return f" ({run['parallelism']})" if len(column.runs) > 1 and show is not _speed_text else ""


RUN_ROWS: tuple[tuple[str, Callable[[Mapping[str, Any]], str]], ...] = (
    ("Messages/s, end to end", _speed_text),
    ("CPU time per message, process tree", _cpu_text),
    ("Peak memory, process tree", _memory_text),
)


def columns(result: Mapping[str, Any]) -> list[Column]:
    cols: list[Column] = []
    rem = result["rempart"]
    if rem.get("ran"):
        total = result["corpus"]["messages"]
        cols.append(Column(f"Rempart, all {total:,}", rem["metrics"], False, rem["runs"]))
        run = rem["sample_run"]
        title = f"Rempart, sample of {run['messages']:,}"
        cols.append(Column(title, rem["sample_metrics"], False, [run]))
    else:
        cols.append(Column("Rempart (not run)", None, False))
    for key, name in (("spamassassin", "SpamAssassin"), ("rspamd", "Rspamd")):
        a = result["anchors"].get(key) or {"ran": False}
        if a.get("ran"):
            title = f"{name} {a['version'].split()[0]}, sample"
            cols.append(Column(title, a["metrics"], True, [a["run"]]))
        else:
            cols.append(Column(f"{name} (not run)", None, True))
    return cols


def _lure_cell(o: Mapping[str, Any] | None, engine: str) -> str:
    if not o:
        return "—"
    if o["verdict"] == "error":
        return f"error ({o['detail'][:60]})"
    if engine == "rempart":
        return f"{o['score']:.0f}/100, {o['verdict']}"
    if engine == "spamassassin":
        return f"{o['score']:.1f}/5.0, {'flagged' if o['verdict'] == FLAGGED else 'not flagged'}"
    return f"{o['score']:.1f}, {o['detail']} ({'flagged' if o['verdict'] == FLAGGED else 'not flagged'})"  # noqa: E501


def lure_table(result: Mapping[str, Any]) -> str:
    rows: list[tuple[str, str, Mapping[str, Any] | None]] = []
    rem = result["rempart"]
    if rem.get("ran"):
        rows.append(
            ("Rempart, no campaign (`MailContext()`)", "rempart", rem["lures"]["no_campaign"])
        )
        rows.append(
            (
                "Rempart, the campaign's context (fictional Parti Exemple)",
                "rempart",
                rem["lures"]["campaign"],
            )
        )
    for key, title in (
        ("spamassassin", "SpamAssassin (≥ 5.0 flagged)"),
        ("rspamd", "Rspamd (action add header or worse: flagged)"),
    ):
        a = result["anchors"].get(key) or {}
        rows.append((title, key, a.get("lures") if a.get("ran") else None))
    lines = [
        "| Engine | 2016 lure | same, Reply-To `it-support@campaign-partty.org` |",
        "|---|---|---|",
    ]
    for title, engine, lure in rows:
        cells = [_lure_cell((lure or {}).get(v), engine) for v in LURE_VARIANTS]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def notes(result: Mapping[str, Any]) -> list[str]:
    facts, corpus = result["machine"], result["corpus"]
    out = [
        f"Command: `{result['command']}`; date {result['date']}; machine: {facts['cpus']} CPUs "
        f"({facts['cpus_usable']} usable), {facts['implementation']} {facts['python']}, "
        f"{facts['platform']}; load average at start {result['load_average_at_start']}.",
        f"Corpora ({', '.join(result['archives'])}): "
        + ", ".join(f"{k} {v:,}" for k, v in corpus["by_folder"].items())
        + (f" (at most {result['limit']} per folder: --limit)" if result["limit"] else "")
        + f". Sample (seed {result['seed']}, up to {result['anchor_sample']} per class): "
        + ", ".join(f"{k} {v}" for k, v in result["sample"]["by_stratum"].items())
        + ".",
        "Rates are share (count/total); 95 % Wilson intervals are in the JSON. Ham flagged "
        '= Rempart verdict phishing or suspicious; anchors have one verdict, "flagged": '
        f"SpamAssassin score ≥ {SA_THRESHOLD}, Rspamd action add header, rewrite subject or "
        "reject (score ≥ 6). An anchor error (not scanned, no answer) counts as not flagged "
        "and is counted in the errors row.",
        "CPU time and memory are those of the process tree doing the work: for Rempart this "
        "process and its workers; for an anchor its daemon (spamd and its children, rspamd "
        "and its workers), not the clients. Memory: PSS summed over the tree (shared pages "
        "split), and RSS summed (shared pages counted in every process), sampled every "
        "0.1 s for Rempart, 0.25 s for the anchors.",
        "1-minute load average at the start → end of each run (the machine may be shared): "
        + "; ".join(
            f"{r['name']} {r['load_average_1min'][0]} → {r['load_average_1min'][1]}"
            for r in _all_runs(result)
        )
        + ".",
    ]
    out.extend(_rempart_notes(result["rempart"]))
    out.extend(_anchor_notes(result["anchors"]))
    return out


def _all_runs(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    runs: list[Mapping[str, Any]] = []
    if result["rempart"].get("ran"):
        runs.extend([*result["rempart"]["runs"], result["rempart"]["sample_run"]])
    runs.extend(a["run"] for a in result["anchors"].values() if a.get("ran"))
    return runs


def _rempart_notes(rem: Mapping[str, Any]) -> list[str]:
    if not rem.get("ran"):
        return [f"Rempart not run: {rem.get('reason')}"]
    out = [
        "Rempart: `triage_many(RawMessage…, MailContext(), workers)`, timed from the first file "
        "read to the last verdict (read + parse + triage, the model load included); "
        "quality figures of the full set from the first run."
    ]
    for r in [*rem["runs"], rem["sample_run"]]:
        if r["crashed"] or r["unmatched_results"] or r["answered"] != r["messages"]:
            out.append(
                f"{r['name']}: {r['answered']}/{r['messages']} answered, "
                f"{r['unmatched_results']} unmatched results, crash: {r['crashed'] or 'none'}."
            )
    for name, diff in rem["runs_disagree"].items():
        out.append(
            f"{name}: verdicts {'identical to' if not diff else 'DIFFER from'} the first "
            f"run{'' if not diff else ' on ' + str(len(diff)) + '+ messages'}."
        )
    diff = rem["sample_disagrees_with_full_run"]
    same = "same verdicts" if not diff else f"DIFFERENT on {len(diff)}+ messages"
    out.append(f"Sample run vs the full run: {same}.")
    for label in ("no_campaign", "campaign"):
        for variant, o in rem["lures"][label].items():
            out.append(
                f"Rempart ({label}) on {variant}: reasons {', '.join(o['rules']) or 'none'}."
            )
    return out


def _anchor_notes(anchors: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key, a in anchors.items():
        if not a.get("ran"):
            out.append(f"{key}: not run ({a.get('reason')}).")
            continue
        out.append(
            f"{key} {a['version']}: `{a['command']}` (started in {a['startup_s']} s, not timed); "
            f"client `{a['client']}`; throughput = sample ÷ wall time of the client calls."
        )
        for variant, o in a["lures"].items():
            out.append(f"{key} on {variant}: {', '.join(o['rules'][:12]) or 'no rules'}.")
        if a.get("died_during_run") is not None:
            out.append(f"{key} DIED during the run ({a['died_during_run']}): {a['log_tail']}")
        out.extend(_error_note(key, a["run"]))
    return out


def _error_note(name: str, run: Mapping[str, Any]) -> list[str]:
    """The most frequent reasons of an engine's errors, if any."""
    details = collections.Counter(
        o["detail"][:120] for o in run["outcomes"].values() if o["verdict"] == "error"
    )
    missing = run["messages"] - len(run["outcomes"])
    if not details and not missing:
        return []
    reasons = "; ".join(f"{d} ×{n}" for d, n in details.most_common(3))
    return [f"{name}: {sum(details.values()) + missing} errors ({missing} unanswered). {reasons}"]


def render(result: Mapping[str, Any]) -> str:
    return "\n".join(
        [
            "# Mail triage: Rempart, SpamAssassin, Rspamd",
            "",
            markdown_table(columns(result)),
            "",
            'The Podesta lure (March 2016; display name "Google", subject "Someone has your '
            f'password", link text {LURE_SHOWN} → {LURE_LINK}):',
            "",
            lure_table(result),
            "",
            *(f"- {line}" for line in notes(result)),
            "",
        ]
    )


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--corpora",
        type=Path,
        default=DEFAULT_CORPORA,
        help="folder holding mail/*.tar.zst (../shared/corpora)",
    )
    parser.add_argument(
        "--anchor-config",
        type=Path,
        default=DEFAULT_ANCHOR_CONFIG,
        help="the anchors' offline settings (../shared/anchors/mail)",
    )
    parser.add_argument(
        "--install-anchor",
        action="store_true",
        help="apt-get install SpamAssassin and Rspamd first (root)",
    )
    parser.add_argument("--no-anchor", action="store_true", help="Rempart only")
    parser.add_argument(
        "--anchor-sample",
        type=int,
        default=300,
        help="messages per class in the anchors' sample (300)",
    )
    parser.add_argument(
        "--workers", default="1,2", help="Rempart worker counts, comma-separated (1,2)"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="at most N messages per corpus folder (quick runs)"
    )
    parser.add_argument("--seed", type=int, default=2027, help="sampling seed (2027)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output path")
    parser.add_argument("--md", type=Path, default=DEFAULT_MD, help="Markdown output path")
    args = parser.parse_args(argv)
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    if not args.workers or min(args.workers) < 1:
        parser.error("--workers needs counts of at least 1")
    if args.anchor_sample < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--anchor-sample and --limit must be at least 1")
    return args


def _load1() -> float | None:
    """The 1-minute load average (other processes compete for the CPUs too)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _jsonable(value: Any) -> Any:
    """Runs and outcomes as plain data."""
    if isinstance(value, Run):
        data = value.summary()
        data["outcomes"] = {k: o.as_dict() for k, o in sorted(value.outcomes.items())}
        return data
    if isinstance(value, Outcome):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def main(argv: Sequence[str] | None = None, *, _engine: Engine | None = None) -> dict[str, Any]:
    """Run the benchmark; returns what it wrote to the JSON file.

    ``_engine`` is a test hook: a stand-in for Rempart's mail API."""
    args = parse_args(argv)
    if args.install_anchor and not args.no_anchor:
        install_anchors()
    facts = machine()
    result: dict[str, Any] = {
        "command": shlex.join(["bench/mail_bench.py", *(sys.argv[1:] if argv is None else argv)]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": facts,
        "load_average_at_start": _load_average(),
        "seed": args.seed,
        "limit": args.limit,
        "anchor_sample": args.anchor_sample,
    }
    engine = _engine if _engine is not None else load_engine()
    say(f"Rempart mail benchmark: {facts['cpus']} CPUs")
    with exit_on_signals(), tempfile.TemporaryDirectory(prefix="rempart-mail-bench-") as tmp:
        scratch = Path(tmp)
        scratch.chmod(0o711)  # the anchors' unprivileged users must reach their folders
        result["archives"] = unpack_corpora(args.corpora, scratch / "corpora")
        items = list_corpus(scratch / "corpora", args.limit)
        if not items:
            raise SystemExit(f"no messages found in the corpora of {args.corpora}")
        sample = stratified_sample(items, args.anchor_sample, args.seed)
        result["corpus"] = {
            "messages": len(items),
            "by_folder": corpus_counts(items, "folder"),
            "by_class": corpus_counts(items, "label"),
        }
        result["sample"] = {
            "messages": len(sample),
            "by_stratum": corpus_counts(sample, "stratum"),
            "keys": [i.key for i in sample],
        }
        messages = lures()
        result["lure_messages"] = {name: raw.decode("ascii") for name, raw in messages.items()}
        if isinstance(engine, Engine):
            result["rempart"] = measure_rempart(engine, items, sample, args.workers, messages)
        else:
            say(f"Rempart skipped: {engine}")
            result["rempart"] = {"ran": False, "reason": engine}
        result["anchors"] = {}
        if args.no_anchor:
            result["anchors"] = {
                k: {"ran": False, "reason": "--no-anchor"} for k in ("spamassassin", "rspamd")
            }
        else:
            for key, runner, tools in (
                ("spamassassin", run_spamassassin, ("spamd", "spamc", "spamassassin")),
                ("rspamd", run_rspamd, ("rspamd", "rspamc")),
            ):
                result["anchors"][key] = measure_anchor(
                    key, runner, tools, args, scratch / key, sample, messages
                )
    result["load_average_at_end"] = _load_average()
    data = _jsonable(result)
    text = render(data)
    for path, content in ((args.out, json.dumps(data, indent=2) + "\n"), (args.md, text)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    print(text)
    say(f"wrote {args.md} and {args.out}")
    return data


if __name__ == "__main__":
    main()
