"""The rules file: a wrong one is refused naming the setting; the built-in one loads."""

import pytest

from familyview.privacy.alerts.rules import AlertRulesError, load_alert_rules

from .lookups import rules_file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 0\n", "version must be a whole number from 1"),
        ("version = 1\nsurname = true\n", "surname is not a setting"),
        ("version = 1\n[unusual_volume]\nper_hour = -1\n", "unusual_volume.per_hour must"),
        ("version = 1\n[same_surname]\nlevels = ['all']\n", "same_surname.levels must"),
        ('version = 1\n[out_of_hours]\nday_starts = "7am"\n', "day_starts must be a time"),
        (
            'version = 1\n[out_of_hours]\nday_starts = "20:00"\nday_ends = "07:00"\n',
            "day_ends must be later",
        ),
        ("version = 1\n[out_of_hours]\nworking_days = ['funday']\n", "working_days must"),
        ('version = 1\ntimezone = "Mars/Olympus"\n', "timezone is not a time zone"),
        ("version = 1\n[authorities.leeds.unusual_volume]\nper_day = 'x'\n", "leeds"),
        ("version = ", "not valid TOML"),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_the_setting(tmp_path, text, message):
    with pytest.raises(AlertRulesError, match=message):
        load_alert_rules(rules_file(tmp_path, text))


def test_the_built_in_rules_file_loads():
    book = load_alert_rules()

    assert book.version >= 1
    assert (book.defaults.per_hour, book.defaults.per_day) == (30, 120)
    assert book.defaults.working_hours_words() == "7am to 8pm, Monday to Friday"
