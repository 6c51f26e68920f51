from django.urls import path

from familyview.web import views, views_steward

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("imports", views.imports, name="imports"),
    path("imports/<int:import_id>", views.import_detail, name="import-detail"),
    path("steward/review", views_steward.review_queue, name="steward-review"),
    path("steward/review/<int:pair_id>", views_steward.review_pair, name="steward-review-pair"),
    path("steward/persons/<str:person_id>", views_steward.person, name="steward-person"),
    path(
        "steward/persons/<str:person_id>/merge",
        views_steward.person_merge,
        name="steward-person-merge",
    ),
    path(
        "steward/persons/<str:person_id>/split",
        views_steward.person_split,
        name="steward-person-split",
    ),
    path("steward/quality", views_steward.data_quality, name="steward-quality"),
]
