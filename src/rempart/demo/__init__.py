"""``rempart demo``: the whole product on the bundled example campaign, offline.

It starts a small internet on loopback (DNS, mail servers, HTTPS) serving
the example campaign's domains with the defects real campaigns have, audits
them through the same code as ``rempart audit``, then audits again after a
fix to show history. Nothing leaves this machine.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path

from rich.console import Console

from rempart.audit.run import AuditReport, run_audit
from rempart.audit.targets import Target, from_campaign
from rempart.cli.output import FORMATS
from rempart.demo import sites as demo_sites
from rempart.demo import zones as demo_zones
from rempart.engine import LocalRunner
from rempart.model import Severity, Status
from rempart.model.campaign import load_campaign
from rempart.store import Store
from rempart.testing.world import AuditWorld

log = logging.getLogger(__name__)


def campaign_path() -> Path:
    """The bundled example campaign file (the same as ``examples/campaign.toml``)."""
    return Path(str(resources.files("rempart.demo") / "data" / "campaign.toml"))


def run_demo(
    db: str | None = None, keep: Path | None = None, console: Console | None = None
) -> int:
    """Run the demo; 0 when every step worked, 2 when something could not be checked."""
    out = console or Console()
    with tempfile.TemporaryDirectory(prefix="rempart-demo-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        store_url = db or str(folder / "demo.db")
        with Store.open(store_url) as store:
            code = _story(store, out)
        note = "" if keep or db else " (deleted now; use --keep DIR to keep it)"
        out.print(f"\nThe demo's store is [bold]{store_url}[/bold]{note}")
    return code


def _story(store: Store, out: Console) -> int:
    campaign = load_campaign(campaign_path())
    targets = from_campaign(campaign)
    out.rule(f"Rempart demo — {campaign.organisation.name}")
    out.print("Auditing the example campaign's domains and websites against local servers "
              "(DNS, mail, HTTPS on 127.0.0.x): nothing leaves this machine.\n")  # fmt: skip
    first = _audit(store, targets, demo_zones.DMARC_BEFORE, out)
    FORMATS["table"].write(first.findings, out.file)
    _summary(first, out)
    out.rule("A week later: the technician published a strict DMARC policy")
    out.print(f'_dmarc.{demo_zones.MAIN} TXT "{demo_zones.DMARC_AFTER}"\n')
    second = _audit(store, targets, demo_zones.DMARC_AFTER, out)
    fixed = [f for f in store.findings(status=Status.FIXED)]
    for finding in fixed:
        out.print(f"[green]fixed:[/green] {finding.title} — {finding.target}")
    _summary(second, out)
    return 2 if first.errors or second.errors else 0


def _audit(store: Store, targets: list[Target], dmarc: str, out: Console) -> AuditReport:
    world = AuditWorld(
        demo_zones.zones(dmarc),
        demo_zones.MAIL_HOSTS,
        demo_zones.routes(),
        sites=demo_sites.sites(),
    )
    with world, LocalRunner(8) as runner:
        report = run_audit(targets, world.config(), store, runner, fresh=True)
    for line in report.errors:
        out.print(f"[yellow]not checked:[/yellow] {line}")
    return report


def _summary(report: AuditReport, out: Console) -> None:
    counts = Counter(f.severity for f in report.findings if f.status == Status.OPEN)
    parts = [f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s]]
    out.print(f"\n[bold]{len(report.outcomes)} domains and websites audited: "
              f"{', '.join(parts) or 'no open findings'}.[/bold]\n")  # fmt: skip
