"""``POST /requests/{id}/agreed-on-site``: the sides agreed in the corridor; the meeting is placed
at once and both sides are told, while a third delegation learns nothing."""

from __future__ import annotations

from sidelines.storage.db import Database
from tests.web.helpers import lima_api, post_request, solve_and_publish, url


def test_agreed_on_site_places_the_meeting_and_notifies_both_sides(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    request = post_request(
        api, "RUS", "USA", proposal={"format": "pull_aside", "topics": ["Syria"]}
    )

    response = api.client.post(
        url(f"/requests/{request['id']}/agreed-on-site"), headers=api.as_("USA")
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["request"]["state"], body["request"]["on_site"]) == ("accepted", True)
    placement = body["placement"]
    assert (placement["placed"], placement["version"], placement["space_id"]) == (True, 2, None)
    assert placement["moved"] == []
    assert placement["alternatives"] == []
    meeting_id = body["request"]["meeting_id"]
    for side in ("RUS", "USA"):
        notices = api.client.get(url("/notices"), headers=api.as_(side)).json()
        assert [(n["meeting_id"], n["kind"]) for n in notices if n["version"] == 2] == [
            (meeting_id, "placed")
        ]
    jpn = api.client.get(url("/notices"), headers=api.as_("JPN")).json()
    assert [n for n in jpn if n["version"] == 2] == []


def test_a_third_delegation_gets_not_found_and_changes_nothing(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    request = post_request(api, "RUS", "USA")
    hidden = api.client.post(url("/requests/999999/agreed-on-site"), headers=api.as_("JPN"))

    response = api.client.post(
        url(f"/requests/{request['id']}/agreed-on-site"), headers=api.as_("JPN")
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == hidden.json()["error"]["code"]
    assert response.json()["error"]["message"].replace(str(request["id"]), "N") == hidden.json()[
        "error"
    ]["message"].replace("999999", "N")
    seen = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_("RUS")).json()
    assert seen["state"] == "sent"
