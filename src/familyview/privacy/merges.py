"""Where a person identifier went: a person retired by a merge (a steward's or a link
run's, recorded as an IdentityChange) lives on in the person it was merged into.

Subject access follows merges both ways (a retired identifier says where it went; a
report covers the identifiers merged in), and the alert rules judge a person merged
since an event by the person they joined.
"""

from familyview.identity.models import IdentityChange


def merged_into(person_id: str) -> str | None:
    """The person a retired person was merged into, following merges to the last one;
    None when they were never merged away."""
    seen = {person_id}
    current = person_id
    while True:
        changes = IdentityChange.objects.filter(
            kind=IdentityChange.Kind.MERGE, other_persons__icontains=current
        ).order_by("-at", "-pk")
        target = next((c.person_id for c in changes if current in (c.other_persons or [])), None)
        if target is None or target in seen:
            return None if current == person_id else current
        seen.add(target)
        current = target


def former_ids(person_id: str) -> list[str]:
    """Identifiers merged into this person, following earlier merges too."""
    found: list[str] = []
    pending = [person_id]
    while pending:
        current = pending.pop()
        for change in IdentityChange.objects.filter(
            kind=IdentityChange.Kind.MERGE, person_id=current
        ).order_by("at", "pk"):
            for other in change.other_persons or []:
                if other not in found and other != person_id:
                    found.append(other)
                    pending.append(other)
    return found
