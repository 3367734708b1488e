"""``rempart``: the command-line entry point.

Exit codes (the same for every command): 0 nothing at or above ``--fail-on``;
1 findings at or above it; 2 a usage or input error, or something that could
not be checked (each listed on stderr with its reason).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, NamedTuple

import typer
from typer.core import TyperGroup

from rempart import __version__


class _Lazy(NamedTuple):
    module: str
    attribute: str
    help: str


# Each command's module is imported only when that command runs: `rempart logs …` does
# not pay for loading the audit, mail and store machinery (over a second at start-up).
LAZY: dict[str, _Lazy] = {
    "audit": _Lazy("rempart.cli.audit_cmd", "audit", "Audit the campaign's domains and sites."),
    "checks": _Lazy("rempart.cli.audit_cmd", "list_checks", "List every audit check."),
    "demo": _Lazy("rempart.cli.demo_cmd", "demo", "The whole product on the example campaign."),
    "mail": _Lazy("rempart.cli.mail_cmd", "app", "Triage suspicious mail."),
    "logs": _Lazy("rempart.cli.logs_cmd", "app", "Read web logs: floods, brute force, scans."),
    "timeline": _Lazy("rempart.cli.timeline_cmd", "app", "The campaign calendar and events."),
    "report": _Lazy("rempart.cli.report_cmd", "report", "Write the leadership briefing."),
    "serve": _Lazy("rempart.cli.serve_cmd", "serve", "Serve the local dashboard."),
}
"""Every command: where it lives, and one line of help."""


def load_command(name: str) -> Any:
    """The (click) command ``name`` of :data:`LAZY`, importing its module now."""
    spec = LAZY[name]
    target: Any = getattr(importlib.import_module(spec.module), spec.attribute)
    if not isinstance(target, typer.Typer):
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(name)(target)
        target = single
    command = typer.main.get_command(target)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The ``rempart`` group, loading each command's module on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(LAZY)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in LAZY:
            return None
        return load_command(cmd_name)


app = typer.Typer(
    name="rempart",
    help="Rempart: an offline cyber-defense kit for election campaigns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rempart {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens, to stderr."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Rempart: audit a campaign's domains, triage mail, read logs, see the timeline."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    """Console-script entry point."""
    app()
