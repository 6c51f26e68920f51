from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "familyview.identity"
    label = "identity"
    verbose_name = "Person index"
