"""The administrator's pages: the authority's staff, their roles, disabling an account,
resetting a lost authenticator app, and the sign-in locks in force (which the privacy
officer sees too). Each view calls one access function."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from familyview.access import administration, throttling
from familyview.access.models import Role
from familyview.access.policy import Permission, authorities_with, staff_of
from familyview.access.rules import requires


def _authority_id(request: HttpRequest) -> int:
    # An administrator of several authorities manages the first here; one per deployment
    # is the usual case.
    return authorities_with(staff_of(request), Permission.ADMINISTER)[0]


@requires(Permission.ADMINISTER)
@require_safe
def staff(request: HttpRequest) -> HttpResponse:
    members = administration.staff_list(staff_of(request), _authority_id(request))
    return render(
        request, "web/admin/staff.html", {"members": members, "role_names": dict(Role.choices)}
    )


@requires(Permission.ADMINISTER)
@require_http_methods(["GET", "HEAD", "POST"])
def staff_member(request: HttpRequest, user_id: int) -> HttpResponse:
    admin, authority_id = staff_of(request), _authority_id(request)
    error = None
    try:
        member = administration.staff_member(admin, authority_id, user_id)
        if request.method == "POST":
            action = request.POST.get("action", "")
            if action == "roles":
                member = administration.set_roles(
                    admin,
                    authority_id,
                    user_id,
                    request.POST.getlist("roles"),
                    request.POST.get("team", "").strip()[:100],
                )
                done = "Roles changed. Their sessions have ended."
            elif action in ("disable", "enable"):
                member = administration.set_active(admin, authority_id, user_id, action == "enable")
                done = f"Account {action}d." + (
                    " Their sessions have ended." if action == "disable" else ""
                )
            elif action == "reset_second_factor":
                member = administration.reset_second_factor(admin, authority_id, user_id)
                done = "They will set up an authenticator app when they next sign in."
            else:
                raise ValueError("Choose what to change")
            messages.success(request, done)
            return redirect("web:admin-staff-member", user_id=user_id)
    except administration.NotYours as e:
        if request.method == "POST" and user_id == admin.user_id:
            error = str(e)
            member = administration.staff_member(admin, authority_id, user_id)
        else:
            raise Http404(str(e)) from None
    except ValueError as e:
        error = str(e)
    return render(
        request,
        "web/admin/staff_member.html",
        {
            "member": member,
            "error": error,
            "is_self": user_id == admin.user_id,
            "roles": Role.choices,
        },
        status=400 if error else 200,
    )


@requires(Permission.SEE_SIGN_IN_LOCKS)
@require_safe
def sign_in_locks(request: HttpRequest) -> HttpResponse:
    """The usernames and client addresses that cannot sign in now, for the privacy officer
    (someone guessing) and the administrator (who lifts a lock)."""
    staff = staff_of(request)
    locks = throttling.current_locks(authorities_with(staff, Permission.SEE_SIGN_IN_LOCKS))
    return render(request, "web/admin/sign_in_locks.html", {"locks": locks})
