"""Levels, seniority order, and the principal who attends for a side."""

from datetime import date

import pytest

from sidelines.domain import DomainError, PrincipalId, Rank
from sidelines.domain.attendance import Attendance, Level, attending, by_seniority, leading
from tests.builders import principal

PUTIN = principal("putin", rank=Rank.HEAD_OF_STATE, in_office_since=date(2012, 5, 7))
OBAMA = principal("obama", rank=Rank.HEAD_OF_STATE, in_office_since=date(2009, 1, 20))
ABE = principal("abe", rank=Rank.HEAD_OF_GOVERNMENT, in_office_since=date(2012, 12, 26))
LAVROV = principal(
    "lavrov",
    rank=Rank.MINISTER,
    title="Minister of Foreign Affairs",
    in_office_since=date(2004, 3, 9),
)
ORESHKIN = principal("oreshkin", rank=Rank.MINISTER, title="Minister of Economic Development")


def test_seniority_is_rank_then_the_longest_in_office() -> None:
    assert [p.id for p in by_seniority([LAVROV, ABE, PUTIN, OBAMA])] == [
        "obama",
        "putin",
        "abe",
        "lavrov",
    ]


def test_a_level_is_met_by_the_most_senior_principal_at_it() -> None:
    side = [ORESHKIN, LAVROV, PUTIN]

    leader = attending(Attendance(level=Level.HEAD_OF_STATE_OR_GOVERNMENT), side)
    foreign = attending(Attendance(level=Level.MINISTER_FOR_FOREIGN_AFFAIRS), side)
    minister = attending(Attendance(level=Level.MINISTER), side)

    assert (leader.id, foreign.id, minister.id) == ("putin", "lavrov", "lavrov")


def test_a_level_nobody_of_the_side_has_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        attending(Attendance(level=Level.MINISTER_FOR_FOREIGN_AFFAIRS), [PUTIN, ORESHKIN])

    assert (caught.value.path, caught.value.message) == (
        "level",
        "no principal of this side is at the level minister for foreign affairs",
    )


def test_a_principal_of_another_side_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        attending(Attendance(principal=PrincipalId("obama")), [PUTIN, LAVROV])

    assert caught.value.path == "principal"


def test_an_attendance_names_a_principal_or_a_level() -> None:
    with pytest.raises(DomainError):
        Attendance()
    with pytest.raises(DomainError):
        Attendance(principal=PrincipalId("putin"), level=Level.MINISTER)
    assert Attendance(principal=PrincipalId("putin"), plus=2).size == 3


def test_a_side_without_principals_has_no_leader() -> None:
    assert leading([]) is None
