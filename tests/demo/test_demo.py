"""``rempart demo`` keeps working, on the bundled campaign, offline."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from rempart.demo import campaign_path, run_demo
from rempart.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_bundled_campaign_is_the_documented_example() -> None:
    assert campaign_path().read_text() == (ROOT / "examples" / "campaign.toml").read_text()


def test_demo_audits_fixes_and_keeps_history(tmp_path: Path) -> None:
    buffer = io.StringIO()
    code = run_demo(keep=tmp_path, console=Console(file=buffer, width=120))
    text = " ".join(buffer.getvalue().split())
    assert code == 0, text
    assert "dons.mouvement-exemple.example → mouvement-exemple-dons.cloudapp.example" in text
    assert "fixed: DMARC policy is p=none: forged mail is delivered" in text
    with Store.open(str(tmp_path / "demo.db")) as store:
        scopes = {f.scope for f in store.findings()}
        by_check = {(f.scope, f.check) for f in store.findings()}
    assert "mouvement-exemple.test" not in scopes  # the clean, signed newsletter domain
    assert ("mouvement-exemple.example", "mail.starttls.missing") in by_check
    assert ("mouvernent-exemple.example", "mail.nonsending.receives") in by_check
    assert ("exemple2027.example", "mail.nonsending.spf") in by_check
    # the websites: the 2016 case (a members export readable without login), the dangling
    # donation site, the candidate site answering plain HTTP
    main = "https://mouvement-exemple.example/"
    assert (main, "site.backoffice.open") in by_check and (main, "site.pii.exposed") in by_check
    assert ("https://dons.mouvement-exemple.example/", "site.dns.missing") in by_check
    assert ("https://exemple2027.example/", "site.https.no_redirect") in by_check
