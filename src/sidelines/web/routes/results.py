"""The results report: per delegation, and across delegations for the organiser."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sidelines.services import results
from sidelines.services.clock import now
from sidelines.services.results import ResultsView
from sidelines.web.attendance_schemas import (
    DelegationResultPublic,
    LeftOutPublic,
    ResultsPublic,
)
from sidelines.web.deps import DbDep, UserDep

router = APIRouter(prefix="/api/events/{event_id}", tags=["results"])


def results_public(view: ResultsView) -> ResultsPublic:
    return ResultsPublic(
        event_id=view.event_id,
        viewer=view.viewer,
        lines=[
            DelegationResultPublic(
                party=line.party,
                name=line.name,
                requested=line.requested,
                received=line.received,
                accepted=line.accepted,
                agreed=line.agreed,
                placed=line.placed,
                held=line.held,
                no_show_absent=line.no_show_absent,
                no_show_other=line.no_show_other,
                left_out=[
                    LeftOutPublic(meeting_id=item.meeting_id, label=item.label, reason=item.reason)
                    for item in line.left_out
                ],
                share_placed=line.share,
                priority_asked=line.priority_asked,
                priority_met=line.priority_met,
            )
            for line in view.lines
        ],
        least_served=[line.party for line in view.least_served],
    )


@router.get("/results")
def get_results(event_id: str, db: DbDep, actor: UserDep) -> ResultsPublic:
    """A delegation's own line; the organiser's every line, with fairness."""
    return results_public(results.results(db, actor, event_id, at=now()))


@router.get("/results.csv", response_class=Response)
def get_results_csv(event_id: str, db: DbDep, actor: UserDep) -> Response:
    view = results.results(db, actor, event_id, at=now())
    return Response(
        results.as_csv(view),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{event_id}.csv"'},
    )
