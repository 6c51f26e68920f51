"""The linkage model's postcode comparison on postcodes as features keep them ('SK13XE')."""

import duckdb
import pytest

from familyview.identity.features import postcode_key
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
            "FROM (SELECT ? AS postcode_l, ? AS postcode_r)"
        )
        if con.execute(sql, [a and postcode_key(a), b and postcode_key(b)]).fetchone()[0]:
            return lv["label_for_charts"]
    raise AssertionError("no level")


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
        ("SK1 3XE", None, "postcode is NULL"),
    ],
)
def test_postcode_levels(a, b, expected):
    assert level(a, b) == expected
