"""Load the default service categories so that a new installation can import at once."""

from django.db import migrations

from familyview.involvements.categories import DEFAULT_CATEGORIES_FILE, ServiceCategories
from familyview.settings_files import read_file


def load_defaults(apps, schema_editor):
    ServiceCategory = apps.get_model("involvements", "ServiceCategory")
    for category in read_file(ServiceCategories, DEFAULT_CATEGORIES_FILE).category:
        ServiceCategory.objects.update_or_create(
            code=category.code,
            defaults={"name": category.name, "sensitive": category.sensitive},
        )


class Migration(migrations.Migration):
    dependencies = [("involvements", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
