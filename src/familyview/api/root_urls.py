"""The URL configuration an API request is served under (ApiMiddleware sets it): the API
alone, with error handlers that answer in problem details, so that an error under /api/
never renders a page."""

from django.urls import include, path

urlpatterns = [path("api/", include("familyview.api.urls"))]

handler400 = "familyview.api.problems.bad_request"
handler403 = "familyview.api.problems.permission_denied"
handler404 = "familyview.api.problems.page_not_found"
handler500 = "familyview.api.problems.server_error"
