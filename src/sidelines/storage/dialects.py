"""The two databases Sidelines runs on, for the few statements that differ between them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DialectStatements:
    """DDL that each database spells its own way (triggers, constraints), up and down."""

    postgresql_up: tuple[str, ...]
    postgresql_down: tuple[str, ...]
    sqlite_up: tuple[str, ...]
    sqlite_down: tuple[str, ...]

    def statements(self, dialect: str, *, up: bool) -> list[str]:
        if dialect == "postgresql":
            return list(self.postgresql_up if up else self.postgresql_down)
        if dialect == "sqlite":
            return list(self.sqlite_up if up else self.sqlite_down)
        raise ValueError(f"Sidelines runs on SQLite or PostgreSQL, not {dialect}")
