"""Named reads of the family links the last build left, for the floors above families.

Access decides on what it is given and never reads families itself: a purpose of access
given for a child's case covers the child's family, and the page that takes the purpose
asks here who that family is.
"""

from familyview.families.models import FamilyLink


def family_of(child_person_id: str, authority_id: int) -> list[str]:
    """The people in the child's family (as the last family build found them), whom a
    purpose given for the child's case covers."""
    return list(
        FamilyLink.objects.filter(person_id=child_person_id, authority_id=authority_id)
        .values_list("related_person_id", flat=True)
        .distinct()
    )
