"""The store: an election's definition, every acta version, every decision and bulletin,
and the append-only log entry that records each of them, written in one transaction.

:class:`Store` is only the handle (engine, dialect, cached definition); what the store does
lives in one module per concern, each a set of functions taking the store: ``log``,
``definitions``, ``intake``, ``versions``, ``counting``, ``bulletins``, ``audits``,
``checkpoints``, and ``bulk`` (the driver-level writes and reads of large imports).
"""

from __future__ import annotations

from sqlalchemy import Engine

from escrutinio.model.definition import Definition
from escrutinio.model.errors import StoreError as StoreError  # the store's errors
from escrutinio.store.database import make_engine, migrate, resolve_url


class Store:
    """An election's store on SQLite or PostgreSQL (see :func:`Store.open`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.definition_cache: Definition | None = None

    @classmethod
    def open(cls, db: str | None = None) -> Store:
        """Open (and create or migrate) the store at ``db`` (URL or SQLite file path)."""
        engine = make_engine(resolve_url(db))
        migrate(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        """The database's dialect name (``sqlite`` or ``postgresql``)."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()
