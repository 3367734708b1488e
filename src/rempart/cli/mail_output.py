"""Output of ``rempart mail``: JSON lines (machine), CSV, and cards for people.

JSON keeps indicators as they are (for tools); the table and CSV are read by
people, so every indicator and every piece of evidence in them is defanged,
stripped of terminal control characters and escaped for Rich.
"""

from __future__ import annotations

import csv
import json
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rempart.cli.output import _cell, clean
from rempart.mail.model import Triage, Verdict
from rempart.model.defang import defang, defang_text

VERDICT_STYLE = {
    Verdict.PHISHING: "bold white on red",
    Verdict.SUSPICIOUS: "bold yellow",
    Verdict.SPAM: "magenta",
    Verdict.CLEAN: "green",
    Verdict.ERROR: "bold red",
}
CSV_COLUMNS = ("source", "verdict", "score", "subject", "sender", "reasons", "indicators",
               "errors")  # fmt: skip
MAX_REASONS_SHOWN = 8
MAX_INDICATORS_SHOWN = 12


def _safe(text: str, t: Triage) -> str:
    return clean(defang_text(text, t.indicators.domains))


class MailWriter:
    """Writes verdicts one by one, as they come (so a long batch streams)."""

    def __init__(self, fmt: str, out: IO[str]) -> None:
        self.fmt = fmt
        self.out = out
        self._console = Console(file=out, highlight=False, soft_wrap=False)
        self._csv = csv.writer(out) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, t: Triage) -> None:
        if self.fmt == "json":
            self.out.write(json.dumps(t.as_dict(), ensure_ascii=False) + "\n")
        elif self._csv is not None:
            self._csv.writerow([_cell(v) for v in _csv_row(t)])
        else:
            self._console.print(_card(t))
        self.out.flush()


def _csv_row(t: Triage) -> list[object]:
    reasons = "; ".join(f"{r.signal} ({r.weight:+.1f}): {_safe(r.evidence, t)}" for r in t.reasons)
    ind = t.indicators
    indicators = " ".join(defang(i) for i in (*ind.urls, *ind.domains, *ind.ips, *ind.senders,
                                              *ind.sha256))  # fmt: skip
    return [clean(t.source), t.verdict.value, t.score, _safe(t.subject, t), _safe(t.sender, t),
            reasons, indicators, clean("; ".join(t.errors))]  # fmt: skip


def _card(t: Triage) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=12, no_wrap=True)
    grid.add_column(ratio=1)
    head = f"[{VERDICT_STYLE[t.verdict]}]{t.verdict.value.upper()}[/]"
    subject = escape(_safe(t.subject, t)) or "[dim](no subject)[/dim]"
    grid.add_row(head, f"[bold]{subject}[/bold]  [dim]score {t.score}/100[/dim]")
    grid.add_row("[dim]from[/dim]", escape(_safe(t.sender, t)) or "[dim]?[/dim]")
    grid.add_row("[dim]file[/dim]", escape(clean(t.source)))
    if t.verdict is not Verdict.CLEAN:
        for r in t.reasons[:MAX_REASONS_SHOWN]:
            title = f"{escape(clean(r.title))} " if r.title else ""
            grid.add_row(
                f"[dim]{r.weight:+.1f}[/dim]",
                f"{title}[dim]{r.signal}[/dim]\n  {escape(_safe(r.evidence, t))}",
            )
        if len(t.reasons) > MAX_REASONS_SHOWN:
            grid.add_row("", f"[dim]… {len(t.reasons) - MAX_REASONS_SHOWN} more reasons[/dim]")
        todo = list(dict.fromkeys(r.advice for r in t.reasons if r.advice and r.weight > 0))[:2]
        if todo:
            grid.add_row("[green]what to do[/green]",
                         "[green]" + escape(clean(" ".join(todo))) + "[/green]")  # fmt: skip
        ind = t.indicators
        shown = [defang(i) for i in (*ind.urls, *ind.ips, *ind.senders, *ind.sha256)]
        if shown:
            more = len(shown) - MAX_INDICATORS_SHOWN
            text = "\n".join(clean(s)[:200] for s in shown[:MAX_INDICATORS_SHOWN])
            grid.add_row(
                "[dim]indicators[/dim]", escape(text) + (f"\n… {more} more" if more > 0 else "")
            )
    for e in t.errors:
        grid.add_row("[red]error[/red]", escape(clean(e)))
    grid.add_row("", "")
    return grid
