"""The store: where every analyzer's findings and events are kept, with history.

SQLite by default (one file per user), PostgreSQL by URL. The schema is
migrated with the Alembic revisions shipped in ``migrations/`` when the store
is opened.
"""

from rempart.store.store import HistoryEntry, ScopeChange, Store
from rempart.store.urls import default_db_path, resolve_db_url

__all__ = ["HistoryEntry", "ScopeChange", "Store", "default_db_path", "resolve_db_url"]
