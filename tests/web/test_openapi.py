"""The OpenAPI document lists every route and the error shape; errors are JSON, never traces."""

from __future__ import annotations

from typing import Any

from sidelines.storage.db import Database
from tests.web.helpers import Lima, lima_api, post_request, url

ROUTES = [
    ("POST", "/api/auth/token"),
    ("GET", "/api/events"),
    ("GET", "/api/events/{event_id}"),
    ("GET", "/api/events/{event_id}/programme"),
    ("GET", "/api/events/{event_id}/requests"),
    ("POST", "/api/events/{event_id}/requests"),
    ("GET", "/api/events/{event_id}/requests/{request_id}"),
    ("POST", "/api/events/{event_id}/requests/{request_id}/send"),
    ("POST", "/api/events/{event_id}/requests/{request_id}/answers"),
    ("POST", "/api/events/{event_id}/requests/{request_id}/terms"),
    ("POST", "/api/events/{event_id}/requests/{request_id}/withdraw"),
    ("PATCH", "/api/events/{event_id}/requests/{request_id}/private"),
    ("GET", "/api/events/{event_id}/interests"),
    ("POST", "/api/events/{event_id}/interests"),
    ("DELETE", "/api/events/{event_id}/interests/{party}"),
    ("GET", "/api/events/{event_id}/contacts"),
    ("POST", "/api/events/{event_id}/contacts"),
    ("DELETE", "/api/events/{event_id}/contacts/{party}"),
    ("GET", "/api/events/{event_id}/meetings"),
    ("GET", "/api/events/{event_id}/meetings/{meeting_id}"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/status"),
    ("GET", "/api/events/{event_id}/meetings/{meeting_id}/explanation"),
    ("GET", "/api/events/{event_id}/meetings/{meeting_id}/places"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/move"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/place"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/swap"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/lock"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/unlock"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/unplace"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/alternative"),
    ("GET", "/api/events/{event_id}/agenda"),
    ("POST", "/api/events/{event_id}/solves"),
    ("GET", "/api/events/{event_id}/solves/{run_id}"),
    ("GET", "/api/events/{event_id}/solves/{run_id}/preview"),
    ("POST", "/api/events/{event_id}/solves/{run_id}/publish"),
    ("POST", "/api/events/{event_id}/requests/{request_id}/agreed-on-site"),
    ("GET", "/api/events/{event_id}/schedule"),
    ("GET", "/api/events/{event_id}/notices"),
    ("GET", "/api/events/{event_id}/onsite-changes"),
    ("POST", "/api/events/{event_id}/onsite-changes/departures"),
    ("POST", "/api/events/{event_id}/onsite-changes/overruns"),
    ("POST", "/api/events/{event_id}/onsite-changes/closures"),
    ("GET", "/api/events/{event_id}/audit"),
    ("GET", "/api/events/{event_id}/meetings/{meeting_id}/outcome"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/outcome"),
    ("GET", "/api/events/{event_id}/encounters"),
    ("POST", "/api/events/{event_id}/encounters"),
    ("GET", "/api/events/{event_id}/encounters/{encounter_id}"),
    ("GET", "/api/events/{event_id}/statements"),
    ("POST", "/api/events/{event_id}/statements"),
    ("GET", "/api/events/{event_id}/statements/{statement_id}"),
    ("PUT", "/api/events/{event_id}/statements/{statement_id}"),
    ("POST", "/api/events/{event_id}/statements/{statement_id}/signatures"),
    ("POST", "/api/events/{event_id}/statements/{statement_id}/link"),
    ("GET", "/api/history"),
    ("GET", "/api/history/last-met"),
    ("POST", "/api/history/imports"),
    ("GET", "/api/public/events/{event_id}"),
    ("GET", "/api/public/pairs/{a}/{b}"),
    ("GET", "/api/events/{event_id}/feeds/{party_id}"),
    ("POST", "/api/events/{event_id}/feeds/{party_id}"),
    ("DELETE", "/api/events/{event_id}/feeds/{party_id}"),
    ("GET", "/api/feeds/{token}.ics"),
    ("GET", "/api/events/{event_id}/live"),
    ("GET", "/api/health"),
    ("POST", "/api/events/{event_id}/reports"),
    ("POST", "/api/events/{event_id}/reports/file"),
    ("GET", "/api/events/{event_id}/reports"),
    ("GET", "/api/events/{event_id}/reports/{report_id}"),
    ("POST", "/api/events/{event_id}/reports/{report_id}/claims/{index}/review"),
    ("POST", "/api/events"),
    ("PATCH", "/api/events/{event_id}"),
    *(
        (method, f"/api/events/{{event_id}}/{section}{item}")
        for section in ("parties", "principals", "delegations", "spaces", "programme")
        for method, item in (("GET", ""), ("PUT", "/{item_id}"), ("DELETE", "/{item_id}"))
        if (method, section) != ("GET", "programme")
    ),
    ("GET", "/api/events/{event_id}/export"),
    ("GET", "/api/events/{event_id}/schedule/export"),
    ("GET", "/api/events/{event_id}/record/export"),
    ("GET", "/api/events/{event_id}/meetings/{meeting_id}/attendance"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/check-in"),
    ("POST", "/api/events/{event_id}/check-ins/scan"),
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/confirm"),
    ("POST", "/api/events/{event_id}/attendance/sweep"),
    ("GET", "/api/events/{event_id}/results"),
    ("GET", "/api/events/{event_id}/results.csv"),
    ("GET", "/api/me/messages"),
    ("PUT", "/api/me/messages"),
    ("GET", "/api/events/{event_id}/webhooks"),
    ("POST", "/api/events/{event_id}/webhooks"),
    ("DELETE", "/api/events/{event_id}/webhooks/{webhook_id}"),
    ("GET", "/api/events/{event_id}/webhooks/{webhook_id}/deliveries"),
]
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorPublic"}


def openapi(api: Lima) -> dict[str, Any]:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def test_openapi_lists_every_route(database: Database) -> None:
    api = lima_api(database, parties=())

    spec = openapi(api)

    listed = [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]
    assert sorted(listed) == sorted(ROUTES)


def test_openapi_documents_the_error_shape_of_every_api_route(database: Database) -> None:
    api = lima_api(database, parties=())

    spec = openapi(api)

    documented = {
        (method.upper(), path, status): ops[method]["responses"].get(status, {})
        for path, ops in spec["paths"].items()
        for method in ops
        for status in ("4XX", "503")
        if path != "/api/health"
    }
    assert {
        route: response["content"]["application/json"]["schema"]
        for route, response in documented.items()
    } == dict.fromkeys(documented, ERROR_SCHEMA)
    # A 503 (busy, or the database unavailable) says when to come back.
    assert {
        route: list(response["headers"])
        for route, response in documented.items()
        if route[2] == "503"
    } == {route: ["Retry-After"] for route in documented if route[2] == "503"}
    assert spec["components"]["schemas"]["ErrorDetail"]["required"] == ["code", "message", "field"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def error_responses(api: Lima) -> dict[str, Any]:
    """One response of each kind of refusal the API gives."""
    request = post_request(api, "RUS", "USA")
    api.client.post(
        url(f"/requests/{request['id']}/answers"),
        json={"answer": "decline"},
        headers=api.as_("USA"),
    )
    rus = api.as_("RUS")
    return {
        "unknown path": api.client.get("/api/nowhere"),
        "wrong method": api.client.delete(url("/requests")),
        "no token": api.client.post(url("/requests"), json={"invitees": ["USA"]}),
        "bad token": api.client.get(url("/audit"), headers={"Authorization": "Bearer x"}),
        "not organiser": api.client.post(url("/solves"), json={}, headers=rus),
        "hidden": api.client.get(url(f"/requests/{request['id']}"), headers=api.as_("JPN")),
        "closed": api.client.post(
            url(f"/requests/{request['id']}/answers"), json={"answer": "accept"}, headers=rus
        ),
        "bad json": api.client.post(
            url("/requests"),
            content=b"{",
            headers={**rus, "Content-Type": "application/json"},
        ),
        "bad path id": api.client.get(url("/requests/first"), headers=rus),
        "bad query": api.client.get(url("/requests?box=spam"), headers=rus),
        "unknown event": api.client.get("/api/events/apec-1989-canberra"),
    }


def test_every_error_response_is_json_with_code_message_and_field_only(
    database: Database,
) -> None:
    api = lima_api(database)

    responses = error_responses(api)

    assert {kind: (r.status_code, r.json()["error"]["code"]) for kind, r in responses.items()} == {
        "unknown path": (404, "not_found"),
        "wrong method": (405, "method_not_allowed"),
        "no token": (401, "unauthenticated"),
        "bad token": (401, "unauthenticated"),
        "not organiser": (403, "forbidden"),
        "hidden": (404, "not_found"),
        "closed": (409, "conflict"),
        "bad json": (422, "invalid"),
        "bad path id": (422, "invalid"),
        "bad query": (422, "invalid"),
        "unknown event": (404, "not_found"),
    }
    for kind, response in responses.items():
        assert response.headers["content-type"] == "application/json", kind
        assert list(response.json()) == ["error"], kind
        assert sorted(response.json()["error"]) == ["code", "field", "message"], kind
        assert "Traceback" not in response.text, kind
        assert ".py" not in response.text, kind
