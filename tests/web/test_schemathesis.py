"""The API against its own OpenAPI document, with requests schemathesis generates from it.

Every operation the document lists is called as every role (the public, the organiser, a side of
the pair's objects, a third delegation), on the world of the authorisation matrix: half the
time with the path naming the pair's real objects, so that calls reach past the lookup, half the
time with whatever the schema allows. No answer may be a server error, break the document
(status, content type, headers, body schema) or carry a stack trace, and a refusal (4xx) may
write nothing.

A run is kept small for CI (``EXAMPLES`` per operation and database); set
``SIDELINES_SCHEMATHESIS_EXAMPLES`` for a longer one.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.case import Case

from sidelines.storage.db import Database
from sidelines.storage.tables import (
    CalendarFeedRow,
    ContactRow,
    EncounterRow,
    EventRow,
    HistoricalMeetingRow,
    InterestRow,
    MessagePreferenceRow,
    OnsiteChangeRow,
    OutcomeRow,
    PartyRow,
    PrincipalRow,
    ProposalRow,
    ReportUploadRow,
    RequestRow,
    SpaceRow,
    StatementRow,
    StatementSignatureRow,
    WebhookRow,
)
from tests.web.helpers import Lima, lima_api, row_counts
from tests.web.test_authorization_matrix import (
    PAIR,
    PATH_PARAMETERS,
    ROLES,
    THIRD,
    TRACE,
    World,
    wait_for_solves,
)
from tests.web.test_authorization_matrix import build_world as build_pair_world

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("SIDELINES_SCHEMATHESIS_EXAMPLES", "10"))
# Not ``positive_data_acceptance``: a body the schema allows may still break a rule of the
# domain (a window that ends before it starts) and is then rightly refused with 422.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# What a refused request must leave as it was: every table a request writes to but those a
# solve started by an earlier call may write to meanwhile, in its own thread (runs, schedule
# versions, bookings, notices, the audit trail).
UNTOUCHED_BY_REFUSALS = (
    CalendarFeedRow,
    ContactRow,
    EncounterRow,
    EventRow,
    HistoricalMeetingRow,
    InterestRow,
    MessagePreferenceRow,
    OnsiteChangeRow,
    OutcomeRow,
    PartyRow,
    PrincipalRow,
    ProposalRow,
    ReportUploadRow,
    RequestRow,
    SpaceRow,
    StatementRow,
    StatementSignatureRow,
    WebhookRow,
)


def headers_of(api: Lima, role: str) -> dict[str, str]:
    if role == "public":
        return {}
    return api.as_organiser if role == "organiser" else api.as_(role)


def name_real_objects(case: Case, world: World) -> None:
    for name in list(case.path_parameters or {}):
        if name in PATH_PARAMETERS:
            case.path_parameters[name] = PATH_PARAMETERS[name][0](world)


def test_every_operation_conforms_to_the_document_as_every_role(database: Database) -> None:
    api = lima_api(database, parties=(*PAIR, THIRD))
    world = build_pair_world(api)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    failures: dict[str, BaseException] = {}
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        content = operation.definition.raw.get("responses", {}).get("200", {}).get("content", {})
        if "text/event-stream" in content:
            continue  # a stream never ends; tests/web/test_live.py serves it for real

        # Generation only, no shrinking: a failure is reported as found, which keeps CI short.
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), role=st.sampled_from(ROLES), real=st.booleans())
        def conforms(case: Case, role: str, real: bool) -> None:
            if real:
                name_real_objects(case, world)
            before = row_counts(database, *UNTOUCHED_BY_REFUSALS)
            response = case.call(headers=headers_of(api, role))
            assert not TRACE.search(response.text), response.text
            case.validate_response(response, checks=CHECKS)
            if 400 <= response.status_code < 500:
                assert row_counts(database, *UNTOUCHED_BY_REFUSALS) == before, response.text

        try:
            conforms()
        except (AssertionError, BaseExceptionGroup) as failure:
            failures[operation.label] = failure
        tested += 1

    wait_for_solves(api, world, started_later=EXAMPLES)
    assert tested >= 40
    assert failures == {}
