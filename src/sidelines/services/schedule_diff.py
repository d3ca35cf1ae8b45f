"""What a new schedule version changes against the last one, computed once for both the preview
an organiser confirms and the change notices publishing sends, so that the two cannot differ.

A schedule is held as a snapshot: meeting id (as text) → ``[starts_at, ends_at, space_id]``,
instants as ISO 8601 in UTC (the form of ``ScheduleVersionRow.snapshot`` and of the notices'
``before``/``after``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sidelines.i18n import _, ngettext

Snapshot = dict[str, list[Any]]

# The notice kinds (``NoticeRow.kind``) of a change.
PLACED = "placed"
MOVED = "moved"
UNPLACED = "unplaced"


def stored(start: datetime, end: datetime, space_id: str | None) -> list[Any]:
    """A placement in its stored form: both instants in UTC, so that equal times compare equal
    as text whatever zone they were computed in."""
    return [start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat(), space_id]


@dataclass(frozen=True)
class Changed:
    """One meeting a new version changes, and how (``PLACED``, ``MOVED`` or ``UNPLACED``)."""

    meeting_id: int
    kind: str
    before: list[Any] | None
    after: list[Any] | None


def changes(before: Mapping[str, list[Any]], after: Mapping[str, list[Any]]) -> list[Changed]:
    """Every meeting whose placement differs between two snapshots, by meeting id."""
    keys = sorted((k for k in set(before) | set(after) if before.get(k) != after.get(k)), key=int)
    return [
        Changed(
            int(key),
            PLACED if key not in before else UNPLACED if key not in after else MOVED,
            before.get(key),
            after.get(key),
        )
        for key in keys
    ]


def projected(
    current: Mapping[str, list[Any]],
    movable: Mapping[int, int],
    assignments: Iterable[Mapping[str, Any]],
    keep_out: Collection[int] = (),
) -> Snapshot:
    """The snapshot publishing a solve would leave: ``current`` (the bookings as they stand)
    with every ``movable`` meeting (id → duration_min: the agreed and scheduled ones; held ones
    keep their bookings) where the solve's ``assignments`` put it, or unplaced where it left it
    out; but a meeting in ``keep_out`` stays as it stands. A meeting ends ``duration_min``
    after it starts, as ``bookings.book`` writes it."""
    durations = movable
    after = {
        key: value
        for key, value in current.items()
        if int(key) not in durations or int(key) in keep_out
    }
    for entry in assignments:
        meeting_id = int(entry["meeting_id"])
        if meeting_id not in durations or meeting_id in keep_out:
            continue
        start = datetime.fromisoformat(entry["starts_at"])
        end = start + timedelta(minutes=durations[meeting_id])
        after[str(meeting_id)] = stored(start, end, entry["space_id"])
    return after


def summary(counts: Mapping[str, int]) -> str:
    """The totals an organiser confirms before publishing, in words."""
    totals = _("%(added)d added, %(moved)d moved, %(left_out)d left out") % {
        "added": counts["added"],
        "moved": counts["moved"],
        "left_out": counts["left_out"],
    }
    told = counts["delegations"]
    notices = ngettext("notices to %(num)d delegation", "notices to %(num)d delegations", told) % {
        "num": told
    }
    return f"{totals}, {notices}"


def digest(run_id: int, version: int, changed: Iterable[Changed], keep_out: Collection[int]) -> str:
    """A short fingerprint of exactly what publishing would change. The client sends back the
    one it was shown; any difference (another version published meanwhile, a meeting agreed or
    cancelled, another choice of moves kept out) gives another fingerprint."""
    data = {
        "run": run_id,
        "version": version,
        "keep_out": sorted(keep_out),
        "changes": [[c.meeting_id, c.kind, c.before, c.after] for c in changed],
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
