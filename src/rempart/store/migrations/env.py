"""Alembic environment for the Rempart store.

:func:`rempart.store.migrate.upgrade` hands over an open connection (already
in a transaction) through ``config.attributes["connection"]``. Developers may
also run the ``alembic`` command with ``store/alembic.ini`` and
``-x db=URL_OR_PATH`` (e.g. to write a new revision with ``--autogenerate``).
"""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy.engine import Connection

from rempart.store.schema import metadata

logger = logging.getLogger("rempart.store.migrations")

config = context.config


def _run(connection: Connection) -> None:
    """Configure Alembic on ``connection`` and run the pending migrations."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    """Emit the migrations as SQL (``alembic upgrade --sql``)."""
    from rempart.store.urls import resolve_db_url

    context.configure(
        url=resolve_db_url(context.get_x_argument(as_dictionary=True).get("db")),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_standalone() -> None:
    """Open the store URL given with ``-x db=…`` (or the default) and migrate it."""
    from rempart.store.engine import create_store_engine
    from rempart.store.urls import resolve_db_url

    url = resolve_db_url(context.get_x_argument(as_dictionary=True).get("db"))
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
elif (given := config.attributes.get("connection")) is not None:
    _run(given)
else:
    _run_standalone()
