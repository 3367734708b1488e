"""Output formats, chosen by name: ``table`` (people), ``json`` (JSON lines), ``csv``.

Everything shown comes partly from outside (DNS records, server banners), so
terminal control characters are removed and Rich markup escaped in tables,
and CSV cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import IO, NoReturn, Protocol

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table

from rempart.model import Finding, Severity

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

COLUMNS = ("severity", "target", "check", "title", "evidence", "remediation", "scope", "status",
           "first_seen", "last_seen", "id")  # fmt: skip

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def clean(text: str) -> str:
    """Remove terminal control and bidi-override characters from outside text."""
    return _CONTROL.sub("?", text)


err = Console(stderr=True, highlight=False, soft_wrap=True)
"""Where every command writes its progress, summaries and errors."""


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` (each line as an error, cleaned and escaped) and exit ``code``."""
    import typer

    for line in message.splitlines():
        err.print(f"[red]error:[/red] {escape(clean(line))}")
    raise typer.Exit(code)


class Formatter(Protocol):
    """Writes findings to a stream."""

    def write(self, findings: Sequence[Finding], out: IO[str]) -> None:
        """Write every finding."""


class JsonLines:
    """One JSON object per finding per line."""

    def write(self, findings: Sequence[Finding], out: IO[str]) -> None:
        """Write every finding as one line of JSON."""
        for finding in findings:
            out.write(json.dumps(finding.as_dict(), ensure_ascii=False) + "\n")


class Csv:
    """A header row then one row per finding."""

    def write(self, findings: Sequence[Finding], out: IO[str]) -> None:
        """Write a CSV table; formula-looking cells are prefixed with a quote."""
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for finding in findings:
            row = finding.as_dict()
            writer.writerow([_cell(row[c]) for c in COLUMNS])


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class RichTable:
    """For people: per domain, worst first, each finding with what was seen, why, and the fix."""

    def write(self, findings: Sequence[Finding], out: IO[str]) -> None:
        """Render for a terminal (or plain text when ``out`` is not one)."""
        console = Console(file=out, highlight=False)
        if not findings:
            console.print("[green]No open findings.[/green]")
            return
        for scope in dict.fromkeys(f.scope for f in findings):
            console.print(Rule(f"[bold]{escape(clean(scope))}[/bold]", align="left"))
            for finding in (f for f in findings if f.scope == scope):
                console.print(_card(finding))


def _card(f: Finding) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=10, no_wrap=True)
    grid.add_column(ratio=1)
    accepted = " [dim](accepted)[/dim]" if f.status.value == "accepted" else ""
    grid.add_row(
        f"[{SEVERITY_STYLE[f.severity]}]{f.severity.value.upper()}[/]",
        f"[bold]{escape(clean(f.title))}[/bold]{accepted} [dim]{f.check}[/dim]",
    )
    seen = f.evidence if f.target in f.evidence else f"{f.target}: {f.evidence}"
    grid.add_row("[dim]seen[/dim]", escape(clean(seen[:600])))
    grid.add_row("[dim]why[/dim]", escape(clean(f.why)))
    grid.add_row("[dim]fix[/dim]", "[green]" + escape(clean(f.remediation)) + "[/green]")
    grid.add_row("", "")
    return grid


FORMATS: dict[str, Formatter] = {"table": RichTable(), "json": JsonLines(), "csv": Csv()}
"""Every output format by name (the ``--format`` choices)."""


def render(findings: Sequence[Finding], fmt: str) -> str:
    """Findings in format ``fmt`` as one string."""
    buffer = io.StringIO()
    FORMATS[fmt].write(findings, buffer)
    return buffer.getvalue()
