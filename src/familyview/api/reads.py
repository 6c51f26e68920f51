"""Reading a family through the API, on the pages' terms: the person must be in the
caller's authority, a purpose of access must be given, a shielded person's family needs
break-glass first, and then exactly one audit event records what was shown."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from familyview.access.policy import Permission, PersonAccess, Staff
from familyview.access.purpose import PurposeOfAccess
from familyview.api.access import (
    audit,
    cover_family,
    person_or_404,
    purpose_of_access,
    require_break_glass,
)
from familyview.api.problems import ApiProblem
from familyview.audit.models import AuditEvent, Level
from familyview.families.network import (
    FamilyNetwork,
    FamilyNetworkRefused,
    Viewer,
    family_network,
)


@dataclass(frozen=True)
class PersonRead:
    """A person the caller may look at, and why they are looking."""

    person_id: str
    staff: Staff
    access: PersonAccess
    purpose: PurposeOfAccess

    def record(
        self,
        request: HttpRequest,
        action: str,
        level: Level,
        subjects: list[str],
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """The one audit event of this read."""
        return audit(
            request,
            action,
            level=level,
            subjects=subjects,
            purpose=self.purpose.description,
            case_reference=self.purpose.case_reference,
            details=details,
            authority_id=self.access.authority_id,
            role=self.access.membership.role,
        )


def open_person(request: HttpRequest, person_id: str, *, family: bool) -> PersonRead:
    """Check the caller may read this person, and why (with `family`, break-glass first
    for a shielded person, as every page about them but the purpose page asks). Raises
    404, 400 or 403 problems."""
    staff, access = person_or_404(request, person_id, Permission.VIEW_FAMILY)
    purpose = purpose_of_access(request, person_id)
    if family:
        require_break_glass(request, person_id, access)
    return PersonRead(person_id, staff, access, purpose)


def open_family(request: HttpRequest, person_id: str) -> tuple[PersonRead, FamilyNetwork]:
    """The family network around the person, as this caller may see it. The purpose then
    covers everyone shown (as on the pages). The caller records the audit event."""
    read = open_person(request, person_id, family=True)
    try:
        network = family_network(
            person_id, Viewer(read.access.membership.role, read.access.authority_id)
        )
    except FamilyNetworkRefused:
        raise ApiProblem(404, "There is no such person.", kind="no-such-person") from None
    cover_family(request, person_id, read.purpose, [m.person_id for m in network.members])
    return read, network


def family_details(network: FamilyNetwork, person_id: str) -> dict[str, Any]:
    """What the audit log records of a family shown (as the family page records it)."""
    return {
        "child": person_id,
        "rules_version": network.rules_version,
        "involvements": sum(len(m.involvements) for m in network.members),
        "shielded_shown": list(network.shielded_person_ids),
    }
