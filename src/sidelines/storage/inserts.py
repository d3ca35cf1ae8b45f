"""New rows written without the ORM's unit of work: one plain INSERT per table.

A flush works out, for every object added to a session, which attributes were set, in which
order the tables go and what to read back, and keeps each object in the session's identity map;
for a request sent with its sides, proposal and terms that bookkeeping cost more of the server's
CPU than the statements themselves (docs/benchmarks.md, "Fewer CPU-ms per served request").
Rows that are only inserted, never read back nor changed later in the transaction, can skip it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, inspect
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
