"""The linkage settings: the built-in file, a council's own file over it, and a clear
error naming the file and the setting for anything wrong."""

import pytest

from familyview.identity.configuration import (
    ENVIRONMENT_VARIABLE,
    LinkageSettingsError,
    thresholds,
)


def test_the_built_in_settings_keep_a_stricter_bar_for_a_sources_own_duplicates():
    built_in = thresholds()
    assert 0 < built_in.lower < built_in.upper < built_in.duplicates_upper <= 1
    assert "probation" in built_in.adult_categories


def test_a_councils_file_changes_only_what_it_names(tmp_path, monkeypatch):
    council = tmp_path / "linkage.toml"
    council.write_text('upper = 0.995\nadult_categories = ["probation"]\n')
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(council))
    settings = thresholds()
    assert settings.upper == 0.995
    assert settings.lower == 0.5  # from the built-in file
    assert settings.adult_categories == frozenset({"probation"})


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("upper = 2", "upper: Input should be less than or equal to 1 (found 2)"),
        ("uper = 0.9", "uper: Extra inputs are not permitted"),
        ("lower = 0.995", "lower (0.995) must be below upper (0.99)"),
        ("duplicates_upper = 0.9", "duplicates_upper (0.9) must be at least upper (0.99)"),
        ('adult_categories = "probation"', "adult_categories: Input should be a valid"),
        ("upper = true", "upper: Input should be a valid number (found True)"),
        ("upper = ", "not valid TOML"),
    ],
)
def test_a_mistake_names_the_file_and_the_setting(tmp_path, monkeypatch, text, said):
    council = tmp_path / "linkage.toml"
    council.write_text(text + "\n")
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(council))
    with pytest.raises(LinkageSettingsError, match=str(council)) as refused:
        thresholds()
    assert said in str(refused.value)


def test_a_missing_file_says_which_variable_named_it(tmp_path, monkeypatch):
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(tmp_path / "nowhere.toml"))
    expected = rf"no such linkage settings file \(named by {ENVIRONMENT_VARIABLE}\)"
    with pytest.raises(LinkageSettingsError, match=expected):
        thresholds()
