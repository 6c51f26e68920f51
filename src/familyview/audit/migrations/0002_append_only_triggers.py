"""The audit tables become append-only: triggers refuse UPDATE, DELETE (and TRUNCATE on
PostgreSQL). A later migration that makes Django rebuild one of these tables on SQLite
(most field changes do) drops its triggers with it and must install them again."""

from django.db import migrations


TABLES = ("audit_event", "audit_event_subject", "audit_checkpoint")


def install(apps, schema_editor):
    from familyview.audit.protection import install_triggers

    install_triggers(schema_editor.connection, TABLES)


def drop(apps, schema_editor):
    from familyview.audit.protection import drop_triggers

    drop_triggers(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, drop)]
