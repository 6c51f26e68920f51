"""Registering sources from sources.toml."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.settings_files import SettingsFileError
from familyview.sources.mapping import MappingError, load_mapping
from familyview.sources.models import Source
from familyview.sources.registry import SourcesFileError, load_sources

pytestmark = pytest.mark.django_db

ENTRY = """
[[source]]
code = "CSC"
name = "Children's social care"
authority = "{authority}"
service_category = "childrens_social_care"
"""


def test_sources_are_registered_and_updated(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(ENTRY.format(authority="stockport"))
    [source] = load_sources(path)
    assert (source.code, source.authority.code) == ("CSC", "stockport")
    path.write_text(ENTRY.format(authority="stockport").replace("Children's social care", "LCS"))
    load_sources(path)
    assert Source.objects.get().name == "LCS"


def test_a_source_never_moves_to_another_authority(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(ENTRY.format(authority="stockport"))
    load_sources(path)
    path.write_text(ENTRY.format(authority="surrey"))
    with pytest.raises(SourcesFileError, match="belongs to stockport, not surrey"):
        load_sources(path)
    assert Source.objects.get().authority.code == "stockport"


def test_an_unknown_category_is_refused(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(ENTRY.format(authority="stockport").replace("childrens_social_care", "tarot"))
    with pytest.raises(SourcesFileError, match="service_category 'tarot' is not configured") as e:
        load_sources(path)
    # The configured categories are listed, so the right one can be chosen.
    configured = str(e.value).split("the configured categories are ")[1]
    assert "childrens_social_care" in configured and "education" in configured


def test_an_unknown_field_lists_the_fields_a_source_has(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(ENTRY.format(authority="stockport") + 'serivce = "x"\n')
    with pytest.raises(SettingsFileError) as e:
        load_sources(path)
    assert str(e.value).startswith(f"{path}: source 1 (CSC).serivce is not a setting; ")
    assert "code, duty_phone, expected_every_days, mapping, name" in str(e.value)


def test_a_wrong_type_is_printed_in_one_sentence_and_nothing_registered(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(ENTRY.format(authority="stockport") + 'expected_every_days = "7"\n')
    with pytest.raises(CommandError) as refused:
        call_command("sources", "load", str(path))
    assert str(refused.value) == (
        f'{path}: source 1 (CSC).expected_every_days is "7"; it should be a whole number.'
    )
    assert refused.value.returncode == 1
    assert not Source.objects.exists()


def test_an_unknown_mapping_or_layout_lists_the_choices(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(ENTRY.format(authority="stockport") + 'mapping = "family-context"\n')
    with pytest.raises(SourcesFileError, match="no mapping called 'family-context'") as e:
        load_sources(path)
    assert "canonical, family-context-cdm, family-context-cdm-school" in str(e.value)
    mapping = tmp_path / "mine.toml"
    mapping.write_text('layout = "family_context"\n')
    with pytest.raises(MappingError) as e:
        load_mapping(str(mapping))
    assert str(e.value) == (
        f"mapping {mapping}: layout is \"family_context\"; it should be 'canonical' or "
        "'family-context-cdm'."
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('date_formats = "%d/%m/%Y"', 'date_formats is "%d/%m/%Y"; it should be a list such as'),
        ("[people.columns]\ngiven_name = 1", "people.columns.given_name is 1; it should be text"),
        (
            '[people.column]\ngiven_name = "Forename"',
            "people.column is not a setting; the settings here are columns, values.",
        ),
    ],
)
def test_a_wrong_mapping_file_is_refused_in_one_sentence(tmp_path, text, said):
    mapping = tmp_path / "mine.toml"
    mapping.write_text(text + "\n")
    with pytest.raises(MappingError) as e:
        load_mapping(str(mapping))
    assert str(e.value).startswith(f"mapping {mapping}: {said}")


def test_sources_load_prints_a_wrong_mapping_and_exits_1(tmp_path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text("date_formats = 1\n")
    path = tmp_path / "sources.toml"
    path.write_text(ENTRY.format(authority="stockport") + f'mapping = "{mapping}"\n')
    with pytest.raises(CommandError) as refused:
        call_command("sources", "load", str(path))
    assert str(refused.value) == (
        f"{path}, source 1 (CSC): mapping {mapping}: date_formats is 1; it should be a list "
        'such as ["a", "b"].'
    )
    assert refused.value.returncode == 1
    assert not Source.objects.exists()
