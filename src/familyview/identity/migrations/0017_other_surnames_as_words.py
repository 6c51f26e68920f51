"""Search looks a record up by one of its other surnames (identity/search.py,
`_has_surname`) through an index of them as words on PostgreSQL, instead of a trigram index.

On an index of 190,955 records, a search by name and year made this look-up twice: through
the trigram index 0.13-0.15 ms each (the trigrams of a short surname, " wi" or "on ", are
held by many records with other surnames), and 5 ms each while the index still held a
link run's entries in its pending list; through the words index 0.001-0.006 ms. SQLite has
neither index and keeps reading the column."""

from django.db import migrations

WORDS = (
    "CREATE INDEX IF NOT EXISTS identity_searchentry_other_surnames_words "
    "ON identity_searchentry USING gin ((string_to_array(btrim(other_surnames), ' ')))"
)
TRIGRAMS = (
    "CREATE INDEX IF NOT EXISTS identity_searchentry_other_surnames_trgm "
    "ON identity_searchentry USING gin (other_surnames gin_trgm_ops)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(WORDS)
    schema_editor.execute("DROP INDEX IF EXISTS identity_searchentry_other_surnames_trgm")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TRIGRAMS)
    schema_editor.execute("DROP INDEX IF EXISTS identity_searchentry_other_surnames_words")


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0016_problem_report_reporter_told"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
