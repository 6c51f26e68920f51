from django.urls import path

from familyview.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("imports", views.imports, name="imports"),
    path("imports/<int:import_id>", views.import_detail, name="import-detail"),
]
