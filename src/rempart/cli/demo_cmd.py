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
) -> None:
    """Run every Rempart command on the bundled example campaign, against local servers."""
    from rempart.demo import run_demo

    raise typer.Exit(run_demo(db=db, keep=keep))
