"""A source in a worker's words: the service it serves and who runs it, never the
system's name; two that would read the same on one page told apart."""

from familyview.involvements.display import SourceInfo
from familyview.web.known_to import sources_in_words

NAMES = {
    "adult_mental_health": "Adult mental health",
    "education": "Education (school)",
    "gp": "GP",
}


def source(code: str, name: str, category: str, organisation: str) -> SourceInfo:
    return SourceInfo(
        code=code,
        name=name,
        organisation=organisation,
        service_category=category,
        duty_phone="",
        data_current_as_of=None,
        stale=False,
        expected_every_days=7,
        days_since_update=None,
    )


def test_a_source_is_its_service_and_who_runs_it_not_its_system():
    words = sources_in_words(
        [
            source("AMH", "Adult mental health services (RiO)", "adult_mental_health", "Trust"),
            source("GP", "GP practices (shared care record extract)", "gp", ""),
        ],
        NAMES,
    )
    assert words == {"AMH": "Adult mental health, Trust", "GP": "GP"}


def test_two_sources_that_would_read_the_same_are_numbered():
    words = sources_in_words(
        [
            source("SCHOOLS", "Schools census", "education", "Stockport Education"),
            source("LEGACY", "Schools (legacy extract)", "education", "Stockport Education"),
        ],
        NAMES,
    )
    assert words == {
        "LEGACY": "Stockport Education, 1 of 2",
        "SCHOOLS": "Stockport Education, 2 of 2",
    }


def test_an_organisation_that_names_its_service_is_said_alone():
    # "GP, GP practices" and "Police, Greater Manchester Police" said the service twice.
    words = sources_in_words(
        [
            source("GP", "GP practices (shared care record extract)", "gp", "GP practices"),
            source("POLICE", "Niche RMS", "police", "Greater Manchester Police"),
            source("ASC", "Liquidlogic ASC", "adult_social_care", "Stockport Adult Social Care"),
            source("AMH", "RiO", "adult_mental_health", "Pennine Care NHS Foundation Trust"),
        ],
        NAMES | {"police": "Police", "adult_social_care": "Adult social care"},
    )
    assert words == {
        "GP": "GP practices",
        "POLICE": "Greater Manchester Police",
        "ASC": "Stockport Adult Social Care",
        "AMH": "Adult mental health, Pennine Care NHS Foundation Trust",
    }
