"""New rows written without the ORM's unit of work: one plain INSERT per table.

A flush works out, for every object added to a session, which attributes were set, in which
order the tables go and what to read back, and keeps each object in the session's identity map;
for a request sent with its sides, proposal and terms that bookkeeping cost more of the server's
CPU than the statements themselves (docs/benchmarks.md, "Fewer CPU-ms per served request").
Rows that are only inserted, never read back nor changed later in the transaction, can skip it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import JSON, Dialect, String, Table, TextClause, insert, inspect, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

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


class New(NamedTuple):
    """A new row as its columns' values by column key, for a table ``model`` maps: cheaper to
    build than the mapped object (whose every attribute set is an instrumented event), where
    nothing needs the object."""

    model: type[Base]
    values: dict[str, Any]


def _by_table(rows: Sequence[Base | New]) -> dict[type[Base], list[dict[str, Any]]]:
    by_table: dict[type[Base], list[dict[str, Any]]] = {}
    for row in rows:
        if isinstance(row, New):
            by_table.setdefault(row.model, []).append(row.values)
        else:
            by_table.setdefault(type(row), []).append(values_of(row))
    return by_table


def insert_rows(session: Session, rows: Sequence[Base | New]) -> None:
    """Insert ``rows``, objects not added to any session (or ``New`` values), in the
    transaction of ``session``: one statement per table (its rows together), the tables in the
    order of their first row. The objects stay out of the session: nothing reads them back
    from the database, and a change made to one afterwards is not written."""
    for model, values in _by_table(rows).items():
        # Core's statement on the table, not the ORM's bulk insert, which plans as a flush does.
        session.execute(insert(table_of(model)), values)


def insert_together(session: Session, rows: Sequence[Base | New]) -> None:
    """As ``insert_rows``; on PostgreSQL all the tables' rows in one statement
    (``insert_at_once``). A request sent wrote its request, sides, proposal, terms and audit
    entries with their audience in six statements, most of them a pipeline of one execution per
    row (psycopg's ``executemany``): sixteen executions for a request to one party, each with
    its round trip and its parameters converted one by one."""
    by_table = _by_table(rows)
    if any(values.keys() != made[0].keys() for made in by_table.values() for values in made):
        # Rows of one table that set different columns (a default left to the database on
        # some): a statement per table, as the unit of work would write them.
        insert_rows(session, rows)
        return
    insert_at_once(session, [(table_of(model), made) for model, made in by_table.items()])


Rows = Sequence[Mapping[str, Any]]


def insert_at_once(session: Session, tables: Sequence[tuple[Table, Rows]]) -> None:
    """Insert the rows of several tables (each table's rows as column values by column key,
    every row of a table with the same columns), in the order given: on PostgreSQL with one
    statement, elsewhere one statement per table (SQLite's statements cost no round trip).

    Each statement costs the server's process a few hundred µs of CPU whatever its rows
    (docs/benchmarks.md, issue 14). On PostgreSQL each table's rows go as one JSON parameter
    (``_at_once``). A column left out is NULL or its server default: no Python default is
    worked out, so a column that has one must be given."""
    written = [(table, rows) for table, rows in tables if rows]
    if not written:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        for table, rows in written:
            session.execute(insert(table), rows)
        return
    shape = tuple((table, tuple(rows[0])) for table, rows in written)
    if any(row.keys() != rows[0].keys() for _, rows in written for row in rows):
        raise ValueError("every row of a table must set the same columns")
    statement, encoders = _at_once(shape, dialect)
    session.execute(
        statement,
        {
            f"rows_{index}": json.dumps(
                [{key: encode(row[key]) for key, encode in encoders[index]} for row in rows]
            )
            for index, (_, rows) in enumerate(written)
        },
    )


@functools.cache
def _at_once(
    shape: tuple[tuple[Table, tuple[str, ...]], ...], dialect: Dialect
) -> tuple[TextClause, list[list[tuple[str, Callable[[Any], Any]]]]]:
    """The statement that inserts the rows of ``shape``'s tables (each a table and the columns
    its rows set), PostgreSQL's data-modifying WITH: each table's rows read from a JSON array
    of objects (``json_to_recordset``) as text and cast to the column's type, strings left to
    the INSERT's own assignment (which refuses an over-long value, where a cast would cut it);
    with each table's encoder of a row's values into that array. Built once per shape. The
    database checks the foreign keys between the tables at the statement's end, when every
    row is in."""
    quote = dialect.identifier_preparer.quote
    inserts: list[str] = []
    encoders: list[list[tuple[str, Callable[[Any], Any]]]] = []
    for index, (table, keys) in enumerate(shape):
        left_out = [c.name for c in table.columns if c.default is not None and c.key not in keys]
        if left_out:
            raise ValueError(f"{table.name}: {', '.join(left_out)} must be given")
        columns = [table.c[key] for key in keys]
        selected = []
        encoder: list[tuple[str, Callable[[Any], Any]]] = []
        for column in columns:
            name = f"r.{quote(column.name)}"
            if isinstance(column.type, String):
                selected.append(name)
                encoder.append((column.key, _plain))
            else:
                selected.append(f"CAST({name} AS {column.type.compile(dialect=dialect)})")
                encoder.append((column.key, _encoder(column.type, dialect)))
        encoders.append(encoder)
        inserts.append(
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
            f"SELECT {', '.join(selected)} "
            f"FROM json_to_recordset(CAST(:rows_{index} AS JSON)) "
            f"AS r({', '.join(f'{quote(c.name)} TEXT' for c in columns)})"
        )
    first, last = inserts[:-1], inserts[-1]
    with_clause = ", ".join(f"w{index} AS ({sql})" for index, sql in enumerate(first))
    return text(f"WITH {with_clause} {last}" if first else last), encoders


def _plain(value: Any) -> Any:
    return value


def _as_json_text(value: Any) -> str:
    """A JSON column's value as the column's type writes it (``None`` as JSON ``null``, not
    SQL NULL: ``json_to_recordset`` makes SQL NULL of a JSON null)."""
    return json.dumps(value)


def _encoder(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """A value of ``column_type`` as JSON can carry it to PostgreSQL's cast from text: JSON
    columns as their text, aware datetimes (after the type's own conversion to UTC, which
    refuses a naive one) in ISO 8601, numbers and booleans as they are."""
    if isinstance(column_type, JSON):
        return _as_json_text
    if isinstance(column_type, TypeDecorator):
        bind = column_type.process_bind_param

        def converted(value: Any) -> Any:
            made = bind(value, dialect)
            return made.isoformat() if isinstance(made, datetime) else made

        return converted
    return lambda value: value.isoformat() if isinstance(value, datetime) else value
