"""The break-glass page: a written justification before a shielded person's family."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from familyview.access.break_glass import (
    MAX_JUSTIFICATION,
    JustificationError,
    break_glass,
    break_glass_given,
)
from familyview.access.policy import Permission, staff_of
from familyview.access.purpose import purpose_for
from familyview.access.rules import requires, url_name
from familyview.reads import door

FAMILY_VIEW = "web:family"


@requires(Permission.VIEW_FAMILY)
@require_http_methods(["GET", "HEAD", "POST"])
def break_glass_page(request: HttpRequest, person_id: str) -> HttpResponse:
    staff = staff_of(request)
    access = door.check_person(
        door.Caller(staff, request.session, where=url_name(request)),
        person_id,
        Permission.VIEW_FAMILY,
    )
    if access is None:
        raise Http404("No such person")
    if not access.shielded or break_glass_given(request.session, person_id):
        return redirect(FAMILY_VIEW, person_id=person_id)
    error = None
    justification = ""
    if request.method == "POST":
        justification = request.POST.get("justification", "")
        try:
            break_glass(
                request.session,
                staff,
                person_id,
                access,
                justification,
                purpose_for(request.session, person_id),
            )
        except JustificationError as e:
            error = str(e)
        else:
            return redirect(FAMILY_VIEW, person_id=person_id)
    return render(
        request,
        "web/access/break_glass.html",
        {
            "person_id": person_id,
            "error": error,
            "justification": justification,
            "max_length": MAX_JUSTIFICATION,
        },
        status=400 if error else 200,
    )
