"""Explanations never say where a shielded person lives, not even by comparison."""

from dataclasses import replace

from familyview.identity.explain import WITHHELD, RecordView, _steps

SETTINGS = {
    "comparisons": [
        {
            "output_column_name": name,
            "comparison_levels": [
                {"is_null_level": True, "label_for_charts": "null"},
                {"label_for_charts": "Exact match on postcode"},
                {"label_for_charts": "All other comparisons"},
            ],
        }
        for name in ("address", "given_name")
    ]
}


def record(**fields) -> RecordView:
    base = RecordView(
        record_id=1,
        source_code="CSC",
        source_name="Children's social care",
        source_record_id="P1",
        given_name="Amelia",
        middle_names="",
        family_name="Hart",
        previous_names="",
        birth_year=2015,
        birth_month=4,
        birth_day=3,
        sex="female",
        nhs_number="",
        address="12 Mill Lane",
        postcode="SK4 2AB",
        uprn="",
        restricted=False,
        ended=False,
        person_id=None,
        basis=None,
        basis_code=None,
        match_probability=None,
    )
    return replace(base, **fields)


def test_address_evidence_about_a_shielded_person_is_withheld():
    a, b = record(), record(record_id=2, restricted=True)
    steps = _steps(
        {"address": 1, "given_name": 1}, {"address": 6.7, "given_name": 7.4}, SETTINGS, a, b
    )
    postcode = next(s for s in steps if s.comparison == "address")
    assert (postcode.value_a, postcode.value_b, postcode.found) == (WITHHELD, WITHHELD, WITHHELD)
    assert (postcode.weight_text, postcode.evidence) == ("Withheld", "Withheld")
    assert "SK4 2AB" not in postcode.sentence
    given = next(s for s in steps if s.comparison == "given_name")
    assert given.value_a == "Amelia" and given.weight_text == "+7.4"


def test_address_evidence_shows_when_no_one_is_shielded():
    steps = _steps({"address": 1}, {"address": 6.7}, SETTINGS, record(), record(record_id=2))
    assert (steps[0].value_b, steps[0].weight_text) == ("12 Mill Lane, SK4 2AB", "+6.7")
