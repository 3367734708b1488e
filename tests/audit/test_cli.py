"""``rempart audit`` end to end: exit codes, formats, and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.testing.world import AuditWorld

runner = CliRunner()


def _run(world: AuditWorld, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    config = world.config()
    network = ["--resolver", world.resolver, "--smtp-port", str(config.smtp_port),
               "--https-port", str(config.https_port), "--ca-file", str(world.ca_file),
               "--timeout", "1", "--db", str(tmp_path / "store.db")]  # fmt: skip
    result = runner.invoke(app, ["audit", *network, *args])
    return result.exit_code, result.stdout, result.stderr


def _json(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_clean_domain_exits_zero(world: AuditWorld, tmp_path: Path) -> None:
    code, out, _ = _run(world, tmp_path, "clean.test", "--format", "json")
    assert (code, out) == (0, "")


def test_finding_at_threshold_exits_one_with_json_lines(world: AuditWorld, tmp_path: Path) -> None:
    code, out, _ = _run(world, tmp_path, "nodmarc.test", "--format", "json")
    assert code == 1
    [row] = _json(out)
    assert row["target"] == "nodmarc.test" and row["check"] == "mail.dmarc.missing"
    assert (
        row["severity"] == "high"
        and row["title"]
        and "_dmarc.nodmarc.test" in str(row["remediation"])
    )


def test_fail_on_raises_the_threshold(world: AuditWorld, tmp_path: Path) -> None:
    assert _run(world, tmp_path, "nodmarc.test", "--fail-on", "critical")[0] == 0
    assert _run(world, tmp_path, "spfsoft.test", "--fail-on", "low", "--fresh")[0] == 1
    code, _, err = _run(world, tmp_path, "spfsoft.test", "--fail-on", "severe")
    assert code == 2 and "severe" in err


def test_bad_names_are_reported_and_the_rest_audited(world: AuditWorld, tmp_path: Path) -> None:
    code, out, err = _run(world, tmp_path, "exa mple.test", "nodmarc.test", "ftp://x.test/",
                          "--format", "json")  # fmt: skip
    assert code == 2
    assert "argument 1:" in err and "argument 3:" in err and "http(s)://" in err
    assert [r["scope"] for r in _json(out)] == ["nodmarc.test"]


def test_targets_file_bad_lines_named(world: AuditWorld, tmp_path: Path) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_bytes(b"# campaign domains\nclean.test\nnot_a_domain!\n\nnodmarc.test mail\n"
                        b"x.test banana\n" + b"a" * 2000 + b"\n\xff\xfe.test\n")  # fmt: skip
    code, out, err = _run(world, tmp_path, "--targets", str(targets), "--format", "json")
    assert code == 2
    for line in (3, 6, 7, 8):
        assert f"targets.txt:{line}:" in err
    assert {r["scope"] for r in _json(out)} == {"nodmarc.test"}


def test_unreachable_domain_is_listed_not_checked(world: AuditWorld, tmp_path: Path) -> None:
    code, out, err = _run(world, tmp_path, "timeout.test", "clean.test", "--format", "json")
    assert code == 2 and "not checked: timeout.test: dns:" in err and out == ""


def test_csv_has_header_and_rows(world: AuditWorld, tmp_path: Path) -> None:
    code, out, _ = _run(world, tmp_path, "weakdmarc.test", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0  # low and medium only: under the default --fail-on high
    assert sorted(r["check"] for r in rows) == [
        "mail.dmarc.p_quarantine",
        "mail.dmarc.pct",
        "mail.dmarc.sp_weak",
    ]


def test_hostile_record_is_shown_inert(world: AuditWorld, tmp_path: Path) -> None:
    code, out, _ = _run(world, tmp_path, "hostile.test")
    assert code == 1
    assert "[bold]pwn[/bold]" in out.replace("\n", "")  # markup shown, not applied
    assert "\x1b" not in out


def test_campaign_file_problems_listed_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "campaign.toml"
    bad.write_text('[organisation]\nname = "X"\n[[domains]]\nname = "bad domain"\nroles=["fax"]\n')
    result = runner.invoke(app, ["audit", "--campaign", str(bad)])
    assert result.exit_code == 2
    assert "domains[0].name" in result.stderr and "domains[0].roles" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resolver", "dns.example"], "not an IP address"),
        (["--db", "ftp://nowhere/db"], "unsupported --db value 'ftp://nowhere/db'"),
        (["--db", "/proc/rempart/s.db"], "cannot"),
        (["--dask", "tcp://127.0.0.1:1"], "Dask"),
        (["--format", "xml"], "xml"),
        ([], "nothing to audit"),
        (["--campaign", "/nonexistent/campaign.toml"], "/nonexistent/campaign.toml"),
    ],
)
def test_usage_errors_exit_two(args: list[str], message: str, tmp_path: Path) -> None:
    domain = [] if not args else ["clean.test"]
    extra = [] if "--db" in args else ["--db", str(tmp_path / "s.db")]
    result = runner.invoke(app, ["audit", *extra, *args, *domain])
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, never a traceback


def test_campaign_audit(world: AuditWorld, tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.toml"
    campaign.write_text(
        '[organisation]\nname = "Test"\n'
        '[[domains]]\nname = "clean.test"\nroles = ["web", "mail"]\ndkim_selectors = ["s1"]\n'
        '[[domains]]\nname = "web.test"\nroles = ["web"]\n'
        '[[domains]]\nname = "lookalike.test"\nroles = ["defensive"]\n'
    )
    code, out, _ = _run(world, tmp_path, "--campaign", str(campaign), "--format", "json")
    assert code == 0  # the defensive domain's finding is low
    assert [(r["scope"], r["check"]) for r in _json(out)] == [
        ("lookalike.test", "mail.nonsending.receives")
    ]


def test_checks_lists_the_registry() -> None:
    result = runner.invoke(app, ["checks", "--format", "json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and len(rows) > 50
    assert {"check", "severity", "title", "why"} <= set(rows[0])


def test_console_script_on_a_dask_local_cluster(world: AuditWorld, tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    script = shutil.which("rempart", path=str(Path(sys.executable).parent))
    assert script, "the rempart console script is installed with the package"
    config = world.config()
    command = [script, "audit", "--dask", "local", "--format", "json",
               "--resolver", world.resolver, "--smtp-port", str(config.smtp_port),
               "--https-port", str(config.https_port), "--ca-file", str(world.ca_file),
               "--db", str(tmp_path / "s.db"),
               "nodmarc.test", "spfsoft.test", "clean.test"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1, done.stderr
    assert {(r["scope"], r["check"]) for r in _json(done.stdout)} == {
        ("nodmarc.test", "mail.dmarc.missing"),
        ("spfsoft.test", "mail.spf.softfail_all"),
    }


def test_campaign_fail_on_is_the_default_threshold(world: AuditWorld, tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.toml"
    campaign.write_text(
        '[organisation]\nname = "Test"\n'
        '[[domains]]\nname = "lookalike.test"\nroles = ["defensive"]\n'
        '[audit]\nfail_on = "low"\n'
    )
    code, _, err = _run(world, tmp_path, "--campaign", str(campaign))
    assert code == 1  # the low finding reaches the campaign's threshold
    assert "1 domain(s) and website(s): 1 low." in err
    assert _run(world, tmp_path, "--campaign", str(campaign), "--fail-on", "high")[0] == 0
