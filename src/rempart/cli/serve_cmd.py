"""``rempart serve``: the local dashboard.

It listens on 127.0.0.1 by default. Another address needs a login: an argon2
hash of the password in ``REMPART_PASSWORD_HASH`` or in the file given with
``--password-file`` (make one with ``python -c "from argon2 import
PasswordHasher; print(PasswordHasher().hash(input()))"``), and preferably TLS
(``--tls-cert``/``--tls-key``, or a reverse proxy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rempart.cli.output import fail
from rempart.errors import RempartError


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    db: Annotated[
        str | None, typer.Option(help="Store: a SQLite file path or postgresql://… URL.")
    ] = None,
    campaign: Annotated[
        Path | None, typer.Option("--campaign", "-c", help="The campaign file (campaign.toml).")
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(help="File holding the argon2 hash of the login password."),
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
) -> None:
    """Serve the dashboard: findings, mail, log incidents and the timeline."""
    from rempart.model.campaign import load_campaign
    from rempart.web.app import create_app
    from rempart.web.auth import load_auth
    from rempart.web.server import address, check_bind
    from rempart.web.server import serve as run

    try:
        plan = load_campaign(campaign) if campaign else None
        auth = load_auth(password_file)
        app = create_app(db, plan, auth=auth)
        check_bind(app, host, port)
        typer.echo(f"Rempart dashboard on {address(host, port, tls_cert is not None)}")
        if auth is not None:
            typer.echo("Login required (password hash loaded).")
        run(app, host, port, tls_cert=tls_cert, tls_key=tls_key)
    except RempartError as exc:
        fail(str(exc))
