"""The audit log's person index (`audit_event_subject`) checked against the events.

The privacy officer's audit by person and every subject access report read the index,
not the events: it is what makes "every event that showed this person" one indexed
look-up. But it is derived, outside the hash chain: a row deleted, or pointed at another
person, would drop events from a person's audit while the chain still verifies. Each
event's hashed `subjects` list says what its index rows must be, so verification reads
the rows beside the events, a chunk of sequence numbers at a time, and names every
difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection

from familyview.audit.models import AuditEventSubject


@dataclass(frozen=True)
class IndexDifference:
    """One way the person index differs from an event's own subjects."""

    sequence: int
    person_id: str
    missing: bool  # True: the event names the person, the index does not; False: the reverse
    event_exists: bool = True

    def __str__(self) -> str:
        if not self.event_exists:
            return (
                f"the person index names {self.person_id} in event {self.sequence}, which "
                "is not in the log"
            )
        if self.missing:
            return (
                f"the person index has lost {self.person_id} from event {self.sequence}: "
                "the person's audit and subject access report would leave it out"
            )
        return (
            f"the person index names {self.person_id} in event {self.sequence}, which does "
            "not name them: the person's audit would show an event that was not theirs"
        )


def _rows(after: int, through: int | None) -> dict[int, Counter]:
    """The index rows for events after `after` (up to `through`), by event."""
    table = AuditEventSubject._meta.db_table
    sql = f"SELECT sequence, person_id FROM {table} WHERE sequence > %s"  # noqa: S608 - ours
    params: list[int] = [after]
    if through is not None:
        sql += " AND sequence <= %s"
        params.append(through)
    found: dict[int, Counter] = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for sequence, person_id in cur.fetchall():
            found.setdefault(sequence, Counter())[person_id] += 1
    return found


def differences(
    after: int, events: Iterable[tuple[int, list[str]]], through: int | None
) -> Iterator[IndexDifference]:
    """How the index differs from `events` (sequence, subjects), which are every event
    after `after` up to `through` (None: to the end of the log)."""
    rows = _rows(after, through)
    for sequence, subjects in events:
        indexed = rows.pop(sequence, Counter())
        expected = Counter(dict.fromkeys(subjects, 1))
        for person_id in sorted((expected - indexed).keys()):
            yield IndexDifference(sequence, person_id, missing=True)
        for person_id in sorted((indexed - expected).keys()):
            yield IndexDifference(sequence, person_id, missing=False)
    for sequence in sorted(rows):
        for person_id in sorted(rows[sequence]):
            yield IndexDifference(sequence, person_id, missing=False, event_exists=False)
