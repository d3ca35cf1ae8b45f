"""What the API of uploaded press reports reads and writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from sidelines.web.schemas import Public, Strict


class ReportCreate(Strict):
    text: str = Field(min_length=1, max_length=200_000)
    published_on: date
    source: str = Field(min_length=1, max_length=200)
    media_type: Literal["text/plain", "text/html"] = "text/plain"


class ClaimPublic(Public):
    index: int
    kind: str  # meeting | history
    state: str  # proposed | merged | dropped
    confidence: float
    spans: list[tuple[int, int]]  # [start, end) offsets into the report's text
    fields: dict[str, Any]
    merged: dict[str, Any]  # what it became in the record: encounter_id, statement_id…


class ReportPublic(Public):
    id: int
    event_id: str
    owner_party: str | None
    source: str
    published_on: date
    language: str
    text: str
    uploaded_at: datetime
    claims: list[ClaimPublic]


class ClaimReview(Strict):
    action: Literal["accept", "drop"]
    corrections: dict[str, Any] = Field(default_factory=dict, max_length=20)
