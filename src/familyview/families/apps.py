from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "familyview.families"
    label = "families"
    verbose_name = "Families"
