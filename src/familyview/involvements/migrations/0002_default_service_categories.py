"""Load the default service categories so that a new installation can import at once."""

from django.db import migrations

# Frozen here as the built-in file held them: a migration never reads files or settings
# that a later release, or a council, may change (`familyview categories load` does).
DEFAULT_CATEGORIES = [
    ("childrens_social_care", "Children's social care", False),
    ("early_help", "Early help", False),
    ("adult_social_care", "Adult social care", False),
    ("police", "Police", False),
    ("youth_justice", "Youth justice", False),
    ("probation", "Probation", False),
    ("camhs", "Child and adolescent mental health", True),
    ("adult_mental_health", "Adult mental health", True),
    ("substance_misuse", "Substance misuse", True),
    ("education", "Education (school)", False),
    ("send", "Special educational needs", False),
    ("housing", "Housing", False),
    ("health_visiting", "Health visiting and school nursing", False),
    ("gp", "GP", False),
    ("domestic_abuse", "Domestic abuse services", True),
    ("sexual_health", "Sexual health", True),
]


def load_defaults(apps, schema_editor):
    ServiceCategory = apps.get_model("involvements", "ServiceCategory")
    for code, name, sensitive in DEFAULT_CATEGORIES:
        ServiceCategory.objects.update_or_create(
            code=code, defaults={"name": name, "sensitive": sensitive}
        )


class Migration(migrations.Migration):
    dependencies = [("involvements", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
