"""Service categories as configuration: loaded from TOML into the database."""

import tomllib
from pathlib import Path

from django.db import transaction

DEFAULT_CATEGORIES_FILE = Path(__file__).with_name("service_categories.toml")


def read_categories(path: Path = DEFAULT_CATEGORIES_FILE) -> list[dict]:
    """Read and check a service categories file."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    categories = data.get("category", [])
    seen: set[str] = set()
    for i, cat in enumerate(categories, start=1):
        if not cat.get("code") or not cat.get("name"):
            raise ValueError(f"{path}: category {i} needs a code and a name")
        if cat["code"] in seen:
            raise ValueError(f"{path}: category code {cat['code']!r} appears twice")
        seen.add(cat["code"])
    return categories


@transaction.atomic
def load_categories(path: Path = DEFAULT_CATEGORIES_FILE) -> int:
    """Create or update the service categories from a file; returns how many."""
    from familyview.involvements.models import ServiceCategory

    categories = read_categories(path)
    for cat in categories:
        ServiceCategory.objects.update_or_create(
            code=cat["code"],
            defaults={"name": cat["name"], "sensitive": bool(cat.get("sensitive", False))},
        )
    return len(categories)


def category_codes() -> set[str]:
    """The codes of every configured service category."""
    from familyview.involvements.models import ServiceCategory

    return set(ServiceCategory.objects.values_list("code", flat=True))
