"""The record features a link run keeps for the next: worked out again exactly where a
record is new or changed, and never trusted where the store is missing, old or broken."""

import time

import pytest

from familyview.access.factories import create_authority
from familyview.audit.database_files import database_id
from familyview.audit.models import DatabaseIdentity
from familyview.identity import feature_store
from familyview.identity.feature_store import SCHEMA, load_features, read_features
from familyview.sources.factories import create_import, create_person_record, create_source
from familyview.sources.models import PersonRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    csc = create_import(create_source(create_authority("stockport"), code="CSC", name="CSC"))
    return [
        create_person_record(
            csc,
            given_name=name,
            family_name="Bonham-Carter",
            birth_year=2015,
            birth_month=3,
            birth_day=4,
            postcode="SK1 3XE",
        )
        for name in ("Kate", "Zoë", "Bob")
    ]


@pytest.fixture
def store(tmp_path):
    return tmp_path / "features.arrow"


def test_the_store_gives_what_working_them_out_gives(records, store):
    table, worked_out, _, saved = read_features(store)
    saved.result()
    assert worked_out == 3
    assert table.schema == SCHEMA
    assert table.to_pylist() == load_features()
    again, worked_out, _, saved = read_features(store)
    saved.result()
    assert worked_out == 0
    assert again.to_pylist() == load_features()


def test_a_changed_or_new_record_is_worked_out_again_and_only_it(records, store):
    read_features(store).stored.result()
    # As an import changes a record: its columns and its row hash.
    PersonRecord.objects.filter(pk=records[0].pk).update(given_name="Catherine", row_hash="c" * 32)
    create_person_record(records[1].created_by_import, given_name="Ann")
    table, worked_out, _, saved = read_features(store)
    saved.result()
    assert worked_out == 2
    rows = table.to_pylist()
    assert rows == load_features()
    assert rows[0]["given_name"] == "catherine"
    assert [r["given_name"] for r in rows] == ["catherine", "zoe", "bob", "ann"]


def test_a_deleted_record_leaves_the_store(records, store):
    read_features(store).stored.result()
    PersonRecord.objects.filter(pk=records[1].pk).delete()
    table, worked_out, _, saved = read_features(store)
    saved.result()
    assert (worked_out, table.column("unique_id").to_pylist()) == (
        0,
        [records[0].pk, records[2].pk],
    )


def test_a_broken_or_old_store_is_not_trusted(records, store, monkeypatch):
    read_features(store).stored.result()
    store.write_bytes(b"not an Arrow file")
    table, worked_out, _, saved = read_features(store)
    saved.result()
    assert worked_out == 3
    assert table.to_pylist() == load_features()
    monkeypatch.setattr(feature_store, "FEATURES_VERSION", "a later version")
    first = read_features(store)
    first.stored.result()
    assert first.worked_out == 3
    assert read_features(store).worked_out == 0


def test_each_database_has_its_own_store(settings, tmp_path, monkeypatch):
    from django.db import connection

    settings.LINKAGE_STORE_DIR = tmp_path
    path = feature_store.store_path()
    assert path.parent == tmp_path
    assert path.name.startswith("features-") and path.suffix == ".arrow"
    monkeypatch.setitem(connection.settings_dict, "NAME", "another council's database")
    assert feature_store.store_path() != path


def test_a_source_renamed_or_moved_works_its_records_out_again(records, store):
    read_features(store).stored.result()
    source = records[0].source
    source.code = "CASE"
    source.save()
    table, worked_out, hashes, saved = read_features(store)
    saved.result()
    assert worked_out == 3
    assert set(table.column("source").to_pylist()) == {"CASE"}
    assert hashes == {r.pk: r.row_hash for r in records}


def test_features_read_before_a_retention_run_are_not_written_back(records, settings, tmp_path):
    settings.LINKAGE_STORE_DIR = tmp_path
    read_features().stored.result()
    path = feature_store.store_path()
    assert path.exists()
    path.with_suffix(".123.partial").write_bytes(b"half a store")
    before = time.time() - 1
    feature_store.forget_features()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.with_suffix(".forgotten").name]
    # A run that read the records before the retention run ends afterwards: nothing kept.
    elsewhere = read_features(tmp_path / "elsewhere.arrow")
    elsewhere.stored.result()
    table = elsewhere.table
    feature_store._keep(
        table.append_column("fingerprint", table["source"]), path, before, database_id()
    )
    assert not path.exists()
    # A run that reads them afterwards keeps them again.
    read_features().stored.result()
    assert path.exists()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(tmp_path.stat().st_mode & 0o777) == "0o700"


def test_by_default_the_store_is_in_the_databases_own_folder(records, settings):
    from familyview.audit.database_files import IDENTITY_FILE, database_folder

    settings.LINKAGE_STORE_DIR = None
    read_features().stored.result()

    path = feature_store.store_path()
    assert path == database_folder() / "linkage" / "features.arrow"
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert f'database_id = "{database_id()}"' in (path.parent / IDENTITY_FILE).read_text()


def test_a_store_of_another_database_is_not_used(records, store, caplog):
    read_features(store).stored.result()
    assert read_features(store).worked_out == 0
    # The same name, another database (dropped and made again, say).
    DatabaseIdentity.objects.update(database_id="another0database0identity0000000")

    again = read_features(store)
    again.stored.result()
    assert again.worked_out == 3
    assert "are not this database's" in caplog.text
    assert read_features(store).worked_out == 0  # now kept as this database's
