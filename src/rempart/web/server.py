"""Running the dashboard: uvicorn on loopback, or elsewhere only behind a login."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI

from rempart.errors import InputError
from rempart.web.auth import is_loopback

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class ServeError(InputError):
    """The dashboard cannot be served as asked (an open address without a login…)."""


def check_bind(app: FastAPI, host: str, port: int) -> None:
    """Refuse a non-loopback ``host`` when ``app`` has no login, and a bad ``port``."""
    if not 0 < port < 65536:
        raise ServeError(f"--port {port}: give a port between 1 and 65535")
    if not is_loopback(host) and getattr(app.state.web, "auth", None) is None:
        raise ServeError(
            f"--host {host}: the dashboard listens on another address than loopback only "
            "with a login; give --password-file FILE or set REMPART_PASSWORD_HASH "
            "(an argon2 hash), and put it behind TLS"
        )


def address(host: str, port: int, tls: bool = False) -> str:
    """The URL the dashboard answers on."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{'https' if tls else 'http'}://{shown}:{port}/"


def serve(
    app: FastAPI,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> None:
    """Serve ``app`` with uvicorn until interrupted (see :func:`check_bind` for refusals).

    ``tls_cert`` and ``tls_key`` (PEM files) serve HTTPS directly; the session cookie
    is marked Secure whenever the dashboard is reached by another name than loopback.
    """
    import uvicorn

    check_bind(app, host, port)
    if (tls_cert is None) != (tls_key is None):
        raise ServeError("give both --tls-cert and --tls-key, or neither")
    logger.info("dashboard on %s", address(host, port, tls_cert is not None))
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        limit_concurrency=64,
        timeout_keep_alive=5,
    )
