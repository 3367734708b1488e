"""What every local server shares: ``with server:`` starts it and stops it."""

from __future__ import annotations

from typing import Self


class Service:
    """A server with ``start()`` and ``stop()``, usable as a context manager."""

    host: str = "127.0.0.1"
    _port: int = 0

    @property
    def port(self) -> int:
        """The TCP port (real once started)."""
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) the server listens on."""
        return self.host, self._port

    def start(self) -> Self:
        """Start serving; return self."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving and release every socket."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        """Start the server for the duration of a ``with`` block."""
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Stop the server."""
        self.stop()
