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


def test_a_request_deadline_shorter_than_the_queue_wait_is_refused() -> None:
    with pytest.raises(ValueError, match="SIDELINES_REQUEST_DEADLINE_S"):
        Settings(queue_wait_s=1.0, request_deadline_s=0.5)


def test_the_overload_bounds_default_to_a_refusal_within_a_second_and_a_write_within_five() -> None:
    settings = Settings()

    assert settings.queue_wait_s < 1.0
    assert settings.queue_wait_s <= settings.request_deadline_s <= 5.0
