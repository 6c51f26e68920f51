"""A database made before the privacy office had its own app keeps its alerts: the
tables stay where they are and only Django's idea of which app owns them moves."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from familyview.privacy.models import AlertCursor, PrivacyAlert

# Where main's migrations ended: the privacy tables in the audit app.
BEFORE_THE_MOVE = [("audit", "0004_retention_floor"), ("privacy", None)]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.fixture
def back_to_the_latest(transactional_db):
    """However the test ends, the database is left fully migrated for the next."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_migrating_to_the_privacy_app_keeps_every_alert(back_to_the_latest):
    executor = migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE[0]).apps
    assert not ContentType.objects.filter(app_label="privacy").exists()
    assert ContentType.objects.filter(app_label="audit", model="privacyalert").exists()
    now = timezone.now()
    old.get_model("audit", "PrivacyAlert").objects.create(
        rule="same_surname",
        key="same_surname:1:7:2026-06-03",
        explanation="Sam Patel looked up person P7B45A235BF491FC1",
        user_id=7,
        username="sam.patel",
        subjects=["P7B45A235BF491FC1"],
        first_event_at=now,
        last_event_at=now,
        rules_version=3,
    )
    old.get_model("audit", "AlertCursor").objects.update_or_create(
        pk=1, defaults={"last_sequence": 41, "last_run_at": now}
    )

    migrate(executor.loader.graph.leaf_nodes())

    alert = PrivacyAlert.objects.get()
    assert (alert.key, alert.username, alert.subjects, alert.rules_version) == (
        "same_surname:1:7:2026-06-03",
        "sam.patel",
        ["P7B45A235BF491FC1"],
        3,
    )
    assert AlertCursor.objects.get(pk=1).last_sequence == 41
    assert set(
        ContentType.objects.filter(model="privacyalert").values_list("app_label", flat=True)
    ) == {"privacy"}
