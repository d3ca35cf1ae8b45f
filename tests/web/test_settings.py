"""Settings refuse unsafe values without printing them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.web.settings import Settings

WEAK_KEY = "weak-but-recognisable-key"


def test_a_weak_key_is_refused_outside_development_without_being_shown() -> None:
    with pytest.raises(ValueError, match="SIDELINES_SECRET_KEY") as refused:
        Settings(environment="production", secret_key=WEAK_KEY)

    assert WEAK_KEY not in str(refused.value)


def test_serve_refuses_a_weak_key_without_printing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("SIDELINES_ENVIRONMENT", "production")
    monkeypatch.setenv("SIDELINES_SECRET_KEY", WEAK_KEY)

    result = CliRunner().invoke(app, ["serve", "--database", f"sqlite:///{tmp_path}/db.sqlite3"])

    assert result.exit_code == 2
    assert "SIDELINES_SECRET_KEY" in result.output
    assert WEAK_KEY not in result.output
