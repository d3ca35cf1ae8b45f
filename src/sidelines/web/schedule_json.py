"""The schedule read's JSON, each entry rendered once per process.

The organiser polls the whole schedule and places a meeting between two polls, so the schedule
is rarely the same twice, while all of it but a meeting or two is: validating and dumping 600
entries anew was most of a read's CPU once its rows were kept (``services/published_entries``).
An entry is a frozen value, so its JSON is kept by the entry itself, and the answer is the
schedule's own fields with the kept entries joined in; ``SchedulePublic`` stays its shape.
"""

from __future__ import annotations

from sidelines.services.published_entries import Entry
from sidelines.services.schedule_versions import ScheduleView
from sidelines.web.schemas import EntryPublic, SchedulePublic

_entry_json: dict[Entry, bytes] = {}
# About 130 bytes an entry: some 13 MB at most per process before it starts again.
_ENTRIES_KEPT = 100_000
# How ``SchedulePublic`` dumps an empty list of entries, the end of its JSON.
_NO_ENTRIES = b"[]}"


def schedule_json(view: ScheduleView) -> bytes:
    """``SchedulePublic.model_validate(view).model_dump_json()``, byte for byte."""
    head = SchedulePublic(version=view.version, published_at=view.published_at, entries=[])
    empty = head.model_dump_json().encode()
    assert empty.endswith(_NO_ENTRIES), "the entries are SchedulePublic's last field"
    if len(_entry_json) + len(view.entries) > _ENTRIES_KEPT:
        _entry_json.clear()
    parts = []
    for entry in view.entries:
        part = _entry_json.get(entry)
        if part is None:
            part = _entry_json[entry] = EntryPublic.model_validate(entry).model_dump_json().encode()
        parts.append(part)
    return b"".join((empty[: -len(_NO_ENTRIES)], b"[", b",".join(parts), b"]}"))
