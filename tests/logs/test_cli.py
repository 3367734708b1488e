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


# --- thresholds, JSON field names, scale -----------------------------------------------


def _kinds(output: str) -> set[tuple[str, tuple[str, ...]]]:
    return {(str(i["kind"]), tuple(i["sources"])) for i in incidents(output)}  # type: ignore[arg-type]


def test_thresholds_from_a_file_and_from_the_campaign(tmp_path: Path) -> None:
    log = str(_log(tmp_path))
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text('disabled = ["scan.probing"]\n["bruteforce.wordpress"]\ncapacity = 50\n')
    result = run("scan", "--no-store", "-f", "json", "--thresholds", str(thresholds), log)
    assert result.exit_code == 0, result.stderr
    assert not any(k in {"scan.probing", "bruteforce.wordpress"} for k, _ in _kinds(result.stdout))

    campaign = tmp_path / "campaign.toml"
    campaign.write_text(
        '[organisation]\nname = "Parti Exemple"\n'
        '[logs.detectors]\ndisabled = ["scan.probing"]\n'
        '[logs.detectors."bruteforce.wordpress"]\ncapacity = 50\n'
    )
    by_campaign = run("scan", "--no-store", "-f", "json", "-c", str(campaign), log)
    assert _kinds(by_campaign.stdout) == _kinds(result.stdout)
    # the file's table overrides the campaign's, field by field
    thresholds.write_text('["bruteforce.wordpress"]\ncapacity = 5\n')
    both = run("scan", "--no-store", "-f", "json", "-c", str(campaign), "--thresholds",
               str(thresholds), log)  # fmt: skip
    assert ("bruteforce.wordpress", (ATTACKER,)) in _kinds(both.stdout)
    assert not any(k == "scan.probing" for k, _ in _kinds(both.stdout))


def test_bad_thresholds_are_named_and_exit_2(tmp_path: Path) -> None:
    log = str(_log(tmp_path))
    bad = tmp_path / "bad.toml"
    bad.write_text('["scan.probing"]\ncapacity = "ten"\nspeed = 3\n["scan.nothing"]\nx = 1\n')
    result = run("scan", "--no-store", "--thresholds", str(bad), log)
    assert result.exit_code == 2
    for part in ("scan.probing", "capacity", "speed", "unknown detector 'scan.nothing'"):
        assert part in result.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("[scan.probing\n")
    result = run("scan", "--no-store", "--thresholds", str(broken), log)
    assert result.exit_code == 2 and "not valid TOML" in result.stderr
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"# " + b"x" * (1 << 20) + b"\n")
    result = run("scan", "--no-store", "--thresholds", str(huge), log)
    assert result.exit_code == 2 and "larger than 1048576 bytes" in result.stderr
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    result = run("scan", "--no-store", "--thresholds", str(binary), log)
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr


def test_json_field_names_from_the_command_line_and_the_campaign(tmp_path: Path) -> None:
    records = [{"when": (T0 + timedelta(seconds=i * 2)).isoformat(), "client": ATTACKER,
                "verb": "POST", "target": "/wp-login.php", "code": 200}
               for i in range(40)]  # fmt: skip
    log = tmp_path / "app.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    names = ("time=when", "ip=client", "path=target", "status=code", "method=verb")
    options = [part for name in names for part in ("--json-field", name)]
    result = run("scan", "--no-store", "-f", "json", "--log-format", "jsonl", *options, str(log))
    assert _kinds(result.stdout) == {("bruteforce.wordpress", (ATTACKER,))}
    # without the names nothing is readable, and the command says so
    plain = run("scan", "--no-store", "-f", "json", "--log-format", "jsonl", str(log))
    assert plain.exit_code == 2 and "no time field" in plain.stderr

    campaign = tmp_path / "campaign.toml"
    campaign.write_text(
        '[organisation]\nname = "Parti Exemple"\n[logs.json_fields]\n'
        'time = "when"\nip = ["client"]\npath = "target"\nstatus = "code"\nmethod = "verb"\n'
    )
    by_campaign = run("scan", "--no-store", "-f", "json", "-c", str(campaign), str(log))
    assert _kinds(by_campaign.stdout) == {("bruteforce.wordpress", (ATTACKER,))}
    wrong = run("scan", "--no-store", "--json-field", "address=client", str(log))
    assert wrong.exit_code == 2 and "unknown column 'address'" in wrong.stderr
    wrong = run("scan", "--no-store", "--json-field", "client", str(log))
    assert wrong.exit_code == 2 and "COLUMN=NAME" in wrong.stderr


def test_shards_give_the_same_result_through_the_command_line(tmp_path: Path) -> None:
    log = str(_log(tmp_path))
    whole = run("scan", "--no-store", "-f", "json", log)
    sharded = run("scan", "--no-store", "-f", "json", "--shards", "3", "--spill-dir",
                  str(tmp_path), log)  # fmt: skip
    assert sharded.stdout == whole.stdout and sharded.exit_code == whole.exit_code == 1
    assert "analysed in 3 shards (shards on disk)" in sharded.stderr
    assert "analysed in" not in whole.stderr
    assert not list(tmp_path.glob("rempart-shards-*"))
    blocklist = run("blocklist", "--as", "plain", "--now", T0.isoformat(), log)
    sharded_list = run("blocklist", "--as", "plain", "--now", T0.isoformat(), "--shards", "2",
                       log)  # fmt: skip
    assert blocklist.stdout == sharded_list.stdout and ATTACKER in blocklist.stdout


def test_the_detector_reference_is_current() -> None:
    result = run("detectors", "-f", "markdown")
    doc = Path(__file__).parents[2] / "docs" / "logs-detectors.md"
    assert doc.read_text(encoding="utf-8") == result.stdout, (
        "docs/logs-detectors.md is stale: "
        "rempart logs detectors -f markdown > docs/logs-detectors.md"
    )
    assert result.stdout.count("\n## `") == len(SPECS)
    assert "| `capacity` | `10` |" in result.stdout  # scan.probing's CrowdSec default
