"""One base exception per subsystem; only the CLI and the web layer catch them.

Each error carries a message meant for a person: it names where (file, key,
target) and what is wrong, in one line.
"""

from __future__ import annotations


class RempartError(Exception):
    """Base of every error Rempart raises on purpose."""


class InputError(RempartError):
    """Something the user gave us (a file, an argument, a name) is unusable."""


class CampaignError(InputError):
    """The campaign file is unreadable or invalid.

    ``problems`` holds every problem found, one line each, so that a user
    fixes them all in one pass.
    """

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {p}" for p in self.problems))


class StoreError(RempartError):
    """The store (SQLite file or PostgreSQL database) cannot be used."""


class EngineError(RempartError):
    """The job engine (local pool or Dask cluster) cannot run jobs."""
