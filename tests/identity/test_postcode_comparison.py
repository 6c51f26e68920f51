"""The linkage model's postcode levels (of where a person lives) on postcodes as features
keep them ('SK13XE')."""

import duckdb
import pytest

from familyview.identity.features import postcode_key, postcode_letters, postcode_parts
from familyview.identity.model import _address


def level(a: str | None, b: str | None) -> str:
    """The label of the first level whose condition holds for postcodes a and b."""
    levels = _address().get_comparison("duckdb").as_dict()["comparison_levels"]
    con = duckdb.connect()
    for lv in levels:
        if lv["sql_condition"] == "ELSE":
            return lv["label_for_charts"]
        sql = (
            f"SELECT coalesce(({lv['sql_condition']}), false) "
            "FROM (SELECT ? AS postcode_l, ? AS postcode_r, "
            "? AS postcode_letters_l, ? AS postcode_letters_r, "
            "? AS postcode_sector_l, ? AS postcode_sector_r, "
            "? AS postcode_district_l, ? AS postcode_district_r, "
            # Only the postcodes are known: no property, address or house number.
            "NULL AS uprn_l, NULL AS uprn_r, NULL AS address_l, NULL AS address_r, "
            "NULL AS house_number_l, NULL AS house_number_r, "
            "NULL AS street_word_l, NULL AS street_word_r, "
            "NULL::VARCHAR[] AS address_words_l, NULL::VARCHAR[] AS address_words_r)"
        )
        ka, kb = a and postcode_key(a), b and postcode_key(b)
        (sa, da), (sb, db) = postcode_parts(ka), postcode_parts(kb)
        values = [ka, kb, postcode_letters(ka), postcode_letters(kb), sa, sb, da, db]
        if con.execute(sql, values).fetchone()[0]:
            return lv["label_for_charts"]
    raise AssertionError("no level")


SAME = "The same postcode, the address written otherwise or missing"
DISTRICT = "The same postcode district (like SK4), not the same sector"
ALIKE = "The postcode mistyped or of the same sector, the address otherwise"
TYPO = ALIKE


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("SK1 3XE", "sk13xe", SAME),
        ("SK1 3XE", "SK1 3AB", ALIKE),
        ("SK1 3XE", "SK1 3EX", ALIKE),
        ("SK1 3XE", "SK1 4AB", DISTRICT),
        ("M1 1AA", "M1 2BB", DISTRICT),
        ("SK1 3XE", "SK13 3XE", TYPO),
        ("SK1 3XE", "SK4 3XE", TYPO),
        ("SK1 3XE", "SK6 4AB", "All other comparisons"),
        ("SK1 3XE", "M1 1AA", "All other comparisons"),
        # Another country's postcode: the same, mistyped, or another.
        ("3084", "3084", SAME),
        ("3084", "3048", TYPO),
        ("2089", "2080", TYPO),
        ("1012 AB", "1012 AC", TYPO),
        ("3084", "4803", "All other comparisons"),
        ("2089", "3150", "All other comparisons"),
        ("SK1 3XE", None, "No address on one side"),
    ],
)
def test_postcode_levels(a, b, expected):
    assert level(a, b) == expected
