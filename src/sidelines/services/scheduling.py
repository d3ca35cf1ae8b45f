"""What the web layer reads of scheduling, by the names it has always used.

Scheduling is split by use case: the problem from the database (``event_problem``), batch
solves and publishing (``solves``), schedule versions and change notices
(``schedule_versions``), booking a re-plan (``replans``) and placing an agreed meeting
(``placing``). Everything else imports those; the routes and pages (and
``benchmarks/api_load.py``) still import from here until they are moved over.
"""

from __future__ import annotations

from sidelines.services.placing import AlternativeView, MovedView, PlacementView
from sidelines.services.schedule_versions import (
    Entry,
    ScheduleView,
    notices,
    schedule,
    versions_count,
)
from sidelines.services.solves import SolveRunView, get_run, publish, start_solve, wait_for_run

__all__ = [
    "AlternativeView",
    "Entry",
    "MovedView",
    "PlacementView",
    "ScheduleView",
    "SolveRunView",
    "get_run",
    "notices",
    "publish",
    "schedule",
    "start_solve",
    "versions_count",
    "wait_for_run",
]
