"""Registering source systems from a sources.toml file (configuration, not code)."""

import tomllib
from pathlib import Path

from django.db import transaction

from familyview.access.models import Authority
from familyview.involvements.categories import category_codes
from familyview.sources.mapping import MappingError, load_mapping
from familyview.sources.models import Source

FIELDS = {
    "code",
    "name",
    "authority",
    "service_category",
    "organisation",
    "duty_phone",
    "owner_email",
    "expected_every_days",
    "mapping",
}


class SourcesFileError(ValueError):
    """sources.toml is malformed; the message names the entry and the field."""


@transaction.atomic
def load_sources(path: Path) -> list[Source]:
    """Create or update every source in a sources.toml file; all or nothing."""
    try:
        with path.open("rb") as f:
            entries = tomllib.load(f).get("source", [])
    except tomllib.TOMLDecodeError as e:
        raise SourcesFileError(f"{path} is not valid TOML: {e}") from None
    categories = category_codes()
    sources = []
    for i, entry in enumerate(entries, start=1):
        where = f"{path.name}, source {i} ({entry.get('code', 'no code')})"
        unknown = sorted(set(entry) - FIELDS)
        if unknown:
            raise SourcesFileError(
                f"{where}: unknown field(s) {', '.join(unknown)}; a source's fields are "
                f"{', '.join(sorted(FIELDS))}"
            )
        for required in ("code", "name", "authority", "service_category"):
            if not entry.get(required):
                raise SourcesFileError(f"{where}: {required} is required")
        if entry["service_category"] not in categories:
            raise SourcesFileError(
                f"{where}: service_category {entry['service_category']!r} is not configured; "
                f"the configured categories are {', '.join(sorted(categories)) or 'none'} "
                "(familyview categories load adds a council's own)"
            )
        try:
            load_mapping(entry.get("mapping", "canonical"))
        except MappingError as e:
            raise SourcesFileError(f"{where}: {e}") from None
        authority, _ = Authority.objects.get_or_create(
            code=entry["authority"], defaults={"name": entry["authority"].replace("-", " ").title()}
        )
        held = Source.objects.filter(code=entry["code"]).select_related("authority").first()
        if held and held.authority_id != authority.pk:
            # Moving a source would hand its records to another council.
            raise SourcesFileError(
                f"{where}: source {entry['code']} belongs to {held.authority.code}, not "
                f"{authority.code}; a source never moves between authorities"
            )
        source, _ = Source.objects.update_or_create(
            code=entry["code"],
            defaults={
                "authority": authority,
                "name": entry["name"],
                "service_category": entry["service_category"],
                "organisation": entry.get("organisation", ""),
                "duty_phone": entry.get("duty_phone", ""),
                "owner_email": entry.get("owner_email", ""),
                "expected_every_days": int(entry.get("expected_every_days", 7)),
                "mapping": entry.get("mapping", "canonical"),
            },
        )
        sources.append(source)
    return sources
