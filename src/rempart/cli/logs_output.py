"""Output of ``rempart logs``: JSON lines (one incident per line), CSV, and cards.

Log lines are written by attackers: evidence is stripped of control characters
and escaped for Rich; CSV cells that a spreadsheet would run are neutralised.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rempart.cli.output import SEVERITY_STYLE, _cell, clean
from rempart.logs.model import Incident

CSV_COLUMNS = ("kind", "severity", "start", "end", "sources", "count", "summary", "evidence",
               "fix")  # fmt: skip
MAX_EVIDENCE = 5
MAX_SOURCES = 20


class IncidentWriter:
    """Writes incidents in one of the formats: ``table``, ``json``, ``csv``."""

    def __init__(self, fmt: str, out: IO[str], fixes: Mapping[str, str]) -> None:
        self.fmt = fmt
        self.out = out
        self.fixes = fixes
        self._console = Console(file=out, highlight=False, soft_wrap=False)
        self._csv = csv.writer(out) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, incident: Incident) -> None:
        fix = self.fixes.get(incident.kind, "")
        if self.fmt == "json":
            row = incident.as_dict() | {"fix": fix}
            self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif self._csv is not None:
            d = incident.as_dict()
            self._csv.writerow([_cell(v) for v in (
                d["kind"], d["severity"], d["start"], d["end"], " ".join(incident.sources),
                d["count"], clean(incident.summary), clean(" | ".join(incident.evidence)), fix,
            )])  # fmt: skip
        else:
            self._console.print(_card(incident, fix))

    def nothing(self) -> None:
        if self.fmt == "table":
            self._console.print("[green]No incident.[/green]")


def _card(i: Incident, fix: str) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=10, no_wrap=True)
    grid.add_column(ratio=1)
    head = f"[bold]{escape(clean(i.summary or i.kind))}[/bold] [dim]{i.kind}[/dim]"
    grid.add_row(f"[{SEVERITY_STYLE[i.severity]}]{i.severity.value.upper()}[/]", head)
    sources = " ".join(i.sources[:MAX_SOURCES])
    more = f" … and {len(i.sources) - MAX_SOURCES} more" if len(i.sources) > MAX_SOURCES else ""
    grid.add_row("[dim]from[/dim]", escape(clean(sources)) + more)
    grid.add_row("[dim]when[/dim]", f"{i.start:%Y-%m-%d %H:%M:%S} → {i.end:%Y-%m-%d %H:%M:%S} UTC, "
                                    f"{i.count} requests")  # fmt: skip
    for line in i.evidence[:MAX_EVIDENCE]:
        grid.add_row("[dim]seen[/dim]", escape(clean(line[:300])))
    if fix:
        grid.add_row("[dim]fix[/dim]", "[green]" + escape(clean(fix)) + "[/green]")
    grid.add_row("", "")
    return grid
