# SourceRelationship moves from the families app to sources, whose data it is: the model
# here, the table where it always was (families_sourcerelationship). State only: the
# database is not touched, and every row stays. families 0004 then forgets its copy.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sources', '0004_values_held_back_from_rows'),
        # The table is made by families 0001 on a new database.
        ('families', '0003_family_updates'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SourceRelationship',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('relationship_type', models.CharField(choices=[('mother', 'Mother'), ('father', 'Father'), ('parent', 'Parent'), ('step_parent', 'Step-parent'), ('carer', 'Carer'), ('guardian', 'Guardian'), ('child', 'Child'), ('sibling', 'Sibling'), ('half_sibling', 'Half-sibling'), ('step_sibling', 'Step-sibling'), ('partner', 'Partner'), ('ex_partner', 'Ex-partner'), ('grandparent', 'Grandparent'), ('other_relative', 'Other relative'), ('household_member', 'Household member')], max_length=20)),
                        ('start_date', models.DateField(null=True)),
                        ('end_date', models.DateField(null=True)),
                        ('row_hash', models.CharField(max_length=32)),
                        ('ended_at', models.DateTimeField(null=True)),
                        ('changed_by_import', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.extractimport')),
                        ('created_by_import', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.extractimport')),
                        ('ended_by_import', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.extractimport')),
                        ('person_record', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='relationships', to='sources.personrecord')),
                        ('related_record', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sources.personrecord')),
                        ('source', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, to='sources.source')),
                    ],
                    options={
                        'db_table': 'families_sourcerelationship',
                        'constraints': [models.UniqueConstraint(fields=('person_record', 'related_record', 'relationship_type'), name='one_relationship_per_pair_and_type')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
