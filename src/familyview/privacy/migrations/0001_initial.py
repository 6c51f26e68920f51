# The privacy officer's tables, taken over from the audit app (audit/0005) as they are:
# the same table, index and constraint names, so Django's state changes and not a row
# moves. A new database gets them from audit/0003, run before this.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ('privacyalert', 'privacyalertevent', 'alerthandling', 'alertcursor', 'staffhomeaddress')


def content_types_to(app_label: str, other: str):
    """Rename the models' content types (and so their permissions) from one app to the
    other, where the old ones exist and the new ones do not yet."""

    def rename(apps, schema_editor):
        ContentType = apps.get_model('contenttypes', 'ContentType')
        taken = set(
            ContentType.objects.filter(app_label=app_label, model__in=MODELS).values_list(
                'model', flat=True
            )
        )
        ContentType.objects.filter(app_label=other, model__in=MODELS).exclude(
            model__in=taken
        ).update(app_label=app_label)

    return rename


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('access', '0001_initial'),
        ('audit', '0005_privacy_tables_to_privacy'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AlertCursor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('last_sequence', models.BigIntegerField(default=0)),
                        ('last_run_at', models.DateTimeField(null=True)),
                    ],
                    options={
                        'db_table': 'audit_privacy_alert_cursor',
                    },
                ),
                migrations.CreateModel(
                    name='PrivacyAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rule', models.CharField(choices=[('same_surname', 'Looked up someone with their own surname'), ('same_address', 'Looked up someone at their own home address'), ('volume_hour', 'Viewed unusually many people in an hour'), ('volume_day', 'Viewed unusually many people in a day'), ('out_of_hours', 'Used Family View out of hours'), ('break_glass', 'Broke the glass to see a shielded person'), ('shielded_person', 'Saw a shielded person')], max_length=20)),
                        ('key', models.CharField(max_length=200)),
                        ('explanation', models.TextField()),
                        ('user_id', models.IntegerField(null=True)),
                        ('username', models.CharField(blank=True, max_length=150)),
                        ('subjects', models.JSONField(default=list)),
                        ('first_event_at', models.DateTimeField()),
                        ('last_event_at', models.DateTimeField()),
                        ('raised_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('rules_version', models.PositiveIntegerField()),
                        ('status', models.CharField(choices=[('open', 'Open'), ('under_review', 'Under review'), ('no_concern', 'No concern'), ('concern_referred', 'Concern referred')], default='open', max_length=20)),
                        ('outcome_note', models.TextField(blank=True)),
                        ('handled_at', models.DateTimeField(null=True)),
                        ('authority', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='access.authority')),
                        ('handled_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'audit_privacy_alert',
                        'ordering': ['-raised_at', '-id'],
                        'indexes': [
                            models.Index(fields=['authority', 'status', 'raised_at'], name='privacy_alert_queue'),
                            models.Index(fields=['key'], name='privacy_alert_key'),
                            models.Index(fields=['user_id', 'raised_at'], name='privacy_alert_user'),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name='AlertHandling',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('under_review', 'Under review'), ('no_concern', 'No concern'), ('concern_referred', 'Concern referred')], max_length=20)),
                        ('note', models.TextField(blank=True)),
                        ('handled_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('handled_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='handling', to='privacy.privacyalert')),
                    ],
                    options={
                        'db_table': 'audit_privacy_alert_handling',
                        'ordering': ['handled_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PrivacyAlertEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='event_links', to='privacy.privacyalert')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='audit.auditevent')),
                    ],
                    options={
                        'db_table': 'audit_privacy_alert_event',
                        'constraints': [
                            models.UniqueConstraint(fields=('alert', 'event'), name='one_link_per_alert_event'),
                        ],
                    },
                ),
                migrations.AddField(
                    model_name='privacyalert',
                    name='events',
                    field=models.ManyToManyField(related_name='privacy_alerts', through='privacy.PrivacyAlertEvent', to='audit.auditevent'),
                ),
                migrations.CreateModel(
                    name='StaffHomeAddress',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('address_line1', models.CharField(blank=True, max_length=200)),
                        ('postcode', models.CharField(blank=True, max_length=8)),
                        ('uprn', models.CharField(blank=True, max_length=12)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='home_address', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'audit_staff_home_address',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_types_to('privacy', 'audit'), content_types_to('audit', 'privacy')
        ),
    ]
