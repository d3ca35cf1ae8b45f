"""The catalogs say every text of the package, and Russian says each one: a text added to a
template or a page without a translation fails here (``scripts/translations`` adds it)."""

from __future__ import annotations

from babel.messages.catalog import Catalog, Message

from sidelines import i18n
from sidelines.i18n.catalog import TEMPLATE, extract, read


def _ids(catalog: Catalog) -> set[tuple[str | None, object]]:
    return {(m.context, m.id) for m in catalog if m.id}


def _said(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return all(strings)


def test_the_catalogs_hold_exactly_the_texts_of_the_sources() -> None:
    sources = _ids(extract())

    with TEMPLATE.open("rb") as template:
        from babel.messages.pofile import read_po

        assert _ids(read_po(template)) == sources
    for language in i18n.LANGUAGES:
        assert _ids(read(language)) == sources, language


def test_every_text_has_its_russian_with_every_plural_form() -> None:
    russian = read("ru")

    untranslated = [m.id for m in russian if m.id and (not _said(m) or m.fuzzy)]

    assert untranslated == []
    assert russian.num_plurals == 3
    plurals = [m for m in russian if isinstance(m.id, tuple)]
    assert plurals
    assert all(len(m.string) == 3 for m in plurals)


def test_translations_keep_the_placeholders_of_their_texts() -> None:
    for language in i18n.LANGUAGES:
        problems = [(m.id, [str(e) for e in errors]) for m, errors in read(language).check()]
        assert problems == [], language
