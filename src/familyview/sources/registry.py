"""Registering source systems from a sources.toml file (configuration, not code)."""

from pathlib import Path
from typing import Annotated

from django.db import transaction
from pydantic import Field

from familyview.access.models import Authority
from familyview.involvements.categories import category_codes
from familyview.settings_files import FROM_ARRAY, SettingsFileError, SettingsModel, Text, read_file
from familyview.sources.mapping import MappingError, load_mapping
from familyview.sources.models import Source


class SourcesFileError(SettingsFileError):
    """sources.toml names what cannot be: the message names the file, the entry and why."""


class SourceEntry(SettingsModel):
    """One source system as sources.toml registers it."""

    code: Text
    name: Text
    authority: Text
    service_category: Text
    organisation: str = ""
    duty_phone: str = ""
    owner_email: str = ""
    expected_every_days: int = Field(7, ge=0)
    mapping: Text = "canonical"


class SourcesFile(SettingsModel):
    """A sources.toml file: a [[source]] table for each source system."""

    source: Annotated[tuple[SourceEntry, ...], FROM_ARRAY] = ()


@transaction.atomic
def load_sources(path: Path) -> list[Source]:
    """Create or update every source in a sources.toml file; all or nothing."""
    entries = read_file(SourcesFile, path).source
    categories = category_codes()
    sources = []
    for i, entry in enumerate(entries, start=1):
        where = f"{path}, source {i} ({entry.code})"
        if entry.service_category not in categories:
            raise SourcesFileError(
                f"{where}: service_category {entry.service_category!r} is not configured; "
                f"the configured categories are {', '.join(sorted(categories)) or 'none'} "
                "(a council's own are named by FAMILYVIEW_SERVICE_CATEGORIES and loaded by "
                "familyview categories load)"
            )
        try:
            load_mapping(entry.mapping)
        except MappingError as e:
            raise SourcesFileError(f"{where}: {e}") from None
        authority, _ = Authority.objects.get_or_create(
            code=entry.authority, defaults={"name": entry.authority.replace("-", " ").title()}
        )
        held = Source.objects.filter(code=entry.code).select_related("authority").first()
        if held and held.authority_id != authority.pk:
            # Moving a source would hand its records to another council.
            raise SourcesFileError(
                f"{where}: source {entry.code} belongs to {held.authority.code}, not "
                f"{authority.code}; a source never moves between authorities"
            )
        source, _ = Source.objects.update_or_create(
            code=entry.code,
            defaults={"authority": authority, **entry.model_dump(exclude={"code", "authority"})},
        )
        sources.append(source)
    return sources
