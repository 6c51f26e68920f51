from django.urls import include, path

urlpatterns = [
    path("api/", include("familyview.api.urls")),
    path("", include("familyview.web.urls")),
]

# A server error's page, with the response's script nonce (web/views.py).
handler500 = "familyview.web.views.server_error"
