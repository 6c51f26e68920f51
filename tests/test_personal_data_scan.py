"""The scan that runs after the suite finds a person's details wherever they are written."""

from tests.personal_data_scan import PersonalData


def people() -> PersonalData:
    data = PersonalData()
    data.note("Ann", "Smith", 2012, 3, 4, "9434765919")
    return data


def test_finds_a_name_a_date_of_birth_and_an_nhs_number():
    found = people().findings(
        [
            ("log line 1", "INFO web searched for ann smith"),
            ("log line 2", "INFO born 04/03/2012"),
            ("log line 3", "INFO file dob120120304.csv"),
            ("URL", "/search?nhs=9434765919"),
            ("URL", "/search?dob=2012-03-04"),
        ]
    )
    assert [f.split(":")[0] for f in found] == [
        "log line 1",
        "log line 2",
        "log line 3",
        "URL",
        "URL",
    ]


def test_does_not_flag_opaque_identifiers_or_parts_of_words():
    found = people().findings(
        [
            ("log line 1", "INFO person P3F2A0C1D2E3F4A5B viewed, case 94347659"),
            ("log line 2", "INFO annsmithson and Ann Smithers are other people"),
            ("URL", "/people/P3F2A0C1D2E3F4A5B/family"),
        ]
    )
    assert found == []
