# Events carry Family View's seal, checkpoints the events found without one, and the
# database says which it is (for the files kept outside it).

import uuid

from django.db import migrations, models
from django.utils import timezone


def name_the_database(apps, schema_editor):
    identity = apps.get_model("audit", "DatabaseIdentity")
    if not identity.objects.exists():
        identity.objects.create(database_id=uuid.uuid4().hex, created_at=timezone.now())


def keep_triggers(apps, schema_editor):
    # SQLite drops a table's triggers if a migration rebuilds it: make sure they are there.
    if schema_editor.connection.vendor == "sqlite":
        from familyview.audit.protection import drop_triggers, install_triggers

        tables = ("audit_event", "audit_checkpoint")
        drop_triggers(schema_editor.connection, tables, function=False)
        install_triggers(schema_editor.connection, tables)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_privacy_tables_to_privacy"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seal",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditcheckpoint",
            name="unsealed",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(keep_triggers, migrations.RunPython.noop),
        migrations.CreateModel(
            name="DatabaseIdentity",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("database_id", models.CharField(max_length=32, unique=True)),
                ("created_at", models.DateTimeField()),
            ],
            options={"db_table": "audit_database_identity"},
        ),
        migrations.RunPython(name_the_database, migrations.RunPython.noop),
    ]
