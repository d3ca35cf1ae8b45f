"""What the commands that act on a database share: the Lima event in an SQLite file."""

from __future__ import annotations

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
