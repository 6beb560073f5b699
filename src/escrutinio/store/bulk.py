"""The bulk driver path: many-row inserts (PostgreSQL COPY, multi-row INSERT on SQLite) and
plain-tuple reads on the driver's own cursor, several times faster than SQLAlchemy Core for
million-row imports and re-tallies."""

from __future__ import annotations

from collections.abc import Sequence
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


Statement = tuple[str, Sequence[Any]]
"""Driver SQL with ``?`` marking each parameter, and its parameters."""


def run_pipelined(
    conn: Connection, statements: list[Statement], prepare: bool | None = None
) -> list[list[tuple[Any, ...]]]:
    """Run statements in order inside the caller's transaction and return each one's rows
    (empty for a statement without any). PostgreSQL gets them all in one round trip
    (psycopg's pipeline mode: the server still runs them one after another, each with its
    own snapshot in READ COMMITTED; a raw cursor with ``$n`` parameters, since psycopg's
    parsing of ``%s`` costs ~5 µs a parameter); SQLite runs them one by one. ``prepare``:
    psycopg's (None: prepared on the server once run a few times; False: never, for
    statements whose text varies, which would only churn the prepared statements)."""
    raw: Any = conn.connection.dbapi_connection
    postgres = conn.dialect.name == "postgresql"
    cursors = []
    try:
        if postgres:
            from psycopg import RawCursor

            with raw.pipeline():
                for sql, params in statements:
                    cursor = RawCursor(raw)
                    cursors.append(cursor)
                    cursor.execute(_numbered(sql), params, prepare=prepare)
        else:
            for sql, params in statements:
                cursor = raw.cursor()
                cursors.append(cursor)
                cursor.execute(sql, params)
        return [list(c.fetchall()) if c.description else [] for c in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def _numbered(sql: str) -> str:
    """``?`` marks as PostgreSQL's ``$1``, ``$2``, …"""
    parts = sql.split("?")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], 1):
        out.append(f"${n}{part}")
    return "".join(out)


def insert_statements(
    postgres: bool,
    table: str,
    columns: tuple[tuple[str, str], ...],
    rows: list[tuple[Any, ...]],
    first: str = "{}",
) -> list[Statement]:
    """Multi-row INSERT statements for ``rows`` (``first``: the SQL of the first column's
    value made from its parameter ``{}``; ``postgres``: up to 500 rows per statement,
    else 50), for `run_pipelined`. (PostgreSQL's INSERT … SELECT FROM unnest(arrays), whose
    text never varies, cost more: psycopg builds array parameters in Python.)"""
    if not rows:
        return []
    names = ", ".join(c for c, _ in columns)
    mark = "(" + ", ".join([first.format("?")] + ["?"] * (len(columns) - 1)) + ")"
    per = 500 if postgres else ROWS_PER_STATEMENT
    out: list[Statement] = []
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([mark] * len(chunk))
        out.append((sql, [value for row in chunk for value in row]))
    return out


def membership(values: list[Any], postgres: bool) -> tuple[str, list[Any]]:
    """A membership condition and its parameters (one array parameter on PostgreSQL, so
    the statement's text, and the server's plan of it, is the same for every batch)."""
    if postgres:
        return "= ANY(?)", [values]
    return "IN (" + ", ".join(["?"] * len(values)) + ")", values
