"""Each API answer has exactly the fields its OpenAPI schema names, nested objects included: the
Public models are built from the services' views (``Model.model_validate(view)``), and a field
added to a view or renamed in one must show here, not silently in the JSON."""

from __future__ import annotations

from typing import Any

import pytest

from sidelines.storage.db import Database
from tests.web.helpers import answer, lima_api, post_request, solve_and_publish, url


def _resolved(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def mismatches(
    value: Any, schema: dict[str, Any], components: dict[str, Any], path: str = "$"
) -> list[str]:
    """Where ``value`` has other keys than its schema's properties, as JSON paths."""
    schema = _resolved(schema, components)
    if value is None:
        return []
    for option in schema.get("anyOf", []):
        option = _resolved(option, components)
        if option.get("type") != "null":
            return mismatches(value, option, components, path)
    if isinstance(value, list) and "items" in schema:
        found: list[str] = []
        for index, item in enumerate(value):
            found += mismatches(item, schema["items"], components, f"{path}[{index}]")
        return found
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        if sorted(value) != sorted(properties):
            return [f"{path}: {sorted(value)} != {sorted(properties)}"]
        found = []
        for key, item in value.items():
            found += mismatches(item, properties[key], components, f"{path}.{key}")
        return found
    return []


def answer_schema(spec: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    ok = spec["paths"][path][method]["responses"]
    success = ok.get("200") or ok["201"]
    schema: dict[str, Any] = success["content"]["application/json"]["schema"]
    return schema


@pytest.mark.slow
def test_the_answers_have_the_fields_of_their_schemas(database: Database) -> None:
    api = lima_api(database)
    spec = api.client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    asked = post_request(api, "RUS", "USA")
    assert answer(api, "USA", asked["id"], "accept")[0] == 200
    solve_and_publish(api)
    reads = {
        "/api/events/{event_id}": ("", api.as_("RUS")),
        "/api/events/{event_id}/programme": ("/programme", api.as_("RUS")),
        "/api/events/{event_id}/requests": ("/requests", api.as_("RUS")),
        "/api/events/{event_id}/requests/{request_id}": (
            f"/requests/{asked['id']}",
            api.as_("USA"),
        ),
        "/api/events/{event_id}/meetings": ("/meetings", api.as_("RUS")),
        "/api/events/{event_id}/schedule": ("/schedule", api.as_organiser),
        "/api/events/{event_id}/notices": ("/notices", api.as_("RUS")),
        "/api/events/{event_id}/audit": ("/audit", api.as_("USA")),
        "/api/events/{event_id}/results": ("/results", api.as_organiser),
    }

    found = {}
    for route, (path, headers) in reads.items():
        response = api.client.get(url(path), headers=headers)
        assert response.status_code == 200, (route, response.text)
        assert response.json(), route  # something to compare
        found[route] = mismatches(response.json(), answer_schema(spec, route), components)

    assert found == {route: [] for route in reads}
