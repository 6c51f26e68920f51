"""The pages. Each view parses the request, calls a domain function and renders."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from familyview.access.policy import Permission, authorities_with, staff_of
from familyview.access.rules import public, requires, signed_in, url_name
from familyview.sources import import_reads, queries
from familyview.web.pagination import pagination


@signed_in
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """The server error page (Django's handler500). Rendered without the request, which
    may be what failed (a session or the database), but with the response's script nonce:
    Django's own handler gives none, and the Content-Security-Policy would then block GOV.UK
    Frontend's inline scripts."""
    nonce = getattr(request, "csp_nonce", None)
    return HttpResponseServerError(
        render_to_string("500.html", {"given_nonce": "" if nonce is None else str(nonce)})
    )


@public
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@requires(Permission.MANAGE_IMPORTS)
@require_safe
def imports(request: HttpRequest) -> HttpResponse:
    authority_ids = _import_authority_ids(request)
    history = queries.import_history(authority_ids, request.GET.get("page"))
    return render(
        request,
        "web/imports.html",
        {
            "sources": queries.sources_overview(authority_ids),
            "history": history,
            "pagination": pagination(request, history),
        },
    )


@requires(Permission.MANAGE_IMPORTS)
@require_safe
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    detail = import_reads.read_import_detail(
        staff_of(request),
        import_id,
        request.GET.get("page"),
        request.GET.get("held_page"),
        url_name(request),
    )
    if detail is None:
        raise Http404("No such import")
    return render(
        request,
        "web/import_detail.html",
        {
            "extract_import": detail.extract_import,
            "quarantined_rows": detail.quarantined_rows,
            "pagination": pagination(request, detail.quarantined_rows),
            "values_held_back": detail.values_held_back,
            "held_back_pagination": pagination(request, detail.values_held_back, "held_page"),
        },
    )


def _import_authority_ids(request: HttpRequest) -> list[int]:
    """The authorities whose imports the user manages (`@requires` let in only them)."""
    return authorities_with(staff_of(request), Permission.MANAGE_IMPORTS)
