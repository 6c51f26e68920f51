from django.urls import include, path

urlpatterns = [
    path("", include("familyview.web.urls")),
]
