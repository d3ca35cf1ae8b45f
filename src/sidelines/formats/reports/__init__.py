"""Press reports read into proposed claims: who met, how, when, who confirmed it, the sources.

The reader is pure and offline: plain text or HTML in, claims with their spans and a confidence
out, read against a gazetteer of the event's parties, principals, spokespeople and programme.
"""

from sidelines.formats.reports.claims import (
    Confirmer,
    HistoryClaim,
    MeetingClaim,
    Modality,
    Note,
    PartialDate,
    Precision,
    Reading,
    Report,
    Span,
)
from sidelines.formats.reports.gazetteer import Gazetteer, default_gazetteer, load_gazetteer
from sidelines.formats.reports.reader import ReportReader

__all__ = [
    "Confirmer",
    "Gazetteer",
    "HistoryClaim",
    "MeetingClaim",
    "Modality",
    "Note",
    "PartialDate",
    "Precision",
    "Reading",
    "Report",
    "ReportReader",
    "Span",
    "default_gazetteer",
    "load_gazetteer",
]
