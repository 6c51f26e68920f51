"""A member of staff's home address, for the same-address rule: checked, recorded,
removed and audited, from the command line too."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.audit.models import AuditEvent
from familyview.privacy.alerts.home_addresses import set_staff_home_address
from familyview.privacy.models import StaffHomeAddress

pytestmark = pytest.mark.django_db


def test_a_home_address_is_recorded_checked_removed_and_audited(worker):
    with pytest.raises(ValueError, match="both the first line"):
        set_staff_home_address(worker.username, postcode="SK4 1AA")
    with pytest.raises(ValueError, match="digits"):
        set_staff_home_address(worker.username, uprn="12A")
    with pytest.raises(LookupError, match="nobody"):
        set_staff_home_address("nobody", uprn="1")
    for street, postcode in (("Mill Lane", "SK4 1AA"), ("12 Mill Lane", "SK4")):
        with pytest.raises(ValueError, match="must be one home"):
            set_staff_home_address(worker.username, address_line1=street, postcode=postcode)
    assert not StaffHomeAddress.objects.exists()

    set_staff_home_address(worker.username, uprn="100012345678", by="it.admin")
    assert StaffHomeAddress.objects.get(user=worker).uprn == "100012345678"
    set_staff_home_address(worker.username, by="it.admin")
    assert not StaffHomeAddress.objects.exists()

    events = list(AuditEvent.objects.filter(action="admin.staff_home_address"))
    assert [e.details for e in events] == [
        {"user_id": worker.pk, "recorded": True, "by": "it.admin"},
        {"user_id": worker.pk, "recorded": False, "by": "it.admin"},
    ]


def test_the_command_records_a_home_address(worker, capsys):
    call_command("alerts", "staff-address", worker.username, "--uprn", "100012345678")

    assert StaffHomeAddress.objects.get(user=worker).uprn == "100012345678"
    assert "Home address recorded" in capsys.readouterr().out
    with pytest.raises(CommandError, match="digits"):
        call_command("alerts", "staff-address", worker.username, "--uprn", "x")
