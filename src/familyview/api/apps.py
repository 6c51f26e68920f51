from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "familyview.api"
    label = "api"
    verbose_name = "JSON API"
