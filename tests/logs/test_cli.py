"""``rempart logs scan`` / ``blocklist`` / ``detectors`` through the command line."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.logs.registry import SPECS
from rempart.store import Store

runner = CliRunner()
T0 = datetime(2027, 4, 1, 20, 0, tzinfo=UTC)
ATTACKER = "203.0.113.7"
SCANNER = "198.51.100.9"


def _line(ip: str, seconds: float, request: str, status: int, ua: str = "Mozilla/5.0") -> str:
    when = (T0 + timedelta(seconds=seconds)).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{ip} - - [{when}] "{request}" {status} 512 "-" "{ua}"'


def _log(tmp_path: Path) -> Path:
    """Benign visitors, a WordPress brute force and a probing scanner, out of order."""
    lines = [_line(f"192.0.2.{i % 50 + 1}", i * 7, f"GET /page/{i % 30} HTTP/1.1", 200)
             for i in range(300)]  # fmt: skip
    lines += [_line(ATTACKER, 600 + i * 2, "POST /wp-login.php HTTP/1.1", 200) for i in range(40)]
    lines += [_line(SCANNER, 900 + i, f"GET /old/backup{i}.zip HTTP/1.1", 404) for i in range(30)]
    lines.reverse()  # real logs are not sorted
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["logs", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def incidents(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_scan_finds_who_did_what(tmp_path: Path) -> None:
    result = run("scan", "--no-store", "-f", "json", str(_log(tmp_path)))
    found = {(i["kind"], tuple(i["sources"])) for i in incidents(result.stdout)}  # type: ignore[arg-type]
    assert ("bruteforce.wordpress", (ATTACKER,)) in found
    assert ("scan.probing", (SCANNER,)) in found
    flagged = {s for _, sources in found for s in sources}
    assert not any(s.startswith("192.0.2.") for s in flagged)  # the benign visitors
    assert result.exit_code == 1  # a high-severity brute force
    first = incidents(result.stdout)[0]
    assert {"kind", "severity", "start", "end", "sources", "count", "evidence", "fix"} <= set(first)


def test_gzip_and_table_output(tmp_path: Path) -> None:
    plain = _log(tmp_path)
    packed = tmp_path / "access.log.1.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    result = run("scan", "--no-store", str(packed))
    assert "bruteforce.wordpress" in result.stdout
    assert "fix" in result.stdout


def test_store_and_fail_on(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    log = _log(tmp_path)
    assert run("scan", "--db", str(db), "--site", "Main site", str(log)).exit_code == 1
    with Store.open(str(db)) as store:
        events = store.events()
    assert {e.kind for e in events} >= {"logs.bruteforce.wordpress", "logs.scan.probing"}
    assert all(e.targets == ("Main site",) for e in events)
    again = run("scan", "--db", str(db), str(log))
    with Store.open(str(db)) as store:
        assert len(store.events()) == len(events)  # the same incidents are not stored twice
    assert again.exit_code == 1
    assert run("scan", "--no-store", "--fail-on", "critical", str(log)).exit_code == 0


def test_bad_input_is_named_and_exit_2(tmp_path: Path) -> None:
    log = _log(tmp_path)
    with log.open("a") as f:
        f.write("this is not a log line\n")
    result = run("scan", "--no-store", "-f", "json", str(log), str(tmp_path / "missing.log"))
    assert result.exit_code == 2
    assert "missing.log" in result.stderr
    assert "not readable" in result.stderr and "access.log:" in result.stderr
    assert incidents(result.stdout)  # the rest was still analysed
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 50)
    assert run("scan", "--no-store", str(junk)).exit_code == 2
    assert run("scan", "--no-store", "-f", "yaml", str(log)).exit_code == 2
    assert run("scan", "--no-store", "--log-format", "w3c", str(log)).exit_code == 2


def test_blocklist_respects_the_allow_list_and_expiry(tmp_path: Path) -> None:
    log = _log(tmp_path)
    now = (T0 + timedelta(minutes=30)).isoformat()
    plain = run("blocklist", "--as", "plain", "--now", now, str(log))
    assert plain.exit_code == 0
    assert f"{ATTACKER}/32" in plain.stdout.split() and f"{SCANNER}/32" in plain.stdout.split()
    allowed = run("blocklist", "--as", "plain", "--now", now, "--allow", "203.0.113.0/24",
                  str(log))  # fmt: skip
    assert f"{ATTACKER}/32" not in allowed.stdout.split()
    nginx = run("blocklist", "--as", "nginx", "--now", now, str(log))
    assert f"deny {ATTACKER}/32;" in nginx.stdout
    later = (T0 + timedelta(days=3)).isoformat()
    assert run("blocklist", "--as", "plain", "--now", later, str(log)).stdout == ""
    assert run("blocklist", "--as", "csv", str(log)).exit_code == 2
    assert run("blocklist", "--allow", "nope", str(log)).exit_code == 2


def test_detectors_lists_the_registry() -> None:
    result = run("detectors", "-f", "json")
    ids = [json.loads(line)["detector"] for line in result.stdout.splitlines()]
    assert ids == [s.id for s in SPECS]


def test_blocklist_leaves_out_verified_crawlers(tmp_path: Path) -> None:
    from rempart.testing import LocalDNSServer

    from .test_blocklist import CRAWLERS

    crawler = "66.249.66.1"  # a real Googlebot by reverse and forward DNS
    impostor = "66.249.66.2"  # its PTR says googlebot.com, but that name points elsewhere
    lines = [_line(ip, i * 0.2, f"GET /old/backup{i}.zip HTTP/1.1", 404, "Googlebot/2.1")
             for ip in (crawler, impostor) for i in range(30)]  # fmt: skip
    log = tmp_path / "crawl.log"
    log.write_text("\n".join(lines) + "\n")
    now = (T0 + timedelta(minutes=5)).isoformat()
    with LocalDNSServer(CRAWLERS) as server:
        resolver = "{}:{}".format(*server.address)
        result = run("blocklist", "--as", "plain", "--now", now, "--verify-crawlers",
                     "--resolver", resolver, str(log))  # fmt: skip
    assert result.stdout.split() == [f"{impostor}/32"]
    assert f"{crawler} is a verified search-engine crawler" in result.stderr
