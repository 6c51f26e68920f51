"""What a record's own involvements say of its person's age.

A record without a date of birth may still say when its person was a child: a school's
roll, a child and adolescent mental health service, a youth offending team work with
children only. The latest year a record shows its person in such a service (this year
for a current involvement; otherwise the latest of its end, last contact and start) is
the year that person was a child, or a young adult at most. The rules read it
(rules.must_stay_apart): before a child was born, such a record is someone else's; while
the child lived, it is a child's record, not a parent's.

Only the involvements count, not the source: a school's system holds parents as contacts
too, with no involvement of their own. Which categories are for children only is a
setting (`child_categories`, identity/thresholds.toml).
"""

from collections.abc import Iterable
from datetime import date

from django.db import connection

from familyview.identity.configuration import thresholds
from familyview.involvements.models import Involvement, InvolvementStatus

_CHUNK = 5000


def child_service_years(record_ids: Iterable[int], today: date | None = None) -> dict[int, int]:
    """Each of these records' latest year in a service for children only, where its
    involvements show one."""
    categories = sorted(thresholds().child_categories)
    wanted = sorted(set(record_ids))
    if not categories or not wanted:
        return {}
    this_year = (today or date.today()).year
    years: dict[int, int] = {}
    table = Involvement._meta.db_table
    in_categories = ", ".join(["%s"] * len(categories))
    with connection.cursor() as cur:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            cur.execute(
                "SELECT person_record_id, status, start_date, end_date, last_contact_date "  # noqa: S608
                f"FROM {table} WHERE ended_at IS NULL "
                f"AND service_category IN ({in_categories}) "
                f"AND person_record_id IN ({', '.join(['%s'] * len(chunk))})",
                [*categories, *chunk],
            )
            for record_id, status, *dates in cur.fetchall():
                if status == InvolvementStatus.CURRENT:
                    year = this_year
                else:
                    known = [_year(d) for d in dates if d]
                    if not known:
                        continue
                    year = max(known)
                years[record_id] = max(year, years.get(record_id, year))
    return years


def _year(value) -> int:
    # SQLite hands dates back as text.
    return value.year if isinstance(value, date) else int(str(value)[:4])


def add_child_service_years(records: dict[int, dict], today: date | None = None) -> None:
    """Give each record without a date of birth its `child_service_year`, where its
    involvements show one (the rules read it)."""
    undated = [rid for rid, r in records.items() if not r["birth_year"]]
    for record_id, year in child_service_years(undated, today).items():
        records[record_id]["child_service_year"] = year
