"""The linkage settings: the built-in file, a council's own file over it, and a clear
error naming the file and the setting for anything wrong."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.access.models import Authority
from familyview.identity.configuration import ENVIRONMENT_VARIABLE, thresholds
from familyview.identity.models import LinkRun
from familyview.settings_files import SettingsFileError
from familyview.sources.factories import create_import, create_person_record, create_source


@pytest.fixture
def council(tmp_path, settings):
    """The council's linkage settings file, named by FAMILYVIEW_LINKAGE_SETTINGS."""
    path = tmp_path / "linkage.toml"
    setattr(settings, ENVIRONMENT_VARIABLE, str(path))
    return path


def test_the_built_in_settings_keep_a_stricter_bar_for_a_sources_own_duplicates():
    built_in = thresholds()
    assert 0 < built_in.lower < built_in.upper < built_in.duplicates_upper <= 1
    assert "probation" in built_in.adult_categories


def test_a_councils_file_changes_only_what_it_names(council):
    council.write_text('upper = 0.995\nadult_categories = ["probation"]\n')
    settings = thresholds()
    assert settings.upper == 0.995
    assert settings.lower == 0.5  # from the built-in file
    assert settings.adult_categories == frozenset({"probation"})


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("upper = 2", "upper is 2; it should be less than or equal to 1."),
        ("uper = 0.9", "uper is not a setting; the settings here are adult_categories, "),
        ("lower = 0.995", "lower (0.995) must be below upper (0.99)"),
        ("duplicates_upper = 0.9", "duplicates_upper (0.9) must be at least upper (0.99)"),
        ('adult_categories = "probation"', 'adult_categories is "probation"; it should be a list'),
        ("upper = true", "upper is true; it should be a number."),
        ("upper = ", "not valid TOML"),
    ],
)
def test_a_mistake_names_the_file_and_the_setting(council, text, said):
    council.write_text(text + "\n")
    with pytest.raises(SettingsFileError, match=str(council)) as refused:
        thresholds()
    assert said in str(refused.value)


def test_a_missing_file_says_which_variable_named_it(council):
    expected = rf"no such file \(named by {ENVIRONMENT_VARIABLE}\)"
    with pytest.raises(SettingsFileError, match=expected):
        thresholds()


@pytest.mark.django_db
def test_familyview_link_prints_the_mistake_and_exits_1(council):
    source = create_source(Authority.objects.create(code="stockport", name="Stockport"))
    create_person_record(create_import(source), given_name="Ann", family_name="Smith")
    council.write_text("upper = true\n")
    with pytest.raises(CommandError) as refused:
        call_command("link")
    assert str(refused.value) == f"{council}: upper is true; it should be a number."
    assert refused.value.returncode == 1
    assert not LinkRun.objects.exists()
