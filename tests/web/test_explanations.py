"""GET /api/events/{e}/meetings/{id}/explanation: for the meeting's sides and the organiser."""

from __future__ import annotations

from sidelines.storage.db import Database
from tests.web.helpers import Lima, lima_api, url


def xi_obama(api: Lima) -> int:
    listed = api.client.get(url("/meetings"), headers=api.as_organiser).json()
    (meeting,) = [m for m in listed if sorted(m["parties"]) == ["CHN", "USA"]]
    meeting_id: int = meeting["id"]
    return meeting_id


def test_a_side_gets_the_explanation_of_its_meeting(database: Database) -> None:
    api = lima_api(database, parties=("USA", "RUS"))
    meeting_id = xi_obama(api)

    response = api.client.get(url(f"/meetings/{meeting_id}/explanation"), headers=api.as_("USA"))

    assert response.status_code == 200
    body = response.json()
    assert (body["meeting_id"], body["scheduled"]) == (meeting_id, False)
    assert body["summary"] == "Xi-Obama bilateral cannot be placed"
    assert body["facts"][0] == {
        "kind": "window",
        "text": "it may only be held Sat 19 Nov 08:00–21:00",
    }
    # Nothing is placed yet: the meeting was only left out so far.
    assert body["facts"][-1]["kind"] == "free"
    assert body["text"].startswith(body["summary"] + ": it may only be held")


def test_the_organiser_gets_the_explanation(database: Database) -> None:
    api = lima_api(database, parties=("USA",))
    meeting_id = xi_obama(api)
    response = api.client.get(url(f"/meetings/{meeting_id}/explanation"), headers=api.as_organiser)
    assert response.status_code == 200


def test_a_third_delegation_gets_the_answer_for_a_missing_meeting(database: Database) -> None:
    api = lima_api(database, parties=("RUS",))
    meeting_id = xi_obama(api)
    missing = meeting_id + 1000

    hidden = api.client.get(url(f"/meetings/{meeting_id}/explanation"), headers=api.as_("RUS"))
    absent = api.client.get(url(f"/meetings/{missing}/explanation"), headers=api.as_("RUS"))
    public = api.client.get(url(f"/meetings/{meeting_id}/explanation"))

    assert hidden.status_code == absent.status_code == public.status_code == 404
    assert hidden.text.replace(str(meeting_id), "#") == absent.text.replace(str(missing), "#")
    assert public.text == hidden.text
