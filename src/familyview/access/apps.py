from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "familyview.access"
    label = "access"
    verbose_name = "Access"
