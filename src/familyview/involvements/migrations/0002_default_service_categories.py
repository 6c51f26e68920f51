"""Load the default service categories so that a new installation can import at once."""

import tomllib

from django.db import migrations

from familyview.involvements.categories import DEFAULT_CATEGORIES_FILE


def load_defaults(apps, schema_editor):
    ServiceCategory = apps.get_model("involvements", "ServiceCategory")
    with DEFAULT_CATEGORIES_FILE.open("rb") as f:
        for cat in tomllib.load(f)["category"]:
            ServiceCategory.objects.update_or_create(
                code=cat["code"],
                defaults={"name": cat["name"], "sensitive": bool(cat.get("sensitive", False))},
            )


class Migration(migrations.Migration):
    dependencies = [("involvements", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
