"""Logs benchmark: `rempart logs` quality and speed, GoAccess and fail2ban-regex alongside.

In one run:

* quality: a labelled log (``--lines``, default 1,000,000; ``--seed``) made by
  ``rempart.logs.generate``, read with ``read_log`` and run through ``detect_all`` in
  this process. Per detector: the attackers' addresses it should flag, those it
  flagged, precision and recall per address, and every benign address it flagged
  (with the severity). Per attack: which of its expected detectors caught it. Then
  the two real logs of the corpora (``--corpora``, default ``../shared/corpora``):
  the w3af scan (which addresses come out as ``scan.*``) and the elastic sample
  (benign: its highest severity);
* speed: the same log written to a scratch file (and gzipped), then timed in a child
  process, best of ``--runs`` (3): ``rempart logs blocklist FILE --as plain --now
  <log end>`` (parse, every detector, incidents, block list), then GoAccess 1.7 and
  fail2ban-regex 1.0.2 on the same file, as ``../shared/anchors/logs`` ran them
  (Debian packages: ``--install-anchor`` installs them). Lines per second, and peak
  memory as the child's maximum resident set (``wait4``).

Prints a Markdown table (progress on stderr) and writes ``bench/out/logs.md`` and
``bench/out/logs.json`` (``bench/out/`` is git-ignored).

    .venv/bin/python bench/logs_bench.py [--install-anchor] [--skip-anchor] [--lines N]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import gc
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl
from audit_bench import machine, say  # bench/ is not a package
from mail_bench import exit_on_signals, is_root, tool_version

from rempart.logs import blocklist
from rempart.logs.detectors import DETECTORS, conform, detect_all
from rempart.logs.generate import (
    CROWD_DETECTORS,
    DEFAULT_START,
    AddressIndex,
    GeneratedLog,
    Label,
    bystanders,
    flagged_addresses,
    generate,
)
from rempart.logs.model import Incident
from rempart.logs.parse import read_log
from rempart.logs.registry import SPECS
from rempart.logs.settings import Settings
from rempart.model.findings import Severity

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent
DEFAULT_CORPORA = PROJECT.parent / "shared" / "corpora"
DEFAULT_OUT = BENCH_DIR / "out" / "logs.json"
DEFAULT_MD = BENCH_DIR / "out" / "logs.md"
REMPART = PROJECT / ".venv" / "bin" / "rempart"

APT_PACKAGES = ("goaccess", "fail2ban")
REAL_LOGS = {"w3af": "logs/w3af-scan-2016.log", "elastic": "logs/elastic-apache-2015.log"}
CHILD_TIMEOUT = 1800.0
"""Seconds any one timed run may take before it is killed (and reported as such)."""
LISTED = 50
"""Benign addresses listed per detector in the JSON (the count is always whole)."""


# --------------------------------------------------------------------------------------
# Quality: the labelled log
# --------------------------------------------------------------------------------------


def read_frame(path: str) -> tuple[pl.DataFrame, int]:
    """The whole log as one request table, and its unreadable lines."""
    frames, bad = [], 0
    for frame, lines in read_log(path, "auto"):
        frames.append(frame)
        bad += lines.count
    return pl.concat(frames) if frames else pl.DataFrame(), bad


def timed_detectors(df: pl.DataFrame) -> dict[str, float]:
    """Seconds each detector takes alone on ``df`` (as ``detect_all`` runs them)."""
    table, settings = conform(df), Settings()
    out = {}
    for spec in SPECS:
        started = time.perf_counter()
        DETECTORS[spec.id](table, settings.of(spec.id))
        out[spec.id] = round(time.perf_counter() - started, 3)
    return out


@dataclass(frozen=True)
class Truth:
    """Who is who in the labelled log."""

    by_ip: dict[str, Label]
    expected: dict[str, set[str]]
    """Detector id → addresses it should flag."""

    @classmethod
    def of(cls, log: GeneratedLog) -> Truth:
        expected: dict[str, set[str]] = {s.id: set() for s in SPECS}
        for label in log.labels:
            for detector in label.expected:
                expected[detector].update(label.ips)
        return cls(log.by_ip(), expected)

    def role(self, ip: str) -> str:
        """``attack``, ``noise`` or ``benign`` (visitors and near misses)."""
        label = self.by_ip.get(ip)
        if label is None or label.kind == "benign":
            return "benign"
        return "attack" if label.is_attack else "noise"

    def name(self, ip: str) -> str:
        label = self.by_ip.get(ip)
        return label.name if label else "visitor"


def score_detectors(
    truth: Truth,
    flagged: Mapping[str, Mapping[str, Severity]],
    standers: Mapping[str, set[str]],
) -> list[dict[str, Any]]:
    """Per detector: expected, flagged, true positives, precision and recall per address,
    and the others it flagged (benign with severity, background noise, other attacks)."""
    rows = []
    for spec in SPECS:
        found = flagged.get(spec.id, {})
        expected = truth.expected[spec.id]
        hits = expected & set(found)
        wrong = sorted(set(found) - expected)
        benign = [ip for ip in wrong if truth.role(ip) == "benign"]
        rows.append(
            {
                "detector": spec.id,
                "severity": spec.severity.value,
                "expected": len(expected),
                "flagged": len(found),
                "true_positives": len(hits),
                "precision": round(len(hits) / len(found), 4) if found else None,
                "recall": round(len(hits) / len(expected), 4) if expected else None,
                "missed": sorted(expected - set(found))[:LISTED],
                "benign_flagged": len(benign),
                "benign_by_severity": dict(collections.Counter(found[ip].value for ip in benign)),
                "benign_bystanders": sum(ip in standers.get(spec.id, set()) for ip in benign),
                "benign_listed": [
                    {"ip": ip, "severity": found[ip].value, "who": truth.name(ip)}
                    for ip in benign[:LISTED]
                ],
                "noise_flagged": sum(truth.role(ip) == "noise" for ip in wrong),
                "other_attackers_flagged": sorted(
                    {truth.name(ip) for ip in wrong if truth.role(ip) == "attack"}
                ),
            }
        )
    return rows


def score_attacks(
    log: GeneratedLog, flagged: Mapping[str, Mapping[str, Severity]]
) -> list[dict[str, Any]]:
    """Per label: each expected detector's share of its addresses caught, and any other
    detector that flagged some of them."""
    rows = []
    for label in log.labels:
        ips = set(label.ips)
        caught = {d: len(ips & set(flagged.get(d, {}))) for d in label.expected}
        others = {
            d: len(ips & set(found))
            for d, found in flagged.items()
            if d not in label.expected and ips & set(found)
        }
        rows.append(
            {
                "name": label.name,
                "kind": label.kind,
                "addresses": len(ips),
                "lines": label.lines,
                "start": label.start.isoformat(),
                "expected": caught,
                "also": others,
                "note": label.note,
            }
        )
    return rows


def score_blocklist(
    incidents: Sequence[Incident], log: GeneratedLog, truth: Truth, addresses: Iterable[str]
) -> dict[str, Any]:
    """What ``rempart logs blocklist`` would list at the log's end: attackers and others."""
    entries = blocklist.build(incidents, now=log.end)
    index = AddressIndex(addresses)
    listed = {ip for e in entries for ip in index.members(e.network)}
    attackers = {ip for label in log.labels if label.is_attack for ip in label.ips}
    roles = collections.Counter(truth.role(ip) for ip in listed)
    return {
        "entries": len(entries),
        "attack_addresses_listed": len(attackers & listed),
        "attack_addresses": len(attackers),
        "benign_addresses_listed": roles["benign"],
        "noise_addresses_listed": roles["noise"],
    }


def quality(log: GeneratedLog, path: Path) -> dict[str, Any]:
    """Read the written log, detect, and score against the labels."""
    say("quality: reading and detecting in-process…")
    started = time.perf_counter()
    df, bad = read_frame(str(path))
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    detection = detect_all(df)
    detect_s = time.perf_counter() - started
    addresses = df["ip"].unique()
    flagged = flagged_addresses(detection.incidents, addresses)
    standers: dict[str, set[str]] = collections.defaultdict(set)
    for incident in detection.incidents:
        if incident.kind in CROWD_DETECTORS:
            standers[incident.kind] |= bystanders(incident, df)
    truth = Truth.of(log)
    say("quality: timing each detector alone…")
    return {
        "lines": df.height + bad,
        "unreadable": bad,
        "addresses": addresses.len(),
        "read_s": round(read_s, 2),
        "detect_s": round(detect_s, 2),
        "detector_s": timed_detectors(df),
        "failures": [f.line() for f in detection.failures],
        "incidents": dict(
            collections.Counter(f"{i.kind}:{i.severity.value}" for i in detection.incidents)
        ),
        "detectors": score_detectors(truth, flagged, standers),
        "attacks": score_attacks(log, flagged),
        "blocklist": score_blocklist(detection.incidents, log, truth, addresses),
    }


# --------------------------------------------------------------------------------------
# Quality: the real logs
# --------------------------------------------------------------------------------------


def real_logs(corpora: Path) -> dict[str, Any]:
    """Incidents by kind and severity on each real log of the corpora."""
    out: dict[str, Any] = {}
    for key, relative in REAL_LOGS.items():
        path = corpora / relative
        if not path.is_file():
            say(f"{key}: {path} not found")
            out[key] = {"ran": False, "reason": f"{path} not found"}
            continue
        df, bad = read_frame(str(path))
        detection = detect_all(df) if df.height else None
        incidents = detection.incidents if detection else []
        severities = [i.severity for i in incidents]
        out[key] = {
            "ran": True,
            "path": str(path),
            "lines": df.height + bad,
            "unreadable": bad,
            "addresses": df["ip"].n_unique() if df.height else 0,
            "incidents": [
                {
                    "kind": i.kind,
                    "severity": i.severity.value,
                    "sources": list(i.sources[:20]),
                    "count": i.count,
                    "start": i.start.isoformat(),
                }
                for i in incidents
            ],
            "by_kind": dict(collections.Counter(f"{i.kind}:{i.severity.value}" for i in incidents)),
            "highest": max(severities).value if severities else None,
            "scan_sources": sorted(
                {s for i in incidents if i.kind.startswith("scan.") for s in i.sources}
            ),
        }
    return out


# --------------------------------------------------------------------------------------
# Speed: child processes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    """One timed child process."""

    wall_s: float
    cpu_s: float
    """User + system time of the child."""
    peak_rss_mib: float
    """The child's maximum resident set size."""
    exit_code: int
    timed_out: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
        }


GNU_TIME = "/usr/bin/time"


def run_child(argv: Sequence[str], stdout: Path, stderr: Path, cwd: Path) -> ChildRun:
    """Run ``argv`` to the end (killed after ``CHILD_TIMEOUT``), measured by GNU time.

    The tool runs as GNU time's child, not this process's: a child forked from this
    (large) process would carry this process's resident set into its ``ru_maxrss``,
    which survives ``exec``. Without GNU time, ``wait4`` is used and the peak may
    include this process's memory (said in the JSON)."""
    report = stdout.with_suffix(".time")
    wrapped = os.access(GNU_TIME, os.X_OK)
    command = [GNU_TIME, "-o", str(report), "-f", "%M %U %S", *argv] if wrapped else list(argv)
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(CHILD_TIMEOUT, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_kib, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    if wrapped:
        measured = _gnu_time(report)
        if measured is not None:
            peak_kib, cpu = measured
    return ChildRun(wall, cpu, peak_kib / 1024, proc.returncode, expired.is_set())


def _gnu_time(report: Path) -> tuple[int, float] | None:
    """Peak RSS (KiB) and CPU seconds from GNU time's last line, if it wrote one."""
    try:
        last = report.read_text().strip().splitlines()[-1].split()
        return int(last[0]), float(last[1]) + float(last[2])
    except (OSError, IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Tool:
    """One command timed on the log."""

    key: str
    title: str
    does: str
    argv: tuple[str, ...]
    input: str
    """``plain`` or ``gzip``."""


def tools(
    plain: Path, packed: Path, scratch: Path, now: str, versions: Mapping[str, str] | None
) -> list[Tool]:
    """The commands timed: Rempart on both inputs, then the anchors when ``versions``."""
    rempart = (str(REMPART), "logs", "blocklist")
    options = ("--as", "plain", "--now", now)
    out = [
        Tool("rempart", "Rempart `logs blocklist`", "parse, every detector, incidents, block list",
             (*rempart, str(plain), *options), "plain"),
        Tool("rempart_gzip", "Rempart `logs blocklist`, gzip input", "the same, reading .gz",
             (*rempart, str(packed), *options), "gzip"),
    ]  # fmt: skip
    if versions is not None:
        out += [
            Tool("goaccess", f"GoAccess {versions['goaccess']}",
                 "statistics only (13 panels), no detection",
                 ("goaccess", str(plain), "--log-format=COMBINED", "--no-global-config",
                  "-o", str(scratch / "report.json")), "plain"),
            Tool("fail2ban", f"fail2ban-regex {versions['fail2ban']} `nginx-botsearch`",
                 "regex matching only; no time windows, no bans",
                 ("fail2ban-regex", "-r", str(plain), "nginx-botsearch"), "plain"),
        ]  # fmt: skip
    return out


def measure(tool: Tool, runs: int, lines: int, scratch: Path) -> dict[str, Any]:
    """Best of ``runs`` (the shortest wall time; the machine may be shared)."""
    results: list[ChildRun] = []
    for n in range(runs):
        say(f"speed: {tool.key} run {n + 1}/{runs}: {shlex.join(tool.argv)}")
        results.append(
            run_child(tool.argv, scratch / f"{tool.key}.out", scratch / f"{tool.key}.err", scratch)
        )
        say(f"  {results[-1].wall_s:.2f} s, {results[-1].peak_rss_mib:.0f} MiB, "
            f"exit {results[-1].exit_code}")  # fmt: skip
    best = min(results, key=lambda r: r.wall_s)
    err_tail = (scratch / f"{tool.key}.err").read_text(errors="replace").strip().splitlines()[-3:]
    return {
        "tool": tool.key,
        "title": tool.title,
        "does": tool.does,
        "command": shlex.join(tool.argv),
        "input": tool.input,
        "runs": [r.as_dict() for r in results],
        "best": best.as_dict(),
        "lines_per_s": round(lines / best.wall_s) if best.wall_s > 0 else None,
        "peak_rss_mib_max": round(max(r.peak_rss_mib for r in results), 1),
        "ok": all(r.exit_code == 0 and not r.timed_out for r in results),
        "stderr_tail": err_tail,
        "output": _output_facts(tool, scratch),
    }


def _output_facts(tool: Tool, scratch: Path) -> dict[str, Any]:
    """What each tool says it did (to check it read the whole file)."""
    if tool.key.startswith("rempart"):
        listed = (scratch / f"{tool.key}.out").read_text().splitlines()
        return {"blocklist_entries": len(listed)}
    if tool.key == "goaccess":
        try:
            general = json.loads((scratch / "report.json").read_text()).get("general", {})
        except (OSError, ValueError):
            return {}
        keys = ("total_requests", "valid_requests", "failed_requests", "unique_visitors")
        return {k: general.get(k) for k in keys}
    text = (scratch / f"{tool.key}.out").read_text(errors="replace")
    found = re.search(r"Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed", text)
    if not found:
        return {}
    lines, ignored, matched, missed = (int(g) for g in found.groups())
    return {"lines": lines, "ignored": ignored, "matched": matched, "missed": missed}


def install_anchors() -> None:
    """apt-get install GoAccess and fail2ban when missing (root); ``apt-get update`` once
    if the first attempt fails."""
    if all(shutil.which(t) for t in ("goaccess", "fail2ban-regex")):
        return
    if shutil.which("apt-get") is None or not is_root():
        raise SystemExit("--install-anchor needs apt-get and root")
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *APT_PACKAGES]
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing the anchors: {shlex.join(command)}")
    if subprocess.run(command, env=env, stdout=sys.stderr).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, stdout=sys.stderr)
        subprocess.run(command, env=env, check=True, stdout=sys.stderr)


def _version(text: str) -> str:
    """``1.7`` from ``GoAccess - 1.7.``, ``1.0.2`` from ``fail2ban-regex 1.0.2``."""
    found = re.search(r"\d+(\.\d+)+", text)
    return found.group(0) if found else text


def anchor_missing() -> str | None:
    missing = [t for t in ("goaccess", "fail2ban-regex") if shutil.which(t) is None]
    return f"{', '.join(missing)} not installed (run with --install-anchor)" if missing else None


def bounded(plain: Path, scratch: Path, now: str, lines: int, mib: int) -> list[dict[str, Any]]:
    """Rempart with a memory budget (shards on disk), on the log and on three copies of it
    end to end: the peak should follow the budget, not the size of the log (one run each)."""
    if mib <= 0:
        return []
    triple = scratch / "triple.log"
    with triple.open("wb") as out:
        for _ in range(3):
            with plain.open("rb") as src:
                shutil.copyfileobj(src, out, 16 << 20)
    argv = (str(REMPART), "logs", "blocklist", "--as", "plain", "--now", now,
            "--memory", str(mib))  # fmt: skip
    rows = []
    for path, count, label in ((plain, lines, "the log"), (triple, 3 * lines, "3 copies")):
        tool = Tool(f"rempart_budget_{count}", f"Rempart `--memory {mib}`, {label}",
                    "the same, in shards on disk", (*argv, str(path)), "plain")  # fmt: skip
        rows.append(measure(tool, 1, count, scratch))
    triple.unlink()
    return rows


def speed(
    lines: int, end: dt.datetime, files: tuple[Path, Path], scratch: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """Every tool on the written log (``files``: plain and gzip), best of ``args.runs``."""
    reason = "--skip-anchor" if args.skip_anchor else anchor_missing()
    if reason:
        say(f"anchors skipped: {reason}")
    versions: dict[str, str] = {}
    if reason is None:
        versions = {
            "goaccess": _version(tool_version(["goaccess", "--version"])),
            "fail2ban": _version(tool_version(["fail2ban-regex", "--version"])),
        }
    plain, packed = files
    timed = tools(plain, packed, scratch, end.isoformat(), versions if reason is None else None)
    rows = [measure(t, args.runs, lines, scratch) for t in timed]
    rows += bounded(plain, scratch, end.isoformat(), lines, args.memory_mib)
    goaccess = next((r for r in rows if r["tool"] == "goaccess"), None)
    for row in rows:
        base = goaccess["lines_per_s"] if goaccess and goaccess["ok"] else None
        row["vs_goaccess"] = (
            round(row["lines_per_s"] / base, 2) if base and row["lines_per_s"] else None
        )
    memory = (
        "GNU time %M"
        if os.access(GNU_TIME, os.X_OK)
        else "wait4 ru_maxrss (may include the bench's own memory)"
    )
    return {
        "anchors": {"ran": reason is None, "reason": reason, "versions": versions},
        "memory_from": memory,
        "rows": rows,
    }


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def speed_table(result: Mapping[str, Any]) -> str:
    lines = [
        "| Tool | What it does | Lines/s (best of "
        f"{result['runs']}) | Wall s | CPU s | Peak RSS MiB | × GoAccess |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["speed"]["rows"]:
        best = row["best"]
        title = row["title"]
        if not row["ok"]:
            title += " **(failed: see JSON)**"
        lines.append(
            f"| {title} | {row['does']} | {_num(row['lines_per_s'])} | {best['wall_s']:.2f} | "
            f"{best['cpu_s']:.2f} | {best['peak_rss_mib']:.0f} | {_num(row['vs_goaccess'], 2)} |"
        )
    return "\n".join(lines)


def detector_table(quality_: Mapping[str, Any]) -> str:
    lines = [
        "| Detector | Severity | Expected | Flagged | True pos. | Precision | Recall | "
        "Benign flagged (bystanders) | Noise | Other attacks |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for row in quality_["detectors"]:
        benign = "0"
        others = ", ".join(row["other_attackers_flagged"]) or "—"
        if row["benign_flagged"]:
            sev = ", ".join(f"{v} {k}" for k, v in row["benign_by_severity"].items())
            benign = f"{row['benign_flagged']} ({sev}; {row['benign_bystanders']} bystanders)"
        lines.append(
            f"| `{row['detector']}` | {row['severity']} | {row['expected']} | {row['flagged']} | "
            f"{row['true_positives']} | {_pct(row['precision'])} | {_pct(row['recall'])} | "
            f"{benign} | {row['noise_flagged']} | {others} |"
        )
    return "\n".join(lines)


def attack_table(quality_: Mapping[str, Any]) -> str:
    lines = [
        "| Label | Kind | Addresses | Lines | Expected detectors: addresses caught "
        "| Also flagged by |",
        "|---|---|---:|---:|---|---|",
    ]
    for row in quality_["attacks"]:
        n = row["addresses"]
        expected = ", ".join(f"`{d}` {c}/{n}" for d, c in row["expected"].items()) or "none"
        also = ", ".join(f"`{d}` {c}/{n}" for d, c in row["also"].items()) or "—"
        lines.append(
            f"| {row['name']} | {row['kind']} | {n} | {row['lines']:,} | {expected} | {also} |"
        )
    return "\n".join(lines)


def real_table(real: Mapping[str, Any]) -> str:
    lines = ["| Log | Lines | Incidents (kind: severity ×n) | Highest | `scan.*` sources |",
             "|---|---:|---|---|---|"]  # fmt: skip
    for key, row in real.items():
        if not row.get("ran"):
            lines.append(f"| {key} | — | not run: {row.get('reason')} | — | — |")
            continue
        kinds = ", ".join(f"{k} ×{v}" for k, v in sorted(row["by_kind"].items())) or "none"
        scans = ", ".join(row["scan_sources"]) or "—"
        lines.append(
            f"| {key} | {row['lines']:,} | {kinds} | {row['highest'] or 'none'} | {scans} |"
        )
    return "\n".join(lines)


def notes(result: Mapping[str, Any]) -> list[str]:
    facts, q = result["machine"], result["quality"]
    slowest = sorted(q["detector_s"].items(), key=lambda kv: -kv[1])[:5]
    block = q["blocklist"]
    out = [
        f"Command: `{result['command']}`; date {result['date']}; machine: {facts['cpus']} CPUs "
        f"({facts['cpus_usable']} usable), {facts['implementation']} {facts['python']}, "
        f"{facts['platform']}; load average at start {result['load_average_at_start']}, "
        f"at end {result['load_average_at_end']} (the machine may be shared: best of "
        f"{result['runs']} runs).",
        f"Log: {result['log']['lines']:,} lines, {result['log']['bytes'] / 2**20:,.0f} MiB "
        f"({result['log']['gzip_bytes'] / 2**20:,.0f} MiB gzipped), seed {result['seed']}, "
        f"{result['log']['start']} to {result['log']['end']}, generated in "
        f"{result['log']['generate_s']} s; {q['addresses']:,} addresses; "
        f"{result['log']['backward_steps']:,} backward steps in time.",
        f"In this process: read_log {q['read_s']} s, detect_all {q['detect_s']} s; slowest "
        "detectors alone: " + ", ".join(f"`{k}` {v} s" for k, v in slowest) + ".",
        "Block list at the log's end (as `--now` gives it: medium entries expire after 6 h, "
        f"low after 1 h; `burst.errors` is never listed): {block['entries']} entries covering "
        f"{block['attack_addresses_listed']}/{block['attack_addresses']} attack addresses, "
        f"{block['benign_addresses_listed']} benign addresses and "
        f"{block['noise_addresses_listed']} background probers.",
        "Precision and recall count addresses (a network a detector names stands for the "
        "log's addresses inside it). Expected = addresses of the labels expecting the "
        "detector (attacks, and the fast SEO crawler for `crawl.non_static`). Bystanders: "
        "benign addresses a crowd detector names because they did the counted thing during "
        "the incident (a first visit during a distributed flood, a mistyped password during "
        "stuffing). Noise: background probers (1-3 probes each, below every threshold).",
        "Speed: each tool in a child process, wall time from start to exit; CPU = user + "
        f"system time; peak RSS from {result['speed']['memory_from']}. Rempart's time "
        "includes starting Python and importing the CLI.",
    ]
    for row in result["speed"]["rows"]:
        if row["output"]:
            facts_ = ", ".join(f"{k} {v}" for k, v in row["output"].items())
            out.append(f"{row['title']} reported: {facts_}.")
        if not row["ok"]:
            out.append(f"{row['title']} FAILED: {' / '.join(row['stderr_tail'])}")
    if not result["speed"]["anchors"]["ran"]:
        out.append(f"Anchors not run: {result['speed']['anchors']['reason']}.")
    if q["failures"]:
        out.append("Detector failures: " + "; ".join(q["failures"]))
    return out


def render(result: Mapping[str, Any]) -> str:
    q = result["quality"]
    return "\n".join(
        [
            "# Web logs: `rempart logs`, GoAccess, fail2ban-regex",
            "",
            f"## Speed ({result['log']['lines']:,} lines, the same file for every tool)",
            "",
            speed_table(result),
            "",
            "## Detection per detector (labelled log, per address)",
            "",
            detector_table(q),
            "",
            "## Per attack and near miss",
            "",
            attack_table(q),
            "",
            "## Real logs",
            "",
            real_table(result["real_logs"]),
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
    parser.add_argument("--lines", type=int, default=1_000_000, help="generated lines (1000000)")
    parser.add_argument("--seed", type=int, default=2027, help="generator seed (2027)")
    parser.add_argument(
        "--memory-mib",
        type=int,
        default=256,
        help="budget of the bounded-memory runs, MiB (0: skip them)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool, best kept (3)")
    parser.add_argument(
        "--corpora", type=Path, default=DEFAULT_CORPORA,
        help="folder holding logs/*.log (../shared/corpora)",
    )  # fmt: skip
    parser.add_argument(
        "--install-anchor", action="store_true",
        help="apt-get install goaccess and fail2ban when missing (root)",
    )  # fmt: skip
    parser.add_argument("--skip-anchor", action="store_true", help="Rempart only")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output path")
    parser.add_argument("--md", type=Path, default=DEFAULT_MD, help="Markdown output path")
    args = parser.parse_args(argv)
    if args.lines < 1 or args.runs < 1:
        parser.error("--lines and --runs must be at least 1")
    return args


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _backward_steps(log: GeneratedLog) -> int:
    stamps = log.lines.str.extract(r"\[([^\]]+)\]").str.strptime(
        pl.Datetime("us", "UTC"), "%d/%b/%Y:%H:%M:%S %z"
    )
    return int((stamps.dt.epoch("s").diff() < 0).sum())


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns what it wrote to the JSON file."""
    args = parse_args(argv)
    if args.install_anchor and not args.skip_anchor:
        install_anchors()
    facts = machine()
    result: dict[str, Any] = {
        "command": shlex.join(["bench/logs_bench.py", *(sys.argv[1:] if argv is None else argv)]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": facts,
        "load_average_at_start": _load_average(),
        "seed": args.seed,
        "runs": args.runs,
    }
    say(f"Rempart logs benchmark: {facts['cpus']} CPUs, {args.lines:,} lines")
    with exit_on_signals(), tempfile.TemporaryDirectory(prefix="rempart-logs-bench-") as tmp:
        scratch = Path(tmp)
        started = time.perf_counter()
        try:
            log = generate(args.lines, args.seed, DEFAULT_START)
        except ValueError as exc:
            raise SystemExit(f"--lines {args.lines}: {exc}") from exc
        generate_s = time.perf_counter() - started
        plain, packed = scratch / "access.log", scratch / "access.log.gz"
        size = log.write(plain)
        log.write(packed)
        result["log"] = {
            "lines": len(log.lines),
            "bytes": size,
            "gzip_bytes": packed.stat().st_size,
            "start": log.start.isoformat(),
            "end": log.end.isoformat(),
            "generate_s": round(generate_s, 2),
            "backward_steps": _backward_steps(log),
        }
        result["labels"] = log.labels_dict()["labels"]
        result["quality"] = quality(log, plain)
        lines, end = len(log.lines), log.end
        del log  # the timed tools get the machine's memory, not this process's copy
        gc.collect()
        result["real_logs"] = real_logs(args.corpora)
        result["speed"] = speed(lines, end, (plain, packed), scratch, args)
    result["load_average_at_end"] = _load_average()
    text = render(result)
    for path, content in ((args.out, json.dumps(result, indent=2) + "\n"), (args.md, text)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    print(text)
    say(f"wrote {args.md} and {args.out}")
    return result


if __name__ == "__main__":
    main()
