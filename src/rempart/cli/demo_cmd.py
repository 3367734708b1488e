"""``rempart demo``: the whole product on a bundled example campaign, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo(
    db: Annotated[
        str | None, typer.Option(help="Store for the demo (default: a fresh temporary file).")
    ] = None,
    keep: Annotated[Path | None, typer.Option(help="Write the demo's files here.")] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Serve the dashboard at the end, on 127.0.0.1, until Ctrl-C "
            "(--no-serve stops after the briefing).",
        ),
    ] = True,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="The dashboard's port (another if taken).")
    ] = 8765,
) -> None:
    """Run every Rempart command on the bundled example campaign, against local servers:
    audit, mail triage, web log analysis, timeline, briefing, dashboard."""
    from rempart.demo import run_demo

    raise typer.Exit(run_demo(db=db, keep=keep, serve=serve, port=port))
