"""The administrator's staff pages: roles, disabling an account, resetting an
authenticator app; each change ends the person's sessions and is audited."""

import pytest
from django.test import Client

from familyview.access.factories import TEST_TOTP_SECRET, create_staff
from familyview.access.models import Role, StaffAccount, StaffMembership
from familyview.audit.models import AuditEvent

from .pages import read, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(authority):
    return create_staff(Role.ADMINISTRATOR, authority, username="ada.admin")


@pytest.fixture
def worker(authority):
    return create_staff(
        Role.PRACTITIONER,
        authority,
        username="wes.worker",
        first_name="Wes",
        last_name="Worker",
        totp_secret=TEST_TOTP_SECRET,
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_staff_list_shows_the_authoritys_staff_only(admin, worker, other_authority):
    create_staff(Role.PRACTITIONER, other_authority, username="elsewhere", last_name="Away")
    page = read(signed_in(admin).get("/admin/staff"))
    names = [text(a) for a in page.select("table a")]
    assert "Wes Worker" in names
    assert all("Away" not in n for n in names)


def test_changing_roles_ends_their_sessions_and_is_audited(admin, worker, authority):
    theirs = signed_in(worker)
    assert theirs.get("/search").status_code == 200
    response = signed_in(admin).post(
        f"/admin/staff/{worker.pk}",
        {"action": "roles", "roles": ["team_manager"], "team": "Early help east"},
    )
    assert response.status_code == 302
    assert set(StaffMembership.objects.filter(user=worker).values_list("role", flat=True)) == {
        "team_manager"
    }
    assert theirs.get("/search").status_code == 302  # signed out: back to sign-in
    event = AuditEvent.objects.get(action="admin.roles_changed")
    assert event.username == "ada.admin"
    assert event.details["roles_before"] == ["practitioner"]
    assert event.details["roles_after"] == ["team_manager"]


def test_disabling_an_account_ends_its_sessions(admin, worker):
    theirs = signed_in(worker)
    signed_in(admin).post(f"/admin/staff/{worker.pk}", {"action": "disable"})
    worker.refresh_from_db()
    assert not worker.is_active
    assert theirs.get("/search").status_code == 302
    assert AuditEvent.objects.filter(action="admin.account_disabled").count() == 1


def test_resetting_the_authenticator_app(admin, worker):
    signed_in(admin).post(f"/admin/staff/{worker.pk}", {"action": "reset_second_factor"})
    account = StaffAccount.objects.get(user=worker)
    assert account.totp_confirmed_at is None
    assert AuditEvent.objects.filter(action="admin.second_factor_reset").count() == 1


def test_no_role_at_all_is_refused_with_a_message(admin, worker):
    response = signed_in(admin).post(f"/admin/staff/{worker.pk}", {"action": "roles"})
    assert response.status_code == 400
    assert "Choose at least one role" in text(read(response).select_one(".govuk-error-summary"))
    assert StaffMembership.objects.filter(user=worker).count() == 1


def test_an_administrator_cannot_change_their_own_access(admin):
    response = signed_in(admin).post(f"/admin/staff/{admin.pk}", {"action": "disable"})
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.is_active


def test_another_authoritys_staff_are_not_found(admin, other_authority):
    elsewhere = create_staff(Role.PRACTITIONER, other_authority, username="elsewhere")
    client = signed_in(admin)
    assert client.get(f"/admin/staff/{elsewhere.pk}").status_code == 404
    assert client.post(f"/admin/staff/{elsewhere.pk}", {"action": "disable"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.is_active


def test_the_privacy_officer_and_the_administrator_see_the_sign_in_locks(
    admin, worker, authority, other_authority
):
    from familyview.access import throttling

    create_staff(Role.PRACTITIONER, other_authority, username="elsewhere")
    for _ in range(50):
        throttling.record_failure("", "203.0.113.7")  # an office's address
    for username in ("wes.worker", "elsewhere", "no.such.person"):
        for _ in range(5):
            throttling.record_failure(username, "")
    officer = create_staff(Role.PRIVACY_OFFICER, authority, username="pip.officer")

    for who in (admin, officer):
        page = read(signed_in(who).get("/sign-in-locks"))
        tables = page.select("table")
        assert [text(td) for td in tables[0].select("tbody td")][:2] == ["203.0.113.7", "50"]
        assert [text(td) for td in tables[1].select("tbody td")][:2] == ["wes.worker", "5"]
        # Another authority's staff, and usernames that are no one's, are only counted.
        assert "elsewhere" not in page.text and "no.such.person" not in page.text
        assert text(page.select_one("[data-testid=other-usernames]")).startswith(
            "2 other usernames are locked"
        )
        nav = [text(a) for a in page.select(".govuk-service-navigation__link")]
        assert "Sign-in locks" in nav

    assert signed_in(worker).get("/sign-in-locks").status_code == 403
