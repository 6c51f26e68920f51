"""Registering sources from sources.toml."""

import pytest

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
    with pytest.raises(SourcesFileError, match="service_category 'tarot' is not configured"):
        load_sources(path)
