"""The messages API: a user's preferences, a delegation's webhooks and their delivery log."""

from __future__ import annotations

from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.settings import Settings
from tests.web.helpers import TestClient, lima_api, url


def test_a_user_sets_and_reads_its_message_preferences(database: Database) -> None:
    api = lima_api(database)
    wanted = {
        "email": "protocol@rus.example",
        "kinds": ["reminder", "placed"],
        "digest_min": 60,
        "quiet_from": "22:00",
        "quiet_until": "07:00",
        "reminder_min": 30,
    }

    put = api.client.put("/api/me/messages", json=wanted, headers=api.as_("RUS"))
    got = api.client.get("/api/me/messages", headers=api.as_("RUS"))

    assert put.status_code == got.status_code == 200
    assert got.json() == {**wanted, "kinds": ["placed", "reminder"]}
    other = api.client.get("/api/me/messages", headers=api.as_("USA")).json()
    assert other["email"] is None


def test_bad_preferences_are_refused_naming_the_field(database: Database) -> None:
    api = lima_api(database)
    for body, field in (
        ({"email": "nowhere"}, "body.email"),
        ({"kinds": ["gossip"]}, "body.kinds[0]"),
        ({"quiet_from": "24:10", "quiet_until": "06:00"}, "body.quiet_from"),
        ({"digest_min": 7}, "body.digest_min"),
    ):
        answer = api.client.put("/api/me/messages", json=body, headers=api.as_("RUS"))
        assert answer.status_code == 422, body
        assert answer.json()["error"]["field"] == field
    assert api.client.get("/api/me/messages", headers=api.as_("RUS")).json()["email"] is None


def test_a_delegation_keeps_its_webhooks_to_itself(database: Database) -> None:
    api = lima_api(database)
    made = api.client.post(
        url("/webhooks"), json={"url": "https://rus.example/hook"}, headers=api.as_("RUS")
    )
    assert made.status_code == 201
    hook = made.json()
    assert len(hook["secret"]) >= 40

    listed = api.client.get(url("/webhooks"), headers=api.as_("RUS")).json()
    assert [(h["id"], h["url"], h["secret"]) for h in listed] == [
        (hook["id"], "https://rus.example/hook", None)
    ]
    assert api.client.get(url("/webhooks"), headers=api.as_("USA")).json() == []
    log = url(f"/webhooks/{hook['id']}/deliveries")
    assert api.client.get(log, headers=api.as_("USA")).status_code == 404
    assert api.client.get(log, headers=api.as_("RUS")).json() == []
    gone = api.client.delete(url(f"/webhooks/{hook['id']}"), headers=api.as_("RUS"))
    assert gone.status_code == 204
    assert api.client.get(url("/webhooks"), headers=api.as_("RUS")).json()[0]["active"] is False


def test_a_webhook_needs_an_http_url(database: Database) -> None:
    api = lima_api(database)
    answer = api.client.post(
        url("/webhooks"), json={"url": "file:///etc/passwd"}, headers=api.as_("RUS")
    )
    assert (answer.status_code, answer.json()["error"]["field"]) == (422, "body.url")
    assert api.client.get(url("/webhooks"), headers=api.as_("RUS")).json() == []


def test_a_webhook_to_the_servers_own_network_is_refused_naming_the_url(
    database: Database,
) -> None:
    api = lima_api(database)
    for address in ("http://127.0.0.1:22/", "http://169.254.169.254/latest/meta-data/"):
        answer = api.client.post(url("/webhooks"), json={"url": address}, headers=api.as_("RUS"))
        assert (answer.status_code, answer.json()["error"]["field"]) == (422, "body.url"), address
    assert api.client.get(url("/webhooks"), headers=api.as_("RUS")).json() == []


def test_a_webhook_to_a_network_the_deployment_allows_is_made(database: Database) -> None:
    api = lima_api(database)
    settings = Settings(webhook_allowed_networks=["127.0.0.0/8"])  # type: ignore[list-item]
    client = TestClient(create_app(database, settings))

    made = client.post(
        url("/webhooks"), json={"url": "http://127.0.0.1:8080/hook"}, headers=api.as_("RUS")
    )

    assert made.status_code == 201
    assert made.json()["url"] == "http://127.0.0.1:8080/hook"
