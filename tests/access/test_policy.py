"""The person-level rule decides on the facts it is given: no database, no person index."""

import pytest

from familyview.access.models import Role
from familyview.access.policy import (
    Membership,
    Permission,
    PersonStanding,
    Staff,
    person_access,
)

STOCKPORT, LEEDS = 1, 2


def staff(*memberships: tuple[str, int]) -> Staff:
    return Staff(
        user_id=7,
        username="pat",
        display_name="Pat",
        memberships=tuple(
            Membership(role, authority, f"a{authority}", f"Authority {authority}", "")
            for role, authority in memberships
        ),
    )


PRACTITIONER = staff((Role.PRACTITIONER, STOCKPORT))


def test_no_such_person_is_not_allowed():
    access = person_access(PRACTITIONER, None, Permission.VIEW_FAMILY)

    assert (access.allowed, access.authority_id, access.reason) == (False, None, "no such person")


def test_a_person_of_another_authority_is_not_allowed():
    access = person_access(PRACTITIONER, PersonStanding(LEEDS, False), Permission.VIEW_FAMILY)

    assert (access.allowed, access.authority_id) == (False, LEEDS)
    assert access.reason == "the permission is not held in this person's authority"
    assert not access.needs_break_glass


def test_the_permission_must_be_held_in_the_persons_authority():
    steward = staff((Role.DATA_STEWARD, STOCKPORT), (Role.PRACTITIONER, LEEDS))

    assert not person_access(
        steward, PersonStanding(STOCKPORT, False), Permission.VIEW_FAMILY
    ).allowed
    allowed = person_access(steward, PersonStanding(LEEDS, False), Permission.VIEW_FAMILY)
    assert allowed.allowed
    assert (allowed.membership.role, allowed.membership.authority_id) == (
        Role.PRACTITIONER,
        LEEDS,
    )


@pytest.mark.parametrize(("shielded", "needs_break_glass"), [(False, False), (True, True)])
def test_a_shielded_person_needs_break_glass(shielded, needs_break_glass):
    access = person_access(
        PRACTITIONER, PersonStanding(STOCKPORT, shielded), Permission.VIEW_FAMILY
    )

    assert access.allowed
    assert (access.shielded, access.needs_break_glass) == (shielded, needs_break_glass)


def test_signed_out_is_never_allowed():
    assert not person_access(None, PersonStanding(STOCKPORT, False), Permission.VIEW_FAMILY).allowed
