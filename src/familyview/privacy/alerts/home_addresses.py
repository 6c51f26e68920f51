"""A member of staff's home address, for the same-address rule: given (or removed) from the
command line, `familyview alerts staff-address`, and audited.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from familyview.audit.events import record_event
from familyview.identity.addresses import address_key, postcode_key
from familyview.privacy.models import StaffHomeAddress


def set_staff_home_address(
    username: str, *, address_line1: str = "", postcode: str = "", uprn: str = "", by: str = ""
) -> StaffHomeAddress | None:
    """Record (or with nothing given, remove) a member of staff's home address.

    Audited as an administration action, naming who ran it (`by`). Raises LookupError
    for an unknown username and ValueError for an address the rule could not compare.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise LookupError(f"no member of staff with the username {username!r}")
    address_line1, postcode, uprn = address_line1.strip(), postcode.strip(), uprn.strip()
    if uprn and not uprn.isdigit():
        raise ValueError("the UPRN must be digits only")
    if len(uprn) > 12:
        raise ValueError("the UPRN must be 12 digits or fewer")
    if postcode and len(postcode_key(postcode) or "") > 7:
        raise ValueError("the postcode is too long")
    if bool(address_line1) != bool(postcode):
        raise ValueError("give both the first line of the address and the postcode, or neither")
    if address_line1 and address_key(address_line1, "", postcode) is None:
        # Compared as households are: a street alone, or part of a postcode, is many homes.
        raise ValueError(
            "the address must be one home: a house number or name on the first line, "
            "and the full postcode"
        )
    with transaction.atomic():
        if not (address_line1 or postcode or uprn):
            StaffHomeAddress.objects.filter(user=user).delete()
            home = None
        else:
            home, _ = StaffHomeAddress.objects.update_or_create(
                user=user,
                defaults={"address_line1": address_line1, "postcode": postcode, "uprn": uprn},
            )
        record_event(
            None,
            "admin.staff_home_address",
            details={"user_id": user.pk, "recorded": home is not None, "by": by},
        )
    return home
