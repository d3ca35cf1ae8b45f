"""The catalogs and their sources: extraction of every marked text from the package (Python and
templates), and the update of the template (``messages.pot``) and of each language's ``.po``.

``python -m sidelines.i18n.catalog`` (``scripts/translations``) runs both after texts changed;
the tests extract again and fail while a text is not in the catalogs or not translated.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from sidelines.i18n import DEFAULT as SOURCE
from sidelines.i18n import DOMAIN, LANGUAGES, LOCALES

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / f"{DOMAIN}.pot"
METHODS = [
    # The table of words for machine values is marked; the machinery itself passes texts
    # through, it marks none.
    ("i18n/words.py", "python"),
    ("i18n/**.py", "ignore"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    # The services' error messages, written out at each raise (sidelines.i18n.service_texts).
    ("services/**.py", "sidelines.i18n.service_texts:extract"),
    # ... and those the services pass on: the domain's errors, the rules' sentences.
    ("domain/**.py", "sidelines.i18n.service_texts:extract"),
    ("formats/**.py", "sidelines.i18n.service_texts:extract"),
    ("scheduling/rules/**.py", "sidelines.i18n.service_texts:extract"),
    ("scheduling/validator.py", "sidelines.i18n.service_texts:extract"),
    # ... and the engine's sentences the pages show: why a meeting is left out, the facts that
    # keep it from each time.
    ("scheduling/reasons.py", "sidelines.i18n.service_texts:extract"),
    ("scheduling/explanations.py", "sidelines.i18n.service_texts:extract"),
    # ... and the ways the engine offers to hold a meeting that fits nowhere as agreed.
    ("scheduling/onsite/alternatives.py", "sidelines.i18n.service_texts:extract"),
    ("scheduling/onsite/replan.py", "sidelines.i18n.service_texts:extract"),
    # ... and those the pages raise themselves.
    ("web/**.py", "sidelines.i18n.service_texts:extract"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
}
# A fixed date keeps the files unchanged when their texts are.
FIXED = datetime(2026, 12, 5, tzinfo=UTC)


def extract() -> Catalog:
    """Every text marked in the package, with where it is used."""
    catalog = Catalog(project="Sidelines", creation_date=FIXED, fuzzy=False)
    for path, line, message, comments, context in extract_from_dir(
        str(PACKAGE), METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(path, line)], auto_comments=comments, context=context)
    return catalog


def read(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        return read_po(source, locale=language)


def _write(catalog: Catalog, path: Path) -> None:
    out = io.BytesIO()
    # Sorted, without places in the sources: a text moved in a template changes no catalog, and
    # two changes that add texts merge unless they add neighbouring ones.
    write_po(out, catalog, width=100, sort_output=True, no_location=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def _describe(catalog: Catalog) -> None:
    catalog.project = "Sidelines"
    catalog.version = ""
    catalog.copyright_holder = "the Sidelines authors"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "the Sidelines authors"
    catalog.language_team = "the Sidelines authors"


def update(languages: Iterable[str] = LANGUAGES) -> list[str]:
    """Write the template and bring each language's catalog in line with it: new texts are
    added untranslated, texts no longer used are dropped. Returns the texts each catalog
    still lacks, as ``lang: msgid``."""
    template = extract()
    _describe(template)
    _write(template, TEMPLATE)
    missing = []
    for language in languages:
        path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        catalog = read(language) if path.exists() else Catalog(locale=language, fuzzy=False)
        # A copy each: an update shares the template's messages with the catalog.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if language == SOURCE:
            # The texts are written in English: its catalog says each as it stands.
            for message in catalog:
                if message.id and not _complete(message.string):
                    message.string = message.id
        catalog.revision_date = FIXED
        catalog.creation_date = FIXED
        _describe(catalog)
        _write(catalog, path)
        missing += [f"{language}: {m.id!r}" for m in catalog if m.id and not _complete(m.string)]
    return missing


def _complete(string: object) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


if __name__ == "__main__":
    import sys

    untranslated = update()
    sys.stdout.write("".join(f"untranslated {line}\n" for line in untranslated))
