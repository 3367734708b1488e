"""The demo's steps one by one: bad input, and the briefing and dashboard whether or not
this installation has them (fake modules stand in for them, so these tests do not
depend on ``rempart.report`` and ``rempart.web``)."""

from __future__ import annotations

import io
import socket
import sys
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import rempart
from rempart import demo as demo_module
from rempart.cli.app import app
from rempart.demo import campaign_path, steps
from rempart.mail.model import Verdict
from rempart.model.campaign import Campaign, load_campaign
from rempart.store import Store


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(campaign_path())


def _fake(monkeypatch: pytest.MonkeyPatch, name: str, **attributes: Any) -> None:
    """Install module ``rempart.<name>`` holding ``attributes`` (None: no such module)."""
    monkeypatch.delattr(rempart, name.split(".")[0], raising=False)
    if not attributes:
        monkeypatch.setitem(sys.modules, f"rempart.{name}", None)
        return
    module = types.ModuleType(f"rempart.{name}")
    for key, value in attributes.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, f"rempart.{name}", module)


# -- mail -----------------------------------------------------------------------------


def test_mailbox_verdicts_and_reasons_per_file(tmp_path: Path, campaign: Campaign) -> None:
    with Store.open(str(tmp_path / "s.db")) as store:
        step = steps.triage_mailbox(store, campaign)
        stored = store.events(source="mail")
    verdicts = {v.file: v for v in step.verdicts}
    assert {f: v.verdict for f, v in verdicts.items()} == {
        "calendar_invitation.eml": Verdict.CLEAN,
        "credential_html_attachment.eml": Verdict.PHISHING,
        "donation_receipt.eml": Verdict.CLEAN,
        "google_security_alert.eml": Verdict.CLEAN,
        "journalist_docm_autoopen.eml": Verdict.PHISHING,
        "newsletter.eml": Verdict.CLEAN,
        "podesta_lure.eml": Verdict.PHISHING,
        "press_request_gmail.eml": Verdict.CLEAN,
        "qr_invoice.eml": Verdict.PHISHING,
        "spoofed_own_domain.eml": Verdict.PHISHING,
        "treasurer_wire_fr.eml": Verdict.PHISHING,
    }
    # the campaign-context signals fire on the demo campaign's names
    assert {"lookalike.sender_own", "identity.display_name_person"} <= set(
        verdicts["treasurer_wire_fr.eml"].signals
    )
    assert "authentication.own_domain_fail" in verdicts["spoofed_own_domain.eml"].signals
    assert "attachments.macro_suspicious" in verdicts["journalist_docm_autoopen.eml"].signals
    assert step.problems == () and step.events == len(stored) == 6


def test_unreadable_and_missing_mail_do_not_stop_the_step(
    tmp_path: Path, campaign: Campaign
) -> None:
    box = tmp_path / "box"
    box.mkdir()
    (box / "garbage.eml").write_bytes(b"\x00\xff not a message \x00" * 50)
    with Store.open(str(tmp_path / "s.db")) as store:
        step = steps.triage_mailbox(store, campaign, folder=box)
        empty = steps.triage_mailbox(store, campaign, folder=tmp_path / "nothing-here")
    assert [v.file for v in step.verdicts] == ["garbage.eml"]
    assert empty.verdicts == () and empty.problems == (
        f"{tmp_path / 'nothing-here'}: no .eml file to triage",
    )


# -- briefing -------------------------------------------------------------------------


def test_briefing_missing_from_the_installation_is_skipped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, campaign: Campaign
) -> None:
    _fake(monkeypatch, "report")
    step = steps.write_briefing("x.db", campaign, tmp_path)
    assert step.files == () and step.problems == ()
    assert step.missing.startswith("the briefing is not available in this version")


def test_briefing_written_with_the_demo_now_in_french(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, campaign: Campaign
) -> None:
    calls: list[tuple[Any, ...]] = []

    def write_briefing(db: str, plan: Campaign, out: Path, *, lang: str, now: datetime) -> Path:
        calls.append((db, plan.organisation.name, out.name, lang, now))
        if out.suffix == ".pdf":
            raise OSError("no fonts")
        out.write_text("briefing")
        return out

    _fake(monkeypatch, "report", write_briefing=write_briefing)
    step = steps.write_briefing("x.db", campaign, tmp_path)
    assert step.files == (tmp_path / "briefing.html",)
    assert step.problems == ("briefing.pdf: OSError: no fonts",)
    assert calls == [
        ("x.db", "Mouvement Exemple", "briefing.html", "fr", steps.DEMO_NOW),
        ("x.db", "Mouvement Exemple", "briefing.pdf", "fr", steps.DEMO_NOW),
    ]


# -- dashboard ------------------------------------------------------------------------


def test_dashboard_missing_from_the_installation(
    monkeypatch: pytest.MonkeyPatch, campaign: Campaign
) -> None:
    _fake(monkeypatch, "web")
    _fake(monkeypatch, "web.app")
    board = steps.load_dashboard("x.db", campaign)
    assert board.app is None and board.missing.startswith("the dashboard is not available")
    out = io.StringIO()
    assert demo_module._address(board, 8765, Console(file=out)) == ""
    assert demo_module._serve(board, "", Console(file=out, width=200)) == []
    assert "No dashboard: the dashboard is not available in this version" in out.getvalue()


def _fake_web(monkeypatch: pytest.MonkeyPatch, serve: Any) -> None:
    monkeypatch.delattr(rempart, "web", raising=False)
    package = types.ModuleType("rempart.web")
    web_app = types.ModuleType("rempart.web.app")
    server = types.ModuleType("rempart.web.server")
    web_app.create_app = lambda db, plan, now: ("app", db, plan.organisation.name, now())  # type: ignore[attr-defined]
    server.serve = serve  # type: ignore[attr-defined]
    package.app, package.server = web_app, server  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rempart.web", package)
    monkeypatch.setitem(sys.modules, "rempart.web.app", web_app)
    monkeypatch.setitem(sys.modules, "rempart.web.server", server)


def test_dashboard_served_on_loopback_until_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, campaign: Campaign
) -> None:
    served: list[tuple[Any, str, int]] = []

    def serve(application: Any, host: str, port: int) -> None:
        served.append((application, host, port))
        raise KeyboardInterrupt

    _fake_web(monkeypatch, serve)
    board = steps.load_dashboard("x.db", campaign)
    out = io.StringIO()
    console = Console(file=out, width=200)
    port = steps.free_port("127.0.0.1", 0)
    address = demo_module._address(board, port, console)
    assert address == f"http://127.0.0.1:{port}/"
    assert demo_module._serve(board, address, console) == []
    assert served == [(("app", "x.db", "Mouvement Exemple", steps.DEMO_NOW), "127.0.0.1", port)]
    assert f"Dashboard: {address} — press Ctrl-C to stop." in out.getvalue()
    assert "Dashboard stopped." in out.getvalue()


def test_dashboard_that_fails_to_build_is_one_line(
    monkeypatch: pytest.MonkeyPatch, campaign: Campaign
) -> None:
    _fake_web(monkeypatch, lambda *a: None)

    def broken(db: str, plan: Campaign, now: Any) -> None:
        raise RuntimeError("no templates")

    sys.modules["rempart.web.app"].create_app = broken  # type: ignore[attr-defined]
    board = steps.load_dashboard("x.db", campaign)
    assert board.app is None and board.missing == ""
    assert board.problem == "the dashboard could not start: RuntimeError: no templates"


def test_a_taken_port_is_replaced_by_a_free_one() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        chosen = steps.free_port("127.0.0.1", taken)
    assert chosen != taken and chosen > 0


# -- timeline and command line ----------------------------------------------------------


def test_risk_windows_are_those_of_the_fourteen_days_from_the_demo_now(
    tmp_path: Path, campaign: Campaign
) -> None:
    with Store.open(str(tmp_path / "s.db")) as store:
        step = steps.draw_timeline(store, campaign, tmp_path)
    assert [p.name for p in step.files] == ["timeline.html", "timeline.png", "fr-2017.html"]
    assert step.events == 0 and step.windows == 7 and step.problems == ()
    starts = [line.split("→")[0].split() for line in step.risk if not line.startswith(" ")]
    assert [(w[0], w[2], w[3]) for w in starts] == [
        ("CRITICAL", "22", "Apr"), ("HIGH", "22", "Apr"), ("MEDIUM", "23", "Apr"),
        ("CRITICAL", "24", "Apr"), ("HIGH", "25", "Apr"), ("MEDIUM", "26", "Apr"),
        ("MEDIUM", "30", "Apr"),
    ]  # fmt: skip
    assert steps.DEMO_NOW.astimezone(UTC) == datetime(2027, 4, 20, 10, 0, tzinfo=UTC)


def test_command_line_offers_no_serve_and_port() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert result.exit_code == 0, result.output
    assert "--no-serve" in result.output and "--port" in result.output
