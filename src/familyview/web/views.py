"""The pages. Each view parses the request, calls a domain function and renders."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from familyview.access.policy import Permission
from familyview.sources import queries
from familyview.sources.models import ExtractImport
from familyview.web.forms import SignInForm, error_list, field_error
from familyview.web.pagination import pagination
from familyview.web.permissions import public, requires, signed_in


@signed_in
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@public
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next_url(request)
    if request.method == "POST":
        form = SignInForm(request, request.POST)
        if form.is_valid():
            return _start_session(request, form.user, next_url)
    elif request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    else:
        form = SignInForm(request)
    return render(
        request,
        "web/sign_in.html",
        {
            "form": form,
            "next_url": next_url,
            "error_list": error_list(form),
            "username_error": field_error(form, "username"),
            "password_error": field_error(form, "password"),
        },
    )


def _start_session(
    request: HttpRequest, user: AbstractBaseUser, next_url: str | None
) -> HttpResponse:
    """The password is right: start the signed-in session.

    The second factor (TOTP) goes here: instead of logging in, keep the user's id in the
    session as 'password checked' and redirect to the second-factor page, which calls
    login() once the code is right. login() rotates the session key and CSRF token.
    """
    login(request, user)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _safe_next_url(request: HttpRequest) -> str | None:
    """The page to return to after signing in, only if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@public
@require_http_methods(["GET", "HEAD", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; only a POST (with its CSRF token) signs out."""
    if request.method == "POST":
        logout(request)
        messages.success(request, "You have signed out.")
        return redirect(settings.LOGIN_URL)
    return render(request, "web/sign_out.html")


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
    authority_ids = _import_authority_ids(request)
    try:
        detail = queries.import_with_quarantine(import_id, authority_ids, request.GET.get("page"))
    except ExtractImport.DoesNotExist:
        raise Http404("No such import") from None
    return render(
        request,
        "web/import_detail.html",
        {
            "extract_import": detail.extract_import,
            "quarantined_rows": detail.quarantined_rows,
            "pagination": pagination(request, detail.quarantined_rows),
        },
    )


def _import_authority_ids(request: HttpRequest) -> list[int]:
    """The authorities whose imports the user manages; 403 for anyone else."""
    authority_ids = queries.import_authority_ids(request.user)
    if not authority_ids:
        raise PermissionDenied("Only data stewards can see imports.")
    return authority_ids
