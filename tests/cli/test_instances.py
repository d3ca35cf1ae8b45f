"""Opening an instance file for a command."""

from __future__ import annotations

import gc
from pathlib import Path

from sidelines.cli.instances import open_instance

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_opening_an_event_hands_what_was_read_to_the_permanent_generation() -> None:
    # The event and its compiled problem live as long as the command: the collector's full
    # passes during the solve should not walk them again and again.
    gc.unfreeze()

    opened = open_instance(EXAMPLES / "b2b-forum.yaml")

    assert gc.get_freeze_count() > len(opened.problem.meetings)
