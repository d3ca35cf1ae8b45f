"""The messages page, without a browser: preferences saved from the form, a webhook added
with its secret shown once, and its delivery log."""

from __future__ import annotations

import pytest

from sidelines.storage.db import Database
from tests.web.helpers import LIMA, TestClient, import_lima
from tests.web.pages.test_session import csrf_of, logged_in

PAGE = f"/events/{LIMA}/messages"


@pytest.fixture
def russia(database: Database) -> TestClient:
    import_lima(database)
    return logged_in(database, "russia", "RUS")


def test_the_form_saves_the_preferences(russia: TestClient) -> None:
    page = russia.get(PAGE)
    answer = russia.post(
        f"{PAGE}/preferences",
        data={
            "email": "protocol@rus.example",
            "kinds": ["placed", "reminder"],
            "digest_min": "60",
            "quiet_from": "22:00",
            "quiet_until": "07:00",
            "reminder_min": "20",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text

    shown = russia.get(PAGE).text
    assert 'name="email" type="email" value="protocol@rus.example"' in shown
    checked = [
        k
        for k in ("new_request", "answer", "placed", "reminder")
        if f'value="{k}" checked' in shown
    ]
    assert checked == ["placed", "reminder"]
    assert '<option value="60" selected>' in shown
    assert 'name="quiet_from" type="time" value="22:00"' in shown
    assert 'name="reminder_min" type="number" min="0" max="1440" value="20"' in shown


def test_a_webhook_is_added_with_its_secret_shown_once(russia: TestClient) -> None:
    page = russia.get(PAGE)
    answer = russia.post(
        f"{PAGE}/webhooks",
        data={"url": "https://rus.example/hook", "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 200
    assert "shown this once" in answer.text
    assert "Nothing delivered yet." in answer.text

    again = russia.get(PAGE).text
    assert "https://rus.example/hook" in again
    assert "shown this once" not in again


def test_a_webhook_to_the_servers_own_network_is_refused(russia: TestClient) -> None:
    page = russia.get(PAGE)
    answer = russia.post(
        f"{PAGE}/webhooks",
        data={"url": "http://169.254.169.254/latest/", "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 422
    assert "not a public internet address" in answer.text
    assert "169.254.169.254" not in russia.get(PAGE).text
