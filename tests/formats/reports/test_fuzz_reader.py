"""Any text is read without an error, and every span lies within the text read."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidelines.formats.reports import Report, ReportReader, default_gazetteer

READER = ReportReader(default_gazetteer())
WORDS = [
    "Putin", "Obama", "Трамп", "Путина", "met", "встретились", "briefly", "31 February",
    "29 февраля 2017", "in September", "on Sunday", "в субботу", "retreat", "dinner", "ужине",
    "Reuters", "РИА", "said", "заявил", "the two presidents", "оба лидера", "last met",
    "Hangzhou", "G20", "АТЭС", "Lima", "cancelled", "не планируется", "U.S.", ".", ",", "\n",
    "(", "«", "»", "for 90 minutes", "полтора часа", "Peskov", "Kremlin", "Кремле",
]  # fmt: skip


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=60),
    published=st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31)),
    html=st.booleans(),
)
def test_any_text_is_read_and_spans_stay_inside_it(
    words: list[str], published: date, html: bool
) -> None:
    report = Report(" ".join(words), published, "Wire", "text/html" if html else "text/plain")

    reading = READER.read(report)

    spans = [s for m in reading.meetings for s in m.spans]
    spans += [s for h in reading.history for s in h.spans]
    assert all(0 <= s.start < s.end <= len(reading.text) for s in spans)
    assert all(0.0 <= m.confidence <= 1.0 for m in reading.meetings)
