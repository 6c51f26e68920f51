"""Who is signed in, as the layout shows it: name, roles and authorities."""

from dataclasses import dataclass

from django.http import HttpRequest

from familyview.access.models import Role
from familyview.access.policy import ROLE_PERMISSIONS, staff_of


@dataclass(frozen=True)
class StaffRole:
    role: str
    role_name: str
    authority_name: str


@dataclass(frozen=True)
class SignedInStaff:
    """The signed-in member of staff, for the header and navigation."""

    name: str
    roles: tuple[StaffRole, ...]
    # What the roles allow (access.policy Permission values), for the navigation.
    permissions: frozenset[str] = frozenset()

    @property
    def description(self) -> str:
        """'Sam Patel (Data steward, Stockport)'; several roles are separated by ';'."""
        if not self.roles:
            return f"{self.name} (no role)"
        held = "; ".join(f"{r.role_name}, {r.authority_name}" for r in self.roles)
        return f"{self.name} ({held})"

    @property
    def organisation_name(self) -> str | None:
        """The authority's name when all the user's roles are in one authority."""
        names = {r.authority_name for r in self.roles}
        return names.pop() if len(names) == 1 else None


def signed_in_staff(request: HttpRequest | None) -> SignedInStaff | None:
    """The signed-in user's name and roles, read once per request; None when signed out."""
    if request is None or not request.user.is_authenticated:
        return None
    cached = getattr(request, "_familyview_signed_in_staff", None)
    if cached is not None:
        return cached
    # The member of staff access.policy read for this request: no second query.
    found = staff_of(request)
    if found is None:
        return None
    staff = SignedInStaff(
        name=found.display_name,
        roles=tuple(
            StaffRole(m.role, Role(m.role).label, m.authority_name) for m in found.memberships
        ),
        permissions=frozenset(
            str(p) for m in found.memberships for p in ROLE_PERMISSIONS.get(m.role, ())
        ),
    )
    request._familyview_signed_in_staff = staff
    return staff
