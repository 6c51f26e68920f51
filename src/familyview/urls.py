from django.urls import include, path

from familyview.api.peer_lookup import lookup

urlpatterns = [
    path("api/", include("familyview.api.urls")),
    # Neighbouring councils' deployments ask here (docs/peers.md).
    path("peer/v1/lookup", lookup, name="peer-lookup"),
    path("", include("familyview.web.urls")),
]

# A server error's page, with the response's script nonce (web/views.py).
handler500 = "familyview.web.views.server_error"
