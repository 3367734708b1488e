"""``rempart``: the command-line entry point.

Exit codes (the same for every command): 0 nothing at or above ``--fail-on``;
1 findings at or above it; 2 a usage or input error, or something that could
not be checked (each listed on stderr with its reason).
"""

from __future__ import annotations

import logging

import typer

from rempart import __version__
from rempart.cli import audit_cmd, demo_cmd, logs_cmd, mail_cmd

app = typer.Typer(
    name="rempart",
    help="Rempart: an offline cyber-defense kit for election campaigns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("audit")(audit_cmd.audit)
app.command("checks")(audit_cmd.list_checks)
app.command("demo")(demo_cmd.demo)
app.add_typer(mail_cmd.app, name="mail")
app.add_typer(logs_cmd.app, name="logs")


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
