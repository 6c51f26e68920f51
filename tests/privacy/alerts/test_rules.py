"""The alert rules file: a council's own, merged over the built-in one, keeps what it leaves
out; a wrong one is refused in one sentence naming the file, the setting, the value and
what was expected, by the command that reads it too."""

from datetime import date, time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.privacy.alerts.rules import load_alert_rules
from familyview.settings_files import SettingsFileError

from .lookups import rules_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(settings, tmp_path):
    """Writes the council's own rules file and names it in FAMILYVIEW_ALERT_RULES."""

    def write(text: str):
        path = rules_file(tmp_path, text)
        settings.FAMILYVIEW_ALERT_RULES = str(path)
        return path

    return write


def test_the_built_in_rules_file_loads(settings):
    settings.FAMILYVIEW_ALERT_RULES = None
    book = load_alert_rules()

    assert book.version == 1
    assert (book.unusual_volume.per_hour, book.unusual_volume.per_day) == (30, 120)
    assert book.working_hours_words() == "7am to 8pm, Monday to Friday"
    assert book.break_glass.enabled and book.break_glass.levels == frozenset()


def test_a_councils_file_keeps_the_built_in_rules_it_leaves_out(council):
    council(
        'version = 4\n[unusual_volume]\nper_hour = 2\n[out_of_hours]\nholidays = ["2026-12-25"]\n'
        "[authorities.leeds.out_of_hours]\nday_ends = 18:30:00\n"
    )

    book = load_alert_rules()

    assert book.version == 4
    assert (book.unusual_volume.per_hour, book.unusual_volume.per_day) == (2, 120)
    assert book.unusual_volume.levels == {"summary", "service_detail"}
    assert book.out_of_hours.holidays == {date(2026, 12, 25)}
    assert book.working_hours_words() == "7am to 8pm, Monday to Friday"
    assert str(book.timezone) == "Europe/London"
    leeds = book.for_authority("leeds")
    assert (leeds.version, leeds.out_of_hours.day_ends) == (4, time(18, 30))
    assert (leeds.unusual_volume.per_hour, leeds.out_of_hours.holidays) == (2, {date(2026, 12, 25)})
    assert book.for_authority("stockport") is book


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("version = 0\n", "version is 0; it should be greater than or equal to 1."),
        (
            "version = 2\nsurname = true\n",
            "surname is not a setting; the settings here are authorities, break_glass, "
            "neighbour_volume, out_of_hours, same_address, same_surname, shielded_person, "
            "timezone, unusual_volume, version.",
        ),
        (
            '[unusual_volume]\nper_hour = "30"\n',
            'unusual_volume.per_hour is "30"; it should be a whole number.',
        ),
        (
            "[unusual_volume]\nper_hour = -1\n",
            "unusual_volume.per_hour is -1; it should be greater than or equal to 1.",
        ),
        (
            "[same_surname]\nlevels = ['all']\n",
            "same_surname.levels 1 is \"all\"; it should be 'search', 'results', 'summary' or "
            "'service_detail'.",
        ),
        (
            '[out_of_hours]\nday_starts = "7am"\n',
            'out_of_hours.day_starts is "7am"; it should be a time such as 07:00.',
        ),
        (
            "[out_of_hours]\nday_starts = 7\n",
            "out_of_hours.day_starts is 7; it should be a time such as 07:00.",
        ),
        (
            '[out_of_hours]\nday_starts = "20:00"\nday_ends = "07:00"\n',
            "out_of_hours: day_ends (07:00) must be later than day_starts (20:00).",
        ),
        (
            "[out_of_hours]\nworking_days = ['Monday', 'funday']\n",
            "out_of_hours.working_days 2 is \"funday\"; it should be 'monday', 'tuesday', "
            "'wednesday', 'thursday', 'friday', 'saturday' or 'sunday'.",
        ),
        (
            "[out_of_hours]\nholidays = ['25 December']\n",
            'out_of_hours.holidays 1 is "25 December"; it should be a date such as 2026-12-25.',
        ),
        (
            'timezone = "Mars/Olympus"\n',
            'timezone is "Mars/Olympus"; it should be a time zone name such as Europe/London.',
        ),
        (
            "[authorities.leeds.unusual_volume]\nper_day = 'x'\n",
            'authorities.leeds.unusual_volume.per_day is "x"; it should be a whole number.',
        ),
        (
            "[authorities.leeds]\nsurname = true\n",
            "authorities.leeds.surname is not a setting; the settings here are break_glass, "
            "neighbour_volume, out_of_hours, same_address, same_surname, shielded_person, "
            "timezone, unusual_volume, version.",
        ),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_the_setting(council, text, said):
    path = council(text if text.startswith("version") else f"version = 2\n{text}")

    with pytest.raises(SettingsFileError) as refused:
        load_alert_rules()

    assert str(refused.value) == f"{path}: {said}"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[unusual_volume]\nper_hour = "30"\n', 'per_hour is "30"; it should be a whole number.'),
        ("[unusual_volume]\nper_hours = 30\n", "unusual_volume.per_hours is not a setting;"),
    ],
    ids=["wrong type", "unknown key"],
)
def test_the_command_refuses_a_wrong_rules_file_in_one_sentence(council, text, said):
    path = council(f"version = 2\n{text}")

    with pytest.raises(CommandError) as refused:
        call_command("alerts", "run")

    assert str(refused.value).startswith(f"{path}: ")
    assert said in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_command_tries_a_file_named_to_it_over_the_built_in_one(council, tmp_path, capsys):
    council("version = 2\n[unusual_volume]\nper_hours = 30\n")  # broken, but not read
    trying = tmp_path / "trying.toml"
    trying.write_text("version = 3\n[unusual_volume]\nper_day = 200\n", encoding="utf-8")

    call_command("alerts", "run", "--rules", str(trying))

    assert "with alert rules version 3" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"missing\.toml: no such file\.$"):
        call_command("alerts", "run", "--rules", str(tmp_path / "missing.toml"))
