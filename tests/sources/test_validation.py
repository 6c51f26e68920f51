"""The field rules on their own, at their edges."""

import pytest

from familyview.sources import validation as v


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9434765919", True),
        ("4010232137", True),
        ("9434765918", False),  # wrong check digit
        ("9434765870", True),  # remainder 0: check digit 0 (11 - 0 = 11 -> 0)
        ("1000000010", False),  # a check digit of 10 is never valid
        ("943476591", False),
        ("94347659190", False),
        ("943476591X", False),
    ],
)
def test_nhs_number_modulus_11(number, valid):
    assert v.nhs_number_is_valid(number) is valid


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sk13xe", "SK1 3XE"),
        (" M1  1AE ", "M1 1AE"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A0AX", "W1A 0AX"),
    ],
)
def test_postcodes_are_normalised(value, expected):
    assert v.postcode(value) == expected


@pytest.mark.parametrize("value", ["0161 496 0123", "+44 (0)161 496 0123", "07700-900123"])
def test_phone_numbers_as_people_write_them(value):
    assert v.phone(value) == value


@pytest.mark.parametrize("value", ["12345", "call me", "0161 496 0123 ext 4", "1" * 16])
def test_not_phone_numbers(value):
    with pytest.raises(v.FieldError):
        v.phone(value)


def test_the_record_kinds_check_exactly_the_canonical_columns():
    from datetime import date

    from familyview.sources.mapping import Mapping
    from familyview.sources.records import (
        INVOLVEMENT_COLUMNS,
        PEOPLE_COLUMNS,
        RELATIONSHIP_COLUMNS,
        record_kinds,
    )

    kinds = record_kinds(Mapping(name="canonical"), date(2026, 11, 27), frozenset({"gp"}))
    assert tuple(c.name for c in kinds["people"].columns) == PEOPLE_COLUMNS
    assert tuple(c.name for c in kinds["involvements"].columns) == INVOLVEMENT_COLUMNS
    assert tuple(c.name for c in kinds["relationships"].columns) == RELATIONSHIP_COLUMNS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Current", "current"),
        ("HISTORIC", "historic"),
        ("Not Specified", "not_recorded"),
        ("unknown", "not_recorded"),
        ("not_recorded", "not_recorded"),
    ],
)
def test_involvement_statuses(value, expected):
    assert v.status(value) == expected


def test_open_is_not_a_status():
    with pytest.raises(v.FieldError, match="'open' is not a known status") as e:
        v.status("open")
    # The statuses, and the words taken for "not recorded", so a value map can be written.
    assert "(current, historic, not_recorded)" in str(e.value)
    assert "not specified" in str(e.value) and "value map" in str(e.value)


def test_a_flag_that_is_neither_lists_the_words_for_each():
    with pytest.raises(v.FieldError) as e:
        v.flag("maybe")
    assert (
        str(e.value)
        == "'maybe' is not true or false (true: 1, true, y, yes; false: 0, false, n, no)"
    )


@pytest.mark.parametrize(
    ("rule", "value", "choices"),
    [
        (v.sex, "F", "(female, male, other, unknown)"),
        (v.relationship_type, "mum", "parent"),
    ],
)
def test_a_value_outside_a_list_is_refused_listing_the_list(rule, value, choices):
    with pytest.raises(v.FieldError, match=f"'{value}' is not a known") as e:
        rule(value)
    assert choices in str(e.value)


def test_a_date_not_in_a_format_says_the_formats_expected():
    with pytest.raises(v.FieldError) as e:
        v.DateParser(("%d/%m/%Y",)).parse("15.10.2022")
    assert (
        str(e.value)
        == "'15.10.2022' is not a real date (expected DD/MM/YYYY, with or without a time)"
    )


@pytest.mark.parametrize(
    ("value", "formats", "expected"),
    [
        ("2022-10-15 00:00:00", (), "2022-10-15"),
        ("2022-10-15T09:30:00Z", (), "2022-10-15"),
        ("15/10/2022 00:00", ("%d/%m/%Y",), "2022-10-15"),
        ("2022-10-15", ("%d/%m/%Y", "%Y-%m-%d"), "2022-10-15"),
    ],
)
def test_date_times_where_a_date_is_expected(value, formats, expected):
    assert v.DateParser(formats).parse(value).isoformat() == expected


def test_a_date_with_something_else_after_it_is_not_a_date():
    with pytest.raises(v.FieldError, match=r"expected YYYY-MM-DD, with or without a time"):
        v.DateParser().parse("2022-10-15 tomorrow")
