"""What every local server shares: ``with server:`` starts it and stops it."""

from __future__ import annotations

from typing import Self


class Service:
    """A server with ``start()`` and ``stop()``, usable as a context manager."""

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
