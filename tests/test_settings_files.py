"""The one settings loader: a built-in file, a council's file over it, and every mistake as
one sentence naming the file, the setting, the value and what was expected."""

from datetime import date, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import pytest
from pydantic import Field, model_validator

from familyview.settings_files import (
    FROM_ARRAY,
    SettingsFileError,
    SettingsModel,
    load_settings,
    merged,
    read_file,
)

VARIABLE = "FAMILYVIEW_EXAMPLE_RULES"

BUILT_IN = """
version = "built-in-1"
upper = 0.9
lower = 0.5

[rule.volume]
enabled = true
levels = ["summary", "service_detail"]
"""


class Rule(SettingsModel):
    enabled: bool
    levels: Annotated[tuple[str, ...], FROM_ARRAY] = ()


class Example(SettingsModel):
    version: str
    upper: float = Field(gt=0, le=1)
    lower: float = Field(gt=0, le=1)
    rule: dict[str, Rule] = {}

    @model_validator(mode="after")
    def _in_order(self) -> "Example":
        if not self.lower < self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        return self


@pytest.fixture
def built_in(tmp_path) -> Path:
    path = tmp_path / "built-in.toml"
    path.write_text(BUILT_IN, encoding="utf-8")
    return path


@pytest.fixture
def council(tmp_path, settings) -> Path:
    """The council's file, named by the variable (written by each test)."""
    path = tmp_path / "council.toml"
    setattr(settings, VARIABLE, str(path))
    return path


def refusal(built_in: Path) -> str:
    with pytest.raises(SettingsFileError) as refused:
        load_settings(Example, built_in, VARIABLE)
    return str(refused.value)


def test_without_a_councils_file_the_built_in_one_applies(built_in, settings):
    setattr(settings, VARIABLE, None)
    rules = load_settings(Example, built_in, VARIABLE)
    assert (rules.version, rules.upper, rules.lower) == ("built-in-1", 0.9, 0.5)
    assert rules.rule["volume"].levels == ("summary", "service_detail")


def test_a_councils_file_changes_only_what_it_names_and_a_list_whole(built_in, council):
    council.write_text(
        'version = "surrey-2"\nupper = 0.95\n[rule.volume]\nlevels = ["summary"]\n'
        "[rule.hours]\nenabled = false\n"
    )
    rules = load_settings(Example, built_in, VARIABLE)
    assert (rules.version, rules.upper, rules.lower) == ("surrey-2", 0.95, 0.5)
    assert rules.rule["volume"] == Rule(enabled=True, levels=("summary",))
    assert rules.rule["hours"] == Rule(enabled=False)


def test_an_edited_file_counts_at_once(built_in, council):
    council.write_text('version = "a"\n')
    assert load_settings(Example, built_in, VARIABLE).version == "a"
    council.write_text('version = "b"\n')
    assert load_settings(Example, built_in, VARIABLE).version == "b"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("upper = true", "upper is true; it should be a number."),
        ('upper = "0.95"', 'upper is "0.95"; it should be a number.'),
        ("upper = 2", "upper is 2; it should be less than or equal to 1."),
        ("[rule.volume]\nenabled = 1", "rule.volume.enabled is 1; it should be true or false."),
        (
            '[rule.volume]\nlevels = "summary"',
            'rule.volume.levels is "summary"; it should be a list',
        ),
        ("[rule.volume]\nlevels = [1]", "rule.volume.levels 1 is 1; it should be text in quotes."),
        ("rule = 3", "rule is 3; it should be a table."),
        ("[rule.hours]\nlevels = []", "rule.hours.enabled is missing."),
        ("lower = 0.95", "lower (0.95) must be below upper (0.9)."),
    ],
)
def test_a_mistake_is_one_sentence_naming_the_file_setting_value_and_expected(
    built_in, council, text, said
):
    council.write_text(f'version = "2"\n{text}\n')
    message = refusal(built_in)
    assert message.startswith(f"{council}: ")
    assert said in message
    assert "Traceback" not in message and "\n" not in message


def test_a_file_named_to_a_command_takes_the_variables_place(built_in, council, tmp_path):
    council.write_text('version = "surrey-2"\nupper = 0.95\n')
    trying = tmp_path / "trying.toml"
    trying.write_text('version = "surrey-3"\nlower = 0.6\n')

    rules = load_settings(Example, built_in, VARIABLE, council=trying)

    assert (rules.version, rules.upper, rules.lower) == ("surrey-3", 0.9, 0.6)
    with pytest.raises(SettingsFileError) as refused:
        load_settings(Example, built_in, VARIABLE, council=tmp_path / "missing.toml")
    assert str(refused.value) == f"{tmp_path / 'missing.toml'}: no such file."


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("starts = 7", "starts is 7; it should be a time such as 07:00."),
        ("holiday = 25", "holiday is 25; it should be a date such as 2026-12-25."),
        (
            'zone = "Mars/Olympus"',
            'zone is "Mars/Olympus"; it should be a time zone name such as Europe/London.',
        ),
    ],
)
def test_times_dates_and_time_zones_are_said_as_written(tmp_path, text, said):
    class Hours(SettingsModel):
        starts: time = time(7)
        holiday: date = date(2026, 12, 25)
        zone: ZoneInfo = ZoneInfo("Europe/London")

    path = tmp_path / "hours.toml"
    path.write_text(text)
    with pytest.raises(SettingsFileError) as refused:
        read_file(Hours, path)
    assert str(refused.value) == f"{path}: {said}"


def test_a_misspelt_setting_lists_the_settings_its_table_holds(built_in, council):
    council.write_text('version = "2"\nuper = 0.95\n[rule.volume]\nenabeld = false\n')
    assert refusal(built_in) == (
        f"{council}: rule.volume.enabeld is not a setting; the settings here are enabled, "
        "levels; uper is not a setting; the settings here are lower, rule, upper, version."
    )


def test_a_versioned_file_needs_the_councils_own_version(built_in, council):
    council.write_text("upper = 0.95\n")
    assert refusal(built_in).startswith(f"{council}: version is missing; a council's own file")


def test_a_file_that_cannot_be_read_says_so(built_in, council):
    assert refusal(built_in) == f"{council}: no such file (named by {VARIABLE})."
    council.write_text("upper = \n")
    assert refusal(built_in).startswith(f"{council}: not valid TOML (")
    council.write_bytes(b'version = "caf\xe9"\n')
    assert refusal(built_in) == f"{council}: not UTF-8 text."


def test_a_mistake_in_a_table_of_an_array_names_the_table_by_its_code(tmp_path):
    class Source(SettingsModel):
        code: str
        name: str

    class Sources(SettingsModel):
        source: Annotated[tuple[Source, ...], FROM_ARRAY]

    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\ncode = "CSC"\nname = "LCS"\n[[source]]\ncode = "POLICE"\n')
    with pytest.raises(SettingsFileError) as refused:
        read_file(Sources, path)
    assert str(refused.value) == f"{path}: source 2 (POLICE).name is missing."


def test_merging_keeps_the_base_and_replaces_lists_whole():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert merged(base, {"a": {"c": [3]}}) == {"a": {"b": 1, "c": [3]}, "d": 1}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}
