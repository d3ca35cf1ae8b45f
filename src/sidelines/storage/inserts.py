"""New rows written without the ORM's unit of work: one plain INSERT per table.

A flush works out, for every object added to a session, which attributes were set, in which
order the tables go and what to read back, and keeps each object in the session's identity map;
for a request sent with its sides, proposal and terms that bookkeeping cost more of the server's
CPU than the statements themselves (docs/benchmarks.md, "Fewer CPU-ms per served request").
Rows that are only inserted, never read back nor changed later in the transaction, can skip it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Table, TextClause, insert, inspect, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from sidelines.storage.tables import Base


def values_of(row: Base) -> dict[str, Any]:
    """The columns set on ``row``, a new row not added to any session, by column key: as a
    flush would, an attribute never set is left to the column's default."""
    state = inspect(row)
    return {
        prop.columns[0].key: state.dict[prop.key]
        for prop in state.mapper.column_attrs
        if prop.key in state.dict
    }


def table_of(model: type[Base]) -> Table:
    """The table ``model`` maps, for Core statements on it (the ORM plans nothing for them)."""
    table = inspect(model).local_table
    assert isinstance(table, Table)  # every model maps one table
    return table


def insert_rows(session: Session, rows: Sequence[Base]) -> None:
    """Insert ``rows``, objects not added to any session, in the transaction of ``session``:
    one statement per table (its rows together), the tables in the order of their first row.
    The objects stay out of the session: nothing reads them back from the database, and a
    change made to one afterwards is not written."""
    by_table: dict[type[Base], list[dict[str, Any]]] = {}
    for row in rows:
        by_table.setdefault(type(row), []).append(values_of(row))
    for model, values in by_table.items():
        # Core's statement on the table, not the ORM's bulk insert, which plans as a flush does.
        session.execute(insert(table_of(model)), values)


Rows = Sequence[Mapping[str, Any]]


def insert_at_once(session: Session, tables: Sequence[tuple[Table, Rows]]) -> None:
    """Insert the rows of several tables (each table's rows as column values, every row of a
    table with the same columns), in the order given, and with one statement on PostgreSQL.

    Each statement costs the server's process a few hundred µs of CPU whatever its rows
    (docs/benchmarks.md, issue 14). On PostgreSQL the rows go as one JSON array per table into
    one statement, every table but the last a data-modifying WITH query (whose foreign keys
    are checked at the statement's end, when every row is in); elsewhere one executemany per
    table, as ``insert_rows`` writes. A column left out is NULL or its server default: no
    Python default is worked out."""
    written = [(table, rows) for table, rows in tables if rows]
    if not written:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        for table, rows in written:
            session.execute(insert(table), rows)
        return
    shape = tuple((table, tuple(rows[0])) for table, rows in written)
    statement = _AT_ONCE.get(shape)
    if statement is None:
        statement = _AT_ONCE.setdefault(shape, _at_once(shape, dialect))
    session.execute(
        statement,
        {
            f"rows_{index}": _as_json(table, keys, rows)
            for index, ((table, keys), (_, rows)) in enumerate(zip(shape, written, strict=True))
        },
    )


# The statements of ``insert_at_once``, one per shape (tables and columns): built once.
_AT_ONCE: dict[tuple[tuple[Table, tuple[str, ...]], ...], TextClause] = {}


def _at_once(shape: tuple[tuple[Table, tuple[str, ...]], ...], dialect: Dialect) -> TextClause:
    inserts = []
    for index, (table, keys) in enumerate(shape):
        left_out = [c.name for c in table.columns if c.default is not None and c.key not in keys]
        if left_out:
            raise ValueError(f"{table.name}: {', '.join(left_out)} must be given")
        columns = [table.c[key] for key in keys]
        names = ", ".join(f'"{column.name}"' for column in columns)
        # A JSON column's value goes as the text a bound parameter would carry (``_as_json``)
        # and is cast here: JSON's null stays the JSON value null, as SQLAlchemy writes None,
        # rather than becoming SQL's NULL.
        declared = ", ".join(
            f'"{column.name}" {"text" if _is_json(column) else _type_of(column, dialect)}'
            for column in columns
        )
        values = ", ".join(
            f'CAST("{column.name}" AS {_type_of(column, dialect)})'
            if _is_json(column)
            else f'"{column.name}"'
            for column in columns
        )
        inserts.append(
            f'INSERT INTO "{table.name}" ({names}) SELECT {values} '
            f"FROM json_to_recordset(CAST(:rows_{index} AS json)) AS rows({declared})"
        )
    *before, last = inserts
    if not before:
        return text(last)
    queries = ", ".join(f"written_{index} AS ({query})" for index, query in enumerate(before))
    return text(f"WITH {queries} {last}")


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _type_of(column: Column[Any], dialect: Dialect) -> str:
    return column.type.compile(dialect=dialect)


def _as_json(table: Table, keys: tuple[str, ...], rows: Rows) -> str:
    """The rows as one JSON array: times in ISO 8601, as PostgreSQL reads them; a JSON column's
    value as its text, as ``json.dumps`` (the engine's serializer) writes it."""
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError("every row of a table sets the same columns")
    nested = [key for key in keys if _is_json(table.c[key])]
    if nested:
        rows = [{**row, **{key: json.dumps(row[key]) for key in nested}} for row in rows]
    return json.dumps(rows, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # refused, as ``types.UTCDateTime`` refuses it
            raise ValueError(f"an aware datetime is required, got {value!r}")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
