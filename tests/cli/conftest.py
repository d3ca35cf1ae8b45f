"""What the commands that act on a database share: the Lima event in an SQLite file."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from sidelines.storage.db import Database
from tests.web.helpers import import_lima, issue_token


@pytest.fixture
def lima_file(tmp_path: Path) -> str:
    """Lima in an SQLite file, with the organiser's account ``protocol``; its URL."""
    url = f"sqlite:///{tmp_path / 'lima.sqlite3'}"
    database = Database(url)
    database.upgrade()
    import_lima(database)
    issue_token(database, "protocol")
    database.dispose()
    return url


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """The objects a command froze (``open_instance``) back to the collector once the test is
    over: a test process runs many commands, a real one only its own."""
    yield
    gc.unfreeze()
