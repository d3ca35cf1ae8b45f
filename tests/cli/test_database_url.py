"""``--database``: a URL no driver takes, or a database that cannot be opened, is one line
naming the option and exit code 2, not a traceback; nothing is started."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sidelines.cli.main import app

runner = CliRunner()

COMMANDS = {
    "user add": ["user", "add", "someone", "--password", "long enough password"],
    "event import": ["event", "import", "examples/b2b-forum.yaml"],
    "event export": ["event", "export", "some-event"],
    "history import": ["history", "import", "examples/history-russia-usa.csv"],
    "schedule preview": ["schedule", "preview", "some-event", "1", "--user", "protocol"],
    "serve": ["serve", "--port", "1"],
    # At its priority: a lowered worker would lower the test's own thread.
    "worker": ["worker", "--nice", "0", "--no-idle", "--no-idle-delivery"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nosuchdb://host/db", "no database driver for 'nosuchdb'"),
        ("no url at all", "not a database URL"),
        ("postgresql://user:secret@[::1/db", "not a database URL"),
    ],
    ids=["unknown driver", "no URL", "broken URL"],
)
def test_a_database_url_that_cannot_be_used_is_one_line(
    command: list[str], url: str, said: str
) -> None:
    outcome = runner.invoke(app, [*command, "--database", url])

    assert (outcome.exit_code, outcome.stdout) == (2, "")
    [line] = outcome.stderr.splitlines()
    assert line.startswith(f"error: --database: {said}")
    assert "secret" not in line


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_database_that_cannot_be_opened_is_one_line(command: list[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite3'}"

    outcome = runner.invoke(app, [*command, "--database", url])

    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "error: --database: cannot open the database: unable to open database file\n"
    )
