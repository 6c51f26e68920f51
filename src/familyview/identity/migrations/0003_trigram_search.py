"""On PostgreSQL, trigram indexes make name search tolerant of typos at a county's scale."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS identity_searchentry_family_trgm "
        "ON identity_searchentry USING gin (family gin_trgm_ops)"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS identity_searchentry_given_trgm "
        "ON identity_searchentry USING gin (given gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS identity_searchentry_family_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS identity_searchentry_given_trgm")


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_search_entry")]
    operations = [migrations.RunPython(create, drop)]
