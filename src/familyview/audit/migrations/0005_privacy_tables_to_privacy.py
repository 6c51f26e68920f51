# The privacy officer's tables move to the privacy app (privacy/migrations/0001): in
# Django's state only. The tables, their names and their rows stay where they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_retention_floor'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name='privacyalert', name='events'),
                migrations.DeleteModel(name='PrivacyAlertEvent'),
                migrations.DeleteModel(name='AlertHandling'),
                migrations.DeleteModel(name='PrivacyAlert'),
                migrations.DeleteModel(name='AlertCursor'),
                migrations.DeleteModel(name='StaffHomeAddress'),
            ],
            database_operations=[],
        ),
    ]
