"""Registering sources from sources.toml."""

import pytest

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
    with pytest.raises(SourcesFileError, match=r"unknown field\(s\) serivce") as e:
        load_sources(path)
    assert "code, duty_phone, expected_every_days, mapping, name" in str(e.value)


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
    assert str(e.value).endswith(
        "layout 'family_context' is not one of canonical, family-context-cdm"
    )
