"""SourceRelationship moved from families to sources in the migrations' state only: a
database that held relationships under the families app keeps every row."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from familyview.families.factories import create_relationship
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.models import SourceRelationship
from tests.web.factories import create_authority

BEFORE = [("sources", "0004_values_held_back_from_rows"), ("families", "0003_family_updates")]
AFTER = [
    ("sources", "0005_source_relationship_is_the_sources"),
    ("families", "0004_source_relationship_is_the_sources"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_relationships_held_before_the_move_are_the_sources_after_it():
    imp = create_import(create_source(create_authority("stockport", "Stockport")))
    mum, child = create_person_record(imp), create_person_record(imp)
    said_before = create_relationship(imp, child, mum, "mother")

    try:
        old = migrate(BEFORE)
        # As main's migrations leave a database: the model is the families app's.
        with pytest.raises(LookupError):
            old.get_model("sources", "SourceRelationship")
        old_model = old.get_model("families", "SourceRelationship")
        assert list(old_model.objects.values_list("pk", flat=True)) == [said_before.pk]
        said_then = old_model.objects.create(
            source_id=imp.source_id,
            person_record_id=mum.pk,
            related_record_id=child.pk,
            relationship_type="child",
            row_hash="x",
            created_by_import_id=imp.pk,
            changed_by_import_id=imp.pk,
        )

        new = migrate(AFTER)
    finally:
        # Whatever happened, the test database is left as the other tests need it.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    with pytest.raises(LookupError):
        new.get_model("families", "SourceRelationship")
    assert set(
        new.get_model("sources", "SourceRelationship").objects.values_list("pk", flat=True)
    ) == {
        said_before.pk,
        said_then.pk,
    }
    assert {
        (r.relationship_type, r.person_record_id) for r in SourceRelationship.objects.all()
    } == {
        ("mother", child.pk),
        ("child", mum.pk),
    }
