"""Display rules case by case: which services are shown at which ages, sensitive services,
shielded people, police offences, further details, and each authority's own version."""

from datetime import date, datetime
from pathlib import Path

import pytest

from familyview.access.models import Role
from familyview.involvements import display
from familyview.involvements.display import (
    WITHHELD_NONE_RECORDED,
    WITHHELD_SENSITIVE,
    WITHHELD_SHIELDED,
    AgeBounds,
    ServiceName,
    SourceInfo,
    rules_for,
    shown_involvements,
)
from familyview.involvements.models import Involvement
from familyview.settings_files import SettingsFileError

TODAY = date(2026, 6, 15)
SENSITIVE = ("camhs", "adult_mental_health", "substance_misuse", "sexual_health", "domestic_abuse")
SERVICES = {
    "adult_social_care": ServiceName("Adult social care", False),
    "housing": ServiceName("Housing", False),
    "police": ServiceName("Police", False),
    "education": ServiceName("Education (school)", False),
    "gp": ServiceName("GP", False),
    "childrens_social_care": ServiceName("Children's social care", False),
    "probation": ServiceName("Probation", False),
    **{code: ServiceName(code.replace("_", " ").title(), True) for code in SENSITIVE},
}
SOURCE = SourceInfo(
    code="SRC",
    name="A case system",
    organisation="Stockport Council",
    service_category="housing",
    duty_phone="0161 000 0000",
    data_current_as_of=datetime(2026, 6, 1, 9, 0),
    stale=False,
    expected_every_days=7,
    days_since_update=14,
)
_ids = iter(range(1, 10_000))


def involvement(category: str, **fields) -> Involvement:
    """An Involvement as read from the database (never saved: the rules need no database)."""
    values = {
        "pk": next(_ids),
        "source_id": 1,
        "service_category": category,
        "status": "current",
        "team": "A team",
        "organisation": "Stockport Council",
        "start_date": date(2025, 1, 1),
        "lead_name": "Sam Lead",
        "lead_role": "Key worker",
        "lead_phone": "0161 496 0001",
        "lead_email": "sam.lead@example.gov.uk",
        "duty_phone": "0161 496 0999",
        **fields,
    }
    return Involvement(**values)


def born(years_ago: int, days_after: int = 0) -> AgeBounds:
    """The ages of someone born `years_ago` years before TODAY (plus some days)."""
    birthday = date(TODAY.year - years_ago, TODAY.month, TODAY.day).toordinal() + days_after
    d = date.fromordinal(birthday)
    return AgeBounds.from_birth(d.year, d.month, d.day, TODAY)


def shown(
    *involvements: Involvement,
    ages: AgeBounds | None = None,
    shielded: bool = False,
    role: str = "practitioner",
    rules=None,
    today: date = TODAY,
):
    return shown_involvements(
        rules or rules_for("stockport"),
        involvements,
        ages=ages if ages is not None else born(40),
        shielded=shielded,
        role=role,
        services=SERVICES,
        sources={1: SOURCE},
        today=today,
    )


# ---- ages -----------------------------------------------------------------------------------


def test_an_age_turns_on_the_birthday_itself():
    assert born(15) == AgeBounds(15, 15)
    assert born(15, days_after=1) == AgeBounds(14, 14)


def test_a_partial_date_of_birth_gives_the_youngest_and_oldest_possible_age():
    assert AgeBounds.from_birth(2011, None, None, TODAY) == AgeBounds(14, 15)
    assert AgeBounds.from_birth(2011, 6, None, TODAY) == AgeBounds(14, 15)
    assert AgeBounds.from_birth(2011, 5, None, TODAY) == AgeBounds(15, 15)
    assert AgeBounds.from_birth(None, None, None, TODAY) == AgeBounds(None, None)


@pytest.mark.parametrize(
    ("category", "younger", "older"),
    [("adult_social_care", 14, 15), ("housing", 15, 16), ("police", 17, 18)],
)
def test_services_with_a_minimum_age_start_on_that_birthday(category, younger, older):
    fields = {}
    if category == "police":
        fields["details"] = {"offences": [{"date": "2026-01-02", "type": "domestic abuse"}]}
    assert shown(involvement(category, **fields), ages=born(younger)) == ()
    assert shown(involvement(category, **fields), ages=born(younger + 1, days_after=1)) == ()
    assert len(shown(involvement(category, **fields), ages=born(older))) == 1


@pytest.mark.parametrize(("age", "visible"), [(3, False), (4, True), (20, True), (21, False)])
def test_school_is_shown_from_4_to_20(age, visible):
    assert bool(shown(involvement("education"), ages=born(age))) is visible


def test_school_ends_the_day_a_person_turns_21():
    assert len(shown(involvement("education"), ages=born(21, days_after=1))) == 1
    assert shown(involvement("education"), ages=born(21)) == ()


def test_a_year_of_birth_alone_must_show_the_person_is_old_enough():
    # Born in 2011: 14 or 15 on TODAY, so not certainly 15.
    ages = AgeBounds.from_birth(2011, None, None, TODAY)
    assert shown(involvement("adult_social_care"), ages=ages) == ()
    assert (
        len(
            shown(
                involvement("adult_social_care"), ages=AgeBounds.from_birth(2010, None, None, TODAY)
            )
        )
        == 1
    )


def test_no_age_hides_age_limited_services_but_not_others():
    unknown = AgeBounds(None, None)
    assert shown(involvement("housing"), ages=unknown) == ()
    assert shown(involvement("education"), ages=unknown) == ()
    assert len(shown(involvement("gp"), ages=unknown)) == 1


# ---- sensitive services --------------------------------------------------------------------


@pytest.mark.parametrize("category", SENSITIVE)
def test_a_sensitive_service_shows_only_that_it_exists_and_its_duty_line(category):
    (item,) = shown(
        involvement(category, team="Community Mental Health Team North", details={"a": 1})
    )
    assert item.summary_only and item.sensitive
    assert item.service_name == SERVICES[category].name
    assert item.duty_phone == "0161 496 0999"
    assert item.lead_professional is None
    assert item.withheld_reason == WITHHELD_SENSITIVE
    assert (item.status, item.team, item.start_date, item.end_date, item.last_contact_date) == (
        "",
        "",
        None,
        None,
        None,
    )
    assert item.details == () and item.offences == ()


def test_several_involvements_with_one_sensitive_service_are_shown_once():
    items = shown(
        involvement("substance_misuse"),
        involvement("substance_misuse", status="historic", end_date=date(2025, 3, 1)),
    )
    assert len(items) == 1


def test_the_duty_line_falls_back_to_the_sources():
    (item,) = shown(involvement("camhs", duty_phone=""))
    assert item.duty_phone == SOURCE.duty_phone


@pytest.fixture
def council(tmp_path, settings) -> Path:
    """The council's display rules file, named by FAMILYVIEW_DISPLAY_RULES."""
    path = tmp_path / "display-rules.toml"
    settings.FAMILYVIEW_DISPLAY_RULES = str(path)
    return path


def test_a_role_may_be_allowed_more_of_sensitive_services(council):
    council.write_text(
        'version = "surrey-1"\n'
        '[sensitive.roles]\nteam_manager = "dates"\n'
        '[category.domestic_abuse.sensitive_roles]\nteam_manager = "full"\n',
    )
    rules = rules_for("stockport")
    inv = involvement("adult_mental_health", team="CMHT North")
    (as_practitioner,) = shown(inv, rules=rules)
    (as_manager,) = shown(inv, rules=rules, role="team_manager")
    assert as_practitioner.summary_only
    assert not as_manager.summary_only
    assert (as_manager.team, as_manager.status) == ("CMHT North", "current")
    assert as_manager.lead_professional is None
    assert as_manager.withheld_reason == WITHHELD_SENSITIVE
    (da,) = shown(involvement("domestic_abuse"), rules=rules, role="team_manager")
    assert da.lead_professional is not None and da.lead_professional.name == "Sam Lead"


# ---- shielded people ---------------------------------------------------------------------


def test_a_shielded_persons_lead_professional_is_withheld_for_the_duty_line():
    (item,) = shown(involvement("housing"), shielded=True)
    assert item.lead_professional is None
    assert item.withheld_reason == WITHHELD_SHIELDED
    assert item.duty_phone == "0161 496 0999"


def test_an_involvement_with_no_lead_professional_says_so():
    (item,) = shown(involvement("gp", lead_name="", lead_phone="", lead_email=""))
    assert item.lead_professional is None
    assert item.withheld_reason == WITHHELD_NONE_RECORDED


def test_a_lead_professional_is_shown_with_every_contact_detail():
    (item,) = shown(involvement("gp"))
    lead = item.lead_professional
    assert (lead.name, lead.role, lead.phone, lead.email) == (
        "Sam Lead",
        "Key worker",
        "0161 496 0001",
        "sam.lead@example.gov.uk",
    )
    assert item.withheld_reason == ""


# ---- police ----------------------------------------------------------------------------------


def offence(day: str, kind: str, nature: str = "suspect") -> dict:
    return {"date": day, "type": kind, "involvement": nature}


def test_police_show_only_safeguarding_offences():
    (item,) = shown(
        involvement(
            "police",
            details={
                "offences": [
                    offence("2026-03-01", "theft"),
                    offence("2026-02-01", "Domestic abuse", "victim"),
                    offence("2026-01-01", "drink driving"),
                ]
            },
        )
    )
    assert [(o.offence_type, o.nature, o.date) for o in item.offences] == [
        ("Domestic abuse", "victim", date(2026, 2, 1))
    ]


def test_a_police_involvement_with_no_safeguarding_offence_is_not_shown():
    assert (
        shown(involvement("police", details={"offences": [offence("2026-01-01", "theft")]})) == ()
    )
    assert shown(involvement("police", details=None)) == ()


def test_at_most_three_offences_the_most_recent_across_a_persons_involvements():
    older = involvement(
        "police",
        status="historic",
        start_date=date(2020, 1, 1),
        end_date=date(2021, 1, 1),
        details={
            "offences": [
                offence("2020-05-01", "harassment"),
                offence("2024-05-01", "missing person", "missing person"),
            ]
        },
    )
    newer = involvement(
        "police",
        details={
            "offences": [
                offence("2025-01-01", "common assault"),
                offence("2026-01-01", "domestic abuse"),
                offence("2023-01-01", "robbery", "victim"),
            ]
        },
    )
    items = shown(older, newer)
    offences = [o for item in items for o in item.offences]
    assert [o.date for o in offences] == [date(2026, 1, 1), date(2025, 1, 1), date(2024, 5, 1)]
    # The involvement whose only offences fell outside the three is still shown for the one
    # that made it; one with none left would not be.
    assert [len(item.offences) for item in items] == [2, 1]


def test_an_involvement_left_with_no_offence_after_the_limit_is_not_shown():
    oldest = involvement(
        "police",
        status="historic",
        end_date=date(2019, 1, 1),
        details={"offences": [offence("2018-01-01", "harassment")]},
    )
    recent = involvement(
        "police",
        details={
            "offences": [
                offence("2026-01-01", "harassment"),
                offence("2025-01-01", "harassment"),
                offence("2024-01-01", "harassment"),
            ]
        },
    )
    (item,) = shown(oldest, recent)
    assert item.involvement_id == recent.pk


# ---- details and order -----------------------------------------------------------------------


def test_only_the_details_the_rules_name_are_shown_with_their_labels():
    (item,) = shown(
        involvement(
            "housing",
            details={"rent_arrears": True, "notice_seeking_possession": False, "tenant_notes": "x"},
        )
    )
    assert [(d.label, d.value) for d in item.details] == [
        ("Rent arrears", "Yes"),
        ("Notice seeking possession served", "No"),
    ]


def test_current_involvements_come_first_then_the_most_recent():
    old = involvement(
        "gp", status="historic", start_date=date(2010, 1, 1), end_date=date(2012, 1, 1)
    )
    recent = involvement(
        "housing", status="historic", start_date=date(2020, 1, 1), end_date=date(2025, 1, 1)
    )
    now = involvement("childrens_social_care", start_date=date(2019, 1, 1))
    sensitive = involvement("camhs")
    items = shown(old, sensitive, recent, now)
    assert [i.involvement_id for i in items] == [now.pk, recent.pk, old.pk, sensitive.pk]


# ---- configuration -------------------------------------------------------------------------


def test_the_defaults_are_the_agreed_ones():
    rules = rules_for("stockport")
    assert rules.version == "default-2"
    assert rules.category("adult_social_care").min_age == 15
    assert rules.category("housing").min_age == 16
    assert rules.category("police").min_age == 18
    assert rules.category("police").max_offences == 3
    assert (rules.category("education").min_age, rules.category("education").max_age) == (4, 20)
    assert rules.sensitive.default == "exists"


def test_a_councils_rules_change_the_defaults_for_every_authority(council):
    council.write_text('version = "surrey-1"\n[category.housing]\nmin_age = 18\n')
    rules = rules_for("stockport")
    assert rules.version == "default-2+surrey-1"
    assert rules.category("housing").min_age == 18
    assert rules.category("housing").details  # from the built-in file
    assert rules.category("police").min_age == 18


def test_an_authoritys_own_rules_apply_over_the_defaults_with_every_version(council):
    council.write_text(
        'version = "surrey-1"\n'
        '[authorities.stockport]\nversion = "stockport-2"\n'
        "[authorities.stockport.category.police]\nmin_age = 16\nmax_offences = 1\n"
    )
    own = rules_for("stockport")
    other = rules_for("trafford")
    assert own.version == "default-2+surrey-1+stockport-2"
    assert other.version == "default-2+surrey-1"
    assert own.category("police").min_age == 16
    assert own.category("police").max_offences == 1
    # What the authority did not change stays as the defaults say.
    assert own.category("police").offence_types == other.category("police").offence_types
    assert own.category("housing").min_age == 16
    inv = involvement("police", details={"offences": [offence("2026-01-01", "harassment")]})
    assert len(shown(inv, ages=born(16), rules=own)) == 1
    assert shown(inv, ages=born(16), rules=other) == ()


def test_an_edited_rules_file_counts_at_once(council):
    council.write_text('version = "a"\n')
    assert rules_for("stockport").version == "default-2+a"
    council.write_text('version = "b"\n')
    assert rules_for("stockport").version == "default-2+b"


ROLES_SAID = "'administrator', 'data_steward', 'practitioner', 'privacy_officer' or 'team_manager'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[category.police]\nmin_age = 16\n", "version is missing; a council's own file"),
        ('version = "a+b"\n', """version is "a+b"; it may not contain '+'"""),
        (
            'version = "2"\n[category.poliec]\nmin_age = 16\n',
            'category.poliec: the name "poliec" is not allowed; it should be a service '
            "category: adult_mental_health, adult_social_care, camhs,",
        ),
        (
            'version = "2"\n[category.police]\nmin_age = "sixteen"\n',
            'category.police.min_age is "sixteen"; it should be a whole number.',
        ),
        (
            'version = "2"\n[category.education]\nmin_age = 25\n',
            "category.education: min_age (25) is more than its max_age (20).",
        ),
        (
            'version = "2"\n[sensitive]\ndefault = "everything"\n',
            """sensitive.default is "everything"; it should be 'exists', 'dates' or 'full'.""",
        ),
        (
            'version = "2"\n[sensitive.roles]\nsocial_worker = "full"\n',
            f'sensitive.roles.social_worker: the name "social_worker" is not allowed; it should '
            f"be {ROLES_SAID}.",
        ),
        (
            'version = "2"\n[category.police]\nmax_age = 90\nshown = false\n',
            "category.police.shown is not a setting; the settings here are details, max_age, "
            "max_offences, min_age, offence_types, recently_ended_months, sensitive_default, "
            "sensitive_roles, show.",
        ),
        (
            'version = "2"\nunknown_setting = 1\n',
            "unknown_setting is not a setting; the settings here are authorities, category, "
            "sensitive, unknown_age_shows_age_limited, version.",
        ),
        (
            'version = "2"\nunknown_age_shows_age_limited = "yes"\n',
            'unknown_age_shows_age_limited is "yes"; it should be true or false.',
        ),
        (
            'version = "2"\n[category.housing]\ndetails = ["rent_arrears"]\n',
            'category.housing.details is ["rent_arrears"]; it should be a table.',
        ),
        (
            'version = "2"\n[authorities.stockport.category.police]\nmin_age = 16\n',
            "authorities.stockport.version is missing.",
        ),
        (
            'version = "2"\n[authorities.stockport]\nversion = "s"\n'
            "[authorities.stockport.category.police]\nmin_age = -1\n",
            "authorities.stockport.category.police.min_age is -1; it should be greater than or "
            "equal to 0.",
        ),
        (
            'version = "2"\n[category.probation]\nrecently_ended_months = -6\n',
            "category.probation.recently_ended_months is -6; it should be greater than or "
            "equal to 0.",
        ),
        (
            'version = "2"\n[category.probation]\nrecently_ended_months = "two years"\n',
            'category.probation.recently_ended_months is "two years"; it should be a whole number.',
        ),
        ("version = \n", "not valid TOML"),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_the_file_and_setting(council, text, message):
    council.write_text(text)
    with pytest.raises(SettingsFileError) as refused:
        rules_for("stockport")
    assert str(refused.value).startswith(f"{council}: ")
    assert message in str(refused.value)


def test_the_roles_rules_may_name_are_the_access_roles():
    assert set(Role.values) == display.ROLES


def test_a_status_the_source_did_not_record_is_never_shown_as_current_or_ended():
    items = shown(
        involvement("housing", status="not_recorded"),
        involvement("gp", status="current"),
        involvement("police", status="historic", details={"offences": []}),
    )
    by_service = {i.service_category: i for i in items}
    unsure = by_service["housing"]
    assert (unsure.status, unsure.current, unsure.status_words) == (
        "not_recorded",
        False,
        "status not recorded",
    )
    assert by_service["gp"].status_words == "current"


# ---- who to call first: services now, and safeguarding ones ended recently -----------------

SAFEGUARDING = (
    "police",
    "domestic_abuse",
    "adult_mental_health",
    "substance_misuse",
    "childrens_social_care",
    "youth_justice",
    "probation",
)


def test_the_safeguarding_services_stay_in_view_24_months_after_they_end():
    rules = rules_for("stockport")
    assert {c for c in SERVICES_IN_FILE if rules.category(c).recently_ended_months} == set(
        SAFEGUARDING
    )
    assert {rules.category(c).recently_ended_months for c in SAFEGUARDING} == {24}


SERVICES_IN_FILE = (
    *SAFEGUARDING,
    "early_help",
    "adult_social_care",
    "camhs",
    "education",
    "send",
    "housing",
    "health_visiting",
    "gp",
    "sexual_health",
)


def ended(category: str, on: date, **fields) -> Involvement:
    return involvement(category, status="historic", end_date=on, **fields)


def test_an_ended_involvement_is_recent_to_the_day_its_window_closes():
    # TODAY is 15 June 2026: 24 months back is 15 June 2024.
    (inside,) = shown(ended("childrens_social_care", date(2024, 6, 15)))
    (outside,) = shown(ended("childrens_social_care", date(2024, 6, 14)))
    assert (inside.recent, outside.recent) == (True, False)


def test_only_the_services_the_rules_name_stay_in_view_after_they_end():
    (gp_ended,) = shown(ended("gp", date(2026, 6, 1)))
    (gp_now,) = shown(involvement("gp"))
    assert (gp_ended.recent, gp_now.recent) == (False, True)


def test_an_ended_involvement_with_no_end_date_counts_from_its_latest_date():
    (item,) = shown(
        involvement(
            "probation", status="historic", start_date=date(2023, 1, 1), last_contact_date=None
        )
    )
    assert not item.recent
    (item,) = shown(
        involvement(
            "probation",
            status="historic",
            start_date=date(2023, 1, 1),
            last_contact_date=date(2025, 2, 1),
        )
    )
    assert item.recent


def test_an_involvement_of_unknown_status_not_yet_ended_stays_in_view():
    (open_ended,) = shown(involvement("housing", status="not_recorded"))
    (ended_long_ago,) = shown(
        involvement("housing", status="not_recorded", end_date=date(2025, 1, 1))
    )
    assert (open_ended.recent, ended_long_ago.recent) == (True, False)


def test_an_involvement_shown_only_as_existing_is_always_in_view():
    # Whether it is current is withheld: leaving it out of view would say it ended long ago.
    (item,) = shown(ended("adult_mental_health", date(2015, 1, 1)))
    assert item.summary_only and item.recent


OFFENCES = {"offences": [offence("2025-11-28", "domestic abuse", "offender")]}


def test_police_offences_ended_recently_stay_in_view():
    (item,) = shown(ended("police", date(2025, 12, 28), details=OFFENCES))
    assert item.recent and item.offences[0].nature == "offender"


def test_a_council_sets_how_long_a_service_stays_in_view(council):
    council.write_text('version = "c"\n[category.police]\nrecently_ended_months = 5\n')
    (item,) = shown(ended("police", date(2025, 12, 28), details=OFFENCES), rules=rules_for("x"))
    assert not item.recent


def test_a_month_back_from_a_longer_month_ends_on_the_shorter_months_last_day(council):
    council.write_text('version = "c"\n[category.probation]\nrecently_ended_months = 1\n')
    rules = rules_for("x")
    march_31 = date(2026, 3, 31)
    (inside,) = shown(ended("probation", date(2026, 2, 28)), rules=rules, today=march_31)
    (outside,) = shown(ended("probation", date(2026, 2, 27)), rules=rules, today=march_31)
    assert (inside.recent, outside.recent) == (True, False)
