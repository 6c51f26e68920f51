from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "familyview.privacy"
    label = "privacy"
    verbose_name = "Privacy office"
