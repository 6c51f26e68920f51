"""On PostgreSQL a connection keeps the plans of the statements it runs again and again
(every page asks the same dozen): planning the family view's joins cost PostgreSQL more
than running them."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_a_statement_run_again_and_again_is_planned_once():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    asked = 'SELECT "session_generation" FROM "access_staffaccount" WHERE "user_id" = %s'
    with connection.cursor() as cur:
        for user_id in range(8):
            cur.execute(asked, [user_id])
        cur.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cur.fetchall()]
    assert any("access_staffaccount" in statement for statement in prepared), prepared
