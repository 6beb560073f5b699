"""The bulk driver path: many-row inserts (PostgreSQL COPY, multi-row INSERT on SQLite) and
plain-tuple reads on the driver's own cursor, several times faster than SQLAlchemy Core for
million-row imports and re-tallies."""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy.engine import Connection

ROWS_PER_STATEMENT = 50


def insert_many(
    conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows through the driver directly (several times faster than Core);
    PostgreSQL uses COPY."""
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    width = len(columns)
    row_marks = "(" + ", ".join(["?"] * width) + ")"
    per_statement = max(1, min(ROWS_PER_STATEMENT, len(rows)))
    whole = len(rows) - len(rows) % per_statement
    if whole:
        # many rows per INSERT: SQLite runs one statement instead of one per row
        flat = list(chain.from_iterable(rows[:whole]))
        step = width * per_statement
        marks = ", ".join([row_marks] * per_statement)
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({names}) VALUES {marks}",
            [tuple(flat[i : i + step]) for i in range(0, len(flat), step)],
        )
    if whole < len(rows):
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES {row_marks}", rows[whole:])


def fetch_raw(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run a query on the driver's own cursor and return plain tuples (no Row objects),
    which is several times faster for million-row reads. ``{}`` marks a parameter."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql.format(*([mark] * len(params))), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()
