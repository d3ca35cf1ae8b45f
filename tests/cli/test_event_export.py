"""``sidelines event export``: the file it prints is one ``sidelines event import`` reads back,
and exports the same again."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sidelines.cli.main import app

runner = CliRunner()
LIMA = Path(__file__).resolve().parents[2] / "examples" / "apec-2016-lima.yaml"


def test_an_exported_event_imports_and_exports_the_same(tmp_path: Path) -> None:
    first_db = f"sqlite:///{tmp_path / 'first.sqlite3'}"
    second_db = f"sqlite:///{tmp_path / 'second.sqlite3'}"
    assert runner.invoke(app, ["event", "import", str(LIMA), "--database", first_db]).exit_code == 0

    exported = runner.invoke(app, ["event", "export", "apec-2016-lima", "--database", first_db])
    copy = tmp_path / "copy.yaml"
    copy.write_text(exported.stdout)
    imported = runner.invoke(app, ["event", "import", str(copy), "--database", second_db])
    again = runner.invoke(app, ["event", "export", "apec-2016-lima", "--database", second_db])

    assert (exported.exit_code, imported.exit_code, again.exit_code) == (0, 0, 0)
    assert again.stdout == exported.stdout
    assert "meetings:" in exported.stdout


def test_an_unknown_event_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"

    outcome = runner.invoke(app, ["event", "export", "no-such-event", "--database", url])

    assert outcome.exit_code == 2
    assert "no event no-such-event" in outcome.output
