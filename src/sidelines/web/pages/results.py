"""The results report as a page with charts drawn on the server, and as CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sidelines.services import results
from sidelines.services.clock import now
from sidelines.web.deps import DbDep
from sidelines.web.pages.charts import Bar, bar_chart
from sidelines.web.pages.context import event_of
from sidelines.web.pages.session import PageUser
from sidelines.web.pages.templating import render, templates

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)

# The template names the bars, so that their labels go through gettext like every text.
templates.env.globals.update(bar_chart=bar_chart, Bar=Bar)


@router.get("/results", response_class=HTMLResponse)
def results_page(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    view = results.results(db, actor, event_id, at=now())
    return render(request, "results.html", {"event": event_of(db, event_id), "view": view})


@router.get("/results.csv", response_class=Response)
def results_csv(event_id: str, db: DbDep, actor: PageUser) -> Response:
    view = results.results(db, actor, event_id, at=now())
    return Response(
        results.as_csv(view),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{event_id}.csv"'},
    )
