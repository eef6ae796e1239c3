"""Demo ID numbers are valid PRC resident ID numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from demo.idcard import (
    REGION_CODES,
    birth_date_of,
    check_character,
    is_valid_id_number,
    make_id_number,
)


def test_check_character_matches_the_standards_examples() -> None:
    # GB 11643-1999's own examples.
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("440524188001010014")


def test_made_numbers_are_valid_and_carry_birthday_and_sex() -> None:
    rng = random.Random(3)
    for i in range(500):
        birthday = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
        number = make_id_number(rng, birthday, male=i % 2 == 0)
        assert is_valid_id_number(number)
        assert number[:6] in REGION_CODES
        assert birth_date_of(number) == birthday
        assert int(number[16]) % 2 == (1 if i % 2 == 0 else 0)


def test_one_wrong_digit_is_caught() -> None:
    number = "11010519491231002X"
    assert not is_valid_id_number("11010519491231003X")
    assert not is_valid_id_number(number[:-1] + "1")
    assert not is_valid_id_number("11010519491331002X")  # month 13
    assert not is_valid_id_number(number[:-1])


def test_the_demo_never_hands_out_one_id_number_twice() -> None:
    """The importer refuses one ID number for two clients, so a repeat is drawn again."""
    import random
    from datetime import date

    from demo.clients import People
    from demo.idcard import is_valid_id_number

    people = People(random.Random(1))
    born = date(1980, 5, 17)
    first = people.id_number(random.Random(7), born, male=True)
    second = people.id_number(random.Random(7), born, male=True)  # same draws: a repeat
    assert first != second
    assert is_valid_id_number(first) and is_valid_id_number(second)
