"""The event's setup read item by item: as many SQL statements for three items as for one,
for every role and section (the pattern of ``test_list_statements_count.py``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sidelines.services import event_setup
from sidelines.storage.db import Database
from tests import builders
from tests.services.test_list_statements_count import by_size, guests
from tests.services.world import make_world

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("section", ["parties", "principals", "delegations", "spaces"])
@pytest.mark.parametrize("role", ["organiser", "delegation"])
def test_a_section_costs_no_more_statements_for_three_items_than_for_one(
    database: Database, section: str, role: str
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        spaces = [builders.table(f"T{i}") for i in range(size)]
        world = make_world(database, event_id, guests(size), spaces=spaces)
        actor = world.organiser if role == "organiser" else world.delegates["G0"]
        items = event_setup.list_section(database, actor, event_id, section)
        # One principal per party; the small world's event has no delegations to list.
        assert len(items) == (0 if section == "delegations" else size)
        return lambda: event_setup.list_section(database, actor, event_id, section)

    one, three = by_size(database, build)

    assert three == one
