# SourceRelationship is the sources' now (sources 0005 took it over, table and all): the
# families app forgets its copy. State only: the table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('families', '0003_family_updates'),
        ('sources', '0005_source_relationship_is_the_sources'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='SourceRelationship')],
            database_operations=[],
        ),
    ]
