"""``rempart report``: the two-page security briefing for the party's leadership."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from rempart.cli.output import clean, err, fail
from rempart.errors import InputError, RempartError
from rempart.model.campaign import Campaign, load_campaign


def report(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The briefing to write: a .html or .pdf file.")
    ],
    lang: Annotated[str, typer.Option(help="The briefing's language: en or fr.")] = "en",
    campaign: Annotated[
        Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
    ] = None,
    db: Annotated[
        str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            help="Write the briefing as of this time (ISO 8601; default: now; without a "
            "zone, read in the campaign's zone). The same time gives the same briefing."
        ),
    ] = None,
) -> None:
    """Write a two-page briefing for the party's leadership: the five things to fix first
    and who should do it, what was attacked and when, the risk windows ahead."""
    from rempart.report import LANGS, write_briefing  # here: it loads the store

    if lang not in LANGS:
        fail(f"--lang {lang!r}: choose {' or '.join(LANGS)}")
    try:
        plan = load_campaign(campaign) if campaign is not None else None
        at = _now(now, plan)
        written = write_briefing(db, plan, out, lang=lang, now=at)
    except RempartError as exc:
        fail(str(exc))
    err.print(f"briefing written: {escape(clean(str(written)))}")


def _now(text: str | None, plan: Campaign | None) -> datetime | None:
    """``--now`` as an aware time (a time without zone is read in the campaign's zone)."""
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--now {text!r} is not an ISO 8601 date or time") from None
    if parsed.tzinfo is None:
        zone = ZoneInfo(plan.timeline.zone) if plan is not None else UTC
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)
