"""Which language pairs a meeting needs interpreters for."""

from sidelines.domain.interpretation import needs_interpretation, sorted_pairs
from tests.builders import principal


def test_two_principals_without_a_common_language_need_their_main_languages() -> None:
    putin = principal("putin", languages=("ru",))
    obama = principal("obama", languages=("en",))

    assert needs_interpretation([putin, obama]) == {frozenset({"ru", "en"})}


def test_a_shared_working_language_needs_no_interpreter() -> None:
    trudeau = principal("trudeau", languages=("en", "fr"))
    kerry = principal("kerry", languages=("fr",))

    assert needs_interpretation([trudeau, kerry]) == frozenset()


def test_a_trilateral_needs_a_pair_for_each_two_without_a_common_language() -> None:
    principals = [
        principal("putin", languages=("ru",)),
        principal("obama", languages=("en",)),
        principal("abe", languages=("ja",)),
        principal("lee", languages=("en", "zh")),
    ]

    assert sorted_pairs(needs_interpretation(principals)) == [
        ("en", "ja"),
        ("en", "ru"),
        ("ja", "ru"),
    ]


def test_unknown_languages_are_left_to_the_organiser() -> None:
    assert needs_interpretation([principal("a"), principal("b", languages=("en",))]) == frozenset()
