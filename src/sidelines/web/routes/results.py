"""The results report: per delegation, and across delegations for the organiser."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sidelines.services import results
from sidelines.services.clock import now
from sidelines.web.attendance_schemas import (
    ResultsPublic,
)
from sidelines.web.deps import DbDep, UserDep

router = APIRouter(prefix="/api/events/{event_id}", tags=["results"])


@router.get("/results")
def get_results(event_id: str, db: DbDep, actor: UserDep) -> ResultsPublic:
    """A delegation's own line; the organiser's every line, with fairness."""
    return ResultsPublic.model_validate(results.results(db, actor, event_id, at=now()))


@router.get("/results.csv", response_class=Response)
def get_results_csv(event_id: str, db: DbDep, actor: UserDep) -> Response:
    view = results.results(db, actor, event_id, at=now())
    return Response(
        results.as_csv(view),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{event_id}.csv"'},
    )
