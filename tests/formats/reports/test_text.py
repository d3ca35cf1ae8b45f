"""A report's text: sentences cut where they end, not after "U.S." or an initial."""

from __future__ import annotations

import pytest

from sidelines.formats.errors import InputError
from sidelines.formats.reports.text import html_to_text, pdf_to_text, plain, sentences
from tests.formats.reports.pdfs import one_line_pdf


def test_sentences_do_not_end_after_abbreviations_or_initials() -> None:
    text = "The U.S. President met V. Putin. They spoke briefly.\n«Да», — сказал он. Всё."

    found = [s.text for s in sentences(text)]

    assert found == [
        "The U.S. President met V. Putin.",
        "They spoke briefly.",
        "«Да», — сказал он.",
        "Всё.",
    ]


def test_sentence_offsets_point_into_the_text() -> None:
    text = "First one. Second one.\nThird."

    assert [(text[s.start : s.end], s.paragraph) for s in sentences(text)] == [
        ("First one.", 0),
        ("Second one.", 0),
        ("Third.", 1),
    ]


def test_plain_keeps_the_length_of_the_text() -> None:
    text = "“Quoted” and Putin’s"

    assert plain(text) == '"Quoted" and Putin\'s'
    assert len(plain(text)) == len(text)


def test_html_keeps_blocks_as_lines_and_drops_scripts() -> None:
    html = "<p>One&nbsp;line</p><style>p {}</style><div>Two<br>Three</div>"

    assert html_to_text(html) == "One line\nTwo\nThree"


def test_pdf_gives_its_text_layer() -> None:
    assert pdf_to_text(one_line_pdf("Putin and Obama spoke briefly (Lima).")) == (
        "Putin and Obama spoke briefly (Lima)."
    )


def test_a_file_that_is_not_a_pdf_is_refused() -> None:
    with pytest.raises(InputError) as refused:
        pdf_to_text(b"<html>no</html>", "wire.pdf")

    assert refused.value.file == "wire.pdf"


def test_a_sentence_does_not_end_after_an_abbreviated_month() -> None:
    found = [s.text for s in sentences("Biden and Xi met on Nov. 15 in Woodside. They spoke.")]

    assert found == ["Biden and Xi met on Nov. 15 in Woodside.", "They spoke."]


def test_a_sentence_does_not_end_at_a_time_before_its_zone() -> None:
    text = "They met at 8 p.m. GMT (3 p.m. local time). They spoke at 9 a.m. US aides said so."

    assert [s.text for s in sentences(text)] == [
        "They met at 8 p.m. GMT (3 p.m. local time).",
        "They spoke at 9 a.m.",
        "US aides said so.",
    ]
