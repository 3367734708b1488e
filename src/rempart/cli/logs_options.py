"""What every ``rempart logs`` command reads the same way: options, thresholds, fields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from rempart.cli.output import fail
from rempart.logs.parse import JsonFields
from rempart.logs.registry import SPECS
from rempart.logs.settings import Settings, load_settings
from rempart.model import Severity
from rempart.model.campaign import Campaign, load_campaign

FIXES = {spec.id: spec.fix for spec in SPECS}
"""How to fix each detector's incidents, by id."""

CampaignOpt = Annotated[
    Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
]
LogFormatOpt = Annotated[str, typer.Option("--log-format", help="auto, combined, common or jsonl.")]


ThresholdsOpt = Annotated[
    Path | None,
    typer.Option(
        "--thresholds",
        help="TOML file of detector thresholds, tables keyed by detector id "
        '(["scan.probing"] capacity = 20); over the campaign\'s [logs.detectors].',
    ),
]
JsonFieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--json-field",
        help="JSON-lines logs: COLUMN=NAME[,NAME…], the field names of a column "
        "(ip, time, method, path, query, status, bytes, referer, ua, host, request). "
        "Repeatable.",
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help="Analyse on a Dask cluster: 'local' or a scheduler address (tcp://host:8786); "
        "files and a shared --spill-dir must be readable by every worker.",
    ),
]
MemoryOpt = Annotated[
    int | None,
    typer.Option(
        "--memory",
        help="Memory budget in MiB (default: a quarter of RAM); larger logs are cut into "
        "shards on disk and analysed one shard at a time.",
        min=16,
    ),
]
ShardsOpt = Annotated[
    int | None,
    typer.Option(
        "--shards",
        help="Cut the logs into this many shards by client address (default: from their "
        "size and --memory; 1 analyses in memory).",
        min=1,
        max=100_000,
    ),
]
SpillOpt = Annotated[
    str | None, typer.Option("--spill-dir", help="Where shards go (default: the temp dir).")
]


@dataclass(frozen=True)
class Inputs:
    """How to read and judge the logs: from the campaign, the options and files."""

    campaign: Campaign | None
    settings: Settings
    json_fields: JsonFields


def inputs_of(
    campaign: Path | None, thresholds: Path | None, json_field: list[str] | None
) -> Inputs:
    plan = load_campaign(campaign) if campaign else None
    where = f"{campaign} [logs.detectors]"
    base = dict(plan.logs.detectors) if plan else {}
    if thresholds is not None:
        settings = load_settings(str(thresholds), base)
    else:
        settings = Settings.from_mapping(base, where) if base else Settings()
    fields = JsonFields()
    if plan and plan.logs.json_fields:
        fields = JsonFields.from_mapping(plan.logs.json_fields, f"{campaign} [logs.json_fields]")
    return Inputs(plan, settings, JsonFields.from_options(json_field or [], fields))


def threshold_of(fail_on: str | None, campaign: Campaign | None) -> Severity:
    if fail_on is None:
        return campaign.logs.fail_on if campaign is not None else Severity.HIGH
    try:
        return Severity(fail_on.lower())
    except ValueError:
        fail(f"--fail-on {fail_on!r}: use one of {', '.join(s.value for s in Severity)}")
