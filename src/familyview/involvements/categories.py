"""Service categories as configuration: the built-in file (service_categories.toml), or a
council's own named by FAMILYVIEW_SERVICE_CATEGORIES, loaded into the database by
`familyview categories load`."""

from pathlib import Path
from typing import Annotated

from django.db import transaction
from pydantic import model_validator

from familyview.settings_files import (
    FROM_ARRAY,
    SettingsModel,
    Text,
    council_file,
    load_settings,
)

DEFAULT_CATEGORIES_FILE = Path(__file__).with_name("service_categories.toml")
ENVIRONMENT_VARIABLE = "FAMILYVIEW_SERVICE_CATEGORIES"


class Category(SettingsModel):
    """One service category: its code (what sources and rules name), its name as staff
    read it, and whether it is sensitive (shown only as far as a role allows)."""

    code: Text
    name: Text
    sensitive: bool = False


class ServiceCategories(SettingsModel):
    """The service categories file: every category, each code once. A council's file
    lists them all: a list is replaced whole, not merged."""

    category: Annotated[tuple[Category, ...], FROM_ARRAY]

    @model_validator(mode="after")
    def _each_code_once(self) -> "ServiceCategories":
        seen: set[str] = set()
        for category in self.category:
            if category.code in seen:
                raise ValueError(f"the category code {category.code!r} appears twice")
            seen.add(category.code)
        return self


def categories_file() -> Path:
    """The service categories file in force: the council's, else the built-in one."""
    return council_file(ENVIRONMENT_VARIABLE) or DEFAULT_CATEGORIES_FILE


def read_categories() -> tuple[Category, ...]:
    """The service categories in force, read and checked."""
    return load_settings(ServiceCategories, DEFAULT_CATEGORIES_FILE, ENVIRONMENT_VARIABLE).category


@transaction.atomic
def load_categories() -> int:
    """Create or update the service categories from the file in force; returns how many."""
    from familyview.involvements.models import ServiceCategory

    categories = read_categories()
    for category in categories:
        ServiceCategory.objects.update_or_create(
            code=category.code,
            defaults={"name": category.name, "sensitive": category.sensitive},
        )
    return len(categories)


def category_codes() -> set[str]:
    """The codes of every configured service category."""
    from familyview.involvements.models import ServiceCategory

    return set(ServiceCategory.objects.values_list("code", flat=True))


def service_names() -> dict[str, str]:
    """Every service category's name as staff read it, by code ("gp": "GP")."""
    from familyview.involvements.models import ServiceCategory

    return dict(ServiceCategory.objects.values_list("code", "name"))
