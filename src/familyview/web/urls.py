from django.urls import path

from familyview.web import (
    views,
    views_admin,
    views_audit,
    views_break_glass,
    views_frontline,
    views_privacy,
    views_sign_in,
    views_steward,
)

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("sign-in", views_sign_in.sign_in, name="sign-in"),
    path("sign-in/security-code", views_sign_in.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up-authenticator-app", views_sign_in.sign_in_set_up, name="sign-in-set-up"),
    path("sign-in/council", views_sign_in.sign_in_sso, name="sign-in-sso"),
    path(
        "sign-in/council/callback", views_sign_in.sign_in_sso_callback, name="sign-in-sso-callback"
    ),
    path("sign-in/keep-alive", views_sign_in.keep_alive, name="sign-in-keep-alive"),
    path("sign-out", views_sign_in.sign_out, name="sign-out"),
    path("imports", views.imports, name="imports"),
    path("imports/<int:import_id>", views.import_detail, name="import-detail"),
    path("steward/review", views_steward.review_queue, name="steward-review"),
    path("steward/review/<int:pair_id>", views_steward.review_pair, name="steward-review-pair"),
    path(
        "steward/review/confirm-duplicates",
        views_steward.review_confirm_duplicates,
        name="steward-review-confirm-duplicates",
    ),
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
    path(
        "steward/quality/<str:source_code>",
        views_steward.source_quality,
        name="steward-source-quality",
    ),
    path(
        "steward/quality/<str:source_code>/duplicates.csv",
        views_steward.source_duplicates_csv,
        name="steward-source-duplicates-csv",
    ),
    path(
        "people/<str:person_id>/break-glass",
        views_break_glass.break_glass_page,
        name="break-glass",
    ),
    path("search", views_frontline.search, name="search"),
    path("people/<str:person_id>/purpose", views_frontline.purpose, name="purpose"),
    path("people/<str:person_id>/family", views_frontline.family, name="family"),
    path("people/<str:person_id>/ecomap", views_frontline.ecomap_page, name="ecomap"),
    path("people/<str:person_id>/ecomap.svg", views_frontline.ecomap_svg, name="ecomap-svg"),
    path("people/<str:person_id>/who-to-call", views_frontline.who_to_call, name="who-to-call"),
    path("people/<str:person_id>/neighbours", views_frontline.neighbours, name="neighbours"),
    path("people/<str:person_id>/why", views_frontline.why, name="why"),
    path(
        "people/<str:person_id>/report-problem",
        views_frontline.report_problem,
        name="report-problem",
    ),
    path("steward/problems", views_steward.problems, name="steward-problems"),
    path("steward/problems/<int:report_id>", views_steward.problem, name="steward-problem"),
    path("privacy/alerts", views_privacy.alert_queue, name="privacy-alerts"),
    path("privacy/alerts/<int:alert_id>", views_privacy.alert, name="privacy-alert"),
    path("privacy/subject-access", views_privacy.subject_access_start, name="subject-access"),
    path(
        "privacy/subject-access/<str:person_id>",
        views_privacy.subject_access_person,
        name="subject-access-person",
    ),
    path(
        "privacy/subject-access/<str:person_id>/download",
        views_privacy.subject_access_csv,
        name="subject-access-csv",
    ),
    path("admin/staff", views_admin.staff, name="admin-staff"),
    path("admin/staff/<int:user_id>", views_admin.staff_member, name="admin-staff-member"),
    path("sign-in-locks", views_admin.sign_in_locks, name="sign-in-locks"),
    path("audit", views_audit.audit_log, name="audit-log"),
    path("audit/export.csv", views_audit.audit_export, name="audit-export"),
]
