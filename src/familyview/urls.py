from django.urls import include, path

urlpatterns = [
    path("api/", include("familyview.api.urls")),
    path("", include("familyview.web.urls")),
]
