"""The linkage model's postcode comparison on postcodes as features keep them ('SK13XE')."""

import duckdb
import pytest

from familyview.identity.features import postcode_key, postcode_letters
from familyview.identity.model import _postcode


def level(a: str | None, b: str | None) -> str:
    """The label of the first level whose condition holds for postcodes a and b."""
    levels = _postcode().get_comparison("duckdb").as_dict()["comparison_levels"]
    con = duckdb.connect()
    for lv in levels:
        if lv["sql_condition"] == "ELSE":
            return lv["label_for_charts"]
        sql = (
            f"SELECT coalesce(({lv['sql_condition']}), false) "
            "FROM (SELECT ? AS postcode_l, ? AS postcode_r, "
            "? AS postcode_letters_l, ? AS postcode_letters_r)"
        )
        ka, kb = a and postcode_key(a), b and postcode_key(b)
        if con.execute(sql, [ka, kb, postcode_letters(ka), postcode_letters(kb)]).fetchone()[0]:
            return lv["label_for_charts"]
    raise AssertionError("no level")


TYPO = "Postcodes one character apart, or two characters swapped (a typo)"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("SK1 3XE", "sk13xe", "Exact match on full postcode"),
        ("SK1 3XE", "SK1 3AB", "Exact match on sector"),
        ("SK1 3XE", "SK1 4AB", "Exact match on district"),
        ("M1 1AA", "M1 2BB", "Exact match on district"),
        ("SK1 3XE", "SK13 3XE", "Exact match on area"),
        ("SK1 3XE", "SK4 3XE", "Exact match on area"),
        ("SK1 3XE", "M1 1AA", "All other comparisons"),
        # Another country's postcode: the same, mistyped, or another.
        ("3084", "3084", "Exact match on full postcode"),
        ("3084", "3048", TYPO),
        ("2089", "2080", TYPO),
        ("1012 AB", "1012 AC", TYPO),
        ("3084", "4803", "All other comparisons"),
        ("2089", "3150", "All other comparisons"),
        ("SK1 3XE", None, "postcode is NULL"),
    ],
)
def test_postcode_levels(a, b, expected):
    assert level(a, b) == expected
