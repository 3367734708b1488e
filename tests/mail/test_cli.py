"""``rempart mail check`` / ``watch`` / ``signals`` through the real command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.mail.registry import SIGNALS
from rempart.store import Store
from rempart.testing.imap_server import LocalIMAPServer
from rempart.testing.pki import LocalCA

from .support import SAMPLES

runner = CliRunner()
CAMPAIGN = SAMPLES / "campaign.toml"
CASES = SAMPLES / "cases"
LURE = CASES / "podesta_lure.eml"
CLEAN = CASES / "newsletter.eml"


def run(*args: str, db: Path | None = None, input: bytes | None = None):  # type: ignore[no-untyped-def]
    store = ["--db", str(db)] if db else ["--no-store"]
    result = runner.invoke(app, ["mail", *args, *store], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_json_lines_one_object_per_message_with_the_issue_fields() -> None:
    result = run("check", "-c", str(CAMPAIGN), "-f", "json", str(LURE), str(CLEAN))
    assert result.exit_code == 1, result.output
    rows = lines(result.stdout)
    assert [(Path(str(r["source"])).name, r["verdict"]) for r in rows] == [
        ("podesta_lure.eml", "phishing"), ("newsletter.eml", "clean")
    ]  # fmt: skip
    lure = rows[0]
    assert {"source", "verdict", "score", "reasons", "indicators"} <= set(lure)
    assert isinstance(lure["score"], int) and 80 <= lure["score"] <= 100
    reason = lure["reasons"][0]  # type: ignore[index]
    assert set(reason) >= {"signal", "weight", "evidence", "advice"}
    assert reason["advice"]  # every reason says what to do
    assert set(lure["indicators"]) == {"urls", "domains", "ips", "senders", "sha256"}  # type: ignore[arg-type]
    assert "https://bit.ly/1PibSU0" in lure["indicators"]["urls"]  # type: ignore[index]


def test_clean_mail_exits_0_and_fail_on_phishing_ignores_suspicious() -> None:
    assert run("check", "-c", str(CAMPAIGN), str(CLEAN)).exit_code == 0
    assert run("check", "-c", str(CAMPAIGN), "--fail-on", "phishing", str(CLEAN)).exit_code == 0
    assert run("check", "-c", str(CAMPAIGN), "--fail-on", "phishing", str(LURE)).exit_code == 1


def test_table_output_is_defanged_and_escaped(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.eml"
    hostile.write_bytes(
        b'From: "[bold red]Google[/bold red]\x1b[2J" <no-reply@evil.example>\r\n'
        b"To: camille.exemple@parti-exemple.fr\r\nSubject: [link=https://x.example]Verify[/link]"
        b" <script>alert(1)</script>\r\nContent-Type: text/plain\r\n\r\n"
        b"Someone has your password. Verify your account: https://bit.ly/zz now.\r\n"
    )
    result = run("check", "-c", str(CAMPAIGN), str(hostile))
    out = result.stdout
    assert "hxxps://bit[.]ly/zz" in out
    assert "what to do" in out
    assert "https://bit.ly/zz" not in out
    assert "no-reply[@]evil[.]example" in out
    assert "\x1b[2J" not in out
    assert "[bold red]Google" in out  # shown as text, not interpreted as markup
    assert "[link=https://x.example]" not in out  # URLs in the subject are defanged too


def test_csv_output_defangs_and_guards_formulas(tmp_path: Path) -> None:
    evil = tmp_path / "formula.eml"
    evil.write_bytes(b"From: a@evil.example\r\nTo: b@parti-exemple.fr\r\nSubject: =HYPERLINK(1)"
                     b"\r\n\r\nhello\r\n")  # fmt: skip
    result = run("check", "-f", "csv", str(evil), str(LURE))
    rows = result.stdout.splitlines()
    assert rows[0].startswith("source,verdict,score,subject,sender,reasons,indicators")
    assert ",'=HYPERLINK(1)," in rows[1]
    assert "hxxps://bit[.]ly/1PibSU0" in rows[2] and "https://bit.ly" not in rows[2]


def test_directory_mbox_and_stdin(tmp_path: Path) -> None:
    folder = tmp_path / "reported"
    folder.mkdir()
    shutil.copy(LURE, folder / "a.eml")
    shutil.copy(CLEAN, folder / "b.eml")
    (folder / "README.md").write_text("notes about these mails\n")
    mbox = tmp_path / "box.mbox"
    mbox.write_bytes(b"From x@y Thu Jan  1 00:00:00 2026\n" + LURE.read_bytes().replace(
        b"\r\n", b"\n") + b"\nFrom x@y Thu Jan  1 00:00:01 2026\n" + CLEAN.read_bytes()
        .replace(b"\r\n", b"\n"))  # fmt: skip
    result = run("check", "-c", str(CAMPAIGN), "-f", "json", str(folder), str(mbox))
    got = [(Path(str(r["source"])).name, r["verdict"]) for r in lines(result.stdout)]
    assert got == [("a.eml", "phishing"), ("b.eml", "clean"), ("box.mbox#1", "phishing"),
                   ("box.mbox#2", "clean")]  # fmt: skip
    piped = run("check", "-c", str(CAMPAIGN), "-f", "json", "-", input=LURE.read_bytes())
    assert [(r["source"], r["verdict"]) for r in lines(piped.stdout)] == [("-", "phishing")]


def test_bad_inputs_are_named_and_exit_2_while_the_batch_goes_on(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("check", "-f", "json", str(tmp_path / "missing.eml"), str(LURE), str(empty))
    assert result.exit_code == 2
    rows = lines(result.stdout)
    verdicts = {Path(str(r["source"])).name: r["verdict"] for r in rows}
    assert verdicts["missing.eml"] == "error"
    assert verdicts["podesta_lure.eml"] == "phishing"
    assert "missing.eml" in result.stderr
    assert run("check", "-f", "yaml", str(LURE)).exit_code == 2
    assert run("check", "--fail-on", "clean", str(LURE)).exit_code == 2


def test_store_keeps_verdict_events_and_a_wave(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    folder = tmp_path / "wave"
    folder.mkdir()
    raw = (CASES / "qr_invoice.eml").read_bytes()
    for i in range(3):
        (folder / f"{i}.eml").write_bytes(raw.replace(b"<inv-20270118@", f"<inv-{i}@".encode()))
    result = run("check", "-c", str(CAMPAIGN), str(folder), str(CLEAN), db=db)
    assert result.exit_code == 1
    assert "wave:" in result.stderr
    with Store.open(str(db)) as store:
        events = store.events()
    kinds = sorted(e.kind for e in events)
    assert kinds == ["mail.phishing"] * 3 + ["mail.wave"]
    wave = next(e for e in events if e.kind == "mail.wave")
    # the three share the QR image itself: the most specific indicator names the wave
    qr_image = lines(run("check", "-f", "json", str(folder / "0.eml")).stdout)[0]
    assert wave.indicators == tuple(qr_image["indicators"]["sha256"])  # type: ignore[index]
    assert "3 messages (3 phishing) the same attachment" in wave.summary
    assert wave.targets == ("tresorier@parti-exemple.fr",)
    again = run("check", "-c", str(CAMPAIGN), str(folder), db=db)  # the same mail again
    assert again.exit_code == 1
    with Store.open(str(db)) as store:
        assert len(store.events()) == 4


def test_signals_lists_every_signal() -> None:
    result = runner.invoke(app, ["mail", "signals", "-f", "json"])
    ids = [json.loads(line)["signal"] for line in result.stdout.splitlines()]
    assert ids == list(SIGNALS)


def test_watch_once_against_a_real_imap_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:  # fmt: skip
    ca = LocalCA.create()
    cert = ca.issue(["127.0.0.1"])
    ca_file = ca.write_ca(tmp_path / "ca.pem")
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "s3cret-Pass")
    db = tmp_path / "watch.db"
    with LocalIMAPServer(users={"veille": "s3cret-Pass"}, folders=["Signalements"],
                         cert=cert) as srv:  # fmt: skip
        srv.append("veille", "Signalements", LURE.read_bytes())
        srv.append("veille", "Signalements", CLEAN.read_bytes())
        url = f"imaps://veille@127.0.0.1:{srv.port}/Signalements"
        args = ["watch", "--imap", url, "--password-env", "TEST_IMAP_PASSWORD", "--once",
                "--ca-file", str(ca_file), "-c", str(CAMPAIGN), "-f", "json"]  # fmt: skip
        first = run(*args, db=db)
        assert first.exit_code == 1, first.output
        assert [r["verdict"] for r in lines(first.stdout)] == ["phishing", "clean"]
        srv.append("veille", "Signalements", (CASES / "treasurer_wire_fr.eml").read_bytes())
        second = run(*args, db=db)  # resumes: only the new message
        assert [r["verdict"] for r in lines(second.stdout)] == ["phishing"]
        assert "Signalements" in str(lines(second.stdout)[0]["source"])
        assert not srv.command_names() & {"STORE", "EXPUNGE", "DELETE", "COPY", "MOVE"}
    with Store.open(str(db)) as store:
        assert sorted(e.kind for e in store.events()) == ["mail.phishing", "mail.phishing"]


def test_watch_without_password_or_folder_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REMPART_IMAP_PASSWORD", raising=False)
    db = tmp_path / "s.db"
    result = run("watch", "--imap", "imaps://u@127.0.0.1:1/INBOX", "--once", db=db)
    assert result.exit_code == 2
    assert "REMPART_IMAP_PASSWORD" in result.stderr
    assert run("watch", "--once", db=db).exit_code == 2
    plain = run("watch", "--imap", "imap://u@host/INBOX", "--once", db=db)
    assert plain.exit_code == 2 and "imaps://" in plain.stderr


def test_signal_reference_in_docs_is_up_to_date() -> None:
    from rempart.cli.mail_cmd import signals_markdown

    doc = Path(__file__).parents[2] / "docs" / "mail-signals.md"
    assert doc.read_text("utf-8") == signals_markdown(), (
        "docs/mail-signals.md is stale: rempart mail signals -f markdown > docs/mail-signals.md"
    )


def test_live_dns_checks_through_the_command_line(tmp_path: Path) -> None:
    from rempart.testing import LocalDNSServer

    from .test_auth import ZONE, _relayed

    mail = tmp_path / "soft.eml"
    mail.write_bytes(_relayed("soft.test", "203.0.113.9"))
    offline = run("check", "-c", str(CAMPAIGN), "-f", "json", str(mail))
    assert not any(str(r["signal"]).startswith("authentication.")
                   for r in lines(offline.stdout)[0]["reasons"])  # type: ignore[union-attr]  # fmt: skip
    with LocalDNSServer({"test.": ZONE}) as server:
        resolver = "{}:{}".format(*server.address)
        result = run("check", "-c", str(CAMPAIGN), "-f", "json", "--live-dns",
                     "--resolver", resolver, str(mail))  # fmt: skip
    reasons = {str(r["signal"]) for r in lines(result.stdout)[0]["reasons"]}  # type: ignore[union-attr]
    assert {"authentication.spf_softfail", "authentication.no_dmarc"} <= reasons
    assert run("check", "--resolver", resolver, str(mail)).exit_code == 2


def test_a_batch_of_thousands_goes_on_past_broken_messages(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    broken = [
        b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nno end",
        b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ",
        b"From: =?utf-8?b?////?= <x@\n\n\x00\x01\x02",
        bytes(rng.randrange(256) for _ in range(3000)),
        b"Subject: " + b"A" * 200_000 + b"\n\nbody",
    ]
    good = [LURE.read_bytes().replace(b"\r\n", b"\n"), CLEAN.read_bytes().replace(b"\r\n", b"\n")]
    chunks = []
    for i in range(1200):
        body = broken[i % len(broken)] if i % 3 == 0 else good[i % 2]
        body = body.replace(b"\nFrom ", b"\n>From ")
        chunks.append(b"From sender@example.org Thu Jan  1 00:00:00 2026\n" + body + b"\n")
    mbox = tmp_path / "big.mbox"
    mbox.write_bytes(b"".join(chunks))
    result = run("check", "-c", str(CAMPAIGN), "-f", "json", "--workers", "2", str(mbox))
    rows = lines(result.stdout)
    assert len(rows) == 1200
    assert [r["source"] for r in rows] == [f"{mbox}#{i}" for i in range(1, 1201)]
    assert "error" not in {r["verdict"] for r in rows}
    malformed = [r for r in rows if any(x["signal"] == "structure.malformed"
                                        for x in r["reasons"])]  # type: ignore[union-attr]  # fmt: skip
    assert malformed  # broken ones are judged, with the reason, not dropped
    assert result.exit_code == 1
    assert "1200 message(s)" in result.stderr
