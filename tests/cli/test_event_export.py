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


def test_an_import_says_what_it_imported(tmp_path: Path) -> None:
    # The organiser checks a fair's import against the spreadsheet it came from: the tables and
    # the meetings, not only the companies.
    url = f"sqlite:///{tmp_path / 'fair.sqlite3'}"
    forum = LIMA.with_name("b2b-forum.yaml")

    with_meetings = runner.invoke(app, ["event", "import", str(forum), "--database", url])
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    without = runner.invoke(
        app, ["event", "import", str(forum), "--database", other, "--without-meetings"]
    )

    # Rich wraps a long line at the terminal's width: the words are compared.
    assert " ".join(with_meetings.stdout.split()) == (
        "imported 'blue-harbour-2026': 64 parties, 64 principals, 24 spaces, "
        "1 programme session, 260 meetings"
    )
    assert " ".join(without.stdout.split()) == (
        "imported 'blue-harbour-2026': 64 parties, 64 principals, 24 spaces, "
        "1 programme session, no meetings (they come from negotiation)"
    )
